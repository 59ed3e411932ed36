"""The shipped LocalStack baseline and the published report of its seed-1 run agree.

``reports/published/localstack/`` is ``python -m harness publish --target=localstack``'s output;
``harness/data/baselines/localstack.json`` lists every divergence of it, each with a reason
checked by hand. The twin of each check shows it would catch the mismatch it looks for.
"""

from __future__ import annotations

import json
from typing import Any

from harness.baseline import Baseline, default_path
from harness.contracts import findings_validator
from harness.targets.localstack import LOCALSTACK_VERSION
from tests.conftest import REPO

PUBLISHED = REPO / "reports" / "published" / "localstack"


def document() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((PUBLISHED / "findings.json").read_text())
    return doc


def unlisted(doc: dict[str, Any], baseline: Baseline) -> list[str]:
    """Findings that would fail a run: neither advisories nor in the baseline."""
    return [f["id"] for f in doc["findings"] if not f.get("advisory") and not baseline.knows(f["id"])]


def test_the_published_report_is_of_localstack_at_seed_1_and_on_the_contract() -> None:
    assert sorted(p.name for p in PUBLISHED.iterdir()) == ["findings.json", "report.html", "report.md"]
    doc = document()
    findings_validator().validate(doc)
    assert doc["target"]["name"] == "localstack" and doc["seed"] == 1
    assert doc["target"]["implementation"] == f"localstack {LOCALSTACK_VERSION}"
    assert f"localstack {LOCALSTACK_VERSION}" in (PUBLISHED / "report.md").read_text()
    assert doc["summary"]["new_findings"] == 0


def test_every_published_finding_is_in_the_shipped_baseline_with_a_reason() -> None:
    baseline = Baseline.load(default_path("localstack"))
    doc = document()
    assert unlisted(doc, baseline) == []
    assert all(len(str(entry["reason"])) > 40 for entry in baseline.entries.values())
    # The twin: one entry fewer and the same report has a finding that would fail the run.
    first = next(f["id"] for f in doc["findings"] if not f.get("advisory"))
    fewer = Baseline(baseline.path, {k: v for k, v in baseline.entries.items() if k != first})
    assert unlisted(doc, fewer) == [first]


def test_not_implemented_is_one_finding_per_operation_and_its_rules_are_not_applicable() -> None:
    doc = document()
    missing = [(f["service"], f["operation"]) for f in doc["findings"] if f["kind"] == "not-implemented"]
    assert len(missing) == len(set(missing)) and ("kms", "UpdatePrimaryRegion") in missing
    assert {s for s, _ in missing} == {"kms", "payment-cryptography"}
    listed = doc["not_applicable"]
    assert listed and all(entry["reason"] for entry in listed)
    assert any(e["rule"] == "kms.update-primary-region.valid" for e in listed)
    tests = doc["summary"]["tests"]
    assert all(
        tests[name]["status"] == "not-applicable"
        for name in tests
        if name.startswith("kms.update-primary-region.")
    )


def test_the_baseline_names_no_advisory() -> None:
    """Advisories never fail a run, so an entry for one would only ever be stale."""
    baseline = Baseline.load(default_path("localstack"))
    advisories = {f["id"] for f in document()["findings"] if f.get("advisory")}
    assert advisories and not advisories & set(baseline.entries)
