"""A run against an endpoint that already holds thousands of keys costs what a run against an
empty one costs: the same calls, the same findings, and a cassette of the same size.

A moto server is filled with keys no run made (Payment Cryptography in both Regions, some
pending deletion, and KMS keys), as a server reused for many runs or a long-lived account is.
moto ignores page sizes, so every ListKeys answer lists them all; the reference model must not
be confused by them, and the cassette must not keep them (harness.cassette.ListBound).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from harness.cassette import FOREIGN_KEPT
from harness.engine.replay import load, replay_lines
from harness.spec import catalog
from harness.targets.moto import MotoServer
from tests.selftest.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.selftest_network

PC_KEYS_PER_REGION = 600
KMS_KEYS = 150
# Rule tests only: each has its own seed, so a finding of one cannot change what another draws
# (a state machine's exploration follows its failures, and the page-size finding below is one).
SELECTION = "pc.list-keys or pc.wire.not-json or kms.wire.not-json or pc.get-key or pc.tags"
ARGS = ("--seed", "3", "--examples", "4", "--no-baseline", "-k", SELECTION)


def _client(service: str, endpoint: str, region: str) -> Any:
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(retries={"total_max_attempts": 1}),
    )


def _fill(endpoint: str) -> None:
    attributes = {
        "KeyAlgorithm": "TDES_2KEY",
        "KeyClass": "SYMMETRIC_KEY",
        "KeyUsage": "TR31_K0_KEY_ENCRYPTION_KEY",
        "KeyModesOfUse": {"Encrypt": True, "Decrypt": True, "Wrap": True, "Unwrap": True},
    }

    def pc_keys(region: str) -> None:
        client = _client("payment-cryptography", endpoint, region)
        for number in range(PC_KEYS_PER_REGION):
            arn = client.create_key(KeyAttributes=attributes, Exportable=True)["Key"]["KeyArn"]
            if number % 5 == 0:
                client.delete_key(KeyIdentifier=arn)

    def kms_keys() -> None:
        client = _client("kms", endpoint, "us-east-1")
        for _ in range(KMS_KEYS):
            client.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")

    with ThreadPoolExecutor(3) as pool:
        jobs = [pool.submit(pc_keys, "us-east-1"), pool.submit(pc_keys, "us-west-2"), pool.submit(kms_keys)]
        for job in jobs:
            job.result()


@pytest.fixture(scope="module")
def filled() -> Iterator[str]:
    server = MotoServer().start()
    try:
        _fill(server.endpoint_url)
        yield server.endpoint_url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def empty_run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    return run_suite(tmp_path_factory.mktemp("empty"), "--target=emulator", *ARGS)


@pytest.fixture(scope="module")
def filled_run(tmp_path_factory: pytest.TempPathFactory, filled: str) -> SuiteRun:
    workdir = tmp_path_factory.mktemp("filled")
    return run_suite(workdir, "--target=endpoint", f"--endpoint-url={filled}", *ARGS)


def _ids(run: SuiteRun) -> set[str]:
    return {f["id"] for f in run.findings["findings"]}


def test_the_filled_endpoint_lists_what_no_run_made(filled: str) -> None:
    listed = _client("payment-cryptography", filled, "us-west-2").list_keys(MaxResults=10)["Keys"]
    assert len(listed) >= PC_KEYS_PER_REGION  # moto ignores the page size: every answer is whole


def test_keys_the_run_did_not_make_change_no_finding(empty_run: SuiteRun, filled_run: SuiteRun) -> None:
    """The same findings, but one: a ListKeys page of 600 keys is longer than the documented page
    size, which only an endpoint holding more than a page shows (moto ignores page sizes)."""
    assert empty_run.ret in (0, 1) and filled_run.ret in (0, 1), empty_run.output + filled_run.output
    assert _ids(empty_run) and _ids(empty_run) <= _ids(filled_run)
    extra = _ids(filled_run) - _ids(empty_run)
    assert all(fid.startswith("pc.list-keys.lists-keys:ListKeys:") for fid in extra), extra
    assert empty_run.findings["summary"]["tests"].keys() == filled_run.findings["summary"]["tests"].keys()


def _foreign_kept(lines: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Per ListKeys line that kept any, the items about keys no earlier line of the run showed."""
    own: set[str] = set()
    kept = []
    for line in lines:
        body = line.get("response") or {}
        key = body.get("KeyMetadata") or body.get("Key") or {}
        own |= {v for k, v in key.items() if k in ("Arn", "KeyArn")}
        if line["operation"] == "ListKeys" and isinstance(body.get("Keys"), list):
            foreign = [item for item in body["Keys"] if item.get("KeyArn") not in own]
            if foreign:
                kept.append(foreign)
    return kept


def _cassette(run: SuiteRun) -> tuple[int, list[dict[str, Any]]]:
    path = run.report_dir / "cassette.jsonl"
    return path.stat().st_size, [json.loads(line) for line in path.read_text().splitlines()]


def test_the_cassette_does_not_grow_with_the_endpoint_s_history(
    empty_run: SuiteRun, filled_run: SuiteRun
) -> None:
    empty_size, _ = _cassette(empty_run)
    filled_size, lines = _cassette(filled_run)
    listings = [line for line in lines if line["operation"] == "ListKeys" and line["status"] == 200]
    whole = [line for line in listings if "KeyState" not in line["request"]]
    assert whole
    # Each whole ListKeys answer held 600 foreign keys (KMS: 150): all but FOREIGN_KEPT left out...
    for line in whole:
        if line["service"] == "payment-cryptography":
            assert line["elided"]["Keys"] >= PC_KEYS_PER_REGION - FOREIGN_KEPT, line["elided"]
    # ...so the cassette holds at most FOREIGN_KEPT foreign items once per operation and Region
    # (and member) more than on the empty endpoint, whatever the endpoint holds.
    foreign_kept = _foreign_kept(lines)
    assert 0 < len(foreign_kept) <= 4, foreign_kept  # ListKeys of two services, two Regions at most
    assert all(len(items) <= FOREIGN_KEPT for items in foreign_kept)
    allowance = sum(len(json.dumps(items)) for items in foreign_kept)
    assert filled_size <= 1.2 * empty_size + allowance, (filled_size, empty_size, allowance)
    unbounded = sum(line.get("elided", {}).get("Keys", 0) for line in lines) * 400
    assert filled_size < unbounded / 2  # what the cassette would have held: several times more


def test_the_bounded_cassette_replays_to_the_run_s_findings(filled_run: SuiteRun, tmp_path: Path) -> None:
    cassette = filled_run.report_dir / "cassette.jsonl"
    rules = filled_run.findings["summary"]["rules"]
    replayed = replay_lines(load(cassette), catalog.load(), only_rules=rules)
    assert {f.id for f in replayed.findings} == _ids(filled_run)
