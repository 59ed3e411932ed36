"""The end-of-run text and the progress line: one screen with hundreds of known findings, every
new finding named with where its reproduction is, everything with -v; progress at most every
15 seconds off a terminal."""

from __future__ import annotations

from typing import Any

from harness.progress import PLAIN_INTERVAL, Counts, Progress
from harness.reporting.causes import annotate
from harness.reporting.console import MAX_LINES, summary_lines
from tests.unit.test_reporting_causes import make_document, make_finding, served


def _many_known(count: int) -> list[dict[str, Any]]:
    """``count`` known findings over many causes (distinct rules of distinct areas)."""
    return [
        make_finding(
            f"kms.area{i % 90}.rule{i}",
            f"Operation{i % 7}",
            "wrong-error",
            expected={"outcome": "error", "errors": [f"Code{i % 90}"]},
            baseline="known",
        )
        for i in range(count)
    ]


def _document(findings: list[dict[str, Any]], **summary: Any) -> dict[str, Any]:
    document = make_document(findings)
    document["summary"].update(summary)
    return annotate(document)


def test_hundreds_of_known_findings_fit_one_screen() -> None:
    known = _many_known(400)
    lines = summary_lines(_document(known, stale_baseline=[f"old-{i}" for i in range(30)]))
    assert len(lines) <= MAX_LINES
    assert lines[1].startswith("findings: 0 new, 400 known, 30 stale, 0 advisory; 90 causes")
    assert lines[-2].startswith("... and ") and "-v lists them" in lines[-2]
    assert lines[-1].startswith("stale: 30 baseline entries")
    shown = sum(1 for line in lines if line.startswith("known "))
    hidden = int(lines[-2].split()[2])
    assert shown + hidden == 90
    narrow = summary_lines(_document(known), width=80)  # on an 80-column terminal: a row each
    assert all(len(line) <= 80 for line in narrow if line.startswith("known "))


def test_every_new_finding_is_named_with_expected_actual_and_its_reproduction() -> None:
    new = served("kms.tags.reserved-prefix", "CreateKey", ["TagException"], reproduce_cli="aws kms ...")
    other = served("kms.tags.too-many", "TagResource", ["TagException"])
    lines = summary_lines(_document([new, other, *_many_known(300)]))
    assert len(lines) <= MAX_LINES
    (head,) = [line for line in lines if line.startswith("NEW")]
    assert "2 findings" in head and "kms tags rules" in head
    (line,) = [line for line in lines if "kms.tags.reserved-prefix CreateKey" in line]
    assert "expected TagException, got HTTP 200 --" in line
    assert f"of finding {new['id']} in findings.json" in line
    assert "`reproduce` (Python) and `reproduce_cli` (command line)" in line
    assert lines.index(head) == 2  # new causes come right after the headline
    assert "1 with new findings" not in lines[0] and "(2 with new findings)" in lines[0]


def test_verbose_lists_every_finding_and_every_stale_entry() -> None:
    known = _many_known(120)
    lines = summary_lines(_document(known, stale_baseline=["a:B:c:1"]), verbose=True)
    for finding in known:
        assert any(f"{finding['rule']} {finding['operation']} [known]" in line for line in lines)
    assert any(line.startswith("stale   a:B:c:1") for line in lines)
    assert not any(line.startswith("... and") for line in lines)


def test_rules_are_counted_passed_failed_and_not_applicable() -> None:
    document = _document(
        [served("kms.tags.reserved-prefix", "CreateKey", ["TagException"], baseline="known")],
        rules={"kms.tags.reserved-prefix": "failed", "kms.a.b": "passed", "kms.c.d": "unchecked"},
        calls=7,
    )
    assert summary_lines(document)[0] == (
        "7 calls; rules: 1 passed, 1 failed (0 with new findings), 1 not applicable"
    )


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _progress(live: bool) -> tuple[Progress, _Clock, list[str], list[str]]:
    clock = _Clock()
    rewritten: list[str] = []
    plain: list[str] = []
    return Progress(live, rewritten.append, plain.append, clock), clock, rewritten, plain


def test_off_a_terminal_a_plain_line_at_most_every_15_seconds() -> None:
    progress, clock, rewritten, plain = _progress(live=False)
    for second in range(0, 61):
        clock.now = float(second)
        for calls in range(10):  # many calls and a finished test every second
            progress.update(lambda c=calls, s=second: Counts(s, 60, s * 10 + c, 0, 0))
        progress.update(lambda s=second: Counts(s + 1, 60, s * 10 + 10, 0, 0), force=True)
    assert rewritten == []
    assert len(plain) == 60 // int(PLAIN_INTERVAL)
    assert plain[0] == "conformance: 15/60 rule tests, 150 calls, 0 findings (0 new)"


def test_on_a_terminal_the_live_line_follows_each_test() -> None:
    progress, _clock, rewritten, plain = _progress(live=True)
    progress.update(lambda: Counts(0, 3, 1, 0, 0))
    progress.update(lambda: Counts(0, 3, 2, 0, 0))  # at once: too soon to rewrite
    progress.update(lambda: Counts(1, 3, 2, 1, 1), force=True)  # a test finished: shown now
    assert plain == []
    assert rewritten == [
        "conformance: 0/3 rule tests, 1 calls, 0 findings (0 new)",
        "conformance: 1/3 rule tests, 2 calls, 1 findings (1 new)",
    ]
    assert progress.close() and not progress.close()
