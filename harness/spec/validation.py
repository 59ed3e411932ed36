"""Schema errors of an answer, fast: the specs' JSON Schemas compiled to closures.

Every answer of a run is validated against its operation's response schema
(harness.checks.check_response_schema), and jsonschema's ``iter_errors`` walks a schema by
creating a validator object per node it descends into: about 0.15 ms for one KMS DescribeKey
answer, half of what judging the answer costs (benchmarks/RESULTS.md, "Harness calls per
second"). The specs' response schemas use a small part of JSON Schema (types, enums, lengths,
patterns, bounds, properties, items, required, additionalProperties, propertyNames), so each
schema is compiled once into plain closures that decide each keyword.

The errors stay jsonschema's own: a keyword the closures find broken (or cannot decide
cheaply, such as an enum of a non-string value) is handed back to jsonschema, on that node
alone, and its errors (message, keyword, instance) are kept with the path the closures
followed. So a closure that is too strict costs time, never a false error, and a schema with a
keyword the compiler does not know (``$ref``, ``allOf``, ...) is not compiled at all: it is
validated by jsonschema as before. tests/unit/test_spec_validation.py checks that both give
the same errors on the specs' schemas.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from numbers import Number
from typing import Any, NamedTuple

Path = tuple[str | int, ...]


class SchemaError(NamedTuple):
    """One error of an instance against a schema: what harness.checks reads of jsonschema's."""

    path: Path
    """Where in the instance (jsonschema's ``absolute_path``)."""
    validator: str
    """The keyword that failed (jsonschema's ``validator``)."""
    instance: Any
    message: str


Errors = Callable[[Any], list[SchemaError]]
_Node = Callable[[Any, Path, list[SchemaError]], None]

_REMEMBERED = 64
"""Broken values whose errors a leaf keyword remembers (then it forgets them all)."""


def errors_of(validator: Any) -> Errors:
    """A function from an instance to its errors against ``validator``'s schema: compiled when
    the schema uses only keywords this module knows, jsonschema's ``iter_errors`` otherwise."""
    compiled = compile_schema(validator)
    if compiled is not None:
        return compiled

    def slow(instance: Any) -> list[SchemaError]:
        return [_own(e, ()) for e in validator.iter_errors(instance)]

    return slow


def compile_schema(validator: Any) -> Errors | None:
    """``validator``'s schema (a jsonschema validator) compiled, or None when it uses a keyword
    that is not compiled here."""
    try:
        root = _Compiler(validator).node(validator.schema)
    except _NotCompiled:
        return None

    def errors(instance: Any) -> list[SchemaError]:
        out: list[SchemaError] = []
        root(instance, (), out)
        return out

    return errors


class _NotCompiled(Exception):
    """The schema uses a keyword this module does not compile."""


def _own(error: Any, prefix: Path) -> SchemaError:
    return SchemaError((*prefix, *error.relative_path), str(error.validator), error.instance, error.message)


def _is_number(x: Any) -> bool:
    return isinstance(x, Number) and not isinstance(x, bool)


def _is_integer(x: Any) -> bool:
    if isinstance(x, bool):
        return False
    return isinstance(x, int) or (isinstance(x, float) and x.is_integer())


# What jsonschema's draft 2020-12 type checker says of each type name (jsonschema._types).
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda x: isinstance(x, str),
    "object": lambda x: isinstance(x, dict),
    "array": lambda x: isinstance(x, list),
    "boolean": lambda x: isinstance(x, bool),
    "null": lambda x: x is None,
    "number": _is_number,
    "integer": _is_integer,
}

# Keywords whose check is a predicate of the instance at the node; when it says False, the
# node's errors for that keyword are jsonschema's. Each builder takes the keyword's value (and
# the node's schema) and returns "certainly no error here".
_Predicate = Callable[[Any], bool]


def _type(value: Any, schema: Mapping[str, Any]) -> _Predicate:
    names = [value] if isinstance(value, str) else list(value)
    if any(name not in _TYPES for name in names):
        raise _NotCompiled
    checks = [_TYPES[name] for name in names]
    if len(checks) == 1:
        return checks[0]
    return lambda x: any(check(x) for check in checks)


def _enum(value: Any, schema: Mapping[str, Any]) -> _Predicate:
    strings = frozenset(v for v in value if isinstance(v, str))
    # A string equals only a string (jsonschema._utils.equal); anything else is left to jsonschema.
    return lambda x: isinstance(x, str) and x in strings


def _min_length(value: Any, schema: Mapping[str, Any]) -> _Predicate:
    return lambda x: not isinstance(x, str) or len(x) >= value


def _max_length(value: Any, schema: Mapping[str, Any]) -> _Predicate:
    return lambda x: not isinstance(x, str) or len(x) <= value


def _pattern(value: Any, schema: Mapping[str, Any]) -> _Predicate:
    search = re.compile(value).search  # jsonschema: re.search(pattern, instance)
    return lambda x: not isinstance(x, str) or search(x) is not None


def _minimum(value: Any, schema: Mapping[str, Any]) -> _Predicate:
    return lambda x: not _is_number(x) or x >= value


def _maximum(value: Any, schema: Mapping[str, Any]) -> _Predicate:
    return lambda x: not _is_number(x) or x <= value


def _min_items(value: Any, schema: Mapping[str, Any]) -> _Predicate:
    return lambda x: not isinstance(x, list) or len(x) >= value


def _max_items(value: Any, schema: Mapping[str, Any]) -> _Predicate:
    return lambda x: not isinstance(x, list) or len(x) <= value


def _required(value: Any, schema: Mapping[str, Any]) -> _Predicate:
    names = tuple(value)
    return lambda x: not isinstance(x, dict) or all(name in x for name in names)


def _no_additional(value: Any, schema: Mapping[str, Any]) -> _Predicate:
    known = frozenset(schema.get("properties", {}))
    return lambda x: not isinstance(x, dict) or all(name in known for name in x)


_PREDICATES: dict[str, Callable[[Any, Mapping[str, Any]], _Predicate]] = {
    "type": _type,
    "enum": _enum,
    "minLength": _min_length,
    "maxLength": _max_length,
    "pattern": _pattern,
    "minimum": _minimum,
    "maximum": _maximum,
    "minItems": _min_items,
    "maxItems": _max_items,
    "required": _required,
}

_STRUCTURAL = frozenset({"properties", "items", "additionalProperties", "propertyNames"})


class _Compiler:
    def __init__(self, validator: Any):
        self.validator = validator
        # Keywords jsonschema does not know are annotations to it (description, x-source, ...).
        self.known = frozenset(validator.VALIDATORS)

    def node(self, schema: Any) -> _Node:
        if schema is True or schema == {}:
            return _nothing
        if not isinstance(schema, Mapping):
            raise _NotCompiled  # the false schema: rare enough for jsonschema
        # (predicate, step): the step runs when there is no predicate (a keyword that descends)
        # or the predicate cannot clear the instance; in the schema's order, as jsonschema's.
        steps: list[tuple[_Predicate | None, _Node]] = []
        for keyword, value in schema.items():
            if keyword not in self.known:
                continue
            if keyword in _PREDICATES:
                fine = _PREDICATES[keyword](value, schema)
                steps.append((fine, self._leaf(keyword, value)))
            elif keyword in _STRUCTURAL:
                steps.append((None, self._structural(keyword, value, schema)))
            else:
                raise _NotCompiled
        if len(steps) == 1 and steps[0][0] is None:
            return steps[0][1]

        def run(x: Any, path: Path, out: list[SchemaError]) -> None:
            for fine, step in steps:
                if fine is None or not fine(x):
                    step(x, path, out)

        return run

    def _leaf(self, keyword: str, value: Any) -> _Node:
        """The errors jsonschema gives for ``keyword`` alone, once its predicate found one."""
        exact = self.validator.evolve(schema={keyword: value})

        # A leaf keyword's errors depend on the instance alone; the same broken value comes back
        # in answer after answer (a null member of every DescribeKey answer of one emulator).
        seen: dict[tuple[type, Any], list[tuple[str, Any, str]]] = {}

        def run(x: Any, path: Path, out: list[SchemaError]) -> None:
            key = (type(x), x) if x is None or isinstance(x, bool | int | float | str) else None
            found = seen.get(key) if key is not None else None
            if found is None:
                found = [(str(e.validator), e.instance, e.message) for e in exact.iter_errors(x)]
                if key is not None:
                    if len(seen) >= _REMEMBERED:
                        seen.clear()
                    seen[key] = found
            out.extend(
                SchemaError(path, validator, instance, message) for validator, instance, message in found
            )

        return run

    def _structural(self, keyword: str, value: Any, schema: Mapping[str, Any]) -> _Node:
        if keyword == "properties":
            members = [(name, self.node(sub)) for name, sub in value.items()]

            def properties(x: Any, path: Path, out: list[SchemaError]) -> None:
                if isinstance(x, dict):
                    for name, check in members:
                        if name in x:
                            check(x[name], (*path, name), out)

            return properties
        if keyword == "items":
            if "prefixItems" in schema or not isinstance(value, Mapping):
                raise _NotCompiled
            item = self.node(value)

            def items(x: Any, path: Path, out: list[SchemaError]) -> None:
                if isinstance(x, list):
                    for index, each in enumerate(x):
                        item(each, (*path, index), out)

            return items
        if keyword == "propertyNames":
            name_check = self.node(value)

            def property_names(x: Any, path: Path, out: list[SchemaError]) -> None:
                if isinstance(x, dict):
                    for name in x:
                        name_check(name, path, out)

            return property_names
        # additionalProperties: the members the schema does not name (jsonschema's
        # find_additional_properties, without patternProperties, which is not compiled).
        if "patternProperties" in schema:
            raise _NotCompiled
        known = frozenset(schema.get("properties", {}))
        if isinstance(value, Mapping):
            extra = self.node(value)

            def additional(x: Any, path: Path, out: list[SchemaError]) -> None:
                if isinstance(x, dict):
                    for name in x:
                        if name not in known:
                            extra(x[name], (*path, name), out)

            return additional
        if value is True:
            return _nothing
        fine = _no_additional(value, schema)
        exact = self.validator.evolve(schema={"properties": dict.fromkeys(known, True), keyword: value})

        def no_additional(x: Any, path: Path, out: list[SchemaError]) -> None:
            if not fine(x):
                out.extend(_own(e, path) for e in exact.iter_errors(x))

        return no_additional


def _nothing(x: Any, path: Path, out: list[SchemaError]) -> None:
    return None
