"""Targets: which endpoint a run talks to, in which Regions, with which credentials.

A *target kind* turns what the user asked for (:class:`TargetRequest`) into a validated
:class:`TargetConfig` (nothing is started or contacted yet) and, for the run, into an
:class:`ActiveTarget` (the endpoint of each service is known and reachable). Kinds are
registered by name (:func:`register_target`); ``--target=NAME`` resolves through the registry.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Protocol
from urllib.parse import urlsplit

from harness.credentials import Credentials, from_chain
from harness.errors import TargetError, UsageError
from harness.netguard import NetworkPolicy, is_loopback_host
from harness.targets.file import Limits, NamedTarget, TargetsFile

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
    named: NamedTarget | None = None
    """The target's table in the targets file, when ``name`` is one of its targets."""
    allow_accounts: tuple[str, ...] = ()
    """``--allow-aws-account``: the accounts a real-account target may use (kind ``aws``)."""
    aws_profile: str | None = None
    """``--aws-profile``: the profile whose standard AWS chain signs (over the file's)."""

    @property
    def origin(self) -> str:
        """How messages name the target: its table in the targets file, or the option."""
        return self.named.origin if self.named else f"--target={self.name}"


@dataclass(frozen=True, slots=True)
class TargetConfig:
    """What the user asked for, validated; nothing has been started or contacted."""

    name: str
    endpoint_url: str | None
    region: str = DEFAULT_REGION
    replica_region: str = DEFAULT_REPLICA_REGION
    credentials: tuple[str, str] = LOCAL_CREDENTIALS
    """Fixed test credentials; unused when :attr:`credential_chain` is set."""
    network: NetworkPolicy = field(default_factory=NetworkPolicy.loopback_only)
    kind: str = ""
    """The registered kind that starts or reaches it (``name`` itself for a built-in target)."""
    endpoints: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Per-service URLs over :attr:`endpoint_url` (targets file ``endpoints``)."""
    credential_chain: bool = False
    """Credentials come from the standard AWS chain (of :attr:`aws_profile`), resolved at start."""
    aws_profile: str | None = None
    verify: bool | str | None = None
    """TLS: None verifies with the default trust store, a path with that CA bundle, False not at all."""
    limits: Limits = field(default_factory=Limits)
    metadata: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Vendor metadata from the targets file (vendor, product, version, contact, description)."""
    origin: str = ""

    @property
    def regions(self) -> tuple[str, str]:
        return (self.region, self.replica_region)

    @property
    def kind_name(self) -> str:
        return self.kind or self.name

    def service_endpoints(self, url: str) -> Mapping[str, str]:
        """The endpoint of each service: :attr:`endpoints`, else ``url`` (under ``kms``, the default)."""
        return MappingProxyType({"kms": url, **self.endpoints})

    def report_fields(self) -> dict[str, object]:
        """What findings.json says of the target beyond its name (kind, vendor metadata)."""
        out: dict[str, object] = {"kind": self.kind_name}
        if self.metadata:
            out["metadata"] = dict(self.metadata)
        return out


def credentials_for(config: TargetConfig) -> Credentials:
    """The credentials a run against ``config`` signs with (the AWS chain is read here, once)."""
    if config.credential_chain:
        return from_chain(
            config.aws_profile,
            config.origin or f"target {config.name!r}",
            instance_role=bool(getattr(TARGETS.get(config.kind_name), "instance_role", False)),
        )
    return Credentials.of(config.credentials)


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
    file_keys: frozenset[str]
    """Which keys of a targets-file table (beyond the common ones) this kind takes."""

    def configure(self, request: TargetRequest) -> TargetConfig:
        """Validate ``request``; raise UsageError or TargetError with one line naming the problem."""
        ...

    def activate(self, config: TargetConfig, log_dir: Path | None) -> AbstractContextManager[ActiveTarget]:
        """Start (or reach) the target for the duration of the block."""
        ...

    def ready(self) -> tuple[bool, str]:
        """Whether a run can use this kind now, and what to do if not (``targets list``)."""
        ...


TARGETS: dict[str, TargetKind] = {}


class LocalServer(Protocol):
    """An emulator process the harness starts on a loopback port (moto, LocalStack)."""

    @property
    def endpoint_url(self) -> str: ...

    @property
    def implementation(self) -> str: ...

    def start(self) -> object: ...

    def stop(self) -> None: ...


@contextmanager
def serving(config: TargetConfig, server: LocalServer) -> Iterator[ActiveTarget]:
    """The target ``server`` answers for, started here and stopped however the run ends."""
    server.start()
    try:
        config.network.check_url(server.endpoint_url)
        yield ActiveTarget(config, config.service_endpoints(server.endpoint_url), server.implementation)
    finally:
        server.stop()


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
    region: str | None = None,
    replica_region: str | None = None,
    targets_file: TargetsFile | None = None,
    allow_accounts: Iterable[str] = (),
    aws_profile: str | None = None,
) -> TargetConfig:
    """Validate the target options; raises :class:`UsageError` or :class:`TargetError`.

    ``name`` is a target of ``targets_file`` or a built-in kind; options given here (the
    command line's) override the file's values, which override the defaults.
    """
    named = targets_file.get(name) if targets_file is not None else None
    kind = TARGETS.get(named.kind if named else name)
    if kind is None:
        known = [*TARGETS, *(t.name for t in targets_file or () if t.name not in TARGETS)]
        where = f" (targets file {targets_file.path})" if targets_file and targets_file.path else ""
        raise UsageError(f"unknown target {name!r}; known: {', '.join(known)}{where}")
    region = _check_region("--region", region) if region else (named.region if named else None)
    replica = (
        _check_region("--replica-region", replica_region)
        if replica_region
        else (named.replica_region if named else None)
    )
    if getattr(kind, "explicit_regions", False):
        # A real account: where keys are created is never a default.
        for option, value in (("--region", region), ("--replica-region", replica)):
            if not value:
                where = f"{named.origin}: " if named else ""
                raise UsageError(f"{where}target kind {kind.name!r} needs {option} given explicitly")
    region, replica = region or DEFAULT_REGION, replica or DEFAULT_REPLICA_REGION
    if replica == region:
        raise UsageError(f"the replica region must differ from the region (both are {region})")
    url = endpoint_url or (named.endpoint_url if named else None)
    request = TargetRequest(name, url, region, replica, named, tuple(allow_accounts), aws_profile)
    config = kind.configure(request)
    if named is None:
        return config
    return replace(config, name=name, kind=kind.name, limits=named.limits, metadata=named.metadata)


def remote_policy(request: TargetRequest, urls: Iterable[str]) -> NetworkPolicy:
    """The network policy of a reached target: loopback, plus its own hosts when it allows them.

    A non-loopback host is refused here, before anything is contacted, unless the target's
    table says ``allow_remote = true``; even then only the target's own hosts are allowed.
    """
    remote = sorted({h.lower() for u in urls if not is_loopback_host(h := urlsplit(u).hostname or "")})
    if not remote:
        return NetworkPolicy.loopback_only()
    if request.named is None or not request.named.allow_remote:
        hint = (
            "add allow_remote = true to its table"
            if request.named
            else "describe it in a targets file with allow_remote = true"
        )
        raise TargetError(
            f"{request.origin}: refused to send to {remote[0]!r}: not a loopback host ({hint} to "
            "allow a vendor's host; real AWS needs --target=aws with its explicit opt-in)"
        )
    return NetworkPolicy.allowing(
        remote, f"target {request.name!r} allows only its own hosts ({', '.join(remote)}) besides loopback"
    )


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
    return TARGETS[config.kind_name].activate(config, log_dir)
