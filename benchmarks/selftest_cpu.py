"""CPU seconds of each self-test module, its child processes included: where `pytest tests` spends.

    pytest tests -n auto -p benchmarks.selftest_cpu           # writes one line per test to $SELFTEST_CPU
    python benchmarks/selftest_cpu.py FILE [FILE...]          # the table, per module, largest first

As a pytest plugin (``-p benchmarks.selftest_cpu``, loaded by every xdist worker too) it appends,
for each test, the CPU its protocol (set-up, call, tear-down) cost the worker process and the
children it has waited for (``RUSAGE_CHILDREN``: moto servers, child ``pytest`` runs, the ``aws``
CLI, forked reproductions) to the file named by ``SELFTEST_CPU`` (one JSON object a line). A
child is counted when it ends: a module-scoped moto server in its module's last tear-down, the
session's shared moto (tests/conftest.py) in the last test of its worker. Counts, not wall
times: they hold still while other work shares the machine (see common practice in RESULTS.md).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    before = _cpu()
    yield
    target = os.environ.get("SELFTEST_CPU")
    if target:
        line = {
            "test": item.nodeid,
            "cpu": round(_cpu() - before, 3),
            "worker": os.environ.get("PYTEST_XDIST_WORKER", ""),
            "ended": round(time.time(), 1),  # when each worker ran out of work: the balance
        }
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


def table(paths: list[Path]) -> list[tuple[str, float, int]]:
    per: dict[str, list[float]] = defaultdict(list)
    for path in paths:
        for text in path.read_text(encoding="utf-8").splitlines():
            if text.strip():
                row: dict[str, Any] = json.loads(text)
                per[row["test"].split("::", 1)[0]].append(row["cpu"])
    return sorted(((m, sum(v), len(v)) for m, v in per.items()), key=lambda r: -r[1])


def workers(paths: list[Path]) -> list[tuple[str, float, float | None]]:
    """Each worker's CPU and when its last test ended (lines of an older version have no time)."""
    cpu: dict[str, float] = defaultdict(float)
    ended: dict[str, float] = {}
    for path in paths:
        for text in path.read_text(encoding="utf-8").splitlines():
            if text.strip():
                row: dict[str, Any] = json.loads(text)
                cpu[row["worker"]] += row["cpu"]
                if "ended" in row:
                    ended[row["worker"]] = max(ended.get(row["worker"], 0.0), row["ended"])
    return [(w, cpu[w], ended.get(w)) for w in sorted(cpu)]


def main() -> int:
    paths = [Path(p) for p in sys.argv[1:]]
    if not paths or not all(p.is_file() for p in paths):
        print("usage: python benchmarks/selftest_cpu.py FILE [FILE...]", file=sys.stderr)
        return 2
    rows = table(paths)
    for module, cpu, tests in rows:
        print(f"{cpu:8.1f} s {tests:5d} tests  {module}")
    print(f"{sum(r[1] for r in rows):8.1f} s {sum(r[2] for r in rows):5d} tests  in all")
    rows_by_worker = workers(paths)
    first_done = min((e for _, _, e in rows_by_worker if e), default=None)
    for worker, cpu, ended in rows_by_worker:
        idle = f", done {ended - first_done:.1f} s after the first worker" if ended and first_done else ""
        print(f"{cpu:8.1f} s on worker {worker or '(none)'}{idle}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
