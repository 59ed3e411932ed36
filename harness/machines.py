"""What a service's state machine is made of; the engine runs them (harness.engine.state_machines).

A service folder defines a Hypothesis :class:`~hypothesis.stateful.RuleBasedStateMachine`
class whose rules only *draw* (a key handle, a Region role, parameters) and send through a
:class:`Sequence`; the engine gives each example its own sequence, which judges and records
every call. The class is built once per test run (:attr:`StatefulTest.build`), from the
run's :class:`MachineContext`, and instantiated once per example with that example's sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from hypothesis.stateful import RuleBasedStateMachine

from harness.exchange import Call, Exchange
from harness.oracle.rules import Rule
from harness.spec.catalog import Spec

Where = Literal["home", "away"]

#: Steps per example. Hypothesis runs the full count while generating and shrinks it after.
STEPS = 10
#: Keys one example may create: the interesting sequences act on few keys, and creating one
#: is the dearest call (a key pair is generated).
MAX_KEYS = 3


class Sequence(Protocol):
    """The calls of one example: each is sent, judged and recorded by the engine."""

    def send(self, call: Call) -> Exchange: ...

    def end(self) -> None:
        """End the example with its first divergence of a state rule, for Hypothesis to shrink."""
        ...


@dataclass(frozen=True, slots=True)
class MachineContext:
    """What a machine needs of the run, frozen for the whole test (draws may use it)."""

    spec: Spec
    home: str
    away: str
    account_id: str | None

    def region(self, where: Where) -> str:
        return self.home if where == "home" else self.away


MachineClass = Callable[[Sequence], RuleBasedStateMachine]


@dataclass(frozen=True, slots=True)
class StatefulTest:
    """One pytest test: a machine over one service, ``test_stateful[<name>]``."""

    name: str
    service: str
    rules: tuple[Rule, ...]
    """The machine's own rules: the state rules of its service."""
    build: Callable[[MachineContext], MachineClass]
    """Builds the machine class for a run (its strategies read the context)."""
    budget: float = 1.0
    """The share of the run's sequences and shrink calls this machine spends."""

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.rules)


def step_switch(operation: str, drawn: Collection[str], known: Collection[str]) -> Callable[[Any], bool]:
    """A precondition that turns the step for ``operation`` on when ``drawn`` has it.

    Checked when the machine is defined: a step named after an operation the service does not
    cover is a programming error, not a step silently switched off.
    """
    if operation not in known:
        raise ValueError(f"state machine step for unknown operation {operation!r}")
    return lambda machine: operation in drawn


def check_steps(drawn: Collection[str], known: Collection[str]) -> None:
    """Every operation a machine is asked to draw is one the service covers."""
    unknown = sorted(set(drawn) - set(known))
    if unknown:
        raise ValueError(f"state machine asked to draw unknown operations {unknown}")
