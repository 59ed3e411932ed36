"""Targets: which endpoint a run talks to, in which Regions, with which credentials.

A *target kind* turns what the user asked for (:class:`TargetRequest`) into a validated
:class:`TargetConfig` (nothing is started or contacted yet) and, for the run, into an
:class:`ActiveTarget` (the endpoint of each service is known and reachable). Kinds are
registered by name (:func:`register_target`); ``--target=NAME`` resolves through the registry.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from harness.errors import TargetError, UsageError
from harness.netguard import NetworkPolicy

DEFAULT_REGION = "us-east-1"
DEFAULT_REPLICA_REGION = "us-west-2"

# botocore RegionType pattern (kms ReplicateKeyRequest.ReplicaRegion).
_REGION = re.compile(r"^([a-z]+-){2,3}\d+$")

#: Credentials for emulators and local endpoints. Real credentials from the default
#: AWS chain are never used for them: they would be sent to a third-party endpoint.
LOCAL_CREDENTIALS = ("testing", "testing")


@dataclass(frozen=True, slots=True)
class TargetRequest:
    """What the user asked for, before any kind has validated it."""

    name: str
    endpoint_url: str | None = None
    region: str = DEFAULT_REGION
    replica_region: str = DEFAULT_REPLICA_REGION


@dataclass(frozen=True, slots=True)
class TargetConfig:
    """What the user asked for, validated; nothing has been started or contacted."""

    name: str
    endpoint_url: str | None
    region: str = DEFAULT_REGION
    replica_region: str = DEFAULT_REPLICA_REGION
    credentials: tuple[str, str] = LOCAL_CREDENTIALS
    network: NetworkPolicy = field(default_factory=NetworkPolicy.loopback_only)

    @property
    def regions(self) -> tuple[str, str]:
        return (self.region, self.replica_region)


@dataclass(frozen=True, slots=True)
class ActiveTarget:
    """A target that is up: the endpoint of each service is known and reachable."""

    config: TargetConfig
    endpoints: Mapping[str, str]
    implementation: str | None

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def endpoint_url(self) -> str:
        return self.endpoints["kms"]

    def endpoint_for(self, service: str) -> str:
        return self.endpoints.get(service, self.endpoint_url)


class TargetKind(Protocol):
    """One kind of target; registered with :func:`register_target`."""

    name: str
    description: str

    def configure(self, request: TargetRequest) -> TargetConfig:
        """Validate ``request``; raise UsageError or TargetError with one line naming the problem."""
        ...

    def activate(self, config: TargetConfig, log_dir: Path | None) -> AbstractContextManager[ActiveTarget]:
        """Start (or reach) the target for the duration of the block."""
        ...


TARGETS: dict[str, TargetKind] = {}


def register_target(kind: TargetKind) -> TargetKind:
    if kind.name in TARGETS:
        raise ValueError(f"target kind {kind.name!r} is registered twice")
    TARGETS[kind.name] = kind
    return kind


def _check_region(option: str, value: str) -> str:
    if not _REGION.match(value):
        raise UsageError(f"{option}={value!r} is not a region name like us-east-1")
    return value


def resolve(
    name: str,
    *,
    endpoint_url: str | None = None,
    region: str = DEFAULT_REGION,
    replica_region: str = DEFAULT_REPLICA_REGION,
) -> TargetConfig:
    """Validate the target options; raises :class:`UsageError` or :class:`TargetError`."""
    kind = TARGETS.get(name)
    if kind is None:
        raise UsageError(f"unknown target {name!r}; known: {', '.join(TARGETS)}")
    _check_region("--region", region)
    _check_region("--replica-region", replica_region)
    if replica_region == region:
        raise UsageError(f"--replica-region must differ from --region (both are {region})")
    return kind.configure(TargetRequest(name, endpoint_url, region, replica_region))


def check_reachable(url: str, timeout: float = 5.0) -> None:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TargetError(f"endpoint {url} is unreachable ({reason})") from None


def activate(config: TargetConfig, *, log_dir: Path | None = None) -> AbstractContextManager[ActiveTarget]:
    """Start (emulator) or reach (endpoint) the target for the duration of the block."""
    return TARGETS[config.name].activate(config, log_dir)


