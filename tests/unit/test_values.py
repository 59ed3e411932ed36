"""Member strategies straight from the specs, built from Hypothesis's own primitives.

Every member schema of the shipped specs must give values its schema accepts; a schema the
strategies cannot honour is refused (SpecError) rather than approximated.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from harness.errors import SpecError
from harness.spec.catalog import PROFILES, load
from harness.strategies.values import built_once, values


def _members(schema: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for sub in (schema.get("properties") or {}).values():
        yield sub
        yield from _members(sub)
    if isinstance(schema.get("items"), Mapping):
        yield schema["items"]
        yield from _members(schema["items"])


def _member_schemas() -> list[Mapping[str, Any]]:
    """Every distinct member schema of every request spec of every profile."""
    distinct: dict[str, Mapping[str, Any]] = {}
    for profile in PROFILES:
        for service in load(profile).services.values():
            for op in service.operations.values():
                for sub in _members(op.request_schema):
                    distinct.setdefault(json.dumps(sub, sort_keys=True), sub)
    return list(distinct.values())


MEMBERS = _member_schemas()


def _label(schema: Mapping[str, Any]) -> str:
    return str(schema.get("x-source", schema.get("type", "?"))).rsplit(" ", 1)[-1][:60]


@pytest.mark.parametrize("schema", MEMBERS, ids=[f"{i}-{_label(s)}" for i, s in enumerate(MEMBERS)])
def test_every_member_of_the_shipped_specs_draws_values_its_schema_accepts(
    schema: Mapping[str, Any],
) -> None:
    validator = jsonschema.Draft202012Validator(schema)

    @settings(max_examples=15, database=None, suppress_health_check=list(HealthCheck), deadline=None)
    @given(values(schema))
    def valid(value: Any) -> None:
        assert validator.is_valid(value), value

    valid()


def test_the_members_are_many_and_of_every_kind() -> None:
    kinds = {s.get("type") for s in MEMBERS}
    assert {"string", "integer", "boolean", "array", "object"} <= kinds
    assert sum("pattern" in s for s in MEMBERS) >= 10


@pytest.mark.parametrize(
    ("schema", "named"),
    [
        ({"type": "string", "format": "date-time"}, "format"),
        ({"type": "integer", "exclusiveMinimum": 0}, "exclusiveMinimum"),
        ({"type": "object", "properties": {}, "patternProperties": {"^a": {}}}, "patternProperties"),
        ({"type": "array", "items": {"type": "string"}, "contains": {"const": "a"}}, "contains"),
        ({"allOf": [{"type": "string"}]}, "None"),
    ],
)
def test_a_schema_the_strategies_cannot_honour_is_refused_not_approximated(
    schema: Mapping[str, Any], named: str
) -> None:
    with pytest.raises(SpecError, match=named):
        values(schema)


def _draws(strategy: st.SearchStrategy[Any], n: int = 60) -> list[Any]:
    drawn: list[Any] = []

    @settings(max_examples=n, database=None, suppress_health_check=list(HealthCheck), deadline=None)
    @seed(1)
    @given(strategy)
    def record(value: Any) -> None:
        drawn.append(value)

    record()
    return drawn


def test_a_pattern_is_matched_whole_in_ascii_within_the_length_bounds() -> None:
    hex_id = {"type": "string", "pattern": "^[a-f0-9]+$", "minLength": 64, "maxLength": 64}
    assert all(re.fullmatch("[a-f0-9]{64}", s) for s in _draws(values(hex_id)))
    word = {"type": "string", "pattern": "[\\w]+", "maxLength": 5}
    assert all(re.fullmatch("[A-Za-z0-9_]{1,5}", s) for s in _draws(values(word)))
    region = {"type": "string", "pattern": "[a-z]{2}-[a-z]{1,16}-[0-9]+", "maxLength": 30}
    assert all(re.fullmatch("[a-z]{2}-[a-z]{1,16}-[0-9]+", s) for s in _draws(values(region)))


def test_objects_draw_their_required_members_and_only_named_ones() -> None:
    schema = {
        "type": "object",
        "required": ["A"],
        "properties": {"A": {"type": "string", "maxLength": 3}, "B": {"type": "boolean"}},
        "additionalProperties": False,
    }
    drawn = _draws(values(schema))
    assert all("A" in d and set(d) <= {"A", "B"} for d in drawn)
    assert any("B" in d for d in drawn) and any("B" not in d for d in drawn)
    context = {
        "type": "object",
        "propertyNames": {"type": "string"},
        "additionalProperties": {"type": "string"},
    }
    assert any(len(d) > 1 for d in _draws(values(context)))


def test_a_strategy_built_once_is_built_once_per_owner_and_key() -> None:
    class Spec:  # an owner compared by identity, like a loaded OperationSpec
        pass

    first, second = Spec(), Spec()
    builds: list[int] = []

    def build(size: int) -> st.SearchStrategy[str]:
        builds.append(size)
        return st.text(max_size=size).map(str.upper)  # a new object each time (text() is cached)

    made = built_once(first, ("text", 3), lambda: build(3))
    assert built_once(first, ("text", 3), lambda: build(3)) is made
    assert built_once(first, ("text", 4), lambda: build(4)) is not made
    assert built_once(second, ("text", 3), lambda: build(3)) is not made
    assert builds == [3, 4, 3]
