"""Payment Cryptography: documented key attribute combinations (rulebook section 8).

The table is [PC-VA] (https://docs.aws.amazon.com/payment-cryptography/latest/userguide/keys-validattributes.html)
as the rulebook reads it. Rows the page contradicts or marks as unsupported are kept
out of the *valid* set, so a valid call is valid under every reading of the page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from harness.oracle.predict import Violation
from harness.oracle.rules import RULES, Rule, any_4xx, error

SERVICE = "payment-cryptography"
PC_VA = "https://docs.aws.amazon.com/payment-cryptography/latest/userguide/keys-validattributes.html"

MODES = (
    "Encrypt",
    "Decrypt",
    "Wrap",
    "Unwrap",
    "Generate",
    "Sign",
    "Verify",
    "DeriveKey",
    "NoRestrictions",
)

TDES = ("TDES_2KEY", "TDES_3KEY")
AES = ("AES_128", "AES_192", "AES_256")
RSA = ("RSA_2048", "RSA_3072", "RSA_4096")
ECC = ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521")

DERIVE = (frozenset({"DeriveKey"}), frozenset({"NoRestrictions"}))
GENERATE_VERIFY = (
    frozenset({"Generate"}),
    frozenset({"Verify"}),
    frozenset({"Generate", "Verify"}),
    frozenset({"NoRestrictions"}),
)
ENCRYPT = (
    frozenset({"Encrypt", "Decrypt", "Wrap", "Unwrap"}),
    frozenset({"Encrypt", "Wrap"}),
    frozenset({"Decrypt", "Unwrap"}),
    frozenset({"NoRestrictions"}),
)
ASYMMETRIC_ENCRYPT = ENCRYPT[:3]
SIGN = (frozenset({"Sign"}), frozenset({"Verify"}))
KEY_AGREEMENT = (frozenset({"DeriveKey"}),)


@dataclass(frozen=True, slots=True)
class AttributeRow:
    usage: str
    key_class: str
    algorithms: tuple[str, ...]
    modes: tuple[frozenset[str], ...]


def _row(usage: str, algorithms: tuple[str, ...], modes: tuple[frozenset[str], ...]) -> AttributeRow:
    asymmetric = algorithms[0].startswith(("RSA", "ECC"))
    return AttributeRow(usage, "ASYMMETRIC_KEY_PAIR" if asymmetric else "SYMMETRIC_KEY", algorithms, modes)


#: Valid rows. Left out on purpose (rulebook rule 56 and D8): AES for C0 and the EMV
#: keys and TDES_3KEY for E0 (marked "not currently supported"), M7 (lists TDES/AES for an
#: HMAC usage), K2 (listed twice with contradictory modes), M0 and P1 (not on the page).
VALID_ROWS: tuple[AttributeRow, ...] = (
    _row("TR31_B0_BASE_DERIVATION_KEY", TDES + AES, DERIVE),
    _row("TR31_C0_CARD_VERIFICATION_KEY", TDES, GENERATE_VERIFY),
    _row("TR31_D0_SYMMETRIC_DATA_ENCRYPTION_KEY", TDES + AES, ENCRYPT),
    _row("TR31_K0_KEY_ENCRYPTION_KEY", TDES + AES, ENCRYPT),
    _row("TR31_K1_KEY_BLOCK_PROTECTION_KEY", TDES + AES, ENCRYPT),
    _row("TR31_P0_PIN_ENCRYPTION_KEY", TDES + AES, ENCRYPT),
    _row("TR31_E0_EMV_MKEY_APP_CRYPTOGRAMS", ("TDES_2KEY",), DERIVE),
    _row("TR31_E1_EMV_MKEY_CONFIDENTIALITY", TDES, DERIVE),
    _row("TR31_E2_EMV_MKEY_INTEGRITY", TDES, DERIVE),
    _row("TR31_E4_EMV_MKEY_DYNAMIC_NUMBERS", TDES, DERIVE),
    _row("TR31_E5_EMV_MKEY_CARD_PERSONALIZATION", TDES, DERIVE),
    _row("TR31_E6_EMV_MKEY_OTHER", TDES, DERIVE),
    _row("TR31_M1_ISO_9797_1_MAC_KEY", TDES, GENERATE_VERIFY),
    _row("TR31_M3_ISO_9797_3_MAC_KEY", TDES, GENERATE_VERIFY),
    _row("TR31_M6_ISO_9797_5_CMAC_KEY", TDES + AES, GENERATE_VERIFY),
    _row("TR31_V1_IBM3624_PIN_VERIFICATION_KEY", TDES + AES, GENERATE_VERIFY),
    _row("TR31_V2_VISA_PIN_VERIFICATION_KEY", TDES + AES, GENERATE_VERIFY),
    _row("TR31_D1_ASYMMETRIC_KEY_FOR_DATA_ENCRYPTION", RSA, ASYMMETRIC_ENCRYPT),
    _row("TR31_S0_ASYMMETRIC_KEY_FOR_DIGITAL_SIGNATURE", RSA, SIGN),
    _row("TR31_K3_ASYMMETRIC_KEY_FOR_KEY_AGREEMENT", ECC, KEY_AGREEMENT),
)

#: KCV algorithm documented for each symmetric family (rule 59, botocore
#: KeyCheckValueAlgorithm doc): TDES -> ANSI X9.24, AES -> CMAC.
KCV_ALGORITHM_FOR = {"TDES": "ANSI_X9_24", "AES": "CMAC"}


def kcv_algorithm_for(algorithm: str) -> str | None:
    return KCV_ALGORITHM_FOR.get(algorithm.split("_", 1)[0])


def modes_of_use(enabled: frozenset[str]) -> dict[str, bool]:
    """A full KeyModesOfUse structure: the given flags true, all others false."""
    return {mode: mode in enabled for mode in MODES}


VALID_CREATE_KEY = RULES.add(
    Rule(
        id="pc.create-key.valid",
        service=SERVICE,
        operations=("CreateKey",),
        title=(
            "A CreateKey with a valid KeyUsage/KeyClass/KeyAlgorithm/KeyModesOfUse "
            "combination and Exportable succeeds."
        ),
        source=f"rulebook rules 54-59; {PC_VA}; botocore payment-cryptography CreateKeyInput",
        note=(
            "Only rows every reading of the attribute page allows are generated (see "
            "harness.services.payment_cryptography.rules.VALID_ROWS); ReplicationRegions is not sent "
            "(replication needs "
            "account-level set-up)."
        ),
        evidence="documented",
        checked="2026-11-29",
    )
)


VALID_GET_KEY = RULES.add(
    Rule(
        id="pc.get-key.valid",
        service=SERVICE,
        operations=("GetKey",),
        title="GetKey of an existing key by its ARN succeeds.",
        source="rulebook rule 62; botocore payment-cryptography GetKeyInput",
        evidence="documented",
        checked="2026-11-29",
    )
)
KEY_NOT_FOUND = RULES.add(
    Rule(
        id="pc.get-key.not-found",
        service=SERVICE,
        operations=("GetKey",),
        title="GetKey of a well-formed key ARN that names no key is rejected with ResourceNotFoundException.",
        source="rulebook rule 62; botocore payment-cryptography GetKey errors",
        expectation=error("ResourceNotFoundException"),
        evidence="documented",
        checked="2026-11-29",
    )
)
VALID_TAG_RESOURCE = RULES.add(
    Rule(
        id="pc.tag-resource.valid",
        service=SERVICE,
        operations=("TagResource",),
        title="TagResource with valid tags on an existing key succeeds; an existing key's value is replaced.",
        source="rulebook rule 60; botocore payment-cryptography TagResourceInput",
        evidence="documented",
        checked="2026-11-29",
    )
)


# --- Request rules (rulebook rules 56-61) ----------------------------------------------------

ATTRIBUTE_COMBINATION = RULES.add(
    Rule(
        id="pc.create-key.attribute-combination",
        service=SERVICE,
        operations=("CreateKey",),
        title=(
            "CreateKey with a KeyUsage/KeyClass/KeyAlgorithm/KeyModesOfUse combination the attribute page "
            "allows under no reading is rejected."
        ),
        source=f"rulebook rules 56-57 and D8; {PC_VA} ('will prevent you from creating invalid keys')",
        expectation=any_4xx(
            "the error code is not documented (ValidationException is the only modelled fit)"
        ),
        note=(
            "Judged only against every reading of the page at once: starred rows, both K2 rows and M7 with "
            "HMAC algorithms count as allowed; M0, P1 and the PUBLIC_KEY/PRIVATE_KEY classes are not judged."
        ),
        evidence="documented",
        checked="2026-11-29",
    )
)
DERIVE_KEY_USAGE = RULES.add(
    Rule(
        id="pc.create-key.derive-key-usage",
        service=SERVICE,
        operations=("CreateKey",),
        title="DeriveKeyUsage is only for ECC key-agreement key pairs (TR31_K3); elsewhere it is rejected.",
        source="rulebook rule 58 and D12; botocore CreateKeyInput.DeriveKeyUsage and the CreateKey doc",
        expectation=any_4xx("the error code is not documented"),
        note=(
            "Inferred (findings are advisories): the docs say DeriveKeyUsage is set 'when creating ECC key "
            "pairs'; none says a request for another key is rejected rather than the member ignored, "
            "and nothing is recorded."
        ),
        evidence="inferred",
        checked="2026-11-29",
    )
)
DUPLICATE_TAG_KEYS = RULES.add(
    Rule(
        id="pc.tags.duplicate-keys",
        service=SERVICE,
        operations=("CreateKey", "TagResource"),
        title="Two tags with the same key in one request are rejected.",
        source=(
            "rulebook rule 60 and D12; botocore CreateKeyInput.Tags doc "
            "('You can't have more than one tag ... with the same tag key')"
        ),
        expectation=any_4xx("the error code is not documented"),
        note=(
            "Inferred (findings are advisories): 'You can't have more than one tag on a key with the same "
            "tag key' is a property of the key; no document says a request repeating a key is rejected "
            "rather than de-duplicated, and nothing is recorded (KMS's identical sentence is recorded as "
            "a rejection, but that is another service)."
        ),
        evidence="inferred",
        checked="2026-11-29",
    )
)
# Rulebook rule 61 (corrected 2026-11-29): asymmetric keys can be replicated since 2026-07-27
# (user guide, document history: "Multi-Region key replication now supports asymmetric Payment
# Cryptography keys such as RSA and ECC"). No rule judges ReplicationRegions by key type; the
# former rule pc.create-key.replication-asymmetric is withdrawn. Replication depends on account
# and Region set-up, so a success rule is not made of it either.

HMAC = ("HMAC_SHA224", "HMAC_SHA256", "HMAC_SHA384", "HMAC_SHA512")
SYMMETRIC_ALGORITHMS = frozenset(TDES + AES + HMAC)
ASYMMETRIC_ALGORITHMS = frozenset(RSA + ECC)

#: Every reading of the attribute page at once: a combination outside this is invalid under
#: all of them. Starred rows are in; K2 has both its rows; M7 is allowed HMAC too.
PERMISSIVE: dict[str, tuple[frozenset[str], tuple[frozenset[str], ...]]] = {
    "TR31_B0_BASE_DERIVATION_KEY": (frozenset(TDES + AES), DERIVE),
    "TR31_C0_CARD_VERIFICATION_KEY": (frozenset(TDES + AES), GENERATE_VERIFY),
    "TR31_D0_SYMMETRIC_DATA_ENCRYPTION_KEY": (frozenset(TDES + AES), ENCRYPT),
    "TR31_K0_KEY_ENCRYPTION_KEY": (frozenset(TDES + AES), ENCRYPT),
    "TR31_K1_KEY_BLOCK_PROTECTION_KEY": (frozenset(TDES + AES), ENCRYPT),
    "TR31_P0_PIN_ENCRYPTION_KEY": (frozenset(TDES + AES), ENCRYPT),
    "TR31_E0_EMV_MKEY_APP_CRYPTOGRAMS": (frozenset(TDES + AES), DERIVE),
    "TR31_E1_EMV_MKEY_CONFIDENTIALITY": (frozenset(TDES + AES), DERIVE),
    "TR31_E2_EMV_MKEY_INTEGRITY": (frozenset(TDES + AES), DERIVE),
    "TR31_E4_EMV_MKEY_DYNAMIC_NUMBERS": (frozenset(TDES + AES), DERIVE),
    "TR31_E5_EMV_MKEY_CARD_PERSONALIZATION": (frozenset(TDES + AES), DERIVE),
    "TR31_E6_EMV_MKEY_OTHER": (frozenset(TDES + AES), DERIVE),
    "TR31_M1_ISO_9797_1_MAC_KEY": (frozenset(TDES), GENERATE_VERIFY),
    "TR31_M3_ISO_9797_3_MAC_KEY": (frozenset(TDES), GENERATE_VERIFY),
    "TR31_M6_ISO_9797_5_CMAC_KEY": (frozenset(TDES + AES), GENERATE_VERIFY),
    "TR31_M7_HMAC_KEY": (frozenset(TDES + AES + HMAC), GENERATE_VERIFY),
    "TR31_V1_IBM3624_PIN_VERIFICATION_KEY": (frozenset(TDES + AES), GENERATE_VERIFY),
    "TR31_V2_VISA_PIN_VERIFICATION_KEY": (frozenset(TDES + AES), GENERATE_VERIFY),
    "TR31_D1_ASYMMETRIC_KEY_FOR_DATA_ENCRYPTION": (frozenset(RSA), ASYMMETRIC_ENCRYPT),
    "TR31_S0_ASYMMETRIC_KEY_FOR_DIGITAL_SIGNATURE": (frozenset(RSA), SIGN),
    "TR31_K3_ASYMMETRIC_KEY_FOR_KEY_AGREEMENT": (frozenset(ECC), KEY_AGREEMENT),
    "TR31_K2_TR34_ASYMMETRIC_KEY": (frozenset(RSA), (*KEY_AGREEMENT, *ASYMMETRIC_ENCRYPT)),
}
JUDGED_CLASSES = frozenset({"SYMMETRIC_KEY", "ASYMMETRIC_KEY_PAIR"})


def attribute_violations(attributes: Any) -> list[Violation]:
    """Rule 56-57: the KeyAttributes combination, judged against every reading of the page."""
    if not isinstance(attributes, Mapping):
        return []
    usage, key_class, algorithm = (attributes.get(k) for k in ("KeyUsage", "KeyClass", "KeyAlgorithm"))
    modes = attributes.get("KeyModesOfUse")
    if not all(isinstance(v, str) for v in (usage, key_class, algorithm)):
        return []  # a member of the wrong JSON type: the member-type rule decides
    if usage not in PERMISSIVE or key_class not in JUDGED_CLASSES or not isinstance(modes, Mapping):
        return []
    if algorithm not in SYMMETRIC_ALGORITHMS | ASYMMETRIC_ALGORITHMS:
        return []  # not a documented value: the enum rule decides
    if not all(isinstance(v, bool) for v in modes.values()):
        return []  # wrong member types: the member-type rule decides
    algorithms, mode_sets = PERMISSIVE[str(usage)]
    found: list[Violation] = []
    family_class = "SYMMETRIC_KEY" if algorithm in SYMMETRIC_ALGORITHMS else "ASYMMETRIC_KEY_PAIR"
    if key_class != family_class:
        found.append(Violation(ATTRIBUTE_COMBINATION.id, "/KeyAttributes/KeyClass", "class"))
    if algorithm not in algorithms:
        found.append(Violation(ATTRIBUTE_COMBINATION.id, "/KeyAttributes/KeyAlgorithm", "algorithm"))
    enabled = frozenset(name for name, on in modes.items() if on)
    if enabled not in mode_sets:
        found.append(Violation(ATTRIBUTE_COMBINATION.id, "/KeyAttributes/KeyModesOfUse", "modes"))
    return found


def _duplicate_tag_keys(tags: Any) -> list[Violation]:
    if not isinstance(tags, list):
        return []
    keys = [t.get("Key") for t in tags if isinstance(t, dict) and isinstance(t.get("Key"), str)]
    return [Violation(DUPLICATE_TAG_KEYS.id, "/Tags")] if len(keys) != len(set(keys)) else []


def create_key_violations(params: Mapping[str, Any]) -> list[Violation]:
    """The documented rules a Payment Cryptography CreateKey request breaks (member constraints aside)."""
    attributes = params.get("KeyAttributes")
    found = attribute_violations(attributes)
    usage = attributes.get("KeyUsage") if isinstance(attributes, Mapping) else None
    if "DeriveKeyUsage" in params and usage != "TR31_K3_ASYMMETRIC_KEY_FOR_KEY_AGREEMENT":
        found.append(Violation(DERIVE_KEY_USAGE.id, "/DeriveKeyUsage"))
    found.extend(_duplicate_tag_keys(params.get("Tags")))
    return found


def tag_resource_violations(params: Mapping[str, Any]) -> list[Violation]:
    return _duplicate_tag_keys(params.get("Tags"))
