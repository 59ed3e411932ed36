"""Scenarios for the kms_states rules (harness.services.kms.state_rules).

Each scenario brings a fresh key into the state its rule is about with set-up calls (judged
like every call), then makes the one call the rule decides. The reference model predicts the
answer from what the set-up answers said, so a scenario never needs to know what is due.

Set-up keys are drawn from :data:`SETUP_SHAPES` and deletion windows from a few values: the
state rules do not depend on the key spec or the window, and a small space lets a rule test
exhaust its draws within a few examples (the stateful machine, harness.engine.state_machines, draws every
spec and window). The shapes are ECC key pairs because some emulators (moto) generate an
RSA-2048 key pair for every symmetric or HMAC key, which costs fifty times more per set-up;
keys with Origin EXTERNAL are symmetric, the only spec every source allows for them (D4).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from hypothesis import strategies as st

from harness.exchange import Call, Exchange
from harness.scenarios.base import (
    FIRST_POLL_DELAY,
    POLL_CALLS,
    SCENARIOS,
    Attempt,
    Driver,
    Scenario,
    SetupFailed,
)
from harness.services.kms import rules as oracle
from harness.services.kms import state_rules as states
from harness.services.kms import strategies as strategies
from harness.strategies.values import member, values

SERVICE = "kms"

#: Key shapes for set-up keys; every one can be multi-Region (rulebook rule 28).
SETUP_SHAPES: tuple[Mapping[str, str], ...] = (
    {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"},
    {"KeySpec": "ECC_SECG_P256K1", "KeyUsage": "SIGN_VERIFY"},
)
#: PendingWindowInDays values of set-up deletions: the default and both documented ends.
WINDOWS = (None, 7, 30)

#: Polling a key out of Creating or Updating: the docs say "after a few seconds" (rule 48), so
#: the wait doubles from FIRST_POLL_DELAY for at most POLL_CALLS DescribeKey calls (harness.scenarios.base).

Sleep = Callable[[float], None]
Send = Callable[[Call], Exchange]


def settle(send: Send, region: str, key_id: str, *, sleep: Sleep = time.sleep) -> Exchange | None:
    """DescribeKey until the key leaves Creating/Updating; the last answer, ``None`` if it never did.

    Bounded in calls, never a fixed sleep: a target that settles at once costs one call.
    """
    delay = FIRST_POLL_DELAY
    for attempt in range(POLL_CALLS):
        answer = send(Call(SERVICE, "DescribeKey", {"KeyId": key_id}, region))
        meta = answer.body.get("KeyMetadata") if answer.ok and isinstance(answer.body, dict) else None
        if not isinstance(meta, dict) or meta.get("KeyState") not in states.TRANSIENT:
            return answer
        if attempt < POLL_CALLS - 1:
            sleep(delay)
            delay *= 2
    return None


class KeyRefs:
    """A set-up key: its id and, per Region, the ARN the target gave it."""

    def __init__(self, key_id: str, arn: str, region: str):
        self.key_id = key_id
        self.arns = {region: arn}

    def name(self, region: str, by_arn: bool) -> str:
        return self.arns.get(region, self.key_id) if by_arn else self.key_id


def _metadata(answer: Mapping[str, Any], member: str = "KeyMetadata") -> tuple[str, str]:
    meta = answer.get(member)
    if not isinstance(meta, Mapping) or not isinstance(meta.get("KeyId"), str):
        raise SetupFailed(f"set-up answer without {member}.KeyId")
    arn = meta.get("Arn")
    return meta["KeyId"], arn if isinstance(arn, str) else ""


def new_key(
    d: Driver,
    data: st.DataObject,
    *,
    multi_region: bool = False,
    external: bool = False,
    extra: Mapping[str, Any] | None = None,
) -> KeyRefs:
    """Set-up: a fresh key in the primary Region, of a drawn shape."""
    params: dict[str, Any] = {} if external else dict(data.draw(st.sampled_from(SETUP_SHAPES), label="shape"))
    if external:
        params["Origin"] = "EXTERNAL"  # symmetric only, by every source (D4)
    if multi_region:
        params["MultiRegion"] = True
    params.update(extra or {})
    key_id, arn = _metadata(d.require(Call(SERVICE, "CreateKey", params)))
    return KeyRefs(key_id, arn, d.region)


def replicate(
    d: Driver, key: KeyRefs, params: Mapping[str, Any] | None = None, *, wait: bool = False
) -> None:
    """Set-up: replicate ``key`` to the replica Region; with ``wait``, until it left Creating."""
    request = {"KeyId": key.key_id, "ReplicaRegion": d.replica_region, **(params or {})}
    _, arn = _metadata(d.require(Call(SERVICE, "ReplicateKey", request)), "ReplicaKeyMetadata")
    key.arns[d.replica_region] = arn
    if wait and settle(d.setup, d.replica_region, key.key_id) is None:
        raise SetupFailed("the replica stayed Creating for the whole polling budget")


def _call(d: Driver, operation: str, params: Mapping[str, Any], region: str | None = None) -> None:
    """A set-up call that must succeed (several of them answer with an empty body)."""
    answer = d.setup(Call(SERVICE, operation, dict(params), region))
    if not answer.ok:
        raise SetupFailed.of(answer)


def schedule(d: Driver, data: st.DataObject, key: KeyRefs, region: str | None = None) -> None:
    _call(d, "ScheduleKeyDeletion", {"KeyId": key.key_id, **_window(data)}, region)


#: Operations whose call under test names the key by id or by ARN (drawn); the others always
#: use the key id, so a target that mishandles ARNs (moto answers HTTP 500 to EnableKey,
#: DisableKey, ScheduleKeyDeletion, CancelKeyDeletion and ReplicateKey by ARN) does not turn
#: into a finding of every state rule: naming is rule 14's business, not the state table's.
NAMED_BY_ARN = frozenset({"DescribeKey", "GetKeyPolicy", "ListResourceTags"})


def _by_arn(data: st.DataObject, operation: str) -> bool:
    return operation in NAMED_BY_ARN and data.draw(st.booleans(), label="by ARN")


def _attempt(
    d: Driver,
    data: st.DataObject,
    key: KeyRefs,
    operation: str,
    region: str | None = None,
    extra: Mapping[str, Any] | None = None,
    **params: object,
) -> Attempt:
    """The call under test on ``key`` (in ``region``, default the primary's), by id or by ARN."""
    where = region or d.region
    request = {"KeyId": key.name(where, _by_arn(data, operation)), **(extra or {}), **params}
    return Attempt(Call(SERVICE, operation, request, region))


def _window(data: st.DataObject) -> dict[str, int]:
    window = data.draw(st.sampled_from(WINDOWS), label="PendingWindowInDays")
    return {} if window is None else {"PendingWindowInDays": window}


def _tag_params(d: Driver, data: st.DataObject, operation: str) -> dict[str, Any]:
    if operation == "TagResource":
        op = d.spec.operation(SERVICE, "TagResource")
        return {"Tags": data.draw(strategies.valid_tag_lists(op, min_size=1, max_size=3), label="Tags")}
    if operation == "UntagResource":
        return {
            "TagKeys": data.draw(
                st.lists(st.sampled_from(["env", "team", "missing"]), min_size=1, max_size=2, unique=True),
                label="TagKeys",
            )
        }
    return {}


# --- rule 38: the state table --------------------------------------------------------------


def pending_deletion(operation: str) -> Scenario:
    """``operation`` on a key PendingDeletion, or a primary PendingReplicaDeletion."""

    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        with_replica = data.draw(st.booleans(), label="primary with a replica")
        key = new_key(d, data, multi_region=with_replica)
        if with_replica:
            replicate(d, key)
        schedule(d, data, key)
        return _attempt(d, data, key, operation, extra=_tag_params(d, data, operation))

    return scenario


def pending_import(operation: str) -> Scenario:
    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        key = new_key(d, data, external=True, multi_region=data.draw(st.booleans(), label="multi-Region"))
        return _attempt(d, data, key, operation)

    return scenario


def _in_state(d: Driver, data: st.DataObject, allowed: tuple[str, ...]) -> KeyRefs:
    """Set-up: a key in one of ``allowed`` states, reached the documented way."""
    state = data.draw(st.sampled_from(allowed), label="state")
    key = new_key(d, data, external=state == states.PENDING_IMPORT)
    if state == states.DISABLED:
        if data.draw(st.booleans(), label="through a cancelled deletion"):
            schedule(d, data, key)
            _call(d, "CancelKeyDeletion", {"KeyId": key.key_id})
        else:
            _call(d, "DisableKey", {"KeyId": key.key_id})
    return key


def state_change(operation: str, allowed: tuple[str, ...]) -> Scenario:
    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        key = _in_state(d, data, allowed)
        params: dict[str, Any] = {}
        if operation == "UpdateKeyDescription":
            op = d.spec.operation(SERVICE, "CreateKey")
            params["Description"] = data.draw(
                values(member(op.request_schema, "/Description"), max_size=40), label="Description"
            )
        return _attempt(d, data, key, operation, extra=params)

    return scenario


# --- rules 40-41: deletion -----------------------------------------------------------------


def schedule_valid(d: Driver, data: st.DataObject) -> Attempt:
    key = _in_state(d, data, (states.ENABLED, states.DISABLED, states.PENDING_IMPORT))
    return _attempt(d, data, key, "ScheduleKeyDeletion", extra=_window(data))


def schedule_window(d: Driver, data: st.DataObject) -> Attempt:
    key = new_key(d, data)
    window = data.draw(st.one_of(st.integers(1, 6), st.integers(31, 365)), label="PendingWindowInDays")
    return _attempt(d, data, key, "ScheduleKeyDeletion", PendingWindowInDays=window)


def schedule_with_replicas(d: Driver, data: st.DataObject) -> Attempt:
    key = new_key(d, data, multi_region=True)
    replicate(d, key)
    return _attempt(d, data, key, "ScheduleKeyDeletion", extra=_window(data))


def describe_with_replicas_pending(d: Driver, data: st.DataObject) -> Attempt:
    key = new_key(d, data, multi_region=True)
    replicate(d, key)
    schedule(d, data, key)
    return _attempt(d, data, key, "DescribeKey")


def cancel_valid(d: Driver, data: st.DataObject) -> Attempt:
    with_replica = data.draw(st.booleans(), label="primary with a replica")
    key = new_key(d, data, multi_region=with_replica)
    if with_replica:
        replicate(d, key)
    schedule(d, data, key)
    return _attempt(d, data, key, "CancelKeyDeletion")


# --- tags, description, policy --------------------------------------------------------------

TAG_KEYS = ("env", "team", "cost")


@st.composite
def small_tags(draw: st.DrawFn, min_size: int = 0) -> list[dict[str, str]]:
    """Tags from a few keys, so later TagResource and UntagResource calls hit existing ones."""
    keys = draw(st.lists(st.sampled_from(TAG_KEYS), min_size=min_size, max_size=3, unique=True))
    return [strategies.tags(k, draw(st.sampled_from(["", "a", "b"]))) for k in keys]


def untag_valid(d: Driver, data: st.DataObject) -> Attempt:
    key = new_key(d, data, extra={"Tags": data.draw(small_tags(), label="Tags")})
    names = data.draw(
        st.lists(st.sampled_from([*TAG_KEYS, "missing"]), min_size=1, max_size=3, unique=True),
        label="TagKeys",
    )
    return _attempt(d, data, key, "UntagResource", TagKeys=names)


def list_tags(d: Driver, data: st.DataObject) -> Attempt:
    """ListResourceTags after CreateKey, TagResource, UntagResource or ReplicateKey with tags."""
    path = data.draw(st.sampled_from(["create", "tag", "untag", "replica"]), label="path")
    key = new_key(
        d, data, multi_region=path == "replica", extra={"Tags": data.draw(small_tags(), label="Tags")}
    )
    region = d.region
    if path == "tag":
        _call(d, "TagResource", {"KeyId": key.key_id, "Tags": data.draw(small_tags(), label="more Tags")})
    elif path == "untag":
        names = data.draw(st.lists(st.sampled_from(TAG_KEYS), min_size=1, unique=True), label="TagKeys")
        _call(d, "UntagResource", {"KeyId": key.key_id, "TagKeys": names})
    elif path == "replica":
        replicate(d, key, {"Tags": data.draw(small_tags(), label="replica Tags")})
        region = d.replica_region
    return _attempt(d, data, key, "ListResourceTags", region if region != d.region else None)


def list_tags_over_limit(d: Driver, data: st.DataObject) -> Attempt:
    """ListResourceTags with a Limit the model allows (..1000) and the doc does not (1..50)."""
    key = new_key(d, data, extra={"Tags": data.draw(small_tags(), label="Tags")})
    limit = data.draw(st.integers(min_value=51, max_value=1000), label="Limit")
    attempt = _attempt(d, data, key, "ListResourceTags", Limit=limit)
    control = Call(SERVICE, "ListResourceTags", {"KeyId": attempt.call.params["KeyId"]})
    return Attempt(attempt.call, control=control)


def get_policy(names: tuple[str | None, ...]) -> Scenario:
    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        replica = data.draw(st.booleans(), label="of a replica")
        given = data.draw(st.booleans(), label="with a Policy")
        # Draws never depend on answers: the account id is the one frozen for the rule test.
        policy = {"Policy": strategies.default_policy(d.account_id)} if given else {}
        key = new_key(d, data, multi_region=replica, extra=None if replica else policy)
        region = None
        if replica:
            replicate(d, key, policy)
            region = d.replica_region
        name = data.draw(st.sampled_from(names), label="PolicyName")
        params = {} if name is None else {"PolicyName": name}
        return _attempt(d, data, key, "GetKeyPolicy", region, params)

    return scenario


# --- DescribeKey after a sequence ------------------------------------------------------------

_PATHS: dict[str, tuple[str, ...]] = {
    "created": (),
    "disabled": ("DisableKey",),
    "re-enabled": ("DisableKey", "EnableKey"),
    "pending deletion": ("ScheduleKeyDeletion",),
    "cancelled": ("ScheduleKeyDeletion", "CancelKeyDeletion"),
}


def describe_state(d: Driver, data: st.DataObject) -> Attempt:
    path = data.draw(st.sampled_from([*_PATHS, "external"]), label="path")
    key = new_key(d, data, external=path == "external")
    for operation in _PATHS.get(path, ()):
        if operation == "ScheduleKeyDeletion":
            schedule(d, data, key)
        else:
            _call(d, operation, {"KeyId": key.key_id})
    return _attempt(d, data, key, "DescribeKey")


def describe_description(d: Driver, data: st.DataObject) -> Attempt:
    op = d.spec.operation(SERVICE, "CreateKey")
    text = values(member(op.request_schema, "/Description"), max_size=40)
    path = data.draw(st.sampled_from(["created", "updated", "replica", "updated replica"]), label="path")
    key = new_key(
        d, data, multi_region="replica" in path, extra={"Description": data.draw(text, label="Description")}
    )
    region = None
    if "replica" in path:
        given = data.draw(st.one_of(st.none(), text), label="replica Description")
        replicate(d, key, {} if given is None else {"Description": given})
        region = d.replica_region
    if "updated" in path:
        _call(
            d,
            "UpdateKeyDescription",
            {"KeyId": key.key_id, "Description": data.draw(text, label="new")},
            region,
        )
    return _attempt(d, data, key, "DescribeKey", region)


def describe_family(d: Driver, data: st.DataObject) -> Attempt:
    """DescribeKey of a multi-Region primary or of its replica, after ReplicateKey and, drawn,
    a DescribeKey of the other one (reading one key must not change the other's record)."""
    key = new_key(d, data, multi_region=True)
    replicate(d, key)
    of_replica = data.draw(st.booleans(), label="of the replica")
    if data.draw(st.booleans(), label="after reading the other"):
        other = None if of_replica else d.replica_region
        d.setup(Call(SERVICE, "DescribeKey", {"KeyId": key.key_id}, other))
    return _attempt(d, data, key, "DescribeKey", d.replica_region if of_replica else None)


def describe_replica(d: Driver, data: st.DataObject) -> Attempt:
    key = new_key(d, data, multi_region=True)
    replicate(d, key)
    return _attempt(d, data, key, "DescribeKey", d.replica_region)


# --- rules 43-47: ReplicateKey -----------------------------------------------------------------


def _replicate_attempt(
    d: Driver, data: st.DataObject, key: KeyRefs, to: str, region: str | None = None
) -> Attempt:
    return _attempt(d, data, key, "ReplicateKey", region, ReplicaRegion=to)


def replicate_not_primary(d: Driver, data: st.DataObject) -> Attempt:
    if data.draw(st.booleans(), label="a replica (else a single-Region key)"):
        key = new_key(d, data, multi_region=True)
        replicate(d, key)
        # Recorded case: the replica, replicated into its own primary's Region.
        return _replicate_attempt(d, data, key, d.region, d.replica_region)
    return _replicate_attempt(d, data, new_key(d, data), d.replica_region)


def replicate_same_region(d: Driver, data: st.DataObject) -> Attempt:
    return _replicate_attempt(d, data, new_key(d, data, multi_region=True), d.region)


def replicate_exists(d: Driver, data: st.DataObject) -> Attempt:
    key = new_key(d, data, multi_region=True)
    replicate(d, key)
    if data.draw(st.booleans(), label="the replica pending deletion"):
        schedule(d, data, key, d.replica_region)
    return _replicate_attempt(d, data, key, d.replica_region)


def replicate_in_state(state: str) -> Scenario:
    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        key = new_key(d, data, multi_region=True, external=state == states.PENDING_IMPORT)
        if state == states.DISABLED:
            _call(d, "DisableKey", {"KeyId": key.key_id})
        elif state == states.PENDING_DELETION:
            schedule(d, data, key)
        return _replicate_attempt(d, data, key, d.replica_region)

    return scenario


# --- rule 53: UpdatePrimaryRegion ----------------------------------------------------------------


def update_primary(case: str) -> Scenario:
    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        key = new_key(d, data, multi_region=True)
        if case != "no-replica":
            replicate(d, key, wait=True)
        if case == "replica-disabled":
            _call(d, "DisableKey", {"KeyId": key.key_id}, d.replica_region)
        elif case == "disabled":
            _call(d, "DisableKey", {"KeyId": key.key_id})
        elif case == "pending":
            schedule(d, data, key)
        if case == "not-primary":
            return _attempt(d, data, key, "UpdatePrimaryRegion", d.replica_region, PrimaryRegion=d.region)
        return _attempt(d, data, key, "UpdatePrimaryRegion", PrimaryRegion=d.replica_region)

    return scenario


def register() -> None:
    """Register this module's rule tests (the service folder calls it, in suite order)."""
    add = SCENARIOS.add
    for operation in states.PENDING_DELETION_STATE.operations:
        add(states.PENDING_DELETION_STATE.id, operation, pending_deletion(operation))
    for operation in states.PENDING_IMPORT_STATE.operations:
        add(states.PENDING_IMPORT_STATE.id, operation, pending_import(operation))
    add(
        states.CANCEL_NOT_PENDING.id,
        "CancelKeyDeletion",
        state_change("CancelKeyDeletion", (states.ENABLED, states.DISABLED, states.PENDING_IMPORT)),
    )
    add(states.ENABLE_VALID.id, "EnableKey", state_change("EnableKey", (states.ENABLED, states.DISABLED)))
    add(states.DISABLE_VALID.id, "DisableKey", state_change("DisableKey", (states.ENABLED, states.DISABLED)))
    add(
        states.UPDATE_DESCRIPTION_VALID.id,
        "UpdateKeyDescription",
        state_change("UpdateKeyDescription", (states.ENABLED, states.DISABLED)),
    )
    add(states.SCHEDULE_VALID.id, "ScheduleKeyDeletion", schedule_valid)
    add(states.SCHEDULE_WINDOW.id, "ScheduleKeyDeletion", schedule_window)
    add(states.SCHEDULE_REPLICA_DELETION.id, "ScheduleKeyDeletion", schedule_with_replicas)
    add(states.SCHEDULE_REPLICA_DELETION.id, "DescribeKey", describe_with_replicas_pending)
    add(states.CANCEL_VALID.id, "CancelKeyDeletion", cancel_valid)
    add(states.UNTAG_VALID.id, "UntagResource", untag_valid)
    add(states.LIST_TAGS.id, "ListResourceTags", list_tags)
    add(states.LIST_TAGS_LIMIT.id, "ListResourceTags", list_tags_over_limit)
    add(states.GET_POLICY_VALID.id, "GetKeyPolicy", get_policy((None, "default")))
    add(states.GET_POLICY_NO_RAM.id, "GetKeyPolicy", get_policy(("AWS_RAM",)))
    add(oracle.VALID_DESCRIBE_KEY.id, "DescribeKey", describe_state)
    add(states.DESCRIBE_STATE.id, "DescribeKey", describe_state)
    add(states.DESCRIBE_DESCRIPTION.id, "DescribeKey", describe_description)
    add(states.MR_CONFIGURATION.id, "DescribeKey", describe_family)
    add(states.MR_SHARED.id, "DescribeKey", describe_family)
    add(states.MR_ARN.id, "DescribeKey", describe_replica)
    add(states.REPLICATE_NOT_PRIMARY.id, "ReplicateKey", replicate_not_primary)
    add(states.REPLICATE_SAME_REGION.id, "ReplicateKey", replicate_same_region)
    add(states.REPLICATE_EXISTS.id, "ReplicateKey", replicate_exists)
    add(states.REPLICATE_DISABLED.id, "ReplicateKey", replicate_in_state(states.DISABLED))
    add(states.REPLICATE_PENDING_DELETION.id, "ReplicateKey", replicate_in_state(states.PENDING_DELETION))
    add(states.REPLICATE_PENDING_IMPORT.id, "ReplicateKey", replicate_in_state(states.PENDING_IMPORT))
    add(states.UPR_VALID.id, "UpdatePrimaryRegion", update_primary("valid"))
    add(states.UPR_NOT_PRIMARY.id, "UpdatePrimaryRegion", update_primary("not-primary"))
    add(states.UPR_NO_REPLICA.id, "UpdatePrimaryRegion", update_primary("no-replica"))
    add(states.UPR_REPLICA_NOT_ENABLED.id, "UpdatePrimaryRegion", update_primary("replica-disabled"))
    add(states.UPR_DISABLED.id, "UpdatePrimaryRegion", update_primary("disabled"))
    add(states.UPR_PENDING_DELETION.id, "UpdatePrimaryRegion", update_primary("pending"))
