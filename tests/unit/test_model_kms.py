"""The KMS reference model, offline: key states, multi-Region families, learning from answers.

Each test feeds the judge canned exchanges, as a live run or a replay would, and checks what
the model predicts next and which divergences the judge reports.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.engine.judge import Judge
from harness.engine.model import Model
from harness.exchange import Call, Exchange
from harness.oracle.rules import RULES
from harness.services.kms import state_rules as states
from harness.spec import catalog
from tests.unit.labels import outcome_label

HOME, AWAY = "us-east-1", "us-west-2"
ACCOUNT = "111122223333"
MRK = "mrk-0123456789abcdef0123456789abcdef"
SRK = "1234abcd-12ab-34cd-56ef-1234567890ab"


def arn(key_id: str, region: str = HOME) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


def metadata(key_id: str, region: str = HOME, **members: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "AWSAccountId": ACCOUNT,
        "Arn": arn(key_id, region),
        "KeyId": key_id,
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Origin": "AWS_KMS",
        "KeyState": "Enabled",
        "Enabled": True,
        "Description": "",
        "KeyManager": "CUSTOMER",
        "MultiRegion": key_id.startswith("mrk-"),
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
    }
    meta.update(members)
    return meta


def exchange(
    operation: str, request: dict[str, Any], body: Any = None, *, region: str = HOME, status: int = 200
) -> Exchange:
    raw = b"" if body is None else json.dumps(body).encode()
    return Exchange.from_wire(
        service="kms",
        operation=operation,
        region=region,
        request=request,
        status=status,
        headers={"Content-Type": "application/x-amz-json-1.1"},
        raw=raw,
    )


def error(operation: str, request: dict[str, Any], code: str, *, region: str = HOME) -> Exchange:
    return exchange(operation, request, {"__type": code, "message": "m"}, region=region, status=400)


class Flow:
    """A judge with its model, fed exchanges one by one."""

    def __init__(self, complete: bool = True):
        self.judge = Judge(catalog.load(), Model(complete=complete))

    def send(self, ex: Exchange) -> list[str]:
        """Judge ``ex``; the ``rule|kind|signature`` of each outcome or invariant divergence."""
        judged = self.judge.judge(ex)
        return [
            f"{d.rule}|{d.kind}|{outcome_label(d)}"
            for d in judged.divergences
            if RULES[d.rule].kind != "answer"
        ]

    def expect(self, operation: str, request: dict[str, Any], region: str = HOME) -> Any:
        return self.judge.expect(Call("kms", operation, request, region), region)

    def create(self, key_id: str = SRK, **request: Any) -> None:
        body = {"KeyMetadata": metadata(key_id, Description=request.get("Description", ""))}
        assert self.send(exchange("CreateKey", request, body)) == []

    def primary_with_replica(self) -> None:
        self.create(MRK, MultiRegion=True)
        replica = metadata(MRK, AWAY, KeyState="Creating", Enabled=False)
        replica["MultiRegionConfiguration"] = {
            "MultiRegionKeyType": "REPLICA",
            "PrimaryKey": {"Arn": arn(MRK), "Region": HOME},
            "ReplicaKeys": [{"Arn": arn(MRK, AWAY), "Region": AWAY}],
        }
        request = {"KeyId": MRK, "ReplicaRegion": AWAY}
        assert self.send(exchange("ReplicateKey", request, {"ReplicaKeyMetadata": replica})) == []


def describe_body(key_id: str, region: str = HOME, **members: Any) -> dict[str, Any]:
    return {"KeyMetadata": metadata(key_id, region, **members)}


def outcome(prediction: Any) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    assert prediction is not None
    return prediction.expectation.outcome, prediction.expectation.errors, prediction.rules


def test_disable_then_describe_predicts_disabled_and_names_the_operation() -> None:
    flow = Flow()
    flow.create()
    assert flow.send(exchange("DisableKey", {"KeyId": SRK})) == []
    fine = describe_body(SRK, KeyState="Disabled", Enabled=False)
    assert flow.send(exchange("DescribeKey", {"KeyId": SRK}, fine)) == []
    assert flow.send(exchange("EnableKey", {"KeyId": SRK})) == []
    assert flow.send(exchange("DisableKey", {"KeyId": SRK})) == []
    # A DisableKey that did not stick: the key still shows Enabled.
    stuck = describe_body(SRK)
    assert flow.send(exchange("DescribeKey", {"KeyId": SRK}, stuck)) == [
        "kms.describe-key.key-state|invariant|/KeyMetadata/KeyState: KeyState after DisableKey"
    ]
    # The model follows the answer: no cascade on the next read.
    assert flow.send(exchange("DescribeKey", {"KeyId": SRK}, stuck)) == []


@pytest.mark.parametrize("operation", ["EnableKey", "DisableKey", "TagResource", "UntagResource"])
def test_pending_deletion_refuses_state_changes_and_tags(operation: str) -> None:
    flow = Flow()
    flow.create()
    body = {"KeyId": arn(SRK), "DeletionDate": 1.0, "KeyState": "PendingDeletion", "PendingWindowInDays": 7}
    assert flow.send(exchange("ScheduleKeyDeletion", {"KeyId": SRK, "PendingWindowInDays": 7}, body)) == []
    request: dict[str, Any] = {"KeyId": SRK}
    if operation == "TagResource":
        request["Tags"] = [{"TagKey": "a", "TagValue": "b"}]
    if operation == "UntagResource":
        request["TagKeys"] = ["a"]
    assert outcome(flow.expect(operation, request)) == (
        "error",
        ("KMSInvalidStateException",),
        ("kms.key-state.pending-deletion",),
    )
    # moto's answer: success. The model stops predicting the state it no longer knows.
    assert flow.send(exchange(operation, request)) == [
        "kms.key-state.pending-deletion|unexpected-success|KMSInvalidStateException -> success"
    ]
    if operation in ("EnableKey", "DisableKey"):
        assert flow.expect("EnableKey", {"KeyId": SRK}) is None
        assert flow.send(exchange("DescribeKey", {"KeyId": SRK}, describe_body(SRK))) == []
        assert outcome(flow.expect("EnableKey", {"KeyId": SRK}))[0] == "success"


def test_schedule_deletion_answer_and_window() -> None:
    flow = Flow()
    flow.create()
    assert outcome(flow.expect("ScheduleKeyDeletion", {"KeyId": SRK, "PendingWindowInDays": 6}))[:2] == (
        "any-4xx",
        (),
    )
    # Every member of the answer is optional: an absent one is no finding, a present one is
    # judged (moto names the key by id, not by ARN).
    moto_like = {"KeyId": SRK, "DeletionDate": 1.0}
    found = flow.send(exchange("ScheduleKeyDeletion", {"KeyId": SRK}, moto_like))
    assert sorted(found) == ["kms.schedule-deletion.valid|invariant|/KeyId: KeyId is the key ARN"]
    pending = describe_body(SRK, KeyState="PendingDeletion", Enabled=False, DeletionDate=2.0)
    assert flow.send(exchange("DescribeKey", {"KeyId": SRK}, pending)) == []
    no_date = describe_body(SRK, KeyState="PendingDeletion", Enabled=False)
    assert flow.send(exchange("DescribeKey", {"KeyId": SRK}, no_date)) == [
        "kms.describe-key.key-state|invariant|/KeyMetadata/DeletionDate: DeletionDate while PendingDeletion"
    ]


def test_cancel_deletion_leaves_the_key_disabled() -> None:
    flow = Flow()
    flow.create()
    assert outcome(flow.expect("CancelKeyDeletion", {"KeyId": SRK})) == (
        "error",
        ("KMSInvalidStateException",),
        ("kms.cancel-deletion.not-pending",),
    )
    flow.send(exchange("ScheduleKeyDeletion", {"KeyId": SRK}, {"KeyId": arn(SRK), "DeletionDate": 1.0}))
    assert flow.send(exchange("CancelKeyDeletion", {"KeyId": SRK}, {"KeyId": SRK})) == [
        "kms.cancel-deletion.valid|invariant|/KeyId: KeyId is the key ARN"
    ]
    enabled = describe_body(SRK)
    assert flow.send(exchange("DescribeKey", {"KeyId": SRK}, enabled)) == [
        "kms.describe-key.key-state|invariant|/KeyMetadata/KeyState: KeyState after CancelKeyDeletion"
    ]


def test_external_origin_is_pending_import() -> None:
    flow = Flow()
    flow.create(Origin="EXTERNAL")
    assert outcome(flow.expect("EnableKey", {"KeyId": SRK})) == (
        "error",
        ("KMSInvalidStateException",),
        ("kms.key-state.pending-import",),
    )
    assert outcome(flow.expect("ScheduleKeyDeletion", {"KeyId": SRK}))[0] == "success"


def test_a_replica_starts_creating_and_settles() -> None:
    flow = Flow()
    flow.primary_with_replica()
    creating = describe_body(MRK, AWAY, KeyState="Creating", Enabled=False)
    creating["KeyMetadata"]["MultiRegionConfiguration"] = {
        "MultiRegionKeyType": "REPLICA",
        "PrimaryKey": {"Arn": arn(MRK), "Region": HOME},
    }
    assert flow.send(exchange("DescribeKey", {"KeyId": MRK}, creating, region=AWAY)) == []
    # Still Creating: whether EnableKey works depends on timing.
    assert flow.expect("EnableKey", {"KeyId": MRK}, AWAY) is None
    # But TagResource works in both states, and CancelKeyDeletion fails in both.
    assert outcome(flow.expect("TagResource", {"KeyId": MRK, "Tags": []}, AWAY))[0] == "success"
    assert outcome(flow.expect("CancelKeyDeletion", {"KeyId": MRK}, AWAY))[0] == "error"
    settled = json.loads(json.dumps(creating))
    settled["KeyMetadata"].update(KeyState="Enabled", Enabled=True)
    assert flow.send(exchange("DescribeKey", {"KeyId": MRK}, settled, region=AWAY)) == []
    assert outcome(flow.expect("EnableKey", {"KeyId": MRK}, AWAY))[0] == "success"


def test_the_primary_lists_its_replica_and_a_flipped_type_is_caught() -> None:
    flow = Flow()
    flow.primary_with_replica()
    config = {
        "MultiRegionKeyType": "PRIMARY",
        "PrimaryKey": {"Arn": arn(MRK), "Region": HOME},
        "ReplicaKeys": [{"Arn": arn(MRK, AWAY), "Region": AWAY}],
    }
    body = describe_body(MRK, MultiRegionConfiguration=config)
    assert flow.send(exchange("DescribeKey", {"KeyId": MRK}, body)) == []
    # moto: describing the replica flips the shared dict, so the primary then says REPLICA.
    flipped = describe_body(MRK, MultiRegionConfiguration={**config, "MultiRegionKeyType": "REPLICA"})
    assert flow.send(exchange("DescribeKey", {"KeyId": arn(MRK)}, flipped)) == [
        "kms.multi-region.configuration|invariant|"
        "/KeyMetadata/MultiRegionConfiguration/MultiRegionKeyType: MultiRegionKeyType of the primary"
    ]
    unlisted = describe_body(MRK, MultiRegionConfiguration={**config, "ReplicaKeys": []})
    assert flow.send(exchange("DescribeKey", {"KeyId": MRK}, unlisted)) == [
        "kms.multi-region.configuration|invariant|"
        "/KeyMetadata/MultiRegionConfiguration/ReplicaKeys: ReplicaKeys of the primary"
    ]


def test_replica_properties_are_independent_and_shared() -> None:
    flow = Flow()
    flow.create(MRK, MultiRegion=True, Description="primary")
    request = {"KeyId": MRK, "ReplicaRegion": AWAY, "Tags": [{"TagKey": "t", "TagValue": "v"}]}
    meta = metadata(MRK, AWAY, KeyState="Enabled", Description="primary")
    flow.send(exchange("ReplicateKey", request, {"ReplicaKeyMetadata": meta}))
    # moto copies the primary's description and drops the request's tags.
    found = flow.send(exchange("DescribeKey", {"KeyId": MRK}, {"KeyMetadata": meta}, region=AWAY))
    assert (
        "kms.describe-key.description|invariant|/KeyMetadata/Description: Description after ReplicateKey"
        in (found)
    )
    tags = flow.send(
        exchange("ListResourceTags", {"KeyId": MRK}, {"Tags": [], "Truncated": False}, region=AWAY)
    )
    assert tags == ["kms.list-resource-tags.tags|invariant|/Tags: Tags after ReplicateKey"]
    shared = describe_body(MRK, AWAY, KeyUsage="SIGN_VERIFY")
    assert "kms.multi-region.shared-properties|invariant|/KeyMetadata/KeyUsage: KeyUsage shared" in flow.send(
        exchange("DescribeKey", {"KeyId": MRK}, shared, region=AWAY)
    )
    # Disabling the primary leaves the replica alone (rule 50).
    flow.send(exchange("DisableKey", {"KeyId": MRK}))
    assert outcome(flow.expect("ReplicateKey", {"KeyId": MRK, "ReplicaRegion": "eu-west-1"}))[1] == (
        "DisabledException",
    )
    assert outcome(flow.expect("EnableKey", {"KeyId": MRK}, AWAY))[0] == "success"


@pytest.mark.parametrize(
    ("setup", "request_", "region", "expected"),
    [
        (
            "single",
            {"KeyId": SRK, "ReplicaRegion": AWAY},
            HOME,
            ("error", ("UnsupportedOperationException",)),
        ),
        (
            "replica",
            {"KeyId": MRK, "ReplicaRegion": HOME},
            AWAY,
            ("error", ("UnsupportedOperationException",)),
        ),
        ("primary", {"KeyId": MRK, "ReplicaRegion": HOME}, HOME, ("any-4xx", ())),
        ("replica", {"KeyId": MRK, "ReplicaRegion": AWAY}, HOME, ("error", ("AlreadyExistsException",))),
        ("disabled", {"KeyId": MRK, "ReplicaRegion": AWAY}, HOME, ("error", ("DisabledException",))),
        (
            "pending",
            {"KeyId": MRK, "ReplicaRegion": AWAY},
            HOME,
            ("error", ("DisabledException", "KMSInvalidStateException")),
        ),
        ("external", {"KeyId": MRK, "ReplicaRegion": AWAY}, HOME, ("error", ("KMSInvalidStateException",))),
        ("primary", {"KeyId": MRK, "ReplicaRegion": AWAY}, HOME, ("success", ())),
    ],
)
def test_replicate_key_state_rules(
    setup: str, request_: dict[str, Any], region: str, expected: tuple[str, tuple[str, ...]]
) -> None:
    flow = Flow()
    if setup == "single":
        flow.create()
    elif setup == "replica":
        flow.primary_with_replica()
    else:
        flow.create(MRK, MultiRegion=True, Origin="EXTERNAL" if setup == "external" else "AWS_KMS")
        if setup == "disabled":
            flow.send(exchange("DisableKey", {"KeyId": MRK}))
        if setup == "pending":
            flow.send(
                exchange("ScheduleKeyDeletion", {"KeyId": MRK}, {"KeyId": arn(MRK), "DeletionDate": 1.0})
            )
    prediction = flow.expect("ReplicateKey", request_, region)
    assert outcome(prediction)[:2] == expected
    assert not prediction.ambiguous


def test_scheduling_a_primary_with_replicas_waits_for_them() -> None:
    flow = Flow()
    flow.primary_with_replica()
    answer = {"KeyId": arn(MRK), "KeyState": "PendingReplicaDeletion", "PendingWindowInDays": 9}
    assert flow.send(exchange("ScheduleKeyDeletion", {"KeyId": MRK, "PendingWindowInDays": 9}, answer)) == []
    body = describe_body(MRK, KeyState="PendingDeletion", Enabled=False, DeletionDate=3.0)
    found = flow.send(exchange("DescribeKey", {"KeyId": MRK}, body))
    assert (
        "kms.describe-key.key-state|invariant|/KeyMetadata/KeyState: KeyState after ScheduleKeyDeletion"
        in found
    )
    assert (
        "kms.schedule-deletion.pending-replica-deletion|invariant|"
        "/KeyMetadata/DeletionDate: no DeletionDate while replicas remain"
    ) in found


def test_update_primary_region_swaps_roles() -> None:
    flow = Flow()
    flow.primary_with_replica()
    request = {"KeyId": MRK, "PrimaryRegion": AWAY}
    assert flow.expect("UpdatePrimaryRegion", request) is None  # the replica is still Creating
    flow.send(exchange("DescribeKey", {"KeyId": MRK}, describe_body(MRK, AWAY), region=AWAY))
    assert outcome(flow.expect("UpdatePrimaryRegion", request))[0] == "success"
    assert (
        outcome(flow.expect("UpdatePrimaryRegion", {"KeyId": MRK, "PrimaryRegion": "eu-west-1"}))[0]
        == "any-4xx"
    )
    assert outcome(flow.expect("UpdatePrimaryRegion", {"KeyId": MRK, "PrimaryRegion": HOME}, AWAY)) == (
        "any-4xx",
        (),
        ("kms.update-primary-region.not-primary",),
    )
    flow.send(exchange("DisableKey", {"KeyId": MRK}, region=AWAY))
    assert outcome(flow.expect("UpdatePrimaryRegion", request))[2] == (
        "kms.update-primary-region.replica-not-enabled",
    )
    flow.send(exchange("EnableKey", {"KeyId": MRK}, region=AWAY))
    assert flow.send(exchange("UpdatePrimaryRegion", request)) == []
    # Both Updating, then Enabled; the old replica is the primary now.
    assert outcome(flow.expect("ReplicateKey", {"KeyId": MRK, "ReplicaRegion": "eu-west-1"}))[1] == (
        "UnsupportedOperationException",
    )
    assert flow.expect("ReplicateKey", {"KeyId": MRK, "ReplicaRegion": "eu-west-1"}, AWAY) is None
    # Until the update completes, "DescribeKey might display both the old and new primary keys
    # as replicas" (botocore UpdatePrimaryRegion): while either may be Updating, roles are not judged.
    replica_of_home = configured(MRK, AWAY, "REPLICA", HOME, KeyState="Updating", Enabled=False)
    assert flow.send(exchange("DescribeKey", {"KeyId": MRK}, replica_of_home, region=AWAY)) == []
    # Once both keys show the update done, the roles are judged again.
    flow.send(exchange("DescribeKey", {"KeyId": MRK}, configured(MRK, AWAY, "PRIMARY", AWAY), region=AWAY))
    flow.send(exchange("DescribeKey", {"KeyId": MRK}, configured(MRK, HOME, "REPLICA", AWAY)))
    assert flow.send(exchange("DescribeKey", {"KeyId": MRK}, replica_of_home, region=AWAY)) != []


def configured(key_id: str, region: str, kind: str, primary: str, **members: Any) -> dict[str, Any]:
    """A DescribeKey answer of a multi-Region key of ``kind`` whose primary is in ``primary``."""
    body = describe_body(key_id, region, **members)
    others = [r for r in (HOME, AWAY) if r != primary]
    body["KeyMetadata"]["MultiRegionConfiguration"] = {
        "MultiRegionKeyType": kind,
        "PrimaryKey": {"Arn": arn(key_id, primary), "Region": primary},
        "ReplicaKeys": [{"Arn": arn(key_id, r), "Region": r} for r in others],
    }
    return body


def test_key_policy() -> None:
    flow = Flow()
    flow.create()
    default = json.dumps(states.default_key_policy(ACCOUNT), indent=2)
    assert (
        flow.send(exchange("GetKeyPolicy", {"KeyId": SRK}, {"Policy": default, "PolicyName": "default"}))
        == []
    )
    # PolicyName is optional in the answer and never recorded: absent is fine, wrong is not.
    named = {"KeyId": SRK, "PolicyName": "default"}
    assert flow.send(exchange("GetKeyPolicy", named, {"Policy": default})) == []
    assert flow.send(
        exchange("GetKeyPolicy", {"KeyId": SRK}, {"Policy": default, "PolicyName": "AWS_RAM"})
    ) == ["kms.get-key-policy.valid|invariant|/PolicyName: PolicyName"]
    assert outcome(flow.expect("GetKeyPolicy", {"KeyId": SRK, "PolicyName": "AWS_RAM"}))[1] == (
        "NotFoundException",
    )
    # A malformed name breaks its constraint and names no policy: nothing orders the two checks.
    for name, constraint in (("", "kms.validation.length"), ("!", "kms.validation.pattern")):
        expected, codes, rules = outcome(flow.expect("GetKeyPolicy", {"KeyId": SRK, "PolicyName": name}))
        assert (expected, codes) == ("error", ("NotFoundException", "ValidationException"))
        assert {constraint, "kms.get-key-policy.no-ram-policy"} <= set(rules)
        refused = error("GetKeyPolicy", {"KeyId": SRK, "PolicyName": name}, "NotFoundException")
        assert flow.send(refused) == []
    assert flow.send(error("GetKeyPolicy", {"KeyId": SRK}, "NotFoundException")) == [
        "kms.get-key-policy.valid|unexpected-error|success -> NotFoundException"
    ]


def test_tags_follow_tag_and_untag() -> None:
    flow = Flow()
    flow.create(Tags=[{"TagKey": "a", "TagValue": "1"}])
    flow.send(exchange("TagResource", {"KeyId": SRK, "Tags": [{"TagKey": "a", "TagValue": "2"}]}))
    flow.send(exchange("TagResource", {"KeyId": SRK, "Tags": [{"TagKey": "b", "TagValue": ""}]}))
    flow.send(exchange("UntagResource", {"KeyId": SRK, "TagKeys": ["b", "missing"]}))
    listed = {"Tags": [{"TagKey": "a", "TagValue": "2"}], "Truncated": False}
    assert flow.send(exchange("ListResourceTags", {"KeyId": SRK}, listed)) == []
    lost = {"Tags": [], "Truncated": False}
    assert flow.send(exchange("ListResourceTags", {"KeyId": SRK}, lost)) == [
        "kms.list-resource-tags.tags|invariant|/Tags: Tags after UntagResource"
    ]


def test_mid_history_the_model_learns_keys_from_answers() -> None:
    flow = Flow(complete=False)
    assert flow.expect("DescribeKey", {"KeyId": SRK}) is None
    assert flow.expect("DisableKey", {"KeyId": SRK}) is None
    assert outcome(flow.expect("DescribeKey", {"KeyId": "not-a-key"}))[1] == ("NotFoundException",)
    assert (
        flow.send(
            exchange("DescribeKey", {"KeyId": SRK}, describe_body(SRK, KeyState="Disabled", Enabled=False))
        )
        == []
    )
    assert outcome(flow.expect("EnableKey", {"KeyId": SRK}))[0] == "success"
    assert flow.expect("TagResource", {"KeyId": SRK, "Tags": []}) is None  # tags not known yet
    flow.send(exchange("ListResourceTags", {"KeyId": SRK}, {"Tags": [], "Truncated": False}))
    assert outcome(flow.expect("TagResource", {"KeyId": SRK, "Tags": []}))[0] == "success"
    # A multi-Region key learned mid-history: its family is not known, so no replication rules.
    body = describe_body(
        MRK,
        MultiRegionConfiguration={
            "MultiRegionKeyType": "PRIMARY",
            "PrimaryKey": {"Arn": arn(MRK), "Region": HOME},
        },
    )
    flow.send(exchange("DescribeKey", {"KeyId": MRK}, body))
    assert flow.expect("ReplicateKey", {"KeyId": MRK, "ReplicaRegion": AWAY}) is None


def test_arns_of_another_region_are_not_found_and_unknown_aliases_neither() -> None:
    flow = Flow()
    flow.primary_with_replica()
    assert outcome(flow.expect("DescribeKey", {"KeyId": arn(MRK, AWAY)}))[1] == ("NotFoundException",)
    assert outcome(flow.expect("DescribeKey", {"KeyId": arn(MRK, AWAY)}, AWAY))[0] == "success"
    # Aliases are modelled (harness.services.kms.key_use_model): one never made names no key.
    unknown = flow.expect("DescribeKey", {"KeyId": "alias/my-key"})
    assert outcome(unknown)[:2] == ("error", ("NotFoundException",))
    assert Flow(complete=False).expect("DescribeKey", {"KeyId": "alias/my-key"}) is None


def test_table_agrees_for_transient_states_only_when_both_states_agree() -> None:
    creating = states.KeyState(states.CREATING, states.ENABLED)
    assert states.state_violations("TagResource", creating) == []
    assert states.state_violations("EnableKey", creating) is None
    assert [v.rule for v in states.state_violations("CancelKeyDeletion", creating) or []] == [
        "kms.cancel-deletion.not-pending"
    ]
    assert states.schedule_window_violations({"PendingWindowInDays": 7}) == []
    assert (
        states.schedule_window_violations({"PendingWindowInDays": 365})[0].rule
        == "kms.schedule-deletion.window"
    )
    assert states.schedule_window_violations({"PendingWindowInDays": 0}) == []


def test_a_server_error_leaves_its_effect_unknown() -> None:
    flow = Flow()
    flow.create()
    # moto: replicating a single-Region key crashes (HTTP 500) after it stored the copy.
    crash = exchange("ReplicateKey", {"KeyId": SRK, "ReplicaRegion": AWAY}, status=500)
    assert flow.send(crash) == [
        "kms.replicate-key.not-primary|server-error|"
        "UnsupportedOperationException -> HTTP 500 without an error code"
    ]
    assert flow.expect("EnableKey", {"KeyId": SRK}, AWAY) is None  # the copy may exist
    flow.send(error("DescribeKey", {"KeyId": SRK}, "NotFoundException", region=AWAY))
    assert outcome(flow.expect("EnableKey", {"KeyId": SRK}, AWAY))[1] == ("NotFoundException",)
    flow.send(exchange("DisableKey", {"KeyId": SRK}, status=500))
    assert flow.expect("EnableKey", {"KeyId": SRK}) is None


def test_the_key_table_gives_a_family_as_a_scan_of_the_table_would() -> None:
    from harness.services.kms.keys import KmsKey
    from harness.services.kms.model import KeyTable

    def key(region: str, key_id: str) -> KmsKey:
        return KmsKey(key_id, f"arn:aws:kms:{region}:111122223333:key/{key_id}", region)

    table, plain = KeyTable(), {}
    steps = [("a", "k1"), ("b", "k1"), ("a", "k2"), ("c", "k1"), ("del", "a", "k1"), ("a", "k1"), ("b", "k1")]
    for step in steps:
        if step[0] == "del":
            del table[(step[1], step[2])]
            del plain[(step[1], step[2])]
        else:
            table[step] = plain[step] = key(*step)  # type: ignore[index]
        for key_id in ("k1", "k2", "k3"):
            scanned = {r: k for (r, kid), k in plain.items() if kid == key_id}
            assert list(table.family(key_id).items()) == list(scanned.items())
    del table[("c", "k1")]
    assert table.family("k1").keys() == {"b", "a"}
    with pytest.raises(TypeError):
        table.pop(("a", "k1"))  # the index would not follow
