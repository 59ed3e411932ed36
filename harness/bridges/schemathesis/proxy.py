"""The signing loopback proxy: ``POST /<service>/<Operation>`` in, a signed awsJson call out.

Schemathesis speaks plain HTTP to the paths of the exported description (:mod:`.openapi`); the
target speaks awsJson, where the operation is the ``X-Amz-Target`` header and every request is
signed with SigV4 (rulebook rules 1-2). The proxy listens on 127.0.0.1 only, sends each body as
it came through the harness's own raw sender (:meth:`harness.transport.Transport.send_raw`:
botocore's SigV4, the target's credentials, the network guard, throttling retried), and answers
with the target's status and body. Every exchange goes to the transport's listeners, so the
bridge records and judges exactly what the target answered. Requests are sent one at a time, in
the order they came, so the judge's model follows the target's state.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from harness.errors import HarnessError
from harness.exchange import Exchange
from harness.loopback_server import LoopbackServer
from harness.oracle.wire import target_prefix_of
from harness.spec.catalog import Spec
from harness.transport import RawRequest, Transport

#: The status of an answer the proxy gives itself (never the target's): an unknown path, or a
#: harness error (e.g. a target still throttling after every retry). Such requests are not
#: recorded; the run's errors list says what happened.
PROXY_ERROR_STATUS = 502


@dataclass
class SigningProxy:
    spec: Spec
    transport: Transport
    region: str
    sent: list[tuple[str, bytes, Exchange]] = field(default_factory=list)
    """Every call sent, in order: the path and body as they came, and the exchange (the answer
    judged; a throttled answer the transport retried is in the cassette only)."""
    errors: list[str] = field(default_factory=list)
    """Harness errors met while sending (never findings)."""
    _http: LoopbackServer = field(default_factory=LoopbackServer, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def url(self) -> str:
        return self._http.url

    def request_for(self, path: str, body: bytes) -> tuple[RawRequest, str] | None:
        """The awsJson request of ``path`` and its signing name; ``None`` for a path that names no
        operation of the spec."""
        service_name, _, operation = path.split("?", 1)[0].strip("/").partition("/")
        service = self.spec.services.get(service_name)
        if service is None or operation not in service.operations:
            return None
        request = RawRequest(
            service=service.name,
            region=self.region,
            body=body,
            target=f"{target_prefix_of(service.name)}.{operation}",
            content_type=service.content_type,
        )
        return request, service.signing_name

    def start(self) -> SigningProxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # small answers would wait for a delayed ACK

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                status, headers, body = proxy.handle(self.path, self.rfile.read(length))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _not_allowed(self) -> None:
                # Every operation is a POST (awsJson); another method never reaches the target.
                body = json.dumps({"__type": "HarnessProxyError", "message": "only POST"}).encode()
                self.send_response(405)
                self.send_header("Allow", "POST")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = _not_allowed

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._http.start(Handler)
        return self

    def handle(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        """Send the call ``path`` names; the target's status, content type and body."""
        found = self.request_for(path, body)
        if found is None:
            return _own_answer(f"{path} names no operation of the exported description")
        request, signing_name = found
        with self._lock:
            try:
                exchange = self.transport.send_raw(request, signing_name=signing_name)
            except HarnessError as exc:
                self.errors.append(str(exc))
                return _own_answer(f"harness error: {exc}")
            self.sent.append((path.split("?", 1)[0], body, exchange))
        if exchange.status is None:
            # No answer at all (connection reset, the target died): a crash, answered as a
            # gateway error so that Schemathesis reports it too.
            return _own_answer(f"no answer from the target ({exchange.transport_error})")
        content_type = exchange.headers.get("content-type", "application/octet-stream")
        # The body as recorded: plaintext and key material already replaced by tokens
        # (harness.redaction), so Schemathesis's own reports hold no secret either.
        return exchange.status, {"Content-Type": content_type}, exchange.raw_body.encode("utf-8")

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> SigningProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _own_answer(message: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"__type": "HarnessProxyError", "message": message}).encode()
    return PROXY_ERROR_STATUS, {"Content-Type": "application/json", "X-Harness-Proxy": "error"}, body
