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


@dataclass
class Reproduced:
    finding: dict[str, Any]
    done: subprocess.CompletedProcess[str]

    @property
    def reproduces(self) -> bool:
        """It ran, sent its calls and failed its assertion: the divergence is there."""
        return self.done.returncode != 0 and "AssertionError" in self.done.stderr


def reset(endpoint: str) -> None:
    """moto's own reset: every backend empty again, as in a fresh server."""
    import urllib.request

    request = urllib.request.Request(f"{endpoint}/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass


def _run_forked(script: Path, endpoint: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """``python SCRIPT`` without the interpreter's start: a child forked from this process (boto3,
    botocore and the harness already imported) runs the file as ``__main__``; exit 1 on any
    exception, with its traceback on stderr, exactly as the interpreter would."""
    import os
    import runpy
    import signal
    import time
    import traceback

    out, err = script.with_suffix(".out"), script.with_suffix(".err")
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            with out.open("w") as stdout, err.open("w") as stderr:
                os.dup2(stdout.fileno(), 1)
                os.dup2(stderr.fileno(), 2)
                sys.stdout = os.fdopen(1, "w", closefd=False)
                sys.stderr = os.fdopen(2, "w", closefd=False)
                os.environ["HARNESS_ENDPOINT"] = endpoint
                sys.argv = [str(script)]
                try:
                    runpy.run_path(str(script), run_name="__main__")
                except SystemExit as exc:
                    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
                except BaseException:
                    traceback.print_exc()
                    code = 1
                sys.stdout.flush()
                sys.stderr.flush()
        finally:
            os._exit(code)
    deadline = time.monotonic() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            status = 1 << 8
            break
        time.sleep(0.01)
    return subprocess.CompletedProcess(
        [sys.executable, str(script)], os.waitstatus_to_exitcode(status), out.read_text(), err.read_text()
    )


def run_reproductions(
    findings: list[dict[str, Any]], workdir: Path, *, fork: bool = True
) -> list[Reproduced]:
    """Run every finding's ``reproduce`` script against one moto server, reset before each (a reset
    empties every backend, as a fresh server would be, in milliseconds rather than a second of
    start-up). ``fork``: each script runs in a child forked from this process, with boto3 and
    the harness already imported (see :func:`_run_forked`); else in its own ``python``."""
    import boto3

    from harness.engine.judge import Judge  # noqa: F401 - what judged scripts import
    from harness.spec import catalog
    from harness.targets.moto import MotoServer

    catalog.load("aws")
    if fork:
        # Every script makes its clients with boto3.client, in boto3's default session. Made
        # here, with a client of each of the findings' services, that session has read
        # botocore's service models once, and each forked child finds them read (about 55 ms of
        # CPU a script). What a script sends and checks is its own: the models are botocore's
        # files either way.
        boto3.setup_default_session()
        for service in sorted({f["service"] for f in findings}):
            boto3.client(
                service,
                region_name="us-east-1",
                endpoint_url="http://127.0.0.1:9",
                aws_access_key_id="testing",
                aws_secret_access_key="testing",
            )
    workdir.mkdir(parents=True, exist_ok=True)
    server = MotoServer().start()
    out = []
    try:
        for index, finding in enumerate(findings):
            script = workdir / f"repro{index}.py"
            script.write_text(finding["reproduce"])
            reset(server.endpoint_url)
            if fork:
                done = _run_forked(script, server.endpoint_url, timeout=180)
            else:
                done = subprocess.run(
                    [sys.executable, str(script)],
                    capture_output=True,
                    text=True,
                    timeout=180,
                    env={"HARNESS_ENDPOINT": server.endpoint_url, "PATH": "/usr/bin:/bin"},
                )
            out.append(Reproduced(finding, done))
    finally:
        server.stop()
    return out


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
    # no:schemathesis, as the project's own pytest configuration has it (pyproject.toml): the
    # dev install has Schemathesis for the bridge, and its pytest plugin would cost each of the
    # self-tests' fifty-odd child runs ~0.9 s of imports that no conformance run uses.
    command = [sys.executable, "-m", "pytest", "-p", "no:schemathesis", str(SUITE_DIR)]
    done = subprocess.run(
        [*command, "--report-dir", str(report_dir), *args],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=600,
        env=child_env,
    )
    return SuiteRun(done.returncode, done.stdout + done.stderr, report_dir)
