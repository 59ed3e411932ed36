"""The spec lint and the documented profile: every disagreement once, located; every example
checked; every documented element in a schema or in a lint entry; the report reproducible."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from harness import cli
from harness.spec import catalog
from harness.spectools import build, comparison, documented, lint, seeds
from harness.spectools.disagreements import agree
from harness.spectools.sources import SERVICES

REPORT_DIR = lint.default_out_dir()
COMMITTED = json.loads((REPORT_DIR / "lint.json").read_text(encoding="utf-8"))
SEED_SET = seeds.load(catalog.default_specs_dir())
ENTRIES = {e["id"]: e for e in COMMITTED["disagreements"]}
AWS = catalog.load("aws")
DOCUMENTED = catalog.load("documented")


def test_the_committed_report_is_a_rerun() -> None:
    assert lint.render() == {
        "lint.json": (REPORT_DIR / "lint.json").read_text(encoding="utf-8"),
        "lint.md": (REPORT_DIR / "lint.md").read_text(encoding="utf-8"),
    }, "run: python -m harness spec lint"


def test_the_cli_writes_the_report_and_fails_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["spec", "lint", "--out", str(tmp_path / "out")]) == 0
    for name in ("lint.json", "lint.md"):
        assert (tmp_path / "out" / name).read_bytes() == (REPORT_DIR / name).read_bytes()
    assert f"{len(ENTRIES)} disagreements" in capsys.readouterr().out
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", encoding="utf-8")
    assert cli.main(["spec", "lint", "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("harness: error: ") and err.count("\n") == 1


# --- each disagreement once, with its place ----------------------------------------------------------


def test_each_entry_is_one_located_disagreement() -> None:
    assert len(ENTRIES) == len(COMMITTED["disagreements"]) == COMMITTED["summary"]["disagreements"]
    subjects = [(e["service"], e["topic"], e["subject"]) for e in COMMITTED["disagreements"]]
    assert len(subjects) == len(set(subjects)), "one fact listed twice"
    for entry in COMMITTED["disagreements"]:
        sides = entry["sides"]
        assert any(not agree(a["value"], b["value"]) for a in sides for b in sides), entry["id"]
        assert entry["kinds"], entry["id"]
        for side in sides:
            assert side["where"], entry["id"]
            for where in side["where"]:
                assert where["file"] and where["element"], entry["id"]
        assert set(entry["follows"]) == {"aws", "documented"}, entry["id"]


def test_the_known_disagreements_are_found() -> None:
    """The ones the task names, each with the kinds and the documented profile's choice."""
    account = ENTRIES["kms.KeyMetadata.AWSAccountId.name"]
    assert {s["value"] for s in account["sides"]} == {"AWSAccountId", "QAccountId", "AccountId"}
    assert account["kinds"] == ["page-vs-aws", "page-vs-page", "within-page"]
    assert account["documented-profile"]["names"] == ["AccountId", "QAccountId"]
    state = ENTRIES["kms.KeyState.enum"]
    assert state["documented-profile"]["aliases"]["ENABLED"] == "Enabled"
    assert "page-vs-page" in state["kinds"]  # "Enabled" on one page, "ENABLED" on the other
    assert ENTRIES["kms.ReplicateKey.NotFoundException.error"]["documented-profile"] == {
        "action": "add-error",
        "operation": "ReplicateKey",
        "code": "KMSNotFoundException",
        "alias_of": "NotFoundException",
    }
    assert ENTRIES["kms.ArnType.format"]["documented-profile"]["pattern"] == "^arn:verenc:[0-9]{12}:key/.+$"
    assert "within-page" in ENTRIES["kms.CreateKeyRequest.MultiRegion.presence"]["kinds"]
    assert ENTRIES["kms.OriginType.enum"]["documented-profile"]["aliases"] == {"QKMS": "AWS_KMS"}
    assert ENTRIES["payment-cryptography.TagValue.constraint"]["documented-profile"]["minLength"] == 0
    assert "kms.KeyIdType.format" in ENTRIES and "kms.CreationDate" not in ENTRIES


def test_a_new_disagreement_in_a_page_is_reported() -> None:
    """The lint reads the pages, not a list: rename one element and an entry appears."""
    page = SEED_SET.page("000_adf8ed76ee7801ed.txt")
    renamed = tuple(
        dataclasses.replace(e, path="ReplicaPolicyDocument") if e.path == "ReplicaPolicy" else e
        for e in page.response
    )
    changed = seeds.SeedSet(
        tuple(dataclasses.replace(p, response=renamed) if p is page else p for p in SEED_SET.pages)
    )
    before = {d.id for d in comparison.disagreements(SEED_SET)}
    after = {d.id for d in comparison.disagreements(changed)}
    assert after - before == {
        "kms.ReplicateKeyResponse.ReplicaPolicy.presence",
        "kms.ReplicateKeyResponse.ReplicaPolicyDocument.presence",
    }
    # The documented profile follows the page: the new name is a member, the old one stays.
    profile = documented.build({"kms": build.aws_files(SERVICES["kms"])}, changed)
    members = profile["kms"]["ReplicateKey.response.json"]["properties"]
    assert members["ReplicaPolicyDocument"]["x-source"].startswith("seed 000_adf8ed76ee7801ed.txt")
    assert "ReplicaPolicy" in members


# --- every example, validated against its profile's schemas ----------------------------------------------


def _member_pointers(validator: Any, body: Any) -> set[str]:
    """Where ``body`` fails, at the member each failure is about (computed here, not by the lint)."""
    out = set()
    for error in validator.iter_errors(body):
        at = "".join(f"/{p}" for p in error.absolute_path)
        if error.validator == "additionalProperties":
            out |= {f"{at}/{k}" for k in error.instance if k not in error.schema.get("properties", {})}
        elif error.validator == "required":
            out |= {f"{at}/{k}" for k in error.validator_value if k not in error.instance}
        else:
            out.add(at)
    return out


def test_every_example_failure_is_a_lint_entry() -> None:
    records = {(r["file"], r["example"], r["part"], r["profile"]): r for r in COMMITTED["examples"]}
    checked = failing = 0
    for page in SEED_SET.pages:
        for profile, spec in (("aws", AWS), ("documented", DOCUMENTED)):
            op = spec.operation(page.service, page.operation)
            for example in page.examples:
                for part in ("request", "response"):
                    shown = getattr(example, part)
                    if not shown:
                        continue
                    validator = op.request_validator if part == "request" else op.response_validator
                    pointers = _member_pointers(validator, shown["body"])
                    record = records.pop((page.file, example.id, part, profile))
                    assert record["valid"] == (not pointers)
                    assert {f["pointer"] for f in record["failures"]} == pointers
                    for failure in record["failures"]:
                        assert failure["lint"], failure
                        for fact_id in failure["lint"]:
                            located = [
                                w
                                for s in ENTRIES[fact_id]["sides"]
                                for w in s["where"]
                                if w.get("example") == example.id and w.get("path") == failure["pointer"]
                            ]
                            assert located, (fact_id, failure)
                    checked += 1
                    failing += bool(pointers)
    assert records == {}, "the report has example records no page has"
    # 004: 3 requests + 2 responses; 000: 1 request + 1 tester response; each in 2 profiles.
    assert (checked, failing) == (14, 7)


def test_the_documented_profile_accepts_what_the_vendor_pages_document() -> None:
    replicate = DOCUMENTED.operation("kms", "ReplicateKey")
    answer = SEED_SET.page("000_adf8ed76ee7801ed.txt").examples[1].response
    assert answer is not None
    body = json.loads(json.dumps(answer["body"]))
    body["ReplicaKeyMetadata"]["CreationDate"] = 1701465300  # the one thing the profile keeps AWS's
    assert list(replicate.response_validator.iter_errors(body)) == []
    aws_errors = {
        e.validator for e in AWS.operation("kms", "ReplicateKey").response_validator.iter_errors(body)
    }
    assert aws_errors == {"enum"}  # KeyState ENABLED
    arn = DOCUMENTED.operation("kms", "DescribeKey").response_schema["properties"]["KeyMetadata"][
        "properties"
    ]["Arn"]  # type: ignore[index]
    assert jsonschema.Draft202012Validator(arn).is_valid("arn:verenc:111122223333:key/1234abcd")
    assert not jsonschema.Draft202012Validator(arn).is_valid(
        "arn:aws:kms:us-east-1:111122223333:key/1234abcd"
    )
    kms = DOCUMENTED.service("kms")
    assert kms.canonical_error("KMSNotFoundException") == "NotFoundException"
    assert kms.canonical_value("KeyState", "PENDING_DELETION") == "PendingDeletion"
    assert kms.canonical_value("Origin", "QKMS") == "AWS_KMS"
    assert kms.member_aliases == {"AccountId": "AWSAccountId", "QAccountId": "AWSAccountId"}
    assert AWS.service("kms").canonical_value("KeyState", "ENABLED") == "ENABLED"
    assert "KMSNotFoundException" in kms.operation("ReplicateKey").errors
    assert "KMSNotFoundException" not in AWS.service("kms").operation("ReplicateKey").errors
    pc = DOCUMENTED.operation("payment-cryptography", "CreateKey")
    value = pc.request_schema["properties"]["Tags"]["items"]["properties"]["Value"]
    assert value["minLength"] == 0


# --- every documented element is in a schema or in a lint entry --------------------------------------------


def _schema_node(schema: Any, path: str) -> Any:
    node = schema
    for part in path.split("/"):
        while isinstance(node, dict) and "properties" not in node:
            node = node.get("items") or node.get("additionalProperties")
        if not isinstance(node, dict) or part not in node["properties"]:
            return None
        node = node["properties"][part]
    return node


def _in_lint(file: str, locator: str) -> bool:
    return any(
        w["file"] == file and w["element"] == locator
        for e in COMMITTED["disagreements"]
        for s in e["sides"]
        for w in s["where"]
    )


def test_every_documented_element_is_in_a_schema_or_a_lint_entry() -> None:
    counted = 0
    for page in SEED_SET.pages:
        service = DOCUMENTED.service(page.service)
        op = service.operation(page.operation)
        doc = catalog._read_json(catalog.default_specs_dir() / "documented" / page.service / "service.json")
        for direction, schema in (("request", op.request_schema), ("response", op.response_schema)):
            for element in page.elements(direction):
                node = _schema_node(schema, element.path)
                assert node is not None or _in_lint(page.file, element.locator), (page.file, element.path)
                if node is not None and element.view == "table":
                    assert f"seed {page.file} {element.locator} (line {element.line})" in node["x-source"]
                counted += 1
        for error in page.errors:
            assert error.code in op.errors or _in_lint(page.file, error.locator), (page.file, error.code)
            assert doc["operations"][page.operation]["errorSources"][error.code].startswith(
                f"seed {page.file}"
            )
            counted += 1
        for header in page.headers:
            entry = doc["operations"][page.operation]["headers"][header.name]
            assert entry["value"] == header.value or _in_lint(page.file, header.locator)
            assert page.file in entry["x-source"]
            counted += 1
    assert counted == sum(
        len(p.request) + len(p.response) + len(p.errors) + len(p.headers) for p in SEED_SET.pages
    )
