"""Scenarios for every rule, registered in :data:`SCENARIOS` on import."""

from __future__ import annotations

from hypothesis import strategies as st

from harness.oracle.answers import answer_rule_id
from harness.scenarios import kms, kms_states, pc, pc_states  # noqa: F401 - registers scenarios
from harness.scenarios.base import SCENARIOS, Attempt, Driver, RuleTest, Scenario, SetupFailed


def any_of(scenarios: tuple[Scenario, ...]) -> Scenario:
    """A scenario that draws one of ``scenarios`` per example."""

    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        chosen = data.draw(st.sampled_from(scenarios), label="scenario")
        return chosen(d, data)

    return scenario


def _register_answer_rules() -> None:
    # Answer rules are properties of every answer: each is exercised with a mix of
    # valid and invalid calls of its service, set-up answers included.
    for service, mix in (("kms", kms.ANSWER_MIX), ("payment-cryptography", pc.ANSWER_MIX)):
        for name in ("response.schema", "response.empty-body", "wire.content-type", "error.shape"):
            SCENARIOS.add(answer_rule_id(service, name), "any", any_of(mix), answers_from_setup=True)


_register_answer_rules()

__all__ = ["SCENARIOS", "Attempt", "Driver", "RuleTest", "Scenario", "SetupFailed"]
