"""Differential runs: moto against moto behind the fault proxy, so every difference is known.

Both targets are the same moto version; the second sits behind the proxy. Through a transparent
proxy the two answer every call alike once ids, ARNs and dates are compared by reference (no
difference at all); with one injected fault, exactly that fault is reported, with both answers
and the side the documentation agrees with.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.targets.moto import MotoServer
from harness.testing.fault_proxy import Fault, FaultProxy, ProxiedRequest, ProxiedResponse
from harness.testing.faults import rename_error
from tests.selftest.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.selftest_network

SELECTION = "kms.key-id.not-found:DescribeKey or kms.create-key.valid:CreateKey"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}


def disabled_on_creation() -> Fault:
    """CreateKey answers that its new key is disabled (Enabled false), every other member kept."""

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        body = response.json()
        if request.operation != "CreateKey" or not isinstance(body, dict) or "KeyMetadata" not in body:
            return None
        body["KeyMetadata"]["Enabled"] = False
        return response.with_json(body)

    return Fault("CreateKey:enabled-false", "CreateKey answers Enabled false", rewrite)


@pytest.fixture(scope="module")
def other_moto() -> Iterator[MotoServer]:
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def proxy(other_moto: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(other_moto.endpoint_url) as p:
        yield p


def _run(workdir: Path, proxy: FaultProxy, faults: list[Fault]) -> SuiteRun:
    proxy.set_faults(faults)
    table = f'[targets.proxied]\nkind = "endpoint"\nendpoint_url = "{proxy.url}"\nvendor = "moto, proxied"\n'
    (workdir / "harness.toml").write_text(table)
    try:
        return run_suite(
            workdir,
            "--target=emulator",
            "--compare-target=proxied",
            "--seed=5",
            "--examples=6",
            "-k",
            SELECTION,
            env=CREDENTIALS,
        )
    finally:
        proxy.set_faults([])


def _differences(run: SuiteRun) -> list[dict[str, Any]]:
    return [f for f in run.findings["findings"] if f["kind"] == "difference"]


@pytest.fixture(scope="module")
def alike(proxy: FaultProxy, tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    return _run(tmp_path_factory.mktemp("alike"), proxy, [])


@pytest.fixture(scope="module")
def faulty(proxy: FaultProxy, tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    faults = [
        rename_error("DescribeKey", "NotFoundException", "KMSInvalidStateException"),
        disabled_on_creation(),
    ]
    return _run(tmp_path_factory.mktemp("faulty"), proxy, faults)


def test_two_equal_targets_differ_in_nothing(alike: SuiteRun) -> None:
    compare = alike.findings["target"]["compare"]
    assert compare["name"] == "proxied" and compare["implementation"] is None
    assert compare["calls"] == alike.findings["summary"]["calls"] > 0
    assert compare["compared"] == compare["calls"]  # every key the run made exists on both sides
    assert _differences(alike) == []


def test_an_error_code_difference_carries_both_answers(faulty: SuiteRun) -> None:
    (renamed,) = [f for f in _differences(faulty) if f["operation"] == "DescribeKey"]
    assert renamed["actual"]["error"] == "NotFoundException"
    assert renamed["other"]["target"] == "proxied" and renamed["other"]["error"] == "KMSInvalidStateException"
    assert renamed["signature"] == "outcome: NotFoundException vs KMSInvalidStateException"
    assert "agrees with this target (emulator)" in renamed["actual"]["detail"]
    assert renamed["advisory"] is False
    # A key id neither side made is sent as drawn to both (only ids a target answered are mapped).
    assert renamed["other"]["request"] == renamed["request"]


def test_a_member_difference_is_compared_by_reference(faulty: SuiteRun) -> None:
    created = [f for f in _differences(faulty) if f["operation"] == "CreateKey"]
    assert [f["signature"] for f in created] == ["/KeyMetadata/Enabled: different values"]
    (enabled,) = created
    assert "emulator true, proxied false" in enabled["actual"]["detail"]
    assert "agrees with this target (emulator)" in enabled["actual"]["detail"]
    # Key ids, ARNs and dates differ between the two servers, and are no difference.
    assert not any(f["signature"].split(":")[0].endswith(("KeyId", "Arn", "CreationDate")) for f in created)


def test_only_the_injected_faults_are_differences(faulty: SuiteRun, alike: SuiteRun) -> None:
    assert {(f["operation"], f["signature"]) for f in _differences(faulty)} == {
        ("DescribeKey", "outcome: NotFoundException vs KMSInvalidStateException"),
        ("CreateKey", "/KeyMetadata/Enabled: different values"),
    }
    # The run's own findings (this target's divergences) are those of the same run without a fault.
    own = {f["id"] for f in faulty.findings["findings"] if f["kind"] != "difference"}
    assert own == {f["id"] for f in alike.findings["findings"]}
    json.dumps(faulty.findings)  # the document is plain JSON, both answers included
