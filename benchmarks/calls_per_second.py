"""The harness's calls per second against raw boto3 making the same calls, on the same moto.

    python benchmarks/calls_per_second.py [--calls N] [--rounds R] [--block B] [--transport-only]

The harness path is a live run's: the transport (raw-body capture, network guard, throttling
retry), the cassette writer (with its list bounding), and the judge (the reference model
predicts, the request's member constraints are scanned, every answer check runs, the model
follows). The raw path is a plain boto3 client. Both make the same calls, in the same order, on
the same moto server, in the same process: CreateKey of an ECC key (moto answers it in ~8 ms; a
symmetric key costs moto ~66 ms of RSA key generation, which would hide the harness's own cost),
DescribeKey of an existing key, and Encrypt under a symmetric key (an answer whose ciphertext
the harness redacts).

Each round sends N calls of each operation on each side, in blocks of B calls that alternate
between the two sides (raw first in odd rounds, harness first in even ones), so that load which
comes and goes on a shared machine hits both sides alike. Printed per operation and for all
three together: calls per second of each side, and the ratio harness / raw (median of the R
rounds, with the lowest and highest): 1.0 means the harness costs nothing, 0.9 that it makes 10%
fewer calls per second. Beside it, the CPU time per call of this process (the client's Python:
boto3 alone against boto3 plus the harness) and of the moto process (the same on both sides,
or the comparison is not like with like), which hold still when the wall-clock times do not.
With ``--transport-only`` the harness side is the transport and the cassette writer without
the judge (what benchmarks/transport_overhead.py runs). A measurement, never a test; the load
average is printed with it.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from harness.cassette import CassetteWriter
from harness.engine.judge import Judge
from harness.engine.model import Model
from harness.exchange import Call
from harness.netguard import NetworkPolicy
from harness.services import load
from harness.spec import catalog
from harness.targets.moto import MotoServer
from harness.transport import Transport

# Run as a script (python benchmarks/NAME.py): the checkout on the path, for benchmarks.machine.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import machine

ECC = {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY", "Description": "benchmark"}
PLAINTEXT = b"benchmark plaintext, 32 bytes.."


def raw_client(endpoint: str) -> Any:
    return boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Side:
    """One side's totals for one operation in one round."""

    calls: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    moto: float = 0.0

    def add(self, other: Side) -> None:
        self.calls += other.calls
        self.wall += other.wall
        self.cpu += other.cpu
        self.moto += other.moto

    @property
    def rate(self) -> float:
        return self.calls / self.wall if self.wall else 0.0


@dataclass
class Rounds:
    raw: list[Side] = field(default_factory=list)
    ours: list[Side] = field(default_factory=list)

    def ratios(self) -> list[float]:
        return [o.rate / r.rate for r, o in zip(self.raw, self.ours, strict=True)]


def timed_block(calls: int, send: Callable[[], object], moto_pid: int) -> Side:
    moto_before = cpu_seconds(moto_pid) or 0.0
    cpu_before, wall_before = time.process_time(), time.perf_counter()
    for _ in range(calls):
        send()
    wall = time.perf_counter() - wall_before
    cpu = time.process_time() - cpu_before
    return Side(calls, wall, cpu, (cpu_seconds(moto_pid) or 0.0) - moto_before)


def ms(seconds: float, calls: int) -> str:
    return f"{1000 * seconds / calls:.2f}" if calls else "-"


def report(name: str, rounds: Rounds, calls: int) -> None:
    ratios = rounds.ratios()
    raw, ours = Side(), Side()
    for side in rounds.raw:
        raw.add(side)
    for side in rounds.ours:
        ours.add(side)
    print(
        f"{name}: ratio {statistics.median(ratios):.2f} (median of {len(ratios)} rounds of {calls} calls; "
        f"lowest {min(ratios):.2f}, highest {max(ratios):.2f}); "
        f"raw boto3 {statistics.median(s.rate for s in rounds.raw):.0f} calls/s, "
        f"harness {statistics.median(s.rate for s in rounds.ours):.0f} calls/s"
    )
    print(
        f"  CPU ms per call: this process raw {ms(raw.cpu, raw.calls)}, harness {ms(ours.cpu, ours.calls)} "
        f"(+{ms(ours.cpu - raw.cpu * ours.calls / raw.calls, ours.calls)}); "
        f"moto raw {ms(raw.moto, raw.calls)}, harness {ms(ours.moto, ours.calls)}"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls of each operation per side and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--block", type=int, default=20, help="calls in a row before the other side's turn")
    parser.add_argument("--transport-only", action="store_true", help="the harness side without the judge")
    args = parser.parse_args(argv)
    load()
    print(f"before: {machine.describe()}")
    server = MotoServer().start()
    assert server.process is not None
    moto_pid = server.process.pid
    try:
        with tempfile.TemporaryDirectory() as tmp:
            writer = CassetteWriter(Path(tmp) / "c.jsonl", bound_lists=True).open()
            transport = Transport(
                endpoints={"kms": server.endpoint_url},
                default_region="us-east-1",
                credentials=("testing", "testing"),
                network=NetworkPolicy.loopback_only(),
                listeners=[writer.write],
            )
            judge = Judge(catalog.load(), Model(complete=True))
            raw = raw_client(server.endpoint_url)

            def ours(operation: str, params: dict[str, Any]) -> Any:
                exchange = transport.send(Call("kms", operation, params))
                return exchange if args.transport_only else judge.judge(exchange)

            def created(params: dict[str, Any]) -> str:
                key_id: str = judge.judge(transport.send(Call("kms", "CreateKey", params))).exchange.body[
                    "KeyMetadata"
                ]["KeyId"]
                return key_id

            ecc = created(ECC)
            symmetric = created({"Description": "benchmark"})
            print(
                "harness side:",
                "transport and cassette" if args.transport_only else "transport, cassette and judge",
            )
            plaintext = base64.b64encode(PLAINTEXT).decode("ascii")
            paths: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
                "CreateKey (ECC)": (lambda: raw.create_key(**ECC), lambda: ours("CreateKey", ECC)),
                "DescribeKey": (
                    lambda: raw.describe_key(KeyId=ecc),
                    lambda: ours("DescribeKey", {"KeyId": ecc}),
                ),
                "Encrypt": (
                    lambda: raw.encrypt(KeyId=symmetric, Plaintext=PLAINTEXT),
                    lambda: ours("Encrypt", {"KeyId": symmetric, "Plaintext": plaintext}),
                ),
            }
            for plain, harness in paths.values():  # connections, caches and imports warm, untimed
                for _ in range(5):
                    plain()
                    harness()
            results = {name: Rounds() for name in paths}
            total = Rounds()
            for number in range(1, args.rounds + 1):
                round_raw, round_ours = Side(), Side()
                for name, (plain, harness) in paths.items():
                    raw_side, our_side = Side(), Side()
                    done = 0
                    while done < args.calls:
                        block = min(args.block, args.calls - done)
                        order = [(raw_side, plain), (our_side, harness)]
                        if number % 2 == 0:
                            order.reverse()
                        for side, send in order:
                            side.add(timed_block(block, send, moto_pid))
                        done += block
                    results[name].raw.append(raw_side)
                    results[name].ours.append(our_side)
                    round_raw.add(raw_side)
                    round_ours.add(our_side)
                total.raw.append(round_raw)
                total.ours.append(round_ours)
                print(f"round {number}: ratio {round_ours.rate / round_raw.rate:.2f} (all three operations)")
            for name, rounds in results.items():
                report(name, rounds, args.calls)
            report("all three operations", total, args.calls * len(paths))
            writer.discard()
    finally:
        server.stop()
    print(f"after: {machine.describe()}")


if __name__ == "__main__":
    main()
