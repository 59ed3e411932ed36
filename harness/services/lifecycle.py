"""What a run against a real account must know of a service's keys to account for them.

Each service folder describes its own keys with a :class:`KeyLifecycle` (``lifecycle.py``) and
hands it to the registry (``Service.lifecycle``): which operations create keys, how to read a
created key from an answer, how to tag a key with the run id without changing what a request
tests, how to read a key's state, how to schedule its deletion with the shortest window, and how
to list the keys that carry a tag. The engine (harness.engine.accounting, harness.engine.sweep)
asks only this interface, never a service by name.

Every method that talks to the target takes ``send``: a function that sends one call and
returns the raw exchange (the caller decides whether it is recorded, counted or paced).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from harness.exchange import Call, Exchange

Send = Callable[[Call], Exchange]

#: How many pages a listing reads at most (a bound, so a misbehaving target cannot loop forever).
MAX_PAGES = 1000

State = Literal["live", "scheduled", "gone", "busy", "unknown"]


@dataclass(frozen=True, slots=True)
class CreatedKey:
    """A key an answer says was created: its ARN (or id) and the Region it lives in."""

    key: str
    region: str


@dataclass(frozen=True, slots=True)
class KeyStatus:
    state: State
    """``live`` (deletion can be scheduled), ``scheduled`` (already pending deletion), ``gone``
    (does not exist), ``busy`` (not now: creating, updating; try again) or ``unknown``."""
    detail: str = ""
    order: int = 1
    """Keys of a lower order are scheduled first (a multi-Region replica before its primary)."""


def arn_region(arn: str) -> str | None:
    """The Region field of an ARN (``arn:aws:kms:us-east-1:...``), when ``arn`` is one."""
    parts = arn.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[3]:
        return parts[3]
    return None


def body_of(exchange: Exchange) -> Mapping[str, Any]:
    return exchange.body if isinstance(exchange.body, dict) else {}


def add_tag(
    params: Mapping[str, Any], tag: Mapping[str, str], key_member: str, limit: int
) -> dict[str, Any] | None:
    """``params`` with ``tag`` appended to its ``Tags``, or None when that would change the request.

    The tag goes in only when ``Tags`` is absent or a list of objects that has room for one more
    under ``limit`` (a request with exactly ``limit`` tags stays at ``limit``) and does not
    already name the tag's key (a duplicate would break another rule).
    """
    tags = params.get("Tags")
    if tags is None:
        return {**params, "Tags": [dict(tag)]}
    if not isinstance(tags, list) or not all(isinstance(t, dict) for t in tags) or len(tags) + 1 > limit:
        return None
    if any(t.get(key_member) == tag[key_member] for t in tags):
        return None
    return {**params, "Tags": [*tags, dict(tag)]}


class KeyLifecycle:
    """The keys of one service, as cleanup and budgets see them. Subclassed in each service folder."""

    service: str = ""
    creates: frozenset[str] = frozenset()
    """Operations that create a key."""
    deletion: str = ""
    """How deletion is scheduled, for summaries (``ScheduleKeyDeletion, 7 days``)."""

    def keys_per_call(self, operation: str, params: Mapping[str, Any]) -> int:
        """How many keys a successful ``operation`` with ``params`` creates at most."""
        return 1 if operation in self.creates else 0

    def created(self, exchange: Exchange, canonical: Mapping[str, Any]) -> list[CreatedKey]:
        """The keys a successful creating answer names (``canonical``: its body in AWS's spelling)."""
        raise NotImplementedError

    def tag_in_request(
        self, operation: str, params: Mapping[str, Any], tag: tuple[str, str]
    ) -> dict[str, Any] | None:
        """``params`` carrying ``tag``, or None when adding it would change what the request tests."""
        raise NotImplementedError

    def tag_after(self, key: CreatedKey, tag: tuple[str, str]) -> Call:
        """The call that tags ``key`` right after its creation."""
        raise NotImplementedError

    def status(self, send: Send, key: CreatedKey) -> KeyStatus:
        raise NotImplementedError

    def schedule(self, send: Send, key: CreatedKey) -> KeyStatus:
        """Schedule ``key``'s deletion with the shortest window; the resulting status
        (``scheduled`` on success, ``busy`` when it should be tried again)."""
        raise NotImplementedError

    def tagged(self, send: Send, region: str, tag_key: str, value: str | None) -> Iterator[CreatedKey]:
        """Every key of ``region`` that carries ``tag_key`` (with ``value``, unless None)."""
        raise NotImplementedError


def pages(send: Send, call: Call, token_in: str, token_out: str) -> Iterator[Exchange]:
    """Every page of a listing, following ``token_out`` of each answer into ``token_in``."""
    params = dict(call.params)
    for _ in range(MAX_PAGES):
        exchange = send(Call(call.service, call.operation, params, call.region))
        yield exchange
        token = body_of(exchange).get(token_out)
        if not exchange.ok or not isinstance(token, str) or not token:
            return
        params = {**params, token_in: token}
