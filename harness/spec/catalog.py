"""Load the committed specs into frozen records the other stages use.

``specs/<profile>/<service>/service.json`` names each operation's request and response
schema files, its documented errors and the protocol. Validators are compiled once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema

from harness.errors import SpecError, UsageError
from harness.spec.validation import Errors, errors_of

PROFILES = ("aws", "documented")


SHIPPED_SPECS = Path(__file__).resolve().parents[1] / "data" / "specs"
"""The specs shipped in the package, each schema checked against the metaschema by the
project's tests (tests/unit/test_specs.py) rather than at every load."""


def default_specs_dir() -> Path:
    """``$HARNESS_SPECS``, else the specs shipped in the package (``harness/data/specs/``)."""
    env = os.environ.get("HARNESS_SPECS")
    if env:
        return Path(env)
    return SHIPPED_SPECS


@dataclass(frozen=True, slots=True)
class ErrorSpec:
    """One error code: its class (client or server fault) and its wire body."""

    code: str
    fault: str
    members: tuple[str, ...]
    body_schema: Mapping[str, Any]
    source: str


@dataclass(frozen=True, slots=True)
class OperationSpec:
    service: str
    name: str
    doc_url: str
    source: str
    request_schema: Mapping[str, Any]
    response_schema: Mapping[str, Any] | None
    """``None`` when the documented answer is an empty body."""
    errors: tuple[str, ...]
    """Error codes the operation documents (``__type`` values)."""
    request_validator: Any = field(repr=False, compare=False)
    response_validator: Any = field(repr=False, compare=False)
    response_errors: Errors | None = field(default=None, repr=False, compare=False)
    """An answer body's errors against :attr:`response_schema`, as jsonschema gives them, compiled
    (harness.spec.validation): what harness.checks runs on every answer."""


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    name: str
    profile: str
    json_version: str
    content_type: str
    signing_name: str
    operations: Mapping[str, OperationSpec]
    errors: Mapping[str, ErrorSpec]
    common_errors: tuple[str, ...]
    source: str
    error_aliases: Mapping[str, str] = field(default_factory=dict)
    """Error codes a profile spells differently from AWS, mapped to AWS's spelling (e.g. the
    vendor pages' ``KMSNotFoundException`` -> ``NotFoundException``). The oracle names AWS's
    codes; a profile's aliases let its own spellings count as the same answer."""

    member_aliases: Mapping[str, str] = field(default_factory=dict)
    """Member names a profile spells differently, mapped to AWS's (``QAccountId`` ->
    ``AWSAccountId``); the profile's schemas accept both spellings."""
    value_aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Per member name, enum values a profile spells differently, mapped to AWS's
    (``KeyState``: ``ENABLED`` -> ``Enabled``); the profile's schemas accept both."""

    def canonical_value(self, member: str, value: object) -> object:
        """``value`` of ``member`` in AWS's spelling, whatever this profile calls it."""
        if isinstance(value, str):
            return self.value_aliases.get(member, {}).get(value, value)
        return value

    def canonical_body(self, body: Any) -> Any:
        """``body`` with every member name and enum value in AWS's spelling.

        The model and the facts speak AWS; a profile's schemas accept its own spellings.
        Judging through this view lets one oracle serve every profile.
        """
        if not self.member_aliases and not self.value_aliases:
            return body
        if isinstance(body, list):
            return [self.canonical_body(item) for item in body]
        if not isinstance(body, dict):
            return body
        out: dict[str, Any] = {}
        for name, value in body.items():
            canonical = self.member_aliases.get(name, name)
            out[canonical] = self.canonical_value(canonical, self.canonical_body(value))
        return out

    def canonical_error(self, code: str | None) -> str | None:
        """``code`` in AWS's spelling (the oracle's), whatever this profile calls it."""
        if code is None:
            return None
        return self.error_aliases.get(code, code)

    def operation(self, name: str) -> OperationSpec:
        try:
            return self.operations[name]
        except KeyError:
            raise UsageError(
                f"unknown operation {self.name}:{name}; known: {', '.join(self.operations)}"
            ) from None

    def message_members(self, code: str) -> tuple[str, ...]:
        """Members that may carry the human-readable message of error ``code``."""
        error = self.errors.get(code)
        if error is not None:
            return tuple(m for m in error.members if m.lower() == "message")
        # Unmodelled errors (ValidationException on KMS, auth errors) use the service's
        # usual spelling: lower-case on KMS, capitalised on Payment Cryptography
        # (rulebook rule 3).
        return ("message",) if self.json_version == "1.1" else ("Message",)


@dataclass(frozen=True, slots=True)
class Spec:
    """Every service of one profile."""

    profile: str
    root: Path
    services: Mapping[str, ServiceSpec]

    def service(self, name: str) -> ServiceSpec:
        try:
            return self.services[name]
        except KeyError:
            raise UsageError(f"unknown service {name!r}; known: {', '.join(self.services)}") from None

    def operation(self, service: str, name: str) -> OperationSpec:
        return self.service(service).operation(name)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(f"spec file {path} is missing (run: python -m harness spec build)") from None
    except (OSError, ValueError) as exc:
        raise SpecError(f"spec file {path} is unreadable: {exc}") from None


def _validator(schema: Mapping[str, Any], path: Path, *, check: bool) -> Any:
    if check:
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise SpecError(f"spec file {path} is not a valid JSON Schema: {exc.message}") from None
    return jsonschema.Draft202012Validator(schema)


def _load_service(profile_dir: Path, service_dir: Path, *, check: bool = True) -> ServiceSpec:
    """One service's spec; ``check``: each schema against the metaschema first."""
    doc = _read_json(service_dir / "service.json")
    try:
        protocol = doc["protocol"]
        operations: dict[str, OperationSpec] = {}
        for name, op in doc["operations"].items():
            request_path = service_dir / op["request"]
            request_schema = _read_json(request_path)
            response_schema = None
            response_validator = None
            if op.get("response"):
                response_path = service_dir / op["response"]
                response_schema = _read_json(response_path)
                response_validator = _validator(response_schema, response_path, check=check)
            request_validator = _validator(request_schema, request_path, check=check)
            operations[name] = OperationSpec(
                service=doc["service"],
                name=name,
                doc_url=op["doc"],
                source=op["x-source"],
                request_schema=request_schema,
                response_schema=response_schema,
                errors=tuple(op["errors"]),
                request_validator=request_validator,
                response_validator=response_validator,
                response_errors=errors_of(response_validator) if response_validator is not None else None,
            )
        errors = {
            code: ErrorSpec(
                code=code,
                fault=e["fault"],
                members=tuple(e["members"]),
                body_schema=e["body"],
                source=e["x-source"],
            )
            for code, e in doc["errors"].items()
        }
        return ServiceSpec(
            name=doc["service"],
            profile=doc["profile"],
            json_version=protocol["jsonVersion"],
            content_type=protocol["contentType"],
            signing_name=protocol["signingName"],
            operations=MappingProxyType(operations),
            errors=MappingProxyType(errors),
            common_errors=tuple(doc["commonErrors"]["codes"]),
            source=doc["x-source"],
            error_aliases=MappingProxyType(dict(doc.get("errorAliases") or {})),
            member_aliases=MappingProxyType(dict(doc.get("memberAliases") or {})),
            value_aliases=MappingProxyType(
                {k: MappingProxyType(dict(v)) for k, v in (doc.get("valueAliases") or {}).items()}
            ),
        )
    except (KeyError, TypeError) as exc:
        raise SpecError(f"spec file {service_dir / 'service.json'} lacks {exc}") from None


def load(profile: str = "aws", root: Path | None = None) -> Spec:
    """The committed spec of ``profile``; raises :class:`SpecError` or :class:`UsageError`."""
    # Cached by the directory actually read, so that ``load("aws")`` and ``load("aws", None)``
    # and the default directory given explicitly are one load: a run asks for it more than once.
    return _load(profile, root or default_specs_dir())


@cache
def _load(profile: str, root: Path) -> Spec:
    if profile not in PROFILES:
        raise UsageError(f"unknown profile {profile!r}; known: {', '.join(PROFILES)}")
    profile_dir = root / profile
    if not profile_dir.is_dir():
        raise SpecError(f"no specs for profile {profile!r} under {root}")
    # Specs from elsewhere ($HARNESS_SPECS, --specs-dir) are checked against the metaschema as
    # they load (a broken one is a one-line error); the shipped ones were checked by the tests.
    # Checking them at every load cost ~0.45 s of every process's start: each xdist worker and
    # controller, each reproduction of a self-test.
    check = root.resolve() != SHIPPED_SPECS
    services = {
        d.name: _load_service(profile_dir, d, check=check)
        for d in sorted(profile_dir.iterdir())
        if (d / "service.json").is_file()
    }
    if not services:
        raise SpecError(f"no service specs under {profile_dir}")
    return Spec(profile=profile, root=root, services=MappingProxyType(services))
