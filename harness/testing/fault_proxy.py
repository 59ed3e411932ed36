"""A fault-injecting HTTP proxy for the harness's own tests and for kill-rate benchmarks.

It listens on 127.0.0.1, forwards every request unchanged (Host and SigV4 headers
included) to a real upstream endpoint, and lets :class:`Fault` objects rewrite the
answer. With no fault it must be invisible: the self-tests show a rule passing
through it exactly as it passes without it.
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from harness.loopback_server import LoopbackServer
from harness.netguard import NetworkPolicy

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)


@dataclass(frozen=True)
class ProxiedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def target(self) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == "x-amz-target"), "")

    @property
    def operation(self) -> str:
        return self.target.rsplit(".", 1)[-1]

    @property
    def service(self) -> str:
        prefix = self.target.rsplit(".", 1)[0]
        return "payment-cryptography" if prefix.startswith("PaymentCryptography") else "kms"

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"{}")
        except ValueError:
            return None


@dataclass(frozen=True)
class ProxiedResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body.strip() else None
        except ValueError:
            return None

    def with_json(self, document: Any, status: int | None = None) -> ProxiedResponse:
        headers = {k: v for k, v in self.headers.items() if k.lower() != "content-type"}
        headers["Content-Type"] = self.headers.get("Content-Type", "application/x-amz-json-1.1")
        return replace(
            self, status=status or self.status, headers=headers, body=json.dumps(document).encode()
        )


Rewrite = Callable[[ProxiedRequest, ProxiedResponse], ProxiedResponse | None]


@dataclass(frozen=True)
class Fault:
    """Rewrites answers: ``rewrite`` returns the new answer, or ``None`` to leave it."""

    name: str
    description: str
    rewrite: Rewrite


@dataclass
class FaultProxy:
    upstream: str
    faults: list[Fault] = field(default_factory=list)
    requests: int = 0
    rewritten: int = 0
    _http: LoopbackServer = field(default_factory=LoopbackServer, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        # The proxy is part of the harness's test rig: it too talks to loopback only.
        NetworkPolicy.loopback_only().check_url(self.upstream)

    @property
    def url(self) -> str:
        return self._http.url

    def set_faults(self, faults: Iterable[Fault]) -> None:
        with self._lock:
            self.faults = list(faults)

    def start(self) -> FaultProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Small answers otherwise wait for the client's delayed ACK (Nagle): ~40 ms each.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = ProxiedRequest(
                    self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
                )
                response = proxy._forward(request)
                self.send_response(response.status)
                for key, value in response.headers.items():
                    if key.lower() not in _HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._http.start(Handler)
        return self

    def _forward(self, request: ProxiedRequest) -> ProxiedResponse:
        parts = urlsplit(self.upstream)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port or 80, timeout=60)
        try:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
            conn.request(request.method, request.path, body=request.body, headers=headers)
            raw = conn.getresponse()
            response = ProxiedResponse(raw.status, dict(raw.getheaders()), raw.read())
        finally:
            conn.close()
        with self._lock:
            self.requests += 1
            faults = list(self.faults)
        for fault in faults:
            changed = fault.rewrite(request, response)
            if changed is not None:
                with self._lock:
                    self.rewritten += 1
                response = changed
        return response

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/")


def region_of(request: ProxiedRequest) -> str:
    """The Region a SigV4-signed request was signed for (its credential scope)."""
    auth = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
    match = _SCOPE.search(auth)
    return match["region"] if match else ""


def answered_ok(request: ProxiedRequest, response: ProxiedResponse, service: str) -> bool:
    """``request`` is a call of ``service`` that got a 2xx answer."""
    return request.service == service and 200 <= response.status < 300


def json_answer(
    response: ProxiedResponse, document: Any, content_type: str, status: int | None = None
) -> ProxiedResponse:
    """``response`` with ``document`` as its body, typed ``content_type``."""
    changed = response.with_json(document, status)
    return ProxiedResponse(changed.status, {**changed.headers, "Content-Type": content_type}, changed.body)


def error_answer(code: str, message: str, content_type: str) -> ProxiedResponse:
    """A 400 awsJson error answer."""
    body = json.dumps({"__type": code, "message": message}).encode()
    return ProxiedResponse(400, {"Content-Type": content_type}, body)
