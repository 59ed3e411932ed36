"""The run's memo (harness.engine.memo): identical state-free attempts after the first ``keep`` are
judged from the answers of the first ones, never sent; a target that answers an identical request
differently within those sends is caught, and that request is never memoised.

Every "judged from the memo" case has a twin where the memo must send: a different answer among
the first sends, an operation no service declares state-free, the memo turned off, a changed
prediction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from harness.engine.execution import Recorder
from harness.engine.judge import Judge, Judgement
from harness.engine.memo import Memo
from harness.engine.model import Model
from harness.exchange import Call, Exchange
from harness.findings import FindingsLog
from harness.spec import catalog
from harness.transport import RawRequest

SPEC = catalog.load()
REGION = "us-east-1"
ACCOUNT = "111122223333"


def created(request: dict[str, Any], n: int) -> tuple[int, Any]:
    key_id = f"00000000-0000-4000-8000-{n:012d}"
    return 200, {
        "KeyMetadata": {
            "AWSAccountId": ACCOUNT,
            "KeyId": key_id,
            "Arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}",
            "CreationDate": 1700000000.0,
            "Enabled": True,
            "Description": "",
            "KeyUsage": request.get("KeyUsage", "ENCRYPT_DECRYPT"),
            "KeyState": "Enabled",
            "Origin": "AWS_KMS",
            "KeyManager": "CUSTOMER",
            "CustomerMasterKeySpec": request.get("KeySpec", "SYMMETRIC_DEFAULT"),
            "KeySpec": request.get("KeySpec", "SYMMETRIC_DEFAULT"),
            "SigningAlgorithms": ["ECDSA_SHA_256"],
            "MultiRegion": False,
        }
    }


Answer = Callable[[Call, int], tuple[int, Any]]


class Target:
    """A fake run (the engine's Sender): answers each call with ``answer(call, n)``, n counting from 1."""

    def __init__(self, answer: Answer, keep: int = 2):
        self.spec = SPEC
        self.judge = Judge(SPEC, Model())
        self.findings = FindingsLog()
        self.coverage_done: set[str] = set()
        self.reused: dict[str, Any] = {}
        self.memo = Memo(keep)
        self.answer = answer
        self.sent: list[Call] = []

    def counts(self, rule: str) -> bool:
        return True

    @property
    def region(self) -> str:
        return REGION

    @property
    def replica_region(self) -> str:
        return "us-west-2"

    @property
    def account_id(self) -> str | None:
        return ACCOUNT

    def send(self, call: Call, *, role: str | None = None) -> Exchange:
        self.sent.append(call)
        status, body = self.answer(call, len(self.sent))
        return Exchange(
            service=call.service,
            operation=call.operation,
            region=REGION,
            request=call.params,
            status=status,
            headers={"content-type": "application/x-amz-json-1.1"},
            raw_body=json.dumps(body),
            body=body,
            body_is_json=True,
            role=role,
        )

    def send_raw(self, request: RawRequest) -> Exchange:
        raise AssertionError("not used")

    def compare(self, judged: Judgement, sent: Call | RawRequest) -> None:
        return None


def attempts(target: Target, call: Call, times: int, control: Call | None = None) -> list[Judgement]:
    recorder = Recorder(target)
    out = [recorder.attempt(call, control)[0] for _ in range(times)]
    assert recorder.calls == times  # a memoised call counts as a call of its test (draws unchanged)
    return out


ECC = Call("kms", "CreateKey", {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"})


def ok(call: Call, n: int) -> tuple[int, Any]:
    return created(dict(call.params), n)


def test_identical_attempts_after_the_first_two_are_judged_without_being_sent() -> None:
    target = Target(ok)
    judged = attempts(target, ECC, 5)
    assert len(target.sent) == 2
    assert target.memo.replayed == 3
    # Judged from the second answer, as it was: same divergences, same answer.
    assert [j.exchange.status for j in judged] == [200] * 5
    assert judged[4].divergences == judged[1].divergences


def test_a_target_that_answers_the_second_identical_request_differently_is_caught_and_never_memoised() -> (
    None
):
    def flaky(call: Call, n: int) -> tuple[int, Any]:
        return (500, {"message": "boom"}) if n == 2 else created(dict(call.params), n)

    target = Target(flaky)
    judged = attempts(target, ECC, 5)
    assert len(target.sent) == 5  # every one sent: the answers differed within the first two
    assert target.memo.replayed == 0
    assert judged[1].outcome is not None and judged[1].outcome.kind == "server-error"


def test_the_memo_off_sends_every_attempt() -> None:
    target = Target(ok, keep=0)
    attempts(target, ECC, 4)
    assert len(target.sent) == 4
    assert target.memo.replayed == 0


def test_an_operation_no_service_declares_state_free_is_always_sent() -> None:
    def missing(call: Call, n: int) -> tuple[int, Any]:
        return 400, {"__type": "NotFoundException", "message": "no such key"}

    target = Target(missing)
    describe = Call("kms", "DescribeKey", {"KeyId": "00000000-0000-4000-8000-000000000000"})
    attempts(target, describe, 4)
    assert len(target.sent) == 4


def test_a_create_key_in_a_custom_key_store_depends_on_the_store_and_is_always_sent() -> None:
    def not_found(call: Call, n: int) -> tuple[int, Any]:
        return 400, {"__type": "CustomKeyStoreNotFoundException", "message": "no such store"}

    target = Target(not_found)
    in_store = Call(
        "kms", "CreateKey", {"CustomKeyStoreId": "cks-1234567890abcdef0", "Origin": "AWS_CLOUDHSM"}
    )
    attempts(target, in_store, 4)
    assert len(target.sent) == 4


def test_an_attempt_and_its_control_are_memoised_together() -> None:
    # KeySpec without the KeyUsage it needs, refused with a code no rule names (so its control is
    # sent), and the control (with the usage) served.
    def answer(call: Call, n: int) -> tuple[int, Any]:
        if "KeyUsage" not in call.params:
            return 400, {"__type": "InvalidArnException", "message": "KeyUsage is required"}
        return created(dict(call.params), n)

    target = Target(answer)
    broken = Call("kms", "CreateKey", {"KeySpec": "ECC_NIST_P256"})
    recorder = Recorder(target)
    results = [recorder.attempt(broken, ECC) for _ in range(4)]
    # Two attempts sent: each its call and its control; then both are judged from the memo.
    assert [c.params for c in target.sent] == [broken.params, ECC.params] * 2
    assert recorder.calls == 8
    assert target.memo.replayed == 4
    judged, own = results[3]
    assert own is not None and own.exchange.role == "control" and own.exchange.status == 200
    assert judged.exchange.role is None and judged.exchange.status == 400
    assert judged.outcome is not None and judged.outcome.kind == "wrong-error"


def test_a_different_control_is_a_different_attempt() -> None:
    def answer(call: Call, n: int) -> tuple[int, Any]:
        if "KeyUsage" not in call.params:
            return 400, {"__type": "InvalidArnException", "message": "KeyUsage is required"}
        return created(dict(call.params), n)

    target = Target(answer)
    broken = Call("kms", "CreateKey", {"KeySpec": "ECC_NIST_P256"})
    other = Call("kms", "CreateKey", {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"})
    recorder = Recorder(target)
    for control in (ECC, other, ECC, other):
        recorder.attempt(broken, control)
    assert len(target.sent) == 8
    assert target.memo.replayed == 0


def test_a_changed_prediction_sends_the_attempt_again() -> None:
    target = Target(ok)
    attempts(target, ECC, 2)
    # Pretend the model now predicts something else for the same request.
    before = target.judge.expect

    def changed(call: Call, region: str, wire: Any = None) -> Any:
        prediction = before(call, region, wire)
        return None if prediction is not None else prediction

    target.judge.expect = changed  # type: ignore[method-assign]
    attempts(target, ECC, 1)
    assert len(target.sent) == 3
    assert target.memo.replayed == 0


def test_no_control_after_an_unexpected_success_and_one_after_a_wrong_error() -> None:
    broken = Call("kms", "CreateKey", {"KeySpec": "ECC_NIST_P256"})  # KeyUsage is required
    accepted = Target(ok, keep=0)
    judged, own = Recorder(accepted).attempt(broken, ECC)
    # The success should not exist, whatever a control would get: no control is sent.
    assert judged.outcome is not None and judged.outcome.kind == "unexpected-success"
    assert own is None and [c.params for c in accepted.sent] == [broken.params]

    def wrong(call: Call, n: int) -> tuple[int, Any]:
        if "KeyUsage" not in call.params:
            return 400, {"__type": "InvalidArnException", "message": "wrong code"}
        return created(dict(call.params), n)

    refused = Target(wrong, keep=0)
    judged, own = Recorder(refused).attempt(broken, ECC)
    # A refusal the control might explain: the control is sent.
    assert own is not None and [c.params for c in refused.sent] == [broken.params, ECC.params]
