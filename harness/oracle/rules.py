"""Documented rules as data: what each one says, where it is documented, what it predicts.

A :class:`Rule` names one documented behaviour with a stable id (the ids are what
baselines and findings refer to, so they never change meaning). A rule that a
request can break carries the :class:`Expectation` of the answer; a rule about
answers (schema, wire format) is checked on every answer it applies to.

Where the sources disagree or say nothing, the rule says so in ``note`` and its
expectation is the weakest one the sources support (``any-4xx``), never a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

Outcome = Literal["success", "error", "any-4xx"]


@dataclass(frozen=True, slots=True)
class Expectation:
    """The answer the documentation requires (findings.schema.json ``expected``)."""

    outcome: Outcome
    errors: tuple[str, ...] = ()
    """Acceptable ``__type`` codes when ``outcome`` is ``error``."""
    detail: str = ""

    def __post_init__(self) -> None:
        if self.outcome == "error" and not self.errors:
            raise ValueError("an 'error' expectation names its codes")

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"outcome": self.outcome}
        if self.errors:
            out["errors"] = list(self.errors)
        if self.detail:
            out["detail"] = self.detail
        return out

    @property
    def label(self) -> str:
        if self.outcome == "error":
            return " or ".join(self.errors)
        return self.outcome


SUCCESS = Expectation("success")


def error(*codes: str, detail: str = "") -> Expectation:
    return Expectation("error", tuple(codes), detail)


def any_4xx(detail: str) -> Expectation:
    return Expectation("any-4xx", (), detail)


RuleKind = Literal["request", "answer", "state"]


@dataclass(frozen=True, slots=True)
class Rule:
    """One documented rule with a stable id."""

    id: str
    service: str
    title: str
    """What the documentation says, in one sentence."""
    source: str
    """Where: rulebook rule number plus the primary source (URL, botocore shape, seed)."""
    kind: RuleKind = "request"
    """``request``: a call can break it and must get :attr:`expectation`; ``answer``: a
    property every answer must have; ``state``: an invariant of the stateful model."""
    expectation: Expectation = SUCCESS
    operations: tuple[str, ...] = ()
    note: str = ""
    """Where the docs are silent or disagree, what the rule does about it."""
    tags: tuple[str, ...] = field(default=())


class RuleRegistry:
    """All rules, by id. Registering an id twice is a programming error."""

    def __init__(self) -> None:
        self._rules: dict[str, Rule] = {}

    def add(self, rule: Rule) -> Rule:
        if rule.id in self._rules:
            raise ValueError(f"rule {rule.id!r} is registered twice")
        self._rules[rule.id] = rule
        return rule

    def __getitem__(self, rule_id: str) -> Rule:
        return self._rules[rule_id]

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules.values())

    def __len__(self) -> int:
        return len(self._rules)

    def ids(self) -> list[str]:
        return list(self._rules)


RULES = RuleRegistry()
