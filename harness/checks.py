"""Checks: compare one answer with what the documentation requires.

Each check is a pure function of an :class:`~harness.exchange.Exchange`, the spec and
(for the outcome) a :class:`~harness.oracle.predict.Prediction`; it returns
:class:`Divergence` records and never raises for the target's sake. A divergence
carries a *signature*: the part of it that is the same every time the same fault
shows up (a schema pointer with indexes blanked, an error code), never the data
that happened to be drawn. Finding ids are made from it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

from harness.exchange import Exchange
from harness.oracle.answers import answer_rule_id
from harness.oracle.predict import ABSENT, Prediction
from harness.oracle.rules import RULES, Evidence, Expectation
from harness.spec.catalog import ServiceSpec
from harness.spec.validation import SchemaError

Kind = Literal[
    "unexpected-success",
    "wrong-error",
    "unexpected-error",
    "server-error",
    "response-schema",
    "wire-format",
    "invariant",
    "auth",
    "not-implemented",
    "difference",
]


@dataclass(frozen=True, slots=True)
class Divergence:
    """One way an answer differs from the documentation."""

    rule: str
    kind: Kind
    service: str
    operation: str
    expected: Expectation
    detail: str
    """Human-readable: what exactly differs."""
    signature: str
    """Stable: identifies the fault independently of the drawn data."""
    status: int | None = None
    error: str | None = None
    message: str | None = None
    evidence: Evidence = "documented"
    """How the expectation this divergence contradicts is known (harness.oracle.rules.Evidence)."""
    broken: tuple[str, ...] = ()
    """When the request broke several rules no document orders, every one of them."""

    @property
    def source(self) -> str:
        return RULES[self.rule].source if self.rule in RULES else ""

    @property
    def advisory(self) -> bool:
        """An inferred expectation: reported, counted apart, never failing a run."""
        return self.evidence == "inferred"


def _actual_label(exchange: Exchange) -> str:
    if exchange.status is None:
        return "no answer"
    if exchange.ok:
        return "success"
    return exchange.error_code or f"HTTP {exchange.status} without an error code"


def divergence(
    rule: str,
    kind: Kind,
    exchange: Exchange,
    expected: Expectation,
    detail: str,
    signature: str,
    *,
    evidence: Evidence | None = None,
    broken: tuple[str, ...] = (),
) -> Divergence:
    """A divergence of ``rule``; its evidence is the rule's unless given."""
    if evidence is None:
        evidence = RULES[rule].evidence if rule in RULES else "documented"
    return Divergence(
        rule=rule,
        kind=kind,
        service=exchange.service,
        operation=exchange.operation,
        expected=expected,
        detail=detail,
        signature=signature,
        status=exchange.status,
        error=exchange.error_code,
        message=exchange.error_message,
        evidence=evidence,
        broken=broken,
    )


_PART_INDEX = re.compile(r"^\d+$")


def member_pointer(pointer: str, schema: Mapping[str, Any] | None) -> str:
    """``pointer`` with every part that is not a member name blanked to ``*``: list indexes and
    the keys of maps (drawn data), judged by the request ``schema``; without one, indexes only.
    ``/Tags/3/TagKey`` -> ``/Tags/*/TagKey``; ``/EncryptionContext/k1`` -> ``/EncryptionContext/*``.
    """
    node: Any = schema
    parts = []
    for part in (p for p in pointer.split("/") if p):
        properties = node.get("properties") if isinstance(node, Mapping) else None
        if isinstance(node, Mapping) and "items" in node and _PART_INDEX.match(part):
            parts.append("*")
            node = node["items"]
        elif isinstance(properties, Mapping) and part in properties:
            parts.append(part)
            node = properties[part]
        elif node is None:
            parts.append("*" if _PART_INDEX.match(part) else part)
        else:
            parts.append("*")
            extra = node.get("additionalProperties") if isinstance(node, Mapping) else None
            node = extra if isinstance(extra, Mapping) else {}
    return "/" + "/".join(parts) if parts else ""


def where(prediction: Prediction, spec: ServiceSpec | None, operation: str) -> str:
    """Where a request breaks the rule that decides ``prediction``: for a state rule the key
    state the call met (``state Disabled``), else the member (``/KeySpec``), never drawn data."""
    operations = spec.operations if spec is not None else {}
    schema = operations[operation].request_schema if operation in operations else None
    found: list[str] = []
    for violation in prediction.violations:
        if violation.rule != prediction.rule:
            continue
        part = (
            f"state {violation.transition}"
            if violation.transition
            else member_pointer(violation.pointer, schema)
        )
        if part and part not in found:
            found.append(part)
    return ", ".join(sorted(found))


def check_outcome(
    prediction: Prediction, exchange: Exchange, spec: ServiceSpec | None = None
) -> Divergence | None:
    """Did the call succeed or fail exactly as the rules that decide it require?

    The HTTP status of an error is checked by class only (4xx), because the sources
    disagree on KMS and Payment Cryptography status numbers (rulebook rules 4-5, D5, D6).
    With a ``spec``, error codes the profile spells differently count as AWS's codes.
    """
    expected = prediction.expectation
    actual = _actual_label(exchange)
    rule = prediction.rule
    broken = prediction.broken if prediction.ambiguous else ()

    def outcome(kind: Kind, detail: str, signature: str) -> Divergence:
        if broken:
            detail = f"{detail} (the request breaks {', '.join(broken)}; any of their answers is accepted)"
        grade = prediction.evidence(kind)
        return divergence(rule, kind, exchange, expected, detail, signature, evidence=grade, broken=broken)

    # Where the request breaks the rule: the member (its pointer, index-free) or the key state
    # the call met. Two members (or two states) the target mishandles are two faults.
    at = where(prediction, spec, exchange.operation)
    suffix = f" @ {at}" if at else ""
    signature = f"{expected.label} -> {actual}{suffix}"
    # A server error or a served request is the same fault whichever codes the request
    # could have earned: when a drawn request happens to break a second rule, the expected
    # label changes ("several rules broken"), the fault does not. Only a wrong error code
    # is told apart by the code expected.
    served = "success" if expected.outcome == "success" else "a client error"
    served_or_failed = f"{served} -> {actual}{suffix}"
    if exchange.status is None or exchange.status >= 500:
        detail = (
            f"no answer ({exchange.transport_error})"
            if exchange.status is None
            else f"HTTP {exchange.status} to a request that expects {expected.label}"
        )
        return outcome("server-error", detail, served_or_failed)
    if expected.outcome == "success":
        if exchange.ok:
            return None
        detail = f"expected success, got HTTP {exchange.status} {actual}"
        return outcome("unexpected-error", detail, signature)
    if exchange.ok:
        detail = f"expected {expected.label} (HTTP 4xx), got HTTP {exchange.status} success"
        # A request the service should not authenticate but served is an auth finding.
        kind: Kind = "auth" if rule in RULES and "auth" in RULES[rule].tags else "unexpected-success"
        return outcome(kind, detail, served_or_failed)
    if not 400 <= exchange.status < 500:
        detail = f"expected a 4xx answer, got HTTP {exchange.status}"
        return outcome("wrong-error", detail, signature)
    code = spec.canonical_error(exchange.error_code) if spec is not None else exchange.error_code
    if expected.outcome == "error" and code not in expected.errors:
        detail = f"expected {expected.label}, got {actual}"
        return outcome("wrong-error", detail, signature)
    return None


def check_facts(prediction: Prediction, exchange: Exchange) -> list[Divergence]:
    """A successful answer says what the model predicted (defaults, echoes, formats, state)."""
    if not exchange.ok or not prediction.facts or not isinstance(exchange.body, dict):
        return []
    found = []
    for fact in prediction.facts:
        value = fact.value_in(exchange.body)
        if value is None or fact.holds_for(value):
            continue  # a null is the response-schema rule's finding: one fault, one finding
        if value is ABSENT and fact.optional:
            continue  # only what the model requires: an optional member may be left out
        if not fact.applies_to(exchange.body):
            continue  # e.g. a truncated page: it shows only part of the list
        shown = "absent" if value is ABSENT else repr(value)[:80]
        wanted = f"matching {fact.pattern}" if fact.pattern is not None else repr(fact.expected)[:80]
        found.append(
            divergence(
                fact.rule,
                "invariant",
                exchange,
                Expectation("success", detail=f"{fact.pointer} {wanted}"),
                f"{fact.pointer} is {shown}, expected {wanted}",
                f"{_INDEX.sub('/*', fact.pointer)}: {fact.name}",
            )
        )
    return found


_INDEX = re.compile(r"/\d+(?=/|$)")


def _pointer(path: Any) -> str:
    return "/" + "/".join(str(p) for p in path) if path else ""


def check_response_schema(spec: ServiceSpec, exchange: Exchange) -> list[Divergence]:
    """A 2xx answer's raw body against the operation's response schema (or empty body)."""
    if not exchange.ok or exchange.operation not in spec.operations:
        return []
    op = spec.operations[exchange.operation]
    if op.response_schema is None:
        return _check_empty_body(spec, exchange)
    rule = answer_rule_id(spec.name, "response.schema")
    expected = Expectation("success", detail=f"body matches {op.name}.response.json")
    if not exchange.body_is_json or not isinstance(exchange.body, dict):
        shown = exchange.raw_body[:80] or "an empty body"
        return [
            divergence(
                rule,
                "response-schema",
                exchange,
                expected,
                f"the body is not a JSON object: {shown!r}",
                "body: not a JSON object",
            )
        ]
    # One divergence per member: a null enum member fails both 'type' and 'enum', and
    # that is one fault. Errors are sorted so the same keyword is chosen every time.
    if op.response_errors is not None:
        raw_errors = op.response_errors(exchange.body)
    else:
        raw_errors = [
            SchemaError(tuple(e.absolute_path), str(e.validator), e.instance, e.message)
            for e in op.response_validator.iter_errors(exchange.body)
        ]
    if not raw_errors:
        return []
    errors = sorted(raw_errors, key=lambda e: (_pointer(e.path), e.validator != "type", e.validator))
    found: dict[str, Divergence] = {}
    for err in errors:
        pointer = _pointer(err.path)
        where = _INDEX.sub("/*", pointer) or "/"
        if where in found:
            continue
        value = err.instance
        if value is None:
            signature = f"{where}: null"
            detail = f"{pointer or '/'}: null where a value or absence is required"
        else:
            signature = f"{where}: {err.validator}"
            detail = f"{pointer or '/'}: {err.message} (value {repr(value)[:60]})"
        found[where] = divergence(rule, "response-schema", exchange, expected, detail, signature)
    return list(found.values())


def _check_empty_body(spec: ServiceSpec, exchange: Exchange) -> list[Divergence]:
    body = exchange.raw_body.strip()
    if not body or (exchange.body_is_json and exchange.body == {}):
        return []
    rule = answer_rule_id(spec.name, "response.empty-body")
    expected = Expectation("success", detail="an empty body")
    return [
        divergence(
            rule,
            "wire-format",
            exchange,
            expected,
            f"expected an empty body, got {body[:60]!r}",
            f"body: {body[:20]}",
        )
    ]


def _media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower()


def check_content_type(spec: ServiceSpec, exchange: Exchange) -> Divergence | None:
    """Every answer with a body is typed as the service's awsJson version."""
    if exchange.status is None or exchange.status >= 500 or not exchange.raw_body.strip():
        return None  # a 5xx is already a server-error finding; an empty body needs no type
    actual = _media_type(exchange.content_type)
    if actual == spec.content_type:
        return None
    rule = answer_rule_id(spec.name, "wire.content-type")
    expected = Expectation(
        "success" if exchange.ok else "any-4xx", detail=f"Content-Type {spec.content_type}"
    )
    outcome = "success" if exchange.ok else "error"
    return divergence(
        rule,
        "wire-format",
        exchange,
        expected,
        f"Content-Type {exchange.content_type!r} on a {outcome} answer; expected {spec.content_type}",
        f"{outcome}: {actual}",
    )


def check_error_body(spec: ServiceSpec, exchange: Exchange) -> Divergence | None:
    """A 4xx answer is a JSON object naming its error in ``__type`` (or X-Amzn-ErrorType).

    Nothing else is demanded: every error member is optional in both models, and real AWS KMS
    errors are recorded without any message member. A message member that is there must be a
    string (the model's type).
    """
    if exchange.status is None or exchange.ok or exchange.status >= 500:
        return None
    rule = answer_rule_id(spec.name, "error.shape")
    expected = Expectation("any-4xx", detail="a JSON object with a __type string")
    body = exchange.body
    if not exchange.body_is_json or not isinstance(body, dict):
        return divergence(
            rule,
            "wire-format",
            exchange,
            expected,
            f"error body is not a JSON object: {exchange.raw_body[:60]!r}",
            "body: not JSON",
        )
    if not isinstance(body.get("__type"), str) and not exchange.headers.get("x-amzn-errortype"):
        # The header form is an equally valid carrier (Smithy errors.smithy).
        return divergence(
            rule,
            "wire-format",
            exchange,
            expected,
            "error body has no __type string",
            "__type missing",
        )
    code = exchange.error_code or ""
    for member in spec.message_members(spec.canonical_error(code) or code) or ("message", "Message"):
        if member in body and body[member] is not None and not isinstance(body[member], str):
            return divergence(
                rule,
                "wire-format",
                exchange,
                expected,
                f"{code} body's {member} is {type(body[member]).__name__}, not a string",
                f"{member}: not a string",
            )
    return None


#: The errors every AWS API's "Common Errors" page lists, in its current and its older variant
#: (e.g. https://docs.aws.amazon.com/signer/latest/api/CommonErrors.html and
#: https://docs.aws.amazon.com/emr/latest/APIReference/CommonErrors.html), on top of the codes the
#: spec records for the service: an answer naming one of them is never "undocumented".
AWS_COMMON_ERRORS = frozenset(
    {
        "AccessDeniedException",
        "ExpiredTokenException",
        "IncompleteSignature",
        "InternalFailure",
        "InvalidAction",
        "InvalidClientTokenId",
        "InvalidParameterCombination",
        "InvalidParameterValue",
        "InvalidQueryParameter",
        "MalformedHttpRequestException",
        "MalformedQueryString",
        "MissingAction",
        "MissingAuthenticationToken",
        "MissingParameter",
        "NotAuthorized",
        "OptInRequired",
        "RequestAbortedException",
        "RequestEntityTooLargeException",
        "RequestExpired",
        "RequestTimeoutException",
        "ServiceUnavailable",
        "ThrottlingException",
        "UnknownOperationException",
        "UnrecognizedClientException",
        "ValidationError",
    }
)


def check_error_code(spec: ServiceSpec, exchange: Exchange) -> Divergence | None:
    """A 4xx answer names an error the operation documents, or a common error of the service.

    The judge runs it where no rule names the codes (no prediction, or any 4xx), so an
    undocumented code is judged even when the model could not predict the outcome.
    """
    if exchange.status is None or not 400 <= exchange.status < 500 or not exchange.error_code:
        return None
    operation = spec.operations.get(exchange.operation)
    if operation is None:
        return None  # an operation the spec does not cover: its codes are not known here
    code = spec.canonical_error(exchange.error_code)
    if code in operation.errors or code in spec.common_errors or code in AWS_COMMON_ERRORS:
        return None
    rule = answer_rule_id(spec.name, "error.undocumented-code")
    documented = ", ".join(sorted({*operation.errors, *spec.common_errors}))
    expected = Expectation("any-4xx", detail=f"one of {documented}")
    return divergence(
        rule,
        "wrong-error",
        exchange,
        expected,
        f"{code} is not an error {exchange.operation} documents, nor a common error",
        f"undocumented: {code}",
    )


def canonical(spec: ServiceSpec, exchange: Exchange) -> Exchange:
    """The exchange with its answer in AWS's spelling (see ServiceSpec.canonical_body)."""
    body = spec.canonical_body(exchange.body)
    return exchange if body is exchange.body else replace(exchange, body=body)


@dataclass(frozen=True, slots=True)
class Answer:
    """What an answer check reads: the service's spec, the raw exchange and its canonical view."""

    spec: ServiceSpec
    exchange: Exchange
    """As the wire gave it: the wire checks read this against the profile's own schemas."""
    canonical: Exchange
    """In AWS's spelling (:func:`canonical`): the rules about what the answer says read this."""


AnswerCheck = Callable[[Answer], Iterable[Divergence]]


@dataclass(frozen=True, slots=True)
class RegisteredCheck:
    name: str
    run: AnswerCheck
    service: str | None
    """``None``: every service's answers."""
    order: int


class CheckRegistry:
    """Answer checks by name, in the spirit of Schemathesis's ``@check``: one signature each
    (an :class:`Answer` in, divergences out), run on every answer of the services they serve,
    whatever the call expected."""

    def __init__(self) -> None:
        self._checks: dict[str, RegisteredCheck] = {}

    def add(self, name: str, run: AnswerCheck, *, service: str | None = None, order: int = 50) -> AnswerCheck:
        if name in self._checks:
            raise ValueError(f"check {name!r} is registered twice")
        self._checks[name] = RegisteredCheck(name, run, service, order)
        return run

    def names(self) -> list[str]:
        return [c.name for c in self._ordered()]

    def _ordered(self) -> list[RegisteredCheck]:
        return sorted(self._checks.values(), key=lambda c: c.order)

    def run(self, answer: Answer, only: frozenset[str] | None = None) -> list[Divergence]:
        """Every registered check that serves the answer's service (``only``: those named)."""
        found: list[Divergence] = []
        for registered in self._ordered():
            if registered.service not in (None, answer.exchange.service):
                continue
            if only is not None and registered.name not in only:
                continue
            found.extend(registered.run(answer))
        return found


CHECKS = CheckRegistry()


def check(name: str, *, service: str | None = None, order: int = 50) -> Callable[[AnswerCheck], AnswerCheck]:
    """Register an answer check: ``@check("my-check")`` over ``def my_check(answer) -> [...]``."""

    def decorate(run: AnswerCheck) -> AnswerCheck:
        return CHECKS.add(name, run, service=service, order=order)

    return decorate


def check_answer(
    spec: ServiceSpec, exchange: Exchange, only: frozenset[str] | None = None
) -> list[Divergence]:
    """Every registered answer check that applies, whatever was expected."""
    return CHECKS.run(Answer(spec, exchange, canonical(spec, exchange)), only)


# The checks every service's answers get. Their order is the order of a judgement's divergences.


@check("response-schema", order=10)
def _response_schema(answer: Answer) -> list[Divergence]:
    return check_response_schema(answer.spec, answer.exchange)


@check("content-type", order=30)
def _content_type(answer: Answer) -> list[Divergence]:
    found = check_content_type(answer.spec, answer.exchange)
    return [found] if found is not None else []


@check("error-shape", order=40)
def _error_shape(answer: Answer) -> list[Divergence]:
    found = check_error_body(answer.spec, answer.exchange)
    return [found] if found is not None else []
