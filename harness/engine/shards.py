"""Which part of a split run a test belongs to: ``--shard I/N`` and pytest-xdist workers.

The split is round-robin over the selected tests in suite order (rule tests in
harness.scenarios.base.FAMILIES order): rule test number ``p`` (from 0) belongs to part
``p mod N``. The state machines, each of which costs what a dozen rule tests cost, are dealt
apart, from the last part backwards, so two machines never share a part while another has none.
Suite order is fixed by the code, so the split is the same on every machine that runs the same
commit with the same selection (``-k``), and neighbouring tests, which cost about the same, land
in different parts. A worker of ``-n N`` runs exactly the tests of one
part, in suite order, so ``-n 2`` and the two runs ``--shard 1/2`` and ``--shard 2/2`` send the
same calls in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from harness.errors import UsageError

T = TypeVar("T")

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def is_machine(name: str) -> bool:
    """Whether a test (by pytest node id or name) is a state machine (harness/suite/test_stateful.py)."""
    return "test_stateful[" in name or name.startswith("stateful ")


def parts_of(items: Sequence[T], parts: int, heavy: Callable[[T], bool]) -> list[int]:
    """The part (from 0) of each of ``items`` (in suite order): the light ones round-robin from
    the first part, the ``heavy`` ones round-robin from the last part backwards."""
    light_seen = heavy_seen = 0
    out = []
    for item in items:
        if heavy(item):
            out.append(parts - 1 - heavy_seen % parts)
            heavy_seen += 1
        else:
            out.append(light_seen % parts)
            light_seen += 1
    return out


def split(items: Sequence[T], parts: int, heavy: Callable[[T], bool] = lambda item: False) -> list[list[T]]:
    """``items`` (in suite order) in ``parts`` parts, each in suite order."""
    out: list[list[T]] = [[] for _ in range(parts)]
    for item, part in zip(items, parts_of(items, parts, heavy), strict=True):
        out[part].append(item)
    return out


@dataclass(frozen=True)
class Shard:
    """``--shard I/N``: this run is part ``index`` (from 1) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = _SHARD.match(text)
        if match is None:
            raise UsageError(f"--shard takes I/N, e.g. --shard 1/4 (got {text!r})")
        index, count = int(match.group(1)), int(match.group(2))
        if count < 1 or not 1 <= index <= count:
            raise UsageError(f"--shard {text}: I must be between 1 and N, and N at least 1")
        return cls(index, count)

    def select(self, items: Sequence[T], heavy: Callable[[T], bool] = lambda item: False) -> list[T]:
        """The items of this shard, in suite order."""
        return split(items, self.count, heavy)[self.index - 1]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
