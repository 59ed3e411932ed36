"""KMS: documented facts and the rules a request can break (rulebook sections 3-5).

Each predicate reads the JSON parameters exactly as they will be sent and returns
the :class:`Violation` records of the rules they break. The same predicates decide
what a generated call must get and re-check the call after shrinking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.oracle.predict import Fact, Violation
from harness.oracle.rules import RULES, Rule, error

SERVICE = "kms"
RULEBOOK = "rulebook"

# --- Key specs and usages (rulebook rule 17; botocore CreateKeyRequest.KeyUsage doc) -----

KEY_USAGES_BY_SPEC: dict[str, tuple[str, ...]] = {
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
    )
)
VALID_REPLICATE_KEY = RULES.add(
    Rule(
        id="kms.replicate-key.valid",
        service=SERVICE,
        operations=("ReplicateKey",),
        title=("ReplicateKey of an enabled multi-Region primary key to a Region without a replica succeeds."),
        source="rulebook rules 43-51; https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html",
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
    )
)


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
    """The documented rules a CreateKey request breaks."""
    return tag_violations(params.get("Tags"), operation="CreateKey")


def create_key_facts(params: Mapping[str, Any], *, region: str) -> list[Fact]:
    """What a successful CreateKey answer must say about the key it made (issue 4 fills this)."""
    return []


def replicate_key_facts(params: Mapping[str, Any], *, primary: Mapping[str, Any], region: str) -> list[Fact]:
    """What a successful ReplicateKey answer must say (issue 4 fills this).

    ``primary`` holds the primary's documented facts: KeyId, Arn, KeySpec, KeyUsage, Origin.
    """
    return []


def replicate_key_violations(params: Mapping[str, Any]) -> list[Violation]:
    """The documented rules a ReplicateKey request breaks, given a valid primary key."""
    # Rule 51: Tags on ReplicateKey are validated as on CreateKey.
    return tag_violations(params.get("Tags"), operation="ReplicateKey")


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
    )
)
VALID_DESCRIBE_KEY = RULES.add(
    Rule(
        id="kms.describe-key.valid",
        service=SERVICE,
        operations=("DescribeKey",),
        title="DescribeKey of an existing key by key ID or key ARN of its Region succeeds in any key state.",
        source="rulebook rules 14 and 38; https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html",
    )
)
KEY_NOT_FOUND = RULES.add(
    Rule(
        id="kms.key-id.not-found",
        service=SERVICE,
        operations=("DescribeKey",),
        title=(
            "A key ID that names no key in the Region (well-formed or not, or a key ARN of another "
            "Region) is rejected with NotFoundException."
        ),
        source=(
            "rulebook rules 11-13 [REC test_get_key_invalid_uuid 2023-11-07, test_get_key_does_not_exist "
            "2025-09-08, test_get_key_in_different_region 2025-11-10]"
        ),
        expectation=error("NotFoundException"),
    )
)


def tag_resource_violations(params: Mapping[str, Any], *, existing_keys: Sequence[str]) -> list[Violation]:
    """The documented rules a TagResource request on an existing, enabled key breaks."""
    return tag_violations(params.get("Tags"), existing_keys=existing_keys, operation="TagResource")
