"""Cassettes: every exchange of a run, in order, one JSON object per line.

The format is shared/contracts/cassette.schema.json (a copy ships in
``harness/contracts/``). Writing streams to ``<name>.partial`` and renames at the end,
so a run that stops on a harness error leaves no half-written cassette behind.
Reading names a corrupt line by its number.

Two extension members (the contract allows extra members) tell replay how the run
judged its exchanges: ``"role": "control"`` marks a control call, and ``"history":
"start"`` marks the exchange where the recording run's model started empty and
complete (see :attr:`harness.exchange.Exchange.history_start`). A third, ``"test"``, names
the rule test or state machine that sent the call (``python -m harness verify`` reads it).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import jsonschema

from harness.contracts import cassette_validator
from harness.errors import CassetteError
from harness.exchange import Exchange


class CassetteWriter:
    def __init__(self, path: Path, *, history_start: bool = False, bound_lists: bool = False):
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        self._file: IO[str] | None = None
        self.count = 0
        self.history_start = history_start
        """Mark the first exchange written as the start of the recorded history."""
        self.test: str | None = None
        """The test whose calls are being written: each line then names it (``"test"``), so a
        certification bundle's verifier can tell which test exercised what."""
        self._bound = ListBound() if bound_lists else None
        """Leave out of list answers the items that name nothing this cassette showed before."""

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
        line = exchange.to_cassette()
        if self._bound is not None:
            line = self._bound.apply(line)
        if self.test is not None:
            line["test"] = self.test  # an extension member, like "role" and "history"
        self._file.write(json.dumps(line, ensure_ascii=False) + "\n")
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


#: A list answer with at most this many items is kept whole: AWS's default page size (100), the
#: most a conforming endpoint answers unasked. Only longer lists (an endpoint that ignores page
#: sizes, or one asked for more) are bounded.
LONG_LIST = 100

#: Items about resources the run never touched that a long list keeps: one more than the default
#: page size, so an endpoint that ignores page sizes still shows it in the cassette.
FOREIGN_KEPT = 101

#: Strings shorter than this are never names (states, usages, check values).
NAME_LENGTH = 8


class ListBound:
    """Keeps a cassette the size of the run's own work on an endpoint that holds much more.

    A list answer (an answer member that is a list of objects, e.g. ListKeys's ``Keys``) of an
    endpoint reused for many runs, or of a long-lived account, lists everything the endpoint ever
    held: a moto server reused for ten runs answered Payment Cryptography ListKeys with 5.5 MB.
    In a list longer than :data:`LONG_LIST`, an item's names are its strings that no other item
    of the list shares (an ARN, a key id, an alias name; not a state or a usage, which many items
    share). An item none of whose names appeared in an earlier line of this cassette (a request,
    or an answer outside such lists) is about something this run never made, named or saw: it is
    left out of the line, and the line's ``"elided"`` member (an extension, like ``"role"``)
    counts what was left out, per member. The first :data:`FOREIGN_KEPT` of them are kept in
    the first such answer of each operation and Region, so that a page longer than AWS's
    default page size still shows on replay (once: a replay counts fewer occurrences of it).
    Lists of at most :data:`LONG_LIST` items are kept whole. On a target the run started
    empty, a long list names keys the run made, whose names came in the answers that made them,
    unless such an answer was lost (a server error after the key was made).

    The live run judged the whole answer; a replay judges what is kept.
    """

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.shown: set[tuple[Any, ...]] = set()
        """(service, operation, Region, member) whose foreign items a line already kept."""

    def apply(self, line: dict[str, Any]) -> dict[str, Any]:
        self.seen |= _strings(line.get("request"))
        response = line.get("response")
        if not isinstance(response, dict):
            return line
        elided: dict[str, int] = {}
        kept_response = dict(response)
        learned: set[str] = set()
        for member, value in response.items():
            long_list = isinstance(value, list) and len(value) > LONG_LIST
            if not (long_list and all(isinstance(item, dict) for item in value)):
                learned |= _strings(value)
                continue
            per_item = [_strings(item) for item in value]
            shared = Counter(name for names in per_item for name in names)
            where = (line.get("service"), line.get("operation"), line.get("region"), member)
            allowed = 0 if where in self.shown else FOREIGN_KEPT
            foreign = 0
            kept = []
            for item, strings in zip(value, per_item, strict=True):
                names = {name for name in strings if shared[name] == 1}
                if not names or names & self.seen:
                    learned |= names
                else:
                    # Never learned from: a listing does not make a foreign resource the run's.
                    foreign += 1
                    if foreign > allowed:
                        continue
                kept.append(item)
            if foreign:
                self.shown.add(where)
            if len(kept) < len(value):
                elided[member] = len(value) - len(kept)
                kept_response[member] = kept
        self.seen |= learned
        if not elided:
            return line
        return {**line, "response": kept_response, "elided": elided}


def _strings(value: Any) -> set[str]:
    """Every string of at least NAME_LENGTH characters in ``value``, at any depth."""
    found: set[str] = set()
    _collect_strings(value, found)
    return found


def _collect_strings(value: Any, into: set[str]) -> None:
    # Into one set: a set per node, joined on the way up, was most of the cost of bounding a
    # line (every line of a run is walked).
    if isinstance(value, str):
        if len(value) >= NAME_LENGTH:
            into.add(value)
    elif isinstance(value, dict):
        for each in value.values():
            _collect_strings(each, into)
    elif isinstance(value, list):
        for each in value:
            _collect_strings(each, into)
