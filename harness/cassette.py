"""Cassettes: every exchange of a run, in order, one JSON object per line.

The format is shared/contracts/cassette.schema.json (a copy ships in
``harness/contracts/``). Writing streams to ``<name>.partial`` and renames at the end,
so a run that stops on a harness error leaves no half-written cassette behind.
Reading names a corrupt line by its number.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import jsonschema

from harness.contracts import cassette_validator
from harness.errors import CassetteError
from harness.exchange import Exchange


class CassetteWriter:
    def __init__(self, path: Path):
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self._file: IO[str] | None = None
        self.count = 0

    def open(self) -> CassetteWriter:
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.partial.open("w", encoding="utf-8")
        return self

    def write(self, exchange: Exchange) -> None:
        if self._file is None:
            self.open()
        assert self._file is not None
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
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise CassetteError(f"cannot read cassette {path}: {exc.strerror or exc}") from None
    validator = cassette_validator()
    with handle:
        seen = 0
        for number, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                line: Any = json.loads(text)
            except json.JSONDecodeError as exc:
                raise CassetteError(f"{path}:{number}: not JSON ({exc.msg})") from None
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
