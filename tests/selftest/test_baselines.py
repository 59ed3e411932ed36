"""Baselines in whole runs: a -k run lists as stale only entries of the rules it ran, and
--strict-baseline fails on them; an expired entry fails like a new finding; --update-baseline
writes the run's entries, new ones UNREVIEWED (still failing) until a reason is written."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.selftest.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.selftest_network

ONE_TEST = "kms.tags.reserved-prefix:CreateKey"
OTHER_RULE = "kms.wire.content-type:CreateKey:wire-format:00000000"
NEVER_SEEN = "kms.tags.reserved-prefix:CreateKey:unexpected-success:00000000"


def _run(workdir: Path, name: str, *args: str) -> SuiteRun:
    return run_suite(
        workdir,
        "--target=emulator",
        "--seed",
        "3",
        "--examples",
        "3",
        "-k",
        ONE_TEST,
        *args,
        report_dir=workdir / name,
    )


def _baseline(path: Path, entries: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"target": "emulator", "findings": entries}, indent=2))
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("baselines")


@pytest.fixture(scope="module")
def found(workdir: Path) -> str:
    run = _run(workdir, "plain", "--no-baseline")
    (fid,) = run.ids()
    return fid


def test_a_k_run_lists_only_its_rules_entries_as_stale_and_strict_fails_on_them(
    workdir: Path, found: str
) -> None:
    path = _baseline(
        workdir / "stale.json",
        [
            {"id": found, "reason": "moto serves reserved tags"},
            {"id": OTHER_RULE, "reason": "a rule this run does not check"},
            {"id": NEVER_SEEN, "reason": "a fault of this rule that did not show"},
        ],
    )
    run = _run(workdir, "strict", "--baseline", str(path), "--strict-baseline")
    assert run.ret == 1, run.output[-2000:]
    summary = run.findings["summary"]
    assert summary["stale_baseline"] == [NEVER_SEEN] and summary["stale"] == 1
    assert summary["new_findings"] == 0
    assert "--strict-baseline: 1 stale baseline entries fail the run" in run.output
    (finding,) = run.findings["findings"]
    assert finding["baseline"] == "known" and finding["baseline_reason"] == "moto serves reserved tags"


def test_an_expired_entry_fails_like_a_new_finding(workdir: Path, found: str) -> None:
    path = _baseline(
        workdir / "expired.json", [{"id": found, "reason": "moto serves them", "expires": "2000-01-01"}]
    )
    run = _run(workdir, "expired", "--baseline", str(path))
    assert run.ret == 1
    (finding,) = run.findings["findings"]
    assert finding["baseline"] == "expired" and finding["baseline_expires"] == "2000-01-01"
    assert "[baseline entry expired]" in run.output


def test_update_baseline_writes_unreviewed_entries_that_fail_until_reviewed(
    workdir: Path, found: str
) -> None:
    path = _baseline(workdir / "update.json", [{"id": OTHER_RULE, "reason": "kept as it is", "link": "x"}])
    run = _run(workdir, "update", "--baseline", str(path), "--update-baseline")
    assert run.ret == 1  # new, and written down
    assert f"baseline: wrote {path} (2 entries, 1 UNREVIEWED" in run.output
    entries = {e["id"]: e for e in json.loads(path.read_text())["findings"]}
    assert entries[OTHER_RULE] == {"id": OTHER_RULE, "reason": "kept as it is", "link": "x"}  # not met: kept
    assert (
        entries[found]["reason"].startswith("UNREVIEWED: ")
        and entries[found]["rule"] == "kms.tags.reserved-prefix"
    )
    again = _run(workdir, "unreviewed", "--baseline", str(path))
    assert again.ret == 1 and "[UNREVIEWED in the baseline]" in again.output  # excuses nothing yet
    document = json.loads(path.read_text())
    document["findings"] = [
        {**e, "reason": "moto/kms/utils.py accepts aws: tag keys"} if e["id"] == found else e
        for e in document["findings"]
    ]
    path.write_text(json.dumps(document))
    reviewed = _run(workdir, "reviewed", "--baseline", str(path))
    assert reviewed.ret == 0, reviewed.output[-2000:]
