"""``--profile documented`` end to end against the emulator, and what the profile changes.

A run with the vendor pages' profile writes a report that says so. Replaying its cassette
under each profile shows the profile at work on moto's real answers: moto answers AWS key
ARNs (``arn:aws:kms:...``), which the documented profile's schema rejects (the vendor
pages document ``arn:verenc:<account>:key/<id>``) and the aws profile accepts; the same
cassette, so the profile is the only difference (caught / silent twins).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.contracts import findings_validator
from tests.selftest.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.selftest_network

ARN_PATTERN = "^arn:verenc:[0-9]{12}:key/.+$"


@pytest.fixture(scope="module")
def documented_run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    workdir = tmp_path_factory.mktemp("documented")
    return run_suite(
        workdir,
        "--target=emulator",
        "--profile",
        "documented",
        "-k",
        "kms.create-key.valid",
        "--no-baseline",
        "--seed",
        "7",
        "--examples",
        "5",
    )


def test_a_documented_profile_run_writes_its_report(documented_run: SuiteRun) -> None:
    assert documented_run.ret in (0, 1), documented_run.output  # 2 would be a harness error
    findings = documented_run.findings
    findings_validator().validate(findings)
    assert findings["profile"] == "documented"
    assert "profile=documented" in documented_run.output
    assert findings["summary"]["rules"] == {
        "kms.create-key.valid": findings["summary"]["rules"]["kms.create-key.valid"]
    }
    assert len(documented_run.cassette()) == findings["summary"]["calls"] > 0


def _replay(cassette: Path, profile: str, report_dir: Path) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "replay",
            str(cassette),
            "--profile",
            profile,
            "--report-dir",
            str(report_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    doc: dict[str, Any] = json.loads((report_dir / "findings.json").read_text(encoding="utf-8"))
    assert doc["profile"] == profile
    return doc


def _arn_findings(doc: dict[str, Any]) -> set[str]:
    return {
        f["id"]
        for f in doc["findings"]
        if f["kind"] == "response-schema"
        and "/Arn" in f["actual"]["detail"]
        and ARN_PATTERN in f["actual"]["detail"]
    }


def test_the_profile_decides_which_answers_conform(documented_run: SuiteRun, tmp_path: Path) -> None:
    cassette = documented_run.report_dir / "cassette.jsonl"
    documented = _replay(cassette, "documented", tmp_path / "documented")
    aws = _replay(cassette, "aws", tmp_path / "aws")
    caught = _arn_findings(documented)
    assert caught, "moto's AWS key ARNs should break the documented profile's ARN pattern"
    assert _arn_findings(aws) == set()  # silent twin: same answers, aws profile
    # Nothing else differs between the two profiles on these answers.
    assert {f["id"] for f in documented["findings"]} - {f["id"] for f in aws["findings"]} == caught
