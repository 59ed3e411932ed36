"""The committed specs: a rebuild reproduces them, they are valid, complete and traceable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from harness.spec import build, catalog
from harness.spec.sources import SERVICES

SPEC = catalog.load()


def test_rebuild_reproduces_the_committed_files() -> None:
    changed = build.diff(catalog.default_specs_dir(), build.render())
    assert changed == [], "run: python -m harness spec build"


def test_every_covered_operation_has_request_schema_and_errors() -> None:
    for source in SERVICES.values():
        service = SPEC.service(source.name)
        assert list(service.operations) == list(source.operations)
        for op in service.operations.values():
            jsonschema.Draft202012Validator.check_schema(op.request_schema)
            assert op.request_schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
            assert op.errors, f"{op.name} documents no errors"


def _properties(schema: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        for name, prop in (schema.get("properties") or {}).items():
            yield f"{path}/{name}", prop
            yield from _properties(prop, f"{path}/{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                yield from _properties(schema[key], f"{path}/{key}")


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_property_names_its_source(service: str) -> None:
    for op in SPEC.service(service).operations.values():
        for schema in (op.request_schema, op.response_schema):
            for path, prop in _properties(schema):
                assert prop.get("x-source", "").startswith(f"botocore {service}/"), (op.name, path)


def test_wire_facts_in_the_schemas() -> None:
    meta = SPEC.operation("kms", "CreateKey").response_schema["properties"]["KeyMetadata"]["properties"]  # type: ignore[index]
    assert meta["CreationDate"]["type"] == "number"  # epoch seconds, not ISO strings
    assert meta["KeyUsage"]["type"] == "string"  # no null
    request = SPEC.operation("kms", "CreateKey").request_schema
    assert request["additionalProperties"] is False
    tag_key = request["properties"]["Tags"]["items"]["properties"]["TagKey"]
    assert (tag_key["minLength"], tag_key["maxLength"]) == (1, 128)
    assert SPEC.service("kms").content_type == "application/x-amz-json-1.1"
    assert SPEC.service("payment-cryptography").content_type == "application/x-amz-json-1.0"
    assert SPEC.operation("kms", "EnableKey").response_schema is None  # empty body


def test_unknown_profile_and_operation_are_usage_errors() -> None:
    from harness.errors import UsageError

    with pytest.raises(UsageError, match="unknown profile"):
        catalog.load("nonsense")
    with pytest.raises(UsageError, match="unknown operation kms:Nope"):
        SPEC.operation("kms", "Nope")
