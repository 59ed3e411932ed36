"""Payment Cryptography scenarios."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import strategies as st

from harness.exchange import Call
from harness.scenarios.base import SCENARIOS, Attempt, Driver, Scenario, SetupFailed
from harness.services.payment_cryptography import rules as oracle
from harness.services.payment_cryptography import strategies as strategies
from harness.strategies.values import member, values

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


def key_survey(d: Driver) -> Iterator[Attempt]:
    """Coverage for answer rules: one key of every documented attribute row, and error answers."""
    for row in oracle.VALID_ROWS:
        attributes = {
            "KeyUsage": row.usage,
            "KeyClass": row.key_class,
            "KeyAlgorithm": row.algorithms[0],
            "KeyModesOfUse": oracle.modes_of_use(row.modes[0]),
        }
        yield Attempt(Call(SERVICE, "CreateKey", {"KeyAttributes": attributes, "Exportable": True}))
    missing = f"arn:aws:payment-cryptography:{d.region}:{d.account_id or '111122223333'}:key/0000000000000000"
    yield Attempt(Call(SERVICE, "GetKey", {"KeyIdentifier": missing}))


def _attributes(row: oracle.AttributeRow, algorithm: str, modes: frozenset[str]) -> dict[str, Any]:
    return {
        "KeyUsage": row.usage,
        "KeyClass": row.key_class,
        "KeyAlgorithm": algorithm,
        "KeyModesOfUse": oracle.modes_of_use(modes),
    }


def _broken_attributes(
    row: oracle.AttributeRow, how: str, pick: Callable[[list[Any]], Any]
) -> dict[str, Any]:
    """A valid row's attributes with one aspect broken under every reading of the page."""
    valid = _attributes(row, row.algorithms[0], row.modes[0])
    allowed_algorithms, allowed_modes = oracle.PERMISSIVE[row.usage]
    if how == "class":
        other = "ASYMMETRIC_KEY_PAIR" if row.key_class == "SYMMETRIC_KEY" else "SYMMETRIC_KEY"
        return {**valid, "KeyClass": other}
    if how == "algorithm":
        # Same family (so KeyClass still fits), but not an algorithm any reading allows.
        family = (
            oracle.SYMMETRIC_ALGORITHMS if row.key_class == "SYMMETRIC_KEY" else oracle.ASYMMETRIC_ALGORITHMS
        )
        algorithms = sorted(family - allowed_algorithms)
        if algorithms:
            return {**valid, "KeyAlgorithm": pick(algorithms)}
        # Every algorithm of the family is allowed for this usage: break the modes instead.
    single = [frozenset({mode}) for mode in oracle.MODES]
    modes = [m for m in single if m not in allowed_modes]
    return {**valid, "KeyModesOfUse": oracle.modes_of_use(pick(modes))}


def bad_attributes(d: Driver, data: st.DataObject) -> Attempt:
    row = data.draw(st.sampled_from(oracle.VALID_ROWS), label="row")
    how = data.draw(st.sampled_from(["class", "algorithm", "modes"]), label="broken aspect")
    broken = _broken_attributes(row, how, lambda options: data.draw(st.sampled_from(options)))
    valid = _attributes(row, row.algorithms[0], row.modes[0])
    return Attempt(
        Call(SERVICE, "CreateKey", {"KeyAttributes": broken, "Exportable": True}),
        control=Call(SERVICE, "CreateKey", {"KeyAttributes": valid, "Exportable": True}),
    )


def bad_attribute_coverage(d: Driver) -> Iterator[Attempt]:
    for row in oracle.VALID_ROWS:
        valid = _attributes(row, row.algorithms[0], row.modes[0])
        control = Call(SERVICE, "CreateKey", {"KeyAttributes": valid, "Exportable": True})
        for how in ("class", "algorithm", "modes"):
            broken = _broken_attributes(row, how, lambda options: options[0])
            yield Attempt(
                Call(SERVICE, "CreateKey", {"KeyAttributes": broken, "Exportable": True}), control=control
            )


def derive_usage_elsewhere(d: Driver, data: st.DataObject) -> Attempt:
    op = d.spec.operation(SERVICE, "CreateKey")
    params = data.draw(strategies.create_key_params(op), label="CreateKey")
    usage = params["KeyAttributes"]["KeyUsage"]
    if usage == "TR31_K3_ASYMMETRIC_KEY_FOR_KEY_AGREEMENT":
        params["KeyAttributes"] = _attributes(
            oracle.VALID_ROWS[0], oracle.VALID_ROWS[0].algorithms[0], oracle.VALID_ROWS[0].modes[0]
        )
    control = {k: v for k, v in params.items() if k != "DeriveKeyUsage"}
    derive = data.draw(values(member(op.request_schema, "/DeriveKeyUsage")), label="DeriveKeyUsage")
    return Attempt(
        Call(SERVICE, "CreateKey", {**control, "DeriveKeyUsage": derive}),
        control=Call(SERVICE, "CreateKey", control),
    )


def _duplicate(tags: list[dict[str, str]], data: st.DataObject) -> list[dict[str, str]]:
    twin = data.draw(st.sampled_from(tags), label="duplicated tag")
    value = data.draw(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), label="value")
    position = data.draw(st.integers(0, len(tags)), label="position")
    return [*tags[:position], {"Key": twin["Key"], "Value": value}, *tags[position:]]


def duplicate_tags_on_create(d: Driver, data: st.DataObject) -> Attempt:
    op = d.spec.operation(SERVICE, "CreateKey")
    params = data.draw(strategies.create_key_params(op), label="CreateKey")
    tags = data.draw(strategies.valid_tag_lists(op, min_size=1), label="Tags")
    control = {**params, "Tags": tags}
    return Attempt(
        Call(SERVICE, "CreateKey", {**params, "Tags": _duplicate(tags, data)}),
        control=Call(SERVICE, "CreateKey", control),
    )


def duplicate_tags_on_tag_resource(d: Driver, data: st.DataObject) -> Attempt:
    create = data.draw(
        strategies.create_key_params(d.spec.operation(SERVICE, "CreateKey")), label="CreateKey"
    )
    arn = _arn_of(d.require(Call(SERVICE, "CreateKey", create)))
    op = d.spec.operation(SERVICE, "TagResource")
    tags = data.draw(strategies.valid_tag_lists(op, min_size=1), label="Tags")
    return Attempt(
        Call(SERVICE, "TagResource", {"ResourceArn": arn, "Tags": _duplicate(tags, data)}),
        control=Call(SERVICE, "TagResource", {"ResourceArn": arn, "Tags": tags}),
    )


def _arn_of(answer: Any) -> str:
    key = answer.get("Key") if isinstance(answer, dict) else None
    arn = key.get("KeyArn") if isinstance(key, dict) else None
    if not isinstance(arn, str):
        raise SetupFailed("set-up CreateKey answered without Key.KeyArn")
    return arn


def register() -> None:
    """Register this module's rule tests (the service folder calls it, in suite order)."""
    SCENARIOS.add(
        oracle.ATTRIBUTE_COMBINATION.id, "CreateKey", bad_attributes, coverage=bad_attribute_coverage
    )
    SCENARIOS.add(oracle.DERIVE_KEY_USAGE.id, "CreateKey", derive_usage_elsewhere)
    SCENARIOS.add(oracle.DUPLICATE_TAG_KEYS.id, "CreateKey", duplicate_tags_on_create)
    SCENARIOS.add(oracle.DUPLICATE_TAG_KEYS.id, "TagResource", duplicate_tags_on_tag_resource)
    SCENARIOS.add(oracle.VALID_CREATE_KEY.id, "CreateKey", create_key)
    SCENARIOS.add(oracle.KEY_NOT_FOUND.id, "GetKey", get_missing_key)
    SCENARIOS.add(oracle.VALID_TAG_RESOURCE.id, "TagResource", tag_resource)


ANSWER_MIX: tuple[Scenario, ...] = (create_key, get_missing_key, tag_resource)
#: Refusals whose codes no rule names (any 4xx), for the rule about undocumented error codes.
ANSWER_REFUSALS: tuple[Scenario, ...] = (bad_attributes,)
