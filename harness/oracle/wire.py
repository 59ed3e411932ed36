"""Wire-level and authentication rules: requests no SDK would send.

A request that is not a well-formed awsJson call (rulebook rules 1-2) or that is not
signed with SigV4 must be refused with a 4xx, never served and never answered with a
5xx. No page names the error codes for these cases (AWS's common errors include
MissingAuthenticationToken, IncompleteSignature, InvalidSignatureException,
UnrecognizedClientException, SerializationException, UnknownOperationException, but not
which one each case gets), so every rule here expects "any 4xx".
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from harness.oracle.predict import Prediction, Violation, predict
from harness.oracle.rules import RULES, Grade, Rule, any_4xx
from harness.oracle.service_facts import ServiceFacts, facts_of

CHECKED = "2026-11-29"
#: A refusal documented by the protocol, AWS's common errors or SigV4.
DOCUMENTED = Grade("documented", CHECKED)
#: Smithy awsJson states what a client sends; no document says how the service answers another
#: content type or a body that is not JSON (it might be lenient), and nothing is recorded.
INFERRED = Grade("inferred", CHECKED)

SIGV4 = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html"


def _rule(
    service: str, name: str, title: str, source: str, detail: str, grade: Grade, *, auth: bool = False
) -> Rule:
    return RULES.add(
        Rule(
            id=f"{facts_of(service).rule_prefix}.{name}",
            service=service,
            title=title,
            source=source,
            expectation=any_4xx(detail),
            tags=("auth",) if auth else (),
            **facts_of(service).grade(name, grade).fields(),
        )
    )


WIRE_RULES: dict[tuple[str, str], Rule] = {}
"""(service, name) -> rule."""


def register(facts: ServiceFacts) -> None:
    for name, title, source, detail, grade, auth in (
        (
            "wire.not-json",
            "A request body that is not a JSON object is refused with a 4xx (never served, never a 5xx).",
            facts.protocol_source,
            "the code is not documented (SerializationException is usual)",
            INFERRED,
            False,
        ),
        (
            "wire.unknown-operation",
            "An X-Amz-Target naming an operation the service does not have is refused with a 4xx.",
            f"{facts.protocol_source}; {facts.common_errors_url}",
            "the code is not documented (UnknownOperationException is usual)",
            DOCUMENTED,
            False,
        ),
        (
            "wire.missing-target",
            "A request without X-Amz-Target is refused with a 4xx.",
            f"{facts.protocol_source}; the seed pages' HEADER_PARAMETERS (X-Amz-Target, required)",
            "the code is not documented",
            DOCUMENTED,
            False,
        ),
        (
            "wire.request-content-type",
            "A request whose Content-Type is not application/x-amz-json-1.x is refused with a 4xx.",
            f"{facts.protocol_source}; the seed pages' HEADER_PARAMETERS (Content-Type, required)",
            "the answer to another content type is not documented; the pages make the header required",
            INFERRED,
            False,
        ),
        (
            "auth.unsigned",
            "A request without a SigV4 Authorization header is refused with a 4xx.",
            f"{SIGV4}; {facts.common_errors_url} (MissingAuthenticationToken)",
            "the code is not documented for this API (MissingAuthenticationTokenException is usual)",
            DOCUMENTED,
            True,
        ),
        (
            "auth.bad-signature",
            "A request signed with the wrong secret key is refused with a 4xx.",
            f"{SIGV4}; {facts.common_errors_url} (IncompleteSignature, InvalidSignatureException)",
            "the code is not documented for this API (InvalidSignatureException is usual)",
            DOCUMENTED,
            True,
        ),
    ):
        WIRE_RULES[(facts.name, name)] = _rule(facts.name, name, title, source, detail, grade, auth=auth)


def content_type_of(service: str) -> str:
    return facts_of(service).content_type


def target_prefix_of(service: str) -> str:
    return facts_of(service).target_prefix


@cache
def operations_of(service: str) -> frozenset[str]:
    """Every operation the service's botocore model has (not only those the harness covers)."""
    import botocore.session

    return frozenset(botocore.session.get_session().get_service_model(service).operation_names)


def wire_violations(service: str, wire: Mapping[str, Any]) -> list[Violation]:
    """The wire and auth rules a raw request breaks (see harness.exchange.Exchange.wire)."""
    found: list[Violation] = []

    def add(name: str, detail: str = "") -> None:
        found.append(Violation(WIRE_RULES[(service, name)].id, "", detail))

    auth = wire.get("auth", "sigv4")
    if auth == "unsigned":
        add("auth.unsigned")
    elif auth == "bad-signature":
        add("auth.bad-signature")
    target = wire.get("target")
    if target is None:
        add("wire.missing-target")
    else:
        prefix, _, operation = str(target).rpartition(".")
        if prefix != target_prefix_of(service) or operation not in operations_of(service):
            add("wire.unknown-operation", str(target))
    content_type = wire.get("content_type")
    media = str(content_type).split(";", 1)[0].strip().lower() if content_type else None
    if media != content_type_of(service):
        add("wire.request-content-type", str(content_type))
    if "body" in wire:
        add("wire.not-json")
    return found


def predict_wire(service: str, wire: Mapping[str, Any] | None) -> Prediction | None:
    """The prediction for a raw request, or None when its wire is that of an ordinary call."""
    if not wire:
        return None
    found = wire_violations(service, wire)
    return predict(None, found) if found else None
