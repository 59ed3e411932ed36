"""The certification verdict of each required rule, from a findings.json document.

One function decides, for the run (``--certify``) and for ``python -m harness verify`` alike:

- a rule **failed** when any finding of it is not an advisory (advisories -- inferred
  expectations -- never fail a certification);
- otherwise it was **not run** when any of its rule tests could not run (``unchecked``,
  ``not-applicable``, or absent from ``summary.tests``): a rule that could not run is not passed;
- otherwise it **passed**.

A state machine (``stateful <name>`` in ``summary.tests``) that could not run is not passed
either; its failures are its rules' findings. The target is conformant when every required
rule passed and every state machine ran.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["passed", "failed", "not-run"]

#: Test statuses that mean the test could not run (harness.engine.rule_runs, state_machines).
NOT_RUN = frozenset({"unchecked", "not-applicable"})
#: Every status a test of a certification may have in summary.tests.
TEST_STATUSES = frozenset({"passed", "failed", "advisory", *NOT_RUN})
STATEFUL = "stateful "


def machine_test(name: str) -> str:
    """The summary.tests name of a state machine."""
    return f"{STATEFUL}{name}"


def rule_of_test(name: str) -> str:
    """``kms.tags.too-many:TagResource`` -> ``kms.tags.too-many``."""
    return name.rpartition(":")[0]


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    rule: str
    verdict: Verdict
    detail: str = ""
    """failed: its failing finding ids; not-run: which test could not run and why."""
    advisories: int = 0


@dataclass(frozen=True)
class Result:
    rules: dict[str, RuleVerdict]
    machines_not_run: dict[str, str] = field(default_factory=dict)
    """State machines that could not run, with the reason."""

    @property
    def failed(self) -> list[RuleVerdict]:
        return [v for v in self.rules.values() if v.verdict == "failed"]

    @property
    def not_run(self) -> list[RuleVerdict]:
        return [v for v in self.rules.values() if v.verdict == "not-run"]

    @property
    def passed(self) -> list[RuleVerdict]:
        return [v for v in self.rules.values() if v.verdict == "passed"]

    @property
    def conformant(self) -> bool:
        return not self.failed and not self.not_run and not self.machines_not_run

    def to_dict(self) -> dict[str, Any]:
        """manifest.json ``result``."""
        return {
            "conformant": self.conformant,
            "required_rules": len(self.rules),
            "passed": len(self.passed),
            "failed": [v.rule for v in self.failed],
            "not_run": [v.rule for v in self.not_run],
            "machines_not_run": sorted(self.machines_not_run),
        }

    def lines(self) -> list[str]:
        """What a person reads: the headline, then each rule that did not pass."""
        head = (
            f"{len(self.passed)} of {len(self.rules)} required rules passed, {len(self.failed)} failed, "
            f"{len(self.not_run)} not run"
        )
        if self.machines_not_run:
            head += f", {len(self.machines_not_run)} state machine(s) not run"
        out = [head]
        out += [f"  failed   {v.rule}: {v.detail}" for v in self.failed]
        out += [f"  not run  {v.rule}: {v.detail}" for v in self.not_run]
        out += [f"  not run  {machine_test(n)}: {why}" for n, why in sorted(self.machines_not_run.items())]
        return out


def _status(value: Any) -> tuple[str, str]:
    if isinstance(value, Mapping):
        return str(value.get("status", "")), str(value.get("reason") or "")
    return str(value), ""


def verdicts(
    document: Mapping[str, Any], required_rules: Iterable[str], required_tests: Iterable[str]
) -> Result:
    """The verdict of every required rule (see the module docstring)."""
    summary: Mapping[str, Any] = document.get("summary") or {}
    tests: Mapping[str, Any] = summary.get("tests") or {}
    hard: dict[str, list[str]] = {}
    advisory: dict[str, int] = {}
    for finding in document.get("findings") or []:
        rule = str(finding.get("rule", ""))
        if finding.get("advisory"):
            advisory[rule] = advisory.get(rule, 0) + 1
        else:
            hard.setdefault(rule, []).append(str(finding.get("id", "")))
    required_tests = list(required_tests)
    not_run: dict[str, str] = {}
    machines: dict[str, str] = {}
    tested = {rule_of_test(n) for n in required_tests if not n.startswith(STATEFUL)}
    for rule in set(required_rules) - tested:
        not_run[rule] = "no rule test of it is required (this harness has none)"
    for name in required_tests:
        status, reason = _status(tests[name]) if name in tests else ("", "")
        why = (
            f"{name} is missing from findings.json"
            if name not in tests
            else f"{name} {status}" + (f" ({reason})" if reason else "")
        )
        if name in tests and status not in NOT_RUN:
            continue
        if name.startswith(STATEFUL):
            machines[name[len(STATEFUL) :]] = why
        else:
            not_run.setdefault(rule_of_test(name), why)
    out: dict[str, RuleVerdict] = {}
    for rule in sorted(set(required_rules) | set(hard)):
        if rule in hard:
            ids = sorted(hard[rule])
            more = f" (+{len(ids) - 3} more)" if len(ids) > 3 else ""
            detail = f"{len(ids)} finding(s): {', '.join(ids[:3])}{more}"
            out[rule] = RuleVerdict(rule, "failed", detail, advisory.get(rule, 0))
        elif rule in not_run:
            out[rule] = RuleVerdict(rule, "not-run", not_run[rule], advisory.get(rule, 0))
        else:
            out[rule] = RuleVerdict(rule, "passed", "", advisory.get(rule, 0))
    return Result(out, machines)
