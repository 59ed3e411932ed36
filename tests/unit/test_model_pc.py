"""The Payment Cryptography reference model, offline: deletion, restore, tags, ListKeys."""

from __future__ import annotations

import json
from typing import Any

from harness.engine.judge import Judge
from harness.engine.model import Model
from harness.exchange import Call, Exchange
from harness.model.matchers import ListsKeys
from harness.oracle.rules import RULES
from harness.spec import catalog
from tests.unit.labels import outcome_label

SERVICE = "payment-cryptography"
REGION = "us-east-1"
ARN = "arn:aws:payment-cryptography:us-east-1:111122223333:key/abcdefghijklmnop"
OTHER = "arn:aws:payment-cryptography:us-east-1:111122223333:key/qrstuvwxyz012345"
ATTRIBUTES = {
    "KeyUsage": "TR31_K0_KEY_ENCRYPTION_KEY",
    "KeyClass": "SYMMETRIC_KEY",
    "KeyAlgorithm": "AES_128",
    "KeyModesOfUse": {"Encrypt": True, "Decrypt": True, "Wrap": True, "Unwrap": True},
}


def key(arn: str = ARN, **members: Any) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "KeyArn": arn,
        "KeyAttributes": ATTRIBUTES,
        "KeyCheckValue": "ABC123",
        "KeyCheckValueAlgorithm": "CMAC",
        "Enabled": True,
        "Exportable": True,
        "KeyState": "CREATE_COMPLETE",
        "KeyOrigin": "AWS_PAYMENT_CRYPTOGRAPHY",
        "CreateTimestamp": 1.0,
    }
    shown.update(members)
    return shown


def exchange(operation: str, request: dict[str, Any], body: Any = None, status: int = 200) -> Exchange:
    return Exchange.from_wire(
        service=SERVICE,
        operation=operation,
        region=REGION,
        request=request,
        status=status,
        headers={"Content-Type": "application/x-amz-json-1.0"},
        raw=b"" if body is None else json.dumps(body).encode(),
    )


class Flow:
    def __init__(self, complete: bool = True):
        self.judge = Judge(catalog.load(), Model(complete=complete))

    def send(self, ex: Exchange) -> list[str]:
        judged = self.judge.judge(ex)
        return [
            f"{d.rule}|{d.kind}|{outcome_label(d)}"
            for d in judged.divergences
            if RULES[d.rule].kind != "answer"
        ]

    def expect(self, operation: str, request: dict[str, Any]) -> Any:
        return self.judge.expect(Call(SERVICE, operation, request, REGION), REGION)

    def create(self, arn: str = ARN, **request: Any) -> None:
        body = {"Key": key(arn)}
        params = {"KeyAttributes": ATTRIBUTES, "Exportable": True, **request}
        assert self.send(exchange("CreateKey", params, body)) == []


def test_delete_then_restore() -> None:
    flow = Flow()
    flow.create()
    deleted = key(Enabled=False, KeyState="DELETE_PENDING", DeletePendingTimestamp=9.0)
    assert flow.send(exchange("DeleteKey", {"KeyIdentifier": ARN}, {"Key": deleted})) == []
    assert flow.send(exchange("GetKey", {"KeyIdentifier": ARN}, {"Key": deleted})) == []
    # Deleting twice is not documented: no prediction.
    assert flow.expect("DeleteKey", {"KeyIdentifier": ARN}) is None
    restore = flow.expect("RestoreKey", {"KeyIdentifier": ARN})
    assert restore.expectation.outcome == "success"
    # moto has no RestoreKey: a server error, after which the model no longer knows the state
    # (a server error may or may not have had its effect) until an answer shows it.
    server_error = exchange("RestoreKey", {"KeyIdentifier": ARN}, status=500)
    assert flow.send(server_error) == [
        "pc.restore-key.valid|server-error|success -> HTTP 500 without an error code"
    ]
    assert flow.expect("RestoreKey", {"KeyIdentifier": ARN}) is None
    assert flow.send(exchange("GetKey", {"KeyIdentifier": ARN}, {"Key": deleted})) == []
    assert flow.expect("RestoreKey", {"KeyIdentifier": ARN}).expectation.outcome == "success"
    # Whether a restored key is enabled is not documented: the model follows what the target says.
    restored = key(KeyState="CREATE_COMPLETE", Enabled=False)
    assert flow.send(exchange("RestoreKey", {"KeyIdentifier": ARN}, {"Key": restored})) == []
    assert flow.send(exchange("GetKey", {"KeyIdentifier": ARN}, {"Key": key(Enabled=False)})) == []
    still_pending = key(KeyState="DELETE_PENDING", Enabled=False, DeletePendingTimestamp=9.0)
    assert sorted(flow.send(exchange("GetKey", {"KeyIdentifier": ARN}, {"Key": still_pending}))) == [
        "pc.get-key.key-state|invariant|/Key/DeletePendingTimestamp: DeletePendingTimestamp after RestoreKey",
        "pc.get-key.key-state|invariant|/Key/KeyState: KeyState after RestoreKey",
    ]


def test_a_deletion_that_does_not_stick_is_caught() -> None:
    flow = Flow()
    flow.create()
    answer = key(Enabled=False, KeyState="DELETE_PENDING", DeletePendingTimestamp=9.0)
    flow.send(exchange("DeleteKey", {"KeyIdentifier": ARN, "DeleteKeyInDays": 3}, {"Key": answer}))
    assert sorted(flow.send(exchange("GetKey", {"KeyIdentifier": ARN}, {"Key": key()}))) == [
        "pc.get-key.key-state|invariant|/Key/DeletePendingTimestamp: DeletePendingTimestamp after DeleteKey",
        "pc.get-key.key-state|invariant|/Key/Enabled: Enabled after DeleteKey",
        "pc.get-key.key-state|invariant|/Key/KeyState: KeyState after DeleteKey",
    ]


def test_no_tagging_while_pending_deletion() -> None:
    flow = Flow()
    flow.create(Tags=[{"Key": "a", "Value": "1"}])
    tag = {"ResourceArn": ARN, "Tags": [{"Key": "b", "Value": "2"}]}
    assert flow.send(exchange("TagResource", tag, {})) == []
    listed = {"Tags": [{"Key": "b", "Value": "2"}, {"Key": "a", "Value": "1"}]}
    assert flow.send(exchange("ListTagsForResource", {"ResourceArn": ARN}, listed)) == []
    lost = {"Tags": [{"Key": "a", "Value": "1"}]}
    assert flow.send(exchange("ListTagsForResource", {"ResourceArn": ARN}, lost)) == [
        "pc.list-tags.tags|invariant|/Tags: Tags after TagResource"
    ]
    flow.send(exchange("DeleteKey", {"KeyIdentifier": ARN}, {"Key": key(KeyState="DELETE_PENDING")}))
    prediction = flow.expect("UntagResource", {"ResourceArn": ARN, "TagKeys": ["a"]})
    assert (prediction.expectation.outcome, prediction.rules) == ("any-4xx", ("pc.tags.pending-deletion",))
    assert flow.send(exchange("TagResource", tag, {})) == [
        "pc.tags.pending-deletion|unexpected-success|any-4xx -> success"
    ]


def test_list_keys_shows_known_keys_with_their_states() -> None:
    flow = Flow()
    flow.create()
    flow.create(OTHER, Enabled=False)
    foreign = key("arn:aws:payment-cryptography:us-east-1:111122223333:key/zzzzzzzzzzzzzzzz")
    listed = {"Keys": [key(), key(OTHER, Enabled=False), foreign]}
    assert flow.send(exchange("ListKeys", {}, listed)) == []
    assert flow.send(exchange("ListKeys", {}, {"Keys": [key()]})) == [
        "pc.list-keys.lists-keys|invariant|: every known key with its state"
    ]
    # A page with a NextToken need not list everything.
    assert flow.send(exchange("ListKeys", {}, {"Keys": [key()], "NextToken": "t"})) == []
    assert flow.send(exchange("ListKeys", {"KeyState": "DELETE_PENDING"}, {"Keys": []})) == []
    assert flow.send(exchange("ListKeys", {"KeyState": "DELETE_PENDING"}, {"Keys": [key()]})) == [
        "pc.list-keys.lists-keys|invariant|: every known key with its state"
    ]


def test_lists_keys_matcher_explains_itself() -> None:
    matcher = ListsKeys(((ARN, ("CREATE_COMPLETE",)),), ((ARN, True),), (ARN, OTHER))
    assert matcher.problems({"Keys": [key(Enabled=False)]}) == [
        f"{ARN} has Enabled False, not True",
        f"{OTHER} is missing",
    ]
    assert matcher == {"Keys": [key(), key(OTHER)]}


def test_mid_history_unknown_keys_are_learned() -> None:
    flow = Flow(complete=False)
    assert flow.expect("GetKey", {"KeyIdentifier": ARN}) is None
    assert flow.send(exchange("GetKey", {"KeyIdentifier": ARN}, {"Key": key()})) == []
    assert flow.expect("DeleteKey", {"KeyIdentifier": ARN}).expectation.outcome == "success"
    assert flow.expect("ListTagsForResource", {"ResourceArn": ARN}) is not None
    complete = Flow()
    assert complete.expect("GetKey", {"KeyIdentifier": ARN}).expectation.errors == (
        "ResourceNotFoundException",
    )
    assert complete.expect("GetKey", {"KeyIdentifier": "alias/mine"}) is None
