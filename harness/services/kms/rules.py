"""KMS: documented facts and the rules a request can break (rulebook sections 3-5).

Each predicate reads the JSON parameters exactly as they will be sent and returns
the :class:`Violation` records of the rules they break. The same predicates decide
what a generated call must get and re-check the call after shrinking.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from harness.oracle.predict import Fact, Violation
from harness.oracle.rules import RULES, Rule, any_4xx, error
from harness.services.kms.about import OPERATIONS

SERVICE = "kms"
RULEBOOK = "rulebook"

# --- Key specs and usages (rulebook rule 17; botocore CreateKeyRequest.KeyUsage doc) -----

#: The documented KeySpec x KeyUsage table, shared with the spec builder (which writes what of it
#: JSON Schema can express into the CreateKey request schema). KeyUsage values each KeySpec
#: allows: botocore CreateKeyRequest.KeyUsage doc ("For HMAC KMS keys
#: (symmetric), specify GENERATE_VERIFY_MAC ..."), and for ECC_NIST_EDWARDS25519 the KeySpec doc
#: ("signing and verification only"). Rulebook rule 17.
KEY_USAGES_BY_SPEC: Mapping[str, tuple[str, ...]] = {
    "SYMMETRIC_DEFAULT": ("ENCRYPT_DECRYPT",),
    "HMAC_224": ("GENERATE_VERIFY_MAC",),
    "HMAC_256": ("GENERATE_VERIFY_MAC",),
    "HMAC_384": ("GENERATE_VERIFY_MAC",),
    "HMAC_512": ("GENERATE_VERIFY_MAC",),
    "RSA_2048": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "RSA_3072": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "RSA_4096": ("ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    "ECC_NIST_P256": ("SIGN_VERIFY", "KEY_AGREEMENT"),
    "ECC_NIST_P384": ("SIGN_VERIFY", "KEY_AGREEMENT"),
    "ECC_NIST_P521": ("SIGN_VERIFY", "KEY_AGREEMENT"),
    "ECC_NIST_EDWARDS25519": ("SIGN_VERIFY",),
    "ECC_SECG_P256K1": ("SIGN_VERIFY",),
    "ML_DSA_44": ("SIGN_VERIFY",),
    "ML_DSA_65": ("SIGN_VERIFY",),
    "ML_DSA_87": ("SIGN_VERIFY",),
    "ML_KEM_512": ("ENCAPSULATE_DECAPSULATE",),
    "ML_KEM_768": ("ENCAPSULATE_DECAPSULATE",),
    "ML_KEM_1024": ("ENCAPSULATE_DECAPSULATE",),
    "SM2": ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"),
}


#: SM2 exists only in China Regions; ML-KEM only outside them (rule 17).
CHINA_ONLY_SPECS = frozenset({"SM2"})
NOT_IN_CHINA_SPECS = frozenset({"ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"})


def is_china_region(region: str) -> bool:
    return region.startswith("cn-")


def specs_available_in(region: str) -> tuple[str, ...]:
    china = is_china_region(region)
    excluded = NOT_IN_CHINA_SPECS if china else CHINA_ONLY_SPECS
    return tuple(s for s in KEY_USAGES_BY_SPEC if s not in excluded)


def effective_key_spec(params: Mapping[str, Any]) -> str:
    """KeySpec, else the deprecated CustomerMasterKeySpec, else the default (rule 15, 19)."""
    spec = params.get("KeySpec") or params.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
    return str(spec)


# --- Tags (rulebook section 5) -------------------------------------------------------------

MAX_TAGS_PER_KEY = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
RESERVED_TAG_PREFIX = "aws:"

TAG_RULES_SOURCE = "rulebook section 5; https://docs.aws.amazon.com/kms/latest/developerguide/tags-about.html"

VALID_CREATE_KEY = RULES.add(
    Rule(
        id="kms.create-key.valid",
        service=SERVICE,
        operations=("CreateKey",),
        title="A CreateKey with any valid combination of documented parameters succeeds.",
        source="rulebook rules 15-29; "
        + "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html",
        note=(
            "Valid calls use only combinations every source allows: Origin EXTERNAL only "
            "with SYMMETRIC_DEFAULT (D4), no SM2 outside China Regions, no custom key stores "
            "(they need resources the target may not have), tag characters from the "
            "advisory set (rule 34)."
        ),
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-11-10",
    )
)
VALID_REPLICATE_KEY = RULES.add(
    Rule(
        id="kms.replicate-key.valid",
        service=SERVICE,
        operations=("ReplicateKey",),
        title=("ReplicateKey of an enabled multi-Region primary key to a Region without a replica succeeds."),
        source="rulebook rules 43-51; https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html",
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-11-10",
    )
)

TAG_RESERVED_PREFIX = RULES.add(
    Rule(
        id="kms.tags.reserved-prefix",
        service=SERVICE,
        operations=("CreateKey", "ReplicateKey", "TagResource"),
        title="A tag key beginning with 'aws:', in any letter case, is rejected with TagException.",
        source="rulebook rule 31 [REC CreateKey and TagResource 2025-01-21/22]; " + TAG_RULES_SOURCE,
        expectation=error("TagException"),
        note="Only the key is checked: whether a value starting 'aws:' is rejected is not recorded.",
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-01-22",
    )
)
TAG_DUPLICATE_KEYS = RULES.add(
    Rule(
        id="kms.tags.duplicate-keys",
        service=SERVICE,
        operations=("CreateKey", "ReplicateKey", "TagResource"),
        title="The same tag key twice in one request is rejected with TagException.",
        source="rulebook rule 32 [REC TagResource 2025-01-17]; " + TAG_RULES_SOURCE,
        expectation=error("TagException"),
        note="Keys are case-sensitive: 'Env' and 'env' are different keys, not duplicates.",
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-01-17",
    )
)
TAG_TOO_MANY = RULES.add(
    Rule(
        id="kms.tags.too-many",
        service=SERVICE,
        operations=("CreateKey", "ReplicateKey"),
        title="More than 50 tags on a key is rejected with TagException.",
        source="rulebook rule 33 [REC CreateKey 2025-01-21]; " + TAG_RULES_SOURCE,
        expectation=error("TagException"),
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-01-21",
    )
)
TAG_TOO_MANY_ON_TAG_RESOURCE = RULES.add(
    Rule(
        id="kms.tags.too-many-tag-resource",
        service=SERVICE,
        operations=("TagResource",),
        title="TagResource that would leave a key with more than 50 tags is rejected.",
        source="rulebook rule 33; botocore kms TagResource errors (TagException, LimitExceededException)",
        expectation=error("TagException", "LimitExceededException"),
        note=(
            "Not recorded on TagResource; both modelled errors are accepted because the docs "
            "do not say which one TagResource uses."
        ),
        evidence="documented",
        checked="2026-11-29",
    )
)
TAG_KEY_TOO_LONG = RULES.add(
    Rule(
        id="kms.tags.key-too-long",
        service=SERVICE,
        operations=("CreateKey", "ReplicateKey", "TagResource"),
        title="A tag key longer than 128 characters is rejected with ValidationException.",
        source="rulebook rule 30 [REC 2025-01-22]; botocore kms TagKeyType max 128",
        expectation=error("ValidationException"),
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-01-22",
    )
)
TAG_KEY_EMPTY = RULES.add(
    Rule(
        id="kms.tags.key-empty",
        service=SERVICE,
        operations=("CreateKey", "ReplicateKey", "TagResource"),
        title="An empty tag key is rejected with ValidationException.",
        source="rulebook rules 6 and 30; botocore kms TagKeyType min 1",
        expectation=error("ValidationException"),
        note="No recording: the server code follows the recorded format for constraint violations.",
        evidence="documented",
        checked="2026-11-29",
    )
)
TAG_VALUE_TOO_LONG = RULES.add(
    Rule(
        id="kms.tags.value-too-long",
        service=SERVICE,
        operations=("CreateKey", "ReplicateKey", "TagResource"),
        title="A tag value longer than 256 characters is rejected with ValidationException.",
        source="rulebook rule 30 [REC 2025-01-21]; botocore kms TagValueType max 256",
        expectation=error("ValidationException"),
        note="An empty value is valid (TagValueType min 0).",
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-01-21",
    )
)


KEY_USAGE_REQUIRED = RULES.add(
    Rule(
        id="kms.create-key.key-usage-required",
        service=SERVICE,
        operations=("CreateKey",),
        title=(
            "CreateKey of any key but a symmetric encryption key without KeyUsage is rejected with "
            "ValidationException."
        ),
        source=(
            "rulebook rules 17-18 [REC test_hmac_create_key_invalid_operations 2023-04-13]; botocore "
            "CreateKeyRequest.KeyUsage ('optional when you are creating a symmetric encryption KMS key; "
            "otherwise, it is required')"
        ),
        expectation=error("ValidationException"),
        evidence="recorded",
        checked="2026-11-29",
        source_date="2023-04-13",
    )
)
KEY_SPEC_USAGE = RULES.add(
    Rule(
        id="kms.create-key.key-spec-usage",
        service=SERVICE,
        operations=("CreateKey",),
        title="A KeyUsage the KeySpec does not allow (rule 17 table) is rejected with ValidationException.",
        source=(
            "rulebook rules 17-18 [REC test_derive_shared_secret 2024-12-25: RSA_2048 with KEY_AGREEMENT -> "
            "ValidationException 'KeyUsage KEY_AGREEMENT is not compatible with KeySpec RSA_2048']; botocore "
            "CreateKeyRequest.KeyUsage doc; aws/aws-sdk-go-v2#1426 (SYMMETRIC_DEFAULT with SIGN_VERIFY -> "
            "400 ValidationException)"
        ),
        expectation=error("ValidationException"),
        note="No error code is documented for an invalid pair; the recorded one is followed.",
        evidence="recorded",
        checked="2026-11-29",
        source_date="2024-12-25",
    )
)
REGION_ONLY_SPEC = RULES.add(
    Rule(
        id="kms.create-key.sm2-outside-china",
        service=SERVICE,
        operations=("CreateKey",),
        title=(
            "SM2 keys exist only in China Regions (and ML-KEM keys only outside them): elsewhere the "
            "request is rejected."
        ),
        source="rulebook rule 17; botocore KeySpec doc",
        expectation=any_4xx("no error code is documented for a KeySpec the Region does not offer"),
        evidence="documented",
        checked="2026-11-29",
    )
)
CUSTOM_KEY_STORE = RULES.add(
    Rule(
        id="kms.create-key.custom-key-store",
        service=SERVICE,
        operations=("CreateKey",),
        title=(
            "Origin AWS_CLOUDHSM or EXTERNAL_KEY_STORE needs CustomKeyStoreId, and a key in a custom key "
            "store must be SYMMETRIC_DEFAULT: otherwise the request is rejected."
        ),
        source="rulebook rules 25-27; botocore CreateKeyRequest.Origin, CustomKeyStoreId docs",
        expectation=any_4xx("no error code is documented for a missing store id or a non-symmetric spec"),
        evidence="documented",
        checked="2026-11-29",
    )
)
CUSTOM_KEY_STORE_NOT_FOUND = RULES.add(
    Rule(
        id="kms.create-key.custom-key-store-not-found",
        service=SERVICE,
        operations=("CreateKey",),
        title=(
            "A CustomKeyStoreId that names no custom key store is rejected with "
            "CustomKeyStoreNotFoundException."
        ),
        source="rulebook rule 25; botocore CreateKey errors, CustomKeyStoreNotFoundException doc",
        expectation=error("CustomKeyStoreNotFoundException"),
        note=(
            "The harness only sends store ids it made up ('cks-' and 17 random hex digits), so 'names no "
            "store' is known without listing stores."
        ),
        evidence="documented",
        checked="2026-11-29",
    )
)
XKS_KEY_ID = RULES.add(
    Rule(
        id="kms.create-key.xks-key-id",
        service=SERVICE,
        operations=("CreateKey",),
        title="XksKeyId is required with Origin EXTERNAL_KEY_STORE and not valid with any other Origin.",
        source="rulebook rule 26; botocore CreateKeyRequest.XksKeyId doc",
        expectation=any_4xx("the error code is not documented"),
        evidence="documented",
        checked="2026-11-29",
    )
)
MULTI_REGION_CUSTOM_STORE = RULES.add(
    Rule(
        id="kms.create-key.multi-region-custom-store",
        service=SERVICE,
        operations=("CreateKey",),
        title="A multi-Region key cannot be created in a custom key store.",
        source="rulebook rules 27-28; botocore CreateKeyRequest.MultiRegion and CustomKeyStoreId docs",
        expectation=any_4xx("the code is not documented (UnsupportedOperationException is the closest fit)"),
        evidence="documented",
        checked="2026-11-29",
    )
)
POLICY_SIZE = RULES.add(
    Rule(
        id="kms.policy.size",
        service=SERVICE,
        operations=("CreateKey", "ReplicateKey"),
        title="A key policy larger than 32 KB (32,768 bytes) is rejected.",
        source=(
            "rulebook rule 21 and D3; "
            "https://docs.aws.amazon.com/kms/latest/developerguide/resource-limits.html; "
            "botocore PolicyType max 131072"
        ),
        expectation=any_4xx(
            "the quota (32,768 bytes, LimitExceededException per the CreateKey doc) and the model "
            "(131,072, ValidationException) disagree (D3); neither is recorded"
        ),
        evidence="documented",
        checked="2026-11-29",
    )
)
POLICY_MALFORMED = RULES.add(
    Rule(
        id="kms.policy.malformed",
        service=SERVICE,
        operations=("CreateKey", "ReplicateKey"),
        title="A key policy that is not a JSON document is rejected.",
        source="rulebook rule 22; botocore MalformedPolicyDocumentException doc",
        expectation=any_4xx("the code is not documented; MalformedPolicyDocumentException is the only fit"),
        evidence="documented",
        checked="2026-11-29",
    )
)
POLICY_INVALID_PRINCIPAL = RULES.add(
    Rule(
        id="kms.policy.invalid-principal",
        service=SERVICE,
        operations=("CreateKey", "ReplicateKey"),
        title=(
            "A key policy naming a principal that does not exist is rejected with "
            "MalformedPolicyDocumentException, even with BypassPolicyLockoutSafetyCheck."
        ),
        source=(
            "rulebook rule 22(b) (awslabs/minimum-viable-dataspace-on-aws#6: 'Policy contains a statement "
            "with one or more invalid principals'); botocore MalformedPolicyDocumentException"
        ),
        expectation=error("MalformedPolicyDocumentException"),
        note=(
            "Only principals the harness made up are judged ('role/harness-nonexistent-...'); the lockout "
            "check (22a) depends on the caller's identity and is not predicted."
        ),
        evidence="documented",
        checked="2026-11-29",
    )
)

#: Marker of IAM role names the harness invents; no such role exists.
NONEXISTENT_ROLE = "harness-nonexistent-"
POLICY_QUOTA_BYTES = 32_768
CUSTOM_KEY_STORE_ORIGINS = frozenset({"AWS_CLOUDHSM", "EXTERNAL_KEY_STORE"})
KEY_USAGES_ALL: tuple[str, ...] = (
    "SIGN_VERIFY",
    "ENCRYPT_DECRYPT",
    "GENERATE_VERIFY_MAC",
    "KEY_AGREEMENT",
    "ENCAPSULATE_DECAPSULATE",
)


def key_shape_violations(params: Mapping[str, Any], *, region: str) -> list[Violation]:
    """KeySpec x KeyUsage (rules 17-18) and the key specs the Region offers."""
    found: list[Violation] = []
    member = "KeySpec" if "KeySpec" in params else "CustomerMasterKeySpec"
    value = params.get(member, "SYMMETRIC_DEFAULT")
    if not isinstance(value, str) or value not in KEY_USAGES_BY_SPEC:
        return found  # not a documented value: the enum rule decides
    usage = params.get("KeyUsage")
    if usage is None and value != "SYMMETRIC_DEFAULT":
        found.append(Violation(KEY_USAGE_REQUIRED.id, "/KeyUsage", value))
    elif isinstance(usage, str) and usage in KEY_USAGES_ALL and usage not in KEY_USAGES_BY_SPEC[value]:
        found.append(Violation(KEY_SPEC_USAGE.id, "/KeyUsage", f"{value}/{usage}"))
    if value not in specs_available_in(region):
        found.append(Violation(REGION_ONLY_SPEC.id, f"/{member}", value))
    return found


def custom_store_violations(params: Mapping[str, Any]) -> list[Violation]:
    """Origin, CustomKeyStoreId, XksKeyId and MultiRegion together (rules 25-28)."""
    found: list[Violation] = []
    origin = params.get("Origin")
    store = params.get("CustomKeyStoreId")
    in_store = origin in CUSTOM_KEY_STORE_ORIGINS
    if in_store and store is None:
        found.append(Violation(CUSTOM_KEY_STORE.id, "/CustomKeyStoreId", str(origin)))
    if store is not None and effective_key_spec(params) != "SYMMETRIC_DEFAULT":
        found.append(Violation(CUSTOM_KEY_STORE.id, "/KeySpec", "custom key store"))
    if ("XksKeyId" in params) != (origin == "EXTERNAL_KEY_STORE"):
        found.append(Violation(XKS_KEY_ID.id, "/XksKeyId", str(origin)))
    if store is not None and params.get("MultiRegion") is True:
        found.append(Violation(MULTI_REGION_CUSTOM_STORE.id, "/MultiRegion"))
    if in_store and isinstance(store, str) and not found:
        # Only a request that is otherwise right reaches the store lookup.
        found.append(Violation(CUSTOM_KEY_STORE_NOT_FOUND.id, "/CustomKeyStoreId"))
    return found


def policy_violations(params: Mapping[str, Any]) -> list[Violation]:
    """The key policy rules (21-22); the Policy member's own constraints are member constraints."""
    policy = params.get("Policy")
    if not isinstance(policy, str) or not policy:
        return []
    found: list[Violation] = []
    if len(policy.encode("utf-8")) > POLICY_QUOTA_BYTES:
        found.append(Violation(POLICY_SIZE.id, "/Policy", "size"))
    try:
        document = json.loads(policy)
    except ValueError:
        return [*found, Violation(POLICY_MALFORMED.id, "/Policy", "not JSON")]
    if NONEXISTENT_ROLE in json.dumps(_principals(document)):
        found.append(Violation(POLICY_INVALID_PRINCIPAL.id, "/Policy", "principal"))
    return found


def _principals(document: Any) -> list[Any]:
    statements = document.get("Statement") if isinstance(document, dict) else None
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list):
        return []
    return [s.get("Principal") for s in statements if isinstance(s, dict)]


def is_reserved_tag_key(key: str) -> bool:
    return key[: len(RESERVED_TAG_PREFIX)].lower() == RESERVED_TAG_PREFIX


def tag_violations(
    tags: Any,
    *,
    pointer: str = "/Tags",
    existing_keys: Sequence[str] = (),
    operation: str = "CreateKey",
) -> list[Violation]:
    """The tag rules a KMS ``Tags`` list breaks (CreateKey, ReplicateKey, TagResource).

    ``existing_keys`` are the keys already on the KMS key (TagResource upserts them,
    rule 32), used for the 50-tag limit.
    """
    if not isinstance(tags, list):
        return []
    found: list[Violation] = []
    seen: set[str] = set()
    duplicate = False
    for index, tag in enumerate(tags):
        if not isinstance(tag, dict):
            continue
        key, value = tag.get("TagKey"), tag.get("TagValue")
        where = f"{pointer}/{index}"
        if isinstance(key, str):
            if len(key) > TAG_KEY_MAX:
                found.append(Violation(TAG_KEY_TOO_LONG.id, f"{where}/TagKey", f"{len(key)} chars"))
            elif len(key) == 0:
                found.append(Violation(TAG_KEY_EMPTY.id, f"{where}/TagKey"))
            if is_reserved_tag_key(key):
                found.append(Violation(TAG_RESERVED_PREFIX.id, f"{where}/TagKey", repr(key[:4])))
            if key in seen:
                duplicate = True
            seen.add(key)
        if isinstance(value, str) and len(value) > TAG_VALUE_MAX:
            found.append(Violation(TAG_VALUE_TOO_LONG.id, f"{where}/TagValue", f"{len(value)} chars"))
    if duplicate:
        found.append(Violation(TAG_DUPLICATE_KEYS.id, pointer))
    total = len(seen | set(existing_keys))
    if total > MAX_TAGS_PER_KEY:
        rule = TAG_TOO_MANY_ON_TAG_RESOURCE if operation == "TagResource" else TAG_TOO_MANY
        found.append(Violation(rule.id, pointer, f"{total} distinct keys"))
    return found


def create_key_violations(params: Mapping[str, Any], *, region: str) -> list[Violation]:
    """The documented rules a CreateKey request breaks (member constraints aside)."""
    return [
        *key_shape_violations(params, region=region),
        *custom_store_violations(params),
        *policy_violations(params),
        *tag_violations(params.get("Tags"), operation="CreateKey"),
    ]


CREATE_KEY_ANSWER = RULES.add(
    Rule(
        id="kms.create-key.answer",
        service=SERVICE,
        kind="answer",
        operations=("CreateKey",),
        title=(
            "A successful CreateKey describes the key that was asked for: KeySpec, KeyUsage, Origin, "
            "MultiRegion and Description as requested or their documented defaults (SYMMETRIC_DEFAULT, "
            "ENCRYPT_DECRYPT, AWS_KMS, false, empty), KeyManager CUSTOMER, KeyState Enabled (PendingImport "
            "and not enabled for Origin EXTERNAL)."
        ),
        source=(
            "rulebook rules 15, 24 [REC test_create_key 2025-11-10, test_import_key_symmetric 2025-11-10]; "
            "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html"
        ),
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-11-10",
    )
)
REPLICATE_KEY_ANSWER = RULES.add(
    Rule(
        id="kms.replicate-key.answer",
        service=SERVICE,
        kind="answer",
        operations=("ReplicateKey",),
        title=(
            "A successful ReplicateKey describes a replica: the primary's KeyId, KeySpec, KeyUsage and "
            "Origin; MultiRegion true, MultiRegionKeyType REPLICA naming the primary; the Description and "
            "Tags of the request (never the primary's); a ReplicaPolicy; KeyState Creating or Enabled."
        ),
        source=(
            "rulebook rules 48 and 50 [REC test_replicate_key 2025-11-10]; "
            "https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html"
        ),
        note=(
            "A replica starts Creating and becomes Enabled 'after a few seconds': both are accepted here, "
            "the stateful model follows the transition."
        ),
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-11-10",
    )
)


def create_key_facts(params: Mapping[str, Any], *, region: str) -> list[Fact]:
    """What a successful CreateKey answer must say about the key it made (rules 15, 24)."""
    rule = CREATE_KEY_ANSWER.id
    spec = effective_key_spec(params)
    origin = str(params.get("Origin") or "AWS_KMS")
    external = origin == "EXTERNAL"

    def fact(member: str, value: Any, name: str) -> Fact:
        return Fact(rule, f"/KeyMetadata/{member}", name, expected=value)

    def default_or_echo(member: str, value: Any) -> Fact:
        return fact(member, value, "echo" if member in params else "default")

    facts = [
        default_or_echo("KeySpec", spec)
        if "CustomerMasterKeySpec" not in params
        else fact("KeySpec", spec, "echo"),
        default_or_echo("KeyUsage", params.get("KeyUsage", "ENCRYPT_DECRYPT")),
        default_or_echo("Origin", origin),
        default_or_echo("MultiRegion", bool(params.get("MultiRegion", False))),
        default_or_echo("Description", params.get("Description", "")),
        fact("KeyManager", "CUSTOMER", "customer managed"),
        fact("KeyState", "PendingImport" if external else "Enabled", "initial state"),
        fact("Enabled", not external, "initially enabled"),
    ]
    return facts


def replicate_key_facts(params: Mapping[str, Any], *, primary: Mapping[str, Any], region: str) -> list[Fact]:
    """What a successful ReplicateKey answer must say (rules 48 and 50).

    ``primary`` holds the primary's documented facts: KeyId, Arn, KeySpec, KeyUsage, Origin.
    """
    rule = REPLICATE_KEY_ANSWER.id

    def fact(pointer: str, name: str, **kw: Any) -> Fact:
        return Fact(rule, f"/ReplicaKeyMetadata{pointer}", name, **kw)

    facts = [
        fact("/KeyId", "shared KeyId", expected=primary["KeyId"]),
        fact("/KeySpec", "shared KeySpec", expected=primary["KeySpec"]),
        fact("/KeyUsage", "shared KeyUsage", expected=primary["KeyUsage"]),
        fact("/Origin", "shared Origin", expected=primary["Origin"]),
        fact("/MultiRegion", "multi-Region", expected=True),
        fact("/MultiRegionConfiguration/MultiRegionKeyType", "replica type", expected="REPLICA"),
        fact("/MultiRegionConfiguration/PrimaryKey/Region", "primary Region", expected=region),
        fact("/Description", "independent Description", expected=params.get("Description", "")),
        fact("/KeyState", "initial state", pattern="Creating|Enabled"),
        Fact(rule, "/ReplicaPolicy", "policy returned", pattern=r"(?s).+"),
    ]
    if primary.get("Arn"):
        facts.append(fact("/MultiRegionConfiguration/PrimaryKey/Arn", "primary ARN", expected=primary["Arn"]))
    tags = params.get("Tags")
    if isinstance(tags, list) and tags:
        # ReplicaTags is optional and recorded only as absent (no tags sent): judged when present.
        pairs = list(tags)
        facts.append(Fact(rule, "/ReplicaTags", "tags of the request", pairs, unordered=True, optional=True))
    return facts


def replicate_key_violations(params: Mapping[str, Any]) -> list[Violation]:
    """The documented rules a ReplicateKey request breaks, given a valid primary key."""
    # Rule 51: Policy, BypassPolicyLockoutSafetyCheck and Tags are validated as on CreateKey.
    return [*policy_violations(params), *tag_violations(params.get("Tags"), operation="ReplicateKey")]


VALID_TAG_RESOURCE = RULES.add(
    Rule(
        id="kms.tag-resource.valid",
        service=SERVICE,
        operations=("TagResource",),
        title=(
            "TagResource with valid tags on an enabled key succeeds; a key already on the KMS "
            "key is an upsert (its value is replaced)."
        ),
        source="rulebook rule 32; botocore kms TagResourceRequest.Tags doc",
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-01-17",
    )
)
VALID_DESCRIBE_KEY = RULES.add(
    Rule(
        id="kms.describe-key.valid",
        service=SERVICE,
        operations=("DescribeKey",),
        title="DescribeKey of an existing key by key ID or key ARN of its Region succeeds in any key state.",
        source="rulebook rules 14 and 38; https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html",
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-11-10",
    )
)
KEY_NOT_FOUND = RULES.add(
    Rule(
        id="kms.key-id.not-found",
        service=SERVICE,
        operations=tuple(op for op in OPERATIONS if op != "CreateKey"),
        title=(
            "A key ID that names no key in the Region (well-formed or not, or a key ARN of another "
            "Region) is rejected with NotFoundException."
        ),
        source=(
            "rulebook rules 11-13 [REC test_get_key_invalid_uuid 2023-11-07, test_get_key_does_not_exist "
            "2025-09-08, test_get_key_in_different_region 2025-11-10]"
        ),
        expectation=error("NotFoundException"),
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-11-10",
    )
)


def tag_resource_violations(params: Mapping[str, Any], *, existing_keys: Sequence[str]) -> list[Violation]:
    """The documented rules a TagResource request on an existing, enabled key breaks."""
    return tag_violations(params.get("Tags"), existing_keys=existing_keys, operation="TagResource")
