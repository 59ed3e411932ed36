"""Sending calls: boto3 clients that keep the raw answer, and a raw-HTTP sender.

Every client is built here and nowhere else, so every client has the network guard,
client-side parameter validation off (botocore would otherwise stop ``min``
violations before they reach the endpoint, rulebook rule 7) and botocore's own
retries off (the harness retries throttling itself and must see every answer).
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from harness import redaction
from harness.credentials import Credentials, isolated_session
from harness.errors import HarnessError, TargetError
from harness.exchange import Call, Exchange
from harness.netguard import NetworkPolicy
from harness.oracle.wire import operations_of, target_prefix_of

#: Throttling is not an answer to judge: retry it, with exponential backoff.
THROTTLING_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException"})
MAX_THROTTLE_RETRIES = 6

ExchangeListener = Callable[[Exchange], None]

#: The User-Agent of the harness's requests (what a target's logs show of the caller).
USER_AGENT = "kms-conformance-harness"


def is_throttled(exchange: Exchange) -> bool:
    return exchange.status == 429 or exchange.error_code in THROTTLING_CODES


@dataclass
class Transport:
    """Sends calls to one active target and reports every exchange to its listeners."""

    endpoints: Mapping[str, str]
    default_region: str
    credentials: Credentials | tuple[str, str]
    network: NetworkPolicy
    listeners: list[ExchangeListener] = field(default_factory=list)
    throttle_base_delay: float = 0.2
    sleep: Callable[[float], None] = time.sleep
    calls_sent: int = 0
    throttled: int = 0
    verify: bool | str | None = None
    """TLS verification: None the default trust store, a path a CA bundle, False none."""
    min_interval: float = 0.0
    """Seconds between two requests at least (a target's ``requests_per_second`` limit)."""
    gate: Callable[[], None] | None = None
    """Called before every attempt, throttled retries included; raising stops the request
    before it leaves (a run's budget of calls, harness.engine.accounting)."""
    _clients: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    _capture: dict[str, Any] = field(default_factory=dict, repr=False)
    _last_send: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.credentials = Credentials.of(self.credentials)

    # -- clients --------------------------------------------------------------------

    def endpoint_for(self, service: str, region: str | None = None) -> str:
        """The URL of ``service`` in ``region``: ``<service>@<region>`` when the target names
        one per Region (a real account), else the service's, else the target's one URL."""
        regional = self.endpoints.get(f"{service}@{region}") if region else None
        return regional or self.endpoints.get(service) or self.endpoints["kms"]

    def client(self, service: str, region: str | None = None) -> Any:
        """The harness's boto3 client for ``service`` in ``region`` (guarded, validation off)."""
        region = region or self.default_region
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self._make_client(service, region)
        return self._clients[key]

    def _make_client(self, service: str, region: str) -> Any:
        import boto3
        from botocore.config import Config

        config = Config(
            parameter_validation=False,
            retries={"total_max_attempts": 1, "mode": "standard"},
            connect_timeout=10,
            read_timeout=60,
            # A fixed User-Agent: botocore otherwise builds its string of SDK, OS, language and
            # feature components twice for every request, ~0.07 ms of a call's CPU
            # (benchmarks/RESULTS.md, "Harness calls per second"). botocore appends its version.
            user_agent=USER_AGENT,
        )
        credentials = Credentials.of(self.credentials)
        # Nothing of the user's AWS configuration applies: the target says it all.
        client = boto3.session.Session(botocore_session=isolated_session()).client(
            service,
            region_name=region,
            endpoint_url=self.endpoint_for(service, region),
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            aws_session_token=credentials.token,
            verify=self.verify,
            config=config,
        )
        self.network.install(client)
        events = client.meta.events
        events.register("before-send", self._on_send, unique_id="harness-capture-send")
        events.register("before-parse", self._on_parse, unique_id="harness-capture-parse")
        return client

    def _on_send(self, request: Any, **_: Any) -> None:
        self._capture["request_body"] = request.body

    def _on_parse(self, response_dict: Mapping[str, Any], **_: Any) -> None:
        self._capture["response"] = response_dict
        # The raw answer is all the harness reads: botocore's parsing, its retry handler and
        # its ClientError would be work for nothing, about a tenth of a call's Python
        # (benchmarks/RESULTS.md, "Harness calls per second"). Raised here, before the parser
        # runs, it leaves the client by way of botocore's own exception path.
        raise _Answered

    # -- sending ----------------------------------------------------------------------

    def send(self, call: Call, *, role: str | None = None) -> Exchange:
        """Send ``call`` through boto3; return the answer as it was on the wire."""
        return self._retrying(lambda: self._send_once(call, role), call.service, call.operation)

    def send_raw(self, request: RawRequest, *, signing_name: str) -> Exchange:
        """Send a hand-built request (wire-level and auth cases); throttling is retried as usual."""

        def once() -> Exchange:
            exchange = send_raw(
                request,
                endpoint=self.endpoint_for(request.service, request.region),
                credentials=self.credentials,
                signing_name=signing_name,
                network=self.network,
                verify=self.verify,
            )
            self.calls_sent += 1
            for listener in self.listeners:
                listener(exchange)
            return exchange

        return self._retrying(once, request.service, request.operation)

    def _retrying(self, send: Callable[[], Exchange], service: str, operation: str) -> Exchange:
        """Retry throttled answers with exponential backoff; they are never judged.

        A target that is still throttling after the last retry cannot be tested at this
        rate: that is a harness error (the run stops), not an answer to judge, so a live run
        and the replay of its cassette (which skips throttled answers) agree.
        """
        for attempt in range(MAX_THROTTLE_RETRIES + 1):
            if self.gate is not None:
                self.gate()
            self._pace()
            exchange = send()
            if not is_throttled(exchange):
                return exchange
            if attempt < MAX_THROTTLE_RETRIES:
                self.throttled += 1
                self.sleep(self.throttle_base_delay * (2**attempt))
        raise TargetError(
            f"{service}:{operation} is still throttled after {MAX_THROTTLE_RETRIES} retries; "
            "lower the rate (--examples) or raise the target's limits"
        )

    def _pace(self) -> None:
        """Keep at least :attr:`min_interval` between two requests."""
        if self.min_interval > 0:
            wait = self._last_send + self.min_interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
            self._last_send = time.monotonic()

    def _send_once(self, call: Call, role: str | None) -> Exchange:
        from botocore import xform_name
        from botocore.exceptions import BotoCoreError, ClientError, SSLError

        region = call.region or self.default_region
        client = self.client(call.service, region)
        method = getattr(client, xform_name(call.operation), None)
        if method is None:
            raise HarnessError(f"botocore has no operation {call.service}:{call.operation}")
        self._capture.clear()
        started = time.time()
        transport_error: str | None = None
        try:
            input_shape = client.meta.service_model.operation_model(call.operation).input_shape
            method(**_blobs_as_bytes(input_shape, _to_python(call.params)))
        except (_Answered, ClientError):
            pass  # the raw answer is in self._capture; botocore's view is not used
        except HarnessError:
            raise
        except SSLError as exc:
            raise untrusted(self.endpoint_for(call.service, region), exc) from None
        except BotoCoreError as exc:
            transport_error = f"{type(exc).__name__}: {exc}"
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            if self._capture.get("response") is None:
                # botocore's serializer could not encode these params: the call never left.
                raise ParamsNotSerializable(call, exc) from None
            # botocore could not parse the answer (a blob that is not base64, a date that is
            # not one): the raw answer is what the harness reads and judges.
        response = self._capture.get("response")
        if response is None and transport_error is None:
            transport_error = "no answer captured"
        sent = self._capture.get("request_body")
        exchange = Exchange.from_wire(
            service=call.service,
            operation=call.operation,
            region=region,
            request=_decode_request(sent, call.params),
            status=response["status_code"] if response else None,
            headers=dict(response["headers"]) if response else {},
            raw=response["body"] if response else b"",
            at=started,
            transport_error=transport_error,
            role=role,
        )
        if sent is not None or response is not None:
            self.calls_sent += 1
            for listener in self.listeners:
                listener(exchange)
        return exchange


@dataclass(frozen=True, slots=True)
class RawRequest:
    """A request built by hand, for what boto3 will not send: malformed bodies, wrong or missing
    headers, no signature or a wrong one. Signing, when asked, is still botocore's SigV4."""

    service: str
    region: str
    body: bytes
    target: str | None
    """X-Amz-Target; None sends no such header."""
    content_type: str | None
    auth: str = "sigv4"
    """``sigv4``; ``unsigned`` (no Authorization header); ``bad-signature`` (signed with a wrong
    secret key)."""

    @property
    def operation(self) -> str:
        """The operation the target names, or a stable label when it names none the service has
        (finding ids contain the operation: drawn names must not leak into them)."""
        if not self.target:
            return "(no X-Amz-Target)"
        prefix, _, name = self.target.rpartition(".")
        if prefix != target_prefix_of(self.service) or name not in operations_of(self.service):
            return "(unknown operation)"
        return name

    def description(self) -> dict[str, Any]:
        """The ``wire`` record of the exchange (see :attr:`harness.exchange.Exchange.wire`)."""
        text = self.body.decode("utf-8", errors="replace")
        is_object = False
        with contextlib.suppress(ValueError):
            is_object = isinstance(json.loads(text), dict)
        out: dict[str, Any] = {"target": self.target, "content_type": self.content_type, "auth": self.auth}
        if not is_object:
            out["body"] = text
        return out


def send_raw(
    request: RawRequest,
    *,
    endpoint: str,
    credentials: Credentials | tuple[str, str],
    signing_name: str,
    network: NetworkPolicy,
    verify: bool | str | None = None,
) -> Exchange:
    """Send ``request`` over HTTP with botocore's request and session classes; keep the raw answer."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials as SigningCredentials
    from botocore.exceptions import BotoCoreError, HTTPClientError, SSLError
    from botocore.httpsession import URLLib3Session

    headers: dict[str, str] = {}
    if request.content_type is not None:
        headers["Content-Type"] = request.content_type
    if request.target is not None:
        headers["X-Amz-Target"] = request.target
    url = endpoint.rstrip("/") + "/"
    aws_request = AWSRequest(method="POST", url=url, data=request.body, headers=headers)
    if request.auth != "unsigned":
        own = Credentials.of(credentials)
        secret = own.secret_key if request.auth == "sigv4" else own.secret_key + "-wrong"
        signing = SigningCredentials(own.access_key, secret, own.token)
        SigV4Auth(signing, signing_name, request.region).add_auth(aws_request)
    prepared = aws_request.prepare()
    network.check_url(prepared.url)
    started = time.time()
    try:
        session = URLLib3Session(timeout=60, verify=True if verify is None else verify)
        answer = session.send(prepared)
        status, answer_headers, raw = answer.status_code, dict(answer.headers), answer.content
        error = None
    except SSLError as exc:
        raise untrusted(endpoint, exc) from None
    except (HTTPClientError, BotoCoreError) as exc:  # no answer (connection refused, reset, ...)
        status, answer_headers, raw, error = None, {}, b"", f"{type(exc).__name__}: {exc}"
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    exchange = Exchange.from_wire(
        service=request.service,
        operation=request.operation,
        region=request.region,
        request=body if isinstance(body, dict) else {},
        status=status,
        headers=answer_headers,
        raw=raw,
        at=started,
        transport_error=error,
    )
    return replace(exchange, wire=request.description())


def untrusted(endpoint: str, exc: Exception) -> TargetError:
    """A TLS failure is the target's configuration, not an answer: a harness error."""
    return TargetError(
        f"TLS with {endpoint} failed ({type(exc).__name__}); give the target a ca_bundle "
        "(or verify = false) in the targets file"
    )


class _Answered(Exception):  # not an error: the answer arrived
    """Raised by the before-parse hook once the raw answer is captured (see Transport._on_parse)."""


class ParamsNotSerializable(HarnessError):
    """boto3 refused to serialise the parameters, so nothing was sent."""

    def __init__(self, call: Call, exc: Exception):
        super().__init__(
            f"boto3 cannot serialise {call.service}:{call.operation} params: {type(exc).__name__}: {exc}"
        )
        self.call = call


def _to_python(params: Mapping[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(params))  # type: ignore[no-any-return]


def _blobs_as_bytes(shape: Any, value: Any) -> Any:
    """``value`` with its blob members as bytes. A Call holds a blob as it travels, base64 text
    (what a replay reads and what the model judges); botocore encodes bytes itself."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "blob" and isinstance(value, str):
        if redaction.is_token(value):
            # A value an earlier answer gave (answers are redacted as they arrive): its bytes.
            raw = redaction.reveal(value)
            if raw is None:
                raise ValueError(f"{value} names bytes this process no longer holds")
            return raw
        return base64.b64decode(value.encode("ascii"), validate=True)
    if kind == "structure" and isinstance(value, dict):
        members = shape.members
        return {k: _blobs_as_bytes(members.get(k), v) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_blobs_as_bytes(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _blobs_as_bytes(shape.value, v) for k, v in value.items()}
    return value


def _decode_request(sent: Any, params: Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(sent, bytes | str) and sent:
        try:
            decoded = json.loads(sent)
            if isinstance(decoded, dict):
                return decoded
        except ValueError:
            pass
    return _to_python(params)
