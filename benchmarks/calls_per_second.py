"""The harness's calls per second against raw boto3 making the same calls, on the same moto.

    python benchmarks/calls_per_second.py [--calls N] [--rounds R]

The harness path is a live run's: the transport (raw-body capture, network guard, throttling
retry), the cassette writer, and the judge (the reference model predicts, every answer check
runs, the model follows). The raw path is a plain boto3 client. Both make the same calls on the
same moto server, in alternating rounds so that load which comes and goes hits both alike:
CreateKey of an ECC key (moto answers it in ~8 ms; a symmetric key costs moto ~66 ms of RSA key
generation, which would hide the harness's own cost) and DescribeKey of an existing key.

Prints, per operation, the median over R rounds of (harness calls/s) / (raw calls/s): 1.0 means
the harness costs nothing, 0.9 that it makes 10% fewer calls per second. A measurement, never a
test; the load average is printed with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
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

CREATE = {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY", "Description": "benchmark"}


def raw_client(endpoint: str) -> Any:
    return boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )


def timed(calls: int, send: Callable[[], object]) -> float:
    """Calls per second of ``calls`` calls of ``send``."""
    start = time.perf_counter()
    for _ in range(calls):
        send()
    return calls / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    load()
    print(f"load average before: {os.getloadavg()} on {os.cpu_count()} CPUs")
    server = MotoServer().start()
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
            created = judge.judge(transport.send(Call("kms", "CreateKey", CREATE)))
            key_id = created.exchange.body["KeyMetadata"]["KeyId"]
            raw.describe_key(KeyId=key_id)  # connections warm, outside the timing
            paths: dict[str, tuple[Callable[[], object], Callable[[], object]]] = {
                "CreateKey (ECC)": (
                    lambda: raw.create_key(**CREATE),
                    lambda: judge.judge(transport.send(Call("kms", "CreateKey", CREATE))),
                ),
                "DescribeKey": (
                    lambda: raw.describe_key(KeyId=key_id),
                    lambda: judge.judge(transport.send(Call("kms", "DescribeKey", {"KeyId": key_id}))),
                ),
            }
            for operation, (plain, ours) in paths.items():
                ratios = []
                for number in range(1, args.rounds + 1):
                    raw_rate = timed(args.calls, plain)
                    our_rate = timed(args.calls, ours)
                    ratios.append(our_rate / raw_rate)
                    print(
                        f"{operation} round {number}: raw boto3 {raw_rate:.0f} calls/s, "
                        f"harness {our_rate:.0f} calls/s, ratio {ratios[-1]:.2f}"
                    )
                print(f"{operation}: median ratio over {args.rounds} rounds of {args.calls} calls: "
                      f"{statistics.median(ratios):.2f}")
            writer.discard()
    finally:
        server.stop()
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
