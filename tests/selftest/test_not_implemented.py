"""A target that lacks a whole service and one operation: one finding per operation, the rules
that need them not applicable (skipped, not failed), and a twin through a transparent proxy.

The proxy answers as LocalStack 2026.3.0 does where it does not emulate: HTTP 501 to every
Payment Cryptography call and to UpdatePrimaryRegion. The twin runs the same selection, with the
same seed, through the same proxy with no fault.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.oracle.rules import RULES
from harness.targets.moto import MotoServer
from harness.testing.fault_proxy import FaultProxy
from harness.testing.faults import not_implemented
from tests.selftest.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.selftest_network

SELECTION = "pc.tags or pc.get-key or kms.update-primary-region or operation.implemented"
LIKE_LOCALSTACK = {"services": ["payment-cryptography"], "operations": ["UpdatePrimaryRegion"]}


@pytest.fixture(scope="module")
def proxy(moto_server: MotoServer) -> Iterator[FaultProxy]:
    with FaultProxy(moto_server.endpoint_url) as p:
        yield p


def _run(workdir: Path, proxy: FaultProxy) -> SuiteRun:
    return run_suite(
        workdir,
        "--target=endpoint",
        f"--endpoint-url={proxy.url}",
        "--seed=11",
        "--examples=6",
        "--no-baseline",
        "-rs",
        "-k",
        SELECTION,
    )


@pytest.fixture(scope="module")
def lacking(proxy: FaultProxy, tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    proxy.set_faults([not_implemented(**LIKE_LOCALSTACK)])
    try:
        return _run(tmp_path_factory.mktemp("lacking"), proxy)
    finally:
        proxy.set_faults([])


@pytest.fixture(scope="module")
def complete(proxy: FaultProxy, tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    proxy.set_faults([])
    return _run(tmp_path_factory.mktemp("complete"), proxy)


def _tests(run: SuiteRun) -> dict[str, str]:
    return {name: t["status"] for name, t in run.findings["summary"]["tests"].items()}


def test_each_missing_operation_is_one_finding(lacking: SuiteRun) -> None:
    missing = [f for f in lacking.findings["findings"] if f["kind"] == "not-implemented"]
    operations = [(f["service"], f["operation"]) for f in missing]
    assert len(operations) == len(set(operations)) > 1
    assert ("kms", "UpdatePrimaryRegion") in operations
    assert {s for s, _ in operations} == {"kms", "payment-cryptography"}
    assert all(op == "UpdatePrimaryRegion" for s, op in operations if s == "kms")
    assert all(
        f["rule"].endswith(".operation.implemented") and "HTTP 501" in f["actual"]["detail"] for f in missing
    )
    # Nothing else is reported about the operations the target does not have.
    assert [f["id"] for f in lacking.findings["findings"] if f["kind"] != "not-implemented"] == []


def test_the_rules_that_need_them_are_not_applicable_not_failed(lacking: SuiteRun) -> None:
    tests = _tests(lacking)
    needing = {
        name: status for name, status in tests.items() if not name.endswith("operation.implemented:any")
    }
    assert needing and set(needing.values()) == {"not-applicable"}, needing
    assert tests["pc.operation.implemented:any"] == "failed"
    listed = {(e["rule"], e.get("operation")) for e in lacking.findings["not_applicable"]}
    for name in needing:
        rule, _, operation = name.partition(":")
        assert (rule, None if operation == "any" else operation) in listed, name
    # Every rule of UpdatePrimaryRegion is listed, tested here or not.
    for rule in RULES:
        if rule.service == "kms" and "UpdatePrimaryRegion" in rule.operations:
            assert (rule.id, "UpdatePrimaryRegion") in listed, rule.id
    assert all("not implemented" in e["reason"] for e in lacking.findings["not_applicable"])
    assert "is not applicable" in lacking.output and lacking.ret == 1


def test_a_missing_operation_costs_few_calls(lacking: SuiteRun, complete: SuiteRun) -> None:
    assert lacking.findings["summary"]["calls"] < complete.findings["summary"]["calls"]


def test_the_same_run_through_a_transparent_proxy_has_none(complete: SuiteRun) -> None:
    """The twin: the same selection and seed, nothing injected."""
    assert [f for f in complete.findings["findings"] if f["kind"] == "not-implemented"] == []
    assert "not_applicable" not in complete.findings
    assert "not-applicable" not in set(_tests(complete).values())
    assert _tests(complete)["pc.operation.implemented:any"] == "passed"
