"""The ledger: every key a run against a real account created, on disk as soon as its id is known.

``<report-dir>/ledger.jsonl`` holds one JSON object per line, appended and flushed (and synced)
line by line, so a run killed at any point leaves every key it learnt of behind it:

- ``{"event": "created", "run_id", "service", "region", "key", "operation", "tagged", "at"}``:
  a key the run created (``key`` is its ARN, or its id when the answer gave no ARN);
  ``tagged`` says how it carries the run's tag (``request``: in the creating request;
  ``after``: by a TagResource right after creation; ``no``: not tagged);
- ``{"event": "unknown", "run_id", "service", "region", "operation", "at"}``: a creating call
  that got no answer (it may have created a key the ledger cannot name: sweep by tag finds it);
- ``{"event": "scheduled", "run_id", "service", "region", "key", "outcome", "detail", "at"}``:
  what cleanup did with a key.

``python -m harness sweep`` reads ledgers (and tags) to find what a killed run left. Nothing
secret is ever written here: ARNs, Regions and the run id only.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from harness.errors import UsageError

LEDGER_NAME = "ledger.jsonl"
#: The tag every key a run creates carries; its value is the run id.
RUN_TAG = "harness:run-id"


def new_run_id() -> str:
    """A run id: when the run started, and enough randomness to be unique."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"h-{stamp}-{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class LedgerKey:
    """A key a ledger names."""

    run_id: str
    service: str
    region: str
    key: str
    operation: str = ""


class Ledger:
    """Appends to ``<report-dir>/ledger.jsonl``; the file is created with its first line."""

    def __init__(self, path: Path, run_id: str):
        self.path = path
        self.run_id = run_id
        self._file: IO[str] | None = None
        self.created: list[LedgerKey] = []

    def _write(self, record: dict[str, Any]) -> None:
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
        line = {"event": record.pop("event"), "run_id": self.run_id, **record, "at": round(time.time(), 3)}
        self._file.write(json.dumps(line, sort_keys=False) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def key_created(self, service: str, region: str, key: str, operation: str, tagged: str) -> LedgerKey:
        entry = LedgerKey(self.run_id, service, region, key, operation)
        self._write(
            {
                "event": "created",
                "service": service,
                "region": region,
                "key": key,
                "operation": operation,
                "tagged": tagged,
            }
        )
        self.created.append(entry)
        return entry

    def unknown(self, service: str, region: str, operation: str) -> None:
        self._write({"event": "unknown", "service": service, "region": region, "operation": operation})

    def scheduled(self, key: LedgerKey, outcome: str, detail: str) -> None:
        self._write(
            {
                "event": "scheduled",
                "service": key.service,
                "region": key.region,
                "key": key.key,
                "outcome": outcome,
                "detail": detail,
            }
        )

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def ledger_files(paths: Iterable[Path]) -> list[Path]:
    """The ledger files ``paths`` name: files as given, directories searched for ledger.jsonl."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(path.rglob(LEDGER_NAME)))
        else:
            raise UsageError(f"--ledger {path}: no such file or directory")
    return list(dict.fromkeys(found))


def read_created(path: Path) -> Iterator[LedgerKey]:
    """The keys a ledger says were created; a line that is not a ledger record is a UsageError."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read ledger {path}: {exc}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("not an object")
        except ValueError:
            # The last line of a killed run may be cut short: it cannot name a key; others must parse.
            if number == len(text.splitlines()):
                continue
            raise UsageError(f"{path}:{number}: not a ledger line") from None
        if record.get("event") != "created":
            continue
        run_id, service, region, key = (record.get(name) for name in ("run_id", "service", "region", "key"))
        if not (isinstance(run_id, str) and isinstance(service, str) and isinstance(region, str)) or not (
            isinstance(key, str) and key
        ):
            raise UsageError(f"{path}:{number}: a created line needs run_id, service, region and key")
        yield LedgerKey(run_id, service, region, key, str(record.get("operation") or ""))
