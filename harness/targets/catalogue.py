"""``python -m harness targets list|install``: the known targets, whether each is ready, and
provisioning for the kinds that need it (LocalStack's own Python environment).

``list`` shows the built-in kinds and the named targets of the targets file. Readiness is what
can be known without contacting anything but loopback: a kind says it of itself (moto is
installed, LocalStack's environment is provisioned); a named loopback endpoint is tried with one
TCP connection; a remote host is never contacted here (a run checks it, with its opt-in).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from harness.errors import UsageError
from harness.netguard import is_loopback_host
from harness.targets.base import TARGETS
from harness.targets.file import NamedTarget, TargetsFile


@dataclass(frozen=True, slots=True)
class Row:
    name: str
    kind: str
    ready: str
    """``yes``, ``no`` or ``-`` (not knowable without a run)."""
    note: str


def _loopback_answers(url: str) -> bool:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=1.0):
            return True
    except OSError:
        return False


def _named(target: NamedTarget) -> Row:
    kind = TARGETS[target.kind]
    urls = [u for u in (target.endpoint_url, *target.endpoints.values()) if u]
    about = ", ".join(f"{k}={v}" for k, v in target.metadata.items() if k in ("vendor", "product", "version"))
    if not urls:
        ok, note = kind.ready()
        return Row(target.name, target.kind, "yes" if ok else "no", "; ".join(filter(None, [note, about])))
    remote = [u for u in urls if not is_loopback_host(urlsplit(u).hostname)]
    if remote:
        allowed = "allow_remote" if target.allow_remote else "NOT allowed: add allow_remote = true"
        note = f"{', '.join(urls)} (remote, {allowed}; not contacted here)"
        return Row(target.name, target.kind, "-", "; ".join(filter(None, [note, about])))
    answering = all(_loopback_answers(u) for u in urls)
    note = f"{', '.join(urls)} ({'answers' if answering else 'does not answer'})"
    return Row(target.name, target.kind, "yes" if answering else "no", "; ".join(filter(None, [note, about])))


def rows(targets_file: TargetsFile) -> Iterator[Row]:
    for name, kind in TARGETS.items():
        ok, note = kind.ready()
        yield Row(name, name, "yes" if ok else "no", f"{kind.description}; {note}")
    for target in targets_file:
        yield _named(target)


def listing(targets_file: TargetsFile) -> list[str]:
    table = list(rows(targets_file))
    width = max(len(r.name) for r in table)
    kinds = max(len(r.kind) for r in table)
    lines = [f"{'TARGET':<{width}}  {'KIND':<{kinds}}  READY  NOTES"]
    lines += [f"{r.name:<{width}}  {r.kind:<{kinds}}  {r.ready:<5}  {r.note}" for r in table]
    if targets_file.path is not None:
        lines.append(f"(named targets from {targets_file.path})")
    else:
        lines.append("(no targets file: harness.toml in this directory, or --targets-file FILE)")
    return lines


def install(name: str) -> list[str]:
    """Provision what target kind ``name`` needs; its lines of output."""
    kind = TARGETS.get(name)
    if kind is None:
        raise UsageError(f"unknown target {name!r}; known: {', '.join(TARGETS)}")
    provision = getattr(kind, "install", None)
    if provision is None:
        raise UsageError(f"target {name!r} has nothing to install ({kind.description})")
    lines: list[str] = provision()
    return lines
