"""findings.json: the report every run writes (shared/contracts/findings.schema.json).

The document is validated against the contract before it is written, and written
atomically, so a reader never sees a half-written or off-contract report.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema

from harness.contracts import findings_validator
from harness.errors import HarnessError
from harness.findings import Finding
from harness.reporting import console

HARNESS_VERSION = "0.1.0"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class RunReport:
    target: dict[str, Any]
    seed: int | str | None
    started_at: str
    profile: str = "aws"
    calls: int = 0
    throttled: int = 0
    rules: dict[str, str] = field(default_factory=dict)
    """rule id -> passed | failed | unchecked (with the reason in ``unchecked``)."""
    unchecked: dict[str, str] = field(default_factory=dict)
    stale_baseline: list[str] = field(default_factory=list)
    unapplied_checks: list[str] = field(default_factory=list)
    memo_replayed: int = 0
    """Calls judged from the run's memo of identical state-free attempts, not sent (harness.engine.memo)."""
    example_db: dict[str, int] | None = None
    """With ``--example-db``: what replaying its stored examples cost (``replayed_calls``)."""
    tests: dict[str, dict[str, str]] = field(default_factory=dict)
    """test name (``<rule>:<operation>``, ``stateful <machine>``) -> status and reason."""
    not_applicable: list[dict[str, str]] = field(default_factory=list)
    """Rules (by operation) that could not apply to the target, each with the reason."""
    accounting: dict[str, Any] = field(default_factory=dict)
    """``budget`` and ``cleanup`` of the summary (harness.engine.accounting), when they apply."""

    def document(self, findings: Iterable[Finding]) -> dict[str, Any]:
        items = [f.to_dict() for f in findings]
        # Advisories (inferred expectations) are counted apart: never new, known or failing.
        hard = [f for f in items if not f.get("advisory")]
        new = sum(1 for f in hard if f.get("baseline") != "known")
        failed = sorted({f["rule"] for f in hard})
        for rule in failed:
            self.rules.setdefault(rule, "failed")
            if self.rules[rule] in ("passed", "advisory"):
                self.rules[rule] = "failed"
        for rule in sorted({f["rule"] for f in items} - set(failed)):
            if self.rules.get(rule, "passed") in ("passed", "failed"):
                self.rules[rule] = "advisory"
        summary: dict[str, Any] = {
            "calls": self.calls,
            "findings": len(items),
            "new_findings": new,
            "known_findings": len(hard) - new,
            "advisories": len(items) - len(hard),
            "rules_checked": sum(1 for s in self.rules.values() if s in ("passed", "failed", "advisory")),
            "rules_failed": sum(1 for s in self.rules.values() if s == "failed"),
            "rules": dict(sorted(self.rules.items())),
            "throttled_retries": self.throttled,
        }
        if self.memo_replayed:
            summary["memo_replayed"] = self.memo_replayed
        if self.unchecked:
            summary["unchecked"] = dict(sorted(self.unchecked.items()))
        summary["stale"] = len(self.stale_baseline)
        if self.stale_baseline:
            summary["stale_baseline"] = list(self.stale_baseline)
        if self.unapplied_checks:
            summary["unapplied_checks"] = list(self.unapplied_checks)
        if self.example_db is not None:
            summary["example_db"] = dict(self.example_db)
        if self.tests:
            summary["tests"] = dict(sorted(self.tests.items()))
        summary.update(self.accounting)
        return {
            "target": dict(self.target),
            "harness_version": HARNESS_VERSION,
            "profile": self.profile,
            "started_at": self.started_at,
            "finished_at": now_iso(),
            "seed": self.seed,
            "summary": summary,
            "findings": sorted(items, key=lambda f: f["id"]),
            **({"not_applicable": list(self.not_applicable)} if self.not_applicable else {}),
        }


def validate(document: Mapping[str, Any]) -> None:
    try:
        findings_validator().validate(document)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        raise HarnessError(
            f"internal error: findings.json breaks the contract at /{where}: {exc.message}"
        ) from None


def write_json_atomic(path: Path, document: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2, ensure_ascii=False)
        handle.write("\n")
    os.replace(tmp, path)
    return path


def write(report_dir: Path, document: Mapping[str, Any]) -> Path:
    validate(document)
    return write_json_atomic(report_dir / "findings.json", document)


def summary_lines(
    document: Mapping[str, Any], *, verbose: bool = False, width: int | None = None
) -> list[str]:
    """The end-of-run text of a findings.json document (with causes): one screen at default
    verbosity (``width``: a terminal's), every finding and stale entry with ``verbose``
    (harness.reporting.console)."""
    return console.summary_lines(document, verbose=verbose, width=width)
