"""Scenarios for the CreateKey rules across members: key shapes, custom key stores, policies.

Each scenario starts from a valid request, breaks one rule, and carries the valid request as
its control: if the target refuses the control too, the refusal is about something else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import strategies as st

from harness.exchange import Call
from harness.scenarios.base import SCENARIOS, Attempt, Driver, Scenario
from harness.services.kms import rules as oracle
from harness.services.kms import strategies as strategies
from harness.strategies.values import SAFE_TEXT

SERVICE = "kms"
HEX = "0123456789abcdef"

Breaker = Callable[[Driver, st.DataObject], tuple[dict[str, Any], dict[str, Any]]]
"""Draws (invalid request, its valid control)."""


def _creating(breaker: Breaker, shape: dict[str, Any] | None = None) -> Scenario:
    """CreateKey with ``breaker``'s request and control, each of key ``shape`` when given."""

    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        invalid, control = breaker(d, data)
        if shape is not None:
            invalid, control = {**shape, **invalid}, {**shape, **control}
        return Attempt(Call(SERVICE, "CreateKey", invalid), control=Call(SERVICE, "CreateKey", control))

    return scenario


def _non_symmetric_specs(d: Driver) -> list[str]:
    return [s for s in oracle.specs_available_in(d.region) if s != "SYMMETRIC_DEFAULT"]


def missing_key_usage(d: Driver, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = data.draw(st.sampled_from(_non_symmetric_specs(d)), label="KeySpec")
    usage = data.draw(st.sampled_from(oracle.KEY_USAGES_BY_SPEC[spec]), label="control KeyUsage")
    return {"KeySpec": spec}, {"KeySpec": spec, "KeyUsage": usage}


def wrong_key_usage(d: Driver, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    spec = data.draw(st.sampled_from(list(oracle.specs_available_in(d.region))), label="KeySpec")
    allowed = oracle.KEY_USAGES_BY_SPEC[spec]
    usage = data.draw(
        st.sampled_from([u for u in oracle.KEY_USAGES_ALL if u not in allowed]), label="KeyUsage"
    )
    return {"KeySpec": spec, "KeyUsage": usage}, {"KeySpec": spec, "KeyUsage": allowed[0]}


def spec_of_another_region(d: Driver, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    unavailable = sorted(set(oracle.KEY_USAGES_BY_SPEC) - set(oracle.specs_available_in(d.region)))
    spec = data.draw(st.sampled_from(unavailable), label="KeySpec")
    usage = data.draw(st.sampled_from(oracle.KEY_USAGES_BY_SPEC[spec]), label="KeyUsage")
    return {"KeySpec": spec, "KeyUsage": usage}, {}


def _store_id(data: st.DataObject) -> str:
    # A custom key store id the harness made up ('cks-' and 17 hex digits, the documented form).
    return "cks-" + data.draw(st.text(HEX, min_size=17, max_size=17), label="store id")


def _xks_key_id(data: st.DataObject) -> str:
    return data.draw(
        st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=40), label="XksKeyId"
    )


def store_without_id(d: Driver, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    origin = data.draw(st.sampled_from(sorted(oracle.CUSTOM_KEY_STORE_ORIGINS)), label="Origin")
    invalid: dict[str, Any] = {"Origin": origin}
    if origin == "EXTERNAL_KEY_STORE":
        invalid["XksKeyId"] = _xks_key_id(data)
    return invalid, {}


def unknown_store(d: Driver, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    origin = data.draw(st.sampled_from(sorted(oracle.CUSTOM_KEY_STORE_ORIGINS)), label="Origin")
    invalid: dict[str, Any] = {"Origin": origin, "CustomKeyStoreId": _store_id(data)}
    if origin == "EXTERNAL_KEY_STORE":
        invalid["XksKeyId"] = _xks_key_id(data)
    if data.draw(st.booleans(), label="explicit KeySpec"):
        invalid["KeySpec"] = "SYMMETRIC_DEFAULT"
    return invalid, {}


def xks_key_id_elsewhere(d: Driver, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    base = data.draw(st.sampled_from([{}, {"Origin": "AWS_KMS"}, {"Origin": "EXTERNAL"}]), label="Origin")
    return {**base, "XksKeyId": _xks_key_id(data)}, dict(base)


def multi_region_in_store(d: Driver, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    return {"Origin": "AWS_CLOUDHSM", "CustomKeyStoreId": _store_id(data), "MultiRegion": True}, {
        "MultiRegion": True
    }


def _padded_policy(account_id: str | None, size: int) -> str:
    """A valid default policy grown to ``size`` bytes with a harmless Sid, so it stays valid JSON."""
    document = json.loads(strategies.default_policy(account_id))
    base = len(json.dumps(document))
    document["Statement"][0]["Sid"] = "P" * (size - base + len("Enable IAM User Permissions"))
    return json.dumps(document)


def oversized_policy(d: Driver, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    size = data.draw(
        st.integers(oracle.POLICY_QUOTA_BYTES + 1, oracle.POLICY_QUOTA_BYTES + 4096), label="bytes"
    )
    return {"Policy": _padded_policy(d.account_id, size)}, {"Policy": strategies.default_policy(d.account_id)}


def malformed_policy(d: Driver, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    text = data.draw(
        st.sampled_from(["{", "not a policy", '{"Statement": [}', "Allow kms:*"])
        | st.text(SAFE_TEXT, min_size=1),
        label="Policy",
    )
    try:
        json.loads(text)
        text = "{" + text  # never valid JSON
    except ValueError:
        pass
    return {"Policy": text}, {}


def policy_with_unknown_principal(d: Driver, data: st.DataObject) -> tuple[dict[str, Any], dict[str, Any]]:
    suffix = data.draw(st.text(HEX, min_size=8, max_size=16), label="role")
    document = json.loads(strategies.default_policy(d.account_id or "111122223333"))
    account = d.account_id or "111122223333"
    document["Statement"][0]["Principal"] = {
        "AWS": f"arn:aws:iam::{account}:role/{oracle.NONEXISTENT_ROLE}{suffix}"
    }
    invalid: dict[str, Any] = {"Policy": json.dumps(document)}
    if data.draw(st.booleans(), label="bypass"):
        invalid["BypassPolicyLockoutSafetyCheck"] = True  # does not excuse an invalid principal (22b)
    return invalid, {}


BREAKERS: dict[str, Breaker] = {
    oracle.KEY_USAGE_REQUIRED.id: missing_key_usage,
    oracle.KEY_SPEC_USAGE.id: wrong_key_usage,
    oracle.REGION_ONLY_SPEC.id: spec_of_another_region,
    oracle.CUSTOM_KEY_STORE.id: store_without_id,
    oracle.CUSTOM_KEY_STORE_NOT_FOUND.id: unknown_store,
    oracle.XKS_KEY_ID.id: xks_key_id_elsewhere,
    oracle.MULTI_REGION_CUSTOM_STORE.id: multi_region_in_store,
    oracle.POLICY_SIZE.id: oversized_policy,
    oracle.POLICY_MALFORMED.id: malformed_policy,
    oracle.POLICY_INVALID_PRINCIPAL.id: policy_with_unknown_principal,
}
POLICY_RULES = (oracle.POLICY_SIZE.id, oracle.POLICY_MALFORMED.id, oracle.POLICY_INVALID_PRINCIPAL.id)


def replicating(breaker: Breaker) -> Scenario:
    """The policy rules on ReplicateKey (rule 51): the policy part of ``breaker``'s request."""

    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        answer = d.require(Call(SERVICE, "CreateKey", {**strategies.SETUP_KEY, "MultiRegion": True}))
        key_id = strategies.key_id_of(answer) or ""
        invalid, control = breaker(d, data)
        base = {"KeyId": key_id, "ReplicaRegion": d.replica_region}
        return Attempt(
            Call(SERVICE, "ReplicateKey", {**base, **invalid}),
            control=Call(SERVICE, "ReplicateKey", {**base, **control}),
        )

    return scenario


def key_shape_coverage(d: Driver) -> Iterator[Attempt]:
    """Every KeySpec without KeyUsage, and every KeySpec with every KeyUsage it does not allow."""
    for spec in oracle.specs_available_in(d.region):
        allowed = oracle.KEY_USAGES_BY_SPEC[spec]
        control = Call(SERVICE, "CreateKey", {"KeySpec": spec, "KeyUsage": allowed[0]})
        if spec != "SYMMETRIC_DEFAULT":
            yield Attempt(Call(SERVICE, "CreateKey", {"KeySpec": spec}), control=control)
        for usage in oracle.KEY_USAGES_ALL:
            if usage not in allowed:
                yield Attempt(
                    Call(SERVICE, "CreateKey", {"KeySpec": spec, "KeyUsage": usage}), control=control
                )


def register() -> None:
    """Register this module's rule tests (the service folder calls it, in suite order)."""
    for rule, breaker in BREAKERS.items():
        coverage = (
            key_shape_coverage if rule in (oracle.KEY_USAGE_REQUIRED.id, oracle.KEY_SPEC_USAGE.id) else None
        )
        # A policy rule does not depend on the key's spec: its keys are the cheap set-up kind
        # (strategies.SETUP_KEY), not symmetric keys moto makes an RSA key pair for. The other
        # rules are about the spec, usage or store (custom key stores hold symmetric keys only).
        shape = dict(strategies.SETUP_KEY) if rule in POLICY_RULES else None
        SCENARIOS.add(rule, "CreateKey", _creating(breaker, shape), coverage=coverage)
    for rule in POLICY_RULES:
        SCENARIOS.add(rule, "ReplicateKey", replicating(BREAKERS[rule]))
