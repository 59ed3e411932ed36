"""The formats other programs read, as shared/contracts/ defines them.

The JSON files beside this module are verbatim copies of ``shared/contracts/`` so the
harness can check its own output before writing it; a self-test keeps them equal
to the originals when those are present.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema


def _schema(name: str) -> dict[str, Any]:
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def findings_validator() -> Any:
    schema = _schema("findings.schema.json")
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


@cache
def cassette_validator() -> Any:
    return jsonschema.Draft202012Validator(_schema("cassette.schema.json"))
