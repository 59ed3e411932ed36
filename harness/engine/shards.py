"""Which part of a split run a test belongs to: ``--shard I/N`` and pytest-xdist workers.

The split balances the parts' expected cost, not their counts of tests: the tests' costs differ
fiftyfold (a state machine runs for 45 s, many rule tests for 1 s), and a split by count left
one of two workers running 100 s after the other had finished (benchmarks/RESULTS.md,
"pytest-xdist"). Each test's cost is its measured time in a single-process run of the suite
(``harness/data/test_costs.json``, written by ``benchmarks/test_costs.py`` from that run's
cassette); a test the table does not know costs the table's median. The tests are dealt
heaviest first, each to the part with the least cost so far (the lowest-numbered part on a
tie; equal costs, as in a selection the table does not know, deal round-robin), and each part
runs its tests in suite order (rule tests in harness.scenarios.base.FAMILIES order). The tests
of a service that asks for it (``Service.one_part``) are dealt as one unit, so that each of them
meets the target in the state a single run leaves it: split, they found other divergences; so
are the tests that share a coverage phase, which a run makes once.

Costs are whole tenths of a second and the deal depends on nothing else, so the split is the
same on every machine that runs the same commit with the same selection (``-k``). A worker of
``-n N`` runs exactly the tests of one part, in suite order, so ``-n 2`` and the two runs
``--shard 1/2`` and ``--shard 2/2`` send the same calls in the same order.
"""

from __future__ import annotations

import json
import re
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

from harness.errors import UsageError

T = TypeVar("T")

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
_PARAM = re.compile(r"\[(.*)\]$")

COSTS = Path(__file__).resolve().parents[1] / "data" / "test_costs.json"
"""Each test's measured seconds in a single-process run (benchmarks/test_costs.py writes it)."""


def is_machine(name: str) -> bool:
    """Whether a test (by pytest node id or name) is a state machine (harness/suite/test_stateful.py)."""
    return "test_stateful[" in name or name.startswith("stateful ")


def name_of(nodeid: str) -> str:
    """A test's name as cassettes and findings.json give it: the rule test's name
    (``kms.tags.too-many:CreateKey``) or ``stateful <machine>``, from its pytest node id."""
    match = _PARAM.search(nodeid)
    if match is None:
        return nodeid
    return f"stateful {match.group(1)}" if is_machine(nodeid) else match.group(1)


@cache
def _table() -> tuple[Mapping[str, int], int]:
    """The cost table in tenths of a second, and the cost of a test it does not name."""
    try:
        document = json.loads(COSTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}, 1  # no table: every test costs the same, and the deal is round-robin
    table = {name: max(1, round(float(seconds) * 10)) for name, seconds in document["seconds"].items()}
    return table, int(statistics.median_low(sorted(table.values()))) if table else 1


def cost_of(test: str) -> int:
    """The expected cost of a test (by pytest node id or name), in tenths of a second."""
    table, unknown = _table()
    return table.get(name_of(test), unknown)


def unit_of(test: str) -> str | None:
    """The unit a test (by pytest node id or name) is dealt in: its service's name when the
    service keeps its tests in one part; else the name of the coverage phase it starts with,
    when it has one (a run makes each phase once: tests sharing one go together, or each part
    would make it again, 151 calls of the KMS survey in a seed-1 run); else ``None`` (alone)."""
    from harness.scenarios import SCENARIOS
    from harness.services import SERVICES

    name = name_of(test)
    service = next((s.name for s in SERVICES if s.one_part and s.runs(name)), None)
    if service is not None:
        return service
    rule_test = SCENARIOS.get(name)
    return rule_test.coverage_key if rule_test is not None else None


def parts_of(
    items: Sequence[T],
    parts: int,
    cost: Callable[[T], int],
    unit: Callable[[T], str | None] = lambda item: None,
) -> list[int]:
    """The part (from 0) of each of ``items`` (in suite order): units heaviest first, each to the
    part with the least cost so far; ties go to the earlier unit and to the lower part. A unit is
    an item alone, or all items ``unit`` gives the same name."""
    members: dict[str | int, list[int]] = {}
    for index, item in enumerate(items):
        name = unit(item)
        members.setdefault(index if name is None else name, []).append(index)
    units = list(members.values())
    costs = [sum(cost(items[i]) for i in unit_items) for unit_items in units]
    load = [0] * parts
    out = [0] * len(items)
    for u in sorted(range(len(units)), key=lambda u: (-costs[u], units[u][0])):
        part = min(range(parts), key=lambda p: (load[p], p))
        for index in units[u]:
            out[index] = part
        load[part] += costs[u]
    return out


def split(
    items: Sequence[T],
    parts: int,
    cost: Callable[[T], int] = lambda item: 1,
    unit: Callable[[T], str | None] = lambda item: None,
) -> list[list[T]]:
    """``items`` (in suite order) in ``parts`` parts, each in suite order."""
    out: list[list[T]] = [[] for _ in range(parts)]
    for item, part in zip(items, parts_of(items, parts, cost, unit), strict=True):
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

    def select(
        self,
        items: Sequence[T],
        cost: Callable[[T], int] = lambda item: 1,
        unit: Callable[[T], str | None] = lambda item: None,
    ) -> list[T]:
        """The items of this shard, in suite order."""
        return split(items, self.count, cost, unit)[self.index - 1]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
