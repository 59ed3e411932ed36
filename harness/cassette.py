"""Cassettes: every exchange of a run, in order, one JSON object per line.

The format is shared/contracts/cassette.schema.json (a copy ships in
``harness/contracts/``). Writing streams to ``<name>.partial`` and renames at the end,
so a run that stops on a harness error leaves no half-written cassette behind.
Reading names a corrupt line by its number.

Two extension members (the contract allows extra members) tell replay how the run
judged its exchanges: ``"role": "control"`` marks a control call, and ``"history":
"start"`` marks the exchange where the recording run's model started empty and
complete (see :attr:`harness.exchange.Exchange.history_start`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import jsonschema

from harness.contracts import cassette_validator
from harness.errors import CassetteError
from harness.exchange import Exchange


class CassetteWriter:
    def __init__(self, path: Path, *, history_start: bool = False):
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self._file: IO[str] | None = None
        self.count = 0
        self.history_start = history_start
        """Mark the first exchange written as the start of the recorded history."""

    def open(self) -> CassetteWriter:
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.partial.open("w", encoding="utf-8")
        return self

    def write(self, exchange: Exchange) -> None:
        if self._file is None:
            self.open()
        assert self._file is not None
        if self.count == 0 and self.history_start:
            exchange = replace(exchange, history_start=True)
        self._file.write(json.dumps(exchange.to_cassette(), ensure_ascii=False) + "\n")
        self._file.flush()
        self.count += 1

    def commit(self) -> Path:
        """Close and move the cassette into place."""
        if self._file is None:
            self.open()
        assert self._file is not None
        self._file.close()
        self._file = None
        os.replace(self.partial, self.path)
        return self.path

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self.partial.unlink(missing_ok=True)


def read(path: Path) -> Iterator[tuple[int, Exchange]]:
    """The exchanges of a cassette with their line numbers; :class:`CassetteError` if corrupt."""
    try:
        # Binary, decoded line by line: a byte that is not UTF-8 is named by its line too.
        handle = path.open("rb")
    except OSError as exc:
        raise CassetteError(f"cannot read cassette {path}: {exc.strerror or exc}") from None
    validator = cassette_validator()
    with handle:
        seen = 0
        for number, data in enumerate(_lines(handle, path), start=1):
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                raise CassetteError(f"{path}:{number}: not UTF-8 text") from None
            if not text.strip():
                continue
            try:
                line: Any = json.loads(text)
            except json.JSONDecodeError as exc:
                raise CassetteError(f"{path}:{number}: not JSON ({exc.msg})") from None
            except RecursionError:
                raise CassetteError(f"{path}:{number}: not a cassette exchange (nested too deeply)") from None
            try:
                validator.validate(line)
            except jsonschema.ValidationError as exc:
                where = "/".join(str(p) for p in exc.absolute_path) or "the line"
                raise CassetteError(
                    f"{path}:{number}: not a cassette exchange ({where}: {exc.message})"
                ) from None
            seen += 1
            yield number, Exchange.from_cassette(line)
        if seen == 0:
            raise CassetteError(f"{path} holds no exchanges; it is not a cassette")


def _lines(handle: IO[bytes], path: Path) -> Iterator[bytes]:
    try:
        yield from handle
    except OSError as exc:  # e.g. the path is a directory
        raise CassetteError(f"cannot read cassette {path}: {exc.strerror or exc}") from None
