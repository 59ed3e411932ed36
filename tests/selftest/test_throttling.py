"""Throttling is retried with backoff and never judged: no finding, the rule still passes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.targets.moto import MotoServer
from harness.testing.fault_proxy import FaultProxy
from harness.testing.faults import throttle_first
from tests.selftest.suite_runner import run_suite

pytestmark = pytest.mark.selftest_network


@pytest.fixture
def proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server.endpoint_url) as p:
        yield p


@pytest.mark.parametrize("status", [400, 429])
def test_throttled_answers_are_retried_not_judged(tmp_path: Path, proxy: FaultProxy, status: int) -> None:
    proxy.set_faults([throttle_first("DescribeKey", 3, status=status)])
    run = run_suite(
        tmp_path,
        "--target=endpoint",
        "--endpoint-url",
        proxy.url,
        "--seed",
        "3",
        "--examples",
        "5",
        "--no-baseline",
        "-k",
        "kms.key-id.not-found",
    )
    assert run.ret == 0, run.output
    summary = run.findings["summary"]
    assert summary["rules"]["kms.key-id.not-found"] == "passed"
    assert summary["throttled_retries"] == 3
    assert proxy.rewritten == 3
    # Every attempt reached the wire, the throttled ones included, and none is a finding.
    assert summary["calls"] == len(run.cassette())
    assert not [f for f in run.findings["findings"] if "Throttling" in (f["actual"]["error"] or "")]
