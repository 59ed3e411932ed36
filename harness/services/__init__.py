"""The service registry: every API the harness knows, each in a folder of its own.

A service folder (``harness/services/kms/``, ``harness/services/payment_cryptography/``)
holds everything the harness knows about one API: its rules and predicates, its reference
model, its strategies and scenarios, its state machine and its fault catalogue. Importing
the folder registers all of that (rules in :data:`harness.oracle.rules.RULES`, rule tests in
:data:`harness.scenarios.base.SCENARIOS`, checks in :data:`harness.checks.CHECKS`) and
the :class:`Service` itself here. The engine asks this registry, never a service by name.

Adding a service: write its folder, call :func:`register` in its ``__init__``, and name the
folder in :data:`BUILTIN` (ARCHITECTURE.md, "Adding a service").
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from harness.errors import UsageError

if TYPE_CHECKING:
    from harness.machines import StatefulTest
    from harness.model.handlers import ServiceModel
    from harness.services.lifecycle import KeyLifecycle

#: The service folders shipped with the harness, in the order their rule tests run.
BUILTIN = ("harness.services.kms", "harness.services.payment_cryptography")


@dataclass(frozen=True, slots=True)
class Service:
    """One API as the engine sees it."""

    name: str
    """The botocore model name, also the ``service`` of calls, cassettes and findings."""
    rule_prefix: str
    """What its rule ids start with (``kms``, ``pc``)."""
    label: str
    """How people call it, for titles."""
    api_version: str
    doc_base: str
    """API Reference base URL; an operation's page is ``{doc_base}API_{Operation}.html``."""
    operations: tuple[str, ...]
    """The operations the harness covers (the specs describe exactly these)."""
    model: Callable[[bool], ServiceModel]
    """Makes the reference model; its argument says whether the model sees the whole history."""
    by_nature: frozenset[str] = frozenset()
    """Answer members whose values differ between two correct implementations (random material,
    page tokens): a differential run compares them by presence and type only."""
    machines: tuple[StatefulTest, ...] = ()
    """The service's state machines, each run as ``test_stateful[<name>]``, in this order."""
    lifecycle: KeyLifecycle | None = None
    """How a run against a real account accounts for its keys: which calls create them, how they
    are tagged, how their deletion is scheduled (harness.services.lifecycle)."""
    one_part: bool = False
    """A split run (``-n N``, ``--shard I/N``) runs all of this service's tests in one part: they
    read state the service's other tests leave on the target (how many keys a listing pages
    over), so spread over parts they would find other divergences than a single run does."""

    def runs(self, test: str) -> bool:
        """Whether a test, by its name in cassettes and findings (``<rule>:<Operation>`` or
        ``stateful <machine>``), is one of this service's."""
        if test.startswith("stateful "):
            return test.removeprefix("stateful ") in {m.name for m in self.machines}
        return test.startswith(f"{self.rule_prefix}.")

    @classmethod
    def described(cls, about: ModuleType, **parts: Any) -> Service:
        """The service an ``about`` module names (``NAME``, ``FACTS``, ``API_VERSION``,
        ``DOC_BASE``, ``OPERATIONS``), with the rest of its parts."""
        return cls(
            name=about.NAME,
            rule_prefix=about.FACTS.rule_prefix,
            label=about.FACTS.label,
            api_version=about.API_VERSION,
            doc_base=about.DOC_BASE,
            operations=about.OPERATIONS,
            **parts,
        )

    def doc_url(self, operation: str) -> str:
        return f"{self.doc_base}API_{operation}.html"


class ServiceRegistry:
    """Services by name, in registration order. Registering a name twice is a programming error."""

    def __init__(self) -> None:
        self._services: dict[str, Service] = {}

    def add(self, service: Service) -> Service:
        if service.name in self._services:
            raise ValueError(f"service {service.name!r} is registered twice")
        self._services[service.name] = service
        return service

    def __getitem__(self, name: str) -> Service:
        load()
        try:
            return self._services[name]
        except KeyError:
            raise UsageError(f"unknown service {name!r}; known: {', '.join(self._services)}") from None

    def __iter__(self) -> Iterator[Service]:
        load()
        return iter(list(self._services.values()))

    def __contains__(self, name: object) -> bool:
        load()
        return name in self._services

    def names(self) -> list[str]:
        return [s.name for s in self]


SERVICES = ServiceRegistry()
_loaded = False


def register(service: Service) -> Service:
    """Called once by each service folder's ``__init__``."""
    return SERVICES.add(service)


def load() -> None:
    """Import every built-in service folder once (which registers its rules, tests and checks)."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in BUILTIN:
        importlib.import_module(module)


__all__ = ["BUILTIN", "SERVICES", "Service", "ServiceRegistry", "load", "register"]
