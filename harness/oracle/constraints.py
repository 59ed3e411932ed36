"""Member constraints of the request schemas as rules: required, type, length, enum, pattern, range.

KMS answers a constraint violation with ValidationException ("1 validation error detected:
Value ... at 'keySpec' failed to satisfy constraint: ...", rulebook rule 6, recorded for
lengths and enums). Payment Cryptography models ValidationException for "an invalid request
error". A member of the wrong JSON type is not covered by either: the answer must be a 4xx.

The request is checked against the *aws* profile's schema with jsonschema; each error of a
member keyword becomes a :class:`Violation` of the rule for that keyword, unless a more
specific rule owns the member (the tag lengths). Cross-field keywords (``allOf``, ``if``)
are the Python rules' business, so they are not read here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from harness.oracle.predict import Violation
from harness.oracle.rules import RULES, Grade, Rule, any_4xx, error
from harness.oracle.service_facts import ServiceFacts, facts_of
from harness.spec.validation import Errors, errors_of

CHECKED = "2026-11-29"
#: The model's constraints document the rejection; by default ValidationException is the
#: service's modelled error for "an invalid request". A service whose model names no
#: ValidationException (KMS) grades each kind by what is recorded (its about.py).
DOCUMENTED = Grade("documented", CHECKED)

KEYWORD_RULE = {
    "required": "required",
    "enum": "enum",
    "minLength": "length",
    "maxLength": "length",
    "pattern": "pattern",
    "minimum": "range",
    "maximum": "range",
    "minItems": "items",
    "maxItems": "items",
    "type": "member-type",
}

CONSTRAINT_RULES: dict[tuple[str, str], Rule] = {}
"""(service, kind) -> rule; kinds are the values of :data:`KEYWORD_RULE`."""


def register(facts: ServiceFacts) -> None:
    service, prefix = facts.name, facts.rule_prefix
    for kind, what in (
        ("required", "A request without a required member"),
        ("enum", "A member value outside its enum"),
        ("length", "A string shorter or longer than its length bounds"),
        ("pattern", "A string that does not match its pattern"),
        ("range", "A number outside its range"),
        ("items", "A list with fewer or more items than its bounds"),
    ):
        CONSTRAINT_RULES[(service, kind)] = RULES.add(
            Rule(
                id=f"{prefix}.validation.{kind}",
                service=service,
                title=f"{what} is rejected with ValidationException.",
                source=facts.validation_source,
                expectation=error("ValidationException"),
                **facts.grade(f"validation.{kind}", DOCUMENTED).fields(),
            )
        )
    CONSTRAINT_RULES[(service, "member-type")] = RULES.add(
        Rule(
            id=f"{prefix}.wire.member-type",
            service=service,
            title="A member of the wrong JSON type (a number for a string, a string for a list, ...) "
            "is rejected with a 4xx.",
            source=f"rulebook section 1; the {service} request schemas; issue 4 (wire-level cases)",
            expectation=any_4xx("the docs name no code for a member of the wrong type"),
            note="AWS JSON services often answer SerializationException; undocumented, not asserted.",
            **facts.grade("wire.member-type", DOCUMENTED).fields(),
        )
    )


_INDEX = re.compile(r"/\d+(?=/|$)")


CROSS_FIELD = frozenset({"allOf", "anyOf", "oneOf", "if", "then", "else", "not"})
"""Keywords of cross-field rules: decided by the Python rules, not read here."""


@cache
def _errors(service: str, operation: str) -> Errors | None:
    """The member-constraint errors of a request of ``operation`` (None for an operation the
    spec does not have): its request schema without the cross-field keywords, compiled
    (harness.spec.validation). Taking those keywords out takes out exactly the errors
    from inside them, the ones this module does not read (none of the schemas uses $ref)."""
    import jsonschema

    from harness.spec import catalog

    spec = catalog.load("aws")
    if operation not in spec.service(service).operations:
        return None
    schema = _without_cross_field(spec.operation(service, operation).request_schema)
    return errors_of(jsonschema.Draft202012Validator(schema))


def _without_cross_field(schema: Any) -> Any:
    if not isinstance(schema, Mapping):
        return schema
    out = {}
    for keyword, value in schema.items():
        if keyword in CROSS_FIELD:
            continue
        if keyword in ("properties", "$defs", "patternProperties") and isinstance(value, Mapping):
            # Member names, not keywords: a member may be called anything.
            out[keyword] = {name: _without_cross_field(sub) for name, sub in value.items()}
        elif isinstance(value, Mapping):
            out[keyword] = _without_cross_field(value)  # items, additionalProperties, propertyNames
        else:
            out[keyword] = value  # enum, required, bounds: values, not schemas
    return out


def constraint_violations(service: str, operation: str, params: Mapping[str, Any]) -> list[Violation]:
    """The member-constraint rules ``params`` breaks; unknown operations break none."""
    return scan(service, operation, params)[0]


def scan(service: str, operation: str, params: Mapping[str, Any]) -> tuple[list[Violation], list[Violation]]:
    """The member-constraint rules ``params`` breaks, and apart the constraints it breaks whose
    bounds the documents contradict (:attr:`ServiceFacts.undecided`): a target may serve such a
    request or refuse it as the constraint rule says."""
    errors = _errors(service, operation)
    if errors is None:
        return [], []
    found: list[Violation] = []
    undecided: list[Violation] = []
    for err_path, keyword, _, message in errors(params):
        kind = KEYWORD_RULE.get(keyword)
        if kind is None:
            continue  # additionalProperties and the like: no documented outcome
        path = list(err_path)
        if keyword == "required":
            missing = re.findall(r"'([^']+)' is a required property", message)
            path = [*path, *(missing[:1])]
        pointer = "/" + "/".join(str(p) for p in path)
        facts = facts_of(service)
        where = (_INDEX.sub("/*", pointer), keyword)
        if where in facts.owned_elsewhere:
            continue
        broken = Violation(CONSTRAINT_RULES[(service, kind)].id, pointer, keyword)
        if where in facts.undecided:
            undecided.append(broken)
            continue
        found.append(broken)
        unknown = facts.identifiers.get(pointer)
        if unknown is not None and keyword != "required":
            found.append(Violation(unknown, pointer, "names no key"))
    return found, undecided
