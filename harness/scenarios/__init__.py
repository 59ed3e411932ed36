"""Scenarios for every rule, registered in :data:`SCENARIOS` on import."""

from __future__ import annotations

from hypothesis import strategies as st

from harness.oracle.answers import answer_rule_id
from harness.scenarios import (  # noqa: F401 - registers scenarios
    constraints,
    kms,
    kms_create,
    kms_states,
    pc,
    pc_states,
    wire,
)
from harness.scenarios.base import SCENARIOS, Attempt, Driver, RuleTest, Scenario, SetupFailed


def any_of(scenarios: tuple[Scenario, ...]) -> Scenario:
    """A scenario that draws one of ``scenarios`` per example."""

    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        chosen = data.draw(st.sampled_from(scenarios), label="scenario")
        return chosen(d, data)

    return scenario


#: Rules about answers, beyond the generic ones of every service.
KMS_ANSWER_RULES = (
    "kms.key-metadata.algorithms",
    "kms.key-metadata.enabled-state",
    "kms.key-metadata.multi-region-config",
    "kms.key-metadata.spec-alias",
    "kms.key-id.format",
    "kms.arn.format",
    "kms.create-key.answer",
    "kms.replicate-key.answer",
)


def _register_answer_rules() -> None:
    # Answer rules are properties of every answer: each is exercised by a survey of every
    # key shape first (a deterministic coverage phase), then a random mix of valid and
    # invalid calls of its service, set-up answers included.
    for service, mix, survey in (
        ("kms", kms.ANSWER_MIX, kms.key_survey),
        ("payment-cryptography", pc.ANSWER_MIX, pc.key_survey),
    ):
        names = [
            answer_rule_id(service, n)
            for n in ("response.schema", "response.empty-body", "wire.content-type", "error.shape")
        ]
        if service == "kms":
            names.extend(KMS_ANSWER_RULES)
        for rule in names:
            SCENARIOS.add(rule, "any", any_of(mix), answers_from_setup=True, coverage=survey)


_register_answer_rules()

__all__ = ["SCENARIOS", "Attempt", "Driver", "RuleTest", "Scenario", "SetupFailed"]
