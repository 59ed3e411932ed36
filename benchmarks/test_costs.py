"""Each test's measured time in a single-process run: the cost table that splits a run.

    python benchmarks/test_costs.py REPORT_DIR [--write]

Reads the cassette of a ``pytest --target=emulator`` run in one process (``-n 0``), in which
every exchange names its test and carries the time it was sent, and gives each test the time
from its first call to the next test's first call (the calls, the harness's own work between
them, and pytest's and Hypothesis's). With ``--write`` it writes harness/data/test_costs.json,
which harness.engine.shards reads to deal tests into parts of equal cost (``-n N`` workers,
``--shard I/N``). Without, it prints the table and how the committed table and this one split
the suite. Refresh the table when tests are added or their calls change much; a stale table
still splits deterministically, only less evenly.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from harness.engine.shards import COSTS


def measured(cassette: Path) -> tuple[dict[str, float], Counter[str]]:
    rows = [json.loads(line) for line in cassette.read_text(encoding="utf-8").splitlines() if line.strip()]
    seconds: dict[str, float] = {}
    calls: Counter[str] = Counter()
    for row, following in zip(rows, [*rows[1:], None], strict=True):
        test = row.get("test")
        if test is None:
            continue
        calls[test] += 1
        seconds.setdefault(test, 0.0)
        if following is not None and row.get("at") and following.get("at"):
            seconds[test] += max(0.0, following["at"] - row["at"])
    return seconds, calls


def document(seconds: dict[str, float], calls: Counter[str], source: str) -> dict[str, Any]:
    return {
        "about": (
            "Each test's seconds in a single-process run, from its cassette (benchmarks/test_costs.py); "
            "harness.engine.shards deals tests into parts of equal cost with it"
        ),
        "source": source,
        "calls": sum(calls.values()),
        "seconds": {name: round(seconds[name], 1) for name in sorted(seconds)},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("report_dir", type=Path, help="the report dir of a -n 0 run (its cassette.jsonl)")
    parser.add_argument("--write", action="store_true", help=f"write {COSTS}")
    parser.add_argument("--source", default="", help="what run it was (seed, target, load), for the file")
    args = parser.parse_args()
    cassette = args.report_dir / "cassette.jsonl"
    if not cassette.is_file():
        print(f"no cassette at {cassette}", file=sys.stderr)
        return 2
    seconds, calls = measured(cassette)
    if not seconds:
        print(f"{cassette} names no tests", file=sys.stderr)
        return 2
    if args.write:
        text = json.dumps(document(seconds, calls, args.source or str(args.report_dir)), indent=1)
        COSTS.write_text(text + "\n", encoding="utf-8")
        print(f"wrote {COSTS}: {len(seconds)} tests, {sum(seconds.values()):.1f} s")
        return 0
    for name in sorted(seconds, key=lambda n: -seconds[n]):
        print(f"{seconds[name]:8.1f} s {calls[name]:6d} calls  {name}")
    print(f"{len(seconds)} tests, {sum(seconds.values()):.1f} s, {sum(calls.values())} calls")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
