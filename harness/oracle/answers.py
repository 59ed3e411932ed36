"""Rules about answers: what every response of a service must look like on the wire."""

from __future__ import annotations

from harness.oracle.rules import RULES, Grade, Rule
from harness.oracle.service_facts import ServiceFacts, facts_of

CHECKED = "2026-11-29"
#: The service model's shapes and the awsJson protocol fix what an answer looks like.
DOCUMENTED = Grade("documented", CHECKED)


def answer_rule_id(service: str, name: str) -> str:
    return f"{facts_of(service).rule_prefix}.{name}"


#: The generic answer rules every service has (its own answer rules come on top).
NAMES = (
    "response.schema",
    "response.empty-body",
    "wire.content-type",
    "error.shape",
    "error.undocumented-code",
    "operation.implemented",
)

#: What a target that does not implement a documented operation answers: HTTP 501 (LocalStack's
#: "not yet emulated"), or the error of an X-Amz-Target the service does not know.
NOT_IMPLEMENTED_STATUS = 501
NOT_IMPLEMENTED_CODES = frozenset({"UnknownOperationException"})


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
            **facts.grade("response.schema", DOCUMENTED).fields(),
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
            **facts.grade("response.empty-body", DOCUMENTED).fields(),
        )
    )
    RULES.add(
        Rule(
            id=answer_rule_id(service, "wire.content-type"),
            service=service,
            kind="answer",
            title=f"Every {label} answer with a body has Content-Type {facts.content_type}.",
            source=f"rulebook rules 1-2; {smithy} (protocol tests)",
            note=(
                "Media-type parameters such as charset are ignored. Not judged on answers to requests "
                "that are not well-formed calls (the wire and auth rules): no document fixes their "
                "body, and the real captures there are HTML pages."
            ),
            **facts.grade("wire.content-type", DOCUMENTED).fields(),
        )
    )
    RULES.add(
        Rule(
            id=answer_rule_id(service, "error.shape"),
            service=service,
            kind="answer",
            title=(
                "An error answer is a JSON object whose __type names the error (or carries an "
                "X-Amzn-ErrorType header); a message member, when present, is a string."
            ),
            source=f"rulebook rule 3; botocore {service} error shapes; {smithy}",
            note=(
                f"The service spells its message member {facts.error_members}, but every error member "
                "is optional in the model and real AWS KMS errors are recorded without any "
                "(InvalidCiphertextException, KMSInvalidSignatureException, UnsupportedOperationException "
                "[REC 2023-04-13..2026-02-09]): only __type is demanded. Not judged on answers to "
                "requests that are not well-formed calls (wire and auth rules)."
            ),
            **facts.grade("error.shape", DOCUMENTED).fields(),
        )
    )
    RULES.add(
        Rule(
            id=answer_rule_id(service, "error.undocumented-code"),
            service=service,
            kind="answer",
            title=(
                f"A {label} error answer names an error the operation documents or one of the common "
                "errors, whether or not the outcome could be predicted."
            ),
            source=f"botocore {service} operation errors; {facts.common_errors_source}",
            note=(
                "Judged on every 4xx answer no rule names the codes of (no prediction, or any 4xx), "
                "so a replay that starts mid-history still judges the code. 5xx answers are the "
                "outcome rules' business."
            ),
            **facts.grade("error.undocumented-code", DOCUMENTED).fields(),
        )
    )
    RULES.add(
        Rule(
            id=answer_rule_id(service, "operation.implemented"),
            service=service,
            kind="answer",
            title=(
                f"Every {label} operation the service model documents is implemented: a well-formed "
                "call of it never gets HTTP 501 or UnknownOperationException."
            ),
            source=(
                f"botocore {service} service model (the operation exists); {facts.common_errors_source}; "
                "RFC 9110 section 15.6.2 (501 Not Implemented)"
            ),
            note=(
                "One finding of kind not-implemented per operation, whatever the call; the rules that "
                "need the operation are reported as not applicable (findings.json not_applicable), "
                "not as failed. UnknownOperationException is the documented answer to an X-Amz-Target "
                "the service does not have (the wire rules), so only calls of documented operations count."
            ),
            **facts.grade("operation.implemented", DOCUMENTED).fields(),
        )
    )
