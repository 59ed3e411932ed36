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
