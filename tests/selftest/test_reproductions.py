"""Every reproduction of a full emulator run reproduces: each Python script, run against moto,
exits non-zero on its assertion; the command-line forms (AWS CLI, curl, with earlier steps) of a
sample that runs every piece of their generator the run's findings reach do too
(tests/selftest/cli_forms.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.selftest import cli_forms
from tests.selftest.suite_runner import SuiteRun, reset, run_reproductions, run_suite

pytestmark = pytest.mark.selftest_network


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    """Every rule test and machine, with fewer draws than a default run (the same rules fail)."""
    workdir = tmp_path_factory.mktemp("full")
    run = run_suite(workdir, "--target=emulator", "--seed", "1", "--examples", "5", "--no-baseline")
    assert run.ret == 1, run.output[-3000:]  # moto has divergences: all new without a baseline
    return run


def test_every_finding_carries_both_reproductions(full_run: SuiteRun) -> None:
    findings = full_run.findings["findings"]
    assert len(findings) > 100
    assert all(f.get("reproduce") and f.get("reproduce_cli") for f in findings)


def test_every_python_reproduction_reproduces(full_run: SuiteRun, tmp_path: Path) -> None:
    findings = full_run.findings["findings"]
    results = run_reproductions(findings, tmp_path)
    failing = [
        f"{r.finding['id']}: exit {r.done.returncode}: {r.done.stderr.strip()[-300:]}"
        for r in results
        if not r.reproduces
    ]
    assert not failing, "\n".join(failing)
    print(f"{len(results)} of {len(findings)} reproductions reproduce")


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from harness.targets.moto import MotoServer

    server = MotoServer().start()
    try:
        yield server.endpoint_url
    finally:
        server.stop()


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_command_line_forms_reproduce(full_run: SuiteRun, moto_endpoint: str) -> None:
    sample = cli_forms.sample(full_run.findings["findings"])
    env = {"HARNESS_ENDPOINT": moto_endpoint, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    env["HOME"] = "/nonexistent"  # nothing of the user's AWS configuration
    judged = unjudged = 0
    failing = []
    for finding in sample:
        text = finding["reproduce_cli"]
        if "aws " in text and shutil.which("aws") is None:
            continue
        reset(moto_endpoint)
        done = subprocess.run(["bash", "-c", text], capture_output=True, text=True, timeout=120, env=env)
        if "# Not judged here" in text:
            unjudged += 1
            if done.returncode != 0:
                failing.append(f"{finding['id']}: exit {done.returncode}: {done.stderr[-300:]}")
        else:
            judged += 1
            if done.returncode != 1:
                shown = f"{done.stdout[-300:]} {done.stderr[-300:]}"
                failing.append(f"{finding['id']}: exit {done.returncode}: {shown}")
    assert not failing, "\n".join(failing)
    assert judged >= 10
    print(f"{judged} judged command-line forms reproduce; {unjudged} printed their answer")
