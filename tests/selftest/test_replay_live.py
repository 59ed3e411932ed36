"""The cassette of a live run against the emulator replays to that run's finding ids.

A small run (a few rule tests, -k) against moto, without a baseline, then a replay of the
cassette it wrote: with no endpoint, the same judge must find the same divergences, as
many times each. The replay checks every rule, the run only the rules it selected, so the
replay's findings are compared on the run's rules (``summary.rules``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.engine.replay import load, replay_lines
from harness.spec import catalog
from tests.selftest.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.selftest_network

# Rule tests whose findings on moto span outcome, schema and wire-format divergences, set-up
# steps, control calls (reserved-prefix) and a state-dependent prediction (not-found).
SELECTION = "kms.tags.reserved-prefix or kms.tags.too-many or kms.key-id.not-found or response.schema"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    workdir = tmp_path_factory.mktemp("replay-live")
    return run_suite(
        workdir,
        "--target=emulator",
        "--seed",
        "11",
        "--examples",
        "6",
        "--no-baseline",
        # Every call sent: a call judged from the run's memo (harness.engine.memo) is not in the
        # cassette, so the replay would count it one time fewer (its ids are compared below).
        "--memo-sends",
        "0",
        "-k",
        SELECTION,
    )


@pytest.fixture(scope="module")
def live_with_memo(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    workdir = tmp_path_factory.mktemp("replay-live-memo")
    return run_suite(
        workdir, "--target=emulator", "--seed", "11", "--examples", "6", "--no-baseline", "-k", SELECTION
    )


def _occurrences(document: dict[str, Any]) -> dict[str, int]:
    return {f["id"]: f["occurrences"] for f in document["findings"]}


def test_the_cassette_starts_the_history_and_holds_controls(live: SuiteRun) -> None:
    assert live.ret == 1, live.output  # moto diverges: there is something to compare
    lines = live.cassette()
    assert lines[0].get("history") == "start"
    assert all("history" not in line for line in lines[1:])
    assert any(line.get("role") == "control" for line in lines)


def test_with_the_memo_the_replay_finds_the_same_ids(live_with_memo: SuiteRun) -> None:
    cassette = live_with_memo.report_dir / "cassette.jsonl"
    rules = live_with_memo.findings["summary"]["rules"]
    result = replay_lines(load(cassette), catalog.load(), only_rules=rules)
    assert {f.id for f in result.findings} == set(_occurrences(live_with_memo.findings))
    assert live_with_memo.findings["summary"]["calls"] == len(live_with_memo.cassette())


def test_the_replay_finds_the_ids_of_the_live_run(live: SuiteRun, tmp_path: Path) -> None:
    report_dir = tmp_path / "replay"
    cassette = live.report_dir / "cassette.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "harness", "replay", str(cassette), "--report-dir", str(report_dir)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    replayed = json.loads((report_dir / "findings.json").read_text())
    live_rules = set(live.findings["summary"]["rules"])
    expected = _occurrences(live.findings)
    assert expected, "the live run found nothing, so the comparison would prove nothing"
    on_live_rules = {
        fid: count for fid, count in _occurrences(replayed).items() if fid.split(":", 1)[0] in live_rules
    }
    assert on_live_rules == expected
    summary = replayed["summary"]
    assert summary["calls"] + summary["throttled_retries"] == live.findings["summary"]["calls"]


def test_restricted_to_the_run_s_rules_the_replay_is_the_run(live: SuiteRun) -> None:
    cassette = live.report_dir / "cassette.jsonl"
    result = replay_lines(load(cassette), catalog.load(), only_rules=live.findings["summary"]["rules"])
    assert {f.id: f.occurrences for f in result.findings} == _occurrences(live.findings)
    # Twin: cut the cassette's first exchange, and with it the mark of a complete history.
    # The replay then starts mid-history and cannot judge the lookups of keys it never saw.
    cut = replay_lines(load(cassette)[1:], catalog.load(), only_rules=live.findings["summary"]["rules"])
    assert any("never showed" in line for line in cut.unapplied_lines())
    assert not any("never showed" in line for line in result.unapplied_lines())
