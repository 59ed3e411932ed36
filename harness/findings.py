"""Findings: divergences with a stable id, the call that shows them, and how to reproduce.

The id is a fingerprint of the rule, the operation, the kind of divergence and its
signature (see :mod:`harness.checks`), never of drawn data, so the same fault gets the
same id in every run and a baseline can name it. The signature of an outcome names the
member (or key state) the request broke its rule at: two members mishandled are two ids.
A run keeps one finding per id: the smallest example seen, replaced by Hypothesis's shrunk
example when there is one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from harness.checks import Divergence
from harness.exchange import Exchange


def finding_id(rule: str, service: str, operation: str, kind: str, signature: str) -> str:
    digest = hashlib.sha256("\x1f".join((rule, service, operation, kind, signature)).encode())
    return f"{rule}:{operation}:{kind}:{digest.hexdigest()[:8]}"


def step_record(exchange: Exchange) -> dict[str, Any]:
    """A step of ``steps`` (findings.schema.json ``exchange``)."""
    return {
        "service": exchange.service,
        "region": exchange.region,
        "operation": exchange.operation,
        "request": json.loads(json.dumps(exchange.request)),
        "status": exchange.status,
        "error": exchange.error_code,
    }


@dataclass(frozen=True, slots=True)
class Finding:
    id: str
    divergence: Divergence
    region: str
    request: Mapping[str, Any]
    steps: tuple[Exchange, ...]
    """The exchanges before the diverging one, in order (empty for single-call findings)."""
    exchange: Exchange
    shrunk: bool = False
    occurrences: int = 1
    baseline: str | None = None
    reproduce: str = ""
    reproduce_cli: str = ""
    """The same as a bash snippet: the AWS CLI, or curl (harness.reproduce_cli)."""
    other: Mapping[str, Any] | None = None
    """Differential runs (kind ``difference``): the other target's answer to the same call."""

    @property
    def rule(self) -> str:
        return self.divergence.rule

    @property
    def advisory(self) -> bool:
        """Its expectation is inferred: reported and counted apart, never failing a run and never
        needing a baseline entry."""
        return self.divergence.advisory

    @property
    def size(self) -> tuple[int, int]:
        """How big the example is; smaller is a better example."""
        return (len(self.steps), len(json.dumps(self.request, sort_keys=True)))

    def to_dict(self) -> dict[str, Any]:
        d = self.divergence
        actual: dict[str, Any] = {
            "status": d.status,
            "error": d.error,
            "message": d.message,
            "detail": d.detail,
        }
        out: dict[str, Any] = {
            "id": self.id,
            "rule": d.rule,
            "service": d.service,
            "operation": d.operation,
            "region": self.region,
            "kind": d.kind,
            "expected": d.expected.to_dict(),
            "actual": actual,
            "request": json.loads(json.dumps(self.request)),
            "steps": [step_record(s) for s in self.steps],
            "source": d.source,
            "signature": d.signature,
            "shrunk": self.shrunk,
            "occurrences": self.occurrences,
            "evidence": d.evidence,
            "advisory": d.advisory,
        }
        if d.broken:
            # Several rules no document orders: any of their answers was accepted.
            out["broken_rules"] = list(d.broken)
        if self.reproduce:
            out["reproduce"] = self.reproduce
        if self.reproduce_cli:
            out["reproduce_cli"] = self.reproduce_cli
        if self.baseline is not None:
            out["baseline"] = self.baseline
        if self.other is not None:
            out["other"] = json.loads(json.dumps(self.other))
        return out


def make_finding(
    divergence: Divergence, exchange: Exchange, steps: Sequence[Exchange], *, shrunk: bool = False
) -> Finding:
    fid = finding_id(
        divergence.rule,
        divergence.service,
        divergence.operation,
        divergence.kind,
        divergence.signature,
    )
    return Finding(
        id=fid,
        divergence=divergence,
        region=exchange.region,
        request=exchange.request,
        steps=tuple(steps),
        exchange=exchange,
        shrunk=shrunk,
    )


@dataclass
class FindingsLog:
    """Every finding of a run, one per id, in the order first seen."""

    _by_id: dict[str, Finding] = field(default_factory=dict)

    def record(self, finding: Finding) -> Finding:
        current = self._by_id.get(finding.id)
        if current is None:
            self._by_id[finding.id] = finding
            return finding
        count = current.occurrences + 1
        better = (finding.shrunk and not current.shrunk) or (
            finding.shrunk == current.shrunk and finding.size < current.size
        )
        kept = finding if better else current
        self._by_id[finding.id] = replace(kept, occurrences=count)
        return self._by_id[finding.id]

    def prefer_shrunk(self, finding: Finding) -> None:
        """Hypothesis's final, shrunk example of ``finding.id`` replaces any other example."""
        current = self._by_id.get(finding.id)
        count = current.occurrences if current else 1
        self._by_id[finding.id] = replace(finding, shrunk=True, occurrences=count)

    def update(self, finding: Finding) -> None:
        self._by_id[finding.id] = finding

    def __iter__(self) -> Any:
        return iter(list(self._by_id.values()))

    def __len__(self) -> int:
        return len(self._by_id)

    def get(self, fid: str) -> Finding | None:
        return self._by_id.get(fid)
