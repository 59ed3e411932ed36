"""report.md on a small hand-made document: its sections, its matrix, its findings with both
reproductions, its coverage, and nothing from the target rendered as markup."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from harness.reporting.coverage import compute_coverage
from harness.reporting.markdown import markdown_report
from tests.unit.test_reporting_causes import crash, make_document, make_finding, served
from tests.unit.test_reporting_coverage import CASSETTE, specs  # noqa: F401 - a fixture

SCRIPT = 'print("""```\nnot the end of the block\n```""")\n'


def _document() -> dict[str, Any]:
    new = served(
        "kms.tags.reserved-prefix",
        "CreateKey",
        ["TagException"],
        reproduce=SCRIPT,
        reproduce_cli="aws kms create-key --tags TagKey=aws:x,TagValue=",
        steps=[{"operation": "CreateKey", "request": {}, "status": 200, "error": None}],
    )
    new["actual"]["message"] = "<img src=x onerror=alert(1)> | [link](http://evil) *bold*"
    known = [
        make_finding("kms.wire.content-type", op, baseline="known") for op in ("CreateKey", "DescribeKey")
    ]
    return make_document([new, *known, crash("kms.wire.member-type", "TagResource")])


def test_the_report_has_its_sections_in_order() -> None:
    text = markdown_report(_document())
    heads = [line for line in text.splitlines() if line.startswith("## ")]
    assert heads == ["## Summary", "## Matrix", "## Findings", "## Spec coverage"]
    assert text.startswith("# Conformance report: emulator (moto 5.2.5)")
    for label in ("target", "implementation", "profile", "seed", "started", "finished", "harness"):
        assert re.search(rf"^\| {label} \| ", text, re.M), label
    assert "Not computed (no cassette)." in text


def test_the_matrix_marks_each_rule_test() -> None:
    text = markdown_report(_document())
    row = next(line for line in text.splitlines() if line.startswith("| kms.tags.reserved-prefix |"))
    header = next(line for line in text.splitlines() if line.startswith("| rule |"))
    columns = [c.strip() for c in header.strip("|").split("|")]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert dict(zip(columns, cells, strict=True))["CreateKey"] == "**✗**"
    content = next(line for line in text.splitlines() if line.startswith("| kms.wire.content-type |"))
    assert content.count("| k ") == 2


def test_causes_list_their_findings_with_expected_actual_request_and_reproductions() -> None:
    text = markdown_report(_document())
    findings = text.split("## Findings", 1)[1].split("## Spec coverage", 1)[0]
    titles = re.findall(r"^### \d+\. (.*)$", findings, re.M)
    assert titles[0] == "Serves requests that break the kms tags rules instead of refusing them"
    assert len(titles) == 3
    assert "- expected: error TagException (HTTP 4xx)" in findings
    assert "- actual: HTTP 200 success: what differs" in findings
    assert "aws kms create-key --tags TagKey=aws:x,TagValue=" in findings
    assert "  1. `CreateKey` `{}` -> HTTP 200" in findings
    # The script holds a ``` line: its fence is longer, so the script is whole inside it.
    assert "````python\n" + SCRIPT + "````" in findings


def test_text_from_the_target_is_escaped() -> None:
    text = markdown_report(_document())
    assert "<img" not in text and "[link](http://evil)" not in text
    message = next(line for line in text.splitlines() if line.startswith("- message: "))
    assert "&lt;img" in message and "\\|" in message and "\\[link\\]" in message and "\\*bold\\*" in message


def test_coverage_gives_totals_and_what_was_never_exercised(specs: Path) -> None:  # noqa: F811
    text = markdown_report(_document(), compute_coverage(CASSETTE, specs))
    coverage = text.split("## Spec coverage", 1)[1]
    assert "| parameters | 9 | 10 | 90% |" in coverage
    assert "| enum values | 1 | 3 | 33% |" in coverage
    assert "| CreateKey | 4 | 4/5 | 1/3 | 1/2 |" in coverage
    assert "- CreateKey: parameters `/Description`; enum values `/KeySpec=SYMMETRIC_DEFAULT`" in coverage
    assert "| Enabled | Disabled | DisableKey | 1 |" in coverage
    assert "| Disabled | Enabled | EnableKey | **never** |" in coverage
    assert "WeirdException" in coverage and "ListKeys" in coverage


def test_no_findings_says_so() -> None:
    text = markdown_report(make_document([]))
    assert "No findings." in text
