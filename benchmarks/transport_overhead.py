"""Transport overhead: the harness's send path against raw boto3, on the same emulator.

    python benchmarks/transport_overhead.py [--calls N] [--rounds R]

Prints the ratio (harness time / raw boto3 time) for the same N calls, median of R rounds.
The harness path adds raw-body capture, the network guard, cassette writing and
answer checks; the ratio says what that costs. Run it on an idle machine; it is a
measurement, never a test.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import boto3
from botocore.config import Config

from harness.cassette import CassetteWriter
from harness.checks import check_answer
from harness.exchange import Call
from harness.netguard import NetworkPolicy
from harness.spec import catalog
from harness.targets.moto import MotoServer
from harness.transport import Transport

PARAMS = {"Description": "benchmark", "Tags": [{"TagKey": "bench", "TagValue": "1"}]}


def raw_boto3(endpoint: str, calls: int) -> float:
    client = boto3.client(
        "kms",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    )
    client.list_keys()  # connection warm-up, outside the timing
    start = time.perf_counter()
    for _ in range(calls):
        client.create_key(**PARAMS)
    return time.perf_counter() - start


def harness_path(endpoint: str, calls: int, cassette: Path) -> float:
    writer = CassetteWriter(cassette).open()
    transport = Transport(
        endpoints={"kms": endpoint},
        default_region="us-east-1",
        credentials=("testing", "testing"),
        network=NetworkPolicy.loopback_only(),
        listeners=[writer.write],
    )
    kms = catalog.load().service("kms")
    transport.send(Call("kms", "ListResourceTags", {"KeyId": "00000000-0000-0000-0000-000000000000"}))
    start = time.perf_counter()
    for _ in range(calls):
        exchange = transport.send(Call("kms", "CreateKey", PARAMS))
        check_answer(kms, exchange)
    elapsed = time.perf_counter() - start
    writer.discard()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    server = MotoServer().start()
    try:
        ratios = []
        with tempfile.TemporaryDirectory() as tmp:
            for _ in range(args.rounds):
                raw = raw_boto3(server.endpoint_url, args.calls)
                ours = harness_path(server.endpoint_url, args.calls, Path(tmp) / "c.jsonl")
                ratios.append(ours / raw)
                print(f"raw boto3 {raw:.3f}s  harness {ours:.3f}s  ratio {ours / raw:.2f}")
        median = statistics.median(ratios)
        print(f"median ratio over {args.rounds} rounds of {args.calls} CreateKey calls: {median:.2f}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
