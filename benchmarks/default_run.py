"""The default run's wall time, and where its CPU goes: the harness's process against moto's.

    python benchmarks/default_run.py [--seed S] [--out DIR] [-k EXPR] [--compare findings.json]
    python benchmarks/default_run.py --calls-of CASSETTE   (only the breakdown of a cassette)

Runs ``pytest --target=emulator --seed=S`` once (the main job, ``-n 0``) and prints: wall time,
the CPU seconds (user + system) of the pytest process and of the moto server it starts, the
load average before and after, calls sent, exchanges replayed from the run's memo of
state-free requests (never sent), findings. With ``--compare`` it also prints which finding ids
of another run of the same seed (a findings.json) this run lost or gained: the power check.
Then where the calls went (from the run's cassette): the operations with the most calls, the KMS
CreateKey calls that made a key by kind of key (moto makes an RSA-2048 key pair for each
symmetric key, ~66 ms, against ~8 ms for ECC_NIST_P256), and the requests that repeat an
identical earlier one with the same status (the calls that bought no new answer).

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
from collections import Counter
from pathlib import Path
from typing import Any

# Run as a script (python benchmarks/NAME.py): the checkout on the path, for benchmarks.machine.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import machine

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


def calls_of(cassette: Path) -> list[str]:
    """Where a run's calls went (see the module's docstring)."""
    operations: Counter[str] = Counter()
    made: Counter[str] = Counter()
    seen: dict[str, int | None] = {}
    repeats: Counter[str] = Counter()
    with cassette.open() as lines:
        for line in lines:
            exchange = json.loads(line)
            name = f"{exchange['service']}:{exchange['operation']}"
            operations[name] += 1
            request = exchange.get("request")
            if exchange.get("wire") or not isinstance(request, dict):
                continue
            identity = json.dumps([name, exchange["region"], request], sort_keys=True)
            if identity in seen and seen[identity] == exchange["status"]:
                repeats[name] += 1
            seen[identity] = exchange["status"]
            if name == "kms:CreateKey" and exchange["status"] == 200:
                spec = request.get("KeySpec") or request.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
                made["symmetric" if spec == "SYMMETRIC_DEFAULT" else spec.split("_")[0]] += 1
    out = ["calls by operation: " + ", ".join(f"{k} {v}" for k, v in operations.most_common(6))]
    out.append("KMS keys made, by kind: " + ", ".join(f"{k} {v}" for k, v in made.most_common()))
    total = sum(repeats.values())
    out.append(
        f"identical repeats with the same status: {total} ("
        + ", ".join(f"{k} {v}" for k, v in repeats.most_common(4))
        + ")"
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-k", dest="select", default=None, help="pytest -k expression (default: all)")
    parser.add_argument("--out", type=Path, default=None, help="keep the report directory here")
    parser.add_argument("--compare", type=Path, default=None, help="a findings.json of the same seed")
    parser.add_argument(
        "--calls-of", type=Path, default=None, help="only print where a cassette's calls went"
    )
    args = parser.parse_args()
    if args.calls_of is not None:
        print("\n".join(calls_of(args.calls_of)))
        return 0
    out = args.out or Path(tempfile.mkdtemp(prefix="bench-default-"))
    print(f"before: {machine.describe()}")
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
    print("\n".join(calls_of(out / "cassette.jsonl")))
    print(f"report: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
