"""Rules about answers: what every response of a service must look like on the wire."""

from __future__ import annotations

from harness.oracle.rules import RULES, Rule

SMITHY_AWS_JSON = {
    "kms": "https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html",
    "payment-cryptography": "https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html",
}
PREFIX = {"kms": "kms", "payment-cryptography": "pc"}


def answer_rule_id(service: str, name: str) -> str:
    return f"{PREFIX[service]}.{name}"


for _service, _label in (("kms", "KMS"), ("payment-cryptography", "Payment Cryptography")):
    _json = "1.1" if _service == "kms" else "1.0"
    RULES.add(
        Rule(
            id=answer_rule_id(_service, "response.schema"),
            service=_service,
            kind="answer",
            title=(
                f"A successful {_label} answer's raw JSON body matches the documented response "
                "shape: right types, timestamps as epoch seconds, documented enum values, and "
                "absent (never null) members without a value."
            ),
            source=f"rulebook section 1 and tables T1-T3; botocore {_service} output shapes; "
            f"{SMITHY_AWS_JSON[_service]}",
        )
    )
    RULES.add(
        Rule(
            id=answer_rule_id(_service, "response.empty-body"),
            service=_service,
            kind="answer",
            title=("An operation with no documented response elements answers success with an empty body."),
            source=(
                "API Reference, Response Elements of e.g. "
                + (
                    "https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKey.html"
                    if _service == "kms"
                    else "https://docs.aws.amazon.com/payment-cryptography/latest/APIReference/API_TagResource.html"
                )
                + ": 'an HTTP 200 response with an empty HTTP body'"
            ),
            note="An empty JSON object is accepted too: it carries no member a client could misread.",
        )
    )
    RULES.add(
        Rule(
            id=answer_rule_id(_service, "wire.content-type"),
            service=_service,
            kind="answer",
            title=f"Every {_label} answer with a body has Content-Type application/x-amz-json-{_json}.",
            source=f"rulebook rules 1-2; {SMITHY_AWS_JSON[_service]} (protocol tests)",
            note="Media-type parameters such as charset are ignored.",
        )
    )
    RULES.add(
        Rule(
            id=answer_rule_id(_service, "error.shape"),
            service=_service,
            kind="answer",
            title=(
                "An error answer is a JSON object whose __type names the error and whose message "
                "member is spelled as the service models it ("
                + (
                    "'message'"
                    if _service == "kms"
                    else "'Message'; ResourceNotFoundException has ResourceId"
                )
                + ")."
            ),
            source=f"rulebook rule 3; botocore {_service} error shapes; {SMITHY_AWS_JSON[_service]}",
        )
    )
