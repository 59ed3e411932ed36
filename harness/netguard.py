"""The network guard: the harness talks to loopback only, unless explicitly allowed.

Allowed means: a named target of the targets file with ``allow_remote = true`` may reach its
own endpoints' hosts, and no other. Redirects are not followed (botocore returns the 3xx as the
answer), and every request is checked again just before it leaves, whatever built it.

A boto3 client created without an endpoint URL goes to real AWS, so the guard does
not trust configuration: it is installed on every client the harness creates (as a
botocore ``before-send`` handler) and called by the raw-HTTP sender, and it checks
the URL of every request just before it leaves.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from harness.errors import TargetError

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@lru_cache(maxsize=64)  # asked before every request, of the few hosts a run talks to
def is_loopback_host(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and the name ``localhost``; no DNS lookup is made."""
    if not host:
        return False
    host = host.strip("[]").lower()
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    """Which hosts a run may reach besides loopback: a named target's own hosts when its table says
    ``allow_remote = true``, nothing for every other target."""

    allowed_remote_hosts: frozenset[str] = frozenset()
    reason: str = "only loopback endpoints are allowed"

    @classmethod
    def loopback_only(cls) -> NetworkPolicy:
        return cls()

    @classmethod
    def allowing(cls, hosts: Iterable[str], reason: str) -> NetworkPolicy:
        return cls(frozenset(h.lower() for h in hosts), reason)

    def check_url(self, url: str) -> None:
        """Raise :class:`TargetError` unless ``url`` may be sent to."""
        host = urlsplit(url).hostname
        if is_loopback_host(host):
            return
        if host and host.lower() in self.allowed_remote_hosts:
            return
        raise TargetError(
            f"refused to send to {host or url!r}: {self.reason} (a vendor's host needs its target's "
            "allow_remote = true in the targets file; real AWS needs --target=aws with its opt-in)"
        )

    def install(self, client: Any) -> None:
        """Check every request of a botocore client before it is sent."""

        def guard(request: Any, **_: Any) -> None:
            self.check_url(request.url)

        # 'before-send' is the last hook before the HTTP send, after endpoint resolution,
        # so it sees the final URL whatever the client's configuration says.
        client.meta.events.register_first("before-send", guard, unique_id="harness-netguard")
