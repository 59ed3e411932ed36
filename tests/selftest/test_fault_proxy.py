"""The harness catches a rule broken by the proxy, and is silent when the proxy is transparent.

Each pair of tests runs the same rule, with the same seed, against the same real moto
server through the proxy; the only difference is the injected fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.targets.moto import MotoServer
from harness.testing.fault_proxy import FaultProxy
from harness.testing.faults import rename_error, server_error_on_success
from tests.selftest.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.selftest_network

SEED = "20261122"


@pytest.fixture
def proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server.endpoint_url) as p:
        yield p


def _run(workdir: Path, proxy: FaultProxy, selector: str) -> SuiteRun:
    return run_suite(
        workdir,
        "--target=endpoint",
        "--endpoint-url",
        proxy.url,
        "--seed",
        SEED,
        "--examples",
        "10",
        "--no-baseline",
        "-k",
        selector,
    )


def test_not_found_rule_passes_through_a_transparent_proxy(tmp_path: Path, proxy: FaultProxy) -> None:
    run = _run(tmp_path, proxy, "kms.key-id.not-found")
    assert run.ret == 0, run.output
    assert run.findings["summary"]["rules"]["kms.key-id.not-found"] == "passed"
    assert run.ids("kms.key-id.not-found") == []
    assert proxy.requests > 0 and proxy.rewritten == 0


def test_not_found_rule_catches_a_renamed_error(tmp_path: Path, proxy: FaultProxy) -> None:
    proxy.set_faults([rename_error("DescribeKey", "NotFoundException", "KMSInvalidStateException")])
    run = _run(tmp_path, proxy, "kms.key-id.not-found")
    assert run.ret == 1, run.output
    (finding,) = [f for f in run.findings["findings"] if f["rule"] == "kms.key-id.not-found"]
    assert finding["kind"] == "wrong-error"
    assert finding["expected"]["errors"] == ["NotFoundException"]
    assert finding["actual"]["error"] == "KMSInvalidStateException"
    assert finding["id"] in run.output  # named in pytest's output
    assert proxy.rewritten > 0


def test_replicate_rule_passes_through_a_transparent_proxy(tmp_path: Path, proxy: FaultProxy) -> None:
    run = _run(tmp_path, proxy, "kms.replicate-key.valid")
    assert run.ret == 0, run.output
    assert run.findings["summary"]["rules"]["kms.replicate-key.valid"] == "passed"


def test_replicate_rule_catches_a_server_error(tmp_path: Path, proxy: FaultProxy) -> None:
    proxy.set_faults([server_error_on_success("ReplicateKey")])
    run = _run(tmp_path, proxy, "kms.replicate-key.valid")
    assert run.ret == 1, run.output
    kinds = {f["kind"] for f in run.findings["findings"] if f["rule"] == "kms.replicate-key.valid"}
    assert kinds == {"server-error"}
