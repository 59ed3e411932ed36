"""Who KMS is to the harness: its model, its documentation, the operations covered, its protocol."""

from __future__ import annotations

from harness.oracle import ServiceFacts, register_generic_rules
from harness.oracle.rules import Grade

CHECKED = "2026-11-29"
#: KMS models no ValidationException: where an answer recorded from AWS shows the code for a
#: kind of constraint, the rule is recorded; elsewhere the rejection is documented by the model's
#: constraint and the code only inferred from the recorded kinds (rulebook rule 6).
_CODE_INFERRED = Grade("documented", CHECKED, code_evidence="inferred")
GRADES = {
    # [REC] keySpec, keyUsage, macAlgorithm, keyAgreementAlgorithm enum violations 2023-04-13..2024-12-25
    "validation.enum": Grade("recorded", CHECKED, "2023-04-13"),
    # [REC] tagKey, tagValue and plaintext lengths 2023-04-13..2025-01-22
    "validation.length": Grade("recorded", CHECKED, "2025-01-22"),
    # [REC] GenerateRandom NumberOfBytes 0 and 1025 2023-04-13
    "validation.range": Grade("recorded", CHECKED, "2023-04-13"),
    # Not recorded: no pattern, list-size or missing-member answer of KMS.
    "validation.pattern": _CODE_INFERRED,
    "validation.items": _CODE_INFERRED,
    "validation.required": _CODE_INFERRED,
}

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
    # What a key is for (issue 15): cryptographic operations, aliases, rotation, imported
    # key material (harness.services.kms.key_use_rules).
    "Encrypt",
    "Decrypt",
    "ReEncrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateRandom",
    "Sign",
    "Verify",
    "GenerateMac",
    "VerifyMac",
    "GetPublicKey",
    "DeriveSharedSecret",
    "CreateAlias",
    "UpdateAlias",
    "DeleteAlias",
    "ListAliases",
    "EnableKeyRotation",
    "DisableKeyRotation",
    "GetKeyRotationStatus",
    "RotateKeyOnDemand",
    "ListKeyRotations",
    "GetParametersForImport",
    "ImportKeyMaterial",
    "DeleteImportedKeyMaterial",
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
    "2023-04-13; enum: macAlgorithm 2023-04-13, keyAgreementAlgorithm 2024-12-25; range: GenerateRandom "
    "NumberOfBytes 0 and 1025 2023-04-13]; botocore kms request shapes",
    identifiers={"/KeyId": "kms.key-id.not-found", "/PolicyName": "kms.get-key-policy.no-ram-policy"},
    owned_elsewhere=frozenset(
        {("/Tags/*/TagKey", "maxLength"), ("/Tags/*/TagKey", "minLength"), ("/Tags/*/TagValue", "maxLength")}
    ),
    grades=GRADES,
)

# The generic answer, member-constraint and wire rules of KMS, registered with its facts.
register_generic_rules(FACTS)
