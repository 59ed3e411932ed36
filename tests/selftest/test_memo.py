"""The run's memo of identical state-free attempts (harness.engine.memo), against a real moto.

Seed 1's ``kms.create-key.valid`` test draws one CreateKey request three times; the memo sends
it twice and judges the third from the answers. Caught: a target that answers the second
identical request with HTTP 500 is still caught (a server-error finding), because the memo
sends the first two. Silent twin: the same run without the fault has no server error, and the
memo did answer for a call (so the caught case ran with the memo on, not around it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.targets.moto import MotoServer
from harness.testing.fault_proxy import FaultProxy
from harness.testing.faults import server_error_on_repeat
from tests.selftest.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.selftest_network

SELECT = "kms.create-key.valid and CreateKey"


@pytest.fixture
def proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server.endpoint_url) as p:
        yield p


def run(tmp_path: Path, proxy: FaultProxy) -> SuiteRun:
    return run_suite(
        tmp_path,
        "--target=endpoint",
        "--endpoint-url",
        proxy.url,
        "--seed",
        "1",
        "--no-baseline",
        "-k",
        SELECT,
    )


def server_errors(run: SuiteRun) -> list[str]:
    return [
        f["id"]
        for f in run.findings["findings"]
        if f["kind"] == "server-error" and f["operation"] == "CreateKey"
    ]


def test_an_endpoint_that_answers_the_second_identical_request_differently_is_caught(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    proxy.set_faults([server_error_on_repeat("CreateKey", 2)])
    caught = run(tmp_path, proxy)
    assert server_errors(caught), caught.output


def test_without_the_fault_there_is_no_server_error_and_the_memo_answered_for_a_call(
    tmp_path: Path, proxy: FaultProxy
) -> None:
    silent = run(tmp_path, proxy)
    assert silent.ret in (0, 1), silent.output  # moto's own findings of the rule may fail the run
    assert not server_errors(silent)
    summary = silent.findings["summary"]
    assert summary.get("memo_replayed", 0) >= 1
    # Judged from the memo, never sent: the cassette holds exactly the calls sent.
    assert summary["calls"] == len(silent.cassette())
