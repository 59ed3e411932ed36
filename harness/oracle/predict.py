"""From the rules a request breaks to the one answer the documentation requires."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from harness.oracle.rules import RULES, SUCCESS, Evidence, Expectation, strongest, weakest

#: Marks a member that must be absent from the answer.
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT"})()


def value_at(body: Any, pointer: str) -> Any:
    """The value at JSON pointer ``pointer`` of ``body``, or :data:`ABSENT`."""
    node = body
    for part in (p for p in pointer.split("/") if p):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return ABSENT
    return node


@dataclass(frozen=True, slots=True)
class Fact:
    """Something a successful answer must say, with the rule that says so.

    Exactly one of ``expected`` (a value, or :data:`ABSENT`) and ``pattern`` (a regular
    expression the string at ``pointer`` must match) is used.
    """

    rule: str
    pointer: str
    """JSON pointer into the answer body, e.g. ``/KeyMetadata/KeyUsage``."""
    name: str
    """A stable label of what is checked (e.g. ``default``, ``echo``, ``format``): part of
    the finding's signature, so it never contains drawn data."""
    expected: Any = None
    pattern: str | None = None
    unordered: bool = False
    """Compare lists as multisets: the docs list values, not their order."""
    optional: bool = False
    """Compare the value only when the member is present: the model marks it optional and no
    document or recording says it is always there (absence is never a finding then)."""
    unless: str | None = None
    """A JSON pointer: the fact does not apply when the answer has a truthy value there (a
    page that says more follows, ``/Truncated`` or ``/NextToken``, holds only part of a list)."""

    def value_in(self, body: Any) -> Any:
        return value_at(body, self.pointer)

    def applies_to(self, body: Any) -> bool:
        """False when :attr:`unless` says the answer holds only part of what the fact is about."""
        return self.unless is None or value_at(body, self.unless) in (ABSENT, None, False, "")

    def holds(self, body: Any) -> bool:
        return self.holds_for(self.value_in(body))

    def holds_for(self, value: Any) -> bool:
        """Whether ``value``, the answer's at :attr:`pointer`, says what the fact requires."""
        if self.pattern is not None:
            return isinstance(value, str) and re.fullmatch(self.pattern, value) is not None
        if self.unordered and isinstance(value, list) and isinstance(self.expected, list):
            return sorted(map(repr, value)) == sorted(map(repr, self.expected))
        return bool(value == self.expected)


@dataclass(frozen=True, slots=True)
class Violation:
    """A request breaks rule ``rule`` at JSON pointer ``pointer``."""

    rule: str
    pointer: str = ""
    detail: str = ""
    also: tuple[str, ...] = ()
    """Error codes this case also accepts besides the rule's: codes the operation models for
    it where no source says which one it gets."""
    code_evidence: Evidence | None = None
    """How this case's error code is known, where less well than the rule's other cases."""
    transition: str = ""
    """For a key-state rule: the state the call met (``Disabled``); with the operation, the state
    transition the target got wrong, which the finding's id names (harness.checks.where)."""

    @property
    def expectation(self) -> Expectation:
        expected = RULES[self.rule].expectation
        if self.also and expected.outcome == "error":
            codes = tuple(dict.fromkeys((*expected.errors, *self.also)))
            return Expectation("error", codes, expected.detail)
        return expected

    @property
    def rejection_evidence(self) -> Evidence:
        """How it is known that the request is refused (or, for a success rule, served)."""
        return RULES[self.rule].evidence

    @property
    def code_evidence_grade(self) -> Evidence:
        """How it is known which error code the request gets."""
        return weakest((RULES[self.rule].code_grade, self.code_evidence or "recorded"))


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the target must answer, and which rules say so."""

    expectation: Expectation
    rules: tuple[str, ...]
    """The rules that decide the answer: the broken ones, or the operation's valid-call rule."""
    violations: tuple[Violation, ...] = ()
    ambiguous: bool = False
    """True when broken rules require different answers and no source says which wins:
    the prediction then accepts any of them, and generators discard such requests."""
    facts: tuple[Fact, ...] = ()
    """What a successful answer must say (checked only when the call succeeded)."""

    @property
    def rule(self) -> str:
        return self.rules[0]

    def evidence(self, kind: str) -> Evidence:
        """How the expectation a divergence of ``kind`` contradicts is known.

        A wrong error code contradicts the codes: the least-known code among the broken rules
        decides (any of them may be what the target checked first). Anything else contradicts
        the outcome: the best-known rule that requires it decides.
        """
        if not self.violations:
            return RULES[self.rule].evidence
        if kind == "wrong-error":
            return weakest(v.code_evidence_grade for v in self.violations)
        return strongest(v.rejection_evidence for v in self.violations)

    @property
    def broken(self) -> tuple[str, ...]:
        """The rules the request breaks (empty for a valid request)."""
        return tuple(dict.fromkeys(v.rule for v in self.violations))

    def with_facts(self, facts: Iterable[Fact]) -> Prediction:
        if self.expectation.outcome != "success":
            return self
        return replace(self, facts=(*self.facts, *facts))


def predict(valid_rule: str | None, violations: Iterable[Violation]) -> Prediction:
    """Combine the violations of one request into a prediction.

    No violation: the operation's valid-call rule applies and the call must succeed.
    Violations that all require the same answer: that answer. Otherwise the request
    is ambiguous: the docs never say which check a service runs first.
    """
    found = tuple(violations)
    if not found:
        if valid_rule is None:
            raise ValueError("a request with no violation needs the operation's valid-call rule")
        return Prediction(SUCCESS, (valid_rule,))
    rules = tuple(dict.fromkeys(v.rule for v in found))
    # Rules agree when they require the same answer; their explanations may differ.
    answers = {(v.expectation.outcome, v.expectation.errors) for v in found}
    expectations = [v.expectation for v in found]
    if len(answers) == 1:
        return Prediction(expectations[0], rules, found)
    codes = tuple(sorted({c for e in expectations for c in e.errors}))
    if any(e.outcome == "any-4xx" for e in expectations) or not codes:
        merged = Expectation("any-4xx", (), "several rules broken; the docs do not order them")
    else:
        merged = Expectation("error", codes, "several rules broken; the docs do not order them")
    return Prediction(merged, rules, found, ambiguous=True)


def attach(prediction: Prediction, found: Iterable[Fact]) -> Prediction:
    """``prediction`` with ``found`` facts, and their rules among the rules that decide it.

    A fact rule decides the answer as much as the valid-call rule does: a rule test of a
    fact rule only counts draws whose prediction names it.
    """
    with_facts = prediction.with_facts(found)
    if with_facts is prediction or not with_facts.facts:
        return with_facts
    rules = tuple(dict.fromkeys((*with_facts.rules, *(f.rule for f in with_facts.facts))))
    return replace(with_facts, rules=rules)
