"""How the key-use rules are exercised: keys of every kind, in every state, used.

Each rule test is a *build* function of a :class:`Pick`: it makes the keys it needs (set-up
calls), brings them to the state it needs, makes what the call under test reads (a ciphertext, a
signature, a MAC, the public key) and returns the call. The same build serves the random phase
(Hypothesis draws every pick) and the coverage phase (:class:`CoverPick` tries each option of the
first pick once, the simplest of everything else), so a target that breaks a rule fails it within
the coverage phase's first calls. The tests run in the suite's last family, ``key-use``, with a
small share of the run's draws (:data:`BUDGET`): their coverage phases already try every
documented case.

Blobs travel as base64 text in a :class:`~harness.exchange.Call`; a blob an answer gave is a
token (:mod:`harness.redaction`) and is sent as is (the transport knows its bytes).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from hypothesis import strategies as st

from harness import redaction
from harness.exchange import Call
from harness.oracle.rules import Rule
from harness.scenarios.base import SCENARIOS, Attempt, Driver, SetupFailed
from harness.services.kms import key_use_crypto as crypto
from harness.services.kms import key_use_rules as uses
from harness.services.kms import state_scenarios

SERVICE = "kms"
T = TypeVar("T")

#: The share of the run's --examples and --shrink-calls a key-use test spends (25 -> 3 draws,
#: 150 -> 18 shrink calls by default): the coverage phase tries every case first.
BUDGET = 0.12

#: The kinds of key the tests use: CreateKey parameters by name.
KINDS: Mapping[str, Mapping[str, Any]] = {
    "symmetric": {},
    "symmetric-external": {"Origin": "EXTERNAL"},
    "rsa-encrypt": {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"},
    "rsa-sign": {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"},
    "ecc-sign": {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"},
    "ecc-agree": {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"},
    "hmac": {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
}
#: Kinds whose KeyUsage does not serve each operation (for kms.key-usage.operation).
WRONG_KINDS: Mapping[str, tuple[str, ...]] = {
    "Encrypt": ("rsa-sign", "ecc-sign", "ecc-agree", "hmac"),
    "GenerateDataKey": ("ecc-sign", "hmac", "ecc-agree"),
    "Sign": ("symmetric", "rsa-encrypt", "hmac", "ecc-agree"),
    "GenerateMac": ("symmetric", "ecc-sign", "rsa-sign"),
    "DeriveSharedSecret": ("ecc-sign", "symmetric", "rsa-encrypt"),
}
SIGN_SPECS = ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_SECG_P256K1", "RSA_2048")
HMAC_SPECS = ("HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512")
AGREE_SPECS = ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521")
PAIR_SPECS = ("ECC_NIST_P256", "ECC_NIST_P384", "ECC_SECG_P256K1", "RSA_2048")
OAEP = ("RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1")
CONTEXTS: tuple[Mapping[str, str] | None, ...] = (None, {"purpose": "conformance"}, {"a": "1", "b": "2"})
_HASH = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _signing_algorithms(spec: str) -> tuple[str, ...]:
    found = uses.algorithms_of(spec, "SIGN_VERIFY")
    return tuple(sorted(found)) if found else ()


# --- picks: what a build chooses -----------------------------------------------------------------


class Pick:
    """What a build chooses; the random phase draws, the coverage phase enumerates."""

    def one(self, name: str, options: Sequence[T]) -> T:
        raise NotImplementedError

    def data(self, name: str, low: int, high: int) -> bytes:
        raise NotImplementedError

    def number(self, name: str, low: int, high: int) -> int:
        raise NotImplementedError


class DrawPick(Pick):
    def __init__(self, data: st.DataObject):
        self._data = data

    def one(self, name: str, options: Sequence[T]) -> T:
        return self._data.draw(st.sampled_from(list(options)), label=name)

    def data(self, name: str, low: int, high: int) -> bytes:
        return self._data.draw(st.binary(min_size=low, max_size=high), label=name)

    def number(self, name: str, low: int, high: int) -> int:
        return self._data.draw(st.integers(low, high), label=name)


class CoverPick(Pick):
    """The ``index``-th option of the first choice, the first option of every other one."""

    def __init__(self, index: int):
        self.index = index
        self.first: int | None = None

    def one(self, name: str, options: Sequence[T]) -> T:
        if self.first is None:
            self.first = len(options)
            return options[min(self.index, len(options) - 1)]
        return options[0]

    def data(self, name: str, low: int, high: int) -> bytes:
        return bytes((7 * i + 1) % 256 for i in range(low))

    def number(self, name: str, low: int, high: int) -> int:
        return low


Build = Callable[[Driver, Pick], Attempt]


# --- set-up ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Handle:
    """A key a build made: its id and ARN in the Region it lives in."""

    key_id: str
    arn: str
    region: str
    public: str = ""
    """Its public key (base64 DER) when the build read it with GetPublicKey."""

    def named(self, how: str) -> str:
        return self.arn if how == "arn" and self.arn else self.key_id


def call(operation: str, params: Mapping[str, Any], region: str | None = None) -> Call:
    return Call(SERVICE, operation, dict(params), region)


def create(d: Driver, kind: str | Mapping[str, Any], region: str | None = None, **extra: Any) -> Handle:
    params = {**(KINDS[kind] if isinstance(kind, str) else kind), **extra}
    answer = d.require(call("CreateKey", params, region))
    meta = answer.get("KeyMetadata")
    if not isinstance(meta, Mapping) or not isinstance(meta.get("KeyId"), str):
        raise SetupFailed("set-up CreateKey answered without KeyMetadata.KeyId")
    arn = meta.get("Arn")
    return Handle(meta["KeyId"], arn if isinstance(arn, str) else "", region or d.region)


def pooled(d: Driver, kind: str | Mapping[str, Any], state: str = "enabled", slot: int = 0) -> Handle:
    """A key of ``kind`` in ``state``, made once per run and shared by the examples that only use it
    (a cryptographic operation changes no key). Its CreateKey joins each one's steps, and for an
    asymmetric key its GetPublicKey: the model checks signatures and secrets with that key, and a
    finding must carry every call its expectation rests on."""
    params = KINDS[kind] if isinstance(kind, str) else kind
    name = f"kms.key-use/{sorted(params.items())}/{state}/{slot}"

    def make() -> Handle:
        made = create(d, params)
        if str(params.get("KeySpec", "")).startswith(("RSA_", "ECC_")):
            made = replace(made, public=public_key(d, made))
        to_state(d, made, state)
        return made

    return d.reuse(name, make)


def to_state(d: Driver, key: Handle, state: str) -> None:
    if state == "disabled":
        d.require(call("DisableKey", {"KeyId": key.key_id}, key.region))
    elif state == "pending-deletion":
        d.require(call("ScheduleKeyDeletion", {"KeyId": key.key_id, "PendingWindowInDays": 7}, key.region))


def member(answer: Mapping[str, Any], name: str) -> str:
    value = answer.get(name)
    if not isinstance(value, str):
        raise SetupFailed(f"set-up answer without {name}")
    return value


def public_key(d: Driver, key: Handle) -> str:
    """GetPublicKey (so the model knows the key's public key); the key as base64 text."""
    return member(d.require(call("GetPublicKey", {"KeyId": key.key_id}, key.region)), "PublicKey")


def encrypt(
    d: Driver, key: Handle, plaintext: bytes, context: Mapping[str, str] | None, algorithm: str | None = None
) -> str:
    params: dict[str, Any] = {"KeyId": key.key_id, "Plaintext": b64(plaintext)}
    if context:
        params["EncryptionContext"] = dict(context)
    if algorithm:
        params["EncryptionAlgorithm"] = algorithm
    return member(d.require(call("Encrypt", params, key.region)), "CiphertextBlob")


def replicated(d: Driver, kind: str) -> tuple[Handle, Handle]:
    """A multi-Region primary of ``kind`` in the home Region and its replica, settled (made once
    per run, like :func:`key`)."""
    return d.reuse(f"kms.key-use/replicated/{kind}", lambda: _replicated(d, kind))


def _replicated(d: Driver, kind: str) -> tuple[Handle, Handle]:
    primary = create(d, kind, MultiRegion=True)
    answer = d.require(call("ReplicateKey", {"KeyId": primary.key_id, "ReplicaRegion": d.replica_region}))
    meta = answer.get("ReplicaKeyMetadata")
    arn = meta.get("Arn") if isinstance(meta, Mapping) else None
    if state_scenarios.settle(d.setup, d.replica_region, primary.key_id) is None:
        raise SetupFailed("the replica never left Creating")
    return primary, Handle(primary.key_id, arn if isinstance(arn, str) else "", d.replica_region)


def alias_name(key: Handle, suffix: str) -> str:
    """A new alias name (never drawn: a name two examples both made would be taken)."""
    return f"alias/harness-{key.key_id[:8]}-{uuid.uuid4().hex[:12]}-{suffix}"


def unique(p: Pick, name: str, low: int, high: int) -> bytes:
    """Drawn data after 16 random bytes: no two examples sign or MAC the same message, so what the
    model expects of an answer never rests on a call outside the example's steps."""
    return uuid.uuid4().bytes + p.data(name, low, high)


def digest_of(message: bytes, algorithm: str) -> bytes:
    return _HASH[algorithm.rsplit("_", 1)[-1]](message).digest()


def tamper(token: str) -> str:
    """The blob with its last byte changed (a corrupted ciphertext, signature or MAC)."""
    raw = redaction.reveal(token)
    if raw is None:
        raise SetupFailed("the bytes of a set-up answer are not known")
    return b64(raw[:-1] + bytes([raw[-1] ^ 0x01]))


# --- builds, by rule ---------------------------------------------------------------------------------


def build_encrypt(d: Driver, p: Pick) -> Attempt:
    kind = p.one("kind", ("symmetric", "rsa-encrypt"))
    key = pooled(d, kind)
    how = p.one("KeyId", ("id", "arn", "alias"))
    params: dict[str, Any] = {"KeyId": key.named(how), "Plaintext": b64(p.data("Plaintext", 1, 190))}
    if how == "alias":
        name = alias_name(key, "encrypt")
        d.require(call("CreateAlias", {"AliasName": name, "TargetKeyId": key.key_id}))
        params["KeyId"] = name
    if kind == "rsa-encrypt":
        params["EncryptionAlgorithm"] = p.one("EncryptionAlgorithm", OAEP)
    else:
        context = p.one("EncryptionContext", CONTEXTS)
        if context:
            params["EncryptionContext"] = dict(context)
    return Attempt(call("Encrypt", params))


def _ciphertext(d: Driver, p: Pick, key: Handle, context: Mapping[str, str] | None) -> str:
    source = p.one("made by", ("Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncrypt"))
    if source == "Encrypt":
        return encrypt(d, key, p.data("Plaintext", 1, 64), context)
    if source == "ReEncrypt":
        first = encrypt(d, key, p.data("Plaintext", 1, 64), None)
        params: dict[str, Any] = {"CiphertextBlob": first, "DestinationKeyId": key.key_id}
        if context:
            params["DestinationEncryptionContext"] = dict(context)
        return member(d.require(call("ReEncrypt", params)), "CiphertextBlob")
    params = {"KeyId": key.key_id, "NumberOfBytes": p.one("NumberOfBytes", (32, 1, 64))}
    if context:
        params["EncryptionContext"] = dict(context)
    return member(d.require(call(source, params)), "CiphertextBlob")


def build_decrypt(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric")
    context = p.one("EncryptionContext", CONTEXTS)
    blob = _ciphertext(d, p, key, context)
    params: dict[str, Any] = {"CiphertextBlob": blob}
    how = p.one("KeyId", ("none", "id", "arn"))
    if how != "none":
        params["KeyId"] = key.named(how)
    if context:
        params["EncryptionContext"] = dict(context)
    return Attempt(call("Decrypt", params))


def build_decrypt_rsa(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "rsa-encrypt")
    algorithm = p.one("EncryptionAlgorithm", OAEP)
    blob = encrypt(d, key, p.data("Plaintext", 1, 190), None, algorithm)
    return Attempt(
        call("Decrypt", {"CiphertextBlob": blob, "KeyId": key.key_id, "EncryptionAlgorithm": algorithm})
    )


def build_re_encrypt(d: Driver, p: Pick) -> Attempt:
    source = pooled(d, "symmetric")
    context = p.one("SourceEncryptionContext", CONTEXTS)
    blob = encrypt(d, source, p.data("Plaintext", 1, 64), context)
    kind = p.one("destination", ("symmetric", "rsa-encrypt"))
    destination = (
        source if kind == "symmetric" and p.one("same key", (False, True)) else pooled(d, kind, slot=1)
    )
    params: dict[str, Any] = {"CiphertextBlob": blob, "DestinationKeyId": destination.key_id}
    if context:
        params["SourceEncryptionContext"] = dict(context)
    if kind == "rsa-encrypt":
        params["DestinationEncryptionAlgorithm"] = p.one("DestinationEncryptionAlgorithm", OAEP)
    if p.one("SourceKeyId", (False, True)):
        params["SourceKeyId"] = source.key_id
    return Attempt(call("ReEncrypt", params))


def _size(p: Pick) -> dict[str, Any]:
    chosen = p.one("size", ("AES_256", "AES_128", "NumberOfBytes"))
    if chosen == "NumberOfBytes":
        return {"NumberOfBytes": p.number("NumberOfBytes", 1, 1024)}
    return {"KeySpec": chosen}


def build_data_key(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", uses.DATA_KEY)
    key = pooled(d, "symmetric")
    params: dict[str, Any] = {"KeyId": key.key_id, **_size(p)}
    context = p.one("EncryptionContext", CONTEXTS)
    if context:
        params["EncryptionContext"] = dict(context)
    return Attempt(call(operation, params))


def build_data_key_size(d: Driver, p: Pick) -> Attempt:
    """GenerateDataKey of a size, or Decrypt of a data key made without its plaintext."""
    key = pooled(d, "symmetric")
    size = _size(p)
    if p.one("then", ("GenerateDataKey", "Decrypt")) == "GenerateDataKey":
        return Attempt(call("GenerateDataKey", {"KeyId": key.key_id, **size}))
    made = d.require(call("GenerateDataKeyWithoutPlaintext", {"KeyId": key.key_id, **size}))
    return Attempt(call("Decrypt", {"CiphertextBlob": member(made, "CiphertextBlob")}))


def build_data_key_pair(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", uses.DATA_KEY_PAIR)
    key = pooled(d, "symmetric")
    params = {"KeyId": key.key_id, "KeyPairSpec": p.one("KeyPairSpec", PAIR_SPECS)}
    return Attempt(call(operation, params))


def build_random(d: Driver, p: Pick) -> Attempt:
    return Attempt(call("GenerateRandom", {"NumberOfBytes": p.number("NumberOfBytes", 1, 1024)}))


def _signing_key(d: Driver, p: Pick) -> tuple[Handle, str]:
    spec = p.one("KeySpec", SIGN_SPECS)
    key = pooled(d, {"KeySpec": spec, "KeyUsage": "SIGN_VERIFY"})
    return key, spec


def _sign_params(p: Pick, key: Handle, spec: str, message_type: str | None = None) -> dict[str, Any]:
    algorithm = p.one("SigningAlgorithm", _signing_algorithms(spec))
    message = unique(p, "Message", 1, 128)
    if (message_type or p.one("MessageType", ("RAW", "DIGEST"))) == "DIGEST":
        return {
            "KeyId": key.key_id,
            "Message": b64(digest_of(message, algorithm)),
            "MessageType": "DIGEST",
            "SigningAlgorithm": algorithm,
        }
    return {"KeyId": key.key_id, "Message": b64(message), "SigningAlgorithm": algorithm}


#: The signing keys and message types Sign is tried with first (each spec, and a digest of each kind).
SIGN_CASES = (
    ("ECC_NIST_P256", "RAW"),
    ("ECC_NIST_P256", "DIGEST"),
    ("RSA_2048", "RAW"),
    ("RSA_2048", "DIGEST"),
    ("ECC_NIST_P384", "RAW"),
    ("ECC_SECG_P256K1", "RAW"),
)


def build_sign(d: Driver, p: Pick) -> Attempt:
    spec, message_type = p.one("KeySpec, MessageType", SIGN_CASES)
    key = pooled(d, {"KeySpec": spec, "KeyUsage": "SIGN_VERIFY"})
    return Attempt(call("Sign", _sign_params(p, key, spec, message_type)))


def build_verify(d: Driver, p: Pick) -> Attempt:
    key, spec = _signing_key(d, p)
    params = _sign_params(p, key, spec)
    signature = member(d.require(call("Sign", params)), "Signature")
    return Attempt(call("Verify", {**params, "Signature": signature}))


def _mac_key(d: Driver, p: Pick) -> tuple[Handle, str]:
    spec = p.one("KeySpec", HMAC_SPECS)
    key = pooled(d, {"KeySpec": spec, "KeyUsage": "GENERATE_VERIFY_MAC"})
    return key, spec.replace("HMAC_", "HMAC_SHA_")


def build_mac(d: Driver, p: Pick) -> Attempt:
    key, algorithm = _mac_key(d, p)
    params = {"KeyId": key.key_id, "Message": b64(unique(p, "Message", 1, 128)), "MacAlgorithm": algorithm}
    if p.one("again", (False, True)):
        d.require(call("GenerateMac", params))  # an HMAC is deterministic: the same MAC again
    return Attempt(call("GenerateMac", params))


def build_mac_again(d: Driver, p: Pick) -> Attempt:
    key, algorithm = _mac_key(d, p)
    params = {"KeyId": key.key_id, "Message": b64(unique(p, "Message", 1, 128)), "MacAlgorithm": algorithm}
    d.require(call("GenerateMac", params))
    return Attempt(call("GenerateMac", params))


def build_verify_mac(d: Driver, p: Pick) -> Attempt:
    key, algorithm = _mac_key(d, p)
    params = {"KeyId": key.key_id, "Message": b64(unique(p, "Message", 1, 128)), "MacAlgorithm": algorithm}
    mac = member(d.require(call("GenerateMac", params)), "Mac")
    return Attempt(call("VerifyMac", {**params, "Mac": mac}))


def build_public_key(d: Driver, p: Pick) -> Attempt:
    kind = p.one("kind", ("rsa-encrypt", "ecc-sign", "ecc-agree", "rsa-sign"))
    key = pooled(d, kind)
    return Attempt(call("GetPublicKey", {"KeyId": key.named(p.one("KeyId", ("id", "arn")))}))


def build_derive(d: Driver, p: Pick) -> Attempt:
    """DeriveSharedSecret with a peer key of the same curve made here, whose secret is not checked
    (the check is kms.crypto.shared-secret's, :func:`build_shared_secret`)."""
    spec = p.one("KeySpec", AGREE_SPECS)
    key = pooled(d, {"KeySpec": spec, "KeyUsage": "KEY_AGREEMENT"})
    peer = crypto.spki(ec.generate_private_key(crypto.CURVES[spec]()))
    return Attempt(
        call(
            "DeriveSharedSecret",
            {"KeyId": key.key_id, "KeyAgreementAlgorithm": "ECDH", "PublicKey": b64(peer)},
        )
    )


def build_shared_secret(d: Driver, p: Pick) -> Attempt:
    """DeriveSharedSecret with the harness's peer of the curve, whose secret the model computes."""
    spec = p.one("KeySpec", AGREE_SPECS)
    key = pooled(d, {"KeySpec": spec, "KeyUsage": "KEY_AGREEMENT"})
    peer = crypto.peer_public_der(spec)
    assert peer is not None
    return Attempt(
        call(
            "DeriveSharedSecret",
            {"KeyId": key.key_id, "KeyAgreementAlgorithm": "ECDH", "PublicKey": b64(peer)},
        )
    )


def build_local_ciphertext(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "rsa-encrypt")
    public = redaction.reveal(key.public)
    algorithm = p.one("EncryptionAlgorithm", OAEP)
    made = crypto.local_ciphertext(public, algorithm) if public is not None else None
    if made is None:
        raise SetupFailed("GetPublicKey gave no RSA public key")
    return Attempt(
        call("Decrypt", {"CiphertextBlob": b64(made), "KeyId": key.key_id, "EncryptionAlgorithm": algorithm})
    )


def build_alias(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", uses.ALIAS_OPERATIONS)
    kind = p.one("kind", ("symmetric", "hmac", "ecc-sign"))
    # ListAliases of a key lists every alias it ever had: a key of its own keeps a finding's steps whole.
    key = create(d, kind) if operation == "ListAliases" else pooled(d, kind)
    name = alias_name(key, "a")
    if operation == "CreateAlias":
        return Attempt(
            call(
                "CreateAlias",
                {"AliasName": name, "TargetKeyId": key.named(p.one("TargetKeyId", ("id", "arn")))},
            )
        )
    d.require(call("CreateAlias", {"AliasName": name, "TargetKeyId": key.key_id}))
    if operation == "UpdateAlias":
        other = pooled(d, kind, slot=1)
        return Attempt(call("UpdateAlias", {"AliasName": name, "TargetKeyId": other.key_id}))
    if operation == "DeleteAlias":
        return Attempt(call("DeleteAlias", {"AliasName": name}))
    return Attempt(call("ListAliases", {"KeyId": key.key_id}))


def build_alias_mapping(d: Driver, p: Pick) -> Attempt:
    key = create(d, "symmetric")
    name = alias_name(key, "m")
    d.require(call("CreateAlias", {"AliasName": name, "TargetKeyId": key.key_id}))
    then = p.one("then", ("ListAliases", "DescribeKey", "Encrypt", "UpdateAlias", "DeleteAlias"))
    if then in ("UpdateAlias", "DeleteAlias"):
        if then == "UpdateAlias":
            key = create(d, "symmetric")
            d.require(call("UpdateAlias", {"AliasName": name, "TargetKeyId": key.key_id}))
        else:
            d.require(call("DeleteAlias", {"AliasName": name}))
        return Attempt(call("ListAliases", {"KeyId": key.key_id}))
    if then == "ListAliases":
        return Attempt(call("ListAliases", {"KeyId": key.key_id}))
    if then == "DescribeKey":
        return Attempt(call("DescribeKey", {"KeyId": name}))
    return Attempt(call("Encrypt", {"KeyId": name, "Plaintext": b64(p.data("Plaintext", 1, 32))}))


def build_rotation(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", uses.ROTATION_OPERATIONS)
    # Its own key, which the runs only add rotations to; the status and the list of rotations
    # depend on what was done to the key, so they are read from a key of the example's own.
    reads = operation in ("GetKeyRotationStatus", "ListKeyRotations")
    key = create(d, "symmetric") if reads else pooled(d, "symmetric", slot=2)
    params: dict[str, Any] = {"KeyId": key.key_id}
    if operation == "EnableKeyRotation":
        period = p.one("RotationPeriodInDays", (None, 90, 180, 2560))
        if period is not None:
            params["RotationPeriodInDays"] = period
    return Attempt(call(operation, params))


def build_rotation_status(d: Driver, p: Pick) -> Attempt:
    key = create(d, "symmetric")
    then = p.one("then", ("GetKeyRotationStatus", "ListKeyRotations"))
    if then == "GetKeyRotationStatus":
        steps = p.one("before", (("enable",), ("enable", "disable"), ("enable", "pending-deletion"), ()))
        for step in steps:
            if step == "enable":
                period = p.one("RotationPeriodInDays", (None, 90, 2560))
                params = {"KeyId": key.key_id, **({"RotationPeriodInDays": period} if period else {})}
                d.require(call("EnableKeyRotation", params))
            elif step == "disable":
                d.require(call("DisableKeyRotation", {"KeyId": key.key_id}))
            else:
                to_state(d, key, "pending-deletion")
        return Attempt(call("GetKeyRotationStatus", {"KeyId": key.key_id}))
    for _ in range(p.one("on-demand rotations", (1, 0, 2))):
        d.require(call("RotateKeyOnDemand", {"KeyId": key.key_id}))
    return Attempt(call("ListKeyRotations", {"KeyId": key.key_id}))


def wrapped_material(public_token: str, algorithm: str) -> str:
    public = crypto.load_public_key(redaction.reveal(public_token) or b"")
    if public is None:
        raise SetupFailed("GetParametersForImport gave no wrapping key")
    digest = hashes.SHA256() if algorithm == "RSAES_OAEP_SHA_256" else hashes.SHA1()
    material = os.urandom(32)  # never kept: only its wrapped form is sent
    wrapped = public.encrypt(material, padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None))
    return b64(wrapped)


def _import_parameters(d: Driver, key: Handle, algorithm: str = "RSAES_OAEP_SHA_256") -> dict[str, Any]:
    answer = d.require(
        call(
            "GetParametersForImport",
            {"KeyId": key.key_id, "WrappingAlgorithm": algorithm, "WrappingKeySpec": "RSA_2048"},
        )
    )
    return {
        "KeyId": key.key_id,
        "ImportToken": member(answer, "ImportToken"),
        "EncryptedKeyMaterial": wrapped_material(member(answer, "PublicKey"), algorithm),
        "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
    }


def build_import(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", uses.IMPORT_OPERATIONS)
    if operation == "GetParametersForImport":
        key = pooled(d, "symmetric-external")  # asking for parameters changes nothing
        algorithm = p.one(
            "WrappingAlgorithm", ("RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256")
        )
        spec = p.one("WrappingKeySpec", ("RSA_2048", "RSA_3072", "RSA_4096"))
        return Attempt(
            call(operation, {"KeyId": key.key_id, "WrappingAlgorithm": algorithm, "WrappingKeySpec": spec})
        )
    key = create(d, "symmetric-external")
    imported = _import_parameters(
        d, key, p.one("WrappingAlgorithm", ("RSAES_OAEP_SHA_256", "RSAES_OAEP_SHA_1"))
    )
    if operation == "ImportKeyMaterial":
        return Attempt(call(operation, imported))
    d.require(call("ImportKeyMaterial", imported))
    return Attempt(call(operation, {"KeyId": key.key_id}))


def build_multi_region(d: Driver, p: Pick) -> Attempt:
    kind = p.one("kind", ("symmetric", "ecc-sign", "hmac", "rsa-encrypt"))
    primary, replica = replicated(d, kind)
    first, second = (
        (primary, replica) if p.one("from", ("primary", "replica")) == "primary" else (replica, primary)
    )
    message = unique(p, "data", 1, 64)
    if kind == "symmetric":
        context = p.one("EncryptionContext", CONTEXTS[:2])
        blob = encrypt(d, first, message, context)
        params: dict[str, Any] = {
            "CiphertextBlob": blob,
            **({"EncryptionContext": dict(context)} if context else {}),
        }
        if p.one("KeyId", (False, True)):
            params["KeyId"] = second.key_id
        return Attempt(call("Decrypt", params, second.region))
    if kind == "rsa-encrypt":
        public_key(d, first)
        return Attempt(call("GetPublicKey", {"KeyId": second.key_id}, second.region))
    if kind == "hmac":
        params = {"KeyId": first.key_id, "Message": b64(message), "MacAlgorithm": "HMAC_SHA_256"}
        mac = member(d.require(call("GenerateMac", params, first.region)), "Mac")
        if p.one("then", ("VerifyMac", "GenerateMac")) == "GenerateMac":
            return Attempt(call("GenerateMac", {**params, "KeyId": second.key_id}, second.region))
        return Attempt(call("VerifyMac", {**params, "KeyId": second.key_id, "Mac": mac}, second.region))
    params = {"KeyId": first.key_id, "Message": b64(message), "SigningAlgorithm": "ECDSA_SHA_256"}
    signature = member(d.require(call("Sign", params, first.region)), "Signature")
    return Attempt(call("Verify", {**params, "KeyId": second.key_id, "Signature": signature}, second.region))


# --- builds of the rules a call breaks ------------------------------------------------------------------


def _use(d: Driver, p: Pick, operation: str, key: Handle, kind: str) -> Attempt:
    """``operation`` on ``key`` with parameters that are otherwise right for its kind."""
    data = unique(p, "data", 1, 16)
    if operation == "Encrypt":
        params: dict[str, Any] = {"KeyId": key.key_id, "Plaintext": b64(data)}
        if kind == "rsa-encrypt":
            params["EncryptionAlgorithm"] = "RSAES_OAEP_SHA_256"
        return Attempt(call(operation, params, key.region))
    if operation in uses.DATA_KEY:
        return Attempt(call(operation, {"KeyId": key.key_id, "KeySpec": "AES_256"}, key.region))
    if operation in uses.DATA_KEY_PAIR:
        return Attempt(call(operation, {"KeyId": key.key_id, "KeyPairSpec": "ECC_NIST_P256"}, key.region))
    if operation == "Sign":
        algorithm = "RSASSA_PSS_SHA_256" if kind == "rsa-sign" else "ECDSA_SHA_256"
        return Attempt(
            call(
                operation,
                {"KeyId": key.key_id, "Message": b64(data), "SigningAlgorithm": algorithm},
                key.region,
            )
        )
    if operation == "GenerateMac":
        params = {"KeyId": key.key_id, "Message": b64(data), "MacAlgorithm": "HMAC_SHA_256"}
        return Attempt(call(operation, params, key.region))
    if operation == "GetPublicKey":
        return Attempt(call(operation, {"KeyId": key.key_id}, key.region))
    if operation == "DeriveSharedSecret":
        peer = crypto.peer_public_der("ECC_NIST_P256")
        assert peer is not None
        params = {"KeyId": key.key_id, "KeyAgreementAlgorithm": "ECDH", "PublicKey": b64(peer)}
        return Attempt(call(operation, params, key.region))
    raise ValueError(operation)


def build_key_usage(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", tuple(WRONG_KINDS))
    kind = p.one("kind", WRONG_KINDS[operation])
    return _use(d, p, operation, pooled(d, kind), kind)


def build_symmetric_only(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", (*uses.DATA_KEY, *uses.DATA_KEY_PAIR))
    return _use(d, p, operation, pooled(d, "rsa-encrypt"), "rsa-encrypt")


#: (kind, operation, algorithm member, an algorithm of another key spec).
WRONG_ALGORITHMS: tuple[tuple[str, str, str, str], ...] = (
    ("symmetric", "Encrypt", "EncryptionAlgorithm", "RSAES_OAEP_SHA_256"),
    ("rsa-encrypt", "Encrypt", "EncryptionAlgorithm", "SYMMETRIC_DEFAULT"),
    ("ecc-sign", "Sign", "SigningAlgorithm", "RSASSA_PSS_SHA_256"),
    ("ecc-sign", "Sign", "SigningAlgorithm", "ECDSA_SHA_384"),
    ("rsa-sign", "Sign", "SigningAlgorithm", "ECDSA_SHA_256"),
    ("hmac", "GenerateMac", "MacAlgorithm", "HMAC_SHA_512"),
)


def build_algorithm(d: Driver, p: Pick) -> Attempt:
    kind, operation, algorithm_member, wrong = p.one("case", WRONG_ALGORITHMS)
    attempt = _use(d, p, operation, pooled(d, kind), kind)
    return Attempt(call(operation, {**attempt.call.params, algorithm_member: wrong}))


def build_rsa_size(d: Driver, p: Pick) -> Attempt:
    algorithm = p.one("EncryptionAlgorithm", OAEP)
    key = pooled(d, "rsa-encrypt")
    limit = uses.PLAINTEXT_LIMIT[("RSA_2048", algorithm)]
    plaintext = p.data("Plaintext", limit + 1, limit + 64)
    return Attempt(
        call("Encrypt", {"KeyId": key.key_id, "Plaintext": b64(plaintext), "EncryptionAlgorithm": algorithm})
    )


def build_blob_length(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", ("Encrypt", "GenerateMac", "Sign"))
    kind = {"Encrypt": "symmetric", "GenerateMac": "hmac", "Sign": "ecc-sign"}[operation]
    attempt = _use(d, p, operation, pooled(d, kind), kind)
    member_name = "Plaintext" if operation == "Encrypt" else "Message"
    long = p.data("long", 4097, 4160)
    return Attempt(call(operation, {**attempt.call.params, member_name: b64(long)}))


def build_data_key_members(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", uses.DATA_KEY)
    key = pooled(d, "symmetric")
    both = p.one("members", ("neither", "both")) == "both"
    params: dict[str, Any] = {"KeyId": key.key_id}
    if both:
        params.update({"KeySpec": "AES_256", "NumberOfBytes": 32})
    return Attempt(call(operation, params))


def build_random_required(d: Driver, p: Pick) -> Attempt:
    return Attempt(call("GenerateRandom", {}))


def build_digest_length(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", uses.SIGNING)
    key = pooled(d, "ecc-sign")
    message = p.data("Message", 1, 64)
    if len(message) == 32:
        message += b"\x00"
    params = {
        "KeyId": key.key_id,
        "Message": b64(message),
        "MessageType": "DIGEST",
        "SigningAlgorithm": "ECDSA_SHA_256",
    }
    if operation == "Verify":
        params["Signature"] = b64(b"\x30" + bytes(70))
    return Attempt(call(operation, params))


def build_peer_key(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "ecc-agree")
    garbage = p.data("PublicKey", 1, 64)
    return Attempt(
        call(
            "DeriveSharedSecret",
            {"KeyId": key.key_id, "KeyAgreementAlgorithm": "ECDH", "PublicKey": b64(garbage)},
        )
    )


#: (operation, kind) pairs a dry run is tried with.
DRY_RUNS: tuple[tuple[str, str], ...] = (
    ("Encrypt", "symmetric"),
    ("GenerateDataKey", "symmetric"),
    ("GenerateDataKeyPair", "symmetric"),
    ("Sign", "ecc-sign"),
    ("GenerateMac", "hmac"),
    ("DeriveSharedSecret", "ecc-agree"),
    ("GenerateDataKeyWithoutPlaintext", "symmetric"),
    ("GenerateDataKeyPairWithoutPlaintext", "symmetric"),
)


def build_dry_run(d: Driver, p: Pick) -> Attempt:
    operation, kind = p.one("operation", DRY_RUNS)
    attempt = _use(d, p, operation, pooled(d, kind), kind)
    return Attempt(call(operation, {**attempt.call.params, "DryRun": True}), control=attempt.call)


def build_incorrect_key(d: Driver, p: Pick) -> Attempt:
    key, other = pooled(d, "symmetric"), pooled(d, "symmetric", slot=1)
    blob = encrypt(d, key, p.data("Plaintext", 1, 32), None)
    if p.one("operation", ("Decrypt", "ReEncrypt")) == "ReEncrypt":
        return Attempt(
            call(
                "ReEncrypt",
                {"CiphertextBlob": blob, "SourceKeyId": other.key_id, "DestinationKeyId": key.key_id},
            )
        )
    return Attempt(call("Decrypt", {"CiphertextBlob": blob, "KeyId": other.key_id}))


def build_invalid_ciphertext(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric")
    blob = encrypt(d, key, p.data("Plaintext", 1, 32), None)
    how = p.one("ciphertext", ("tampered", "made up"))
    bad = tamper(blob) if how == "tampered" else b64(p.data("made up", 1, 200))
    if p.one("operation", ("Decrypt", "ReEncrypt")) == "ReEncrypt":
        return Attempt(call("ReEncrypt", {"CiphertextBlob": bad, "DestinationKeyId": key.key_id}))
    return Attempt(
        call("Decrypt", {"CiphertextBlob": bad}), control=call("Decrypt", {"CiphertextBlob": blob})
    )


def build_context_mismatch(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric")
    made_with, given = p.one(
        "contexts",
        (
            ({"purpose": "conformance"}, None),
            (None, {"purpose": "conformance"}),
            ({"purpose": "conformance"}, {"Purpose": "conformance"}),
            ({"a": "1", "b": "2"}, {"a": "1"}),
        ),
    )
    blob = _ciphertext(d, p, key, made_with)
    if p.one("operation", ("Decrypt", "ReEncrypt")) == "ReEncrypt":
        params: dict[str, Any] = {"CiphertextBlob": blob, "DestinationKeyId": key.key_id}
        if given:
            params["SourceEncryptionContext"] = dict(given)
        return Attempt(call("ReEncrypt", params))
    return Attempt(
        call("Decrypt", {"CiphertextBlob": blob, **({"EncryptionContext": dict(given)} if given else {})})
    )


def build_invalid_signature(d: Driver, p: Pick) -> Attempt:
    key, spec = _signing_key(d, p)
    params = _sign_params(p, key, spec)
    signature = member(d.require(call("Sign", params)), "Signature")
    how = p.one("wrong", ("message", "signature", "algorithm", "key"))
    if how == "message":
        changed = (
            params["Message"]
            if params.get("MessageType") == "DIGEST"
            else b64(p.data("other message", 1, 128) + b"!")
        )
        if params.get("MessageType") == "DIGEST":
            changed = tamper(changed)
        return Attempt(call("Verify", {**params, "Message": changed, "Signature": signature}))
    if how == "signature":
        return Attempt(call("Verify", {**params, "Signature": tamper(signature)}))
    if how == "key":
        other = pooled(d, {"KeySpec": spec, "KeyUsage": "SIGN_VERIFY"}, slot=1)
        return Attempt(call("Verify", {**params, "KeyId": other.key_id, "Signature": signature}))
    others = [a for a in _signing_algorithms(spec) if a != params["SigningAlgorithm"]]
    if not others:
        return Attempt(call("Verify", {**params, "Signature": tamper(signature)}))
    return Attempt(
        call(
            "Verify", {**params, "SigningAlgorithm": p.one("other algorithm", others), "Signature": signature}
        )
    )


def build_invalid_mac(d: Driver, p: Pick) -> Attempt:
    key, algorithm = _mac_key(d, p)
    params = {"KeyId": key.key_id, "Message": b64(unique(p, "Message", 1, 64)), "MacAlgorithm": algorithm}
    mac = member(d.require(call("GenerateMac", params)), "Mac")
    how = p.one("wrong", ("message", "mac", "key"))
    if how == "message":
        return Attempt(call("VerifyMac", {**params, "Message": tamper(params["Message"]), "Mac": mac}))
    if how == "mac":
        return Attempt(call("VerifyMac", {**params, "Mac": tamper(mac)}))
    other = pooled(
        d, {"KeySpec": algorithm.replace("HMAC_SHA_", "HMAC_"), "KeyUsage": "GENERATE_VERIFY_MAC"}, slot=1
    )
    return Attempt(call("VerifyMac", {**params, "KeyId": other.key_id, "Mac": mac}))


def build_public_key_symmetric(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, p.one("kind", ("symmetric", "hmac")))
    return Attempt(call("GetPublicKey", {"KeyId": key.key_id}))


#: (operation, kind) each key state is tried with.
STATE_USES: tuple[tuple[str, str], ...] = (
    ("Encrypt", "symmetric"),
    ("Decrypt", "symmetric"),
    ("GenerateDataKey", "symmetric"),
    ("Sign", "ecc-sign"),
    ("GenerateMac", "hmac"),
    ("GetPublicKey", "rsa-encrypt"),
    ("Verify", "ecc-sign"),
    ("VerifyMac", "hmac"),
    ("DeriveSharedSecret", "ecc-agree"),
    ("ReEncrypt", "symmetric"),
    ("GenerateDataKeyWithoutPlaintext", "symmetric"),
    ("GenerateDataKeyPair", "symmetric"),
)


def prepared(d: Driver, kind: str, state: str, what: str) -> tuple[Handle, dict[str, Any]]:
    """A key of ``kind`` that made ``what`` (a ciphertext, a signature, a MAC) while Enabled and was
    then brought to ``state``, with the parameters that use what it made; made once per run. The
    bytes are kept as base64 text: a pooled token could outlive the bytes the process holds."""

    def make() -> tuple[Handle, dict[str, Any]]:
        made = create(d, kind)
        data = b64(b"kms-conformance-harness")
        if what == "ciphertext":
            blob = encrypt(d, made, b"kms-conformance-harness", None)
            params: dict[str, Any] = {"CiphertextBlob": blob}
        elif what == "signature":
            params = {"KeyId": made.key_id, "Message": data, "SigningAlgorithm": "ECDSA_SHA_256"}
            params["Signature"] = member(d.require(call("Sign", params)), "Signature")
        else:
            params = {"KeyId": made.key_id, "Message": data, "MacAlgorithm": "HMAC_SHA_256"}
            params["Mac"] = member(d.require(call("GenerateMac", params)), "Mac")
        to_state(d, made, state)
        return made, {k: _kept(v) for k, v in params.items()}

    return d.reuse(f"kms.key-use/prepared/{kind}/{state}/{what}", make)


def _kept(value: Any) -> Any:
    raw = redaction.reveal(value) if redaction.is_token(value) else None
    return b64(raw) if raw is not None else value


def _use_in_state(d: Driver, p: Pick, state: str) -> Attempt:
    operation, kind = p.one("operation", STATE_USES)
    if operation in ("Decrypt", "ReEncrypt"):
        _, params = prepared(d, kind, state, "ciphertext")
        if operation == "ReEncrypt":
            params = {**params, "DestinationKeyId": pooled(d, "symmetric", slot=1).key_id}
        return Attempt(call(operation, params))
    if operation in ("Verify", "VerifyMac"):
        _, params = prepared(d, kind, state, "signature" if operation == "Verify" else "mac")
        return Attempt(call(operation, params))
    return _use(d, p, operation, pooled(d, kind, state), kind)


def build_disabled(d: Driver, p: Pick) -> Attempt:
    return _use_in_state(d, p, "disabled")


def build_pending_deletion(d: Driver, p: Pick) -> Attempt:
    return _use_in_state(d, p, "pending-deletion")


def build_pending_import(d: Driver, p: Pick) -> Attempt:
    operation = p.one(
        "operation", ("Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair")
    )
    return _use(d, p, operation, pooled(d, "symmetric-external"), "symmetric")


def build_alias_prefix(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric")
    prefix = p.one("prefix", ("", "Alias/", "aliases/"))
    return Attempt(
        call("CreateAlias", {"AliasName": f"{prefix}harness-{key.key_id}", "TargetKeyId": key.key_id})
    )


def build_alias_reserved(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric")
    return Attempt(
        call("CreateAlias", {"AliasName": f"alias/aws/harness-{key.key_id}", "TargetKeyId": key.key_id})
    )


def build_alias_exists(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric")
    name = alias_name(key, "x")
    d.require(call("CreateAlias", {"AliasName": name, "TargetKeyId": key.key_id}))
    target = (
        key if p.one("target", ("same key", "another key")) == "same key" else pooled(d, "symmetric", slot=1)
    )
    return Attempt(call("CreateAlias", {"AliasName": name, "TargetKeyId": target.key_id}))


def build_alias_not_found(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric")
    name = alias_name(key, "missing")
    operation = p.one("operation", ("DeleteAlias", "UpdateAlias", "Encrypt", "DescribeKey"))
    if operation == "DeleteAlias":
        return Attempt(call(operation, {"AliasName": name}))
    if operation == "UpdateAlias":
        return Attempt(call(operation, {"AliasName": name, "TargetKeyId": key.key_id}))
    if operation == "Encrypt":
        return Attempt(call(operation, {"KeyId": name, "Plaintext": b64(p.data("data", 1, 16))}))
    return Attempt(call(operation, {"KeyId": name}))


def build_alias_pending_deletion(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric")
    target = pooled(d, "symmetric", "pending-deletion")
    name = alias_name(key, "p")
    if p.one("operation", ("CreateAlias", "UpdateAlias")) == "UpdateAlias":
        d.require(call("CreateAlias", {"AliasName": name, "TargetKeyId": key.key_id}))
        return Attempt(call("UpdateAlias", {"AliasName": name, "TargetKeyId": target.key_id}))
    return Attempt(call("CreateAlias", {"AliasName": name, "TargetKeyId": target.key_id}))


def build_alias_update_type(d: Driver, p: Pick) -> Attempt:
    first, second = p.one(
        "kinds",
        (
            ("symmetric", "hmac"),
            ("hmac", "ecc-sign"),
            ("ecc-sign", "rsa-encrypt"),
            ("rsa-encrypt", "symmetric"),
        ),
    )
    key = pooled(d, first)
    name = alias_name(key, "t")
    d.require(call("CreateAlias", {"AliasName": name, "TargetKeyId": key.key_id}))
    other = pooled(d, second, slot=1)
    return Attempt(call("UpdateAlias", {"AliasName": name, "TargetKeyId": other.key_id}))


def build_alias_target_alias(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric")
    first = alias_name(key, "1")
    d.require(call("CreateAlias", {"AliasName": first, "TargetKeyId": key.key_id}))
    if p.one("operation", ("CreateAlias", "UpdateAlias")) == "UpdateAlias":
        second = alias_name(key, "2")
        d.require(call("CreateAlias", {"AliasName": second, "TargetKeyId": key.key_id}))
        return Attempt(call("UpdateAlias", {"AliasName": second, "TargetKeyId": first}))
    return Attempt(call("CreateAlias", {"AliasName": alias_name(key, "2"), "TargetKeyId": first}))


def build_rotation_key_type(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", ("EnableKeyRotation", "DisableKeyRotation"))
    key = pooled(d, p.one("kind", ("hmac", "rsa-encrypt", "ecc-sign")))
    return Attempt(call(operation, {"KeyId": key.key_id}))


def build_rotation_imported(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", ("EnableKeyRotation", "DisableKeyRotation"))
    key = pooled(d, "symmetric-external")
    return Attempt(call(operation, {"KeyId": key.key_id}))


def build_on_demand_key_type(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, p.one("kind", ("hmac", "rsa-encrypt", "ecc-sign", "ecc-agree")))
    return Attempt(call("RotateKeyOnDemand", {"KeyId": key.key_id}))


def build_on_demand_imported(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric-external")
    return Attempt(call("RotateKeyOnDemand", {"KeyId": key.key_id}))


def build_rotation_disabled(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", ("EnableKeyRotation", "RotateKeyOnDemand", "DisableKeyRotation"))
    key = pooled(d, "symmetric", "disabled")
    return Attempt(call(operation, {"KeyId": key.key_id}))


def build_rotation_pending_deletion(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", ("EnableKeyRotation", "DisableKeyRotation"))
    key = pooled(d, "symmetric", "pending-deletion")
    return Attempt(call(operation, {"KeyId": key.key_id}))


def build_rotation_replica(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", ("EnableKeyRotation", "RotateKeyOnDemand", "DisableKeyRotation"))
    _, replica = replicated(d, "symmetric")
    return Attempt(call(operation, {"KeyId": replica.key_id}, replica.region))


def build_on_demand_limit(d: Driver, p: Pick) -> Attempt:
    def make() -> Handle:
        made = create(d, "symmetric")
        for _ in range(uses.ON_DEMAND_ROTATIONS):
            d.require(call("RotateKeyOnDemand", {"KeyId": made.key_id}))
        return made

    # Made once per run: a later example's call is a 27th, over the quota as much as the 26th.
    key = d.reuse("kms.key-use/rotated-to-the-quota", make)
    return Attempt(call("RotateKeyOnDemand", {"KeyId": key.key_id}))


def build_import_not_external(d: Driver, p: Pick) -> Attempt:
    operation = p.one("operation", uses.IMPORT_OPERATIONS)
    key = pooled(d, p.one("kind", ("symmetric", "hmac")))
    if operation == "GetParametersForImport":
        params: dict[str, Any] = {
            "KeyId": key.key_id,
            "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
            "WrappingKeySpec": "RSA_2048",
        }
    elif operation == "ImportKeyMaterial":
        params = {
            "KeyId": key.key_id,
            "ImportToken": b64(p.data("ImportToken", 16, 64)),
            "EncryptedKeyMaterial": b64(p.data("EncryptedKeyMaterial", 256, 256)),
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }
    else:
        params = {"KeyId": key.key_id}
    return Attempt(call(operation, params))


def build_import_pending_deletion(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric-external", "pending-deletion")
    params = {"KeyId": key.key_id, "WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}
    return Attempt(call("GetParametersForImport", params))


def build_import_expiration(d: Driver, p: Pick) -> Attempt:
    key = pooled(d, "symmetric-external", slot=1)  # a refused import leaves it as it was
    try:
        imported = _import_parameters(d, key)
    except SetupFailed:
        # No parameters (a target without the operation): a token the target never issued, which
        # the model accepts InvalidImportTokenException for as well.
        imported = {
            "KeyId": key.key_id,
            "ImportToken": b64(p.data("ImportToken", 16, 64)),
            "EncryptedKeyMaterial": b64(p.data("EncryptedKeyMaterial", 256, 256)),
            "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
        }
    if p.one("ExpirationModel", ("KEY_MATERIAL_EXPIRES", "omitted")) == "omitted":
        imported.pop("ExpirationModel")
    else:
        imported["ExpirationModel"] = "KEY_MATERIAL_EXPIRES"
    return Attempt(call("ImportKeyMaterial", imported))


#: Every rule test of this module: (rule, build, budget share).
TESTS: tuple[tuple[Rule, Build, float], ...] = (
    (uses.ENCRYPT_VALID, build_encrypt, BUDGET),
    (uses.DECRYPT_VALID, build_decrypt, BUDGET),
    (uses.RE_ENCRYPT_VALID, build_re_encrypt, BUDGET),
    (uses.DATA_KEY_VALID, build_data_key, BUDGET),
    (uses.DATA_KEY_PAIR_VALID, build_data_key_pair, BUDGET),
    (uses.RANDOM_VALID, build_random, BUDGET),
    (uses.SIGN_VALID, build_sign, BUDGET),
    (uses.VERIFY_VALID, build_verify, BUDGET),
    (uses.MAC_VALID, build_mac, BUDGET),
    (uses.VERIFY_MAC_VALID, build_verify_mac, BUDGET),
    (uses.PUBLIC_KEY_VALID, build_public_key, BUDGET),
    (uses.DERIVE_VALID, build_derive, BUDGET),
    (uses.ALIAS_VALID, build_alias, BUDGET),
    (uses.ROTATION_VALID, build_rotation, BUDGET),
    (uses.IMPORT_VALID, build_import, BUDGET),
    (uses.ROUND_TRIP, build_decrypt, BUDGET),
    (uses.DATA_KEY_SIZE, build_data_key_size, BUDGET),
    (uses.SIGNATURE_TRUTH, build_sign, BUDGET),
    (uses.MAC_TRUTH, build_mac_again, BUDGET),
    (uses.PUBLIC_KEY_TRUTH, build_public_key, BUDGET),
    (uses.SHARED_SECRET_TRUTH, build_shared_secret, BUDGET),
    (uses.LOCAL_CIPHERTEXT, build_local_ciphertext, BUDGET),
    (uses.MULTI_REGION_INTEROP, build_multi_region, BUDGET),
    (uses.ALIAS_MAPPING, build_alias_mapping, BUDGET),
    (uses.ROTATION_STATUS, build_rotation_status, BUDGET),
    (uses.KEY_USAGE, build_key_usage, BUDGET),
    (uses.SYMMETRIC_ONLY, build_symmetric_only, BUDGET),
    (uses.ALGORITHM, build_algorithm, BUDGET),
    (uses.RSA_PLAINTEXT_SIZE, build_rsa_size, BUDGET),
    (uses.BLOB_LENGTH, build_blob_length, BUDGET),
    (uses.DATA_KEY_SIZE_MEMBERS, build_data_key_members, BUDGET),
    (uses.RANDOM_REQUIRED, build_random_required, BUDGET),
    (uses.DIGEST_LENGTH, build_digest_length, BUDGET),
    (uses.PEER_PUBLIC_KEY, build_peer_key, BUDGET),
    (uses.DRY_RUN, build_dry_run, BUDGET),
    (uses.INCORRECT_KEY, build_incorrect_key, BUDGET),
    (uses.INVALID_CIPHERTEXT, build_invalid_ciphertext, BUDGET),
    (uses.CONTEXT_MISMATCH, build_context_mismatch, BUDGET),
    (uses.INVALID_SIGNATURE, build_invalid_signature, BUDGET),
    (uses.INVALID_MAC, build_invalid_mac, BUDGET),
    (uses.PUBLIC_KEY_OF_SYMMETRIC, build_public_key_symmetric, BUDGET),
    (uses.DISABLED_USE, build_disabled, BUDGET),
    (uses.PENDING_DELETION_USE, build_pending_deletion, BUDGET),
    (uses.PENDING_IMPORT_USE, build_pending_import, BUDGET),
    (uses.ALIAS_PREFIX, build_alias_prefix, BUDGET),
    (uses.ALIAS_RESERVED, build_alias_reserved, BUDGET),
    (uses.ALIAS_EXISTS, build_alias_exists, BUDGET),
    (uses.ALIAS_NOT_FOUND, build_alias_not_found, BUDGET),
    (uses.ALIAS_TARGET_PENDING_DELETION, build_alias_pending_deletion, BUDGET),
    (uses.ALIAS_UPDATE_TYPE, build_alias_update_type, BUDGET),
    (uses.ALIAS_TARGET_ALIAS, build_alias_target_alias, BUDGET),
    (uses.ROTATION_KEY_TYPE, build_rotation_key_type, BUDGET),
    (uses.ROTATION_IMPORTED, build_rotation_imported, BUDGET),
    (uses.ON_DEMAND_KEY_TYPE, build_on_demand_key_type, BUDGET),
    (uses.ON_DEMAND_IMPORTED, build_on_demand_imported, BUDGET),
    (uses.ROTATION_DISABLED, build_rotation_disabled, BUDGET),
    (uses.ROTATION_PENDING_DELETION, build_rotation_pending_deletion, BUDGET),
    (uses.ROTATION_REPLICA, build_rotation_replica, BUDGET),
    (uses.ON_DEMAND_LIMIT, build_on_demand_limit, BUDGET),
    (uses.IMPORT_NOT_EXTERNAL, build_import_not_external, BUDGET),
    (uses.IMPORT_PENDING_DELETION, build_import_pending_deletion, BUDGET),
    (uses.IMPORT_EXPIRATION, build_import_expiration, BUDGET),
)


def scenario_of(build: Build) -> Any:
    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        return build(d, DrawPick(data))

    return scenario


def coverage_of(rule: Rule, build: Build) -> Callable[[Driver], Iterator[Attempt]]:
    """Every option of the build's first choice, once each, the simplest of everything else."""

    def coverage(d: Driver) -> Iterator[Attempt]:
        index = 0
        while True:
            pick = CoverPick(index)
            # A case the target cannot set up is skipped; the others still can be.
            with contextlib.suppress(SetupFailed):
                yield build(d, pick)
            index += 1
            if pick.first is None or index >= pick.first:
                return

    coverage.__qualname__ = f"key_use_coverage[{rule.id}]"
    return coverage


def register() -> None:
    """Register the key-use rule tests (the suite's last family; see harness.scenarios.base)."""
    for rule, build, budget in TESTS:
        SCENARIOS.add(
            rule.id,
            "any",
            scenario_of(build),
            coverage=coverage_of(rule, build),
            family="key-use",
            budget=budget,
        )
