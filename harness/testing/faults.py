"""Named faults for the proxy: each breaks one documented behaviour on purpose.

Self-tests put a fault in front of a conforming answer and check that the rule it
breaks is caught; benchmarks run the whole catalogue to measure a kill rate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from harness.testing.fault_proxy import Fault, ProxiedRequest, ProxiedResponse, region_of


def _when(
    operation: str, predicate: Callable[[ProxiedRequest, ProxiedResponse], bool]
) -> Callable[
    [Callable[[ProxiedRequest, ProxiedResponse], ProxiedResponse]],
    Callable[[ProxiedRequest, ProxiedResponse], ProxiedResponse | None],
]:
    def decorate(
        change: Callable[[ProxiedRequest, ProxiedResponse], ProxiedResponse],
    ) -> Callable[[ProxiedRequest, ProxiedResponse], ProxiedResponse | None]:
        def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
            if request.operation != operation or not predicate(request, response):
                return None
            return change(request, response)

        return rewrite

    return decorate


def _error_code(response: ProxiedResponse) -> str | None:
    body = response.json()
    return body.get("__type") if isinstance(body, dict) else None


def rename_error(operation: str, old: str, new: str) -> Fault:
    """Answer ``new`` where the target answered ``old`` (a wrong-error fault)."""

    @_when(operation, lambda _q, r: _error_code(r) == old)
    def rewrite(_: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse:
        return response.with_json({"__type": new, "message": "injected by the fault proxy"})

    return Fault(f"{operation}:{old}->{new}", f"{operation} answers {new} instead of {old}", rewrite)


def server_error_on_success(operation: str) -> Fault:
    """Turn every successful answer of ``operation`` into an HTTP 500."""

    @_when(operation, lambda _q, r: 200 <= r.status < 300)
    def rewrite(_: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse:
        return ProxiedResponse(500, {"Content-Type": "text/html"}, b"<h1>Internal Server Error</h1>")

    return Fault(f"{operation}:success->500", f"{operation} answers HTTP 500 instead of success", rewrite)


def throttle_first(operation: str, count: int, *, status: int = 400) -> Fault:
    """Answer the first ``count`` calls of ``operation`` with throttling, then let them through.

    KMS throttles with HTTP 400 ThrottlingException (KMS developer guide, "Throttling AWS KMS
    requests"); other services use 429. Either way the harness must retry, not judge.
    """
    seen = {"n": 0}

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if request.operation != operation or seen["n"] >= count:
            return None
        seen["n"] += 1
        body = {"__type": "ThrottlingException", "message": "Rate exceeded"}
        return ProxiedResponse(
            status, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(body).encode()
        )

    return Fault(f"{operation}:throttle-{count}x{status}", f"{operation} throttled {count} times", rewrite)


def server_error_on_repeat(operation: str, nth: int) -> Fault:
    """Answer HTTP 500 to the ``nth`` identical request of ``operation`` (same Region, same body),
    and as the target would to every other: a target whose answer to a request depends on how
    often it was sent, which the run's memo of identical requests (harness.engine.memo) must not
    hide while it still sends them."""
    seen: dict[tuple[str, str], int] = {}

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if request.operation != operation:
            return None
        key = (region_of(request), json.dumps(request.json(), sort_keys=True))
        seen[key] = seen.get(key, 0) + 1
        if seen[key] != nth:
            return None
        return ProxiedResponse(500, {"Content-Type": "text/html"}, b"<h1>Internal Server Error</h1>")

    return Fault(
        f"{operation}:500-on-send-{nth}",
        f"{operation} answers HTTP 500 to its {nth}th identical request",
        rewrite,
    )


#: LocalStack's answer to an operation it does not emulate (localstack-core 2026.3.0).
_NOT_EMULATED = (
    "The API for service {service} is either not included in your current license plan "
    "or has not yet been emulated by LocalStack."
)


def not_implemented(
    *, services: Iterable[str] = (), operations: Iterable[str] = (), unknown: bool = False
) -> Fault:
    """Answer every call of ``services`` (a whole service) and of ``operations`` as a target that
    does not implement them: HTTP 501 as LocalStack does, or (``unknown``) a 400
    UnknownOperationException as a service that does not know the X-Amz-Target."""
    whole, some = frozenset(services), frozenset(operations)

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if not request.target or (request.service not in whole and request.operation not in some):
            return None
        if unknown:
            body = {"__type": "UnknownOperationException", "message": ""}
            headers = {"Content-Type": "application/x-amz-json-1.1"}
            return ProxiedResponse(400, headers, json.dumps(body).encode())
        body = {"__type": "InternalFailure", "message": _NOT_EMULATED.format(service=request.service)}
        headers = {"Content-Type": "application/json", "X-Amzn-Errortype": "InternalFailure"}
        return ProxiedResponse(501, headers, json.dumps(body).encode())

    names = ",".join(sorted(whole | some))
    how = "UnknownOperationException" if unknown else "HTTP 501"
    return Fault(f"not-implemented:{names}", f"{names} answer {how} (not implemented)", rewrite)
