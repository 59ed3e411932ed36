"""What a KMS key is for: the rules of its cryptographic operations, aliases, rotation and imported
key material (issue 15), each with its exact documented answer and how that answer is known.

The predicates here are pure functions of the request and of a :class:`KeyFacts` record the model
(:mod:`harness.services.kms.key_use_model`) builds from what it knows of the key; they return
:class:`~harness.oracle.predict.Violation` records exactly like the CreateKey predicates of
:mod:`harness.services.kms.rules`. The model combines them with what it knows of ciphertexts,
signatures and MACs (which rule decides a Decrypt or a Verify depends on what was made before).

Sources, by tag (the rulebook's tags where it has them):

- [KS] the key-state table of the developer guide, archived copy of 2022-12-05 (rulebook rule 38);
- [API-*] the API Reference page of the operation (botocore 1.44.5 doc strings, which match it);
- [MRK] the multi-Region key pages of the developer guide (rulebook [MRK]);
- [REC] answers recorded from real AWS in LocalStack's AWS-validated snapshots (rulebook [REC]),
  with the test and recording date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from harness import redaction
from harness.oracle.predict import Violation
from harness.oracle.rules import RULES, Evidence, Expectation, Rule, RuleKind, any_4xx, error
from harness.services.kms import metadata
from harness.services.kms import state_rules as states

SERVICE = "kms"
CHECKED: Final = "2026-11-29"
API = "https://docs.aws.amazon.com/kms/latest/APIReference/API_"
KS = states.KS
MRK = states.MRK
REC = "[REC] LocalStack tests/aws/services/kms/test_kms.snapshot.json @8b9a79f"

_OWN: list[Rule] = []


def _rule(
    rule_id: str,
    operations: tuple[str, ...],
    title: str,
    source: str,
    expectation: Expectation,
    *,
    evidence: Evidence,
    source_date: str | None = None,
    code_evidence: Evidence | None = None,
    kind: RuleKind = "request",
    note: str = "",
) -> Rule:
    rule = RULES.add(
        Rule(
            id=rule_id,
            service=SERVICE,
            kind=kind,
            operations=operations,
            title=title,
            source=source,
            expectation=expectation,
            note=note,
            evidence=evidence,
            checked=CHECKED,
            source_date=source_date,
            code_evidence=code_evidence,
        )
    )
    _OWN.append(rule)
    return rule


def _valid(rule_id: str, operations: tuple[str, ...], title: str, source: str, **grade: Any) -> Rule:
    return _rule(rule_id, operations, title, source, Expectation("success"), **grade)


def _fact(rule_id: str, operations: tuple[str, ...], title: str, source: str, **grade: Any) -> Rule:
    """A rule about what a successful answer says (checked as facts, like the state rules)."""
    return _rule(rule_id, operations, title, source, Expectation("success"), kind="state", **grade)


# --- the operations -------------------------------------------------------------------------

ENCRYPTING = ("Encrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext")
DATA_KEY = ("GenerateDataKey", "GenerateDataKeyWithoutPlaintext")
DATA_KEY_PAIR = ("GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext")
DECRYPTING = ("Decrypt", "ReEncrypt")
SIGNING = ("Sign", "Verify")
MAC = ("GenerateMac", "VerifyMac")
#: Operations that use a key's key material, in the [KS] table's sense (key state rows).
CRYPTO_OPERATIONS = (
    "Encrypt",
    "Decrypt",
    "ReEncrypt",
    *DATA_KEY,
    *DATA_KEY_PAIR,
    *SIGNING,
    *MAC,
    "GetPublicKey",
    "DeriveSharedSecret",
)
ALIAS_OPERATIONS = ("CreateAlias", "UpdateAlias", "DeleteAlias", "ListAliases")
ROTATION_OPERATIONS = (
    "EnableKeyRotation",
    "DisableKeyRotation",
    "GetKeyRotationStatus",
    "RotateKeyOnDemand",
    "ListKeyRotations",
)
IMPORT_OPERATIONS = ("GetParametersForImport", "ImportKeyMaterial", "DeleteImportedKeyMaterial")
OPERATIONS: tuple[str, ...] = (
    *CRYPTO_OPERATIONS,
    "GenerateRandom",
    *ALIAS_OPERATIONS,
    *ROTATION_OPERATIONS,
    *IMPORT_OPERATIONS,
)
DRY_RUN_OPERATIONS = tuple(op for op in CRYPTO_OPERATIONS if op != "GetPublicKey")

#: The KeyUsage each operation needs (botocore InvalidKeyUsageException doc).
USAGE_OF: Mapping[str, str] = {
    **dict.fromkeys(("Encrypt", "Decrypt", "ReEncrypt", *DATA_KEY, *DATA_KEY_PAIR), "ENCRYPT_DECRYPT"),
    **dict.fromkeys(SIGNING, "SIGN_VERIFY"),
    **dict.fromkeys(MAC, "GENERATE_VERIFY_MAC"),
    "DeriveSharedSecret": "KEY_AGREEMENT",
}

#: KeyId members that accept an alias name or alias ARN besides a key id or key ARN ([API-*]
#: KeyId docs: "To specify a KMS key, use its key ID, key ARN, alias name, or alias ARN").
ALIAS_MEMBERS: Mapping[str, tuple[str, ...]] = {
    "DescribeKey": ("KeyId",),
    **{op: ("KeyId",) for op in CRYPTO_OPERATIONS if op != "ReEncrypt"},
    "ReEncrypt": ("SourceKeyId", "DestinationKeyId"),
}

# --- algorithms and sizes ---------------------------------------------------------------------


#: Algorithms each KeySpec family supports, by KeyUsage (the documented lists of rulebook rule 16).
def algorithms_of(key_spec: str, key_usage: str) -> frozenset[str] | None:
    """The documented algorithm list of a key; ``None`` where the rulebook lists none."""
    documented = metadata.DOCUMENTED_ALGORITHMS.get((metadata.spec_family(key_spec), key_usage))
    return documented[1] if documented is not None else None


#: Encrypt's plaintext limits by key spec and algorithm ([API-Encrypt]; [REC]
#: test_encrypt_validate_plaintext_size_per_key_type 2023-04-13 for every RSA row).
PLAINTEXT_LIMIT: Mapping[tuple[str, str], int] = {
    ("SYMMETRIC_DEFAULT", "SYMMETRIC_DEFAULT"): 4096,
    ("RSA_2048", "RSAES_OAEP_SHA_1"): 214,
    ("RSA_2048", "RSAES_OAEP_SHA_256"): 190,
    ("RSA_3072", "RSAES_OAEP_SHA_1"): 342,
    ("RSA_3072", "RSAES_OAEP_SHA_256"): 318,
    ("RSA_4096", "RSAES_OAEP_SHA_1"): 470,
    ("RSA_4096", "RSAES_OAEP_SHA_256"): 446,
}

#: Blob members' bounds in bytes (botocore PlaintextType 1..4096, CiphertextType 1..6144,
#: PublicKeyType 1..8192); the built specs carry no byte lengths for blobs.
BLOB_MAX: Mapping[str, int] = {
    "Plaintext": 4096,
    "Message": 4096,
    "CiphertextBlob": 6144,
    "Signature": 6144,
    "Mac": 6144,
    "PublicKey": 8192,
}

#: GenerateDataKey's KeySpec sizes in bytes ([API-GenerateDataKey] KeySpec: 128- and 256-bit keys).
DATA_KEY_BYTES: Mapping[str, int] = {"AES_128": 16, "AES_256": 32}

#: The digest a DIGEST message must be, by signing algorithm's hash ([API-Sign] MessageType).
DIGEST_BYTES: Mapping[str, int] = {"256": 32, "384": 48, "512": 64}


def digest_length(algorithm: str) -> int | None:
    if algorithm.startswith(("RSASSA_", "ECDSA_")):
        return DIGEST_BYTES.get(algorithm.rsplit("_", 1)[-1])
    return None


#: The documented on-demand rotation quota ([API-RotateKeyOnDemand]: "a maximum of 25 times").
ON_DEMAND_ROTATIONS = 25
#: EnableKeyRotation's default period ([API-EnableKeyRotation] RotationPeriodInDays).
DEFAULT_ROTATION_DAYS = 365
RESERVED_ALIAS_PREFIX = "alias/aws/"


# --- valid calls --------------------------------------------------------------------------------

ENCRYPT_VALID = _valid(
    "kms.encrypt.valid",
    ("Encrypt",),
    "Encrypt of 1..4096 bytes (less for RSA, see kms.encrypt.plaintext-size) with an Enabled "
    "ENCRYPT_DECRYPT key and an algorithm of its KeySpec succeeds; the answer names the key by its "
    "ARN and the algorithm used.",
    f"{API}Encrypt.html; {REC} test_encrypt_decrypt_encryption_context",
    evidence="recorded",
    source_date="2025-09-22",
)
DECRYPT_VALID = _valid(
    "kms.decrypt.valid",
    ("Decrypt",),
    "Decrypt of a ciphertext the key made, with the encryption context and algorithm it was made "
    "with, by a key in a usable state, succeeds.",
    f"{API}Decrypt.html; {REC} test_encrypt_decrypt_encryption_context",
    evidence="recorded",
    source_date="2025-09-22",
)
RE_ENCRYPT_VALID = _valid(
    "kms.re-encrypt.valid",
    ("ReEncrypt",),
    "ReEncrypt of a valid ciphertext to an Enabled ENCRYPT_DECRYPT key succeeds; the answer names the "
    "destination key by its ARN.",
    f"{API}ReEncrypt.html; {REC} test_re_encrypt[SYMMETRIC_DEFAULT-SYMMETRIC_DEFAULT]",
    evidence="recorded",
    source_date="2025-06-09",
)
DATA_KEY_VALID = _valid(
    "kms.generate-data-key.valid",
    DATA_KEY,
    "GenerateDataKey(WithoutPlaintext) with exactly one of KeySpec and NumberOfBytes, on an Enabled "
    "symmetric encryption key, succeeds; the answer names the key by its ARN.",
    f"{API}GenerateDataKey.html; {REC} test_generate_data_key, test_generate_data_key_without_plaintext",
    evidence="recorded",
    source_date="2023-05-11",
)
DATA_KEY_PAIR_VALID = _valid(
    "kms.generate-data-key-pair.valid",
    DATA_KEY_PAIR,
    "GenerateDataKeyPair(WithoutPlaintext) on an Enabled symmetric encryption key succeeds with the "
    "KeyPairSpec asked for.",
    f"{API}GenerateDataKeyPair.html; {REC} test_generate_data_key_pair, "
    "test_generate_data_key_pair_without_plaintext",
    evidence="recorded",
    source_date="2023-05-11",
)
RANDOM_VALID = _valid(
    "kms.generate-random.valid",
    ("GenerateRandom",),
    "GenerateRandom with NumberOfBytes 1..1024 succeeds and returns exactly that many bytes.",
    f"{API}GenerateRandom.html; {REC} test_generate_random[1, 12, 44, 91, 1024] (result_length)",
    evidence="recorded",
    source_date="2023-04-13",
)
SIGN_VALID = _valid(
    "kms.sign.valid",
    ("Sign",),
    "Sign with an Enabled SIGN_VERIFY key and one of its signing algorithms succeeds; the answer "
    "names the key by its ARN and the algorithm used.",
    f"{API}Sign.html; {REC} test_sign_verify[...] (signature)",
    evidence="recorded",
    source_date="2023-04-13",
)
VERIFY_VALID = _valid(
    "kms.verify.valid",
    ("Verify",),
    "Verify of a signature Sign made for the same message, key (or a key of its multi-Region set) "
    "and algorithm succeeds with SignatureValid true.",
    f"{API}Verify.html; {REC} test_sign_verify[...] (verification)",
    evidence="recorded",
    source_date="2023-04-13",
)
MAC_VALID = _valid(
    "kms.generate-mac.valid",
    ("GenerateMac",),
    "GenerateMac with an Enabled HMAC key and its MAC algorithm succeeds; the answer gives the "
    "algorithm used.",
    f"{API}GenerateMac.html; {REC} test_generate_and_verify_mac[...] (generate-mac)",
    evidence="recorded",
    source_date="2023-11-07",
)
VERIFY_MAC_VALID = _valid(
    "kms.verify-mac.valid",
    ("VerifyMac",),
    "VerifyMac of the MAC GenerateMac gave for the same message, key (or a key of its multi-Region "
    "set) and algorithm succeeds with MacValid true.",
    f"{API}VerifyMac.html; {REC} test_generate_and_verify_mac[...] (verify-mac)",
    evidence="recorded",
    source_date="2023-11-07",
)
PUBLIC_KEY_VALID = _valid(
    "kms.get-public-key.valid",
    ("GetPublicKey",),
    "GetPublicKey of an asymmetric key succeeds; the answer names the key by its ARN and gives its "
    "KeySpec, KeyUsage and algorithm list.",
    f"{API}GetPublicKey.html",
    evidence="documented",
)
DERIVE_VALID = _valid(
    "kms.derive-shared-secret.valid",
    ("DeriveSharedSecret",),
    "DeriveSharedSecret with an Enabled KEY_AGREEMENT key, ECDH and a DER public key of the same "
    "curve succeeds; the answer says ECDH and the key's origin.",
    f"{API}DeriveSharedSecret.html; {REC} test_derive_shared_secret (response)",
    evidence="recorded",
    source_date="2024-12-25",
)
ALIAS_VALID = _valid(
    "kms.alias.valid",
    ALIAS_OPERATIONS,
    "CreateAlias of a new 'alias/' name for a customer managed key, UpdateAlias to a key of the same "
    "type and usage, DeleteAlias of an existing alias and ListAliases succeed.",
    f"{API}CreateAlias.html; {API}UpdateAlias.html; {API}DeleteAlias.html; {API}ListAliases.html",
    evidence="documented",
)
ROTATION_VALID = _valid(
    "kms.rotation.valid",
    ROTATION_OPERATIONS,
    "EnableKeyRotation (RotationPeriodInDays 90..2560), DisableKeyRotation, GetKeyRotationStatus, "
    "RotateKeyOnDemand and ListKeyRotations of an Enabled symmetric encryption key with KMS key "
    "material succeed.",
    f"{API}EnableKeyRotation.html; {API}RotateKeyOnDemand.html; {REC} "
    "test_key_enable_rotation_status[90, 180] (2025-03-02), "
    "test_rotate_key_on_demand_with_symmetric_key_and_automatic_rotation_disabled",
    evidence="recorded",
    source_date="2025-11-10",
)
IMPORT_VALID = _valid(
    "kms.import.valid",
    IMPORT_OPERATIONS,
    "GetParametersForImport and ImportKeyMaterial (with a token of that key and ExpirationModel "
    "KEY_MATERIAL_DOES_NOT_EXPIRE) of a PendingImport key with Origin EXTERNAL succeed and make it "
    "Enabled; DeleteImportedKeyMaterial makes it PendingImport again.",
    f"{API}ImportKeyMaterial.html; {API}DeleteImportedKeyMaterial.html; {REC} "
    "test_import_key_symmetric (describe-key-after-import, describe-key-after-deleted-import)",
    evidence="recorded",
    source_date="2025-11-10",
)

VALID_OF: Mapping[str, Rule] = {
    "Encrypt": ENCRYPT_VALID,
    "Decrypt": DECRYPT_VALID,
    "ReEncrypt": RE_ENCRYPT_VALID,
    **dict.fromkeys(DATA_KEY, DATA_KEY_VALID),
    **dict.fromkeys(DATA_KEY_PAIR, DATA_KEY_PAIR_VALID),
    "GenerateRandom": RANDOM_VALID,
    "Sign": SIGN_VALID,
    "Verify": VERIFY_VALID,
    "GenerateMac": MAC_VALID,
    "VerifyMac": VERIFY_MAC_VALID,
    "GetPublicKey": PUBLIC_KEY_VALID,
    "DeriveSharedSecret": DERIVE_VALID,
    **dict.fromkeys(ALIAS_OPERATIONS, ALIAS_VALID),
    **dict.fromkeys(ROTATION_OPERATIONS, ROTATION_VALID),
    **dict.fromkeys(IMPORT_OPERATIONS, IMPORT_VALID),
}

# --- cryptographic truth (what successful answers say) -------------------------------------------

ROUND_TRIP = _fact(
    "kms.crypto.round-trip",
    ("Decrypt", "ReEncrypt", "Encrypt", *DATA_KEY, *DATA_KEY_PAIR),
    "Decrypt gives back exactly the bytes that were encrypted: Encrypt's plaintext, GenerateDataKey's "
    "data key, GenerateDataKeyPair's private key, a ReEncrypt's source plaintext; the encryption "
    "context is part of the ciphertext. Each answer names the key by its ARN.",
    f"{API}Decrypt.html; {API}Encrypt.html (response KeyId: key ARN); {API}ReEncrypt.html",
    evidence="documented",
)
DATA_KEY_SIZE = _fact(
    "kms.crypto.data-key-size",
    (*DATA_KEY, "Decrypt"),
    "A data key has the size asked for: NumberOfBytes bytes, or 16 (AES_128) or 32 (AES_256); "
    "GenerateDataKeyWithoutPlaintext's key decrypts to that size.",
    f"{API}GenerateDataKey.html (KeySpec, NumberOfBytes)",
    evidence="documented",
)
SIGNATURE_TRUTH = _fact(
    "kms.crypto.signature",
    ("Sign",),
    "A signature from Sign verifies, outside KMS, with the key's public key (GetPublicKey) under the "
    "signing algorithm and message type it was made with.",
    f"{API}Sign.html ('use the GetPublicKey operation to download the public key and then use the "
    "public key to verify the signature outside of KMS')",
    evidence="documented",
)
MAC_TRUTH = _fact(
    "kms.crypto.mac",
    ("GenerateMac",),
    "An HMAC is a function of key, algorithm and message: GenerateMac of the same message and "
    "algorithm with the same key, or any key of its multi-Region set, gives the same MAC.",
    f"{API}GenerateMac.html (HMAC, RFC 2104); {MRK} (related keys share key material)",
    evidence="documented",
)
PUBLIC_KEY_TRUTH = _fact(
    "kms.crypto.public-key",
    ("GetPublicKey", *DATA_KEY_PAIR),
    "A public key is a DER SubjectPublicKeyInfo of the key's KeySpec (GetPublicKey) or of the "
    "KeyPairSpec asked for (GenerateDataKeyPair, whose private key is the PKCS#8 key of that public "
    "key); every key of a multi-Region set has the same public key.",
    f"{API}GetPublicKey.html (PublicKey); {API}GenerateDataKeyPair.html; {MRK}",
    evidence="documented",
)
SHARED_SECRET_TRUTH = _fact(
    "kms.crypto.shared-secret",
    ("DeriveSharedSecret",),
    "DeriveSharedSecret's secret is the raw ECDH secret of the key's private key and the peer's public "
    "key: the peer computes the same secret from its private key and the key's public key.",
    f"{API}DeriveSharedSecret.html ('Bob uses the Elliptic Curve Cryptography Cofactor Diffie-Hellman "
    "Primitive to calculate the same raw secret')",
    evidence="documented",
)
LOCAL_CIPHERTEXT = _fact(
    "kms.crypto.local-ciphertext",
    ("Decrypt",),
    "Data encrypted outside KMS with the key's public key under RSAES_OAEP decrypts with Decrypt to "
    "that data.",
    f"{API}Decrypt.html ('also decrypts ciphertext that was encrypted outside of KMS by the public key "
    "in an KMS asymmetric KMS key')",
    evidence="documented",
)
MULTI_REGION_INTEROP = _fact(
    "kms.multi-region.interoperable",
    ("Decrypt", "ReEncrypt", "Verify", "VerifyMac", "GenerateMac", "GetPublicKey"),
    "Related multi-Region keys are interoperable: a ciphertext any of them made decrypts with any "
    "other in that key's Region (the answer names that key's ARN), a signature verifies with each, "
    "and MACs and public keys are the same.",
    f"{MRK} ('any related multi-Region key in any AWS Region can decrypt ciphertext encrypted by any "
    "other related multi-Region key')",
    evidence="documented",
)
ALIAS_MAPPING = _fact(
    "kms.alias.mapping",
    ("ListAliases", "DescribeKey", "Encrypt"),
    "An alias names the key CreateAlias or the last UpdateAlias gave it, in its own Region: "
    "ListAliases lists it with that TargetKeyId and its alias ARN (never an alias DeleteAlias "
    "removed), and an alias name or alias ARN names that key wherever a KeyId accepts one.",
    f"{API}ListAliases.html; {API}CreateAlias.html; {REC} test_describe_with_alias_arn",
    evidence="documented",
)
ROTATION_STATUS = _fact(
    "kms.rotation.status",
    ("GetKeyRotationStatus", "ListKeyRotations"),
    "GetKeyRotationStatus shows what Enable/DisableKeyRotation left (false for a new key, false while "
    "the key is pending deletion) and RotationPeriodInDays when enabled (365 by default); a replica "
    "shows its primary's; ListKeyRotations lists one ON_DEMAND rotation per RotateKeyOnDemand.",
    f"{API}GetKeyRotationStatus.html; {API}ListKeyRotations.html; {MRK} (automatic rotation is "
    f"shared); {REC} test_key_enable_rotation_status[90]",
    evidence="documented",
    source_date="2025-03-02",
    note="Recorded: KeyRotationEnabled true with the RotationPeriodInDays given (90, 180). The rest is "
    "documented; RotationPeriodInDays is judged only when present where the default (365) applies.",
)

# --- key usage and key spec ---------------------------------------------------------------------

KEY_USAGE = _rule(
    "kms.key-usage.operation",
    (
        "Encrypt",
        "ReEncrypt",
        *DATA_KEY,
        *DATA_KEY_PAIR,
        *SIGNING,
        *MAC,
        "DeriveSharedSecret",
    ),
    "An operation on a key whose KeyUsage does not serve it (ENCRYPT_DECRYPT for encryption and data "
    "keys, SIGN_VERIFY for signatures, GENERATE_VERIFY_MAC for MACs, KEY_AGREEMENT for "
    "DeriveSharedSecret) is rejected with InvalidKeyUsageException.",
    f"botocore InvalidKeyUsageException doc; {REC} test_error_messaging_for_invalid_keys "
    "(2023-04-13), test_derive_shared_secret (2024-12-25)",
    error("InvalidKeyUsageException"),
    evidence="recorded",
    source_date="2024-12-25",
    note=(
        "Decrypt with the KeyId of a key of another usage is not judged here: the recorded answer is "
        "IncorrectKeyException (the ciphertext was made by another key)."
    ),
)
SYMMETRIC_ONLY = _rule(
    "kms.key-spec.symmetric-only",
    (*DATA_KEY, *DATA_KEY_PAIR),
    "GenerateDataKey(Pair)(WithoutPlaintext) with an asymmetric ENCRYPT_DECRYPT key is rejected: data "
    "keys are encrypted only under symmetric encryption keys.",
    f"{API}GenerateDataKey.html ('You cannot use an asymmetric KMS key to encrypt data keys'); "
    f"{API}GenerateDataKeyPair.html",
    error("InvalidKeyUsageException", "UnsupportedOperationException"),
    evidence="documented",
    code_evidence="inferred",
    note="The code is not documented: InvalidKeyUsageException and UnsupportedOperationException "
    "(both modelled) are accepted, and any other 4xx is an advisory.",
)
ALGORITHM = _rule(
    "kms.key-spec.algorithm",
    ("Encrypt", "Decrypt", "ReEncrypt", *SIGNING, *MAC),
    "An encryption, signing or MAC algorithm the key's KeySpec does not support is rejected with "
    "InvalidKeyUsageException.",
    f"botocore InvalidKeyUsageException doc ('The encryption algorithm or signing algorithm specified "
    f"for the operation is incompatible with the type of key material'); {REC} "
    "test_invalid_generate_mac[HMAC_224-HMAC_SHA_256], test_invalid_verify_mac[HMAC_256-HMAC_SHA_512]",
    error("InvalidKeyUsageException"),
    evidence="documented",
    source_date="2023-04-13",
)

# --- sizes and members -------------------------------------------------------------------------

RSA_PLAINTEXT_SIZE = _rule(
    "kms.encrypt.plaintext-size",
    ("Encrypt",),
    "Encrypt of more plaintext than the RSA key spec and algorithm allow (RSA_2048: 214/190 bytes, "
    "RSA_3072: 342/318, RSA_4096: 470/446 for OAEP SHA-1/SHA-256) is rejected with "
    "ValidationException.",
    f"{API}Encrypt.html; {REC} test_encrypt_validate_plaintext_size_per_key_type[...]",
    error("ValidationException"),
    evidence="recorded",
    source_date="2023-04-13",
)
BLOB_LENGTH = _rule(
    "kms.blob.length",
    ("Encrypt", "Decrypt", "ReEncrypt", *SIGNING, *MAC, "DeriveSharedSecret"),
    "A blob longer than its model bound (Plaintext and Message 4096 bytes, CiphertextBlob, Signature "
    "and Mac 6144, PublicKey 8192) is rejected with ValidationException.",
    f"botocore PlaintextType, CiphertextType, PublicKeyType max; {REC} test_plaintext_size_for_encrypt "
    "('Member must have length less than or equal to 4096')",
    error("ValidationException"),
    evidence="documented",
    source_date="2023-04-13",
    note="The bounds are the model's. The code is recorded for a Plaintext of 4097 bytes; for the other "
    "members it follows that recording (inferred). Only lengths above the maximum are judged: the Sign "
    "and Verify pages say 'Messages can be 0-4096 bytes' where the model's minimum is 1.",
)
DATA_KEY_SIZE_MEMBERS = _rule(
    "kms.generate-data-key.size-members",
    DATA_KEY,
    "GenerateDataKey(WithoutPlaintext) without KeySpec and NumberOfBytes, or with both, is rejected.",
    f"{API}GenerateDataKey.html ('You must specify either the KeySpec or the NumberOfBytes parameter "
    "(but not both)')",
    error("ValidationException"),
    evidence="documented",
    code_evidence="inferred",
    note="The code is not documented; ValidationException, the service's code for a malformed request, "
    "is expected and any other 4xx is an advisory.",
)
RANDOM_REQUIRED = _rule(
    "kms.generate-random.number-required",
    ("GenerateRandom",),
    "GenerateRandom without NumberOfBytes is rejected with ValidationException.",
    f"{API}GenerateRandom.html ('This parameter is required'); {REC} "
    "test_generate_random_invalid_number_of_bytes[None] ('NumberOfBytes is required.')",
    error("ValidationException"),
    evidence="recorded",
    source_date="2023-04-13",
)
DIGEST_LENGTH = _rule(
    "kms.sign.digest-length",
    SIGNING,
    "A DIGEST message whose length is not the signing algorithm's digest length is rejected with "
    "ValidationException.",
    f"{API}Sign.html (MessageType: 'the length of the Message value must match the length of hashed "
    f"messages'); {REC} test_sign_verify[...] (bad-digest: 'Digest is invalid length for algorithm')",
    error("ValidationException"),
    evidence="recorded",
    source_date="2023-04-13",
)
PEER_PUBLIC_KEY = _rule(
    "kms.derive-shared-secret.public-key",
    ("DeriveSharedSecret",),
    "DeriveSharedSecret with a PublicKey that is not a DER SubjectPublicKeyInfo is rejected with "
    "ValidationException.",
    f"{API}DeriveSharedSecret.html (PublicKey); {REC} test_derive_shared_secret "
    "(response-invalid-public-key)",
    error("ValidationException"),
    evidence="recorded",
    source_date="2024-12-25",
)
DRY_RUN = _rule(
    "kms.dry-run",
    DRY_RUN_OPERATIONS,
    "A call with DryRun true that would have succeeded is rejected with DryRunOperationException "
    "(and does nothing).",
    f"botocore DryRunOperationException doc; {API}Encrypt.html (DryRun); {REC} "
    "test_generate_data_key_pair_dry_run (2025-04-06), "
    "test_generate_data_key_pair_without_plaintext_dry_run (2025-04-07)",
    error("DryRunOperationException"),
    evidence="documented",
    source_date="2025-04-07",
    note="Recorded for the data key pair operations; a dry run of a call that fails for another "
    "reason is not judged (the docs say only what a dry run that would succeed answers).",
)

# --- ciphertexts, signatures, MACs ---------------------------------------------------------------

INCORRECT_KEY = _rule(
    "kms.decrypt.incorrect-key",
    DECRYPTING,
    "Decrypt (ReEncrypt) naming a KeyId (SourceKeyId) other than the key, or a key of the multi-Region "
    "set, that made the ciphertext is rejected with IncorrectKeyException.",
    f"botocore IncorrectKeyException doc; {REC} test_re_encrypt_incorrect_source_key (2025-06-09), "
    "test_error_messaging_for_invalid_keys (decrypt-invalid-key-id, 2023-04-13)",
    error("IncorrectKeyException"),
    evidence="recorded",
    source_date="2025-06-09",
)
INVALID_CIPHERTEXT = _rule(
    "kms.decrypt.invalid-ciphertext",
    DECRYPTING,
    "Decrypt (ReEncrypt) of a ciphertext no key made (corrupted, cut, made up) is rejected with "
    "InvalidCiphertextException.",
    f"botocore InvalidCiphertextException doc; {REC} test_encrypt_decrypt_encryption_context "
    "(decrypt_response_with_invalid_ciphertext)",
    error("InvalidCiphertextException"),
    evidence="recorded",
    source_date="2025-09-22",
    note="Judged only with a complete history (every ciphertext the target made is known); with a "
    "KeyId the docs do not order the two checks, so IncorrectKeyException is accepted too.",
)
CONTEXT_MISMATCH = _rule(
    "kms.encryption-context.mismatch",
    DECRYPTING,
    "Decrypt (ReEncrypt) with an encryption context that is not exactly (case-sensitively) the one "
    "the ciphertext was made with is rejected with InvalidCiphertextException.",
    f"{API}Encrypt.html ('Otherwise, the request to decrypt fails with an InvalidCiphertextException'); "
    f"{REC} test_encrypt_decrypt_encryption_context (2025-09-22), "
    "test_encryption_context_generate_data_key (2023-06-16)",
    error("InvalidCiphertextException"),
    evidence="recorded",
    source_date="2025-09-22",
)
INVALID_SIGNATURE = _rule(
    "kms.verify.invalid-signature",
    ("Verify",),
    "Verify of a signature the key did not make for that message and algorithm is rejected with "
    "KMSInvalidSignatureException, never answered with SignatureValid false.",
    f"{API}Verify.html ('If the signature verification fails, the Verify operation fails with an "
    f"KMSInvalidSignatureException'); {REC} test_sign_verify[...] (bad-signature)",
    error("KMSInvalidSignatureException"),
    evidence="recorded",
    source_date="2023-04-13",
)
INVALID_MAC = _rule(
    "kms.verify-mac.invalid-mac",
    ("VerifyMac",),
    "VerifyMac of a MAC that is not the key's HMAC of that message and algorithm is rejected with "
    "KMSInvalidMacException, never answered with MacValid false.",
    f"{API}VerifyMac.html; {REC} test_invalid_verify_mac[HMAC_256-HMAC_SHA_256-some different "
    "important message]",
    error("KMSInvalidMacException"),
    evidence="recorded",
    source_date="2023-04-13",
)
PUBLIC_KEY_OF_SYMMETRIC = _rule(
    "kms.get-public-key.symmetric",
    ("GetPublicKey",),
    "GetPublicKey of a symmetric encryption or HMAC key (which has no public key) is rejected with "
    "UnsupportedOperationException.",
    f"{API}GetPublicKey.html ('Returns the public key of an asymmetric KMS key'); botocore "
    "UnsupportedOperationException doc ('a specified resource is not valid for this operation')",
    error("UnsupportedOperationException"),
    evidence="documented",
    code_evidence="inferred",
)

# --- key states ([KS]) --------------------------------------------------------------------------

DISABLED_USE = _rule(
    "kms.key-state.disabled-use",
    CRYPTO_OPERATIONS,
    "A cryptographic operation (and GetPublicKey) on a Disabled key is rejected with DisabledException.",
    f"[KS] footnote 1 ({KS}); botocore DisabledException doc",
    error("DisabledException"),
    evidence="documented",
    source_date="2022-12-05",
    note="DeriveSharedSecret is newer than the archived table; it models DisabledException and must "
    "be 'in a compatible key state' like the rest.",
)
PENDING_DELETION_USE = _rule(
    "kms.key-state.pending-deletion-use",
    CRYPTO_OPERATIONS,
    "A cryptographic operation (and GetPublicKey) on a key pending deletion (or pending replica "
    "deletion) is rejected.",
    f"[KS] 'X [2] or [3]' ({KS})",
    error("DisabledException", "KMSInvalidStateException"),
    evidence="documented",
    source_date="2022-12-05",
    note="[KS] leaves DisabledException or KMSInvalidStateException open (as for ReplicateKey, D9).",
)
PENDING_IMPORT_USE = _rule(
    "kms.key-state.pending-import-use",
    ("Encrypt", "Decrypt", "ReEncrypt", *DATA_KEY, *DATA_KEY_PAIR),
    "An encryption operation on a key without key material (PendingImport) is rejected with "
    "KMSInvalidStateException.",
    f"[KS] footnote 5; {REC} test_import_key_symmetric (encrypt-before-import-error, "
    "encrypt-after-delete-error)",
    error("KMSInvalidStateException"),
    evidence="recorded",
    source_date="2025-11-10",
)

# --- aliases -------------------------------------------------------------------------------------

ALIAS_PREFIX = _rule(
    "kms.alias.name-prefix",
    ("CreateAlias",),
    "CreateAlias with an AliasName that does not begin with 'alias/' is rejected with ValidationException.",
    f"{API}CreateAlias.html (AliasName); {REC} test_create_alias ('Alias must start with the prefix "
    '"alias/"\')',
    error("ValidationException"),
    evidence="recorded",
    source_date="2023-04-13",
)
ALIAS_RESERVED = _rule(
    "kms.alias.reserved",
    ("CreateAlias",),
    "CreateAlias with an AliasName beginning 'alias/aws/' (reserved for AWS managed keys) is rejected.",
    f"{API}CreateAlias.html ('The alias name cannot begin with alias/aws/')",
    any_4xx("the code is not documented"),
    evidence="documented",
)
ALIAS_EXISTS = _rule(
    "kms.alias.exists",
    ("CreateAlias",),
    "CreateAlias of a name that already exists in the Region is rejected with AlreadyExistsException.",
    f"{API}CreateAlias.html ('The alias must be unique in the account and Region'); botocore "
    "AlreadyExistsException doc",
    error("AlreadyExistsException"),
    evidence="documented",
)
ALIAS_NOT_FOUND = _rule(
    "kms.alias.not-found",
    ("UpdateAlias", "DeleteAlias", *CRYPTO_OPERATIONS, "DescribeKey"),
    "An alias name that names no alias in the Region (UpdateAlias, DeleteAlias, or a KeyId given as "
    "an alias) is rejected with NotFoundException.",
    f"{API}UpdateAlias.html, {API}DeleteAlias.html (errors); botocore NotFoundException doc ('the "
    "specified entity or resource could not be found')",
    error("NotFoundException"),
    evidence="documented",
    note="Names under alias/aws/ are never judged: AWS creates those aliases on first use.",
)
ALIAS_TARGET_PENDING_DELETION = _rule(
    "kms.alias.target-pending-deletion",
    ("CreateAlias", "UpdateAlias"),
    "CreateAlias or UpdateAlias to a key pending deletion is rejected with KMSInvalidStateException.",
    f"[KS] CreateAlias footnote 3, UpdateAlias footnote 10 ({KS})",
    error("KMSInvalidStateException"),
    evidence="documented",
    source_date="2022-12-05",
)
ALIAS_UPDATE_TYPE = _rule(
    "kms.alias.update-type",
    ("UpdateAlias",),
    "UpdateAlias to a key of another type (symmetric, asymmetric, HMAC) or key usage than the alias's "
    "current key is rejected.",
    f"{API}UpdateAlias.html ('The current and new KMS key must be the same type ... and they must have "
    "the same key usage')",
    any_4xx("the code is not documented"),
    evidence="documented",
)
ALIAS_TARGET_ALIAS = _rule(
    "kms.alias.target-is-alias",
    ("CreateAlias", "UpdateAlias"),
    "CreateAlias or UpdateAlias whose TargetKeyId is an alias, not a key ID or key ARN, is rejected.",
    f"{API}CreateAlias.html (TargetKeyId: 'Specify the key ID or key ARN of the KMS key')",
    any_4xx("the code is not documented"),
    evidence="documented",
)

# --- rotation ------------------------------------------------------------------------------------

ROTATION_KEY_TYPE = _rule(
    "kms.rotation.unsupported-key",
    ("EnableKeyRotation", "DisableKeyRotation"),
    "Enable/DisableKeyRotation of an asymmetric or HMAC key is rejected: automatic rotation is for "
    "symmetric encryption keys only.",
    f"{API}EnableKeyRotation.html ('You cannot enable automatic rotation of asymmetric KMS keys, HMAC "
    "KMS keys, ...')",
    error("UnsupportedOperationException"),
    evidence="documented",
    code_evidence="inferred",
)
ROTATION_IMPORTED = _rule(
    "kms.rotation.imported-material",
    ("EnableKeyRotation", "DisableKeyRotation"),
    "Enable/DisableKeyRotation of a key with imported key material (Origin EXTERNAL) is rejected with "
    "UnsupportedOperationException.",
    f"[KS] footnotes 6 and 7 ({KS}); {API}EnableKeyRotation.html ('You cannot enable automatic "
    "rotation of ... KMS keys with imported key material')",
    error("UnsupportedOperationException"),
    evidence="documented",
    source_date="2022-12-05",
)
ON_DEMAND_KEY_TYPE = _rule(
    "kms.rotation.on-demand-unsupported-key",
    ("RotateKeyOnDemand",),
    "RotateKeyOnDemand of an asymmetric or HMAC key is rejected with UnsupportedOperationException.",
    f"{API}RotateKeyOnDemand.html; {REC} test_rotate_key_on_demand_raises_error_given_non_symmetric_key",
    error("UnsupportedOperationException"),
    evidence="recorded",
    source_date="2025-03-08",
)
ON_DEMAND_IMPORTED = _rule(
    "kms.rotation.on-demand-imported",
    ("RotateKeyOnDemand",),
    "RotateKeyOnDemand of a key with imported key material and no new material pending rotation is rejected.",
    f"{API}RotateKeyOnDemand.html ('you must have already imported new key material'); {REC} "
    "test_rotate_key_on_demand_raises_for_no_pending_key_material (KMSInvalidStateException, "
    "2025-11-19), test_rotate_key_on_demand_raises_error_given_key_with_imported_key_material "
    "(UnsupportedOperationException, 2025-03-08)",
    error("KMSInvalidStateException", "UnsupportedOperationException"),
    evidence="recorded",
    source_date="2025-11-19",
    note="AWS answered UnsupportedOperationException before on-demand rotation of imported material "
    "existed and KMSInvalidStateException after: both recordings are accepted.",
)
ROTATION_DISABLED = _rule(
    "kms.rotation.disabled",
    ("EnableKeyRotation", "DisableKeyRotation", "RotateKeyOnDemand"),
    "Enable/DisableKeyRotation and RotateKeyOnDemand of a Disabled key are rejected with DisabledException.",
    f"[KS] footnote 1 ({KS}); {REC} test_rotate_key_on_demand_raises_error_given_key_is_disabled",
    error("DisabledException"),
    evidence="recorded",
    source_date="2025-03-08",
)
ROTATION_PENDING_DELETION = _rule(
    "kms.rotation.pending-deletion",
    ("EnableKeyRotation", "DisableKeyRotation"),
    "Enable/DisableKeyRotation of a key pending deletion is rejected with KMSInvalidStateException.",
    f"[KS] footnote 3 ({KS})",
    error("KMSInvalidStateException"),
    evidence="documented",
    source_date="2022-12-05",
)
ROTATION_REPLICA = _rule(
    "kms.rotation.replica",
    ("EnableKeyRotation", "DisableKeyRotation", "RotateKeyOnDemand"),
    "Rotation of a multi-Region key is managed on its primary: Enable/DisableKeyRotation and "
    "RotateKeyOnDemand of a replica are rejected.",
    f"{MRK} (multi-region-keys-manage: 'You enable and disable automatic key rotation only on the "
    f"primary key'); {API}RotateKeyOnDemand.html ('invoke the on-demand rotation on the primary key')",
    any_4xx("the code is not documented"),
    evidence="documented",
)
ON_DEMAND_LIMIT = _rule(
    "kms.rotation.on-demand-limit",
    ("RotateKeyOnDemand",),
    "A 26th RotateKeyOnDemand of a key is rejected with LimitExceededException.",
    f"{API}RotateKeyOnDemand.html ('a maximum of 25 times per KMS key'); {REC} test_key_rotations_limits",
    error("LimitExceededException"),
    evidence="recorded",
    source_date="2025-04-03",
)

# --- imported key material -----------------------------------------------------------------------

IMPORT_NOT_EXTERNAL = _rule(
    "kms.import.not-external",
    IMPORT_OPERATIONS,
    "GetParametersForImport, ImportKeyMaterial and DeleteImportedKeyMaterial of a key whose Origin is "
    "not EXTERNAL are rejected with UnsupportedOperationException.",
    f"[KS] footnote 9 ({KS}); {REC} test_get_parameters_for_import, "
    "test_get_parameters_for_import_raises_for_non_external_kms_keys",
    error("UnsupportedOperationException"),
    evidence="recorded",
    source_date="2025-11-10",
)
IMPORT_PENDING_DELETION = _rule(
    "kms.import.pending-deletion",
    ("GetParametersForImport", "ImportKeyMaterial"),
    "GetParametersForImport and ImportKeyMaterial of a key with imported key material that is pending "
    "deletion are rejected with KMSInvalidStateException.",
    f"[KS] footnote 8 ({KS})",
    error("KMSInvalidStateException"),
    evidence="documented",
    source_date="2022-12-05",
)
IMPORT_EXPIRATION = _rule(
    "kms.import.expiration",
    ("ImportKeyMaterial",),
    "ImportKeyMaterial with ExpirationModel KEY_MATERIAL_EXPIRES (the default) and no ValidTo is "
    "rejected with ValidationException.",
    f"{API}ImportKeyMaterial.html (ValidTo, ExpirationModel: 'The default is KEY_MATERIAL_EXPIRES'); "
    f"{REC} test_import_key_symmetric (import-expiring-key-without-valid-to)",
    error("ValidationException"),
    evidence="recorded",
    source_date="2025-11-10",
)

KEY_USE_RULES: tuple[Rule, ...] = tuple(_OWN)
"""Every rule of this module."""


# --- the key-state table of these operations ([KS]) ----------------------------------------------

Entry = states.Entry
_ALL = (
    states.ENABLED,
    states.DISABLED,
    states.PENDING_DELETION,
    states.PENDING_REPLICA_DELETION,
    states.PENDING_IMPORT,
    states.UNAVAILABLE,
    states.CREATING,
    states.UPDATING,
)


def _row(**overrides: Entry) -> dict[str, Entry]:
    row: dict[str, Entry] = dict.fromkeys(_ALL)
    row[states.UNAVAILABLE] = states.UNDECIDED  # only keys in custom key stores: never made here
    row.update(overrides)
    return row


_PENDING = {
    states.PENDING_DELETION: PENDING_DELETION_USE,
    states.PENDING_REPLICA_DELETION: PENDING_DELETION_USE,
}
_ENCRYPTING_ROW = _row(
    Disabled=DISABLED_USE, PendingImport=PENDING_IMPORT_USE, Creating=states.TIMING, **_PENDING
)
# Sign, Verify, MACs, GetPublicKey: PendingImport is N/A in [KS] (asymmetric and HMAC keys with
# imported material are newer than the table).
_OTHER_ROW = _row(Disabled=DISABLED_USE, PendingImport=states.UNDECIDED, Creating=states.TIMING, **_PENDING)
_ROTATION_ROW = _row(
    Disabled=ROTATION_DISABLED,
    PendingDeletion=ROTATION_PENDING_DELETION,
    PendingReplicaDeletion=ROTATION_PENDING_DELETION,
    PendingImport=ROTATION_IMPORTED,
    Creating=states.TIMING,
)

#: What each key state means for each operation of this module ([KS], archived 2022-12).
STATE_TABLE: Mapping[str, Mapping[str, Entry]] = {
    **dict.fromkeys(("Encrypt", "Decrypt", "ReEncrypt", *DATA_KEY, *DATA_KEY_PAIR), _ENCRYPTING_ROW),
    **dict.fromkeys((*SIGNING, *MAC, "GetPublicKey", "DeriveSharedSecret"), _OTHER_ROW),
    "CreateAlias": _row(
        PendingDeletion=ALIAS_TARGET_PENDING_DELETION, PendingReplicaDeletion=ALIAS_TARGET_PENDING_DELETION
    ),
    "UpdateAlias": _row(
        PendingDeletion=ALIAS_TARGET_PENDING_DELETION, PendingReplicaDeletion=ALIAS_TARGET_PENDING_DELETION
    ),
    "EnableKeyRotation": _ROTATION_ROW,
    "DisableKeyRotation": _ROTATION_ROW,
    # [KS] footnote 6 (PendingImport) predates on-demand rotation of imported material: no prediction.
    "GetKeyRotationStatus": _row(PendingImport=states.UNDECIDED),
    # Newer than [KS]: Disabled and PendingImport are recorded, the other states are not documented.
    "RotateKeyOnDemand": {
        state: (
            None
            if state == states.ENABLED
            else ROTATION_DISABLED
            if state == states.DISABLED
            else ON_DEMAND_IMPORTED
            if state == states.PENDING_IMPORT
            else states.UNDECIDED
        )
        for state in _ALL
    },
    "ListKeyRotations": {
        state: (None if state in (states.ENABLED, states.DISABLED) else states.UNDECIDED) for state in _ALL
    },
    "GetParametersForImport": _row(
        PendingDeletion=IMPORT_PENDING_DELETION,
        PendingReplicaDeletion=IMPORT_PENDING_DELETION,
        Creating=states.TIMING,
        Updating=states.TIMING,
    ),
    "ImportKeyMaterial": _row(
        # Reimporting into a key that has material must be the same material: not drawn.
        Enabled=states.UNDECIDED,
        Disabled=states.UNDECIDED,
        PendingDeletion=IMPORT_PENDING_DELETION,
        PendingReplicaDeletion=IMPORT_PENDING_DELETION,
        Creating=states.TIMING,
    ),
    "DeleteImportedKeyMaterial": _row(Creating=states.TIMING, Updating=states.TIMING),
}


def state_entry(operation: str, state: states.KeyState) -> Entry:
    """What ``state`` means for ``operation``; for a transient state, what both possible states
    agree on, else :data:`~harness.services.kms.state_rules.TIMING`."""
    row = STATE_TABLE.get(operation)
    if row is None:
        return states.UNDECIDED
    entries = {id(row.get(s, states.UNDECIDED)): row.get(s, states.UNDECIDED) for s in state.possible}
    if len(entries) == 1:
        (only,) = entries.values()
        return only
    return states.TIMING


def state_violations(
    operation: str, state: states.KeyState, pointer: str = "/KeyId"
) -> list[Violation] | None:
    """The [KS] violations of ``operation`` on a key in ``state``; ``None``: no prediction."""
    entry = state_entry(operation, state)
    if isinstance(entry, Rule):
        return [Violation(entry.id, pointer, transition="|".join(state.possible))]
    if entry is None:
        return []
    return None


# --- what the predicates read of a key ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyFacts:
    """What a predicate needs of a key: what it is made of and its state."""

    key_spec: str
    key_usage: str
    origin: str
    state: states.KeyState | None
    multi_region: bool = False
    is_primary: bool = False

    @property
    def symmetric(self) -> bool:
        return self.key_spec == "SYMMETRIC_DEFAULT"

    @property
    def hmac(self) -> bool:
        return self.key_spec.startswith("HMAC_")

    @property
    def asymmetric(self) -> bool:
        return not (self.symmetric or self.hmac)

    @property
    def kind(self) -> tuple[str, str]:
        """The key's type for UpdateAlias: symmetric, asymmetric or HMAC, and its usage."""
        family = "symmetric" if self.symmetric else "hmac" if self.hmac else "asymmetric"
        return family, self.key_usage


def usage_violations(operation: str, key: KeyFacts, pointer: str = "/KeyId") -> list[Violation]:
    """KeyUsage x operation and, for data keys, the symmetric-only rule."""
    needed = USAGE_OF.get(operation)
    if needed is None:
        return []
    if key.key_usage != needed:
        return [Violation(KEY_USAGE.id, pointer, f"{key.key_usage} for {operation}")]
    if operation in (*DATA_KEY, *DATA_KEY_PAIR) and not key.symmetric:
        return [Violation(SYMMETRIC_ONLY.id, pointer, key.key_spec)]
    return []


def algorithm_violations(key: KeyFacts, algorithm: Any, pointer: str) -> list[Violation] | None:
    """An algorithm (already a documented enum value) the key's spec does not support; ``None``
    where the rulebook documents no algorithm list for the key."""
    allowed = algorithms_of(key.key_spec, key.key_usage)
    if allowed is None or not isinstance(algorithm, str):
        return None
    if algorithm not in allowed:
        return [Violation(ALGORITHM.id, pointer, f"{algorithm} with {key.key_spec}")]
    return []


def blob_violations(params: Mapping[str, Any], members: tuple[str, ...]) -> list[Violation]:
    """Blob members longer than their model bound (the specs carry no byte lengths)."""
    found = []
    for member in members:
        print_ = redaction.fingerprint(params.get(member))
        bound = BLOB_MAX.get(member)
        if print_ is not None and bound is not None and print_.length > bound:
            # The code is recorded for Plaintext only (test_plaintext_size_for_encrypt).
            grade: Evidence | None = None if member == "Plaintext" else "inferred"
            found.append(
                Violation(BLOB_LENGTH.id, f"/{member}", f"{print_.length} bytes", code_evidence=grade)
            )
    return found


def rsa_plaintext_violations(key: KeyFacts, algorithm: Any, plaintext: Any) -> list[Violation]:
    limit = PLAINTEXT_LIMIT.get((key.key_spec, str(algorithm)))
    print_ = redaction.fingerprint(plaintext)
    if limit is None or print_ is None or key.symmetric or print_.length <= limit:
        return []
    return [Violation(RSA_PLAINTEXT_SIZE.id, "/Plaintext", f"{print_.length} bytes over {limit}")]


def digest_violations(params: Mapping[str, Any]) -> list[Violation]:
    """A DIGEST message of the wrong length for the signing algorithm."""
    if params.get("MessageType") != "DIGEST":
        return []
    wanted = digest_length(str(params.get("SigningAlgorithm")))
    print_ = redaction.fingerprint(params.get("Message"))
    if wanted is None or print_ is None or print_.length == wanted:
        return []
    return [Violation(DIGEST_LENGTH.id, "/Message", f"{print_.length} bytes, not {wanted}")]


def data_key_size_violations(params: Mapping[str, Any]) -> list[Violation]:
    has_spec, has_number = "KeySpec" in params, "NumberOfBytes" in params
    if has_spec == has_number:
        return [Violation(DATA_KEY_SIZE_MEMBERS.id, "/KeySpec", "both" if has_spec else "neither")]
    return []


def data_key_bytes(params: Mapping[str, Any]) -> int | None:
    """The size of the data key a valid GenerateDataKey request asks for."""
    number = params.get("NumberOfBytes")
    if isinstance(number, int) and not isinstance(number, bool):
        return number
    spec = params.get("KeySpec")
    return DATA_KEY_BYTES.get(spec) if isinstance(spec, str) else None


def alias_name_violations(name: Any) -> list[Violation] | None:
    """CreateAlias's name rules beyond the member's pattern; ``None`` when not a string."""
    if not isinstance(name, str):
        return None
    if not name.startswith("alias/"):
        return [Violation(ALIAS_PREFIX.id, "/AliasName")]
    if name.startswith(RESERVED_ALIAS_PREFIX):
        return [Violation(ALIAS_RESERVED.id, "/AliasName")]
    return []


def rotation_key_violations(operation: str, key: KeyFacts) -> list[Violation] | None:
    """What a key's type, origin and role mean for a rotation operation; ``None``: undocumented."""
    if operation in ("EnableKeyRotation", "DisableKeyRotation"):
        if key.asymmetric or key.hmac:
            return [Violation(ROTATION_KEY_TYPE.id, "/KeyId", key.key_spec)]
        if key.origin == "EXTERNAL":
            return [Violation(ROTATION_IMPORTED.id, "/KeyId")]
        if key.multi_region and not key.is_primary:
            return [Violation(ROTATION_REPLICA.id, "/KeyId")]
        return []
    if operation == "RotateKeyOnDemand":
        if key.asymmetric or key.hmac:
            return [Violation(ON_DEMAND_KEY_TYPE.id, "/KeyId", key.key_spec)]
        if key.origin == "EXTERNAL":
            return [Violation(ON_DEMAND_IMPORTED.id, "/KeyId")]
        if key.multi_region and not key.is_primary:
            return [Violation(ROTATION_REPLICA.id, "/KeyId")]
        return []
    if operation in ("GetKeyRotationStatus", "ListKeyRotations"):
        if key.asymmetric or key.hmac or key.origin == "EXTERNAL":
            return None  # the docs say such keys have no (automatic) rotation, not what the call answers
        return []
    return []


def dry_run_violation(operation: str, params: Mapping[str, Any]) -> Violation | None:
    if operation in DRY_RUN_OPERATIONS and params.get("DryRun") is True:
        return Violation(DRY_RUN.id, "/DryRun")
    return None
