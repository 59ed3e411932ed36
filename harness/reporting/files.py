"""Writes junit.xml, report.md and report.html beside findings.json, in one call.

A run's finish (and a replay's, and any later ``report`` command) calls :func:`write_reports`
with the document it wrote; nothing else needs to know the file names. Each file is written to
a temporary name and moved into place, so a reader never sees half a report.
"""

from __future__ import annotations

import itertools
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.reporting.coverage import Coverage, compute_coverage, read_cassette
from harness.reporting.html import html_report
from harness.reporting.junit import junit_xml
from harness.reporting.markdown import markdown_report

__all__ = ["write_reports"]


def _write(path: Path, text: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(tmp, 0o644)  # mkstemp's 0600 would hide the reports from a CI artifact uploader
    os.replace(tmp, path)
    return path


def write_reports(
    report_dir: Path,
    document: Mapping[str, Any],
    *,
    cassettes: Sequence[Path] = (),
    specs_dir: Path | None = None,
) -> dict[str, Path]:
    """Write the three reports of ``document`` into ``report_dir``; return their paths by name.

    With ``cassettes`` (the run's cassette.jsonl, or each of its parts') and ``specs_dir``
    (``specs/<profile>``) the reports include the spec coverage of all their exchanges; without,
    they say it was not computed."""
    report_dir.mkdir(parents=True, exist_ok=True)
    coverage: Coverage | None = None
    present = [path for path in cassettes if path.is_file()]
    if present and specs_dir is not None:
        exchanges = itertools.chain.from_iterable(read_cassette(path) for path in present)
        coverage = compute_coverage(exchanges, specs_dir)
    return {
        "junit.xml": _write(report_dir / "junit.xml", junit_xml(document)),
        "report.md": _write(report_dir / "report.md", markdown_report(document, coverage)),
        "report.html": _write(report_dir / "report.html", html_report(document, coverage)),
    }
