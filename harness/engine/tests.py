"""What the conformance suite runs: every registered rule test and state machine, in suite order."""

from __future__ import annotations

from harness.engine.state_machines import machines
from harness.machines import StatefulTest
from harness.scenarios.base import SCENARIOS, RuleTest
from harness.services import load


def rule_tests() -> list[RuleTest]:
    """Every rule test of every registered service (harness.scenarios.base.FAMILIES order)."""
    load()
    return list(SCENARIOS)


def state_machines() -> list[StatefulTest]:
    """Every registered service's state machine."""
    return list(machines())
