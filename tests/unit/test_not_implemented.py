"""Not implemented is one finding per operation, judged by the one judge (live runs and replay).

Each case has a twin that differs only in the thing under test: a 501 is "not implemented"
and a 500 is a server error; UnknownOperationException to a well-formed call of a documented
operation is "not implemented", to an X-Amz-Target the service does not have it is the
documented refusal.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from harness.engine.judge import Judge
from harness.engine.model import Model
from harness.engine.replay import replay
from harness.exchange import Exchange
from harness.spec import catalog

SPEC = catalog.load()
NOT_EMULATED = {
    "__type": "InternalFailure",
    "message": "The API for service kms is either not included in your current license plan or has "
    "not yet been emulated by LocalStack.",
}
KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"


def answer(
    operation: str,
    status: int,
    body: Any,
    *,
    service: str = "kms",
    request: dict[str, Any] | None = None,
    wire: dict[str, Any] | None = None,
) -> Exchange:
    made = Exchange.from_wire(
        service=service,
        operation=operation,
        region="us-east-1",
        request=request if request is not None else {"KeyId": KEY, "PrimaryRegion": "us-west-2"},
        status=status,
        headers={"content-type": "application/json"},
        raw=json.dumps(body).encode(),
    )
    return replace(made, wire=wire) if wire is not None else made


def judged(exchange: Exchange) -> list[tuple[str, str]]:
    return [(d.rule, d.kind) for d in Judge(SPEC, Model()).judge(exchange).divergences]


def test_a_501_to_a_documented_operation_is_one_not_implemented_divergence() -> None:
    assert judged(answer("UpdatePrimaryRegion", 501, NOT_EMULATED)) == [
        ("kms.operation.implemented", "not-implemented")
    ]


def test_a_500_is_a_server_error_not_a_missing_operation() -> None:
    kinds = {kind for _, kind in judged(answer("UpdatePrimaryRegion", 500, {"__type": "InternalFailure"}))}
    assert "not-implemented" not in kinds


def test_unknown_operation_to_a_well_formed_call_is_not_implemented() -> None:
    body = {"__type": "UnknownOperationException"}
    assert judged(answer("UpdatePrimaryRegion", 400, body)) == [
        ("kms.operation.implemented", "not-implemented")
    ]


def test_unknown_operation_to_an_unknown_target_is_the_documented_refusal() -> None:
    wire = {
        "target": "TrentService.NoSuchOperation",
        "content_type": "application/x-amz-json-1.1",
        "auth": "sigv4",
    }
    exchange = answer(
        "(unknown operation)", 400, {"__type": "UnknownOperationException"}, request={}, wire=wire
    )
    assert ("kms.operation.implemented", "not-implemented") not in judged(exchange)
    assert all(kind != "not-implemented" for _, kind in judged(exchange))


def test_unknown_operation_to_a_malformed_call_is_a_refusal_like_any_other() -> None:
    wire = {"target": "TrentService.UpdatePrimaryRegion", "content_type": "text/plain", "auth": "sigv4"}
    exchange = answer("UpdatePrimaryRegion", 400, {"__type": "UnknownOperationException"}, wire=wire)
    assert judged(exchange) == []


def test_the_judge_remembers_each_operation_once_and_every_answer() -> None:
    judge = Judge(SPEC, Model())
    for _ in range(3):
        judge.judge(answer("UpdatePrimaryRegion", 501, NOT_EMULATED))
    pc = answer("ListKeys", 501, NOT_EMULATED, service="payment-cryptography", request={})
    judge.judge(pc)
    assert list(judge.not_implemented) == [
        ("kms", "UpdatePrimaryRegion"),
        ("payment-cryptography", "ListKeys"),
    ]
    assert len(judge.missing_log) == 4
    assert "HTTP 501" in judge.not_implemented[("kms", "UpdatePrimaryRegion")]


@pytest.mark.parametrize("count", [1, 5])
def test_a_replay_reports_one_finding_per_operation_however_many_calls(count: int) -> None:
    exchanges = [answer("UpdatePrimaryRegion", 501, NOT_EMULATED) for _ in range(count)]
    exchanges += [
        answer("ListKeys", 501, NOT_EMULATED, service="payment-cryptography", request={})
        for _ in range(count)
    ]
    result = replay(exchanges, SPEC)
    findings = sorted((f.divergence.operation, f.divergence.kind, f.occurrences) for f in result.findings)
    assert findings == [
        ("ListKeys", "not-implemented", count),
        ("UpdatePrimaryRegion", "not-implemented", count),
    ]
