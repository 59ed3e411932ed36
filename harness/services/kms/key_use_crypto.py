"""Cryptographic truth, computed outside the endpoint with the ``cryptography`` library.

The harness does not take the endpoint's word for its own cryptography: a signature is verified
with the public key GetPublicKey gave, a shared secret is computed again from the peer's side, a
public key must be a DER key of the key's spec, and data encrypted here with the key's public key
must decrypt through the endpoint. What is compared is a :class:`~harness.redaction.Fingerprint`
(length and SHA-256) wherever that suffices, so a replay of a cassette, which keeps no bytes,
checks it too; the checks that need the bytes (a signature, a private key) ask
:func:`harness.redaction.reveal` and are not applied where the bytes are not known.

The peer key pairs (DeriveSharedSecret) and the data encrypted under a key's public key are
*derived* from fixed labels, not random: the model recognises them in any later request (a
replay included) and knows what the endpoint must answer. They are test values, not secrets.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

from harness import redaction
from harness.model.matchers import Matcher

#: KMS KeySpec -> the elliptic curve of the key (asymmetric-key-specs.md).
CURVES: Mapping[str, type[ec.EllipticCurve]] = {
    "ECC_NIST_P256": ec.SECP256R1,
    "ECC_NIST_P384": ec.SECP384R1,
    "ECC_NIST_P521": ec.SECP521R1,
    "ECC_SECG_P256K1": ec.SECP256K1,
}
_HASHES: Mapping[str, type[hashes.HashAlgorithm]] = {
    "256": hashes.SHA256,
    "384": hashes.SHA384,
    "512": hashes.SHA512,
}


def _hash_of(algorithm: str) -> hashes.HashAlgorithm | None:
    kind = _HASHES.get(algorithm.rsplit("_", 1)[-1])
    return kind() if kind is not None else None


def load_public_key(der: bytes) -> Any | None:
    try:
        return serialization.load_der_public_key(der)
    except (ValueError, UnsupportedAlgorithm):
        return None


def spec_of_public_key(der: bytes) -> str | None:
    """The KMS KeySpec a DER SubjectPublicKeyInfo is a key of; ``None`` when it is none the harness
    can read (not DER, or a key type ``cryptography`` does not parse)."""
    key = load_public_key(der)
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA_{key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return next((spec for spec, curve in CURVES.items() if isinstance(key.curve, curve)), None)
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "ECC_NIST_EDWARDS25519"
    return None


#: Specs whose public keys ``spec_of_public_key`` can name.
READABLE_SPECS = frozenset({"RSA_2048", "RSA_3072", "RSA_4096", *CURVES, "ECC_NIST_EDWARDS25519"})


def verify_signature(
    public_der: bytes, algorithm: str, message_type: str, message: bytes, signature: bytes
) -> bool | None:
    """Whether ``signature`` verifies; ``None`` when the algorithm is not one checked here."""
    key = load_public_key(public_der)
    chosen = _hash_of(algorithm)
    if key is None or chosen is None or message_type not in ("RAW", "DIGEST"):
        return None
    data: Any = utils.Prehashed(chosen) if message_type == "DIGEST" else chosen
    try:
        if algorithm.startswith("RSASSA_PSS_") and isinstance(key, rsa.RSAPublicKey):
            # Any salt length: the documents do not fix the one KMS uses.
            pss = padding.PSS(mgf=padding.MGF1(chosen), salt_length=padding.PSS.AUTO)
            key.verify(signature, message, pss, data)
        elif algorithm.startswith("RSASSA_PKCS1_V1_5_") and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, message, padding.PKCS1v15(), data)
        elif algorithm.startswith("ECDSA_") and isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, message, ec.ECDSA(data))
        else:
            return None
    except InvalidSignature:
        return False
    except (ValueError, TypeError):
        return False
    return True


# --- peers for DeriveSharedSecret ------------------------------------------------------------------


@cache
def peer(key_spec: str) -> ec.EllipticCurvePrivateKey | None:
    """The harness's peer key pair on the curve of ``key_spec`` (derived from a fixed label)."""
    curve = CURVES.get(key_spec)
    if curve is None:
        return None
    label = hashlib.sha512(f"kms-conformance-harness peer {key_spec}".encode()).digest()
    # Any scalar below the group order is a private key; a 512-bit label reduced by the largest
    # order used here (P-521's) leaves it in range for every curve after the reduction below.
    value = int.from_bytes(label, "big")
    order = _ORDERS[key_spec]
    return ec.derive_private_key(value % (order - 1) + 1, curve())


_ORDERS = {
    "ECC_NIST_P256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "ECC_NIST_P384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16
    ),
    "ECC_NIST_P521": int(
        "01FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D0"
        "3BB5C9B8899C47AEBB6FB71E91386409",
        16,
    ),
    "ECC_SECG_P256K1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
}


def spki(private: Any) -> bytes:
    """The DER SubjectPublicKeyInfo of a private key's public key."""
    return bytes(
        private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def peer_public_der(key_spec: str) -> bytes | None:
    private = peer(key_spec)
    return spki(private) if private is not None else None


def peer_spec(public_der: bytes) -> str | None:
    """The spec of the harness peer whose public key this is; ``None`` when it is no harness peer."""
    return next((spec for spec in CURVES if peer_public_der(spec) == public_der), None)


def shared_secret(key_spec: str, kms_public_der: bytes) -> bytes | None:
    """The raw ECDH secret of the harness peer and the KMS key's public key."""
    private = peer(key_spec)
    public = load_public_key(kms_public_der)
    if private is None or not isinstance(public, ec.EllipticCurvePublicKey):
        return None
    if not isinstance(public.curve, type(private.curve)):
        return None
    return private.exchange(ec.ECDH(), public)


# --- data encrypted here under a key's public key -----------------------------------------------------

_OAEP_HASH = {"RSAES_OAEP_SHA_1": hashlib.sha1, "RSAES_OAEP_SHA_256": hashlib.sha256}


def local_plaintext(public_der: bytes) -> bytes:
    """What the harness encrypts under a key's public key: 32 bytes derived from that key."""
    return hashlib.sha256(b"kms-conformance-harness local OAEP plaintext" + public_der).digest()


def _mgf1(seed: bytes, length: int, digest: Any) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += digest(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def local_ciphertext(public_der: bytes, algorithm: str) -> bytes | None:
    """RSAES-OAEP (RFC 8017 7.1.1, empty label, MGF1 with the same hash) of :func:`local_plaintext`
    under the key, with a seed derived from the key instead of a random one, so the model can
    recompute it. ``None`` for a key or algorithm that is not RSA OAEP."""
    digest = _OAEP_HASH.get(algorithm)
    key = load_public_key(public_der)
    if digest is None or not isinstance(key, rsa.RSAPublicKey):
        return None
    numbers = key.public_numbers()
    k = (numbers.n.bit_length() + 7) // 8
    message = local_plaintext(public_der)
    h_len = digest().digest_size
    if len(message) > k - 2 * h_len - 2:
        return None
    label_hash = digest(b"").digest()
    block = label_hash + b"\x00" * (k - len(message) - 2 * h_len - 2) + b"\x01" + message
    seed = digest(b"kms-conformance-harness OAEP seed" + public_der).digest()
    masked_block = bytes(a ^ b for a, b in zip(block, _mgf1(seed, len(block), digest), strict=True))
    masked_seed = bytes(a ^ b for a, b in zip(seed, _mgf1(masked_block, h_len, digest), strict=True))
    encoded = b"\x00" + masked_seed + masked_block
    value = pow(int.from_bytes(encoded, "big"), numbers.e, numbers.n)
    return value.to_bytes(k, "big")


# --- data key pairs ----------------------------------------------------------------------------------


def private_matches_public(private_der: bytes, public_der: bytes) -> bool:
    """Whether a PKCS#8 private key is the private key of a DER SubjectPublicKeyInfo."""
    try:
        private = serialization.load_der_private_key(private_der, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return False
    derived = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return bool(derived == public_der)


# --- matchers: what an answer member must be ---------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Blob(Matcher):
    """A blob with this length and digest (the bytes an earlier call gave or was given)."""

    print_: redaction.Fingerprint

    def matches(self, value: Any) -> bool:
        return redaction.is_blob(value) and redaction.fingerprint(value) == self.print_

    def __repr__(self) -> str:
        return f"the {self.print_.length} bytes with sha256 {self.print_.digest[:16]}..."


@dataclass(frozen=True, eq=False)
class BlobOfLength(Matcher):
    """A blob of exactly ``length`` bytes."""

    length: int

    def matches(self, value: Any) -> bool:
        print_ = redaction.fingerprint(value)
        return redaction.is_blob(value) and print_ is not None and print_.length == self.length

    def __repr__(self) -> str:
        return f"{self.length} bytes"


@dataclass(frozen=True, eq=False)
class PublicKeyOf(Matcher):
    """A DER SubjectPublicKeyInfo of ``key_spec`` (and, when known, this very key)."""

    key_spec: str
    print_: redaction.Fingerprint | None = None

    def matches(self, value: Any) -> bool:
        raw = redaction.reveal(value)
        if raw is None:
            return False
        if self.print_ is not None and redaction.fingerprint_of_bytes(raw) != self.print_:
            return False
        if self.key_spec not in READABLE_SPECS:
            return True  # a spec the library cannot parse: only the identity is checked
        return spec_of_public_key(raw) == self.key_spec

    def __repr__(self) -> str:
        same = " (the key's own)" if self.print_ is not None else ""
        return f"a DER public key of {self.key_spec}{same}"


@dataclass(frozen=True, eq=False)
class VerifiesWith(Matcher):
    """A signature that verifies with ``public_der`` over the message of ``message`` (a token or
    base64 text). Where the bytes are not known (a replay), it is not checked."""

    public_der: bytes
    algorithm: str
    message_type: str
    message: str

    def matches(self, value: Any) -> bool:
        signature, message = redaction.reveal(value), redaction.reveal(self.message)
        if not redaction.is_blob(value):
            return False  # not a blob at all
        if signature is None or message is None:
            return True  # the bytes are not known here: not checked
        verdict = verify_signature(self.public_der, self.algorithm, self.message_type, message, signature)
        return verdict is not False

    def __repr__(self) -> str:
        return f"a {self.algorithm} signature that verifies with the key's public key"


@dataclass(frozen=True, eq=False)
class KeyPairOf(Matcher):
    """A GenerateDataKeyPair answer whose private key (when shown and known) is the PKCS#8 key of
    its public key."""

    def matches(self, value: Any) -> bool:
        if not isinstance(value, Mapping) or "PrivateKeyPlaintext" not in value:
            return True
        private, public = (
            redaction.reveal(value.get("PrivateKeyPlaintext")),
            redaction.reveal(value.get("PublicKey")),
        )
        if private is None or public is None:
            return True  # not known here
        return private_matches_public(private, public)

    def __repr__(self) -> str:
        return "a private key that belongs to the public key"
