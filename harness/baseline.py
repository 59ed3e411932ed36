"""Baselines: the divergences of a target that are known, by finding id.

A baseline is a JSON file per target (``baselines/<target>.json``)::

    {"target": "emulator", "implementation": "moto 5.2.5",
     "findings": [{"id": "...", "rule": "...", "operation": "...", "kind": "...",
                   "reason": "why it diverges, checked by hand", "checked": "2026-11-22"}]}

A run fails only on findings whose id is not in the baseline. Entries that no
finding matched are reported as stale, so a fix in the target shows up.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UsageError

REQUIRED = ("id", "reason")


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
            entries[item["id"]] = item
        return cls(path, entries)

    def knows(self, finding_id: str) -> bool:
        return finding_id in self.entries

    def stale(self, seen_ids: Iterable[str]) -> list[str]:
        seen = set(seen_ids)
        return [fid for fid in self.entries if fid not in seen]

    def reason(self, finding_id: str) -> str | None:
        entry = self.entries.get(finding_id)
        return str(entry["reason"]) if entry else None
