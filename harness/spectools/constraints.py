"""Cross-field constraints of the request bodies, and the oracle rules that decide them.

botocore's shapes give each member its type, length, enum and pattern. The documents say
more: which members go together, which values exclude each other, limits the model does
not carry. What JSON Schema can express goes into the request schema as a keyword at the
operation root (an ``allOf`` entry, usually ``if``/``then``), with its source and the ids
of the oracle rules that predict the answer (``x-oracle-rules``; issue 4 defines them in
``harness/oracle/``). What it cannot express (a quota across calls, a policy's meaning,
the Region a call is sent to, duplicate keys in a list of objects) is only referenced:
the member's property carries ``x-oracle-rules``.

The tables here copy the documentation, not the oracle's code: the spec stage comes
before the oracle (data flows one way), and a unit test checks the two agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.errors import SpecError
from harness.services.kms.rules import KEY_USAGES_BY_SPEC

KMS_DOC = "https://docs.aws.amazon.com/kms/latest/APIReference/"
PC_VA = "https://docs.aws.amazon.com/payment-cryptography/latest/userguide/keys-validattributes.html"
PC_REPLICATION = (
    "https://docs.aws.amazon.com/payment-cryptography/latest/userguide/keys-multi-region-replication.html"
)
KMS_TAGS = "https://docs.aws.amazon.com/kms/latest/developerguide/tags-about.html"


@dataclass(frozen=True, slots=True)
class Constraint:
    """One documented constraint on a request body."""

    name: str
    """Stable within the operation; the ``title`` of its ``allOf`` entry."""
    description: str
    source: str
    members: tuple[str, ...]
    """Pointers (``/Tags/*/TagKey``) of the members it concerns; they carry ``x-oracle-rules``."""
    rules: tuple[str, ...] = ()
    """Oracle rules that predict the answer to a request that breaks it."""
    schema: Mapping[str, Any] | None = None
    """JSON Schema keywords, checked at the body's root; ``None`` when JSON Schema cannot say it."""
    notes: tuple[str, ...] = field(default=())


# --- KMS CreateKey: key spec x key usage (rulebook rule 17) ---------------------------------------

#: KeyUsage values each KeySpec allows: the KMS folder's table (rulebook rule 17).
KMS_KEY_USAGES_BY_SPEC = KEY_USAGES_BY_SPEC

SYMMETRIC = "SYMMETRIC_DEFAULT"
_SPEC = "KeySpec"
_LEGACY = "CustomerMasterKeySpec"


def _present(member: str, value_schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``member`` is present (and, with ``value_schema``, its value matches it)."""
    out: dict[str, Any] = {"required": [member]}
    if value_schema is not None:
        out["properties"] = {member: dict(value_schema)}
    return out


def _key_spec_is(value_schema: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The effective key spec matches ``value_schema``: KeySpec when present, else the deprecated
    CustomerMasterKeySpec (rulebook rules 15 and 19; the docs say nothing of sending both)."""
    return [
        _present(_SPEC, value_schema),
        {**_present(_LEGACY, value_schema), "not": {"required": [_SPEC]}},
    ]


def _if_key_spec(value_schema: Mapping[str, Any], then: Mapping[str, Any]) -> dict[str, Any]:
    return {"allOf": [{"if": condition, "then": dict(then)} for condition in _key_spec_is(value_schema)]}


def _usage_by_spec() -> dict[str, Any]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for spec, usages in KMS_KEY_USAGES_BY_SPEC.items():
        groups.setdefault(usages, []).append(spec)
    entries: list[dict[str, Any]] = []
    for usages, specs in groups.items():
        allowed = {"properties": {"KeyUsage": {"enum": list(usages)}}}
        entries.extend(_if_key_spec({"enum": specs}, allowed)["allOf"])
    # Neither spec member: the key is SYMMETRIC_DEFAULT (the documented default, rule 15).
    entries.append(
        {
            "if": {"not": {"anyOf": [{"required": [_SPEC]}, {"required": [_LEGACY]}]}},
            "then": {"properties": {"KeyUsage": {"const": "ENCRYPT_DECRYPT"}}},
        }
    )
    return {"allOf": entries}


def _origin_is(*origins: str) -> dict[str, Any]:
    return _present("Origin", {"enum": list(origins)})


_CUSTOM_STORE_ORIGINS = ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE")
_SYMMETRIC_ONLY = {
    "allOf": [
        {"properties": {_SPEC: {"const": SYMMETRIC}}},
        {"properties": {_LEGACY: {"const": SYMMETRIC}}},
    ]
}

_POLICY = Constraint(
    name="policy",
    description=(
        "The key policy must be at most 32 KB (LimitExceededException) and syntactically and "
        "semantically correct (MalformedPolicyDocumentException)."
    ),
    source="rulebook rules 21-22, D3; botocore kms/2014-11-01 CreateKeyRequest.Policy doc; "
    "https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html",
    members=("/Policy",),
    rules=("kms.policy.size", "kms.policy.malformed"),
    notes=("PolicyType's maxLength 131072 (botocore) stays; the 32 KB quota is the oracle's.",),
)

_POLICY_LOCKOUT = Constraint(
    name="policy-lockout",
    description="The key policy must allow the caller to manage the key unless "
    "BypassPolicyLockoutSafetyCheck is true (MalformedPolicyDocumentException).",
    source="rulebook rule 22; botocore kms/2014-11-01 CreateKeyRequest.Policy and "
    "BypassPolicyLockoutSafetyCheck docs",
    members=("/Policy", "/BypassPolicyLockoutSafetyCheck"),
    rules=("kms.policy.lockout",),
)

_TAG_PREFIX = Constraint(
    name="tag-key-reserved-prefix",
    description="A tag key must not begin with 'aws:' in any letter case (TagException).",
    source=f"rulebook rule 31 [REC 2025-01-21/22]; {KMS_TAGS}",
    members=("/Tags/*/TagKey",),
    rules=("kms.tags.reserved-prefix",),
    schema={
        "properties": {"Tags": {"items": {"properties": {"TagKey": {"not": {"pattern": "^[aA][wW][sS]:"}}}}}}
    },
)

_TAG_DUPLICATES = Constraint(
    name="tag-keys-unique",
    description="No tag key twice in one request (TagException); JSON Schema's uniqueItems "
    "compares whole tags, not their keys.",
    source="rulebook rule 32 [REC TagResource 2025-01-17]",
    members=("/Tags",),
    rules=("kms.tags.duplicate-keys",),
)


def _tag_count(rule: str, *, across_calls: bool) -> Constraint:
    return Constraint(
        name="tags-at-most-50",
        description="At most 50 tags per KMS key (TagException)"
        + (
            "; the limit counts the key's existing tags too, which only the oracle knows."
            if across_calls
            else "."
        ),
        source=f"rulebook rule 33 [REC 2025-01-21]; {KMS_TAGS}",
        members=("/Tags",),
        rules=(rule,),
        schema={"properties": {"Tags": {"maxItems": 50}}},
    )


KMS_CREATE_KEY = (
    Constraint(
        name="key-usage-required",
        description="KeyUsage is required unless the key spec is SYMMETRIC_DEFAULT.",
        source='botocore kms/2014-11-01 CreateKeyRequest.KeyUsage doc ("optional when you are '
        'creating a symmetric encryption KMS key; otherwise, it is required"); rulebook rules 17-18',
        members=("/KeyUsage", "/KeySpec", "/CustomerMasterKeySpec"),
        rules=("kms.create-key.key-usage-required",),
        schema=_if_key_spec({"not": {"const": SYMMETRIC}}, {"required": ["KeyUsage"]}),
    ),
    Constraint(
        name="key-spec-usage",
        description="KeyUsage must be one the key spec allows (the table of rulebook rule 17).",
        source="botocore kms/2014-11-01 CreateKeyRequest.KeyUsage and KeySpec docs; rulebook rule 17",
        members=("/KeyUsage", "/KeySpec", "/CustomerMasterKeySpec"),
        rules=("kms.create-key.key-spec-usage",),
        schema=_usage_by_spec(),
    ),
    Constraint(
        name="key-spec-region",
        description="SM2 exists only in China Regions and ML-KEM only outside them: the Region "
        "is not in the body.",
        source="botocore kms/2014-11-01 CreateKeyRequest.KeySpec doc; rulebook rule 17",
        members=("/KeySpec", "/CustomerMasterKeySpec"),
        rules=("kms.create-key.sm2-outside-china",),
    ),
    Constraint(
        name="custom-key-store-origin",
        description="Origin AWS_CLOUDHSM or EXTERNAL_KEY_STORE needs CustomKeyStoreId, and a key in a "
        "custom key store is SYMMETRIC_DEFAULT.",
        source="botocore kms/2014-11-01 CreateKeyRequest.Origin and CustomKeyStoreId docs; "
        "rulebook rules 25-27",
        members=("/Origin", "/CustomKeyStoreId"),
        rules=("kms.create-key.custom-key-store",),
        schema={
            "allOf": [
                {"if": _origin_is(*_CUSTOM_STORE_ORIGINS), "then": {"required": ["CustomKeyStoreId"]}},
                {"if": _origin_is(*_CUSTOM_STORE_ORIGINS), "then": _SYMMETRIC_ONLY},
                {"if": {"required": ["CustomKeyStoreId"]}, "then": _SYMMETRIC_ONLY},
            ]
        },
        notes=(
            "Whether the store exists and is connected is the oracle's (CustomKeyStoreNotFoundException, "
            "CustomKeyStoreInvalidStateException).",
        ),
    ),
    Constraint(
        name="xks-key-id-origin",
        description="XksKeyId is required with Origin EXTERNAL_KEY_STORE and not valid with any "
        "other Origin.",
        source="botocore kms/2014-11-01 CreateKeyRequest.XksKeyId and Origin docs; rulebook rule 26",
        members=("/XksKeyId", "/Origin"),
        rules=("kms.create-key.xks-key-id",),
        schema={
            "allOf": [
                {"if": _origin_is("EXTERNAL_KEY_STORE"), "then": {"required": ["XksKeyId"]}},
                {
                    "if": {"required": ["XksKeyId"]},
                    "then": _origin_is("EXTERNAL_KEY_STORE"),
                },
            ]
        },
    ),
    Constraint(
        name="multi-region-custom-store",
        description="A multi-Region key cannot be created in a custom key store.",
        source="botocore kms/2014-11-01 CreateKeyRequest.MultiRegion and CustomKeyStoreId docs; "
        "rulebook rules 27-28",
        members=("/MultiRegion", "/CustomKeyStoreId"),
        rules=("kms.create-key.multi-region-custom-store",),
        schema={
            "if": {"required": ["CustomKeyStoreId"]},
            "then": {"properties": {"MultiRegion": {"const": False}}},
        },
    ),
    _POLICY,
    _POLICY_LOCKOUT,
    _TAG_PREFIX,
    _TAG_DUPLICATES,
    _tag_count("kms.tags.too-many", across_calls=False),
)

KMS_REPLICATE_KEY = (
    Constraint(
        name="replica-region-differs",
        description="ReplicaRegion must differ from the primary key's Region, which is where the "
        "call is sent (not in the body).",
        source="rulebook rule 44; https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-replicate.html",
        members=("/ReplicaRegion",),
        rules=("kms.replicate-key.same-region",),
    ),
    _POLICY,
    _POLICY_LOCKOUT,
    _TAG_PREFIX,
    _TAG_DUPLICATES,
    _tag_count("kms.tags.too-many", across_calls=False),
)

KMS_TAG_RESOURCE = (
    _TAG_PREFIX,
    _TAG_DUPLICATES,
    _tag_count("kms.tags.too-many-tag-resource", across_calls=True),
)

KMS_SCHEDULE_KEY_DELETION = (
    Constraint(
        name="pending-window-7-30",
        description="PendingWindowInDays must be between 7 and 30 (the API Reference); botocore's "
        "PendingWindowInDaysType allows 1..365 (rulebook D1).",
        source='botocore kms/2014-11-01 ScheduleKeyDeletionRequest.PendingWindowInDays doc ("must be between '
        f'7 and 30, inclusive"); rulebook rule 40, D1; {KMS_DOC}API_ScheduleKeyDeletion.html',
        members=("/PendingWindowInDays",),
        rules=("kms.schedule-deletion.window",),
        schema={"properties": {"PendingWindowInDays": {"minimum": 7, "maximum": 30}}},
    ),
)

KMS_LIST_RESOURCE_TAGS = (
    Constraint(
        name="limit-1-50",
        description="Limit must be between 1 and 50 (the API Reference); botocore's LimitType allows "
        "1..1000 (rulebook D2).",
        source='botocore kms/2014-11-01 ListResourceTagsRequest.Limit doc ("must be between 1 and 50, '
        f'inclusive"); rulebook rule 37, D2; {KMS_DOC}API_ListResourceTags.html',
        members=("/Limit",),
        rules=("kms.list-resource-tags.limit",),
        schema={"properties": {"Limit": {"minimum": 1, "maximum": 50}}},
    ),
)

# --- Payment Cryptography CreateKey (rulebook rules 56-61) ----------------------------------------

PC_SYMMETRIC_ALGORITHMS = (
    "TDES_2KEY",
    "TDES_3KEY",
    "AES_128",
    "AES_192",
    "AES_256",
    "HMAC_SHA224",
    "HMAC_SHA256",
    "HMAC_SHA384",
    "HMAC_SHA512",
)
PC_RSA = ("RSA_2048", "RSA_3072", "RSA_4096")
PC_ECC = ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521")
PC_ASYMMETRIC_CLASSES = ("ASYMMETRIC_KEY_PAIR", "PRIVATE_KEY", "PUBLIC_KEY")

#: The algorithm family each KeyUsage allows ([PC-VA], rulebook rule 56). Left out: M0 and P1,
#: which the page does not list (rulebook D8).
PC_ALGORITHMS_BY_USAGE: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        (
            "TR31_B0_BASE_DERIVATION_KEY",
            "TR31_C0_CARD_VERIFICATION_KEY",
            "TR31_D0_SYMMETRIC_DATA_ENCRYPTION_KEY",
            "TR31_E0_EMV_MKEY_APP_CRYPTOGRAMS",
            "TR31_E1_EMV_MKEY_CONFIDENTIALITY",
            "TR31_E2_EMV_MKEY_INTEGRITY",
            "TR31_E4_EMV_MKEY_DYNAMIC_NUMBERS",
            "TR31_E5_EMV_MKEY_CARD_PERSONALIZATION",
            "TR31_E6_EMV_MKEY_OTHER",
            "TR31_K0_KEY_ENCRYPTION_KEY",
            "TR31_K1_KEY_BLOCK_PROTECTION_KEY",
            "TR31_M1_ISO_9797_1_MAC_KEY",
            "TR31_M3_ISO_9797_3_MAC_KEY",
            "TR31_M6_ISO_9797_5_CMAC_KEY",
            "TR31_M7_HMAC_KEY",
            "TR31_P0_PIN_ENCRYPTION_KEY",
            "TR31_V1_IBM3624_PIN_VERIFICATION_KEY",
            "TR31_V2_VISA_PIN_VERIFICATION_KEY",
        ),
        PC_SYMMETRIC_ALGORITHMS,
    ),
    "TR31_D1_ASYMMETRIC_KEY_FOR_DATA_ENCRYPTION": PC_RSA,
    "TR31_S0_ASYMMETRIC_KEY_FOR_DIGITAL_SIGNATURE": PC_RSA,
    "TR31_K2_TR34_ASYMMETRIC_KEY": PC_RSA,
    "TR31_K3_ASYMMETRIC_KEY_FOR_KEY_AGREEMENT": PC_ECC,
}

K3 = "TR31_K3_ASYMMETRIC_KEY_FOR_KEY_AGREEMENT"


def _attributes(**members: Mapping[str, Any]) -> dict[str, Any]:
    """A condition on KeyAttributes' members (KeyAttributes itself is required)."""
    return {"properties": {"KeyAttributes": {"properties": {k: dict(v) for k, v in members.items()}}}}


def _usage_families() -> dict[str, Any]:
    groups: dict[tuple[str, ...], list[str]] = {}
    for usage, algorithms in PC_ALGORITHMS_BY_USAGE.items():
        groups.setdefault(algorithms, []).append(usage)
    return {
        "allOf": [
            {
                "if": _attributes(KeyUsage={"enum": usages}),
                "then": _attributes(KeyAlgorithm={"enum": list(algorithms)}),
            }
            for algorithms, usages in groups.items()
        ]
    }


_PC_TAG_DUPLICATES = Constraint(
    name="tag-keys-unique",
    description="No tag key twice on a key (the error code is not documented, rulebook D12).",
    source="botocore payment-cryptography/2021-09-14 CreateKeyInput.Tags doc (\"You can't have more than "
    'one tag ... with the same tag key"); rulebook rule 60',
    members=("/Tags",),
    rules=("pc.tags.duplicate-keys",),
)

PC_CREATE_KEY = (
    Constraint(
        name="key-class-algorithm",
        description="A symmetric key uses a TDES, AES or HMAC algorithm; an asymmetric one RSA or ECC_NIST.",
        source='botocore payment-cryptography/2021-09-14 KeyAttributes.KeyAlgorithm doc ("For symmetric keys '
        '... AES and TDES algorithms. For asymmetric keys ... RSA and ECC_NIST"); HMAC keys are symmetric '
        f"({PC_REPLICATION}); rulebook rules 56, 61",
        members=("/KeyAttributes/KeyClass", "/KeyAttributes/KeyAlgorithm"),
        rules=("pc.create-key.attribute-combination",),
        schema={
            "allOf": [
                {
                    "if": _attributes(KeyClass={"const": "SYMMETRIC_KEY"}),
                    "then": _attributes(KeyAlgorithm={"enum": list(PC_SYMMETRIC_ALGORITHMS)}),
                },
                {
                    "if": _attributes(KeyClass={"enum": list(PC_ASYMMETRIC_CLASSES)}),
                    "then": _attributes(KeyAlgorithm={"enum": [*PC_RSA, *PC_ECC]}),
                },
            ]
        },
    ),
    Constraint(
        name="key-usage-algorithm",
        description="Each KeyUsage allows one algorithm family: RSA for D1, S0 and K2, ECC for K3, "
        "TDES/AES/HMAC for the symmetric usages (M0 and P1 are not on the page).",
        source=f"{PC_VA}; rulebook rules 56-57, D8",
        members=("/KeyAttributes/KeyUsage", "/KeyAttributes/KeyAlgorithm"),
        rules=("pc.create-key.attribute-combination",),
        schema=_usage_families(),
    ),
    Constraint(
        name="key-modes-of-use",
        description="KeyModesOfUse must be one of the sets the page allows for the usage; the page "
        "contradicts itself for K2 (rulebook D8).",
        source=f"{PC_VA}; rulebook rules 56-57",
        members=("/KeyAttributes/KeyModesOfUse",),
        rules=("pc.create-key.attribute-combination",),
    ),
    Constraint(
        name="derive-key-usage-k3",
        description="DeriveKeyUsage applies to ECC key pairs for key agreement (KeyUsage K3).",
        source='botocore payment-cryptography/2021-09-14 CreateKey doc ("When creating ECC key pairs ... you '
        'can optionally set the DeriveKeyUsage parameter") and CreateKeyInput.DeriveKeyUsage doc; '
        "rulebook rule 58",
        members=("/DeriveKeyUsage",),
        rules=("pc.create-key.derive-key-usage",),
        schema={"if": {"required": ["DeriveKeyUsage"]}, "then": _attributes(KeyUsage={"const": K3})},
    ),
    Constraint(
        name="replication-symmetric-only",
        description="Only symmetric keys can be replicated to other Regions.",
        source=f'{PC_REPLICATION} ("Asymmetric keys are not supported"); rulebook rule 61',
        members=("/ReplicationRegions",),
        schema={
            "if": {"required": ["ReplicationRegions"]},
            "then": _attributes(KeyClass={"const": "SYMMETRIC_KEY"}),
        },
    ),
    _PC_TAG_DUPLICATES,
)

PC_TAG_RESOURCE = (_PC_TAG_DUPLICATES,)

CONSTRAINTS: dict[tuple[str, str], tuple[Constraint, ...]] = {
    ("kms", "CreateKey"): KMS_CREATE_KEY,
    ("kms", "ReplicateKey"): KMS_REPLICATE_KEY,
    ("kms", "TagResource"): KMS_TAG_RESOURCE,
    ("kms", "ScheduleKeyDeletion"): KMS_SCHEDULE_KEY_DELETION,
    ("kms", "ListResourceTags"): KMS_LIST_RESOURCE_TAGS,
    ("payment-cryptography", "CreateKey"): PC_CREATE_KEY,
    ("payment-cryptography", "TagResource"): PC_TAG_RESOURCE,
}


def _member_schema(schema: dict[str, Any], pointer: str) -> dict[str, Any]:
    node = schema
    for part in (p for p in pointer.split("/") if p):
        node = node["items"] if part == "*" else node.get("properties", {}).get(part)
        if node is None:
            raise SpecError(f"constraint names {pointer}, which {schema.get('title')!r} does not have")
    return node


def apply(service: str, operation: str, schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (a request schema, changed in place) with the operation's constraints."""
    entries = []
    for constraint in CONSTRAINTS.get((service, operation), ()):
        for pointer in constraint.members:
            prop = _member_schema(schema, pointer)  # also checks the pointer exists
            if constraint.rules:
                prop["x-oracle-rules"] = sorted({*prop.get("x-oracle-rules", ()), *constraint.rules})
        if constraint.schema is None:
            continue
        entry: dict[str, Any] = {
            "title": constraint.name,
            "description": constraint.description,
            "x-source": constraint.source,
        }
        if constraint.rules:
            entry["x-oracle-rules"] = list(constraint.rules)
        entry.update(constraint.schema)
        entries.append(entry)
    if entries:
        schema["allOf"] = entries
    return schema
