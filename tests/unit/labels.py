"""How the model tests name a judged divergence."""

from __future__ import annotations

from harness.checks import Divergence


def outcome_label(d: Divergence) -> str:
    """``expected -> actual`` for outcome divergences, the signature for the others.

    A served or 5xx answer's signature leaves out the codes the request could have earned
    (harness.checks.check_outcome); these tests also check which codes the model expected. Where
    the request broke the rule (`` @ /Member`` or `` @ state S``, which finding ids name) is left
    out: tests/unit/test_findings.py checks it.
    """
    signature = d.signature.split(" @ ", 1)[0]
    if d.kind in ("server-error", "unexpected-success", "auth"):
        return f"{d.expected.label} -> {signature.split(' -> ', 1)[1]}"
    return signature
