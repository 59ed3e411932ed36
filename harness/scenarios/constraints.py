"""Scenarios for the member-constraint rules: a valid request with one constraint broken.

Each operation has a *base*: the smallest valid request, with the set-up it needs (a key
to name, a multi-Region primary to replicate). A mutation breaks one member constraint of
it (harness.strategies.mutations). The coverage phase tries every constrained member once,
in schema order; the random phase draws members and bad values.

Operations whose only member names a key (EnableKey, GetKey, ...) have no base here: a
bad key id is also an unknown key, so the docs do not say which answer wins; the runner
would discard every such call anyway.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from hypothesis import find, settings
from hypothesis import strategies as st

from harness.exchange import Call
from harness.oracle.constraints import CONSTRAINT_RULES
from harness.scenarios.base import SCENARIOS, Attempt, Driver, Scenario
from harness.strategies.mutations import RULE_KIND, Site, mutate, sites

Base = Callable[[Driver], dict[str, Any]]


BASES: dict[tuple[str, str], Base] = {}
"""(service, operation) -> the smallest valid request, registered by each service folder."""


def register(service: str, bases: Mapping[str, Base]) -> None:
    """Register ``service``'s bases and a rule test for each of its member-constraint rules."""
    for operation, base in bases.items():
        BASES[(service, operation)] = base
    for (svc, kind), rule in CONSTRAINT_RULES.items():
        if svc != service or kind not in RULE_KIND.values():
            continue  # member types are sent raw: see harness.scenarios.wire
        SCENARIOS.add(
            rule.id,
            "any",
            mutation_scenario(service, kind),
            coverage=mutation_coverage(service, kind),
            family="constraints",
        )


def sites_of(d: Driver, service: str, kind: str) -> list[Site]:
    found: list[Site] = []
    for (svc, operation), _ in BASES.items():
        if svc != service:
            continue
        schema = d.spec.operation(service, operation).request_schema
        found.extend(s for s in sites(operation, schema) if s.kind == kind)
    return found


_MINIMAL: dict[str, Any] = {}


def minimal_value(strategy: st.SearchStrategy[Any]) -> Any:
    """The simplest value of ``strategy`` (Hypothesis's own minimum), for the coverage phase.

    Kept per strategy (by its repr, which names its arguments) for the length of the process:
    each ``find`` runs Hypothesis's engine (20-100 ms), and the coverage phases ask for the same
    few strategies (``integers(0, 16)``, an enum's values) hundreds of times (issue 16).
    """
    key = repr(strategy)
    if key not in _MINIMAL:
        _MINIMAL[key] = find(strategy, lambda _: True, settings=settings(database=None, max_examples=10))
    return copy.deepcopy(_MINIMAL[key])


def _attempt(d: Driver, service: str, site: Site, draw: Callable[[st.SearchStrategy[Any]], Any]) -> Attempt:
    params = BASES[(service, site.operation)](d)
    schema = d.spec.operation(service, site.operation).request_schema
    return Attempt(Call(service, site.operation, mutate(params, site, draw, schema)))


def mutation_scenario(service: str, kind: str) -> Scenario:
    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        options = sites_of(d, service, kind)
        site = data.draw(st.sampled_from(options), label="member")
        return _attempt(d, service, site, data.draw)

    return scenario


def mutation_coverage(service: str, kind: str) -> Callable[[Driver], Iterator[Attempt]]:
    def coverage(d: Driver) -> Iterator[Attempt]:
        for site in sites_of(d, service, kind):
            yield _attempt(d, service, site, minimal_value)

    coverage.__qualname__ = f"mutation_coverage[{service}:{kind}]"
    return coverage
