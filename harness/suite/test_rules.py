"""One test per rule and operation: ``test_rule[<rule>:<operation>]``, the prefix of its finding ids.

Each test draws many calls inside its rule and checks the exact documented answer;
see :mod:`harness.engine.rule_runs` for how findings are shrunk and recorded.
"""

from __future__ import annotations

import pytest

from harness.engine.tests import rule_tests
from harness.plugin import Conformance
from harness.scenarios.base import RuleTest

pytestmark = pytest.mark.conformance

TESTS = rule_tests()


@pytest.mark.parametrize("rule_test", TESTS, ids=[t.name for t in TESTS])
def test_rule(conformance: Conformance, rule_test: RuleTest) -> None:
    conformance.check(rule_test)
