"""Checks on canned answers: each kind of divergence, and silence on conforming answers."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness import checks
from harness.exchange import Exchange
from harness.oracle.predict import Violation, predict
from harness.spec import catalog

KMS = catalog.load().service("kms")
PC = catalog.load().service("payment-cryptography")
KMS_JSON = {"Content-Type": "application/x-amz-json-1.1"}

TAG_RULE = predict("kms.create-key.valid", [Violation("kms.tags.reserved-prefix")])
VALID = predict("kms.create-key.valid", [])


def answer(
    status: int | None,
    body: Any = None,
    *,
    operation: str = "CreateKey",
    headers: dict[str, str] | None = None,
    service: str = "kms",
    raw: bytes | None = None,
) -> Exchange:
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    return Exchange.from_wire(
        service=service,
        operation=operation,
        region="us-east-1",
        request={},
        status=status,
        headers=headers if headers is not None else KMS_JSON,
        raw=data,
    )


def metadata(**overrides: Any) -> dict[str, Any]:
    meta = {
        "AWSAccountId": "111122223333",
        "KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab",
        "Arn": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "CreationDate": 1700000000.123,
        "Enabled": True,
        "Description": "",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": "Enabled",
        "Origin": "AWS_KMS",
        "KeyManager": "CUSTOMER",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": False,
    }
    meta.update(overrides)
    return {"KeyMetadata": meta}


@pytest.mark.parametrize(
    ("prediction", "exchange", "kind"),
    [
        (TAG_RULE, answer(200, metadata()), "unexpected-success"),
        (TAG_RULE, answer(400, {"__type": "ValidationException", "message": "m"}), "wrong-error"),
        (TAG_RULE, answer(500, raw=b"<html>"), "server-error"),
        (TAG_RULE, answer(None), "server-error"),
        (VALID, answer(400, {"__type": "ValidationException", "message": "m"}), "unexpected-error"),
        (VALID, answer(503, {"__type": "KMSInternalException"}), "server-error"),
    ],
)
def test_outcome_divergences(prediction: Any, exchange: Exchange, kind: str) -> None:
    divergence = checks.check_outcome(prediction, exchange)
    assert divergence is not None and divergence.kind == kind


@pytest.mark.parametrize(
    ("prediction", "exchange"),
    [
        (
            TAG_RULE,
            answer(400, {"__type": "TagException", "message": "Tags beginning with aws: are reserved"}),
        ),
        (
            TAG_RULE,
            answer(400, {"__type": "com.amazonaws.kms#TagException:http://internal", "message": "x"}),
        ),
        (VALID, answer(200, metadata())),
    ],
)
def test_conforming_outcomes_are_silent(prediction: Any, exchange: Exchange) -> None:
    assert checks.check_outcome(prediction, exchange) is None


def test_status_is_checked_by_class_only() -> None:
    # Smithy says 404 for NotFoundException, recordings say 400 (rulebook D5): both pass.
    p = predict(None, [Violation("kms.key-id.not-found")])
    for status in (400, 404):
        assert (
            checks.check_outcome(p, answer(status, {"__type": "NotFoundException", "message": "m"})) is None
        )


def test_a_conforming_create_key_answer_passes_every_answer_check() -> None:
    assert checks.check_answer(KMS, answer(200, metadata())) == []


def test_null_members_are_one_divergence_each() -> None:
    found = checks.check_response_schema(KMS, answer(200, metadata(KeyUsage=None, MultiRegion=None)))
    assert sorted(d.signature for d in found) == [
        "/KeyMetadata/KeyUsage: null",
        "/KeyMetadata/MultiRegion: null",
    ]


def test_schema_signatures_do_not_depend_on_list_positions() -> None:
    one = checks.check_response_schema(KMS, answer(200, metadata(EncryptionAlgorithms=[1])))
    two = checks.check_response_schema(
        KMS, answer(200, metadata(EncryptionAlgorithms=["SYMMETRIC_DEFAULT", 1]))
    )
    assert [d.signature for d in one] == [d.signature for d in two]


def test_timestamps_must_be_epoch_numbers_on_the_wire() -> None:
    found = checks.check_response_schema(KMS, answer(200, metadata(CreationDate="2023-12-01T00:00:00Z")))
    assert [d.signature for d in found] == ["/KeyMetadata/CreationDate: type"]


def test_enum_spellings_are_checked() -> None:
    found = checks.check_response_schema(KMS, answer(200, metadata(KeyState="ENABLED")))
    assert [d.signature for d in found] == ["/KeyMetadata/KeyState: enum"]


def test_empty_body_operations() -> None:
    for body in (b"", b"{}"):
        assert checks.check_response_schema(KMS, answer(200, operation="EnableKey", raw=body)) == []
    (d,) = checks.check_response_schema(KMS, answer(200, operation="EnableKey", raw=b"null"))
    assert d.rule == "kms.response.empty-body"


def test_content_type_ignores_parameters_and_flags_other_types() -> None:
    ok = answer(200, metadata(), headers={"Content-Type": "application/x-amz-json-1.1; charset=utf-8"})
    assert checks.check_content_type(KMS, ok) is None
    bad = checks.check_content_type(KMS, answer(200, metadata(), headers={"Content-Type": "text/html"}))
    assert bad is not None and bad.rule == "kms.wire.content-type"


def test_checks_are_selected_by_name() -> None:
    """One registry, one signature: the answer checks a run asks for by name, and only those."""
    mistyped = answer(200, metadata(), headers={"Content-Type": "text/html"})
    every = {d.rule for d in checks.check_answer(KMS, mistyped)}
    assert "kms.wire.content-type" in every
    only_schema = checks.check_answer(KMS, mistyped, frozenset({"response-schema"}))
    assert "kms.wire.content-type" not in {d.rule for d in only_schema}
    expected = {"response-schema", "content-type", "error-shape", "kms.key-metadata"}
    assert expected <= set(checks.CHECKS.names())


def test_a_check_is_registered_once() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        checks.check("content-type")(lambda answer: [])


def test_error_shape_follows_each_service() -> None:
    kms_ok = answer(400, {"__type": "NotFoundException", "message": "m"})
    assert checks.check_error_body(KMS, kms_ok) is None
    pc_headers = {"Content-Type": "application/x-amz-json-1.0"}
    pc_ok = answer(
        404,
        {"__type": "ResourceNotFoundException", "ResourceId": "arn"},
        service="payment-cryptography",
        operation="GetKey",
        headers=pc_headers,
    )
    assert checks.check_error_body(PC, pc_ok) is None
    pc_bad = answer(
        404,
        {"__type": "ResourceNotFoundException", "message": "arn"},
        service="payment-cryptography",
        operation="GetKey",
        headers=pc_headers,
    )
    # Every error member is optional in the model: a body with only __type, or with a message
    # member the service does not model for this error, is not a finding (issue 11, B1).
    assert checks.check_error_body(PC, pc_bad) is None
    only_type = answer(400, {"__type": "UnsupportedOperationException"})
    assert checks.check_error_body(KMS, only_type) is None
    no_type = checks.check_error_body(KMS, answer(400, {"message": "m"}))
    assert no_type is not None and no_type.signature == "__type missing"
    # What is there must have the model's type: a message that is not a string is a finding.
    bad_message = checks.check_error_body(KMS, answer(400, {"__type": "NotFoundException", "message": 3}))
    assert bad_message is not None and bad_message.rule == "kms.error.shape"
    assert bad_message.signature == "message: not a string"
