"""The default run's wall time, and where its CPU goes: the harness's process against moto's.

    python benchmarks/default_run.py [--seed S] [--out DIR] [-k EXPR] [--compare findings.json]

Runs ``pytest --target=emulator --seed=S`` once (the main job, ``-n 0``) and prints: wall time,
the CPU seconds (user + system) of the pytest process and of the moto server it starts, the
load average before and after, calls sent, exchanges replayed from the run's memo of
state-free requests (never sent), findings. With ``--compare`` it also prints which finding ids
of another run of the same seed (a findings.json) this run lost or gained: the power check.

moto's CPU seconds are read from ``/proc/<pid>/stat`` of the ``moto.server`` child while the run
lasts (polled every 0.2 s, so the last reading is at most 0.2 s short); the pytest process's
own seconds are the total ``wait4`` reports for it (which includes moto, a child it waits for)
less moto's. On a shared machine the wall time follows the load; the CPU seconds do not
(much), which is why both are printed. A measurement, never a test. Linux only (``/proc``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces; the fields after its closing ")" do not.
    return text[text.rindex(")") + 2 :].split()


def _cpu_seconds(pid: int) -> float | None:
    """The process's own user + system seconds (fields 14 and 15 of proc(5))."""
    fields = _stat(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


def _moto_child(parent: int) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat(int(entry.name))
        if fields is None or int(fields[1]) != parent:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"moto.server" in cmdline:
            return int(entry.name)
    return None


def run(seed: int, report_dir: Path, select: str | None) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--target=emulator",
        f"--seed={seed}",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    command += ["--report-dir", str(report_dir)]
    if select:
        command += ["-k", select]
    load_before = os.getloadavg()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    moto_pid: int | None = None
    moto_cpu = 0.0
    while True:
        finished, status, usage = os.wait4(process.pid, os.WNOHANG)
        if finished:
            break
        if moto_pid is None:
            moto_pid = _moto_child(process.pid)
        if moto_pid is not None:
            seconds = _cpu_seconds(moto_pid)
            if seconds is not None:
                moto_cpu = seconds
        time.sleep(0.2)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    total_cpu = usage.ru_utime + usage.ru_stime
    findings_path = report_dir / "findings.json"
    if process.returncode not in (0, 1) or not findings_path.is_file():
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}:\n{stderr[-3000:]}")
    document = json.loads(findings_path.read_text())
    summary = document["summary"]
    return {
        "wall_s": round(wall, 1),
        "pytest_cpu_s": round(total_cpu - moto_cpu, 1),
        "moto_cpu_s": round(moto_cpu, 1),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "calls": summary["calls"],
        "replayed": summary.get("memo_replayed", 0),
        "findings": len(document["findings"]),
        "ids": sorted(f["id"] for f in document["findings"]),
        "exit": process.returncode,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-k", dest="select", default=None, help="pytest -k expression (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="keep the report directory here")
    parser.add_argument("--compare", type=Path, default=None, help="a findings.json of the same seed")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-default-"))
    print(f"load average before: {os.getloadavg()} on {os.cpu_count()} CPUs")
    result = run(args.seed, out, args.select)
    print(
        f"seed {args.seed}: wall {result['wall_s']} s; CPU: pytest {result['pytest_cpu_s']} s, "
        f"moto {result['moto_cpu_s']} s; {result['calls']} calls sent, {result['replayed']} replayed "
        f"from the memo; {result['findings']} findings; exit {result['exit']}"
    )
    print(f"load average: {result['load_before']} before, {result['load_after']} after")
    if args.compare is not None:
        other = {f["id"] for f in json.loads(args.compare.read_text())["findings"]}
        mine = set(result["ids"])
        print(f"against {args.compare}: {len(other)} ids there, {len(mine & other)} found here too")
        for fid in sorted(other - mine):
            print(f"  lost: {fid}")
        for fid in sorted(mine - other):
            print(f"  gained: {fid}")
    print(f"report: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
