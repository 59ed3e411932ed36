"""report.html on a small hand-made document: one self-contained page whose matrix and findings
a test can find by id, with everything from the target escaped; and the files written beside
findings.json."""

from __future__ import annotations

import json
import stat
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from harness.reporting.causes import group
from harness.reporting.coverage import compute_coverage
from harness.reporting.files import write_reports
from harness.reporting.html import html_report
from tests.unit.test_reporting_causes import make_document, make_finding, served
from tests.unit.test_reporting_coverage import CASSETTE, specs  # noqa: F401 - a fixture

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>"\' & <style>body{}</style>'


class _Page(HTMLParser):
    """Every start tag with its attributes, and the text inside elements with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    def ids(self) -> dict[str, str]:
        return {str(a["id"]): tag for tag, a in self.tags if a.get("id")}


def _parse(text: str) -> _Page:
    page = _Page()
    page.feed(text)
    page.close()
    return page


def _document() -> dict[str, Any]:
    new = served(
        "kms.tags.reserved-prefix",
        "CreateKey",
        ["TagException"],
        reproduce_cli="aws kms create-key --tags 'TagKey=aws:x,TagValue='",
    )
    new["actual"]["message"] = HOSTILE
    new["request"] = {"Description": HOSTILE, "Plaintext": "c2VjcmV0"}
    known = make_finding("kms.wire.content-type", "DescribeKey", baseline="known")
    known["actual"]["detail"] = HOSTILE
    document = make_document([new, known])
    document["target"]["implementation"] = HOSTILE
    return document


def test_the_page_is_self_contained() -> None:
    page = _parse(html_report(_document()))
    names = {tag for tag, _ in page.tags}
    assert not names & {"script", "link", "img", "iframe", "object", "embed", "base"}
    assert [tag for tag, _ in page.tags].count("style") == 1
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
        href = attrs.get("href") or "#"
        assert href.startswith("#"), href  # no coverage: no documentation link either


def test_matrix_and_findings_have_their_ids() -> None:
    document = _document()
    page = _parse(html_report(document))
    ids = page.ids()
    assert ids["matrix"] == "section" and ids["findings"] == "section"
    assert ids["summary"] == "section" and ids["coverage"] == "section"
    assert ids["matrix-kms"] == "table"
    for finding in document["findings"]:
        assert ids[f"finding-{finding['id']}"] == "details"
    for cause in group(document["findings"]):
        assert ids[f"cause-{cause.id}"] == "article"
    # A failed cell links to its finding.
    links = {a["href"] for tag, a in page.tags if tag == "a"}
    assert f"#finding-{document['findings'][0]['id']}" in links


def test_new_findings_are_open_with_their_command_line_known_ones_folded() -> None:
    document = _document()
    page = _parse(html_report(document))
    details = {
        str(a.get("id")): a for tag, a in page.tags if tag == "details" and a.get("class") == "finding"
    }
    new_id, known_id = (f"finding-{f['id']}" for f in document["findings"])
    assert "open" in details[new_id] and "open" not in details[known_id]
    repro = [a for tag, a in page.tags if tag == "details" and a.get("class") == "repro"]
    assert len(repro) == 3  # the new finding's two reproductions and the known one's script
    assert sum("open" in a for a in repro) == 1


def test_everything_from_the_target_is_escaped() -> None:
    text = html_report(_document())
    assert "<script>" not in text and "<img" not in text and "<style>body" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    page = _parse(text)
    assert any(HOSTILE in t for t in page.texts)  # shown to the reader, as text
    assert "c2VjcmV0" not in text and "&lt;redacted&gt;" in text


def test_coverage_section_shows_totals_and_transitions(specs: Path) -> None:  # noqa: F811
    text = html_report(_document(), compute_coverage(CASSETTE, specs))
    coverage = text.split('<section id="coverage">', 1)[1]
    assert "<td>parameters</td><td>9</td><td>10</td>" in coverage
    assert "<td><code>CreateKey</code></td><td>4</td><td>4/5</td><td>1/3</td><td>1/2</td>" in coverage
    assert "Enabled → Disabled \u00d71 via DisableKey" in coverage
    assert "<code>/KeySpec=SYMMETRIC_DEFAULT</code>" in coverage


def test_write_reports_writes_three_readable_files(specs: Path, tmp_path: Path) -> None:  # noqa: F811
    cassette = tmp_path / "cassette.jsonl"
    cassette.write_text("".join(json.dumps(line) + "\n" for line in CASSETTE))
    out = write_reports(tmp_path / "report", _document(), cassettes=[cassette], specs_dir=specs)
    assert sorted(out) == ["junit.xml", "report.html", "report.md"]
    for path in out.values():
        assert path.parent == tmp_path / "report"
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
    ET.parse(out["junit.xml"])
    assert "| parameters | 9 | 10 | 90% |" in out["report.md"].read_text()
    assert 'id="coverage"' in out["report.html"].read_text()
    assert [p.name for p in (tmp_path / "report").iterdir() if p.name.startswith(".")] == []
