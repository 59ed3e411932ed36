"""Splitting a run (--shard I/N, -n N) and merging its parts' findings.json (harness.merge)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from harness.engine.shards import Shard, _table, cost_of, name_of, split, unit_of
from harness.engine.tests import rule_tests, state_machines
from harness.errors import UsageError
from harness.merge import merge_documents
from harness.report import validate


def test_shards_split_the_suite_into_parts_that_cover_it_once_in_suite_order() -> None:
    names = [t.name for t in rule_tests()] + [f"stateful {m.name}" for m in state_machines()]
    for count in (1, 2, 3, 7):
        parts = [Shard(i, count).select(names, cost_of) for i in range(1, count + 1)]
        assert sorted(n for part in parts for n in part) == sorted(names)
        for part in parts:
            assert part == [n for n in names if n in part]  # suite order kept
        # Balanced by cost: no two parts differ by more than the dearest test.
        costs = [sum(map(cost_of, part)) for part in parts]
        assert max(costs) - min(costs) <= max(map(cost_of, names)), costs
    assert split(list("abcde"), 2) == [["a", "c", "e"], ["b", "d"]]  # equal costs: round-robin
    assert split(list("abcXY"), 2, lambda n: 5 if n.isupper() else 1) == [["a", "c", "X"], ["b", "Y"]]


def test_two_parts_of_the_suite_cost_the_same_within_a_tenth() -> None:
    """The split by measured cost (harness/data/test_costs.json) against the split by count it
    replaces, which left one of two workers running 100 s after the other had finished."""
    names = [t.name for t in rule_tests()] + [f"stateful {m.name}" for m in state_machines()]
    assert all(name_of(name) in _table()[0] for name in names), "refresh: python benchmarks/test_costs.py"
    costs = [sum(map(cost_of, part)) for part in split(names, 2, cost_of)]
    assert max(costs) <= 1.1 * min(costs), costs
    by_count = [sum(map(cost_of, part)) for part in split(names, 2)]
    assert max(by_count) > max(costs)


def test_a_service_that_keeps_its_tests_together_is_dealt_as_one_unit() -> None:
    """Payment Cryptography's tests share what ListKeys pages over: split across workers, its
    ListKeys test met fewer than 50 keys and missed moto's unpaged listing a single run finds."""
    names = [t.name for t in rule_tests()] + [f"stateful {m.name}" for m in state_machines()]
    together = [n for n in names if unit_of(n) == "payment-cryptography"]
    assert "pc.list-keys.lists-keys:ListKeys" in together and "stateful payment-cryptography" in together
    assert not any(n.startswith("kms.") or n.startswith("stateful kms") for n in together)
    for count in (2, 3):
        parts = [Shard(i, count).select(names, cost_of, unit_of) for i in range(1, count + 1)]
        holding = [p for p in parts if set(together) & set(p)]
        assert len(holding) == 1 and set(together) <= set(holding[0])
        assert sorted(n for part in parts for n in part) == sorted(names)
    # Without units the same tests spread over the parts (the twin: what the unit changes).
    assert sum(1 for i in (1, 2) if set(together) & set(Shard(i, 2).select(names, cost_of))) == 2
    assert split(list("abcd"), 2, unit=lambda n: "u" if n in "ab" else None) == [["a", "b"], ["c", "d"]]


def test_tests_that_share_a_coverage_phase_are_dealt_as_one_unit() -> None:
    """A run makes each coverage phase once, for the first test that has it: the KMS answer rules
    share one survey of every key shape, which each part holding one of them would make again."""
    tests = rule_tests()
    names = [t.name for t in tests] + [f"stateful {m.name}" for m in state_machines()]
    survey = [t.name for t in tests if t.coverage_key == "harness.services.kms.scenarios.key_survey"]
    assert len(survey) > 5 and {unit_of(n) for n in survey} == {"harness.services.kms.scenarios.key_survey"}
    assert unit_of("stateful kms") is None
    for count in (2, 3):
        parts = [Shard(i, count).select(names, cost_of, unit_of) for i in range(1, count + 1)]
        assert sum(1 for p in parts if set(survey) & set(p)) == 1
    # The twin: dealt alone, the same tests spread over both parts.
    assert sum(1 for i in (1, 2) if set(survey) & set(Shard(i, 2).select(names, cost_of))) == 2


def test_a_node_id_names_its_test() -> None:
    assert name_of("harness/suite/test_rules.py::test_rule[kms.tags.too-many:CreateKey]") == (
        "kms.tags.too-many:CreateKey"
    )
    assert name_of("harness/suite/test_stateful.py::test_stateful[kms]") == "stateful kms"
    assert (
        cost_of("harness/suite/test_stateful.py::test_stateful[kms]")
        == cost_of("stateful kms")
        > 10 * _table()[1]
    )
    assert cost_of("a test the table does not know") == _table()[1]


@pytest.mark.parametrize("text", ["0/2", "3/2", "1/0", "a/b", "1", "1/2/3", ""])
def test_a_malformed_shard_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError, match="--shard"):
        Shard.parse(text)


def test_a_shard_parses_from_i_over_n() -> None:
    assert Shard.parse("2/4") == Shard(2, 4)
    assert Shard.parse(" 1 / 1 ") == Shard(1, 1)


def _finding(fid: str, *, shrunk: bool = False, steps: int = 0, occurrences: int = 1) -> dict[str, Any]:
    rule = fid.split(":", 1)[0]
    return {
        "id": fid,
        "rule": rule,
        "service": "kms",
        "operation": "CreateKey",
        "region": "us-east-1",
        "kind": "unexpected-success",
        "expected": {"outcome": "error", "errors": ["TagException"]},
        "actual": {"status": 200, "error": None, "message": None, "detail": "got 200"},
        "request": {"Tags": [{"TagKey": "aws:x" * (1 + steps)}]},
        "steps": [
            {"service": "kms", "region": "us-east-1", "operation": "CreateKey", "request": {}, "status": 200}
        ]
        * steps,
        "source": "test",
        "signature": "s",
        "shrunk": shrunk,
        "occurrences": occurrences,
        "baseline": "known",
    }


def _document(findings: list[dict[str, Any]], rules: dict[str, str], **summary: Any) -> dict[str, Any]:
    return {
        "target": {"name": "emulator", "endpoint_url": "http://127.0.0.1:1", "regions": ["us-east-1"]},
        "harness_version": "0.1.0",
        "profile": "aws",
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:01:00Z",
        "seed": 1,
        "summary": {"calls": 10, "findings": len(findings), "rules": rules, **summary},
        "findings": findings,
    }


def test_merging_keeps_one_finding_per_id_with_the_best_example_and_all_occurrences() -> None:
    a = _document(
        [_finding("r.a:CreateKey:k:1", steps=2, occurrences=2), _finding("r.b:CreateKey:k:2")],
        {"r.a": "failed", "r.b": "failed", "r.c": "passed", "r.d": "unchecked"},
        unchecked={"r.d": "no draw"},
        stale_baseline=["x", "y"],
        memo_replayed=4,
    )
    b = _document(
        [_finding("r.a:CreateKey:k:1", shrunk=True, steps=1, occurrences=3)],
        {"r.a": "failed", "r.c": "unchecked", "r.d": "unchecked", "r.e": "passed"},
        unchecked={"r.c": "no draw", "r.d": "no draw either"},
        stale_baseline=["y", "z", "r.a:CreateKey:k:1"],
        memo_replayed=3,
    )
    b["target"]["endpoint_url"] = "http://127.0.0.1:2"
    b["finished_at"] = "2026-01-01T00:02:00Z"
    merged = merge_documents([a, b], parts=["a", "b"])
    validate(merged)
    by_id = {f["id"]: f for f in merged["findings"]}
    assert sorted(by_id) == ["r.a:CreateKey:k:1", "r.b:CreateKey:k:2"]
    assert by_id["r.a:CreateKey:k:1"]["shrunk"] is True  # Hypothesis's shrunk example wins
    assert len(by_id["r.a:CreateKey:k:1"]["steps"]) == 1
    assert by_id["r.a:CreateKey:k:1"]["occurrences"] == 5
    summary = merged["summary"]
    assert summary["calls"] == 20
    assert summary["memo_replayed"] == 7  # each part's memo judged its own repeats
    expected = {"r.a": "failed", "r.b": "failed", "r.c": "passed", "r.d": "unchecked", "r.e": "passed"}
    assert summary["rules"] == expected
    assert summary["unchecked"] == {"r.d": "no draw"}
    # Each part lists the entries of the rules it ran and did not find: x and z were run by one
    # part each and found by none, as y; r.a's entry was found (a single run: 11 stale, and a
    # merged -n 2 run of the same seed, which took only the entries every part listed, 2).
    assert summary["stale_baseline"] == ["x", "y", "z"]
    assert (summary["rules_checked"], summary["rules_failed"]) == (4, 2)
    assert merged["target"]["endpoint_url"] is None  # one emulator per part
    assert merged["finished_at"] == "2026-01-01T00:02:00Z"
    assert merged["merged_from"] == ["a", "b"]


def test_the_smaller_example_wins_between_two_unshrunk_ones_whatever_the_order() -> None:
    big, small = _finding("r.a:X:k:1", steps=3), _finding("r.a:X:k:1", steps=1)
    for order in ([big, small], [small, big]):
        documents = [_document([f], {"r.a": "failed"}) for f in order]
        assert len(merge_documents(documents)["findings"][0]["steps"]) == 1


def test_one_part_merges_to_itself() -> None:
    document = _document([_finding("r.a:X:k:1")], {"r.a": "failed"})
    merged = merge_documents([copy.deepcopy(document)])
    assert merged["findings"] == document["findings"]
    assert merged["summary"]["rules"] == document["summary"]["rules"]


@pytest.mark.parametrize(
    ("member", "value"), [("seed", 2), ("profile", "documented"), ("target", {"name": "endpoint"})]
)
def test_parts_of_different_runs_are_refused(member: str, value: Any) -> None:
    a = _document([], {})
    b = _document([], {})
    b[member] = value
    with pytest.raises(UsageError, match="not of one run"):
        merge_documents([a, b])


def test_nothing_to_merge_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        merge_documents([])
