"""``python -m harness schemathesis`` catches a crash the fault proxy injects, and is silent on it
without the fault (harness.bridges.schemathesis).

Both runs send Schemathesis's requests for CreateKey alone, through the fault proxy, to the same
real moto server. moto itself answers HTTP 500 to many malformed bodies (findings of both runs,
and of the suite), so the injected crash has a status moto never gives: every CreateKey moto
serves is answered HTTP 503. Only the run with the fault may have a 503 finding.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import cli
from harness.targets.moto import MotoServer
from harness.testing.fault_proxy import Fault, FaultProxy, ProxiedRequest, ProxiedResponse

pytestmark = pytest.mark.selftest_network

pytest.importorskip("schemathesis")


def _unavailable(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
    if request.operation != "CreateKey" or not 200 <= response.status < 300:
        return None
    return ProxiedResponse(503, {"Content-Type": "text/html"}, b"<h1>Service Unavailable</h1>")


#: moto's own crashes are HTTP 500; this one is the fault's.
CRASH = Fault("CreateKey:success->503", "CreateKey answers HTTP 503 to every call moto serves", _unavailable)


@pytest.fixture
def proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server.endpoint_url) as p:
        yield p


def _run(report_dir: Path, proxy: FaultProxy) -> tuple[int, dict[str, Any]]:
    code = cli.main(
        [
            "schemathesis",
            "--target=endpoint",
            "--endpoint-url",
            proxy.url,
            "--operation",
            "kms:CreateKey",
            "--max-time",
            "10",
            "--report-dir",
            str(report_dir),
        ]
    )
    return code, json.loads((report_dir / "findings.json").read_text(encoding="utf-8"))


def _injected(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in document["findings"] if f["actual"]["status"] == 503]


def test_a_crash_on_valid_requests_is_a_server_error_finding(tmp_path: Path, proxy: FaultProxy) -> None:
    proxy.set_faults([CRASH])
    code, document = _run(tmp_path, proxy)
    assert proxy.rewritten > 0
    found = _injected(document)
    assert found and code == 1
    finding = found[0]
    assert (finding["kind"], finding["operation"]) == ("server-error", "CreateKey")
    assert finding["reproduce"].startswith("# Schemathesis test case ")
    assert "curl" in finding["reproduce_cli"]
    assert document["summary"]["schemathesis"]["server_errors"] >= 1
    assert (tmp_path / "report.md").is_file() and (tmp_path / "schemathesis" / "openapi.json").is_file()


def test_without_the_fault_no_valid_request_crashes(tmp_path: Path, proxy: FaultProxy) -> None:
    code, document = _run(tmp_path, proxy)
    assert proxy.requests > 0 and proxy.rewritten == 0
    assert _injected(document) == []
    assert all(f["kind"] in ("server-error", "not-implemented") for f in document["findings"])
    assert document["summary"]["schemathesis"]["calls"] > 0
    assert code in (0, 1)
