"""The records of one call: what the harness meant to send and what came back.

A :class:`Call` is produced by the strategies; the transport turns it into an
:class:`Exchange`, which keeps the raw HTTP status, headers and body. Checks read the
raw body, never botocore's parsed view: the parser drops ``null`` members and accepts
several timestamp formats (rulebook section 1), which would hide divergences.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness import redaction

SERVICES = ("kms", "payment-cryptography")


@dataclass(frozen=True, slots=True)
class Call:
    """One request to send: the operation's JSON parameters and where to send them."""

    service: str
    operation: str
    params: Mapping[str, Any]
    region: str | None = None
    """``None`` means the target's primary region."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "operation": self.operation,
            "region": self.region,
            "request": _plain(self.params),
        }


def normalise_error_code(raw: str | None) -> str | None:
    """The error code as AWS clients read it from ``__type`` or ``X-Amzn-ErrorType``.

    botocore and Smithy keep what follows the last ``#`` and drop anything from the
    first ``:`` (e.g. ``com.amazon.coral#NotFoundException:http://...``), see
    botocore ``parsers.py`` and Smithy ``awsJson1_1`` ``errors.smithy``.
    """
    if not raw:
        return None
    code = raw.rsplit("#", 1)[-1]
    return code.split(":", 1)[0] or None


@dataclass(frozen=True, slots=True)
class Exchange:
    """A call and the answer the target gave, as it was on the wire."""

    service: str
    operation: str
    region: str
    request: Mapping[str, Any]
    """The JSON request body as sent."""
    status: int | None
    """HTTP status; ``None`` when no answer came (connection failure)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    raw_body: str = ""
    body: Any = None
    """The body parsed as JSON; ``None`` when empty or not JSON (see :attr:`body_is_json`)."""
    body_is_json: bool = False
    transport_error: str | None = None
    at: float | None = None
    role: str | None = None
    """``"control"`` for a control call (see :class:`harness.scenarios.base.Attempt`)."""
    history_start: bool = False
    """The run that recorded this exchange judged it with an empty, complete model: no
    call before it can matter to what comes after (a fresh target, or a run that names
    only keys it created). Replay starts a complete model here; see :mod:`harness.engine.replay`."""
    wire: Mapping[str, Any] | None = None
    """For a request sent raw, outside boto3 (wire-level and auth cases): what was unusual
    about it -- ``target`` (X-Amz-Target or None), ``content_type``, ``auth`` (sigv4,
    unsigned, bad-signature) and ``body`` (the raw text when it was not a JSON object)."""

    @classmethod
    def from_wire(
        cls,
        *,
        service: str,
        operation: str,
        region: str,
        request: Mapping[str, Any],
        status: int | None,
        headers: Mapping[str, str],
        raw: bytes,
        at: float | None = None,
        transport_error: str | None = None,
        role: str | None = None,
    ) -> Exchange:
        text = raw.decode("utf-8", errors="replace")
        body, is_json = _parse(text)
        # The one place secrets are taken out (harness.redaction): every record, check and
        # output of the run sees tokens, never plaintext, ciphertext or key material.
        if redaction.holds_secrets(body):
            body = redaction.redact(body)
            text = json.dumps(body)
        if redaction.holds_secrets(request):
            request = redaction.redact(request)
        return cls(
            service=service,
            operation=operation,
            region=region,
            request=request,
            status=status,
            headers={k.lower(): v for k, v in headers.items()},
            raw_body=text,
            body=body,
            body_is_json=is_json,
            transport_error=transport_error,
            at=at,
            role=role,
        )

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def error_code(self) -> str | None:
        """The normalised error code of a non-2xx answer, from ``__type`` or the header."""
        if self.ok or self.status is None:
            return None
        raw = None
        if isinstance(self.body, dict):
            value = self.body.get("__type") or self.body.get("code")
            raw = value if isinstance(value, str) else None
        if raw is None:
            raw = self.headers.get("x-amzn-errortype")
        return normalise_error_code(raw)

    @property
    def error_message(self) -> str | None:
        if self.ok or not isinstance(self.body, dict):
            return None
        for key in ("message", "Message"):
            value = self.body.get(key)
            if isinstance(value, str):
                return value
        return None

    @property
    def content_type(self) -> str | None:
        return self.headers.get("content-type")

    def to_cassette(self) -> dict[str, Any]:
        """One line of a cassette (shared/contracts/cassette.schema.json)."""
        line: dict[str, Any] = {
            "service": self.service,
            "region": self.region,
            "operation": self.operation,
            "request": _plain(self.request),
            "status": self.status if self.status is not None else 0,
            "headers": dict(self.headers),
            "response": self.body if self.body_is_json and isinstance(self.body, dict) else None,
        }
        if not (self.body_is_json and isinstance(self.body, dict)):
            line["raw"] = self.raw_body if self.raw_body else None
        if self.at is not None:
            line["at"] = self.at
        if self.transport_error is not None:
            line["transport_error"] = self.transport_error
        if self.role is not None:
            # An extension of the cassette contract (extra members are allowed): a control
            # call, which replay must judge as the live run did.
            line["role"] = self.role
        if self.wire is not None:
            # Extension member: a raw request's headers and body, which replay needs to
            # judge it (the request member only holds a JSON object body).
            line["wire"] = dict(self.wire)
        if self.history_start:
            # Another extension member: replay may treat an unknown key as absent from here
            # on. A cassette cut from the middle of a run lacks it, so its replay does not.
            line["history"] = "start"
        return line

    @classmethod
    def from_cassette(cls, line: Mapping[str, Any]) -> Exchange:
        response = line.get("response")
        raw = line.get("raw")
        if response is not None:
            # A cassette written elsewhere may hold secrets: its replay shows tokens too.
            body: Any = redaction.redact(response) if redaction.holds_secrets(response) else response
            text = json.dumps(body)
            is_json = True
        else:
            text = raw or ""
            body, is_json = _parse(text)
        status = line.get("status")
        return cls(
            service=line["service"],
            operation=line["operation"],
            region=line["region"],
            request=redaction.redact(line.get("request") or {}),
            status=status if status else None,
            headers={k.lower(): v for k, v in (line.get("headers") or {}).items()},
            raw_body=text,
            body=body,
            body_is_json=is_json,
            transport_error=line.get("transport_error"),
            at=line.get("at") if isinstance(line.get("at"), int | float) else None,
            role=line.get("role") if isinstance(line.get("role"), str) else None,
            history_start=line.get("history") == "start",
            wire=line.get("wire") if isinstance(line.get("wire"), dict) else None,
        )


def _parse(text: str) -> tuple[Any, bool]:
    """A body as JSON (and whether it was JSON); an empty or non-JSON body is None."""
    if not text.strip():
        return None, False
    try:
        return json.loads(text), True
    except ValueError:
        return None, False


def _plain(value: Any) -> Any:
    """A JSON-ready deep copy (mappings become dicts, tuples lists)."""
    if isinstance(value, str | int | float | None):  # before the Mapping test, which costs more
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
