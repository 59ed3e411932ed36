"""Run a service's state machine: random sequences of key operations, every step judged.

A service folder defines the machine (harness.machines; e.g. harness.services.kms.machine).
Here each example gets a :class:`_Sequence` that sends every call through the run, so it is
judged like every call (the reference model predicts the answer, the checks compare, the model
follows) and recorded in the cassette. A step never stops the sequence: a divergence is
recorded with the calls before it as its steps and the machine goes on, so one early divergence
(moto has many) does not hide the ones behind it. The example then fails with the first
divergence of a state rule, which Hypothesis shrinks to a minimal sequence, within a budget of
calls like the rule tests'.
"""

from __future__ import annotations

import contextlib
import math
import unittest
from dataclasses import dataclass, field
from typing import Any, Literal

from hypothesis import seed
from hypothesis.control import cleanup
from hypothesis.database import ExampleDatabase
from hypothesis.errors import Unsatisfiable
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from harness.engine import signals
from harness.engine.execution import Recorder, Sender
from harness.engine.settings import conformance_settings, deterministic_generation
from harness.exchange import Call, Exchange
from harness.findings import Finding
from harness.machines import STEPS, MachineContext, StatefulTest
from harness.services import SERVICES

Status = Literal["passed", "failed", "unchecked", "not-applicable"]

#: A machine example costs ~30 calls where a rule-test example costs ~3: a machine runs
#: --examples / EXAMPLES_DIVISOR sequences, and may spend --shrink-calls * SHRINK_FACTOR calls
#: shrinking, so it costs about what a handful of rule tests cost.
EXAMPLES_DIVISOR = 2.5
SHRINK_FACTOR = 4


def machines() -> tuple[StatefulTest, ...]:
    """Every registered service's state machines, in registration order."""
    return tuple(m for s in SERVICES for m in s.machines)


@dataclass
class StatefulRun:
    test: StatefulTest
    status: Status
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
    examples: int = 0
    calls: int = 0
    replayed_calls: int = 0
    """Calls spent replaying the example database's stored sequences, apart from ``calls``."""


class _Sequence:
    """The calls of one example (harness.machines.Sequence): sends, judges and records each."""

    def __init__(self, test: StatefulTest, recorder: Recorder):
        self.test = test
        self.recorder = recorder
        self.exchanges: list[Exchange] = []
        self.own: list[Finding] = []

    @property
    def calls(self) -> int:
        return self.recorder.calls

    def send(self, call: Call) -> Exchange:
        judged = self.recorder.send(call)
        own = self.recorder.record(judged, self.exchanges, own=lambda d: d.rule in self.test.rule_ids)
        self.own.extend(own)
        self.exchanges.append(judged.exchange)
        return judged.exchange

    def end(self) -> None:
        if self.own:
            raise signals.signal_for(self.own[0])


def derive_seed(run_seed: int, name: str) -> int:
    """The seed of machine ``name``; a namespace of its own beside the rule tests' seeds."""
    return signals.derive_seed(run_seed, f"stateful:{name}")


@deterministic_generation()
def run_stateful(
    sender: Sender,
    test: StatefulTest,
    *,
    run_seed: int,
    max_examples: int,
    shrink_calls: int,
    steps: int = STEPS,
    database: ExampleDatabase | None = None,
) -> StatefulRun:
    """Run ``test``'s machine; never raises for the target's sake.

    ``max_examples`` and ``shrink_calls`` are the run's per-rule-test settings: the machine
    draws ``max_examples / EXAMPLES_DIVISOR`` sequences, and after the first divergence of a
    state rule, shrinking may spend ``shrink_calls * SHRINK_FACTOR`` more calls; then the
    smallest example of each finding is kept. Bounds in calls, not seconds, keep runs
    deterministic on slow targets.

    With an example ``database``, its stored failing sequences of this machine are replayed
    first, in a pass of their own; then the machine runs as without one (see run_rule).
    """
    context = MachineContext(sender.spec, sender.region, sender.replica_region, sender.account_id)
    machine_class = test.build(context)
    budget = math.ceil(shrink_calls * SHRINK_FACTOR * test.budget)
    sequences = max(1, math.ceil(max_examples / EXAMPLES_DIVISOR * test.budget))

    def machine(counters: dict[str, int], first_divergence_at: list[int], replay_only: bool) -> None:
        def factory() -> RuleBasedStateMachine:
            if first_divergence_at and counters["calls"] - first_divergence_at[0] > budget:
                signals.stop_unless_final()
            sequence = _Sequence(test, Recorder(sender))
            _track(sequence, counters, first_divergence_at)
            return machine_class(sequence)

        # The example database keys a machine by Hypothesis's digest of this factory and of
        # this tag, so each machine keeps its own examples.
        factory._hypothesis_internal_add_digest = f"stateful:{test.name}".encode()  # type: ignore[attr-defined]
        seeded: Any = seed(derive_seed(run_seed, test.name))(factory)
        configured = conformance_settings(
            max_examples=sequences, database=database, replay_only=replay_only, stateful_step_count=steps
        )
        signals.collect(sender.findings, lambda: run_state_machine_as_test(seeded, settings=configured))

    replayed = {"examples": 0, "calls": 0}
    if database is not None:
        # Nothing stored (Hypothesis then skips: "told to run no test cases"), or all of it stale.
        with contextlib.suppress(Unsatisfiable, unittest.SkipTest):
            machine(replayed, [], replay_only=True)
    counters = {"examples": 0, "calls": 0}
    machine(counters, [], replay_only=False)
    own = [f for f in sender.findings if f.rule in test.rule_ids]
    status: Status = "failed" if own else ("unchecked" if counters["examples"] == 0 else "passed")
    return StatefulRun(
        test,
        status,
        own,
        "" if status != "unchecked" else "no sequence reached the target",
        counters["examples"],
        counters["calls"],
        replayed["calls"],
    )


def _track(sequence: _Sequence, counters: dict[str, int], first: list[int]) -> None:
    """Count the example's calls when Hypothesis ends it, whatever way it ends."""

    def done() -> None:
        counters["examples"] += 1
        counters["calls"] += sequence.calls
        if sequence.own and not first:
            first.append(counters["calls"])

    cleanup(done)
