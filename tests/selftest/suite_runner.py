"""Run the conformance suite in a child ``python -m pytest``, as a user would, and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.plugin import SUITE_DIR


@dataclass
class SuiteRun:
    ret: int
    output: str
    report_dir: Path

    @property
    def findings(self) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads((self.report_dir / "findings.json").read_text())
        return doc

    def ids(self, rule: str | None = None) -> list[str]:
        return [f["id"] for f in self.findings["findings"] if rule is None or f["rule"] == rule]

    def cassette(self) -> list[dict[str, Any]]:
        lines = (self.report_dir / "cassette.jsonl").read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def run_reproduction(script_text: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    """Run a finding's ``reproduce`` script against a fresh moto server, as a maintainer would."""
    from harness.targets.moto import MotoServer

    script = workdir / "repro.py"
    script.write_text(script_text)
    server = MotoServer().start()
    try:
        return subprocess.run(
            [sys.executable, str(script)],
            capture_output=True,
            text=True,
            timeout=180,
            env={"HARNESS_ENDPOINT": server.endpoint_url, "PATH": "/usr/bin:/bin"},
        )
    finally:
        server.stop()


def run_suite(
    workdir: Path, *args: str, report_dir: Path | None = None, env: Mapping[str, str] | None = None
) -> SuiteRun:
    """``pytest <suite> --report-dir ... ARGS`` in ``workdir``; the child's exit code and output.

    ``env``: AWS variables for the child, instead of any of this process's.
    """
    report_dir = report_dir or workdir / "report"
    workdir.mkdir(parents=True, exist_ok=True)
    child_env = None
    if env is not None:
        child_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | dict(env)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITE_DIR), "--report-dir", str(report_dir), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
        env=child_env,
    )
    return SuiteRun(done.returncode, done.stdout + done.stderr, report_dir)
