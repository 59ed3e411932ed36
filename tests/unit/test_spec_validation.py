"""The compiled spec schemas (harness.spec.validation) give jsonschema's errors, exactly."""

from __future__ import annotations

from collections import Counter
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.oracle.constraints import CROSS_FIELD, _errors, _without_cross_field
from harness.spec import catalog
from harness.spec.validation import SchemaError, compile_schema, errors_of

OPERATIONS = [
    (profile, op)
    for profile in catalog.PROFILES
    for service in catalog.load(profile).services.values()
    for op in service.operations.values()
    if op.response_validator is not None
]

_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from([0.0, 1.0, 2.5, -1.5, 1e300]),
    st.text(max_size=4),
)


def near(schema: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values close to ``schema``: mostly shaped like it, with wrong types, lengths, enum
    members, missing and extra members mixed in."""
    garbage = st.one_of(_SCALARS, st.just([]), st.just({}), st.just([None]), st.just({"x": None}))
    if not isinstance(schema, dict) or depth > 6:
        return garbage
    options: list[st.SearchStrategy[Any]] = [garbage]
    if "enum" in schema:
        options.append(st.sampled_from(schema["enum"]))
    kind = schema.get("type")
    if kind == "string":
        low, high = schema.get("minLength", 0), schema.get("maxLength", 8)
        options.append(
            st.text(alphabet="aZ09-_/:.=", min_size=max(0, low - 1), max_size=min(high + 1, low + 12))
        )
        options.append(st.integers(max(0, low - 1), high + 1).map(lambda n: "a" * n))
    elif kind in ("integer", "number"):
        low, high = schema.get("minimum", -10), schema.get("maximum", 10)
        options.append(st.sampled_from([low - 1, low, high, high + 1, float(low), True]))
    elif kind == "array":
        options.append(st.lists(near(schema.get("items", {}), depth + 1), max_size=3))
    elif kind == "object":
        members = {name: near(sub, depth + 1) for name, sub in schema.get("properties", {}).items()}
        shaped = st.fixed_dictionaries({}, optional=members)
        options.append(shaped)
        options.append(
            st.tuples(shaped, st.dictionaries(st.text(max_size=3), _SCALARS, max_size=2)).map(
                lambda pair: {**pair[1], **pair[0]}
            )
        )
    return st.one_of(options)


def jsonschema_errors(validator: Any, instance: Any) -> Counter[str]:
    return Counter(
        repr(SchemaError(tuple(e.absolute_path), str(e.validator), e.instance, e.message))
        for e in validator.iter_errors(instance)
    )


def compiled_errors(errors: Any, instance: Any) -> Counter[str]:
    return Counter(repr(e) for e in errors(instance))


def test_every_response_schema_of_the_specs_is_compiled() -> None:
    """Otherwise its answers are validated by jsonschema, as before, only slower."""
    assert [
        f"{p}/{op.service}:{op.name}" for p, op in OPERATIONS if compile_schema(op.response_validator) is None
    ] == []


@pytest.mark.parametrize(
    ("profile", "op"), OPERATIONS, ids=[f"{p}-{op.service}-{op.name}" for p, op in OPERATIONS]
)
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_compiled_errors_are_jsonschemas(profile: str, op: Any, data: st.DataObject) -> None:
    compiled = errors_of(op.response_validator)
    instance = data.draw(near(op.response_schema))
    assert compiled_errors(compiled, instance) == jsonschema_errors(op.response_validator, instance)
    # Twice: the second answer reads errors a leaf keyword remembers.
    assert compiled_errors(compiled, instance) == jsonschema_errors(op.response_validator, instance)


REQUESTS = [op for service in catalog.load("aws").services.values() for op in service.operations.values()]


def test_every_request_schema_compiles_without_its_cross_field_rules() -> None:
    schemas = [_without_cross_field(op.request_schema) for op in REQUESTS]
    assert [
        op.name
        for op, schema in zip(REQUESTS, schemas, strict=True)
        if compile_schema(jsonschema.Draft202012Validator(schema)) is None
    ] == []


@pytest.mark.parametrize("op", REQUESTS, ids=[f"{op.service}-{op.name}" for op in REQUESTS])
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(data=st.data())
def test_member_constraint_errors_are_jsonschemas_outside_cross_field_rules(
    op: Any, data: st.DataObject
) -> None:
    """What harness.oracle.constraints reads of a request: jsonschema's errors of the whole
    schema, less those from inside allOf, if, not and the like."""
    errors = _errors(op.service, op.name)
    assert errors is not None
    instance = data.draw(near(op.request_schema))
    member_errors = Counter(
        repr(SchemaError(tuple(e.absolute_path), str(e.validator), e.instance, e.message))
        for e in op.request_validator.iter_errors(instance)
        if not CROSS_FIELD.intersection(str(part) for part in e.schema_path)
    )
    assert compiled_errors(errors, instance) == member_errors


SCHEMA = {
    "type": "object",
    "description": "an annotation, ignored by both",
    "properties": {
        "State": {"type": "string", "enum": ["Enabled", "Disabled"]},
        "Id": {"type": "string", "minLength": 1, "maxLength": 4, "pattern": "^[a-z]+$"},
        "Count": {"type": "integer", "minimum": 0, "maximum": 3},
        "Tags": {"type": "array", "maxItems": 1, "items": {"type": "object", "required": ["Key"]}},
        "Map": {
            "type": "object",
            "propertyNames": {"maxLength": 2},
            "additionalProperties": {"type": "string"},
        },
        "Closed": {"type": "object", "properties": {"A": {"type": "boolean"}}, "additionalProperties": False},
    },
    "required": ["State"],
}

BROKEN = {
    "State": "enabled",
    "Id": "ABCDE",
    "Count": 4.0,
    "Tags": [{}, {"Key": None}],
    "Map": {"long": 1, "ok": "v"},
    "Closed": {"A": None, "B": 1},
}


def test_a_broken_answer_gets_every_error_jsonschema_gives() -> None:
    """Caught: each keyword's error, with jsonschema's own message, at jsonschema's path."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = errors_of(validator)
    found = errors(BROKEN)
    assert len(found) == 10
    assert compiled_errors(errors, BROKEN) == jsonschema_errors(validator, BROKEN)
    assert (
        SchemaError(("State",), "enum", "enabled", "'enabled' is not one of ['Enabled', 'Disabled']") in found
    )
    assert (
        SchemaError(
            ("Closed",),
            "additionalProperties",
            {"A": None, "B": 1},
            ("Additional properties are not allowed ('B' was unexpected)"),
        )
        in found
    )
    assert errors({}) == [SchemaError((), "required", {}, "'State' is a required property")]


def test_a_valid_answer_has_none() -> None:
    """Silent: the same schema, an answer that keeps it."""
    validator = jsonschema.Draft202012Validator(SCHEMA)
    good = {
        "State": "Enabled",
        "Id": "ab",
        "Count": 3,
        "Tags": [{"Key": 1}],
        "Map": {"k": "v"},
        "Closed": {"A": True},
    }
    assert errors_of(validator)(good) == []
    assert list(validator.iter_errors(good)) == []


@pytest.mark.parametrize(
    "schema",
    [
        {"allOf": [{"type": "object"}]},
        {"properties": {"A": {"$ref": "#/$defs/a"}}, "$defs": {"a": {"type": "string"}}},
        {"items": False},
        {"patternProperties": {"^a": {}}, "additionalProperties": False},
    ],
)
def test_a_keyword_not_compiled_leaves_the_schema_to_jsonschema(schema: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(schema)
    assert compile_schema(validator) is None
    instance = {"A": 1, "b": 2}
    assert compiled_errors(errors_of(validator), instance) == jsonschema_errors(validator, instance)
