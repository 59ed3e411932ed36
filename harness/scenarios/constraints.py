"""Scenarios for the member-constraint rules: a valid request with one constraint broken.

Each operation has a *base*: the smallest valid request, with the set-up it needs (a key
to name, a multi-Region primary to replicate). A mutation breaks one member constraint of
it (harness.strategies.mutations). The coverage phase tries every constrained member once,
in schema order; the random phase draws members and bad values.

Operations whose only member names a key (EnableKey, GetKey, ...) have no base here: a
bad key id is also an unknown key, so the docs do not say which answer wins; the runner
would discard every such call anyway.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from hypothesis import find, settings
from hypothesis import strategies as st

from harness.exchange import Call
from harness.oracle import pc as pc_oracle
from harness.oracle.constraints import CONSTRAINT_RULES
from harness.scenarios.base import SCENARIOS, Attempt, Driver, Scenario, SetupFailed
from harness.strategies import kms as kms_strategies
from harness.strategies.mutations import RULE_KIND, Site, mutate, sites

Base = Callable[[Driver], dict[str, Any]]


def _key(d: Driver, params: Mapping[str, Any] | None = None) -> str:
    answer = d.require(Call("kms", "CreateKey", dict(params or {})))
    key_id = kms_strategies.key_id_of(answer)
    if key_id is None:
        raise SetupFailed("set-up CreateKey answered without KeyMetadata.KeyId")
    return key_id


def _pc_key(d: Driver) -> str:
    row = pc_oracle.VALID_ROWS[0]
    attributes = {
        "KeyUsage": row.usage,
        "KeyClass": row.key_class,
        "KeyAlgorithm": row.algorithms[0],
        "KeyModesOfUse": pc_oracle.modes_of_use(row.modes[0]),
    }
    answer = d.require(
        Call("payment-cryptography", "CreateKey", {"KeyAttributes": attributes, "Exportable": True})
    )
    key = answer.get("Key")
    arn = key.get("KeyArn") if isinstance(key, dict) else None
    if not isinstance(arn, str):
        raise SetupFailed("set-up CreateKey answered without Key.KeyArn")
    return arn


def _pc_create_base(d: Driver) -> dict[str, Any]:
    row = pc_oracle.VALID_ROWS[0]
    return {
        "KeyAttributes": {
            "KeyUsage": row.usage,
            "KeyClass": row.key_class,
            "KeyAlgorithm": row.algorithms[0],
            "KeyModesOfUse": pc_oracle.modes_of_use(row.modes[0]),
        },
        "Exportable": True,
    }


BASES: dict[tuple[str, str], Base] = {
    ("kms", "CreateKey"): lambda d: {},
    ("kms", "DescribeKey"): lambda d: {"KeyId": _key(d)},
    ("kms", "ScheduleKeyDeletion"): lambda d: {"KeyId": _key(d), "PendingWindowInDays": 30},
    ("kms", "ListResourceTags"): lambda d: {"KeyId": _key(d)},
    ("kms", "GetKeyPolicy"): lambda d: {"KeyId": _key(d), "PolicyName": "default"},
    ("kms", "UpdateKeyDescription"): lambda d: {"KeyId": _key(d), "Description": "base"},
    ("kms", "TagResource"): lambda d: {"KeyId": _key(d), "Tags": [{"TagKey": "base", "TagValue": ""}]},
    ("kms", "UntagResource"): lambda d: {"KeyId": _key(d), "TagKeys": ["base"]},
    ("kms", "ReplicateKey"): lambda d: {
        "KeyId": _key(d, {"MultiRegion": True}),
        "ReplicaRegion": d.replica_region,
    },
    ("payment-cryptography", "CreateKey"): _pc_create_base,
    ("payment-cryptography", "DeleteKey"): lambda d: {"KeyIdentifier": _pc_key(d), "DeleteKeyInDays": 7},
    ("payment-cryptography", "ListKeys"): lambda d: {},
    ("payment-cryptography", "TagResource"): lambda d: {
        "ResourceArn": _pc_key(d),
        "Tags": [{"Key": "b", "Value": "b"}],
    },
    ("payment-cryptography", "UntagResource"): lambda d: {"ResourceArn": _pc_key(d), "TagKeys": ["b"]},
}


def sites_of(d: Driver, service: str, kind: str) -> list[Site]:
    found: list[Site] = []
    for (svc, operation), _ in BASES.items():
        if svc != service:
            continue
        schema = d.spec.operation(service, operation).request_schema
        found.extend(s for s in sites(operation, schema) if s.kind == kind)
    return found


def minimal_value(strategy: st.SearchStrategy[Any]) -> Any:
    """The simplest value of ``strategy`` (Hypothesis's own minimum), for the coverage phase."""
    return find(strategy, lambda _: True, settings=settings(database=None, max_examples=10))


def _attempt(d: Driver, service: str, site: Site, draw: Callable[[st.SearchStrategy[Any]], Any]) -> Attempt:
    params = BASES[(service, site.operation)](d)
    schema = d.spec.operation(service, site.operation).request_schema
    return Attempt(Call(service, site.operation, mutate(params, site, draw, schema)))


def mutation_scenario(service: str, kind: str) -> Scenario:
    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        options = sites_of(d, service, kind)
        site = data.draw(st.sampled_from(options), label="member")
        return _attempt(d, service, site, data.draw)

    return scenario


def mutation_coverage(service: str, kind: str) -> Callable[[Driver], Iterator[Attempt]]:
    def coverage(d: Driver) -> Iterator[Attempt]:
        for site in sites_of(d, service, kind):
            yield _attempt(d, service, site, minimal_value)

    coverage.__qualname__ = f"mutation_coverage[{service}:{kind}]"
    return coverage


def _register() -> None:
    for (service, kind), rule in CONSTRAINT_RULES.items():
        if kind not in RULE_KIND.values():
            continue  # member types are sent raw: see harness.scenarios.wire
        SCENARIOS.add(
            rule.id, "any", mutation_scenario(service, kind), coverage=mutation_coverage(service, kind)
        )


_register()
