"""Spec coverage: what of the documented surface a run's cassette actually exercised.

A green run only means something for what it sent. This module reads the cassette (every
exchange the run made, set-up and control calls included) against the profile's spec files
and counts, per operation:

- **parameters**: every documented request member, top level and nested, named by JSON
  pointer with ``*`` for any array item (``/Tags/*/TagKey``, the notation of the harness's
  mutation sites). A member is exercised by a request that carries it, with any value, valid
  or not (a refused request still exercised the target's handling of it).
- **enum values**: for every member with an ``enum``, each documented value, exercised by a
  request that carries exactly that value there.
- **error codes**: the operation's documented errors (``service.json``), exercised by an
  answer with that code (from ``__type``, ``code`` or the ``x-amzn-errortype`` header,
  normalised as botocore does). Codes of the service's common errors are counted per service;
  codes documented nowhere are listed as ``undocumented``.
- **key-state transitions**: a *read* of a key is any object in a successful answer that
  carries ``KeyState`` with the key's ARN or id (``KeyMetadata``, ``ReplicaKeyMetadata``, the
  ScheduleKeyDeletion answer, a Payment Cryptography ``Key`` or ``Keys`` item). A transition
  is a change of state between two consecutive reads of the same key (its ARN, or its Region
  and id), and its ``via`` are the operations of the successful calls that named the key in
  between. Nothing is inferred: a state the run never read back is not a transition. The
  documented transitions (:data:`DOCUMENTED_TRANSITIONS`) are listed exercised or not.

Every number is a count of cassette lines, so a reader can recount it; the unit tests do, on
a hand-made cassette, with code that shares nothing with this module.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "DOCUMENTED_TRANSITIONS",
    "TRANSITION_SOURCES",
    "Coverage",
    "OperationCoverage",
    "ServiceCoverage",
    "Transition",
    "compute_coverage",
    "read_cassette",
]

_KMS_STATES = "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html"
_PC_STATES = "https://docs.aws.amazon.com/payment-cryptography/latest/userguide/keys-deleterestore.html"

DOCUMENTED_TRANSITIONS: Mapping[str, tuple[tuple[str, str, str], ...]] = {
    # (from, to, what causes it); AWS's spelling of the states.
    "kms": (
        ("Enabled", "Disabled", "DisableKey"),
        ("Disabled", "Enabled", "EnableKey"),
        ("Enabled", "PendingDeletion", "ScheduleKeyDeletion"),
        ("Disabled", "PendingDeletion", "ScheduleKeyDeletion"),
        ("PendingImport", "PendingDeletion", "ScheduleKeyDeletion"),
        ("Enabled", "PendingReplicaDeletion", "ScheduleKeyDeletion of a primary with replicas"),
        ("Disabled", "PendingReplicaDeletion", "ScheduleKeyDeletion of a primary with replicas"),
        ("PendingReplicaDeletion", "PendingDeletion", "its last replica is deleted"),
        ("PendingDeletion", "Disabled", "CancelKeyDeletion"),
        ("PendingReplicaDeletion", "Disabled", "CancelKeyDeletion"),
        ("Creating", "Enabled", "a replica finishes creating (ReplicateKey)"),
        ("Enabled", "Updating", "UpdatePrimaryRegion"),
        ("Updating", "Enabled", "UpdatePrimaryRegion completes"),
    ),
    "payment-cryptography": (
        ("CREATE_IN_PROGRESS", "CREATE_COMPLETE", "CreateKey completes"),
        ("CREATE_COMPLETE", "DELETE_PENDING", "DeleteKey"),
        ("DELETE_PENDING", "CREATE_COMPLETE", "RestoreKey"),
        ("DELETE_PENDING", "DELETE_COMPLETE", "the deletion window ends"),
    ),
}
"""Key-state transitions the AWS documentation describes, for the operations the specs cover
(sources: the KMS key states page and the Payment Cryptography delete/restore page)."""

TRANSITION_SOURCES: Mapping[str, str] = {"kms": _KMS_STATES, "payment-cryptography": _PC_STATES}

_READ_ONLY = ("Describe", "Get", "List")
"""AWS's naming convention for operations that change nothing; they are never a ``via``."""
_KEY_NAMES = ("KeyId", "KeyIdentifier", "ResourceArn", "PrimaryKeyArn")
_ID_NAMES = ("Arn", "KeyArn", "KeyId")


def read_cassette(path: Path) -> Iterator[dict[str, Any]]:
    """The exchanges of a cassette.jsonl file, in order (blank lines skipped)."""
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                item = json.loads(line)
                if isinstance(item, dict):
                    yield item


def _error_code(exchange: Mapping[str, Any]) -> str | None:
    """The normalised error code of an answer that is not a success, as botocore reads it."""
    status = exchange.get("status")
    if not isinstance(status, int) or status == 0 or 200 <= status < 300:
        return None
    raw: Any = None
    body = exchange.get("response")
    if isinstance(body, Mapping):
        raw = body.get("__type") or body.get("code")
    if not isinstance(raw, str) or not raw:
        headers = {str(k).lower(): v for k, v in (exchange.get("headers") or {}).items()}
        raw = headers.get("x-amzn-errortype")
    if not isinstance(raw, str) or not raw:
        return None
    return raw.rsplit("#", 1)[-1].split(":", 1)[0] or None


# -- the documented surface ---------------------------------------------------------------


def _members(schema: Mapping[str, Any], pointer: str = "") -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(pointer, schema) of every member under ``schema``; array items add ``/*``."""
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, sub in properties.items():
            if isinstance(sub, Mapping):
                here = f"{pointer}/{name}"
                yield here, sub
                yield from _members(sub, here)
    items = schema.get("items")
    if isinstance(items, Mapping):
        yield from _members(items, f"{pointer}/*")


def _enums(schema: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for pointer, sub in _members(schema):
        for where, node in ((pointer, sub), (f"{pointer}/*", sub.get("items"))):
            if isinstance(node, Mapping) and isinstance(node.get("enum"), list):
                found[where] = tuple(str(v) for v in node["enum"])
    return found


@dataclass(frozen=True, slots=True)
class _Documented:
    parameters: tuple[str, ...]
    enums: Mapping[str, tuple[str, ...]]
    errors: tuple[str, ...]


def _documented(service_dir: Path) -> tuple[Mapping[str, Any], dict[str, _Documented]]:
    service = json.loads((service_dir / "service.json").read_text(encoding="utf-8"))
    ops: dict[str, _Documented] = {}
    for name, op in (service.get("operations") or {}).items():
        schema: Mapping[str, Any] = {}
        if op.get("request"):
            schema = json.loads((service_dir / op["request"]).read_text(encoding="utf-8"))
        ops[name] = _Documented(
            parameters=tuple(p for p, _ in _members(schema)),
            enums=_enums(schema),
            errors=tuple(dict.fromkeys(str(e) for e in op.get("errors") or [])),
        )
    return service, ops


# -- walking a request --------------------------------------------------------------------


def _values_at(value: Any, parts: list[str]) -> Iterator[Any]:
    """Every value at a ``*`` pointer (split into parts) inside ``value``."""
    if not parts:
        yield value
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        if isinstance(value, list):
            for item in value:
                yield from _values_at(item, rest)
    elif isinstance(value, Mapping) and head in value:
        yield from _values_at(value[head], rest)


def _present(request: Mapping[str, Any], pointer: str) -> bool:
    return any(True for _ in _values_at(request, pointer.split("/")[1:]))


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OperationCoverage:
    """One operation: how many requests carried each member, each enum value, how many answers
    had each documented error code. A zero is something the run never exercised."""

    service: str
    operation: str
    calls: int
    parameters: Mapping[str, int]
    enums: Mapping[str, Mapping[str, int]]
    errors: Mapping[str, int]
    undocumented_errors: Mapping[str, int]

    def totals(self) -> dict[str, tuple[int, int]]:
        """(exercised, documented) of ``parameters``, ``enum_values`` and ``error_codes``."""
        values = [n for counts in self.enums.values() for n in counts.values()]
        return {
            "parameters": (sum(1 for n in self.parameters.values() if n), len(self.parameters)),
            "enum_values": (sum(1 for n in values if n), len(values)),
            "error_codes": (sum(1 for n in self.errors.values() if n), len(self.errors)),
        }


@dataclass(frozen=True, slots=True)
class Transition:
    """A change of KeyState seen between two consecutive reads of one key."""

    from_state: str
    to_state: str
    count: int
    via: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ServiceCoverage:
    """One service of the profile: its operations, common errors and key-state transitions."""

    service: str
    calls: int
    operations: Mapping[str, OperationCoverage]
    common_errors: Mapping[str, int]
    undocumented_operations: Mapping[str, int]
    """Operations the cassette holds that the spec does not document (e.g. ListKeys used to
    find keys, or an unknown X-Amz-Target sent on purpose), with their call counts."""
    transitions: tuple[Transition, ...]
    """Every transition observed, documented or not."""
    documented_transitions: tuple[tuple[str, str, str, int], ...]
    """(from, to, cause, times observed) for each documented transition."""

    def totals(self) -> dict[str, tuple[int, int]]:
        """(exercised, documented) of the operations' measures added up, and of
        ``operations``, ``common_error_codes`` and documented ``transitions``."""
        out = {"parameters": (0, 0), "enum_values": (0, 0), "error_codes": (0, 0)}
        for op in self.operations.values():
            for name, (hit, total) in op.totals().items():
                out[name] = (out[name][0] + hit, out[name][1] + total)
        out["operations"] = (sum(1 for o in self.operations.values() if o.calls), len(self.operations))
        common = self.common_errors
        out["common_error_codes"] = (sum(1 for n in common.values() if n), len(common))
        docs = self.documented_transitions
        out["transitions"] = (sum(1 for t in docs if t[3]), len(docs))
        return out


@dataclass(frozen=True, slots=True)
class Coverage:
    """The coverage of one spec profile by one cassette, per service."""

    profile: str
    services: Mapping[str, ServiceCoverage] = field(default_factory=dict)

    def totals(self) -> dict[str, tuple[int, int]]:
        """(exercised, documented) of every measure, over all services."""
        out: dict[str, tuple[int, int]] = {}
        for service in self.services.values():
            for name, (hit, total) in service.totals().items():
                was = out.get(name, (0, 0))
                out[name] = (was[0] + hit, was[1] + total)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data (for a coverage.json or a test)."""
        return {
            "profile": self.profile,
            "totals": {k: {"exercised": h, "documented": t} for k, (h, t) in self.totals().items()},
            "services": {
                name: {
                    "calls": s.calls,
                    "totals": {k: {"exercised": h, "documented": t} for k, (h, t) in s.totals().items()},
                    "operations": {
                        op.operation: {
                            "calls": op.calls,
                            "parameters": dict(op.parameters),
                            "enums": {p: dict(v) for p, v in op.enums.items()},
                            "errors": dict(op.errors),
                            "undocumented_errors": dict(op.undocumented_errors),
                        }
                        for op in s.operations.values()
                    },
                    "common_errors": dict(s.common_errors),
                    "undocumented_operations": dict(s.undocumented_operations),
                    "transitions": [
                        {"from": t.from_state, "to": t.to_state, "count": t.count, "via": list(t.via)}
                        for t in s.transitions
                    ],
                    "documented_transitions": [
                        {"from": a, "to": b, "cause": c, "observed": n}
                        for a, b, c, n in s.documented_transitions
                    ],
                }
                for name, s in self.services.items()
            },
        }


# -- key states ---------------------------------------------------------------------------


def _key_identity(node: Mapping[str, Any], region: str) -> tuple[str, str] | None:
    """(Region, id) of the key an answer object describes: from its ARN when it has one."""
    for name in _ID_NAMES:
        value = node.get(name)
        if isinstance(value, str) and value.startswith("arn:"):
            parts = value.split(":", 5)
            if len(parts) == 6:
                return parts[3], parts[5].rsplit("/", 1)[-1]
    value = node.get("KeyId")
    return (region, value) if isinstance(value, str) and value else None


def _reads(body: Any, region: str) -> Iterator[tuple[tuple[str, str], str]]:
    """((Region, key id), KeyState) of every key an answer body describes, in document order."""
    if isinstance(body, Mapping):
        state = body.get("KeyState")
        identity = _key_identity(body, region) if isinstance(state, str) else None
        if identity is not None and isinstance(state, str):
            yield identity, state
        for value in body.values():
            yield from _reads(value, region)
    elif isinstance(body, list):
        for item in body:
            yield from _reads(item, region)


def _named_key(request: Mapping[str, Any], region: str) -> tuple[str, str] | None:
    for name in _KEY_NAMES:
        value = request.get(name)
        if isinstance(value, str) and value:
            if value.startswith("arn:"):
                return _key_identity({"Arn": value}, region)
            return region, value
    return None


def _transitions(
    exchanges: Iterable[Mapping[str, Any]], aliases: Mapping[str, str]
) -> tuple[Transition, ...]:
    last: dict[tuple[str, str], str] = {}
    between: dict[tuple[str, str], set[str]] = {}
    seen: dict[tuple[str, str], tuple[int, set[str]]] = {}
    for ex in exchanges:
        status = ex.get("status")
        if not isinstance(status, int) or not 200 <= status < 300:
            continue
        region = str(ex.get("region", ""))
        reads = list(_reads(ex.get("response"), region))
        request = ex.get("request")
        named = _named_key(request, region) if isinstance(request, Mapping) else None
        operation = str(ex.get("operation", ""))
        if named is not None and not operation.startswith(_READ_ONLY):
            # Named before its own answer is read: ScheduleKeyDeletion answers the state it made.
            between.setdefault(named, set()).add(operation)
        for identity, raw_state in reads:
            state = aliases.get(raw_state, raw_state)
            before = last.get(identity)
            via = between.pop(identity, set())
            if before is not None and before != state:
                count, vias = seen.get((before, state), (0, set()))
                seen[(before, state)] = (count + 1, vias | via)
            last[identity] = state
    return tuple(Transition(a, b, count, tuple(sorted(via))) for (a, b), (count, via) in sorted(seen.items()))


# -- the computation ----------------------------------------------------------------------


def _service_coverage(
    name: str, service: Mapping[str, Any], documented: Mapping[str, _Documented], exchanges: list[Any]
) -> ServiceCoverage:
    common = tuple(dict.fromkeys(str(c) for c in (service.get("commonErrors") or {}).get("codes") or []))
    params = {op: dict.fromkeys(d.parameters, 0) for op, d in documented.items()}
    enums = {op: {p: dict.fromkeys(v, 0) for p, v in d.enums.items()} for op, d in documented.items()}
    errors = {op: dict.fromkeys(d.errors, 0) for op, d in documented.items()}
    unlisted: dict[str, dict[str, int]] = {op: {} for op in documented}
    calls = dict.fromkeys(documented, 0)
    common_seen = dict.fromkeys(common, 0)
    unknown: dict[str, int] = {}
    for ex in exchanges:
        op = str(ex.get("operation", ""))
        if op not in documented:
            unknown[op] = unknown.get(op, 0) + 1
            continue
        calls[op] += 1
        request = ex.get("request")
        if isinstance(request, Mapping):
            for pointer in params[op]:
                if _present(request, pointer):
                    params[op][pointer] += 1
            for pointer, values in enums[op].items():
                sent = {v for v in _values_at(request, pointer.split("/")[1:]) if isinstance(v, str)}
                for value in sent & values.keys():
                    values[value] += 1
        code = _error_code(ex)
        if code is None:
            continue
        if code in errors[op]:
            errors[op][code] += 1
        elif code in common_seen:
            common_seen[code] += 1
        else:
            unlisted[op][code] = unlisted[op].get(code, 0) + 1
    operations = {
        op: OperationCoverage(
            name, op, calls[op], params[op], enums[op], errors[op], dict(sorted(unlisted[op].items()))
        )
        for op in documented
    }
    aliases = (service.get("valueAliases") or {}).get("KeyState") or {}
    observed = _transitions(exchanges, aliases)
    counts = {(t.from_state, t.to_state): t.count for t in observed}
    docs = tuple((a, b, cause, counts.get((a, b), 0)) for a, b, cause in DOCUMENTED_TRANSITIONS.get(name, ()))
    return ServiceCoverage(
        service=name,
        calls=len(exchanges),
        operations=operations,
        common_errors=common_seen,
        undocumented_operations=dict(sorted(unknown.items())),
        transitions=observed,
        documented_transitions=docs,
    )


def compute_coverage(
    cassette: Iterable[Mapping[str, Any]], specs_dir: Path, *, services: Iterable[str] | None = None
) -> Coverage:
    """Coverage of the spec profile in ``specs_dir`` (``specs/<profile>``: one folder per
    service with its service.json) by the exchanges of ``cassette``, in their order.

    ``services`` limits it to some services; by default every service the profile documents.
    A cassette exchange of a service the profile does not document is ignored."""
    dirs = sorted(p.parent for p in specs_dir.glob("*/service.json"))
    wanted = set(services) if services is not None else None
    loaded: dict[str, tuple[Mapping[str, Any], dict[str, _Documented]]] = {}
    profile = specs_dir.name
    for d in dirs:
        service, documented = _documented(d)
        name = str(service.get("service") or d.name)
        profile = str(service.get("profile") or profile)
        if wanted is None or name in wanted:
            loaded[name] = (service, documented)
    per: dict[str, list[Mapping[str, Any]]] = {name: [] for name in loaded}
    for ex in cassette:
        bucket = per.get(str(ex.get("service", "")))
        if bucket is not None:
            bucket.append(ex)
    return Coverage(
        profile=profile,
        services={
            name: _service_coverage(name, service, documented, per[name])
            for name, (service, documented) in sorted(loaded.items())
        },
    )
