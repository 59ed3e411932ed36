"""What a benchmark says about the machine it ran on: the load, and how fast a core is right now.

The project's machine is a virtual one whose speed drifts by a quarter over hours (the same
default run, same commit and seed, took 71.6 s one evening and 91.1 s three hours later, its CPU
seconds in step): a wall time read without the core's speed at the time cannot be compared with
another. The reference loop is pure Python, the kind of work the harness and moto do.

A core may also be slower while the other cores work (a host that raises one busy core's clock
above the all-core one, or shares caches): ``parallel_factor`` measures it, and it bounds what any
split over N workers can gain (N times the factor, before any cost of the split itself).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

_BUSY = "while True:\n    total = 0\n    for i in range(3_000_000):\n        total += i * i\n"
"""The reference loop, forever: what the other cores run while one is measured."""


def _loop() -> None:
    total = 0
    for i in range(3_000_000):
        total += i * i


def reference_ms(rounds: int = 5) -> float:
    """Median CPU milliseconds of a fixed pure-Python loop (3 million additions of squares)."""
    times = []
    for _ in range(rounds):
        start = time.process_time()
        _loop()
        times.append((time.process_time() - start) * 1000)
    return round(statistics.median(times), 1)


def parallel_factor(rounds: int = 5) -> float:
    """The reference loop's speed while every other core runs the same loop, over its speed
    alone (1.0: a core is as fast with the others busy)."""
    alone = reference_ms(rounds)
    others = [subprocess.Popen([sys.executable, "-c", _BUSY]) for _ in range((os.cpu_count() or 1) - 1)]
    try:
        time.sleep(0.2)
        busy = reference_ms(rounds)
    finally:
        for process in others:
            process.kill()
            process.wait()
    return round(alone / busy, 2) if busy else 1.0


def describe() -> str:
    """One line: the load average and the core's speed, alone and with the other cores busy."""
    one, five, fifteen = os.getloadavg()
    return (
        f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs; "
        f"reference loop {reference_ms()} ms of CPU (lower is a faster core), "
        f"{parallel_factor()} of that speed with the other cores busy"
    )
