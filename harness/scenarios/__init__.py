"""How rules are exercised: scenarios, rule tests and their registry.

Service-independent: the :class:`~harness.scenarios.base.RuleTest` registry, the scenarios of
the member-constraint (:mod:`.constraints`) and wire-level (:mod:`.wire`) rules every service
shares, and the answer-rule tests below. A service folder registers its own scenarios and
calls these registration functions for itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import strategies as st

from harness.oracle.answers import NAMES as ANSWER_RULE_NAMES
from harness.oracle.answers import answer_rule_id
from harness.scenarios.base import SCENARIOS, Attempt, Coverage, Driver, RuleTest, Scenario, SetupFailed


def any_of(scenarios: tuple[Scenario, ...]) -> Scenario:
    """A scenario that draws one of ``scenarios`` per example."""

    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        chosen = data.draw(st.sampled_from(scenarios), label="scenario")
        return chosen(d, data)

    return scenario


def register_answer_tests(
    service: str,
    mix: tuple[Scenario, ...],
    survey: Coverage,
    own_rules: Iterable[str] = (),
    refusals: tuple[Scenario, ...] = (),
) -> None:
    """A rule test for each answer rule of ``service``: the generic ones, then ``own_rules``.

    Answer rules are properties of every answer: each is exercised by a survey of every key
    shape first (a deterministic coverage phase), then a random mix of valid and invalid calls
    of its service, set-up answers included. The rule about undocumented error codes also
    draws ``refusals``: calls refused with codes no rule names (no prediction, or any 4xx),
    the answers it judges.
    """
    names = [answer_rule_id(service, n) for n in ANSWER_RULE_NAMES]
    undocumented = answer_rule_id(service, "error.undocumented-code")
    for rule in [*names, *own_rules]:
        drawn = (*mix, *refusals) if rule == undocumented else mix
        SCENARIOS.add(rule, "any", any_of(drawn), answers_from_setup=True, coverage=survey, family="answers")


__all__ = [
    "SCENARIOS",
    "Attempt",
    "Driver",
    "RuleTest",
    "Scenario",
    "SetupFailed",
    "any_of",
    "register_answer_tests",
]
