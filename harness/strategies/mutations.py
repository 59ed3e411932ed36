"""Invalid calls by mutation: break one member constraint of a valid request.

A :class:`Site` is a member of a request schema with one constraint keyword (``required``,
``enum``, ``minLength``, ...). :func:`sites` lists them all, read off the schema, and
:func:`mutate` returns a copy of a valid request in which that one constraint is broken,
creating the member (or its list) when the valid request lacks it. Which rule the result
breaks, and whether it breaks only that one, is for the oracle to say: the runner asks it
and discards requests that break more than one rule with different answers.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from harness.oracle.constraints import KEYWORD_RULE
from harness.strategies.values import values

#: The keywords a mutation can break, and the constraint rule each one belongs to.
KEYWORDS = (
    "required",
    "enum",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
)
RULE_KIND = {k: v for k, v in KEYWORD_RULE.items() if k in KEYWORDS}

#: Strings that break most patterns: tried in order, the first that does not match (and fits
#: the length bounds) is used, so mutations stay small and readable.
_PATTERN_BREAKERS = ("!", "~", "a b", "#", "-", "*", "ä", "a" * 3 + "!")


Draw = Callable[[st.SearchStrategy[Any]], Any]
"""Hypothesis's ``data.draw``, or any function giving a value of a strategy (the coverage
phase passes one that gives the strategy's minimal value)."""


@dataclass(frozen=True, slots=True)
class Site:
    operation: str
    pointer: str
    """The member, e.g. ``/Tags/*/TagKey``; ``*`` is an item of a list."""
    keyword: str
    schema: Mapping[str, Any]
    """The member's own schema (for ``required``: the schema of the object that requires it)."""

    @property
    def kind(self) -> str:
        return RULE_KIND[self.keyword]

    @property
    def label(self) -> str:
        return f"{self.operation}{self.pointer}:{self.keyword}"


def sites(operation: str, schema: Mapping[str, Any], pointer: str = "") -> Iterator[Site]:
    """Every constrained member of a request schema, depth first, in schema order."""
    if schema.get("type") == "object":
        for name in schema.get("required", ()):
            yield Site(operation, f"{pointer}/{name}", "required", schema)
        for name, prop in (schema.get("properties") or {}).items():
            yield from sites(operation, prop, f"{pointer}/{name}")
        return
    for keyword in KEYWORDS[1:]:
        if keyword not in schema:
            continue
        if keyword in ("minLength", "minItems") and not schema[keyword]:
            continue  # a minimum of 0 cannot be broken
        if keyword == "pattern" and _pattern_breaker(schema) is None:
            continue
        yield Site(operation, pointer, keyword, schema)
    if schema.get("type") == "array" and isinstance(schema.get("items"), Mapping):
        yield from sites(operation, schema["items"], f"{pointer}/*")


def _pattern_breaker(schema: Mapping[str, Any]) -> str | None:
    pattern = re.compile(str(schema["pattern"]))
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    for candidate in _PATTERN_BREAKERS:
        text = candidate * max(1, low)
        if high is not None and len(text) > high:
            continue
        if len(text) >= low and not pattern.search(text):
            return text
    return None


def _bad_value(site: Site, draw: Draw) -> Any:
    schema = site.schema
    keyword = site.keyword
    if keyword == "enum":
        return "NOT_" + str(draw(st.sampled_from(list(schema["enum"]))))
    if keyword == "minLength":
        return "a" * (int(schema["minLength"]) - 1)
    if keyword == "maxLength":
        return "a" * (int(schema["maxLength"]) + 1 + draw(st.integers(0, 16)))
    if keyword == "pattern":
        return _pattern_breaker(schema)
    if keyword == "minimum":
        return int(schema["minimum"]) - draw(st.integers(1, 10))
    if keyword == "maximum":
        return int(schema["maximum"]) + draw(st.integers(1, 10))
    item = schema.get("items") or {}
    if keyword == "minItems":
        return [_one_item(item, draw, i) for i in range(int(schema["minItems"]) - 1)]
    return [_one_item(item, draw, i) for i in range(int(schema["maxItems"]) + 1)]


def _one_item(schema: Mapping[str, Any], draw: Draw, index: int) -> Any:
    """A valid list item; objects get distinct string members so keys never repeat."""
    if schema.get("type") == "object":
        item = {}
        for name in schema.get("required", ()):
            prop = schema["properties"][name]
            item[name] = f"k{index}" if prop.get("type") == "string" else draw(values(prop))
        return item
    if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema:
        return f"t{index}"
    return draw(values(schema))


def mutate(
    params: Mapping[str, Any], site: Site, draw: Draw, request_schema: Mapping[str, Any]
) -> dict[str, Any]:
    """A copy of ``params`` with the constraint of ``site`` broken, and nothing else changed."""
    out: dict[str, Any] = copy.deepcopy(dict(params))
    parts = [p for p in site.pointer.split("/") if p]
    node: Any = out
    schema: Mapping[str, Any] = request_schema
    for part in parts[:-1]:
        if part == "*":
            schema = schema["items"]
            if not node:
                node.append(_one_item(schema, draw, 0))
            node = node[0]
        else:
            schema = schema["properties"][part]
            if part not in node:
                node[part] = [] if schema.get("type") == "array" else {}
            node = node[part]
    last = parts[-1]
    if site.keyword == "required":
        if last == "*":
            raise ValueError(f"cannot remove a list item for {site.label}")
        node.pop(last, None)
        return out
    value = _bad_value(site, draw)
    if last == "*":
        if node:
            node[0] = value
        else:
            node.append(value)
    else:
        node[last] = value
    return out
