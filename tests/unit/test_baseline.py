"""Baselines as data: reasons, links and expiry dates; unreviewed entries excuse nothing; stale
entries are only those of rules that ran; --update-baseline keeps every reason it had."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from harness.baseline import UNREVIEWED, Baseline, updated
from harness.errors import UsageError

TODAY = date(2026, 11, 29)


def _write(tmp_path: Path, entries: list[dict[str, Any]], **extra: Any) -> Baseline:
    path = tmp_path / "baseline.json"
    path.write_text(json.dumps({"target": "emulator", **extra, "findings": entries}))
    return Baseline.load(path)


def _entry(fid: str, reason: str = "moto does not check it", **extra: Any) -> dict[str, Any]:
    return {"id": fid, "rule": fid.split(":")[0], "reason": reason, **extra}


def test_a_reviewed_entry_excuses_its_finding_until_it_expires(tmp_path: Path) -> None:
    base = _write(
        tmp_path,
        [
            _entry("r.a:Op:k:1"),
            _entry("r.a:Op:k:2", expires="2026-12-31", link="https://github.com/getmoto/moto/issues/1"),
            _entry("r.a:Op:k:3", expires="2026-11-29"),
            _entry("r.a:Op:k:4", reason=f"{UNREVIEWED}: added by --update-baseline"),
        ],
    )
    assert base.verdict("r.a:Op:k:1", TODAY) == "known"
    assert base.verdict("r.a:Op:k:2", TODAY) == "known"
    assert base.verdict("r.a:Op:k:2", date(2027, 1, 1)) == "expired"
    assert base.verdict("r.a:Op:k:3", TODAY) == "expired"  # the day itself: expired
    assert base.verdict("r.a:Op:k:4", TODAY) == "new"  # unreviewed: excuses nothing
    assert base.verdict("r.a:Op:k:5", TODAY) == "new"


def test_an_expiry_that_is_not_a_date_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="expires 'soon' is not YYYY-MM-DD"):
        _write(tmp_path, [_entry("r.a:Op:k:1", expires="soon")])


def test_only_entries_of_rules_that_ran_are_stale(tmp_path: Path) -> None:
    base = _write(tmp_path, [_entry("r.a:Op:k:1"), _entry("r.a:Op:k:2"), {"id": "r.b:Op:k:3", "reason": "x"}])
    assert base.stale(["r.a:Op:k:1"], ran={"r.a"}) == ["r.a:Op:k:2"]
    assert base.stale(["r.a:Op:k:1"], ran={"r.b"}) == ["r.b:Op:k:3"]  # rule from the id
    assert base.stale([], ran=set()) == []
    assert base.stale(["r.a:Op:k:1"]) == ["r.a:Op:k:2", "r.b:Op:k:3"]


def test_findings_carry_their_entrys_reason_link_and_expiry(tmp_path: Path) -> None:
    base = _write(tmp_path, [_entry("r.a:Op:k:1", link="https://example.org/1", expires="2027-01-01")])
    document = base.annotate({"findings": [{"id": "r.a:Op:k:1"}, {"id": "r.a:Op:k:9"}]})
    first, second = document["findings"]
    assert first["baseline_reason"] == "moto does not check it"
    assert first["baseline_link"] == "https://example.org/1"
    assert first["baseline_expires"] == "2027-01-01"
    assert "baseline_reason" not in second


def _finding(fid: str, **extra: Any) -> dict[str, Any]:
    rule, operation, kind, _ = fid.split(":")
    return {"id": fid, "rule": rule, "operation": operation, "kind": kind, "actual": {"detail": "d"}, **extra}


def test_update_keeps_reasons_adds_unreviewed_entries_and_keeps_what_other_seeds_meet(tmp_path: Path) -> None:
    base = _write(
        tmp_path,
        [
            _entry("r.a:Op:k:1", link="https://example.org/1", expires="2027-01-01", checked="2026-11-01"),
            _entry("r.a:Op:k:2", reason="met by seed 7 only"),
        ],
        implementation="moto 5.2.5",
        note="union of seeds 1-10",
    )
    findings = [_finding("r.a:Op:k:1"), _finding("r.a:Op:k:3"), _finding("r.x:Op:k:4", advisory=True)]
    document = updated(
        base, findings, target="emulator", implementation=None, stale=["r.a:Op:k:2"], today=TODAY
    )
    entries = {e["id"]: e for e in document["findings"]}
    assert set(entries) == {"r.a:Op:k:1", "r.a:Op:k:2", "r.a:Op:k:3"}  # no entry for an advisory
    kept = entries["r.a:Op:k:1"]
    assert kept["reason"] == "moto does not check it" and kept["link"] == "https://example.org/1"
    assert kept["expires"] == "2027-01-01" and kept["checked"] == "2026-11-01"
    assert kept["operation"] == "Op" and kept["kind"] == "k" and kept["detail"] == "d"
    assert entries["r.a:Op:k:3"]["reason"].startswith(
        f"{UNREVIEWED}: added by --update-baseline on 2026-11-29"
    )
    assert document["implementation"] == "moto 5.2.5" and document["note"] == "union of seeds 1-10"
    strict = updated(
        base, findings, target="emulator", implementation="moto 5.2.6", stale=["r.a:Op:k:2"], drop_stale=True
    )
    assert {e["id"] for e in strict["findings"]} == {"r.a:Op:k:1", "r.a:Op:k:3"}
    assert strict["implementation"] == "moto 5.2.6"
    path = tmp_path / "again.json"
    path.write_text(json.dumps(document))
    again = Baseline.load(path)  # what it writes loads again: every entry has its reason
    assert again.verdict("r.a:Op:k:1", TODAY) == "known" and again.verdict("r.a:Op:k:3", TODAY) == "new"
