"""Whole runs against the emulator, as a user starts them: reports, baselines, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.baseline import default_path
from harness.contracts import cassette_validator, findings_validator
from tests.selftest.suite_runner import SuiteRun, run_reproduction, run_suite

pytestmark = pytest.mark.selftest_network

SEED = "7"
RESERVED = "kms.tags.reserved-prefix:CreateKey"
SHIPPED = default_path("emulator")


def _emulator(pytester: pytest.Pytester, *args: str, report_dir: Path | None = None) -> SuiteRun:
    return run_suite(
        pytester,
        "--target=emulator",
        "--seed",
        SEED,
        "--examples",
        "8",
        *args,
        report_dir=report_dir,
    )


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("runs")


@pytest.fixture(scope="module")
def tag_run(workdir: Path) -> SuiteRun:
    """One run of the reserved-prefix rule and the content-type rule, without a baseline."""
    return _emulator(workdir, "--no-baseline", "-k", f"{RESERVED} or wire.content-type")


def test_report_and_cassette_follow_the_contracts(tag_run: SuiteRun) -> None:
    assert tag_run.ret == 1, tag_run.output  # moto accepts reserved tags: new findings
    findings_validator().validate(tag_run.findings)
    lines = tag_run.cassette()
    for line in lines:
        cassette_validator().validate(line)
    # Every exchange sent is in the cassette, in order.
    assert len(lines) == tag_run.findings["summary"]["calls"] > 0
    times = [line["at"] for line in lines]
    assert times == sorted(times)


def test_the_run_prints_its_seed_and_names_each_new_finding(tag_run: SuiteRun) -> None:
    assert f"seed={SEED}" in tag_run.output
    reserved = tag_run.ids("kms.tags.reserved-prefix")
    assert reserved and all(fid in tag_run.output for fid in reserved)
    (finding,) = [f for f in tag_run.findings["findings"] if f["rule"] == "kms.tags.reserved-prefix"]
    assert finding["kind"] == "unexpected-success"
    assert finding["request"]["Tags"][0]["TagKey"].lower().startswith("aws:")
    assert finding["baseline"] == "new"


def test_the_same_seed_gives_the_same_findings(tag_run: SuiteRun, workdir: Path) -> None:
    again = _emulator(
        workdir,
        "--no-baseline",
        "-k",
        f"{RESERVED} or wire.content-type",
        report_dir=workdir / "again",
    )
    assert again.ids() == tag_run.ids()
    assert _calls(again) == _calls(tag_run)


def _calls(run: SuiteRun) -> list[tuple[str, ...]]:
    """The run's calls in order (test, operation, Region, status), each run of back-to-back
    DescribeKey calls counted once: waiting for a replica to leave Creating polls as long as the
    target takes, a matter of its clock, not of the seed (state_scenarios.settle)."""
    out: list[tuple[str, ...]] = []
    for e in run.cassette():
        call = (str(e.get("test")), e["operation"], e["region"], str(e["status"]))
        if not (out and call == out[-1] and e["operation"] == "DescribeKey"):
            out.append(call)
    return out


def test_known_findings_pass_and_a_removed_entry_fails_naming_it(
    tag_run: SuiteRun, workdir: Path, tmp_path: Path
) -> None:
    entries = [{"id": f["id"], "reason": "test"} for f in tag_run.findings["findings"]]
    full = tmp_path / "full.json"
    full.write_text(json.dumps({"findings": entries}))
    known = _emulator(
        workdir,
        "--baseline",
        str(full),
        "-k",
        f"{RESERVED} or wire.content-type",
        report_dir=tmp_path / "known",
    )
    assert known.ret == 0, known.output
    assert known.findings["summary"]["new_findings"] == 0
    assert "xfailed" in known.output

    removed = tag_run.ids("kms.tags.reserved-prefix")[0]
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"findings": [e for e in entries if e["id"] != removed]}))
    missing = _emulator(
        workdir,
        "--baseline",
        str(partial),
        "-k",
        f"{RESERVED} or wire.content-type",
        report_dir=tmp_path / "missing",
    )
    assert missing.ret == 1
    assert f"of finding {removed} in findings.json" in missing.output  # where its reproduction is
    section = missing.output.split(" conformance ", 1)[1].splitlines()
    assert sum(1 for line in section if line.startswith("NEW ")) == 1
    assert [f["id"] for f in missing.findings["findings"] if f["baseline"] == "new"] == [removed]


def test_the_shipped_baseline_covers_the_reserved_prefix_rule(workdir: Path, tmp_path: Path) -> None:
    run = _emulator(workdir, "-k", RESERVED, report_dir=tmp_path / "shipped")
    assert run.ret == 0, run.output
    assert run.findings["summary"]["known_findings"] >= 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--target=nowhere",), "unknown target 'nowhere'"),
        (("--target=endpoint", "--endpoint-url=http://127.0.0.1:9"), "is unreachable"),
        (
            ("--target=endpoint", "--endpoint-url=https://kms.eu-west-1.amazonaws.com"),
            "refused to send",
        ),
        (("--target=emulator", "--baseline", "/nonexistent/baseline.json"), "cannot read baseline"),
        (("--target=emulator", "--checks=content-type,no-such-check"), "unknown check(s) no-such-check"),
    ],
)
def test_bad_input_exits_2_in_one_line_and_writes_nothing(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    report_dir = tmp_path / "never"
    run = run_suite(tmp_path, *args, report_dir=report_dir)
    assert run.ret == 2
    errors = [line for line in run.output.splitlines() if line.startswith("harness: error:")]
    assert len(errors) == 1 and message in errors[0]
    assert "Traceback" not in run.output
    assert not report_dir.exists()


def test_reproduction_scripts_run_and_fail_while_the_divergence_exists(
    tag_run: SuiteRun, tmp_path: Path
) -> None:
    (finding,) = [f for f in tag_run.findings["findings"] if f["rule"] == "kms.tags.reserved-prefix"]
    done = run_reproduction(finding["reproduce"], tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "AssertionError" in done.stderr
    assert done.stdout.startswith("200 ")  # moto answered success where TagException is due
