"""``python -m harness publish`` runs the suite with a pinned seed and leaves report.md,
report.html and findings.json in the published directory, and nothing of the run elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.contracts import findings_validator

pytestmark = pytest.mark.selftest_network


def test_publish_writes_the_three_reports(tmp_path: Path) -> None:
    out = tmp_path / "published"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "publish",
            "--out",
            str(out),
            "--examples=3",
            "-k",
            "reserved-prefix",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert sorted(p.name for p in out.iterdir()) == ["findings.json", "report.html", "report.md"]
    document = json.loads((out / "findings.json").read_text())
    findings_validator().validate(document)
    assert document["seed"] == 1 and document["findings"]
    assert "harness-publish-" not in (out / "report.md").read_text()  # no path of the run's own
    assert not (tmp_path / "reports").exists()  # the run's cassette and logs stayed behind
