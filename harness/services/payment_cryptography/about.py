"""Who Payment Cryptography is to the harness: its model, documentation, operations and protocol."""

from __future__ import annotations

from harness.oracle import ServiceFacts, register_generic_rules

NAME = "payment-cryptography"
API_VERSION = "2021-09-14"
DOC_BASE = "https://docs.aws.amazon.com/payment-cryptography/latest/APIReference/"
OPERATIONS = (
    "CreateKey",
    "GetKey",
    "ListKeys",
    "DeleteKey",
    "RestoreKey",
    "TagResource",
    "UntagResource",
    "ListTagsForResource",
)

FACTS = ServiceFacts(
    name=NAME,
    rule_prefix="pc",
    label="Payment Cryptography",
    json_version="1.0",
    target_prefix="PaymentCryptographyControlPlane",
    protocol_rule="rulebook rule 2",
    empty_body_example=f"{DOC_BASE}API_TagResource.html",
    error_members="'Message'; ResourceNotFoundException has ResourceId",
    validation_source="rulebook rules 5 and T3; botocore payment-cryptography ValidationException "
    "('The request was denied due to an invalid request error') and request shapes",
    identifiers={"/KeyIdentifier": "pc.get-key.not-found", "/ResourceArn": "pc.get-key.not-found"},
    # D7: the model says TagValue min 1, the CreateKey/TagResource docs and manage-tags-api.html
    # say the value "can be an empty (null) string": an empty value may be kept or refused.
    undecided=frozenset({("/Tags/*/Value", "minLength")}),
)

# The generic answer, member-constraint and wire rules, registered with the service's facts.
register_generic_rules(FACTS)
