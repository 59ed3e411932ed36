"""How the model tests name a judged divergence."""

from __future__ import annotations

from harness.checks import Divergence


def outcome_label(d: Divergence) -> str:
    """``expected -> actual`` for outcome divergences, the signature for the others.

    A served or 5xx answer's signature leaves out the codes the request could have earned
    (harness.checks.check_outcome); these tests also check which codes the model expected.
    """
    if d.kind in ("server-error", "unexpected-success", "auth"):
        return f"{d.expected.label} -> {d.signature.split(' -> ', 1)[1]}"
    return d.signature
