"""``pytest --target=localstack`` as a user runs it: started and stopped by the harness, its answers
judged like moto's, and what it does not implement reported once per operation.

Needs the environment ``python -m harness targets install localstack`` provisions; skips, saying
so, where it is absent.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.targets import localstack
from tests.selftest.suite_runner import SuiteRun, run_suite

pytestmark = [
    pytest.mark.selftest_network,
    pytest.mark.skipif(not localstack.readiness()[0], reason="LocalStack is not installed here"),
]

SELECTION = "kms.update-primary-region.valid or kms.tags.reserved-prefix:CreateKey or pc.get-key.valid"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    workdir = tmp_path_factory.mktemp("localstack")
    return run_suite(
        workdir, "--target=localstack", "--seed=1", "--examples=5", "--no-baseline", "-rs", "-k", SELECTION
    )


def test_the_harness_starts_localstack_and_names_it(run: SuiteRun) -> None:
    target = run.findings["target"]
    assert (target["name"], target["kind"]) == ("localstack", "localstack")
    assert target["implementation"] == f"localstack {localstack.LOCALSTACK_VERSION}"
    assert target["endpoint_url"].startswith("http://127.0.0.1:")
    assert (run.report_dir / "localstack.log").is_file()


def test_its_answers_are_judged(run: SuiteRun) -> None:
    """LocalStack accepts reserved tag keys on CreateKey? No: it refuses them, and passes."""
    tests = run.findings["summary"]["tests"]
    assert tests["kms.tags.reserved-prefix:CreateKey"]["status"] == "passed"


def test_what_it_does_not_implement_is_one_finding_per_operation(run: SuiteRun) -> None:
    missing = sorted(f["operation"] for f in run.findings["findings"] if f["kind"] == "not-implemented")
    assert missing == [
        "CreateKey",
        "UpdatePrimaryRegion",
    ]  # PC CreateKey (GetKey's set-up), KMS UpdatePrimaryRegion
    tests = run.findings["summary"]["tests"]
    assert tests["kms.update-primary-region.valid:UpdatePrimaryRegion"]["status"] == "not-applicable"
    assert tests["pc.get-key.valid:GetKey"]["status"] == "not-applicable"
    listed = {(e["rule"], e.get("operation")) for e in run.findings["not_applicable"]}
    assert ("pc.get-key.valid", "GetKey") in listed
    assert "is not applicable" in run.output


def test_localstack_is_stopped_at_the_end(run: SuiteRun) -> None:
    port = run.findings["target"]["endpoint_url"].rsplit(":", 1)[1]
    listening = subprocess.run(["ss", "-ltn", f"sport = :{port}"], capture_output=True, text=True)
    assert listening.returncode != 0 or f":{port} " not in listening.stdout


def test_an_endpoint_url_is_refused_for_localstack(tmp_path: Path) -> None:
    refused = run_suite(
        tmp_path, "--target=localstack", "--endpoint-url=http://127.0.0.1:4566", report_dir=tmp_path / "never"
    )
    assert refused.ret == 2 and "LocalStack picks its own port" in refused.output
    assert not (tmp_path / "never").exists()
