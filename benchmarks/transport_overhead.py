"""Transport overhead: the harness's send path (no judge) against raw boto3, on the same moto.

    python benchmarks/transport_overhead.py [--calls N] [--rounds R] [--block B]

The same measurement as benchmarks/calls_per_second.py (the same calls on both sides, in
alternating blocks, the ratio of calls per second with its lowest and highest, CPU per call of
this process and of moto), with the harness side cut to the transport (raw-body capture,
redaction, network guard) and the cassette writer: what the harness costs before it judges.
Earlier versions timed symmetric CreateKey calls, whose 66 ms of RSA key generation in moto hid
the harness's own cost. A measurement, never a test.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

if __name__ == "__main__":
    sys.argv = [sys.argv[0], *sys.argv[1:], "--transport-only"]
    runpy.run_path(str(Path(__file__).with_name("calls_per_second.py")), run_name="__main__")
