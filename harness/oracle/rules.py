"""Documented rules as data: what each one says, where it is documented, what it predicts.

A :class:`Rule` names one documented behaviour with a stable id (the ids are what
baselines and findings refer to, so they never change meaning). A rule that a
request can break carries the :class:`Expectation` of the answer; a rule about
answers (schema, wire format) is checked on every answer it applies to.

Where the sources disagree or say nothing, the rule says so in ``note`` and its
expectation is the weakest one the sources support (``any-4xx``), never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypedDict

Outcome = Literal["success", "error", "any-4xx"]

Evidence = Literal["recorded", "documented", "inferred"]
"""How an expectation is known (findings.schema.json ``evidence``): ``recorded``, an answer
recorded from real AWS shows it; ``documented``, AWS's documentation or service model states it;
``inferred``, no document fixes it (a closest-fit code, common practice)."""

#: Strongest first.
EVIDENCE_GRADES: tuple[Evidence, ...] = ("recorded", "documented", "inferred")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def strongest(grades: Iterable[Evidence]) -> Evidence:
    """The best-known of ``grades`` (``inferred`` when there are none)."""
    return min(grades, key=EVIDENCE_GRADES.index, default="inferred")


def weakest(grades: Iterable[Evidence]) -> Evidence:
    """The least-known of ``grades`` (``inferred`` when there are none)."""
    return max(grades, key=EVIDENCE_GRADES.index, default="inferred")


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
    evidence: Evidence = field(kw_only=True)
    """How the rule's claim is known: for a request rule, that the answer is :attr:`expectation`
    (for ``any-4xx``, that the request is rejected); for an answer or state rule, the property.
    Findings of an ``inferred`` rule are advisories: reported, never failing a run."""
    checked: str = field(kw_only=True)
    """When the source was last re-read (``YYYY-MM-DD``): ``python -m harness rules --stale``."""
    source_date: str | None = field(default=None, kw_only=True)
    """The source's own date where it has one (a recording, a page's archived copy, a
    document-history entry)."""
    code_evidence: Evidence | None = field(default=None, kw_only=True)
    """How the error code of :attr:`expectation` is known, when less well than the rejection
    itself: a target that rejects with another code gets a finding of this grade."""

    def __post_init__(self) -> None:
        if self.evidence not in EVIDENCE_GRADES:
            raise ValueError(f"rule {self.id!r}: evidence {self.evidence!r} is not one of {EVIDENCE_GRADES}")
        for name, value in (("checked", self.checked), ("source_date", self.source_date)):
            if value is not None and not _DATE.fullmatch(value):
                raise ValueError(f"rule {self.id!r}: {name} {value!r} is not a YYYY-MM-DD date")
        if self.code_evidence is not None:
            if not self.expectation.errors:
                raise ValueError(f"rule {self.id!r}: code_evidence needs an expectation that names codes")
            if EVIDENCE_GRADES.index(self.code_evidence) <= EVIDENCE_GRADES.index(self.evidence):
                raise ValueError(f"rule {self.id!r}: code_evidence must be weaker than evidence")

    @property
    def code_grade(self) -> Evidence:
        """How the expectation's error code is known."""
        return self.code_evidence or self.evidence


class GradeFields(TypedDict):
    evidence: Evidence
    checked: str
    source_date: str | None
    code_evidence: Evidence | None


@dataclass(frozen=True, slots=True)
class Grade:
    """A rule's evidence fields, for rules a generic module registers for every service (a
    service's :class:`~harness.oracle.service_facts.ServiceFacts` may grade them its own way)."""

    evidence: Evidence
    checked: str
    source_date: str | None = None
    code_evidence: Evidence | None = None

    def fields(self) -> GradeFields:
        return {
            "evidence": self.evidence,
            "checked": self.checked,
            "source_date": self.source_date,
            "code_evidence": self.code_evidence,
        }


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


def evidence_age(rule: Rule, today: date) -> tuple[int, str]:
    """How old ``rule``'s evidence is in days, and why: the older of its last check and its
    source's own date (a page archived years ago is stale however recently it was re-read)."""
    checked = date.fromisoformat(rule.checked)
    dated = date.fromisoformat(rule.source_date) if rule.source_date else checked
    if dated < checked:
        return (today - dated).days, f"source dated {rule.source_date}"
    return (today - checked).days, f"checked {rule.checked}"


def stale_rules(rules: Iterable[Rule], *, today: date, days: int) -> list[tuple[Rule, int, str]]:
    """The rules whose evidence is more than ``days`` days old on ``today``, oldest first."""
    aged = [(rule, *evidence_age(rule, today)) for rule in rules]
    return sorted((a for a in aged if a[1] > days), key=lambda a: (-a[1], a[0].id))
