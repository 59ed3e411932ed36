"""How a rule is exercised: set-up steps, then one call whose answer the oracle predicts.

A scenario is a function of a :class:`Driver` (which sends set-up calls and knows the
target's regions and account) and a Hypothesis ``data`` object. It returns an
:class:`Attempt`: the call under test. Scenarios never predict: the runner asks the
reference model what the call *actually drawn* must get, and discards draws whose
prediction is ambiguous or does not involve the rule under test, which is what keeps
a shrunk call honest.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from harness.exchange import Call, Exchange
from harness.oracle.rules import RULES
from harness.spec.catalog import Spec
from harness.transport import RawRequest

T = TypeVar("T")

#: Transient states (a replica Creating, a key Updating) are polled, never waited out with a
#: fixed sleep: the wait doubles from FIRST_POLL_DELAY for at most POLL_CALLS reads (about 25 s).
POLL_CALLS = 8
FIRST_POLL_DELAY = 0.1


class SetupFailed(Exception):
    """A set-up step did not succeed, so this draw cannot exercise the rule."""

    @classmethod
    def of(cls, exchange: Exchange) -> SetupFailed:
        return cls(
            f"set-up {exchange.service}:{exchange.operation} got HTTP {exchange.status} "
            f"{exchange.error_code or ''}".strip()
        )


class Driver(Protocol):
    """What a scenario may use: the spec, the target's regions, and set-up calls."""

    @property
    def spec(self) -> Spec: ...

    @property
    def region(self) -> str: ...

    @property
    def replica_region(self) -> str: ...

    @property
    def account_id(self) -> str | None: ...

    def setup(self, call: Call) -> Exchange:
        """Send a set-up call; it is judged like every other call."""
        ...

    def require(self, call: Call) -> Mapping[str, Any]:
        """Send a set-up call that must succeed; raise :class:`SetupFailed` otherwise."""
        ...

    def reuse(self, name: str, make: Callable[[], T]) -> T:
        """A set-up made once per run and reused: the first example that asks for ``name`` runs
        ``make`` (whose set-up calls it sends), later ones get its value without a call, and its
        set-up exchanges join their steps, so a finding still carries every call it needs."""
        ...


@dataclass(frozen=True, slots=True)
class Attempt:
    call: Call
    control: Call | None = None
    raw: RawRequest | None = None
    """Send this hand-built request instead of ``call`` through boto3 (wire-level and auth
    cases); ``call`` then holds the same operation and JSON body, for the prediction."""
    """The same call with the rule-breaking part undone. When the target rejects a call
    for a reason other than the rule, the control is rejected too; the runner then
    discards the draw instead of blaming the rule (issue 4: a mutation must break that
    rule "and no other"). It is sent only after such a refusal (a wrong or unexpected error,
    Judge.needs_control): an unexpected success or a server error stands whatever it gets."""


Scenario = Callable[[Driver, st.DataObject], Attempt]

Coverage = Callable[[Driver], Iterator[Attempt]]
"""A deterministic list of attempts made before the random draws (a coverage phase, as in
Schemathesis): it makes sure every documented case is tried within the first calls. Set-up
calls happen inside the generator, right before the attempt they prepare."""


@dataclass(frozen=True, slots=True)
class RuleTest:
    """One pytest test: a rule, exercised through one operation by one scenario."""

    rule: str
    operation: str
    scenario: Scenario
    answers_from_setup: bool = False
    """For answer rules: divergences in set-up answers count too."""
    coverage: Coverage | None = None
    """Attempts made first, deterministically; see :data:`Coverage`."""
    family: int = 1
    """Where the test runs in the suite (see :data:`FAMILIES`); registration order within it."""
    budget: float = 1.0
    """The share of the run's ``--examples`` and ``--shrink-calls`` this test spends: a test whose
    coverage phase already tries every documented case draws and shrinks less."""

    def budgeted(self, max_examples: int, shrink_calls: int) -> tuple[int, int]:
        """The run's per-test draws and shrink calls, scaled by :attr:`budget` (at least one)."""
        if self.budget == 1.0:
            return max_examples, shrink_calls
        return max(1, math.ceil(max_examples * self.budget)), max(1, math.ceil(shrink_calls * self.budget))

    @property
    def name(self) -> str:
        return f"{self.rule}:{self.operation}"

    @property
    def service(self) -> str:
        return RULES[self.rule].service

    @property
    def coverage_key(self) -> str | None:
        """The coverage phase this test starts with, by name: a run makes each phase once, for
        the first test that has it (the answer rules share one survey of every key shape)."""
        if self.coverage is None:
            return None
        return f"{self.coverage.__module__}.{self.coverage.__qualname__}"


#: The suite runs rule tests family by family, each service in registration order within a
#: family: member constraints first (cheap, one call each), then each service's own rules, the
#: wire-level cases, members of the wrong JSON type, and the answer rules last (their coverage
#: surveys every key shape). The order is part of a run's determinism: tests share the target.
FAMILIES = {"constraints": 0, "service": 1, "wire": 2, "member-type": 3, "answers": 4, "key-use": 5}


class ScenarioRegistry:
    def __init__(self) -> None:
        self._tests: dict[str, RuleTest] = {}

    def add(
        self,
        rule: str,
        operation: str,
        scenario: Scenario,
        *,
        answers_from_setup: bool = False,
        coverage: Coverage | None = None,
        family: str = "service",
        budget: float = 1.0,
    ) -> RuleTest:
        if rule not in RULES:
            raise ValueError(f"scenario for unknown rule {rule!r}")
        test = RuleTest(rule, operation, scenario, answers_from_setup, coverage, FAMILIES[family], budget)
        if test.name in self._tests:
            raise ValueError(f"scenario {test.name} registered twice")
        self._tests[test.name] = test
        return test

    def __iter__(self) -> Iterator[RuleTest]:
        # sorted() is stable: registration order within a family.
        return iter(sorted(self._tests.values(), key=lambda test: test.family))

    def __len__(self) -> int:
        return len(self._tests)

    def get(self, name: str) -> RuleTest | None:
        return self._tests.get(name)

    def rules(self) -> list[str]:
        return list(dict.fromkeys(t.rule for t in self._tests.values()))


SCENARIOS = ScenarioRegistry()
