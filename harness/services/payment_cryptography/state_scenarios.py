"""Scenarios for the pc_states rules (harness.services.payment_cryptography.state_rules).

Set-up keys come from a few documented attribute rows (:data:`SETUP_ROWS`): the state rules do
not depend on the attributes, and a small space lets a rule test exhaust its draws within a
few examples (the stateful machine, harness.engine.state_machines, draws every row). A key that CreateKey
answers CREATE_IN_PROGRESS is polled with GetKey until it is CREATE_COMPLETE.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from harness.exchange import Call
from harness.scenarios.base import (
    FIRST_POLL_DELAY,
    POLL_CALLS,
    SCENARIOS,
    Attempt,
    Driver,
    Scenario,
    SetupFailed,
)
from harness.services.payment_cryptography import rules as oracle
from harness.services.payment_cryptography import state_rules as states

SERVICE = "payment-cryptography"

TAG_KEYS = ("env", "team", "cost")
#: DeleteKeyInDays of set-up deletions: the default and both documented ends (rule 63).
DELETE_DAYS = (None, 3, 180)


@st.composite
def small_tags(draw: st.DrawFn, min_size: int = 0) -> list[dict[str, str]]:
    """Tags from a few keys, so later TagResource/UntagResource calls hit existing ones.

    Values are never empty: the model says 1..256, the docs allow empty (D7).
    """
    keys = draw(st.lists(st.sampled_from(TAG_KEYS), min_size=min_size, max_size=3, unique=True))
    return [{"Key": k, "Value": draw(st.sampled_from(["a", "b"]))} for k in keys]


#: KeyAttributes of set-up keys: two symmetric rows of the attribute page (rule 56).
SETUP_ROWS: tuple[Mapping[str, Any], ...] = tuple(
    {
        "KeyUsage": usage,
        "KeyClass": "SYMMETRIC_KEY",
        "KeyAlgorithm": algorithm,
        "KeyModesOfUse": oracle.modes_of_use(frozenset(modes)),
    }
    for usage, algorithm, modes in (
        ("TR31_K0_KEY_ENCRYPTION_KEY", "AES_128", ("Encrypt", "Decrypt", "Wrap", "Unwrap")),
        ("TR31_M3_ISO_9797_3_MAC_KEY", "TDES_2KEY", ("Generate", "Verify")),
    )
)


def new_key(d: Driver, data: st.DataObject, *, tags: bool = False, region: str | None = None) -> str:
    """Set-up: a fresh CREATE_COMPLETE key (in ``region``, default the primary); its ARN."""
    attributes = data.draw(st.sampled_from(SETUP_ROWS), label="KeyAttributes")
    params: dict[str, Any] = {"KeyAttributes": dict(attributes), "Exportable": True}
    if tags:
        params["Tags"] = data.draw(small_tags(), label="Tags")
    answer = d.require(Call(SERVICE, "CreateKey", params, region))
    key = answer.get("Key")
    arn = key.get("KeyArn") if isinstance(key, Mapping) else None
    if not isinstance(arn, str):
        raise SetupFailed("set-up CreateKey answered without Key.KeyArn")
    state = key.get("KeyState") if isinstance(key, Mapping) else None
    delay = FIRST_POLL_DELAY
    for _ in range(POLL_CALLS):
        if state != states.CREATE_IN_PROGRESS:
            return arn
        time.sleep(delay)
        delay *= 2
        shown = d.require(Call(SERVICE, "GetKey", {"KeyIdentifier": arn}, region)).get("Key")
        state = shown.get("KeyState") if isinstance(shown, Mapping) else None
    raise SetupFailed("the key stayed CREATE_IN_PROGRESS for the whole polling budget")


def delete(d: Driver, data: st.DataObject, arn: str, region: str | None = None) -> None:
    days = data.draw(st.sampled_from(DELETE_DAYS), label="DeleteKeyInDays")
    params: dict[str, Any] = {"KeyIdentifier": arn}
    if days is not None:
        params["DeleteKeyInDays"] = days
    d.require(Call(SERVICE, "DeleteKey", params, region))


def delete_valid(d: Driver, data: st.DataObject) -> Attempt:
    arn = new_key(d, data)
    days = data.draw(st.sampled_from(DELETE_DAYS), label="DeleteKeyInDays")
    params: dict[str, Any] = {"KeyIdentifier": arn, **({} if days is None else {"DeleteKeyInDays": days})}
    return Attempt(Call(SERVICE, "DeleteKey", params))


def restore_valid(d: Driver, data: st.DataObject) -> Attempt:
    arn = new_key(d, data)
    delete(d, data, arn)
    return Attempt(Call(SERVICE, "RestoreKey", {"KeyIdentifier": arn}))


def _tagging(operation: str, arn: str, data: st.DataObject) -> Attempt:
    if operation == "TagResource":
        params: dict[str, Any] = {"ResourceArn": arn, "Tags": data.draw(small_tags(min_size=1), label="Tags")}
    else:
        names = data.draw(
            st.lists(st.sampled_from([*TAG_KEYS, "missing"]), min_size=1, max_size=2, unique=True)
        )
        params = {"ResourceArn": arn, "TagKeys": names}
    return Attempt(Call(SERVICE, operation, params))


def tagging_pending(operation: str) -> Scenario:
    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        arn = new_key(d, data, tags=True)
        delete(d, data, arn)
        return _tagging(operation, arn, data)

    return scenario


def untag_valid(d: Driver, data: st.DataObject) -> Attempt:
    return _tagging("UntagResource", new_key(d, data, tags=True), data)


def list_tags(d: Driver, data: st.DataObject) -> Attempt:
    arn = new_key(d, data, tags=True)
    path = data.draw(st.sampled_from(["created", "tagged", "untagged"]), label="path")
    if path != "created":
        answer = d.setup(_tagging("TagResource" if path == "tagged" else "UntagResource", arn, data).call)
        if not answer.ok:
            raise SetupFailed.of(answer)
    return Attempt(Call(SERVICE, "ListTagsForResource", {"ResourceArn": arn}))


def get_key(d: Driver, data: st.DataObject) -> Attempt:
    arn = new_key(d, data)
    if data.draw(st.booleans(), label="deleted"):
        delete(d, data, arn)
    return Attempt(Call(SERVICE, "GetKey", {"KeyIdentifier": arn}))


def list_keys(d: Driver, data: st.DataObject) -> Attempt:
    # In the second Region: ListKeys lists a whole Region, and the first one holds every key
    # the other rule tests made.
    where = d.replica_region
    arn = new_key(d, data, region=where)
    if data.draw(st.booleans(), label="deleted"):
        delete(d, data, arn, where)
    only = data.draw(st.sampled_from([None, states.CREATE_COMPLETE, states.DELETE_PENDING]), label="KeyState")
    return Attempt(Call(SERVICE, "ListKeys", {} if only is None else {"KeyState": only}, where))


def register() -> None:
    """Register this module's rule tests (the service folder calls it, in suite order)."""
    SCENARIOS.add(states.DELETE_VALID.id, "DeleteKey", delete_valid)
    SCENARIOS.add(states.RESTORE_VALID.id, "RestoreKey", restore_valid)
    for operation in states.TAGS_PENDING_DELETION.operations:
        SCENARIOS.add(states.TAGS_PENDING_DELETION.id, operation, tagging_pending(operation))
    SCENARIOS.add(states.UNTAG_VALID.id, "UntagResource", untag_valid)
    SCENARIOS.add(states.LIST_TAGS.id, "ListTagsForResource", list_tags)
    SCENARIOS.add(oracle.VALID_GET_KEY.id, "GetKey", get_key)
    SCENARIOS.add(states.GET_KEY_STATE.id, "GetKey", get_key)
    SCENARIOS.add(states.GET_KEY_ATTRIBUTES.id, "GetKey", get_key)
    SCENARIOS.add(states.LIST_KEYS.id, "ListKeys", list_keys)
