"""A run split over pytest-xdist workers (-n 2) or shards (--shard I/N, then ``python -m harness
merge``) finds the finding ids of the same run in one process, with the same seed.

The selection mixes tests whose answers depend on what the target already holds (Payment
Cryptography ListKeys lists every key earlier tests made; the answer tests share one survey of
key shapes, run once per process) with tests that stand alone, so an id that depended on which
tests ran before it in the same process would show here.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from harness.engine.replay import load, replay_lines
from harness.spec import catalog
from tests.selftest.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.selftest_network

SELECTION = "reserved-prefix or pc.wire.not-json or list-keys or pc.response or key-metadata.algorithms"
ARGS = ("--target=emulator", "--seed", "7", "--examples", "6", "-k", SELECTION)


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    return run_suite(tmp_path_factory.mktemp("single"), *ARGS)


@pytest.fixture(scope="module")
def workers(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    return run_suite(tmp_path_factory.mktemp("workers"), *ARGS, "-n", "2")


@pytest.fixture(scope="module")
def shards(tmp_path_factory: pytest.TempPathFactory) -> list[SuiteRun]:
    """--shard 1/2 and 2/2: merged by one test, compared with the workers' split by another."""
    workdir = tmp_path_factory.mktemp("shards")
    return [run_suite(workdir / f"shard{i}", *ARGS, "--shard", f"{i}/2") for i in (1, 2)]


def _merge(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "harness", "merge", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def _ids(document: dict[str, Any]) -> set[str]:
    return {f["id"] for f in document["findings"]}


def _verdicts(report_dir: Path) -> set[tuple[str, str]]:
    """The test cases of a report dir's junit.xml that did not pass, each with how (a failure, or
    skipped as known, advisory, not applicable)."""
    root = ElementTree.parse(report_dir / "junit.xml").getroot()
    return {
        (case.get("name", ""), f"{child.tag} {child.get('type', '')}")
        for case in root.iter("testcase")
        for child in case
        if child.tag in ("failure", "skipped")
    }


def test_one_process_finds_something_to_compare(single: SuiteRun) -> None:
    assert single.ret in (0, 1), single.output
    assert len(single.ids()) >= 5, single.output  # moto diverges on these rules


def test_two_workers_write_one_findings_json_with_the_single_run_s_ids(
    single: SuiteRun, workers: SuiteRun
) -> None:
    assert workers.ret == single.ret, workers.output
    merged = workers.findings
    assert _ids(merged) == _ids(single.findings)
    assert merged["seed"] == single.findings["seed"] == 7
    assert merged["summary"]["rules"] == single.findings["summary"]["rules"]
    assert merged["summary"].get("stale_baseline") == single.findings["summary"].get("stale_baseline")
    parts = sorted((workers.report_dir / "workers").iterdir())
    assert [p.name for p in parts] == ["gw0", "gw1"]  # each worker ran tests, against its own moto
    ports = {json.loads((p / "findings.json").read_text())["target"]["endpoint_url"] for p in parts}
    assert len(ports) == 2
    assert "merged from 2 workers" in workers.output
    assert not (workers.report_dir / "cassette.jsonl").exists()  # one cassette per worker
    # The run's reports, written once by the controller from the merged findings; the workers
    # write only what the merge reads (findings.json) and their cassettes.
    assert _verdicts(workers.report_dir) == _verdicts(single.report_dir) != set()
    report = (workers.report_dir / "report.md").read_text()
    assert "## Spec coverage" in report and "Not computed" not in report  # from the workers' cassettes
    assert (workers.report_dir / "report.html").is_file()
    for part in parts:
        assert not any((part / name).exists() for name in ("junit.xml", "report.md", "report.html"))


def test_each_worker_s_cassette_replays_to_that_worker_s_ids(workers: SuiteRun) -> None:
    for part in sorted((workers.report_dir / "workers").iterdir()):
        document = json.loads((part / "findings.json").read_text())
        replayed = replay_lines(
            load(part / "cassette.jsonl"), catalog.load(), only_rules=document["summary"]["rules"]
        )
        assert {f.id for f in replayed.findings} == _ids(document), part.name
        assert _ids(document), f"{part.name} found nothing: the replay proves nothing"


def test_two_shards_merged_equal_the_single_run(
    single: SuiteRun, shards: list[SuiteRun], tmp_path: Path
) -> None:
    names = [set(s.findings["summary"].get("tests", {})) for s in shards]
    assert names[0] and names[1] and not names[0] & names[1]  # a split, not a copy
    done = _merge(*(str(s.report_dir) for s in shards), "--out", str(tmp_path / "all"))
    assert done.returncode == single.ret, done.stdout + done.stderr
    merged = json.loads((tmp_path / "all" / "findings.json").read_text())
    assert _ids(merged) == _ids(single.findings)
    assert merged["summary"]["rules"] == single.findings["summary"]["rules"]
    assert merged["summary"].get("stale_baseline") == single.findings["summary"].get("stale_baseline")
    cassettes = sorted(p.name for p in (tmp_path / "all" / "cassettes").iterdir())
    assert cassettes == ["1-report.jsonl", "2-report.jsonl"]  # each shard's own, kept
    assert _verdicts(tmp_path / "all") == _verdicts(single.report_dir) != set()


def test_a_shard_runs_what_the_worker_of_the_same_part_ran(workers: SuiteRun, shards: list[SuiteRun]) -> None:
    """-n 2 and --shard I/2 split alike: each shard runs one worker's tests, in the same order.

    (Their calls can differ by a few: polling a replica that is still being created is bounded
    in calls but follows the target's timing.)"""
    folders = (workers.report_dir / "workers").glob("gw*")
    parts = [json.loads((p / "findings.json").read_text()) for p in folders]
    for shard in shards:
        assert list(shard.findings["summary"]["tests"]) in [list(p["summary"]["tests"]) for p in parts]


def test_merge_refuses_parts_of_different_runs(single: SuiteRun, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    document = json.loads((single.report_dir / "findings.json").read_text())
    document["seed"] = 8
    (other / "findings.json").write_text(json.dumps(document))
    done = _merge(str(single.report_dir), str(other), "--out", str(tmp_path / "m"))
    assert done.returncode == 2
    assert "seed differs" in done.stderr


def test_two_workers_update_one_baseline_with_every_finding_of_the_run(
    workers: SuiteRun, tmp_path: Path
) -> None:
    """--update-baseline with -n 2: the controller rewrites the file once, from the merged
    findings (two workers rewriting it each from half the run kept only the last one's entries)."""
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"target": "emulator", "findings": []}))
    run = run_suite(tmp_path, *ARGS, "-n", "2", "--baseline", str(path), "--update-baseline")
    assert run.ret == 1, run.output  # every finding new, and written down
    hard = {f["id"] for f in run.findings["findings"] if not f.get("advisory")}
    entries = {e["id"] for e in json.loads(path.read_text())["findings"]}
    assert entries == hard
    # The same findings as the -n 2 run with the shipped baseline, which the two parts share.
    assert hard == {f["id"] for f in workers.findings["findings"] if not f.get("advisory")}
    parts = {
        p.name: {f["id"] for f in json.loads((p / "findings.json").read_text())["findings"]}
        for p in (run.report_dir / "workers").iterdir()
    }
    assert all(hard - ids for ids in parts.values())  # no part alone has them all
    assert f"baseline: wrote {path} ({len(hard)} entries, {len(hard)} UNREVIEWED" in run.output
