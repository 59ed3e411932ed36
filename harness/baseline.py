"""Baselines: the divergences of a target that are known, by finding id.

A baseline is a JSON file per target (``baselines/<target>.json``)::

    {"target": "emulator", "implementation": "moto 5.2.5",
     "findings": [{"id": "...", "rule": "...", "operation": "...", "kind": "...",
                   "reason": "why it diverges, checked by hand", "checked": "2026-11-22"}]}

A run fails only on findings whose id is not in the baseline. Each entry is data:

``reason`` (required)
    why it diverges, checked by hand;
``link`` (optional)
    where the fault is tracked upstream (an issue of the target's project);
``expires`` (optional, ``YYYY-MM-DD``)
    from that day on the entry no longer excuses its finding: the finding counts as new again,
    with ``baseline: "expired"`` (for a fault that a release is due to fix, say);
``checked`` (optional)
    the day the reason was last checked.

``--update-baseline`` rewrites the file from a run (:func:`updated`): every finding of the run
has an entry, existing entries keep their reason, link, expiry and checked date, and a new one
gets the placeholder reason :data:`UNREVIEWED` ("UNREVIEWED: ..."). An unreviewed entry excuses
nothing: its finding still counts as new, so a run stays red until a person has written why the
target diverges (an update must not turn a new divergence green by itself).

Entries whose rule ran in this run but that no finding matched are *stale*: listed, so that a
fix in the target shows up; ``--strict-baseline`` makes them fail the run. Entries of rules
that did not run (a ``-k`` run, a shard) are not judged at all.
"""

from __future__ import annotations

import json
import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from harness.errors import UsageError

REQUIRED = ("id", "reason")
UNREVIEWED = "UNREVIEWED"
"""How the reason of an entry ``--update-baseline`` added begins, until a person replaces it."""


def default_path(target: str) -> Path:
    root = Path(os.environ.get("HARNESS_BASELINES", Path(__file__).resolve().parent / "data" / "baselines"))
    return root / f"{target}.json"


@dataclass(frozen=True)
class Baseline:
    path: Path | None
    entries: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> Baseline:
        return cls(None, {})

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"cannot read baseline {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise UsageError(f"baseline {path} is not JSON: {exc}") from None
        items = doc.get("findings") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            raise UsageError(f"baseline {path} has no 'findings' list")
        entries: dict[str, Mapping[str, Any]] = {}
        for index, item in enumerate(items):
            missing = [k for k in REQUIRED if not (isinstance(item, dict) and item.get(k))]
            if missing:
                raise UsageError(f"baseline {path} entry {index} lacks {', '.join(missing)}")
            expires = item.get("expires")
            if expires is not None and not _is_date(expires):
                raise UsageError(f"baseline {path} entry {index}: expires {expires!r} is not YYYY-MM-DD")
            entries[item["id"]] = item
        return cls(path, entries)

    def verdict(self, finding_id: str, today: date | None = None) -> str:
        """``known`` (a reviewed entry, not expired), ``expired``, or ``new`` (no entry, or an
        entry whose reason is still :data:`UNREVIEWED`)."""
        entry = self.entries.get(finding_id)
        if entry is None or str(entry["reason"]).startswith(UNREVIEWED):
            return "new"
        expires = entry.get("expires")
        if expires is not None and date.fromisoformat(str(expires)) <= (today or date.today()):
            return "expired"
        return "known"

    def knows(self, finding_id: str) -> bool:
        """Whether the entry of ``finding_id`` excuses it today (see :meth:`verdict`)."""
        return self.verdict(finding_id) == "known"

    def stale(self, seen_ids: Iterable[str], ran: Collection[str] | None = None) -> list[str]:
        """Entries no finding matched, among those whose rule is in ``ran`` (the rules this run
        checked; ``None``: every rule)."""
        seen = set(seen_ids)
        return [
            fid
            for fid, entry in self.entries.items()
            if fid not in seen and (ran is None or rule_of(entry) in ran)
        ]

    def annotate(self, document: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of a findings.json document whose findings carry their entry's ``baseline_reason``
        (and ``baseline_link``, ``baseline_expires`` when the entry has them)."""
        findings = []
        for finding in document.get("findings") or []:
            entry = self.entries.get(str(finding.get("id")))
            extra = {}
            if entry is not None:
                extra["baseline_reason"] = str(entry["reason"])
                for key in ("link", "expires"):
                    if entry.get(key):
                        extra[f"baseline_{key}"] = str(entry[key])
            findings.append({**finding, **extra})
        return {**document, "findings": findings}

    def reason(self, finding_id: str) -> str | None:
        entry = self.entries.get(finding_id)
        return str(entry["reason"]) if entry else None


def rule_of(entry: Mapping[str, Any]) -> str:
    """The rule of an entry: its ``rule``, else the first part of its id."""
    return str(entry.get("rule") or str(entry["id"]).split(":", 1)[0])


def _is_date(value: Any) -> bool:
    try:
        date.fromisoformat(str(value))
    except ValueError:
        return False
    return len(str(value)) == 10


def updated(
    baseline: Baseline,
    findings: Iterable[Mapping[str, Any]],
    *,
    target: str,
    implementation: str | None,
    stale: Collection[str] = (),
    drop_stale: bool = False,
    today: date | None = None,
) -> dict[str, Any]:
    """The baseline document ``--update-baseline`` writes after a run (see the module doc).

    Every non-advisory finding of the run gets an entry: its existing one (reason, link, expiry,
    checked date kept; rule, operation, kind and detail refreshed), else a new one with the
    :data:`UNREVIEWED` placeholder. Existing entries the run did not meet are kept (another seed
    may meet them), except the ``stale`` ones when ``drop_stale`` (``--strict-baseline``)."""
    day = (today or date.today()).isoformat()
    entries: dict[str, dict[str, Any]] = {fid: dict(e) for fid, e in baseline.entries.items()}
    for finding in findings:
        if finding.get("advisory"):
            continue  # an advisory never fails a run: it needs no entry
        fid = str(finding["id"])
        entry = entries.get(fid) or {
            "reason": f"{UNREVIEWED}: added by --update-baseline on {day}; replace with why the "
            "target diverges, checked by hand against the rule's source",
            "checked": day,
        }
        actual = finding.get("actual") or {}
        entries[fid] = {
            "id": fid,
            "rule": finding.get("rule"),
            "operation": finding.get("operation"),
            "kind": finding.get("kind"),
            "detail": actual.get("detail", ""),
            **{k: v for k, v in entry.items() if k not in ("id", "rule", "operation", "kind", "detail")},
        }
    if drop_stale:
        for fid in stale:
            entries.pop(fid, None)
    document: dict[str, Any] = {"target": target, "implementation": implementation}
    if baseline.path is not None and baseline.path.is_file():
        previous = json.loads(baseline.path.read_text(encoding="utf-8"))
        document = {**previous, "target": target}  # its note and other members are kept
        document["implementation"] = implementation or previous.get("implementation")
    document["findings"] = [entries[fid] for fid in sorted(entries)]
    return document
