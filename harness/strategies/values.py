"""Hypothesis strategies for single values, read off the spec's JSON Schemas.

Length bounds, enums and ranges come from the schema so the strategies follow the
spec, not a copy of it. Free-text strings use :data:`SAFE_TEXT`: the KMS model has no
pattern for tag keys or descriptions, and AWS calls the usual tag character set
advisory (rulebook rule 34), so a *valid* call sticks to characters every reading
allows. Patterned strings go through hypothesis-jsonschema.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from harness.errors import SpecError

#: Letters, digits, space and ``+ - = . _ : / @`` (AWS tagging best practices).
SAFE_TEXT = string.ascii_letters + string.digits + " +-=._:/@"


def member(schema: Mapping[str, Any], pointer: str) -> Mapping[str, Any]:
    """The sub-schema of the member at ``pointer`` (``/Tags/*/TagKey``) of a request schema.

    ``*`` steps into array items; other segments into object properties.
    """
    node: Mapping[str, Any] = schema
    for part in (p for p in pointer.split("/") if p):
        children = {"*": node.get("items")} if part == "*" else node.get("properties") or {}
        node = children.get(part) or {}
        if not node:
            raise SpecError(f"the spec {schema.get('title')!r} has no member {pointer}")
    return node


def length_bounds(schema: Mapping[str, Any]) -> tuple[int, int | None]:
    return int(schema.get("minLength", 0)), schema.get("maxLength")


def values(
    schema: Mapping[str, Any], *, alphabet: str = SAFE_TEXT, max_size: int | None = None
) -> st.SearchStrategy[Any]:
    """Valid values of a scalar or aggregate schema; ``max_size`` caps long strings."""
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    kind = schema.get("type")
    if kind == "string" and "pattern" not in schema:
        low, high = length_bounds(schema)
        if max_size is not None:
            high = max_size if high is None else min(high, max_size)
        return st.text(alphabet=alphabet, min_size=low, max_size=high)
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    # Patterns, arrays and objects: hypothesis-jsonschema knows JSON Schema better than
    # anything we would write here. Annotations it does not know are dropped first.
    plain = {k: v for k, v in schema.items() if not k.startswith("x-") and k != "description"}
    return from_schema(plain)
