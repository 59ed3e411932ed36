"""The spec lint reads the pages' prose: overview paragraphs and parameter descriptions (issue 11)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from harness.errors import SpecError
from harness.spec import catalog
from harness.spectools import lint, prose, seeds

SEED_SET = seeds.load(catalog.default_specs_dir())
COMMITTED = json.loads((lint.default_out_dir() / "lint.json").read_text(encoding="utf-8"))
ENTRIES = {e["id"]: e for e in COMMITTED["disagreements"]}


def test_every_prose_claim_is_a_lint_entry() -> None:
    prose_ids = {e["id"] for e in COMMITTED["disagreements"] if e["topic"] == "prose"}
    assert prose_ids == {f"{c.service}.{c.operation}.{c.subject}.prose" for c in prose.CLAIMS}
    assert COMMITTED["summary"]["by-topic"]["prose"] == len(prose.CLAIMS)


def test_the_claims_that_matter_most_are_reported_with_their_sides() -> None:
    shared = ENTRIES["kms.ReplicateKey.overview.shared-properties.prose"]
    # The overview contradicts AWS and the page's own parameter table.
    assert shared["kinds"] == ["page-vs-aws", "within-page"]
    views = {side["view"] for side in shared["sides"]}
    assert {"prose", "table", "docs", "recorded"} <= views
    usage = ENTRIES["kms.CreateKey.KeyUsage.required-for.prose"]
    assert usage["sides"][0]["value"] == "This parameter is required only for asymmetric KMS keys."
    assert "page-vs-aws" in usage["kinds"]
    assert "payment-cryptography.CreateKey.overview.description.prose" in ENTRIES
    assert "kms.CreateKey.Policy.default-policy.prose" in ENTRIES
    silent = ENTRIES["kms.CreateKey.Description.default.prose"]
    assert silent["sides"][0]["value"] is None  # the page says nothing where AWS states a default


def _with_description(path: str, text: str) -> seeds.SeedSet:
    page = SEED_SET.pages_for("kms", "ReplicateKey")[0]
    request = tuple(dataclasses.replace(e, description=text) if e.path == path else e for e in page.request)
    return seeds.SeedSet(
        tuple(dataclasses.replace(p, request=request) if p is page else p for p in SEED_SET.pages)
    )


def test_a_page_that_no_longer_says_the_claim_stops_the_lint(tmp_path: Path) -> None:
    assert prose.disagreements(SEED_SET, pages_dir=tmp_path)  # no pages there: descriptions only
    changed = _with_description("Tags", "Tags: up to 50, no duplicate keys, no aws: prefix.")
    with pytest.raises(SpecError, match="no longer says"):
        prose.disagreements(changed, pages_dir=tmp_path)
    # The page's own table is read too: if it stopped agreeing with AWS, the claim is re-read.
    changed = _with_description("Policy", "The key policy of the replica.")
    with pytest.raises(SpecError, match="no longer says"):
        prose.disagreements(changed, pages_dir=tmp_path)


def test_overview_claims_are_read_on_the_pages(tmp_path: Path) -> None:
    pages = seeds.default_seeds_dir()
    if not (pages / "000_adf8ed76ee7801ed.txt").is_file():
        pytest.skip("the seed pages are not in this checkout's workspace")
    assert len(prose.disagreements(SEED_SET, pages_dir=pages)) == len(prose.CLAIMS)
    for page in SEED_SET.pages:
        text = (pages / page.file).read_text(encoding="utf-8")
        (tmp_path / page.file).write_text(
            text.replace("the same key usage, key policy", "its own key policy")
        )
    with pytest.raises(SpecError, match="line 181 no longer says"):
        prose.disagreements(SEED_SET, pages_dir=tmp_path)
