"""Finding ids are stable and independent of drawn data; the log keeps the best example."""

from __future__ import annotations

from harness.checks import Divergence
from harness.exchange import Exchange
from harness.findings import FindingsLog, finding_id, make_finding
from harness.oracle.rules import error


def exchange(request: dict[str, object]) -> Exchange:
    return Exchange.from_wire(
        service="kms",
        operation="CreateKey",
        region="us-east-1",
        request=request,
        status=200,
        headers={},
        raw=b"{}",
    )


DIVERGENCE = Divergence(
    rule="kms.tags.reserved-prefix",
    kind="unexpected-success",
    service="kms",
    operation="CreateKey",
    expected=error("TagException"),
    detail="expected TagException",
    signature="TagException -> success",
    status=200,
)


def test_id_is_a_pure_function_of_rule_operation_kind_and_signature() -> None:
    a = make_finding(DIVERGENCE, exchange({"Tags": [{"TagKey": "aws:a", "TagValue": ""}]}), [])
    b = make_finding(DIVERGENCE, exchange({"Tags": [{"TagKey": "AWS:zzz", "TagValue": "v"}]}), [])
    assert (
        a.id
        == b.id
        == finding_id(
            "kms.tags.reserved-prefix",
            "kms",
            "CreateKey",
            "unexpected-success",
            "TagException -> success",
        )
    )
    assert a.id.startswith("kms.tags.reserved-prefix:CreateKey:unexpected-success:")
    other = finding_id(
        "kms.tags.reserved-prefix",
        "kms",
        "TagResource",
        "unexpected-success",
        "TagException -> success",
    )
    assert other != a.id


def _served(operation: str, request: dict[str, object]) -> Exchange:
    return Exchange.from_wire(
        service="kms",
        operation=operation,
        region="us-east-1",
        request=request,
        status=200,
        headers={},
        raw=b"{}",
    )


def test_ids_name_the_member_a_member_rule_was_broken_at() -> None:
    """moto accepting an invalid Origin and a regression accepting an invalid KeySpec are two
    faults with two ids; which value was drawn, and at which index, changes nothing."""
    from harness.checks import check_outcome, member_pointer
    from harness.oracle.constraints import CONSTRAINT_RULES
    from harness.oracle.predict import Violation, predict
    from harness.spec.catalog import load

    spec = load("aws").service("kms")
    enum = CONSTRAINT_RULES[("kms", "enum")].id

    def served_id(pointer: str, request: dict[str, object], operation: str = "CreateKey") -> str:
        prediction = predict(None, [Violation(enum, pointer, "enum")])
        found = check_outcome(prediction, _served(operation, request), spec)
        assert found is not None and found.kind == "unexpected-success"
        return make_finding(found, _served(operation, request), []).id

    origin = served_id("/Origin", {"Origin": "NOPE"})
    assert origin == served_id("/Origin", {"Origin": "OTHER", "Description": "x"})
    assert origin != served_id("/KeySpec", {"KeySpec": "NOPE"})
    assert origin.startswith(f"{enum}:CreateKey:unexpected-success:")
    tags = served_id("/Tags/0/TagKey", {"Tags": [{"TagKey": "x"}]})
    assert tags == served_id("/Tags/7/TagKey", {"Tags": [{"TagKey": "y"}] * 8})
    schema = spec.operation("Encrypt").request_schema
    assert member_pointer("/EncryptionContext/drawn-key", schema) == "/EncryptionContext/*"
    create = spec.operation("CreateKey").request_schema
    assert member_pointer("/Tags/12/TagValue", create) == "/Tags/*/TagValue"
    assert member_pointer("/Tags/12/TagValue", None) == "/Tags/*/TagValue"


def test_ids_name_the_key_state_a_state_rule_was_broken_in() -> None:
    from harness.checks import check_outcome
    from harness.oracle.predict import Violation, predict
    from harness.spec.catalog import load

    spec = load("aws").service("kms")
    rule = "kms.cancel-deletion.not-pending"

    def served(state: str) -> Divergence:
        prediction = predict(None, [Violation(rule, "/KeyId", transition=state)])
        found = check_outcome(prediction, _served("CancelKeyDeletion", {"KeyId": "k"}), spec)
        assert found is not None
        return found

    assert served("Enabled").signature == "a client error -> success @ state Enabled"
    enabled = make_finding(served("Enabled"), _served("CancelKeyDeletion", {"KeyId": "a"}), []).id
    disabled = make_finding(served("Disabled"), _served("CancelKeyDeletion", {"KeyId": "a"}), []).id
    assert enabled != disabled


def test_log_keeps_the_smallest_example_and_counts_occurrences() -> None:
    log = FindingsLog()
    big = make_finding(
        DIVERGENCE, exchange({"Tags": [{"TagKey": "aws:" + "x" * 50, "TagValue": "v" * 20}]}), []
    )
    small = make_finding(DIVERGENCE, exchange({"Tags": [{"TagKey": "aws:", "TagValue": ""}]}), [])
    log.record(big)
    log.record(small)
    log.record(big)
    (kept,) = list(log)
    assert kept.request == small.request and kept.occurrences == 3


def test_a_shrunk_example_wins_over_smaller_unshrunk_ones() -> None:
    log = FindingsLog()
    shrunk = make_finding(DIVERGENCE, exchange({"Tags": [{"TagKey": "aws:ab", "TagValue": ""}]}), [])
    tiny = make_finding(DIVERGENCE, exchange({"Tags": [{"TagKey": "aws:", "TagValue": ""}]}), [])
    log.prefer_shrunk(shrunk)
    log.record(tiny)
    (kept,) = list(log)
    assert kept.request == shrunk.request and kept.shrunk
