"""``--target=aws`` end to end, with moto standing in for AWS through ``AWS_ENDPOINT_URL``.

Nothing in the path changes but that standard variable: a recording proxy in front of a fresh
moto server sees every request (STS included), the harness signs with sentinel credentials from
the environment, and after each run the test asks moto itself which keys exist and in which
state. So the opt-in, budgets, ledger, cleanup, signals and sweep are the real ones.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from harness.plugin import SUITE_DIR
from harness.targets.moto import MotoServer
from harness.testing.fault_proxy import Fault, FaultProxy, ProxiedRequest, ProxiedResponse

pytestmark = pytest.mark.selftest_network

ACCOUNT = "123456789012"  # what moto's STS answers
REGIONS = ("us-east-1", "us-west-2")
SENTINELS = {
    "AWS_ACCESS_KEY_ID": "AKIASENTINEL7QX4Z2W9",
    "AWS_SECRET_ACCESS_KEY": "sentinelSecret/K7MDENG+bPxRfiCYzz0123456789",
    "AWS_SESSION_TOKEN": "sentinelSessionToken0123456789abcdef",
}
#: What a leaked signature or credential scope would look like in any file.
SIGNING_MARKS = ("Signature=", "Credential=", "X-Amz-Security-Token", "AKIASENTINEL")
AWS = ["--target=aws", "--region", REGIONS[0], "--replica-region", REGIONS[1]]
FAST = ["--max-rate", "200", "--seed", "1"]
#: Selected rule tests: replicas, Payment Cryptography keys, and a rule moto breaks by creating keys.
SOME_RULES = "kms.replicate-key.valid or pc.create-key.valid or kms.tags.reserved-prefix:CreateKey"


@dataclass
class Stand:
    """moto behind a proxy that records which operation each request was."""

    server: MotoServer
    proxy: FaultProxy
    seen: list[str] = field(default_factory=list)

    def record(self, request: ProxiedRequest, response: ProxiedResponse) -> None:
        if request.operation:
            self.seen.append(f"{request.service}:{request.operation}")
        else:
            action = parse_qs(request.body.decode(errors="replace")).get("Action", ["?"])[0]
            self.seen.append(f"sts:{action}")

    def env(self, **extra: str) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        return {**keep, **SENTINELS, "AWS_ENDPOINT_URL": self.proxy.url, **extra}

    def held(self) -> list[tuple[str, str, str, str]]:
        """(service, Region, key, state) of every key moto holds, asked of moto directly."""
        import boto3

        found = []
        for region in REGIONS:
            kw = {
                "region_name": region,
                "endpoint_url": self.server.endpoint_url,
                "aws_access_key_id": "testing",
                "aws_secret_access_key": "testing",
            }
            kms = boto3.client("kms", **kw)
            for entry in kms.list_keys(Limit=1000)["Keys"]:
                state = kms.describe_key(KeyId=entry["KeyId"])["KeyMetadata"]["KeyState"]
                found.append(("kms", region, entry["KeyId"], state))
            pc = boto3.client("payment-cryptography", **kw)
            for entry in pc.list_keys()["Keys"]:
                found.append(("payment-cryptography", region, entry["KeyArn"], entry["KeyState"]))
        return found


PENDING = {"PendingDeletion", "PendingReplicaDeletion", "DELETE_PENDING", "DELETE_COMPLETE"}


@pytest.fixture
def stand() -> Iterator[Stand]:
    server = MotoServer().start()
    try:
        with FaultProxy(server.endpoint_url) as proxy:
            result = Stand(server, proxy)
            proxy.set_faults([Fault("record", "records every request", lambda q, a: result.record(q, a))])
            yield result
    finally:
        server.stop()


def run(stand: Stand, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(SUITE_DIR), *args],
        cwd=workdir,
        env=stand.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def sweep(stand: Stand, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "sweep", "--allow-aws-account", ACCOUNT, *args],
        cwd=workdir,
        env=stand.env(),
        capture_output=True,
        text=True,
        timeout=600,
    )


def assert_no_secrets(*texts: str, under: Path | None = None) -> None:
    """No sentinel credential, and nothing that looks like a signature, in any output."""
    contents = list(texts)
    if under is not None and under.exists():
        contents += [p.read_text(errors="replace") for p in sorted(under.rglob("*")) if p.is_file()]
    assert contents
    for text in contents:
        for secret in (*SENTINELS.values(), *SIGNING_MARKS):
            assert secret not in text


def ledger(report: Path) -> list[dict[str, Any]]:
    path = report / "ledger.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def created(report: Path) -> list[dict[str, Any]]:
    return [line for line in ledger(report) if line["event"] == "created"]


# -- opt-in ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says", "calls"),
    [
        pytest.param(AWS, "needs --allow-aws-account", [], id="no-allowed-account"),
        pytest.param(
            [*AWS, "--allow-aws-account", "111111111111"],
            f"belong to account {ACCOUNT}, which is not allowed",
            ["sts:GetCallerIdentity"],
            id="another-account",
        ),
        pytest.param(
            ["--target=aws", "--region", REGIONS[0], "--allow-aws-account", ACCOUNT],
            "needs --replica-region given explicitly",
            [],
            id="missing-replica-region",
        ),
        pytest.param(
            ["--target=aws", "--replica-region", REGIONS[1], "--allow-aws-account", ACCOUNT],
            "needs --region given explicitly",
            [],
            id="missing-region",
        ),
    ],
)
def test_refusals_exit_2_before_any_call_and_create_nothing(
    stand: Stand, tmp_path: Path, args: list[str], says: str, calls: list[str]
) -> None:
    report = tmp_path / "report"
    done = run(stand, tmp_path / "work", *args, "--report-dir", str(report))
    assert done.returncode == 2, done.stdout + done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("harness: error:") and says in lines[0], lines
    assert stand.seen == calls  # at most STS: never KMS nor Payment Cryptography
    assert not report.exists()
    assert stand.held() == []


def test_a_non_loopback_stand_in_for_aws_is_refused_before_anything(stand: Stand, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE_DIR), *AWS, "--allow-aws-account", ACCOUNT],
        cwd=tmp_path,
        env=stand.env(AWS_ENDPOINT_URL="https://kms.attacker.example"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2 and "neither AWS's endpoint nor loopback" in done.stderr, done.stderr
    assert stand.seen == []


# -- budgets, ledger, cleanup --------------------------------------------------------------------


def test_max_keys_bounds_what_a_run_creates_and_every_key_is_scheduled(stand: Stand, tmp_path: Path) -> None:
    report = tmp_path / "report"
    started = time.monotonic()
    done = run(
        stand, tmp_path / "work", *AWS, "--allow-aws-account", ACCOUNT, *FAST, "--max-keys", "6",
        "--report-dir", str(report), "-k", SOME_RULES,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode in (0, 1), output  # findings or none; never a crash
    keys = stand.held()
    assert 0 < len(keys) <= 6, keys
    assert all(state in PENDING for *_, state in keys), keys
    # The ledger names each of them, and says each was scheduled.
    lines = ledger(report)
    assert len(created(report)) == len(keys)
    scheduled = [line for line in lines if line["event"] == "scheduled"]
    assert {line["key"] for line in scheduled} == {line["key"] for line in created(report)}
    assert {line["outcome"] for line in scheduled} <= {"scheduled", "already"}
    summary = json.loads((report / "findings.json").read_text())["summary"]
    assert summary["budget"]["reached"] == "max-keys" and summary["budget"]["keys_created"] <= 6
    assert summary["cleanup"]["failed"] == 0 and summary["cleanup"]["keys"] == len(keys)
    assert "budget reached: --max-keys 6" in output and "cleanup:" in output
    # Every key was tagged with the run id, in its creating request.
    assert {line["tagged"] for line in created(report)} == {"request"}
    assert summary["budget"]["run_id"] in (report / "cassette.jsonl").read_text()
    # No KMS or Payment Cryptography call before STS said whose credentials these are.
    assert stand.seen[0] == "sts:GetCallerIdentity"
    assert_no_secrets(output, under=report)
    print(f"budget run: {len(keys)} keys, {summary['calls']} calls, {time.monotonic() - started:.1f} s")


# -- ends that are not the end of the run ------------------------------------------------------------


def start(stand: Stand, workdir: Path, report: Path) -> subprocess.Popen[str]:
    """A run of both state machines (KMS and Payment Cryptography keys), in the background."""
    workdir.mkdir(parents=True, exist_ok=True)
    log = (workdir / "output.txt").open("w")
    return subprocess.Popen(
        [
            sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(SUITE_DIR), *AWS,
            "--allow-aws-account", ACCOUNT, *FAST, "--max-keys", "200", "--max-calls", "20000",
            "--examples", "50", "--report-dir", str(report), "-k", "stateful",
        ],
        cwd=workdir,
        env=stand.env(),
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


def wait_for_keys(process: subprocess.Popen[str], report: Path, count: int) -> None:
    deadline = time.monotonic() + 240
    while len(created(report)) < count:
        assert process.poll() is None, "the run ended before creating enough keys"
        assert time.monotonic() < deadline, "no keys created in time"
        time.sleep(0.2)


def test_a_run_killed_half_way_is_swept_by_ledger_and_tag(stand: Stand, tmp_path: Path) -> None:
    report = tmp_path / "report"
    process = start(stand, tmp_path / "work", report)
    try:
        wait_for_keys(process, report, 8)
    finally:
        process.kill()  # SIGKILL: no cleanup can run
        process.wait(timeout=30)
    keys = stand.held()
    live = [k for k in keys if k[3] not in PENDING]
    assert live, "the test must leave live keys for sweep to find"
    both = ("--region", REGIONS[0], "--region", REGIONS[1])
    dry = sweep(stand, tmp_path, *both, "--ledger", str(report), "--dry-run")
    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert [k for k in stand.held() if k[3] not in PENDING] == live  # a dry run changes nothing
    # By tag alone (no ledger): every key whose creating request carried the run's tag.
    run_id = created(report)[0]["run_id"]
    no_ledger = tmp_path / "no-ledgers"
    no_ledger.mkdir()
    by_tag = sweep(stand, tmp_path, *both, "--run-id", run_id, "--ledger", str(no_ledger))
    assert by_tag.returncode == 0 and "0 from 0 ledgers" in by_tag.stdout, by_tag.stdout + by_tag.stderr
    states = {key: state for _, _, key, state in stand.held()}
    for line in created(report):
        held_as = line["key"].rsplit("key/", 1)[-1] if line["service"] == "kms" else line["key"]
        if line["tagged"] == "request":
            assert states[held_as] in PENDING, line
    # By ledger and tag: nothing is left without a scheduled deletion.
    done = sweep(stand, tmp_path, *both, "--ledger", str(report))
    assert done.returncode == 0, done.stdout + done.stderr
    after = stand.held()
    assert after and all(state in PENDING for *_, state in after), after
    # Idempotent: a second sweep finds everything pending and schedules nothing.
    again = sweep(stand, tmp_path, *both, "--ledger", str(report))
    assert again.returncode == 0 and "scheduled 0," in again.stdout, again.stdout
    assert_no_secrets(dry.stdout, by_tag.stdout, done.stdout, done.stderr, again.stdout, under=report)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_run_ended_by_a_signal_cleans_up_by_itself(stand: Stand, tmp_path: Path, signum: int) -> None:
    report = tmp_path / "report"
    process = start(stand, tmp_path / "work", report)
    try:
        wait_for_keys(process, report, 4)
        process.send_signal(signum)
        process.wait(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
    output = (tmp_path / "work" / "output.txt").read_text()
    keys = stand.held()
    assert keys and all(state in PENDING for *_, state in keys), (keys, output[-3000:])
    assert "cleanup:" in output and "0 failed" in output, output[-3000:]
    lines = ledger(report)
    scheduled = {line["key"] for line in lines if line["event"] == "scheduled"}
    assert scheduled == {line["key"] for line in created(report)}
    assert_no_secrets(output, under=report)
