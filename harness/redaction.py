"""Plaintext, ciphertext, signatures, MACs, shared secrets and key material never leave the run.

Every exchange is redacted where it is made (:meth:`harness.exchange.Exchange.from_wire`): the
members named in :data:`SENSITIVE`, at any depth of the request and of the answer, of every
service, are replaced by a :func:`token` that keeps their length and SHA-256 digest, never their
bytes. So the cassette, findings.json, the reproduction scripts, the reports and every detail
of a divergence show only tokens. Tokens are still useful:

- a check compares digests (Decrypt gives back what Encrypt was given, a MAC is the same for
  the same message, a shared secret equals the one computed locally) on a live run and on a
  replay alike;
- a check that needs the bytes themselves (a signature verified with the public key) asks
  :func:`reveal`, which knows the bytes of the tokens this process made, in memory only; a
  replay of a cassette has none, and such checks are not applied there.

Public keys are not secrets and are kept (``PublicKey``). Tokens are not base64 text (they
contain ``<``, spaces and ``:``), so a token is never mistaken for data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Members whose value is secret or the data a key protects: KMS blobs (plaintext, ciphertext,
#: data keys, signatures, MACs, shared secrets, messages, wrapped key material, import tokens)
#: and Payment Cryptography's key material.
SENSITIVE = frozenset(
    {
        "Plaintext",
        "CiphertextBlob",
        "CiphertextForRecipient",
        "PrivateKeyPlaintext",
        "PrivateKeyCiphertextBlob",
        "Message",
        "Signature",
        "Mac",
        "SharedSecret",
        "EncryptedKeyMaterial",
        "ImportToken",
        "KeyMaterial",
        "WrappedKeyMaterial",
        "PlainText",
        "CipherText",
    }
)

_TOKEN = re.compile(r"^<redacted (?P<length>\d+) (?P<unit>bytes|chars) sha256:(?P<digest>[0-9a-f]{64})>$")
#: A token whose digest is not known (an answer recorded with its value already removed, such
#: as LocalStack's snapshots): it stands for some value, and compares equal to none.
UNKNOWN = "<redacted>"

#: How many revealed values this process keeps (most recent first out); plenty for a run's
#: checks, which read a value within a few calls of its answer.
REVEAL_LIMIT = 20_000
_REVEALED: OrderedDict[str, bytes] = OrderedDict()


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What a token keeps of a value: its length and digest."""

    length: int
    digest: str


def _decoded(value: str) -> bytes | None:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def token(value: str) -> str:
    """The token of one sensitive value (base64 text counts in decoded bytes)."""
    if is_token(value):
        return value
    raw = _decoded(value)
    if raw is not None:
        text = f"<redacted {len(raw)} bytes sha256:{hashlib.sha256(raw).hexdigest()}>"
        _remember(text, raw)
        return text
    data = value.encode("utf-8")
    return f"<redacted {len(value)} chars sha256:{hashlib.sha256(data).hexdigest()}>"


def token_of_bytes(raw: bytes) -> str:
    """The token a value with these bytes gets on the wire."""
    return token(base64.b64encode(raw).decode("ascii"))


def is_token(value: Any) -> bool:
    return isinstance(value, str) and (value == UNKNOWN or _TOKEN.match(value) is not None)


def is_blob(value: Any) -> bool:
    """Whether ``value`` is a blob as the wire carries one: base64 text, or the token of bytes."""
    if not isinstance(value, str):
        return False
    match = _TOKEN.match(value)
    if match is not None:
        return match["unit"] == "bytes"
    return _decoded(value) is not None


def fingerprint(value: Any) -> Fingerprint | None:
    """The length and digest of a blob, given as base64 text or as a token; ``None`` when unknown."""
    if not isinstance(value, str):
        return None
    match = _TOKEN.match(value)
    if match is not None:
        return Fingerprint(int(match["length"]), match["digest"])
    raw = _decoded(value)
    if raw is None:
        return None
    return Fingerprint(len(raw), hashlib.sha256(raw).hexdigest())


def fingerprint_of_bytes(raw: bytes) -> Fingerprint:
    return Fingerprint(len(raw), hashlib.sha256(raw).hexdigest())


def reveal(value: Any) -> bytes | None:
    """The bytes of a blob: decoded base64 text, or a token this process made (else ``None``)."""
    if not isinstance(value, str):
        return None
    if _TOKEN.match(value) is not None:
        return _REVEALED.get(value)
    return _decoded(value)


def _remember(text: str, raw: bytes) -> None:
    _REVEALED[text] = raw
    _REVEALED.move_to_end(text)
    while len(_REVEALED) > REVEAL_LIMIT:
        _REVEALED.popitem(last=False)


def redact(value: Any) -> Any:
    """``value`` (a JSON document) with every sensitive member replaced by its token."""
    if isinstance(value, Mapping):
        return {k: (_redact_member(v) if k in SENSITIVE else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def _redact_member(value: Any) -> Any:
    if isinstance(value, str):
        return token(value)
    if isinstance(value, Mapping | list):
        # Structured key material (Payment Cryptography): every string in it.
        return _redact_all(value)
    return value


def _redact_all(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _redact_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_all(v) for v in value]
    if isinstance(value, str):
        return token(value)
    return value


_SCALARS = (str, int, float, type(None))


def holds_secrets(value: Any) -> bool:
    """Whether ``value`` has a sensitive member that is not a token yet."""
    # Asked of every request and answer, at every depth: a JSON scalar is answered before the
    # Mapping test, an abstract-class check that costs several times as much.
    if isinstance(value, _SCALARS):
        return False
    if isinstance(value, list):
        return any(holds_secrets(v) for v in value)
    if isinstance(value, Mapping):
        return any((k in SENSITIVE and _unredacted(v)) or holds_secrets(v) for k, v in value.items())
    return False


def _unredacted(value: Any) -> bool:
    if isinstance(value, str):
        return not is_token(value)
    if isinstance(value, Mapping):
        return any(_unredacted(v) for v in value.values())
    if isinstance(value, list):
        return any(_unredacted(v) for v in value)
    return False


def filler(value: str) -> bytes:
    """Stand-in bytes for a token in a reproduction: its length, derived from its digest (two
    different values get different stand-ins, one value always the same)."""
    match = _TOKEN.match(value)
    length = int(match["length"]) if match else 1
    return hashlib.shake_256(value.encode()).digest(max(length, 1))
