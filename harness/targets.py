"""Targets: which endpoint a run talks to, in which regions, with which credentials.

``emulator`` (the default) starts moto on loopback; ``endpoint`` uses a running
endpoint given by URL. Both must be loopback: the network guard refuses anything
else before the first call. ``aws`` is reserved for the opt-in real-account target.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from harness.emulator import MotoServer
from harness.errors import TargetError, UsageError
from harness.netguard import NetworkPolicy

TARGET_NAMES = ("emulator", "endpoint", "aws")
DEFAULT_REGION = "us-east-1"
DEFAULT_REPLICA_REGION = "us-west-2"

# botocore RegionType pattern (kms ReplicateKeyRequest.ReplicaRegion).
_REGION = re.compile(r"^([a-z]+-){2,3}\d+$")

#: Credentials for emulators and local endpoints. Real credentials from the default
#: AWS chain are never used for them: they would be sent to a third-party endpoint.
LOCAL_CREDENTIALS = ("testing", "testing")


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
    if name not in TARGET_NAMES:
        raise UsageError(f"unknown target {name!r}; known: {', '.join(TARGET_NAMES)}")
    _check_region("--region", region)
    _check_region("--replica-region", replica_region)
    if replica_region == region:
        raise UsageError(f"--replica-region must differ from --region (both are {region})")
    if name == "aws":
        raise UsageError(
            "target 'aws' (a real account) is not available yet: it needs the opt-in, "
            "budget and cleanup of the real-account issue; use --target=emulator or endpoint"
        )
    if name == "emulator":
        if endpoint_url:
            raise UsageError("--endpoint-url is for --target=endpoint; the emulator picks its own")
        return TargetConfig(name, None, region, replica_region)
    if not endpoint_url:
        raise UsageError("--target=endpoint needs --endpoint-url URL")
    parts = urlsplit(endpoint_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--endpoint-url={endpoint_url!r} is not an http(s) URL")
    config = TargetConfig(
        name,
        endpoint_url.rstrip("/"),
        region,
        replica_region,
        credentials=(
            os.environ.get("HARNESS_ACCESS_KEY_ID", LOCAL_CREDENTIALS[0]),
            os.environ.get("HARNESS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS[1]),
        ),
    )
    # Refuse before anything else happens, not at the first send.
    config.network.check_url(config.endpoint_url or "")
    return config


def check_reachable(url: str, timeout: float = 5.0) -> None:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise TargetError(f"endpoint {url} is unreachable ({reason})") from None


@contextmanager
def activate(config: TargetConfig, *, log_dir: Path | None = None) -> Iterator[ActiveTarget]:
    """Start (emulator) or reach (endpoint) the target for the duration of the block."""
    if config.name == "emulator":
        server = MotoServer(log_path=log_dir / "moto.log" if log_dir else None)
        server.start()
        try:
            config.network.check_url(server.endpoint_url)
            yield ActiveTarget(
                config,
                MappingProxyType({"kms": server.endpoint_url}),
                server.implementation,
            )
        finally:
            server.stop()
        return
    assert config.endpoint_url is not None
    check_reachable(config.endpoint_url)
    yield ActiveTarget(config, MappingProxyType({"kms": config.endpoint_url}), None)
