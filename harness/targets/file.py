"""The targets file: named targets, described once and used with ``--target=NAME``.

A TOML file (``--targets-file FILE``; by default ``harness.toml`` in the working directory when
there is one) with one table per target::

    [targets.acme]
    kind = "endpoint"                       # emulator, localstack, endpoint or aws
    endpoint_url = "https://kms.acme.example"
    region = "eu-west-1"
    replica_region = "eu-central-1"
    aws_profile = "acme"                    # credentials: the standard AWS chain of this profile
    allow_remote = true                     # acme's host is not loopback
    vendor = "Acme"
    product = "Acme KMS"

The whole file is checked when it is read: a malformed file, an unknown key or a value of the
wrong type is one line naming the file, the target and the key (exit 2), before anything runs.
Which keys a kind accepts is the kind's own ``file_keys`` (an emulator takes no credentials
and no remote host: real credentials are never sent to an emulator).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from harness.errors import UsageError

DEFAULT_FILE = "harness.toml"

_ACCOUNT = re.compile(r"^\d{12}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
# botocore RegionType pattern, as harness.targets.base checks the command line's.
_REGION = re.compile(r"^([a-z]+-){2,3}\d+$")

#: Vendor metadata: carried into findings.json's ``target.metadata`` (certification reads it).
METADATA_KEYS = ("vendor", "product", "version", "contact", "description")

#: Keys every kind accepts.
COMMON_KEYS = frozenset(
    {"kind", "region", "replica_region", "spec_profile", "baseline", "limits", *METADATA_KEYS}
)
#: Keys of targets the harness reaches rather than starts.
ENDPOINT_KEYS = frozenset({"endpoint_url", "endpoints", "aws_profile", "allow_remote", "ca_bundle", "verify"})

LIMIT_KEYS = ("examples", "shrink_calls", "requests_per_second")


@dataclass(frozen=True, slots=True)
class Limits:
    """Per-target defaults for the run's budgets; the command line overrides them."""

    examples: int | None = None
    """Draws per rule test (``--examples``)."""
    shrink_calls: int | None = None
    """Calls a rule test may spend shrinking (``--shrink-calls``)."""
    requests_per_second: float | None = None
    """At most this many requests a second (none: as fast as the target answers)."""


@dataclass(frozen=True, slots=True)
class NamedTarget:
    """One ``[targets.NAME]`` table, checked."""

    name: str
    file: Path
    kind: str
    endpoint_url: str | None = None
    endpoints: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """One URL per service (``kms``, ``payment-cryptography``), over ``endpoint_url``."""
    region: str | None = None
    replica_region: str | None = None
    aws_profile: str | None = None
    spec_profile: str | None = None
    baseline: Path | None = None
    """Resolved against the file's directory."""
    limits: Limits = field(default_factory=Limits)
    allow_remote: bool = False
    allow_accounts: tuple[str, ...] = ()
    """Kind ``aws``: the AWS accounts the target may use (checked with STS before any call)."""
    ca_bundle: Path | None = None
    verify: bool = True
    metadata: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def origin(self) -> str:
        """How messages name this target: ``harness.toml: target 'acme'``."""
        return f"{self.file}: target {self.name!r}"


@dataclass(frozen=True, slots=True)
class TargetsFile:
    path: Path | None
    targets: Mapping[str, NamedTarget] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def empty(cls) -> TargetsFile:
        return cls(None)

    def get(self, name: str) -> NamedTarget | None:
        return self.targets.get(name)

    def __iter__(self) -> Iterator[NamedTarget]:
        return iter(self.targets.values())

    def __len__(self) -> int:
        return len(self.targets)


def default_path(cwd: Path | None = None) -> Path | None:
    """``harness.toml`` in the working directory, when there is one."""
    path = (cwd or Path.cwd()) / DEFAULT_FILE
    return path if path.is_file() else None


def _type_name(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", dict: "a table"}
    return names.get(type(value), "an array" if isinstance(value, list) else "a value")


class _Table:
    """Reads one target's table; every error names the file, the target and the key."""

    def __init__(self, path: Path, name: str, table: Mapping[str, Any]):
        self.path, self.name, self.table = path, name, table

    def error(self, key: str, problem: str) -> UsageError:
        return UsageError(f"{self.path}: target {self.name!r}: key {key!r} {problem}")

    def str_(self, key: str, check: Callable[[str], str | None] | None = None) -> str | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error(key, f"must be a string, not {_type_name(value)}")
        problem = check(value) if check else None
        if problem:
            raise self.error(key, problem)
        return value

    def bool_(self, key: str, default: bool) -> bool:
        value = self.table.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"must be true or false, not {_type_name(value)}")
        return value

    def path_(self, key: str, *, must_exist: bool) -> Path | None:
        text = self.str_(key)
        if text is None:
            return None
        path = Path(text).expanduser()
        path = path if path.is_absolute() else self.path.parent / path
        if must_exist and not path.is_file():
            raise self.error(key, f"names {text!r}, which is not a file")
        return path


def _url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"must be an http(s) URL, not {value!r}"
    return None


def _region_problem(value: str) -> str | None:
    return None if _REGION.match(value) else f"must be a region name like us-east-1, not {value!r}"


def _profile_problem(value: str) -> str | None:
    from harness.spec.catalog import PROFILES

    return None if value in PROFILES else f"must be one of {', '.join(PROFILES)}, not {value!r}"


def _limits(reader: _Table) -> Limits:
    raw = reader.table.get("limits")
    if raw is None:
        return Limits()
    if not isinstance(raw, dict):
        raise reader.error("limits", f"must be a table, not {_type_name(raw)}")
    for key in raw:
        if key not in LIMIT_KEYS:
            raise reader.error(f"limits.{key}", f"is not a known limit (known: {', '.join(LIMIT_KEYS)})")
    values: dict[str, Any] = {}
    for key, minimum in (("examples", 1), ("shrink_calls", 0)):
        value = raw.get(key)
        if value is None:
            continue
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise reader.error(f"limits.{key}", f"must be an integer of at least {minimum}")
        values[key] = value
    rate = raw.get("requests_per_second")
    if rate is not None:
        if not isinstance(rate, int | float) or isinstance(rate, bool) or rate <= 0:
            raise reader.error("limits.requests_per_second", "must be a positive number")
        values["requests_per_second"] = float(rate)
    return Limits(**values)


def _accounts(reader: _Table) -> tuple[str, ...]:
    raw = reader.table.get("allow_accounts")
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(a, str) and _ACCOUNT.match(a) for a in raw):
        raise reader.error("allow_accounts", "must be an array of 12-digit AWS account ids as strings")
    return tuple(raw)


def _endpoints(reader: _Table, services: frozenset[str]) -> Mapping[str, str]:
    raw = reader.table.get("endpoints")
    if raw is None:
        return MappingProxyType({})
    if not isinstance(raw, dict):
        raise reader.error("endpoints", f"must be a table of service = URL, not {_type_name(raw)}")
    out: dict[str, str] = {}
    for service, url in raw.items():
        key = f"endpoints.{service}"
        if service not in services:
            raise reader.error(key, f"is not a service (known: {', '.join(sorted(services))})")
        if not isinstance(url, str):
            raise reader.error(key, f"must be a string, not {_type_name(url)}")
        problem = _url_problem(url)
        if problem:
            raise reader.error(key, problem)
        out[service] = url.rstrip("/")
    return MappingProxyType(out)


def _target(
    path: Path, name: str, table: Any, kinds: Mapping[str, Any], services: frozenset[str]
) -> NamedTarget:
    if not _NAME.match(name):
        raise UsageError(f"{path}: target {name!r}: a name is letters, digits, '.', '_' and '-'")
    if not isinstance(table, dict):
        raise UsageError(f"{path}: target {name!r} must be a table ([targets.{name}])")
    reader = _Table(path, name, table)
    kind = table.get("kind")
    if kind is None:
        raise reader.error("kind", f"is missing (one of {', '.join(kinds)})")
    if not isinstance(kind, str) or kind not in kinds:
        raise reader.error("kind", f"must be one of {', '.join(kinds)}, not {kind!r}")
    if name in kinds and name != kind:
        raise UsageError(f"{path}: target {name!r}: the name of a built-in target can only be of its kind")
    taken = frozenset(getattr(kinds[kind], "file_keys", ENDPOINT_KEYS))
    accepted = COMMON_KEYS | taken
    for key in table:
        if key in accepted:
            continue
        if key in COMMON_KEYS | ENDPOINT_KEYS:
            raise reader.error(key, f"does not apply to kind {kind!r} ({_why_not(kind, taken)})")
        raise reader.error(key, "is not a known key")
    endpoint_url = reader.str_("endpoint_url", _url_problem)
    ca_bundle = reader.path_("ca_bundle", must_exist=True)
    verify = reader.bool_("verify", True)
    if ca_bundle is not None and not verify:
        raise reader.error("verify", "= false contradicts ca_bundle; give one of them")
    metadata = {key: value for key in METADATA_KEYS if (value := reader.str_(key)) is not None}
    return NamedTarget(
        name=name,
        file=path,
        kind=kind,
        endpoint_url=endpoint_url.rstrip("/") if endpoint_url else None,
        endpoints=_endpoints(reader, services),
        region=reader.str_("region", _region_problem),
        replica_region=reader.str_("replica_region", _region_problem),
        aws_profile=reader.str_("aws_profile"),
        spec_profile=reader.str_("spec_profile", _profile_problem),
        baseline=reader.path_("baseline", must_exist=False),
        limits=_limits(reader),
        allow_remote=reader.bool_("allow_remote", False),
        allow_accounts=_accounts(reader),
        ca_bundle=ca_bundle,
        verify=verify,
        metadata=MappingProxyType(metadata),
    )


def _why_not(kind: str, taken: frozenset[str]) -> str:
    if not taken:
        return (
            "the harness starts it on loopback with fixed test credentials; "
            "real credentials are never sent to it"
        )
    return f"kind {kind!r} does not take it"


def _services() -> frozenset[str]:
    from harness.spec.catalog import default_specs_dir

    root = default_specs_dir() / "aws"
    return frozenset(p.name for p in root.iterdir() if p.is_dir())


def load(path: Path, kinds: Mapping[str, Any]) -> TargetsFile:
    """Read and check ``path``; raise one-line :class:`UsageError` on any problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read targets file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    for key in data:
        if key != "targets":
            raise UsageError(
                f"{path}: unknown top-level key {key!r} (a targets file has [targets.NAME] tables)"
            )
    tables = data.get("targets", {})
    if not isinstance(tables, dict):
        raise UsageError(f"{path}: 'targets' must be tables ([targets.NAME]), not {_type_name(tables)}")
    services = _services()
    targets = {name: _target(path, name, table, kinds, services) for name, table in tables.items()}
    return TargetsFile(path, MappingProxyType(targets))
