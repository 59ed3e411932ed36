"""botocore shapes → JSON Schema (draft 2020-12) of the *wire* JSON.

The schemas describe what travels over HTTP, not what botocore hands back after
parsing (rulebook section 1; issue 3, point 3):

- timestamps are epoch-second numbers (awsJson 1.0/1.1 default timestamp format);
- a member that has no value is absent: ``null`` is never a valid value, because
  botocore's parser silently drops ``null`` members and a schema that allowed them
  would hide exactly the divergences this harness exists to find;
- blobs are base64 strings.

Request structures forbid undocumented members (``additionalProperties: false``) so
generated valid calls stay inside the documented API. Response structures allow
them: AWS adds response members over time and clients must ignore unknown ones.

Every property carries ``x-source``, the botocore shape and member it comes from.
"""

from __future__ import annotations

import html
import re
from typing import Any, Literal

from harness.spectools.sources import ServiceSource

Direction = Literal["request", "response"]

_TAG = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def summary(documentation: str | None) -> str | None:
    """The first sentence of a botocore doc string, as plain text."""
    if not documentation:
        return None
    text = " ".join(html.unescape(_TAG.sub(" ", documentation)).split())
    if not text:
        return None
    first = _SENTENCE_END.split(text, maxsplit=1)[0]
    return first


class SchemaBuilder:
    """Converts the shapes of one botocore model, for one direction of the wire."""

    def __init__(self, source: ServiceSource, model: dict[str, Any], direction: Direction):
        self.source = source
        self.shapes: dict[str, Any] = model["shapes"]
        self.direction = direction

    def operation_schema(self, shape_name: str, title: str) -> dict[str, Any]:
        """A standalone schema document for an operation's input or output shape."""
        schema: dict[str, Any] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": title,
            "x-source": self.source.model_citation(shape_name),
        }
        schema.update(self.shape_schema(shape_name))
        return schema

    def shape_schema(self, shape_name: str, stack: tuple[str, ...] = ()) -> dict[str, Any]:
        if shape_name in stack:
            # None of the covered operations has a recursive shape; fail loudly if one appears
            # rather than emitting an infinite or truncated schema.
            raise ValueError(f"recursive shape {shape_name} in {self.source.name}")
        shape = self.shapes[shape_name]
        kind = shape["type"]
        stack = (*stack, shape_name)
        converter = getattr(self, f"_{kind}")
        schema: dict[str, Any] = converter(shape_name, shape, stack)
        if shape.get("deprecated"):
            schema["deprecated"] = True
        return schema

    # -- scalar shapes ---------------------------------------------------------------

    def _string(self, name: str, shape: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if "enum" in shape:
            schema["enum"] = list(shape["enum"])
        if "min" in shape:
            schema["minLength"] = shape["min"]
        if "max" in shape:
            schema["maxLength"] = shape["max"]
        if "pattern" in shape:
            # Smithy/botocore patterns are not implicitly anchored, and neither are JSON
            # Schema patterns: the string is copied as is.
            schema["pattern"] = shape["pattern"]
        return schema

    def _integer(self, name: str, shape: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer"}
        if "min" in shape:
            schema["minimum"] = shape["min"]
        if "max" in shape:
            schema["maximum"] = shape["max"]
        return schema

    _long = _integer

    def _boolean(self, name: str, shape: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
        return {"type": "boolean"}

    def _timestamp(self, name: str, shape: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
        # awsJson serialises timestamps as epoch seconds (a JSON number, fractions allowed).
        return {"type": "number", "x-wire": "epoch-seconds"}

    def _blob(self, name: str, shape: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "contentEncoding": "base64"}
        return schema

    # -- aggregate shapes ------------------------------------------------------------

    def _list(self, name: str, shape: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "array",
            "items": self.shape_schema(shape["member"]["shape"], stack),
        }
        if "min" in shape:
            schema["minItems"] = shape["min"]
        if "max" in shape:
            schema["maxItems"] = shape["max"]
        return schema

    def _map(self, name: str, shape: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": "object",
            "propertyNames": self.shape_schema(shape["key"]["shape"], stack),
            "additionalProperties": self.shape_schema(shape["value"]["shape"], stack),
        }
        if "min" in shape:
            schema["minProperties"] = shape["min"]
        if "max" in shape:
            schema["maxProperties"] = shape["max"]
        return schema

    def _structure(self, name: str, shape: dict[str, Any], stack: tuple[str, ...]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for member_name, member in shape["members"].items():
            prop: dict[str, Any] = {}
            text = summary(member.get("documentation")) or summary(
                self.shapes[member["shape"]].get("documentation")
            )
            if text:
                prop["description"] = text
            prop["x-source"] = self.source.model_citation(name, member_name) + f" (shape {member['shape']})"
            prop.update(self.shape_schema(member["shape"], stack))
            if member.get("deprecated"):
                prop["deprecated"] = True
            properties[member_name] = prop
        schema: dict[str, Any] = {"type": "object", "properties": properties}
        required = list(shape.get("required", []))
        if required:
            schema["required"] = required
        if shape.get("union"):
            # A union holds exactly one of its members.
            schema["minProperties"] = 1
            schema["maxProperties"] = 1
        if self.direction == "request":
            schema["additionalProperties"] = False
        return schema
