"""Scenarios for the wire-level and authentication rules: requests sent raw, outside boto3.

Each malformed request is one that would *succeed* if the endpoint ignored what is wrong
with it (ListKeys, a valid base request), so an endpoint that is lenient is caught rather
than excused by an unrelated 4xx. Signing, when asked, is botocore's SigV4.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from hypothesis import strategies as st

from harness.exchange import Call
from harness.oracle.constraints import CONSTRAINT_RULES
from harness.oracle.wire import WIRE_RULES, content_type_of, target_prefix_of
from harness.scenarios.base import SCENARIOS, Attempt, Driver, Scenario
from harness.scenarios.constraints import BASES, minimal_value
from harness.transport import RawRequest

HARMLESS = "ListKeys"
"""Listing keys changes nothing and succeeds for any caller who may call the API at all."""

NOT_JSON = ("{", "not json", '{"KeyId": ', "<ListKeys/>", "[1, 2]", "42")
OTHER_CONTENT_TYPES = ("text/plain", "application/xml", "application/octet-stream")


def _raw(d: Driver, service: str, body: bytes, **overrides: Any) -> RawRequest:
    fields: dict[str, Any] = {
        "service": service,
        "region": d.region,
        "body": body,
        "target": f"{target_prefix_of(service)}.{HARMLESS}",
        "content_type": content_type_of(service),
        "auth": "sigv4",
    }
    fields.update(overrides)
    return RawRequest(**fields)


def _attempt(raw: RawRequest) -> Attempt:
    try:
        params = json.loads(raw.body)
    except ValueError:
        params = {}
    return Attempt(Call(raw.service, raw.operation, params if isinstance(params, dict) else {}), raw=raw)


Variant = Callable[[Driver, str, Callable[[st.SearchStrategy[Any]], Any]], RawRequest]


def not_json(d: Driver, service: str, draw: Callable[[st.SearchStrategy[Any]], Any]) -> RawRequest:
    return _raw(d, service, draw(st.sampled_from(NOT_JSON)).encode())


def unknown_operation(d: Driver, service: str, draw: Callable[[st.SearchStrategy[Any]], Any]) -> RawRequest:
    name = "NoSuchOperation" + draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", max_size=6))
    return _raw(d, service, b"{}", target=f"{target_prefix_of(service)}.{name}")


def missing_target(d: Driver, service: str, draw: Callable[[st.SearchStrategy[Any]], Any]) -> RawRequest:
    return _raw(d, service, b"{}", target=None)


def other_content_type(d: Driver, service: str, draw: Callable[[st.SearchStrategy[Any]], Any]) -> RawRequest:
    return _raw(d, service, b"{}", content_type=draw(st.sampled_from(OTHER_CONTENT_TYPES)))


def unsigned(d: Driver, service: str, draw: Callable[[st.SearchStrategy[Any]], Any]) -> RawRequest:
    return _raw(d, service, b"{}", auth="unsigned")


def bad_signature(d: Driver, service: str, draw: Callable[[st.SearchStrategy[Any]], Any]) -> RawRequest:
    return _raw(d, service, b"{}", auth="bad-signature")


VARIANTS: dict[str, Variant] = {
    "wire.not-json": not_json,
    "wire.unknown-operation": unknown_operation,
    "wire.missing-target": missing_target,
    "wire.request-content-type": other_content_type,
    "auth.unsigned": unsigned,
    "auth.bad-signature": bad_signature,
}


def wire_scenario(service: str, variant: Variant) -> Scenario:
    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        return _attempt(variant(d, service, data.draw))

    return scenario


def wire_coverage(service: str, name: str, variant: Variant) -> Callable[[Driver], Iterator[Attempt]]:
    def coverage(d: Driver) -> Iterator[Attempt]:
        if name == "wire.not-json":
            for body in NOT_JSON:
                yield _attempt(_raw(d, service, body.encode()))
        elif name == "wire.request-content-type":
            for content_type in OTHER_CONTENT_TYPES:
                yield _attempt(_raw(d, service, b"{}", content_type=content_type))
        else:
            yield _attempt(variant(d, service, minimal_value))

    coverage.__qualname__ = f"wire_coverage[{service}:{name}]"
    return coverage


# --- members of the wrong JSON type -----------------------------------------------------------

_WRONG_TYPE: dict[str, Any] = {
    "string": 12345,
    "boolean": "true",
    "integer": "7",
    "number": "7",
    "array": "not-a-list",
    "object": "not-an-object",
}


def _typed_members(d: Driver, service: str) -> list[tuple[str, str, str]]:
    """(operation, member, JSON type) for every top-level member of every base operation."""
    found = []
    for (svc, operation), _ in BASES.items():
        if svc != service:
            continue
        schema = d.spec.operation(service, operation).request_schema
        for name, prop in (schema.get("properties") or {}).items():
            if prop.get("type") in _WRONG_TYPE:
                found.append((operation, name, str(prop["type"])))
    return found


def _member_type_attempt(d: Driver, service: str, choice: tuple[str, str, str]) -> Attempt:
    operation, member, kind = choice
    params = BASES[(service, operation)](d)
    params[member] = _WRONG_TYPE[kind]
    body = json.dumps(params).encode()
    raw = _raw(d, service, body, target=f"{target_prefix_of(service)}.{operation}")
    return Attempt(Call(service, operation, params), raw=raw)


def member_type_scenario(service: str) -> Scenario:
    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        choice = data.draw(st.sampled_from(_typed_members(d, service)), label="member")
        return _member_type_attempt(d, service, choice)

    return scenario


def member_type_coverage(service: str) -> Callable[[Driver], Iterator[Attempt]]:
    def coverage(d: Driver) -> Iterator[Attempt]:
        for choice in _typed_members(d, service):
            yield _member_type_attempt(d, service, choice)

    coverage.__qualname__ = f"member_type_coverage[{service}]"
    return coverage


def register(service: str) -> None:
    """Register a rule test for each wire, auth and member-type rule of ``service``.

    Call after harness.scenarios.constraints.register: the member-type cases break the
    service's base requests.
    """
    for (svc, name), rule in WIRE_RULES.items():
        if svc != service:
            continue
        variant = VARIANTS[name]
        # "any": the operation label of a malformed request depends on what is malformed.
        SCENARIOS.add(
            rule.id,
            "any",
            wire_scenario(service, variant),
            coverage=wire_coverage(service, name, variant),
            family="wire",
        )
    rule = CONSTRAINT_RULES[(service, "member-type")]
    SCENARIOS.add(
        rule.id,
        "any",
        member_type_scenario(service),
        coverage=member_type_coverage(service),
        family="member-type",
    )
