"""The harness as a user installs it: a wheel in a fresh virtualenv, run from an empty directory,
and a pytest plugin that leaves every other test suite of the environment alone."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from harness.engine.tests import rule_tests, state_machines
from tests.conftest import REPO

UNRELATED_TEST = """
import sys

def test_unrelated():
    # Asked for nothing, the harness's plugin must have read no spec and imported nothing heavy.
    for heavy in ("harness.services", "harness.spec.catalog", "harness.engine", "boto3", "jsonschema"):
        assert heavy not in sys.modules, heavy
"""


def _pytest(args: list[str], cwd: Path, python: str = sys.executable) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "HARNESS_"))}
    return subprocess.run(
        [python, "-m", "pytest", *args], cwd=cwd, capture_output=True, text=True, timeout=600, env=env
    )


def _summary(output: str) -> str:
    """The closing line without its timing."""
    last = output.strip().splitlines()[-1]
    return re.sub(r" in [\d.]+s.*$", "", last)


def test_an_unrelated_suite_runs_exactly_as_without_the_harness(tmp_path: Path) -> None:
    (tmp_path / "test_unrelated.py").write_text(UNRELATED_TEST)
    with_plugin = _pytest(["-q", "-p", "no:cacheprovider"], tmp_path)
    without = _pytest(["-q", "-p", "no:cacheprovider", "-p", "no:kms_conformance"], tmp_path)
    assert with_plugin.returncode == 0, with_plugin.stdout + with_plugin.stderr
    assert _summary(with_plugin.stdout) == _summary(without.stdout) == "1 passed"
    assert "conformance" not in with_plugin.stdout + with_plugin.stderr
    assert with_plugin.stderr == without.stderr
    # ... and the plugin was loaded in that environment: its options are there.
    assert "--report-dir" in _pytest(["--help"], tmp_path).stdout


def test_the_unrelated_check_can_fail(tmp_path: Path) -> None:
    """Its twin: once asked for the suite, the plugin does load the services."""
    (tmp_path / "test_unrelated.py").write_text(UNRELATED_TEST)
    from harness.plugin import SUITE_DIR

    done = _pytest(["-q", "-p", "no:cacheprovider", "--target=emulator", "--collect-only"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(SUITE_DIR) not in ("",)
    assert "test_unrelated" not in done.stdout  # the conformance run collects only the suite


@pytest.mark.parametrize("exists", [False, True], ids=["new-dir", "existing-dir"])
def test_an_options_value_never_changes_what_is_collected(tmp_path: Path, exists: bool) -> None:
    """``--report-dir DIR`` and ``--report-dir=DIR`` collect the suite and only the suite."""
    expected = len(rule_tests()) + len(state_machines())
    out = tmp_path / "out"
    if exists:
        out.mkdir()
        (out / "test_stray.py").write_text("def test_stray():\n    pass\n")
    for form in (["--report-dir", "out"], ["--report-dir=out"]):
        done = _pytest(["--target=emulator", *form, "--collect-only", "-q"], tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"{expected} tests collected" in done.stdout, (form, done.stdout[-500:])
        assert "test_stray" not in done.stdout


def _site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(out.stdout.strip())


@pytest.mark.selftest_network
def test_a_wheel_in_a_fresh_virtualenv_runs_the_suite_from_an_empty_directory(tmp_path: Path) -> None:
    """Build the wheel, install it into a new virtualenv, run both entry points from an empty
    directory against the emulator it starts. The dependencies come from this environment
    (a ``.pth``), so the test needs no package index; the harness itself only from the wheel."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-q", "-w", str(wheels)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = wheels.glob("*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    # The dependencies (not the harness: an editable install is a finder .pth, not read here).
    (_site_packages(python) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import harness; print(harness.__file__)"],
        cwd=empty,
        capture_output=True,
        text=True,
    )
    assert str(venv) in where.stdout, where.stdout + where.stderr

    one_rule = ["-k", "kms.describe-key.valid", "-q", "--seed=1"]
    done = _pytest(["--target=emulator", "--report-dir", "report", *one_rule], empty, python=str(python))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert (empty / "report" / "findings.json").is_file()
    cli = subprocess.run(
        [str(venv / "bin" / "kms-harness"), "run", "--target=emulator", "--report-dir=cli-report", *one_rule],
        cwd=empty,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert cli.returncode == 0, cli.stdout[-3000:] + cli.stderr[-2000:]
    assert (empty / "cli-report" / "findings.json").is_file()
