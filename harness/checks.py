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
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from harness.exchange import Exchange
from harness.oracle.answers import answer_rule_id
from harness.oracle.predict import ABSENT, Prediction
from harness.oracle.rules import RULES, Expectation
from harness.spec.catalog import ServiceSpec

Kind = Literal[
    "unexpected-success",
    "wrong-error",
    "unexpected-error",
    "server-error",
    "response-schema",
    "wire-format",
    "invariant",
    "auth",
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

    @property
    def source(self) -> str:
        return RULES[self.rule].source if self.rule in RULES else ""


def _actual_label(exchange: Exchange) -> str:
    if exchange.status is None:
        return "no answer"
    if exchange.ok:
        return "success"
    return exchange.error_code or f"HTTP {exchange.status} without an error code"


def divergence(
    rule: str, kind: Kind, exchange: Exchange, expected: Expectation, detail: str, signature: str
) -> Divergence:
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
    )


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
    signature = f"{expected.label} -> {actual}"
    # A server error or a served request is the same fault whichever codes the request
    # could have earned: when a drawn request happens to break a second rule, the expected
    # label changes ("several rules broken"), the fault does not. Only a wrong error code
    # is told apart by the code expected.
    served_or_failed = f"{'success' if expected.outcome == 'success' else 'a client error'} -> {actual}"
    if exchange.status is None or exchange.status >= 500:
        detail = (
            f"no answer ({exchange.transport_error})"
            if exchange.status is None
            else f"HTTP {exchange.status} to a request that expects {expected.label}"
        )
        return divergence(rule, "server-error", exchange, expected, detail, served_or_failed)
    if expected.outcome == "success":
        if exchange.ok:
            return None
        detail = f"expected success, got HTTP {exchange.status} {actual}"
        return divergence(rule, "unexpected-error", exchange, expected, detail, signature)
    if exchange.ok:
        detail = f"expected {expected.label} (HTTP 4xx), got HTTP {exchange.status} success"
        # A request the service should not authenticate but served is an auth finding.
        kind: Kind = "auth" if rule in RULES and "auth" in RULES[rule].tags else "unexpected-success"
        return divergence(rule, kind, exchange, expected, detail, served_or_failed)
    if not 400 <= exchange.status < 500:
        detail = f"expected a 4xx answer, got HTTP {exchange.status}"
        return divergence(rule, "wrong-error", exchange, expected, detail, signature)
    code = spec.canonical_error(exchange.error_code) if spec is not None else exchange.error_code
    if expected.outcome == "error" and code not in expected.errors:
        detail = f"expected {expected.label}, got {actual}"
        return divergence(rule, "wrong-error", exchange, expected, detail, signature)
    return None


def check_facts(prediction: Prediction, exchange: Exchange) -> list[Divergence]:
    """A successful answer says what the model predicted (defaults, echoes, formats, state)."""
    if not exchange.ok or not prediction.facts or not isinstance(exchange.body, dict):
        return []
    found = []
    for fact in prediction.facts:
        value = fact.value_in(exchange.body)
        if value is None or fact.holds(exchange.body):
            continue  # a null is the response-schema rule's finding: one fault, one finding
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
    errors = sorted(
        op.response_validator.iter_errors(exchange.body),
        key=lambda e: (_pointer(e.absolute_path), e.validator != "type", str(e.validator)),
    )
    found: dict[str, Divergence] = {}
    for err in errors:
        pointer = _pointer(err.absolute_path)
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
    """A 4xx answer carries ``__type`` and the message member the service models."""
    if exchange.status is None or exchange.ok or exchange.status >= 500:
        return None
    rule = answer_rule_id(spec.name, "error.shape")
    expected = Expectation("any-4xx", detail="a JSON object with __type and the modelled message member")
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
    if not isinstance(body.get("__type"), str):
        if exchange.headers.get("x-amzn-errortype"):
            return None  # the header form is an equally valid carrier (Smithy errors.smithy)
        return divergence(
            rule,
            "wire-format",
            exchange,
            expected,
            "error body has no __type string",
            "__type missing",
        )
    code = exchange.error_code or ""
    error = spec.errors.get(code) or spec.errors.get(spec.canonical_error(code) or "")
    wanted = tuple(m for m in error.members) if error is not None else spec.message_members(code)
    if not wanted:
        return None
    present = [m for m in wanted if m in body]
    if present:
        return None
    others = sorted(k for k in body if k != "__type")
    return divergence(
        rule,
        "wire-format",
        exchange,
        expected,
        f"{code} body has members {others}, not the modelled {list(wanted)}",
        f"{code}: {','.join(others) or 'no members'} instead of {','.join(wanted)}",
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
