"""The precision self-test: every false alarm the harness ever raised, replayed with the verdict it
must get now (tests/precision/cases.jsonl; see tests/precision/README.md).

A case is a short cassette (the exchanges that raised the false alarm, with what came before)
and a verdict: ``clean`` (no finding at all), ``advisory`` (advisories only, of the rules named),
or ``finding`` (a hard finding of a rule named: cases that guard precision from becoming blindness).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from harness.engine import replay
from harness.oracle.rules import RULES

CASES_FILE = Path(__file__).resolve().parents[1] / "precision" / "cases.jsonl"
CASES: list[dict[str, Any]] = [json.loads(line) for line in CASES_FILE.read_text().splitlines() if line]
VERDICTS = ("clean", "advisory", "finding")


def test_the_cases_are_well_formed() -> None:
    ids = [case["case"] for case in CASES]
    assert len(ids) == len(set(ids)), "case ids are unique"
    for case in CASES:
        assert case["verdict"] in VERDICTS, case["case"]
        assert case["why"] and case["source"] and case["exchanges"], case["case"]
        assert all(exchange.get("provenance") for exchange in case["exchanges"]), case["case"]
        for rule in case.get("rules", []):
            assert rule in RULES, (case["case"], rule)
        if case["verdict"] != "clean":
            assert case.get("rules"), f"{case['case']}: name the rules of its advisories or findings"
    assert sum(case["verdict"] == "clean" for case in CASES) >= 15


@pytest.mark.parametrize("case", CASES, ids=[case["case"] for case in CASES])
def test_a_case_replays_to_its_verdict(case: dict[str, Any], tmp_path: Path) -> None:
    cassette = tmp_path / "cassette.jsonl"
    cassette.write_text("".join(json.dumps(exchange) + "\n" for exchange in case["exchanges"]))
    report_dir = tmp_path / "report"
    result, path = replay.run(cassette, report_dir=report_dir)  # the report is checked against the contract
    findings = list(result.findings)
    shown = [f"{f.id} ({f.divergence.evidence}): {f.divergence.detail}" for f in findings]
    summary = json.loads(path.read_text())["summary"]
    code = replay.main(argparse.Namespace(cassette=str(cassette), report_dir=str(report_dir), profile="aws"))
    if case["verdict"] == "clean":
        assert findings == [], shown
        assert code == 0
    elif case["verdict"] == "advisory":
        assert findings, "an advisory case must still be reported"
        assert all(f.advisory for f in findings), shown
        assert {f.rule for f in findings} <= set(case["rules"]), shown
        assert summary["advisories"] == len(findings) and summary["new_findings"] == 0
        assert code == 0
    else:
        hard = [f for f in findings if not f.advisory]
        assert hard and {f.rule for f in hard} <= set(case["rules"]), shown
        assert code == 1
