"""Rules about answers: what every response of a service must look like on the wire."""

from __future__ import annotations

from harness.oracle.rules import RULES, Rule
from harness.oracle.service_facts import ServiceFacts, facts_of


def answer_rule_id(service: str, name: str) -> str:
    return f"{facts_of(service).rule_prefix}.{name}"


#: The generic answer rules every service has (its own answer rules come on top).
NAMES = ("response.schema", "response.empty-body", "wire.content-type", "error.shape")


def register(facts: ServiceFacts) -> None:
    service, label, smithy = facts.name, facts.label, facts.protocol_url
    RULES.add(
        Rule(
            id=answer_rule_id(service, "response.schema"),
            service=service,
            kind="answer",
            title=(
                f"A successful {label} answer's raw JSON body matches the documented response "
                "shape: right types, timestamps as epoch seconds, documented enum values, and "
                "absent (never null) members without a value."
            ),
            source=f"rulebook section 1 and tables T1-T3; botocore {service} output shapes; {smithy}",
        )
    )
    RULES.add(
        Rule(
            id=answer_rule_id(service, "response.empty-body"),
            service=service,
            kind="answer",
            title=("An operation with no documented response elements answers success with an empty body."),
            source=(
                f"API Reference, Response Elements of e.g. {facts.empty_body_example}"
                ": 'an HTTP 200 response with an empty HTTP body'"
            ),
            note="An empty JSON object is accepted too: it carries no member a client could misread.",
        )
    )
    RULES.add(
        Rule(
            id=answer_rule_id(service, "wire.content-type"),
            service=service,
            kind="answer",
            title=f"Every {label} answer with a body has Content-Type {facts.content_type}.",
            source=f"rulebook rules 1-2; {smithy} (protocol tests)",
            note="Media-type parameters such as charset are ignored.",
        )
    )
    RULES.add(
        Rule(
            id=answer_rule_id(service, "error.shape"),
            service=service,
            kind="answer",
            title=(
                "An error answer is a JSON object whose __type names the error and whose message "
                f"member is spelled as the service models it ({facts.error_members})."
            ),
            source=f"rulebook rule 3; botocore {service} error shapes; {smithy}",
        )
    )
