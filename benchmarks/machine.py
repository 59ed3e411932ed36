"""What a benchmark says about the machine it ran on: the load, and how fast a core is right now.

The project's machine is a virtual one whose speed drifts by a quarter over hours (the same
default run, same commit and seed, took 71.6 s one evening and 91.1 s three hours later, its CPU
seconds in step): a wall time read without the core's speed at the time cannot be compared with
another. The reference loop is pure Python, the kind of work the harness and moto do.
"""

from __future__ import annotations

import os
import statistics
import time


def reference_ms(rounds: int = 5) -> float:
    """Median CPU milliseconds of a fixed pure-Python loop (3 million additions of squares)."""
    times = []
    for _ in range(rounds):
        start = time.process_time()
        total = 0
        for i in range(3_000_000):
            total += i * i
        times.append((time.process_time() - start) * 1000)
    return round(statistics.median(times), 1)


def describe() -> str:
    """One line: the load average and the core's speed, for a benchmark's output."""
    one, five, fifteen = os.getloadavg()
    return (
        f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs; "
        f"reference loop {reference_ms()} ms of CPU (lower is a faster core)"
    )
