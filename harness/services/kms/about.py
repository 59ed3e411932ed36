"""Who KMS is to the harness: its model, its documentation, the operations covered, its protocol."""

from __future__ import annotations

from harness.oracle import ServiceFacts, register_generic_rules

NAME = "kms"
API_VERSION = "2014-11-01"
DOC_BASE = "https://docs.aws.amazon.com/kms/latest/APIReference/"
#: The three operations under test, then the supporting operations the stateful model drives.
OPERATIONS = (
    "CreateKey",
    "ReplicateKey",
    "DescribeKey",
    "EnableKey",
    "DisableKey",
    "ScheduleKeyDeletion",
    "CancelKeyDeletion",
    "TagResource",
    "UntagResource",
    "ListResourceTags",
    "GetKeyPolicy",
    "UpdateKeyDescription",
    "UpdatePrimaryRegion",
)

FACTS = ServiceFacts(
    name=NAME,
    rule_prefix="kms",
    label="KMS",
    json_version="1.1",
    target_prefix="TrentService",
    protocol_rule="rulebook rule 1",
    empty_body_example=f"{DOC_BASE}API_EnableKey.html",
    error_members="'message'",
    validation_source="rulebook rules 6-7 [REC tags 2025-01, test_hmac_create_key_invalid_operations "
    "2023-04-13]; botocore kms request shapes",
    identifiers={"/KeyId": "kms.key-id.not-found"},
    owned_elsewhere=frozenset(
        {("/Tags/*/TagKey", "maxLength"), ("/Tags/*/TagKey", "minLength"), ("/Tags/*/TagValue", "maxLength")}
    ),
)

# The generic answer, member-constraint and wire rules of KMS, registered with its facts.
register_generic_rules(FACTS)
