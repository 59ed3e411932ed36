"""Every rule of the oracle is exercised by a rule test of its own (issue 4, point 6).

A rule without one would still judge answers (its findings would reach findings.json), but
no test would pass or fail on it and findings.json's summary would not list it.
"""

from __future__ import annotations

from harness.oracle.rules import RULES
from harness.scenarios import SCENARIOS


def test_every_rule_has_a_rule_test() -> None:
    tested = {test.rule for test in SCENARIOS}
    assert [rule.id for rule in RULES if rule.id not in tested] == []


def test_every_rule_test_names_a_rule_and_one_of_its_operations() -> None:
    rules = {rule.id: rule for rule in RULES}
    for test in SCENARIOS:
        assert test.rule in rules, test.name
        assert test.operation == "any" or test.operation in rules[test.rule].operations, test.name
