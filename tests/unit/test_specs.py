"""The committed specs: a rebuild reproduces them, they are valid, complete and traceable."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from harness.spec import catalog
from harness.spectools import model_view, profiles
from harness.spectools.sources import SERVICES, botocore_model

SPEC = catalog.load()
PROFILES = catalog.PROFILES


def test_rebuild_reproduces_the_committed_files() -> None:
    changed = profiles.diff(catalog.default_specs_dir(), profiles.render())
    assert changed == [], "run: python -m harness spec build"


def test_a_changed_file_is_reported(tmp_path: Any) -> None:
    """The rebuild check can fail: one byte changed in a copy of the tree is found."""
    files = profiles.render()
    profiles.write(tmp_path, files)
    assert profiles.diff(tmp_path, files) == []
    victim = tmp_path / "documented" / "kms" / "CreateKey.request.json"
    victim.write_text(victim.read_text(encoding="utf-8").replace("QKMS", "QKMZ"), encoding="utf-8")
    (tmp_path / "aws" / "kms" / "stale.json").write_text("{}", encoding="utf-8")
    assert profiles.diff(tmp_path, files) == [
        "aws/kms/stale.json (not generated any more)",
        "documented/kms/CreateKey.request.json",
    ]


@pytest.mark.parametrize("profile", PROFILES)
def test_every_covered_operation_has_request_schema_and_errors(profile: str) -> None:
    spec = catalog.load(profile)
    assert spec.profile == profile
    for source in SERVICES.values():
        service = spec.service(source.name)
        assert service.profile == profile
        assert list(service.operations) == list(source.operations)
        for op in service.operations.values():
            # The runtime checks only specs from elsewhere against the metaschema (catalog._load).
            jsonschema.Draft202012Validator.check_schema(op.request_schema)
            if op.response_schema is not None:
                jsonschema.Draft202012Validator.check_schema(op.response_schema)
            assert op.request_schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
            assert op.errors, f"{op.name} documents no errors"
            for code in op.errors:
                assert code in service.errors, (profile, op.name, code)


def _properties(schema: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(schema, dict):
        for name, prop in (schema.get("properties") or {}).items():
            yield f"{path}/{name}", prop
            yield from _properties(prop, f"{path}/{name}")
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                yield from _properties(schema[key], f"{path}/{key}")


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_aws_property_names_its_botocore_source(service: str) -> None:
    for op in SPEC.service(service).operations.values():
        for schema in (op.request_schema, op.response_schema):
            for path, prop in _properties(schema):
                assert prop.get("x-source", "").startswith(f"botocore {service}/"), (op.name, path)


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_documented_property_names_its_source(service: str) -> None:
    """A property of the documented profile cites a seed page, botocore, or both."""
    cited = 0
    for op in catalog.load("documented").service(service).operations.values():
        for schema in (op.request_schema, op.response_schema):
            for path, prop in _properties(schema):
                source = prop.get("x-source", "")
                assert source.startswith(("botocore ", "seed ", "the vendor pages'")), (op.name, path)
                assert "botocore" in source or "seed " in source, (op.name, path)
                cited += source.count("seed ")
    assert cited > 0, "no property of the documented profile cites a seed page"


@pytest.mark.parametrize("profile", PROFILES)
def test_constraints_errors_and_headers_name_their_source(profile: str) -> None:
    spec = catalog.load(profile)
    for service in spec.services.values():
        for op in service.operations.values():
            for entry in op.request_schema.get("allOf", []):
                assert entry.get("x-source"), (op.name, entry.get("title"))
                assert entry.get("title") and entry.get("description"), op.name
        for code, error in service.errors.items():
            assert error.source, code
    for source in SERVICES.values():
        doc = catalog._read_json(catalog.default_specs_dir() / profile / source.name / "service.json")
        for name, op in doc["operations"].items():
            assert op["headers"]["X-Amz-Target"]["value"] == f"{doc['protocol']['targetPrefix']}.{name}"
            assert all(h["x-source"] for h in op["headers"].values())


@pytest.mark.parametrize("service", list(SERVICES))
def test_every_botocore_member_is_in_the_aws_schemas(service: str) -> None:
    """Issue 3, point 1: every member of the covered operations' shapes, at its name path."""
    checked = 0
    for op in SPEC.service(service).operations.values():
        for direction, schema in (("request", op.request_schema), ("response", op.response_schema)):
            root = model_view.operation_root(service, op.name, direction)
            if root is None or schema is None:
                assert schema is None or direction == "request"
                continue
            for path in model_view.members(service, root):
                node: Any = schema
                for part in path.split("/"):
                    while "properties" not in node:
                        node = node.get("items") or node["additionalProperties"]
                    node = node["properties"][part]
                checked += 1
    assert checked > 50


@pytest.mark.parametrize("profile", PROFILES)
def test_error_bodies_carry_type_and_message(profile: str) -> None:
    """Issue 3, point 3: each error code a service may answer has a wire body with __type."""
    for service in catalog.load(profile).services.values():
        codes = {c for op in service.operations.values() for c in op.errors} | set(service.common_errors)
        assert codes <= set(service.errors)
        for code in codes:
            error = service.errors[code]
            assert error.body_schema["required"] == ["__type"]
            validator = jsonschema.Draft202012Validator(error.body_schema)
            assert validator.is_valid({"__type": code})
            assert not validator.is_valid({"message": "no type"})
            # Every error but Payment Cryptography's ResourceNotFoundException (ResourceId
            # only, rulebook rule 3) has a message member.
            if (service.name, code) != ("payment-cryptography", "ResourceNotFoundException"):
                assert service.message_members(code), (service.name, code)


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


@pytest.mark.parametrize("profile", PROFILES)
def test_responses_stay_wire_schemas_in_every_profile(profile: str) -> None:
    """Timestamps are epoch numbers and null is never valid, in the documented profile too."""
    timestamps = 0
    for service in catalog.load(profile).services.values():
        shapes = botocore_model(service.name)["shapes"]
        for op in service.operations.values():
            assert op.request_schema["additionalProperties"] is False
            for path, prop in _properties(op.response_schema):
                assert "null" not in str(prop.get("type")), (op.name, path)
                shape = re.search(r"\(shape (\w+)\)", prop["x-source"])
                if shape and shapes[shape.group(1)]["type"] == "timestamp":
                    assert prop["type"] == "number", (op.name, path)
                    timestamps += 1
    assert timestamps > 10


def test_unknown_profile_and_operation_are_usage_errors() -> None:
    from harness.errors import UsageError

    with pytest.raises(UsageError, match="unknown profile"):
        catalog.load("nonsense")
    with pytest.raises(UsageError, match="unknown operation kms:Nope"):
        SPEC.operation("kms", "Nope")


def test_a_specs_dir_from_elsewhere_with_a_broken_schema_is_refused_naming_the_file(tmp_path: Any) -> None:
    """Specs given with --specs-dir or $HARNESS_SPECS are checked against the metaschema as they
    load; the copy of the shipped specs that differs only by the broken schema is the twin."""
    import shutil

    from harness.errors import SpecError

    for name in ("intact", "broken"):
        shutil.copytree(catalog.SHIPPED_SPECS / "aws", tmp_path / name / "aws")
    target = tmp_path / "broken" / "aws" / "kms" / "DescribeKey.response.json"
    assert target.is_file()
    schema = json.loads(target.read_text())
    schema["type"] = "not-a-type"
    target.write_text(json.dumps(schema))
    assert catalog.load("aws", tmp_path / "intact").service("kms").operation("DescribeKey")
    with pytest.raises(SpecError, match=r"DescribeKey\.response\.json is not a valid JSON Schema"):
        catalog.load("aws", tmp_path / "broken")
