"""Hypothesis strategies for single values, read off the spec's JSON Schemas.

Length bounds, enums and ranges come from the schema so the strategies follow the
spec, not a copy of it. Free-text strings use :data:`SAFE_TEXT`: the KMS model has no
pattern for tag keys or descriptions, and AWS calls the usual tag character set
advisory (rulebook rule 34), so a *valid* call sticks to characters every reading
allows.

Everything is built from Hypothesis's own strategies (``from_regex``, ``lists``,
``fixed_dictionaries``), for the subset of JSON Schema the spec builder writes for a member
(harness.spectools.shapes). A keyword outside that subset is a :class:`SpecError`, never a
value the schema may not accept: a strategy that drew invalid "valid" values would raise
false alarms. The cross-member rules of a whole request (``allOf``/``if``/``then``) are the
oracle's business, not a member's.
"""

from __future__ import annotations

import base64
import json
import re
import string
from collections.abc import Callable, Hashable, Mapping
from typing import Any, TypeVar

from hypothesis import strategies as st

from harness.errors import SpecError

#: Letters, digits, space and ``+ - = . _ : / @`` (AWS tagging best practices).
SAFE_TEXT = string.ascii_letters + string.digits + " +-=._:/@"

#: Keywords that only annotate a schema (JSON Schema 2020-12, "Meta-Data" and "Content"
#: vocabularies) or are the spec builder's own ``x-`` notes: they never restrict a value.
_ANNOTATIONS = frozenset(
    {"$schema", "title", "description", "deprecated", "examples", "default", "contentEncoding"}
)
#: The validation keywords each type's strategy below honours.
_UNDERSTOOD = {
    "string": {"minLength", "maxLength", "pattern"},
    "integer": {"minimum", "maximum"},
    "number": {"minimum", "maximum"},
    "boolean": set(),
    "array": {"items", "minItems", "maxItems", "uniqueItems"},
    "object": {"properties", "required", "additionalProperties", "propertyNames"},
}
#: A pattern that is one character class (or ``\w``-style escape, or ``.``) repeated ``*`` or ``+``,
#: anchored or not.
_REPEATED = re.compile(r"\^?(\[(?:\\.|[^\]\\])+\]|\\[wdsWDS]|\.)([*+])\$?")
#: Upper bound on the free members drawn for an object whose members are not named
#: (``additionalProperties``: EncryptionContext), as for a list without ``maxItems``.
_FREE_MEMBERS = 8


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


T = TypeVar("T")

_BUILT: dict[tuple[Hashable, ...], tuple[object, Any]] = {}


def built_once(
    owner: object, key: tuple[Hashable, ...], build: Callable[[], st.SearchStrategy[T]]
) -> st.SearchStrategy[T]:
    """``build()``, made once per ``owner`` (a spec, by identity) and ``key``.

    Hypothesis validates a strategy when it first draws from it, a filtered one by reading its
    filter's source: about 0.6 ms for a KMS tag list, paid again by a strategy rebuilt inside
    every draw of a composite strategy (about 800 times in the default run). The same strategy
    draws the same values from the same choices, so building it once changes no draw.
    """
    cache_key = (id(owner), *key)
    found = _BUILT.get(cache_key)
    if found is None or found[0] is not owner:  # kept with its owner, so the id is not reused
        found = _BUILT[cache_key] = (owner, build())
    built: st.SearchStrategy[T] = found[1]
    return built


def length_bounds(schema: Mapping[str, Any]) -> tuple[int, int | None]:
    return int(schema.get("minLength", 0)), schema.get("maxLength")


def values(
    schema: Mapping[str, Any], *, alphabet: str = SAFE_TEXT, max_size: int | None = None
) -> st.SearchStrategy[Any]:
    """Valid values of a scalar or aggregate schema; ``max_size`` caps long free-text strings.

    Strings inside lists and objects are drawn from ``alphabet`` too.
    """
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    if "const" in schema:
        return st.just(schema["const"])
    kind = schema.get("type")
    _check_understood(schema, kind)
    if kind == "string":
        return _strings(schema, alphabet, max_size)
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kind == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False, allow_infinity=False)
    if kind == "array":
        return _lists(schema, alphabet)
    return _objects(schema, alphabet)


def _check_understood(schema: Mapping[str, Any], kind: Any) -> None:
    if kind not in _UNDERSTOOD:
        raise SpecError(f"no strategy for a schema of type {kind!r}: {_brief(schema)}")
    unknown = sorted(
        k for k in schema if k not in _UNDERSTOOD[kind] | _ANNOTATIONS | {"type"} and not k.startswith("x-")
    )
    if unknown:
        raise SpecError(f"no strategy for a {kind} schema with {', '.join(unknown)}: {_brief(schema)}")


def _brief(schema: Mapping[str, Any]) -> str:
    return str({k: v for k, v in schema.items() if k != "description"})[:200]


def _strings(schema: Mapping[str, Any], alphabet: str, max_size: int | None) -> st.SearchStrategy[str]:
    low, high = length_bounds(schema)
    if schema.get("contentEncoding") == "base64":
        # A blob: any bytes, sent as their base64 text; the spec builder gives blobs no
        # length bounds, and bounds on the text would not say how many bytes are meant.
        if "minLength" in schema or "maxLength" in schema or "pattern" in schema:
            raise SpecError(f"no strategy for a base64 string with length or pattern: {_brief(schema)}")
        return st.binary().map(lambda raw: base64.b64encode(raw).decode("ascii"))
    if "pattern" not in schema:
        if max_size is not None:
            high = max_size if high is None else min(high, max_size)
        return st.text(alphabet=alphabet, min_size=low, max_size=high)
    # A JSON Schema pattern is searched for (ECMA-262); a string the whole pattern matches is
    # also one it finds, so ``fullmatch`` draws only valid strings. ASCII: ECMA's ``\w`` and
    # ``\d`` are ASCII only (Python's are Unicode). Length bounds are checked on the result.
    text = str(schema["pattern"])
    repeated = _REPEATED.fullmatch(text)
    if repeated is not None:
        # One character class repeated (``^[a-f0-9]+$``): the length bounds go into the
        # pattern as a counted repeat, which draws a 64-character id at once where a filter
        # on the length would reject nearly every draw.
        atom, plus = repeated.group(1), repeated.group(2) == "+"
        text = f"{atom}{{{max(low, int(plus))},{'' if high is None else high}}}"
        low, high = 0, None
    drawn = st.from_regex(re.compile(text, re.ASCII), fullmatch=True)
    if low or high is not None:
        drawn = drawn.filter(lambda s: low <= len(s) and (high is None or len(s) <= high))
    return drawn


def _lists(schema: Mapping[str, Any], alphabet: str) -> st.SearchStrategy[list[Any]]:
    items = schema.get("items")
    if not isinstance(items, Mapping):
        raise SpecError(f"no strategy for a list without one items schema: {_brief(schema)}")
    return st.lists(
        values(items, alphabet=alphabet),
        min_size=int(schema.get("minItems", 0)),
        max_size=schema.get("maxItems"),
        unique_by=_canonical if schema.get("uniqueItems") else None,
    )


def _canonical(value: Any) -> str:
    """JSON's own equality, for ``uniqueItems`` (``1`` and ``true`` are different items)."""
    return json.dumps(value, sort_keys=True)


def _objects(schema: Mapping[str, Any], alphabet: str) -> st.SearchStrategy[dict[str, Any]]:
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = list(schema.get("required", ()))
    missing = [name for name in required if name not in properties]
    if missing:
        raise SpecError(f"required members without a schema ({', '.join(missing)}): {_brief(schema)}")
    named = st.fixed_dictionaries(
        {name: values(properties[name], alphabet=alphabet) for name in required},
        optional={
            name: values(sub, alphabet=alphabet) for name, sub in properties.items() if name not in required
        },
    )
    # Members the schema does not name: only where it says which (``additionalProperties`` with
    # a schema, as for EncryptionContext). Without the keyword, none: a valid call sends the
    # members the API documents, though JSON Schema would accept more.
    extra = schema.get("additionalProperties", False)
    if extra is False:
        return named
    names = schema.get("propertyNames", {"type": "string"})
    free = st.dictionaries(
        values(names, alphabet=alphabet).filter(lambda n: n not in properties),
        values(extra if isinstance(extra, Mapping) else {"type": "string"}, alphabet=alphabet),
        max_size=_FREE_MEMBERS,
    )
    return st.tuples(named, free).map(lambda parts: {**parts[1], **parts[0]})
