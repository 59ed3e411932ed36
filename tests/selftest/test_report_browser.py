"""report.html of a real run, opened in a real browser (headless Chromium from Debian's packages).

The run is a real one against the emulator on loopback, started as a user starts it (a child
``pytest --target=emulator``) on a few rules moto breaks, without a baseline so that its
findings are new and shown open; ``HARNESS_REPORT_FINDINGS=path/to/findings.json`` renders an
existing run's report instead (its cassette.jsonl beside it gives the coverage). Chromium
takes a screenshot and dumps the DOM it built; the test finds the matrix and every finding in
that DOM, which is what a reader's browser shows, not what the file says.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from harness.reporting.causes import annotate, group
from harness.reporting.files import write_reports
from harness.reporting.outcomes import finding_state

pytestmark = pytest.mark.selftest_network

REPO = Path(__file__).resolve().parents[2]
SHARED_SCHEMA = REPO.parent / "shared" / "contracts" / "findings.schema.json"
RULES = "kms.tags.reserved-prefix or wire.content-type or wire.member-type or pc.validation.length"
WINDOW = (1400, 2200)
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--window-size={WINDOW[0]},{WINDOW[1]}",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip("headless Chromium is not installed: apt-get update && apt-get install -y chromium")
    return found


def _specs(profile: str) -> Path | None:
    for candidate in (REPO / "harness" / "data" / "specs" / profile, REPO / "specs" / profile):
        if any(candidate.glob("*/service.json")):
            return candidate
    return None


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report directory holding a real run's findings.json and cassette.jsonl."""
    _chromium()  # no run for nothing
    given = os.environ.get("HARNESS_REPORT_FINDINGS")
    if given:
        return Path(given).resolve().parent
    out = tmp_path_factory.mktemp("run")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--target=emulator",
            "--seed=1",
            "--no-baseline",
            f"--report-dir={out}",
            "-q",
            "-k",
            RULES,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    # 1: new findings (moto breaks these rules), which is what the report must show.
    assert done.returncode == 1, (done.stdout + done.stderr)[-4000:]
    return out


@pytest.fixture(scope="module")
def document(run_dir: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((run_dir / "findings.json").read_text())
    if SHARED_SCHEMA.is_file():
        jsonschema.validate(doc, json.loads(SHARED_SCHEMA.read_text()))
    assert doc["findings"], "the run found nothing to show"
    return annotate(doc)


@pytest.fixture(scope="module")
def report(run_dir: Path, document: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report")
    specs = _specs(str(document.get("profile") or "aws"))
    cassette = run_dir / "cassette.jsonl"
    paths = write_reports(out, document, cassettes=[cassette], specs_dir=specs)
    return paths["report.html"]


def _browse(report: Path, tmp: Path, *action: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"chromium-profile-{len(list(tmp.iterdir()))}"  # a fresh one per start
    return subprocess.run(
        [_chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *action, report.as_uri()],
        capture_output=True,
        text=True,
        timeout=180,
    )


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_chromium_shows_the_matrix_and_every_finding(
    report: Path, document: dict[str, Any], tmp_path: Path
) -> None:
    done = _browse(report, tmp_path, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = _Dom()
    dom.feed(done.stdout)
    by_id = {attrs["id"]: (tag, attrs) for tag, attrs in dom.elements if "id" in attrs}
    assert by_id["matrix"][0] == "section"
    assert by_id["findings"][0] == "section"
    tables = [a for tag, a in dom.elements if tag == "table" and "matrix" in a.get("class", "").split()]
    assert {t["id"] for t in tables} == {f"matrix-{s}" for s in {f["service"] for f in document["findings"]}}
    cells = [a for tag, a in dom.elements if tag == "td" and "c" in a.get("class", "").split()]
    new = [f for f in document["findings"] if finding_state(f) in ("new", "expired")]
    # A failed cell per rule and operation with a new finding, and per ``:any`` rule test that
    # failed on findings seen in other operations' answers (answer rules judge every answer).
    failed_cells = {(f["rule"], f["operation"]) for f in new}
    seen = {(f["rule"], f["operation"]) for f in document["findings"]}
    for name, value in (document["summary"].get("tests") or {}).items():
        rule, _, operation = name.rpartition(":")
        status = value.get("status") if isinstance(value, dict) else value
        if status == "failed" and (rule, operation) not in seen and rule in {f["rule"] for f in new}:
            failed_cells.add((rule, operation))
    assert sum("failed" in c["class"].split() for c in cells) == len(failed_cells)
    for finding in document["findings"]:
        tag, attrs = by_id["finding-" + re.sub(r"\s+", "-", finding["id"])]
        assert tag == "details"
        assert ("open" in attrs) == (finding in new)  # new findings are unfolded
    text = " ".join(" ".join(dom.text).split())
    for cause in group(document["findings"]):
        assert " ".join(cause.title.split()) in text


def test_chromium_takes_a_screenshot_of_the_page(report: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = _browse(report, tmp_path, f"--screenshot={shot}")
    assert done.returncode == 0, done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == WINDOW
    assert len(data) > 50_000, "an almost empty picture: the page did not render"
    keep = os.environ.get("HARNESS_SCREENSHOT_DIR")
    if keep:
        shutil.copyfile(shot, Path(keep) / "report.png")
