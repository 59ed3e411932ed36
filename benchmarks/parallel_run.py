"""The main job's wall time and calls, alone and split over pytest-xdist workers, in one run.

    python benchmarks/parallel_run.py [--seed S] [--workers 2] [--rounds R] [-k EXPR] [--out DIR]

Runs ``pytest --target=emulator --seed=S`` with ``-n 0`` and with ``-n WORKERS`` one after the
other, R rounds (alternating, so load that comes and goes hits both alike), and prints for each:
wall time, CPU seconds (pytest and every process it started: workers, moto), calls sent,
findings, and whether the finding ids are the same; for -n WORKERS also each worker's calls and
the time from its first call to its last (from its cassette), which shows whether the split
was even and how long start-up and merging took around the workers' calls. The speed-up is the
median ratio of the -n 0 time to the -n WORKERS time of the same round. The load average before
and after is printed too: on a shared machine, say under what load a time was taken.
A measurement, never a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script (python benchmarks/NAME.py): the checkout on the path, for benchmarks.machine.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import machine


def run(seed: int, workers: int, report_dir: Path, select: str | None) -> dict[str, Any]:
    command = [sys.executable, "-m", "pytest", "--target=emulator", f"--seed={seed}", "-q"]
    command += ["--report-dir", str(report_dir)]
    if workers:
        command += ["-n", str(workers)]
    if select:
        command += ["-k", select]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    findings_path = report_dir / "findings.json"
    if done.returncode not in (0, 1) or not findings_path.is_file():
        output = done.stdout[-3000:] + done.stderr[-2000:]
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{output}")
    document = json.loads(findings_path.read_text())
    return {
        "workers": workers,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu, 1),
        "parts": [_part(cassette) for cassette in sorted((report_dir / "workers").glob("*/cassette.jsonl"))],
        "calls": document["summary"]["calls"],
        "findings": len(document["findings"]),
        "ids": sorted(f["id"] for f in document["findings"]),
        "exit": done.returncode,
    }


def _part(cassette: Path) -> str:
    """A worker's calls and the seconds from its first call to its last."""
    times = []
    for line in cassette.read_text(encoding="utf-8").splitlines():
        if line.strip():
            at = json.loads(line).get("at")
            if at:
                times.append(at)
    span = max(times) - min(times) if times else 0.0
    return f"{cassette.parent.name}: {len(times)} calls in {span:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("-k", dest="select", default=None, help="pytest -k expression (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="keep the report directories here")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-parallel-"))
    print(f"before: {machine.describe()}")
    rounds = []
    for number in range(1, args.rounds + 1):
        alone = run(args.seed, 0, out / f"round{number}-n0", args.select)
        split = run(args.seed, args.workers, out / f"round{number}-n{args.workers}", args.select)
        same = alone["ids"] == split["ids"]
        only_alone = sorted(set(alone["ids"]) - set(split["ids"]))
        only_split = sorted(set(split["ids"]) - set(alone["ids"]))
        rounds.append(alone["wall_s"] / split["wall_s"])
        for result in (alone, split):
            print(
                f"round {number} -n {result['workers']}: {result['wall_s']} s, {result['cpu_s']} CPU s, "
                f"{result['calls']} calls, {result['findings']} findings, exit {result['exit']}"
            )
            for part in result["parts"]:
                print(f"  {part}")
        print(f"round {number}: speed-up {rounds[-1]:.2f}x; same finding ids: {same}")
        for fid in only_alone:
            print(f"  only in -n 0: {fid}")
        for fid in only_split:
            print(f"  only in -n {args.workers}: {fid}")
    print(f"after: {machine.describe()}")
    print(
        f"xdist speed-up (-n 0 time / -n {args.workers} time): {statistics.median(rounds):.2f}x, median of "
        f"{len(rounds)} round(s) (lowest {min(rounds):.2f}x, highest {max(rounds):.2f}x)"
    )
    print(f"reports: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
