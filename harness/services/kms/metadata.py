"""KeyMetadata must agree with itself: rules every KMS key description obeys.

These need no model: they relate members of one ``KeyMetadata`` (or
``ReplicaKeyMetadata``) object to each other and to the Region of the answer, so
they apply to any answer, live or replayed, whatever came before. Each problem is
described by a *stable* name (never drawn data) because it ends up in finding ids.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from harness.oracle.rules import RULES, Rule

SERVICE = "kms"
KEY_METADATA_DOC = "botocore kms/2014-11-01 KeyMetadata member docs"

ALGORITHMS = RULES.add(
    Rule(
        id="kms.key-metadata.algorithms",
        service=SERVICE,
        kind="answer",
        title=(
            "Algorithm lists follow KeySpec and KeyUsage: EncryptionAlgorithms only for ENCRYPT_DECRYPT, "
            "SigningAlgorithms only for SIGN_VERIFY, MacAlgorithms only for GENERATE_VERIFY_MAC, "
            "EncapsulationAlgorithms only for ENCAPSULATE_DECAPSULATE, with the documented values."
        ),
        source=(
            f"rulebook rule 16; {KEY_METADATA_DOC} ('This value is present only when the KeyUsage of the "
            "KMS key is ...'); https://docs.aws.amazon.com/kms/latest/developerguide/asymmetric-key-specs.html"
        ),
        note=(
            "Values are asserted only where the rulebook lists them (symmetric, RSA, ECC NIST/SECG, HMAC); "
            "ML-DSA, ML-KEM, Ed25519 and SM2 lists are checked for presence only."
        ),
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-11-10",
    )
)
ENABLED_STATE = RULES.add(
    Rule(
        id="kms.key-metadata.enabled-state",
        service=SERVICE,
        kind="answer",
        title="KeyMetadata.Enabled is true exactly when KeyState is Enabled.",
        source=(
            f"rulebook rule 39; {KEY_METADATA_DOC} Enabled "
            "('When KeyState is Enabled this value is true, otherwise it is false')"
        ),
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-11-10",
    )
)
KEY_ID_FORMAT = RULES.add(
    Rule(
        id="kms.key-id.format",
        service=SERVICE,
        kind="answer",
        title=(
            "A single-Region KeyId is a UUID; a multi-Region KeyId is 'mrk-' followed by 32 hex digits "
            "(no hyphens)."
        ),
        source=(
            "rulebook rules 8-9; https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html "
            "(KeyId mrk-1234abcd12ab34cd56ef1234567890ab); [REC test_non_multi_region_keys_should_not_have_"
            "multi_region_properties]"
        ),
        note="The guide's mrk- example has 33 hex digits (D10); the API Reference's 32 are followed.",
        evidence="documented",
        checked="2026-11-29",
    )
)
ARN_FORMAT = RULES.add(
    Rule(
        id="kms.arn.format",
        service=SERVICE,
        kind="answer",
        title=(
            "A key ARN is arn:<partition>:kms:<Region of the key>:<AWSAccountId>:key/<KeyId>; "
            "a replica's ARN differs from its primary's only by Region."
        ),
        source=(
            "rulebook rules 8 and 10; "
            "https://docs.aws.amazon.com/kms/latest/developerguide/concepts.html#key-id-key-ARN"
        ),
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-11-10",
    )
)
MULTI_REGION_CONFIG = RULES.add(
    Rule(
        id="kms.key-metadata.multi-region-config",
        service=SERVICE,
        kind="answer",
        title=(
            "MultiRegionConfiguration is present exactly for multi-Region keys; a PRIMARY names itself as "
            "PrimaryKey; a REPLICA is listed in ReplicaKeys and is not the PrimaryKey."
        ),
        source=(
            f"rulebook rules 28 and 48; {KEY_METADATA_DOC} MultiRegionConfiguration, botocore "
            "MultiRegionConfiguration.ReplicaKeys ('includes the current KMS key if it is a replica key')"
        ),
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-11-10",
    )
)
SPEC_ALIAS = RULES.add(
    Rule(
        id="kms.key-metadata.spec-alias",
        service=SERVICE,
        kind="answer",
        title="The deprecated CustomerMasterKeySpec has the same value as KeySpec.",
        source=f"rulebook rule 19; {KEY_METADATA_DOC} CustomerMasterKeySpec ('have the same value')",
        evidence="recorded",
        checked="2026-11-29",
        source_date="2025-11-10",
    )
)

#: Rules about AWS's own formats of key ids and ARNs; a profile that documents other
#: formats checks those with its schemas instead.
AWS_FORMAT_RULES = frozenset({KEY_ID_FORMAT.id, ARN_FORMAT.id})

_RSA_SIGNING = (
    "RSASSA_PSS_SHA_256",
    "RSASSA_PSS_SHA_384",
    "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256",
    "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512",
)

#: (key spec family, usage) -> (member, documented values). Rulebook rule 16.
DOCUMENTED_ALGORITHMS: dict[tuple[str, str], tuple[str, frozenset[str]]] = {
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"): ("EncryptionAlgorithms", frozenset({"SYMMETRIC_DEFAULT"})),
    ("RSA", "ENCRYPT_DECRYPT"): (
        "EncryptionAlgorithms",
        frozenset({"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}),
    ),
    ("RSA", "SIGN_VERIFY"): ("SigningAlgorithms", frozenset(_RSA_SIGNING)),
    ("ECC_NIST_P256", "SIGN_VERIFY"): ("SigningAlgorithms", frozenset({"ECDSA_SHA_256"})),
    ("ECC_NIST_P384", "SIGN_VERIFY"): ("SigningAlgorithms", frozenset({"ECDSA_SHA_384"})),
    ("ECC_NIST_P521", "SIGN_VERIFY"): ("SigningAlgorithms", frozenset({"ECDSA_SHA_512"})),
    ("ECC_SECG_P256K1", "SIGN_VERIFY"): ("SigningAlgorithms", frozenset({"ECDSA_SHA_256"})),
    ("HMAC_224", "GENERATE_VERIFY_MAC"): ("MacAlgorithms", frozenset({"HMAC_SHA_224"})),
    ("HMAC_256", "GENERATE_VERIFY_MAC"): ("MacAlgorithms", frozenset({"HMAC_SHA_256"})),
    ("HMAC_384", "GENERATE_VERIFY_MAC"): ("MacAlgorithms", frozenset({"HMAC_SHA_384"})),
    ("HMAC_512", "GENERATE_VERIFY_MAC"): ("MacAlgorithms", frozenset({"HMAC_SHA_512"})),
}

#: Each algorithm list and the only KeyUsage it may appear with (botocore KeyMetadata docs).
LIST_FOR_USAGE = {
    "EncryptionAlgorithms": "ENCRYPT_DECRYPT",
    "SigningAlgorithms": "SIGN_VERIFY",
    "MacAlgorithms": "GENERATE_VERIFY_MAC",
    "EncapsulationAlgorithms": "ENCAPSULATE_DECAPSULATE",
}

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_MRK = re.compile(r"mrk-[0-9a-f]{32}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One way a KeyMetadata object disagrees with itself."""

    rule: str
    pointer: str
    name: str
    """Stable label for the finding's signature: no drawn data in it."""
    detail: str


def spec_family(key_spec: str) -> str:
    return "RSA" if key_spec.startswith("RSA_") else key_spec


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _str(meta: Mapping[str, Any], member: str) -> str | None:
    value = meta.get(member)
    return value if isinstance(value, str) else None


def problems(meta: Mapping[str, Any], *, pointer: str, region: str) -> Iterator[Problem]:
    """Every self-consistency problem of ``meta``, a KeyMetadata of a key in ``region``.

    Members that are null or of the wrong type are left to the response-schema rule:
    one fault, one finding.
    """
    yield from _algorithms(meta, pointer)
    yield from _enabled_state(meta, pointer)
    yield from _identity(meta, pointer, region)
    yield from _multi_region(meta, pointer, region)
    spec, legacy = _str(meta, "KeySpec"), _str(meta, "CustomerMasterKeySpec")
    if spec is not None and legacy is not None and spec != legacy:
        yield Problem(
            SPEC_ALIAS.id, f"{pointer}/CustomerMasterKeySpec", "differs", f"{legacy} != KeySpec {spec}"
        )


def _algorithms(meta: Mapping[str, Any], pointer: str) -> Iterator[Problem]:
    usage, spec = _str(meta, "KeyUsage"), _str(meta, "KeySpec")
    if usage is None:
        return
    for member, allowed_usage in LIST_FOR_USAGE.items():
        value = meta.get(member)
        if isinstance(value, list) and usage != allowed_usage:
            yield Problem(
                ALGORITHMS.id,
                f"{pointer}/{member}",
                "present for another usage",
                f"{member} {value!r} on a {usage} key; it appears only for {allowed_usage}",
            )
    if spec is None:
        return
    family = spec_family(spec)
    documented = DOCUMENTED_ALGORITHMS.get((family, usage))
    if documented is None:
        return
    member, values = documented
    value = meta.get(member)
    if isinstance(value, list) and set(value) != values:
        yield Problem(
            ALGORITHMS.id,
            f"{pointer}/{member}",
            "documented values",
            f"{member} {sorted(value)} for a {spec} {usage} key; documented {sorted(values)}",
        )


def _enabled_state(meta: Mapping[str, Any], pointer: str) -> Iterator[Problem]:
    enabled, state = meta.get("Enabled"), _str(meta, "KeyState")
    if isinstance(enabled, bool) and state is not None and enabled != (state == "Enabled"):
        yield Problem(
            ENABLED_STATE.id,
            f"{pointer}/Enabled",
            f"{enabled} with {state}",
            f"Enabled {enabled} while KeyState is {state}",
        )


def _identity(meta: Mapping[str, Any], pointer: str, region: str) -> Iterator[Problem]:
    key_id, multi = _str(meta, "KeyId"), meta.get("MultiRegion")
    if key_id is not None and isinstance(multi, bool):
        if multi and not _MRK.fullmatch(key_id):
            yield Problem(
                KEY_ID_FORMAT.id, f"{pointer}/KeyId", "multi-Region", f"multi-Region KeyId {key_id!r}"
            )
        if not multi and not _UUID.fullmatch(key_id):
            yield Problem(
                KEY_ID_FORMAT.id, f"{pointer}/KeyId", "single-Region", f"single-Region KeyId {key_id!r}"
            )
    arn, account = _str(meta, "Arn"), _str(meta, "AWSAccountId")
    if arn is not None and key_id is not None and account is not None:
        expected = f"arn:{partition_of(region)}:kms:{region}:{account}:key/{key_id}"
        if arn != expected:
            yield Problem(ARN_FORMAT.id, f"{pointer}/Arn", "key ARN", f"Arn {arn!r}, expected {expected!r}")


def _multi_region(meta: Mapping[str, Any], pointer: str, region: str) -> Iterator[Problem]:
    multi, config = meta.get("MultiRegion"), meta.get("MultiRegionConfiguration")
    where = f"{pointer}/MultiRegionConfiguration"
    if multi is False and isinstance(config, dict):
        yield Problem(
            MULTI_REGION_CONFIG.id, where, "present for single-Region", "present on a single-Region key"
        )
    if multi is True and "MultiRegionConfiguration" not in meta:
        yield Problem(
            MULTI_REGION_CONFIG.id, where, "absent for multi-Region", "absent on a multi-Region key"
        )
    if not isinstance(config, dict):
        return
    if meta.get("KeyState") == "Updating":
        # botocore UpdatePrimaryRegion: until the update completes, "Operations such as DescribeKey
        # might display both the old and new primary keys as replicas" (both are Updating).
        return
    kind, arn = config.get("MultiRegionKeyType"), _str(meta, "Arn")
    primary: dict[str, Any] = config["PrimaryKey"] if isinstance(config.get("PrimaryKey"), dict) else {}
    replicas: list[Any] = config["ReplicaKeys"] if isinstance(config.get("ReplicaKeys"), list) else []
    if (
        kind == "PRIMARY"
        and arn is not None
        and (primary.get("Arn") != arn or primary.get("Region") != region)
    ):
        yield Problem(
            MULTI_REGION_CONFIG.id,
            f"{where}/PrimaryKey",
            "primary names another key",
            f"a PRIMARY key whose PrimaryKey is {primary!r}, not itself ({arn}, {region})",
        )
    if kind == "REPLICA" and arn is not None:
        if primary.get("Arn") == arn:
            yield Problem(
                MULTI_REGION_CONFIG.id,
                f"{where}/PrimaryKey",
                "replica names itself primary",
                "a REPLICA key names itself as PrimaryKey",
            )
        if {"Arn": arn, "Region": region} not in replicas:
            yield Problem(
                MULTI_REGION_CONFIG.id,
                f"{where}/ReplicaKeys",
                "replica not listed",
                f"a REPLICA key missing from its own ReplicaKeys {replicas!r}",
            )
