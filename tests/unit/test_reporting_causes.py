"""Root causes on small hand-made findings: one fault through many doors is one cause, two
faults are two, and a cause id never depends on drawn data or on the other findings."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.reporting.causes import annotate, cause_key, cause_of, group

SHARED_SCHEMA = Path(__file__).resolve().parents[3] / "shared" / "contracts" / "findings.schema.json"


def make_finding(
    rule: str = "kms.wire.content-type",
    operation: str = "CreateKey",
    kind: str = "wire-format",
    *,
    signature: str = "error: application/json",
    expected: dict[str, Any] | None = None,
    status: int | None = 400,
    error: str | None = "NotFoundException",
    baseline: str = "new",
    **extra: Any,
) -> dict[str, Any]:
    """A finding as findings.json holds it (shared/contracts/findings.schema.json)."""
    service = "payment-cryptography" if rule.startswith("pc.") else "kms"
    finding: dict[str, Any] = {
        "id": f"{rule}:{operation}:{kind}:{abs(hash((rule, operation, kind, signature))) % 10**8:08d}",
        "rule": rule,
        "service": service,
        "operation": operation,
        "region": "us-east-1",
        "kind": kind,
        "expected": expected or {"outcome": "any-4xx"},
        "actual": {"status": status, "error": error, "message": None, "detail": "what differs"},
        "request": {"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"},
        "steps": [],
        "source": "https://docs.aws.amazon.com/kms/latest/APIReference/",
        "signature": signature,
        "reproduce": "print('repro')\n",
        "baseline": baseline,
    }
    finding.update(extra)
    return finding


def make_document(findings: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "target": {
            "name": "emulator",
            "endpoint_url": "http://127.0.0.1:5000",
            "implementation": "moto 5.2.5",
        },
        "harness_version": "0.1.0",
        "profile": "aws",
        "started_at": "2026-01-01T00:00:00Z",
        "finished_at": "2026-01-01T00:03:00Z",
        "seed": 1,
        "summary": {"calls": 42, "findings": len(findings)},
        "findings": findings,
    }
    document.update(extra)
    return document


def served(rule: str, operation: str, errors: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    expected = {"outcome": "error", "errors": errors} if errors else {"outcome": "any-4xx"}
    return make_finding(
        rule,
        operation,
        "unexpected-success",
        signature="a client error -> success",
        expected=expected,
        status=200,
        error=None,
        **extra,
    )


def crash(rule: str, operation: str, *, outcome: str = "error", status: int = 500) -> dict[str, Any]:
    label = "success" if outcome == "success" else "a client error"
    return make_finding(
        rule,
        operation,
        "server-error",
        signature=f"{label} -> HTTP {status} without an error code",
        expected={"outcome": outcome, "errors": ["ValidationException"]}
        if outcome == "error"
        else {"outcome": outcome},
        status=status,
        error=None,
    )


def test_a_wrong_content_type_on_every_operation_and_service_is_one_cause() -> None:
    findings = [
        make_finding("kms.wire.content-type", op, error=code)
        for op, code in (("CreateKey", "ValidationException"), ("DescribeKey", "NotFoundException"))
    ]
    findings.append(make_finding("pc.wire.content-type", "GetKey", error="ResourceNotFoundException"))
    causes = group(findings)
    assert len(causes) == 1
    (cause,) = causes
    assert len(cause.findings) == 3
    assert cause.operations == (
        ("kms", "CreateKey"),
        ("kms", "DescribeKey"),
        ("payment-cryptography", "GetKey"),
    )
    assert cause.rules == ("kms.wire.content-type", "pc.wire.content-type")
    assert cause.title == "Content-Type application/json on error answers, not the service's awsJson type"
    assert cause.id.startswith("wire.content-type:wire-format:")


def test_a_different_wrong_answer_is_a_different_cause() -> None:
    on_errors = make_finding(signature="error: application/json")
    on_success = make_finding(signature="success: text/html", status=200, error=None)
    assert cause_of(on_errors)[0] != cause_of(on_success)[0]


def test_a_member_of_the_wrong_json_type_crashing_every_operation_is_one_cause() -> None:
    findings = [crash("kms.wire.member-type", op, outcome="any-4xx") for op in ("CreateKey", "TagResource")]
    findings.append(crash("pc.wire.member-type", "DeleteKey", outcome="any-4xx"))
    assert len(group(findings)) == 1
    # ... but serving the same malformed request is another fault, and a crash on another
    # malformation (an unknown X-Amz-Target) is another.
    others = [
        served("kms.wire.member-type", "CreateKey"),
        crash("kms.wire.unknown-operation", "(unknown operation)"),
    ]
    assert len(group(findings + others)) == 3


def test_a_handler_that_crashes_is_one_cause_whatever_the_request_deserved() -> None:
    findings = [
        crash("kms.update-primary-region.valid", "UpdatePrimaryRegion", outcome="success"),
        crash("kms.update-primary-region.disabled", "UpdatePrimaryRegion"),
        crash("kms.update-primary-region.no-replica", "UpdatePrimaryRegion", outcome="any-4xx"),
    ]
    (cause,) = group(findings)
    assert cause.title == (
        "Answers HTTP 500 (a server error) to requests under the kms update-primary-region rules"
    )
    assert (
        cause_of(crash("kms.update-primary-region.valid", "UpdatePrimaryRegion", status=502))[0] != cause.id
    )


def test_unchecked_member_constraints_are_one_cause_across_constraint_kinds_and_services() -> None:
    findings = [
        served("kms.validation.length", "DescribeKey", ["ValidationException"]),
        served("kms.validation.enum", "CreateKey", ["ValidationException"]),
        served("pc.validation.range", "ListKeys", ["ValidationException"]),
    ]
    (cause,) = group(findings)
    assert cause.title == "Serves requests that break the validation rules instead of refusing them"
    # Tag rules are each service's own: KMS and Payment Cryptography tag handlers differ.
    tags = [
        served("kms.tags.reserved-prefix", "CreateKey", ["TagException"]),
        served("pc.tags.duplicate-keys", "TagResource"),
    ]
    assert len(group(tags)) == 2


def test_which_refusal_was_due_does_not_split_a_cause() -> None:
    tags = [
        served("kms.tags.reserved-prefix", "CreateKey", ["TagException"]),
        served("kms.tags.key-too-long", "TagResource", ["ValidationException"]),
    ]
    assert len(group(tags)) == 1


def test_a_wrong_code_is_told_apart_by_the_codes_due_and_given() -> None:
    def wrong(got: str, due: str = "ValidationException") -> dict[str, Any]:
        return make_finding(
            "kms.validation.pattern",
            "GetKeyPolicy",
            "wrong-error",
            signature=f"{due} -> {got}",
            expected={"outcome": "error", "errors": [due]},
            error=got,
        )

    assert (
        cause_of(wrong("NotFoundException"))[0]
        == cause_of(
            {**wrong("NotFoundException"), "rule": "kms.validation.length", "operation": "ReplicateKey"}
        )[0]
    )
    assert cause_of(wrong("NotFoundException"))[0] != cause_of(wrong("AccessDeniedException"))[0]
    assert cause_of(wrong("NotFoundException"))[1] == (
        "Answers NotFoundException where the validation rules require ValidationException"
    )


def test_null_members_are_one_serializer_fault_other_schema_faults_stay_per_member() -> None:
    def schema(signature: str, operation: str = "DescribeKey") -> dict[str, Any]:
        return make_finding(
            "kms.response.schema",
            operation,
            "response-schema",
            signature=signature,
            expected={"outcome": "success"},
            status=200,
            error=None,
        )

    nulls = [schema("/KeyMetadata/KeyUsage: null"), schema("/Keys/*/Enabled: null", "ListKeys")]
    nulls.append(
        {
            **schema("/Key/Enabled: null", "GetKey"),
            "rule": "pc.response.schema",
            "service": "payment-cryptography",
        }
    )
    assert len(group(nulls)) == 1
    assert group(nulls)[0].title == "Answers carry null members where a value or absence is required"
    typed = [schema("/KeyMetadata/CreationDate: type"), schema("/KeyMetadata/KeyState: enum")]
    assert len(group(typed)) == 2


def test_an_invariant_is_one_cause_per_fact_whichever_metadata_shows_it() -> None:
    def fact(pointer: str, name: str) -> dict[str, Any]:
        return make_finding(
            "kms.key-metadata.algorithms",
            "ReplicateKey",
            "invariant",
            signature=f"{pointer}: {name}",
            expected={"outcome": "success"},
            status=200,
            error=None,
        )

    same = [
        fact("/KeyMetadata/EncryptionAlgorithms", "present for another usage"),
        fact("/ReplicaKeyMetadata/SigningAlgorithms", "present for another usage"),
    ]
    assert len(group(same)) == 1
    assert len(group([*same, fact("/KeyMetadata/MacAlgorithms", "missing")])) == 2


_drawn = st.dictionaries(
    st.sampled_from(["KeyId", "Tags", "Description", "Policy", "KeySpec"]),
    st.one_of(st.text(max_size=20), st.integers(), st.lists(st.text(max_size=5), max_size=3)),
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(
    request=_drawn,
    message=st.one_of(st.none(), st.text(max_size=30)),
    region=st.sampled_from(["us-east-1", "eu-west-3"]),
)
def test_a_cause_id_is_free_of_drawn_data(request: dict[str, Any], message: str | None, region: str) -> None:
    base = served("kms.tags.reserved-prefix", "CreateKey", ["TagException"])
    drawn = copy.deepcopy(base)
    drawn["request"], drawn["region"], drawn["actual"]["message"] = request, region, message
    drawn["id"] = "another id"
    drawn["steps"] = [{"operation": "CreateKey", "request": request, "status": 200, "error": None}]
    assert cause_of(drawn) == cause_of(base)
    assert cause_key(drawn) == cause_key(base)


def test_a_cause_id_does_not_depend_on_the_other_findings() -> None:
    alone = group([make_finding()])[0].id
    crowded = group(
        [
            crash("kms.wire.member-type", "CreateKey"),
            make_finding(),
            served("kms.validation.enum", "CreateKey"),
        ]
    )
    assert alone in {c.id for c in crowded}


def test_causes_with_new_findings_come_first_and_say_so() -> None:
    known = [make_finding("kms.wire.content-type", op, baseline="known") for op in ("A", "B", "C")]
    new = served("kms.tags.reserved-prefix", "CreateKey", ["TagException"])
    advisory = {
        **served("kms.create-key.sm2-outside-china", "CreateKey"),
        "advisory": True,
        "evidence": "inferred",
    }
    causes = group([*known, advisory, new])
    assert [c.status for c in causes] == ["new", "known", "advisory"]
    assert (causes[0].new, causes[1].new, causes[2].new) == (1, 0, 0)
    # An expired baseline entry fails like a new finding.
    assert group([make_finding(baseline="expired")])[0].status == "new"


def test_annotate_adds_the_cause_to_every_finding_without_touching_the_input() -> None:
    document = make_document(
        [make_finding(), make_finding(operation="DescribeKey"), crash("kms.wire.member-type", "CreateKey")]
    )
    before = json.dumps(document, sort_keys=True)
    annotated = annotate(document)
    assert json.dumps(document, sort_keys=True) == before
    assert [f["cause"] for f in annotated["findings"]] == [cause_of(f)[0] for f in document["findings"]]
    assert all(f["cause_title"] for f in annotated["findings"])
    assert annotated["summary"]["causes"] == 2
    if not SHARED_SCHEMA.is_file():
        pytest.skip(f"no shared contract at {SHARED_SCHEMA}")
    jsonschema.validate(annotated, json.loads(SHARED_SCHEMA.read_text()))
