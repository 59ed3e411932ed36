"""Payment Cryptography scenarios."""

from __future__ import annotations

from hypothesis import strategies as st

from harness.exchange import Call
from harness.oracle import pc as oracle
from harness.scenarios.base import SCENARIOS, Attempt, Driver, Scenario, SetupFailed
from harness.strategies import pc as strategies

SERVICE = "payment-cryptography"


def create_key(d: Driver, data: st.DataObject) -> Attempt:
    op = d.spec.operation(SERVICE, "CreateKey")
    params = data.draw(strategies.create_key_params(op), label="CreateKey")
    return Attempt(Call(SERVICE, "CreateKey", params))


def get_missing_key(d: Driver, data: st.DataObject) -> Attempt:
    """GetKey of a key ARN in the documented format that names no key."""
    key_part = data.draw(
        st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=16, max_size=16), label="key id"
    )
    account = d.account_id or "111122223333"
    arn = f"arn:aws:payment-cryptography:{d.region}:{account}:key/{key_part}"
    return Attempt(Call(SERVICE, "GetKey", {"KeyIdentifier": arn}))


def tag_resource(d: Driver, data: st.DataObject) -> Attempt:
    """TagResource with valid tags on a fresh key."""
    create = data.draw(
        strategies.create_key_params(d.spec.operation(SERVICE, "CreateKey")), label="CreateKey"
    )
    answer = d.require(Call(SERVICE, "CreateKey", create))
    key = answer.get("Key")
    arn = key.get("KeyArn") if isinstance(key, dict) else None
    if not isinstance(arn, str):
        raise SetupFailed("set-up CreateKey answered without Key.KeyArn")
    op = d.spec.operation(SERVICE, "TagResource")
    tags = data.draw(strategies.valid_tag_lists(op, min_size=1), label="Tags")
    params = {"ResourceArn": arn, "Tags": tags}
    return Attempt(Call(SERVICE, "TagResource", params))


def _register() -> None:
    SCENARIOS.add(oracle.VALID_CREATE_KEY.id, "CreateKey", create_key)
    SCENARIOS.add(oracle.KEY_NOT_FOUND.id, "GetKey", get_missing_key)
    SCENARIOS.add(oracle.VALID_TAG_RESOURCE.id, "TagResource", tag_resource)


ANSWER_MIX: tuple[Scenario, ...] = (create_key, get_missing_key, tag_resource)

_register()
