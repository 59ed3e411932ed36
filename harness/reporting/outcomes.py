"""What every report shows: per rule test its outcome, per finding its texts, per run its facts.

The JUnit file, report.md and report.html must agree with each other and with findings.json,
so they all read the document through these functions rather than each its own way.

A rule test is ``<rule>:<operation>`` (the pytest id of ``test_rule``). Its outcome comes from,
in order of precedence:

1. the findings of that rule and operation: ``failed`` when any is new (or its baseline entry
   expired) and not advisory, else ``known`` when any is known, else ``advisory``;
2. ``summary.tests`` when the run wrote it (``{"<rule>:<operation>": status}`` or
   ``{"<rule>:<operation>": {"status": ..., "reason": ...}}``): ``passed``, ``failed``,
   ``unchecked`` or ``not-applicable``;
3. the document's ``not_applicable`` list (``rule``, optional ``operation``, ``reason``);
4. for a rule that has no outcome by operation yet, ``summary.rules`` and
   ``summary.unchecked``, under the pseudo-operation :data:`WHOLE_RULE` (a run that did not
   write ``summary.tests`` only knows that the rule as a whole passed).

Nothing here renders: it returns plain data, and each renderer escapes for its own format.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "STATUSES",
    "WHOLE_RULE",
    "Matrix",
    "Outcome",
    "actual_text",
    "expected_text",
    "finding_state",
    "matrix",
    "redact",
    "reproduction_hint",
    "rule_outcomes",
    "run_facts",
    "service_of_rule",
    "summary_counts",
]

WHOLE_RULE = "(whole rule)"
"""The operation column of a rule whose run reported an outcome for the rule only."""

STATUSES = ("failed", "known", "advisory", "passed", "not-applicable", "unchecked")
"""Every outcome a rule test can have, most urgent first."""

_PREFIXES = {"pc": "payment-cryptography"}

_SECRET_MEMBERS = frozenset(
    name.lower()
    for name in (
        "Plaintext",
        "PlainText",
        "KeyMaterial",
        "PrivateKey",
        "Password",
        "SecretAccessKey",
        "aws_secret_access_key",
        "SessionToken",
        "Authorization",
        "X-Amz-Security-Token",
    )
)


def service_of_rule(rule: str) -> str:
    """``kms.tags.too-many`` -> ``kms``; ``pc.`` rules belong to ``payment-cryptography``."""
    prefix = rule.split(".", 1)[0]
    return _PREFIXES.get(prefix, prefix)


def finding_state(finding: Mapping[str, Any]) -> str:
    """``new``, ``expired`` (its baseline entry expired: fails like a new one), ``known`` or
    ``advisory`` (its evidence is inferred: reported, never failing)."""
    if finding.get("advisory"):
        return "advisory"
    baseline = finding.get("baseline")
    if baseline == "known":
        return "known"
    return "expired" if baseline == "expired" else "new"


@dataclass(frozen=True, slots=True)
class Outcome:
    """The result of one rule test, with its findings (empty unless it diverged)."""

    service: str
    rule: str
    operation: str
    status: str
    reason: str = ""
    findings: tuple[Mapping[str, Any], ...] = ()

    @property
    def name(self) -> str:
        return f"{self.rule}:{self.operation}"


def _from_findings(findings: Sequence[Mapping[str, Any]]) -> str:
    states = {finding_state(f) for f in findings}
    if states & {"new", "expired"}:
        return "failed"
    return "known" if "known" in states else "advisory"


def _reported(value: Any) -> tuple[str, str]:
    if isinstance(value, Mapping):
        return str(value.get("status", "")), str(value.get("reason") or "")
    return str(value), ""


def rule_outcomes(document: Mapping[str, Any]) -> list[Outcome]:
    """Every rule test of the run with its outcome, sorted by service, rule and operation."""
    summary: Mapping[str, Any] = document.get("summary") or {}
    findings: list[Mapping[str, Any]] = list(document.get("findings") or [])
    cells: dict[tuple[str, str], Outcome] = {}
    service_of: dict[str, str] = {}
    by_cell: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    by_rule: dict[str, list[Mapping[str, Any]]] = {}
    for f in findings:
        rule, operation = str(f.get("rule", "")), str(f.get("operation", ""))
        by_cell.setdefault((rule, operation), []).append(f)
        by_rule.setdefault(rule, []).append(f)
        service_of.setdefault(rule, str(f.get("service") or service_of_rule(rule)))

    def put(rule: str, operation: str, status: str, reason: str = "") -> None:
        service = service_of.get(rule) or service_of_rule(rule)
        cells[(rule, operation)] = Outcome(service, rule, operation, status, reason)

    for (rule, operation), own in by_cell.items():
        service = service_of[rule]
        cells[(rule, operation)] = Outcome(service, rule, operation, _from_findings(own), "", tuple(own))
    tests = summary.get("tests")
    if isinstance(tests, Mapping):
        for name, value in tests.items():
            rule, _, operation = str(name).rpartition(":")
            if not rule or (rule, operation) in cells:
                continue
            status, reason = _reported(value)
            if status == "failed" and rule in by_rule:
                # A test whose findings were all seen in other operations' answers (answer
                # rules judge set-up answers too): as urgent as the rule's findings are.
                status = _from_findings(by_rule[rule])
                reason = reason or "its findings were seen in answers to other operations"
            put(rule, operation, status if status in STATUSES else "unchecked", reason)
    for entry in document.get("not_applicable") or []:
        rule = str(entry.get("rule", ""))
        operation = str(entry.get("operation") or WHOLE_RULE)
        if rule and (rule, operation) not in cells:
            put(rule, operation, "not-applicable", str(entry.get("reason") or ""))
    ruled = {rule for rule, _ in cells}
    rules: Mapping[str, Any] = summary.get("rules") or {}
    unchecked: Mapping[str, Any] = summary.get("unchecked") or {}
    for rule, value in rules.items():
        if rule in ruled:
            continue
        status, reason = _reported(value)
        reason = reason or str(unchecked.get(rule) or "")
        put(rule, WHOLE_RULE, status if status in STATUSES else "unchecked", reason)
    for rule, reason in unchecked.items():
        if rule not in ruled and (rule, WHOLE_RULE) not in cells:
            put(rule, WHOLE_RULE, "unchecked", str(reason))
    return sorted(cells.values(), key=lambda o: (o.service, o.rule, o.operation == WHOLE_RULE, o.operation))


@dataclass(frozen=True, slots=True)
class Matrix:
    """One service's rules x operations; ``cells[(rule, operation)]`` is absent where a rule
    was not tested through that operation."""

    service: str
    rules: tuple[str, ...]
    operations: tuple[str, ...]
    cells: Mapping[tuple[str, str], Outcome] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for outcome in self.cells.values():
            out[outcome.status] += 1
        return out


def matrix(outcomes: Iterable[Outcome]) -> list[Matrix]:
    """The outcomes as one matrix per service (services, rules and operations sorted;
    :data:`WHOLE_RULE` is the last column)."""
    per: dict[str, dict[tuple[str, str], Outcome]] = {}
    for outcome in outcomes:
        per.setdefault(outcome.service, {})[(outcome.rule, outcome.operation)] = outcome
    out = []
    for service in sorted(per):
        cells = per[service]
        operations = sorted({op for _, op in cells}, key=lambda op: (op == WHOLE_RULE, op))
        out.append(Matrix(service, tuple(sorted({r for r, _ in cells})), tuple(operations), cells))
    return out


def expected_text(finding: Mapping[str, Any]) -> str:
    """What the documentation requires, in words: ``error TagException (HTTP 4xx)``."""
    expected: Mapping[str, Any] = finding.get("expected") or {}
    outcome = expected.get("outcome")
    errors = [str(e) for e in expected.get("errors") or []]
    if outcome == "success":
        text = "success (HTTP 2xx)"
    elif outcome == "error" and errors:
        text = f"error {' or '.join(errors)} (HTTP 4xx)"
    else:
        text = "a client error (any HTTP 4xx)"
    detail = expected.get("detail")
    return f"{text}: {detail}" if detail else text


def actual_text(finding: Mapping[str, Any]) -> str:
    """What the target answered, in words: ``HTTP 200 success``, with what differs."""
    actual: Mapping[str, Any] = finding.get("actual") or {}
    status = actual.get("status")
    if not isinstance(status, int) or status == 0:
        text = "no answer"
    elif 200 <= status < 300:
        text = f"HTTP {status} success"
    else:
        text = f"HTTP {status} {actual.get('error') or 'without an error code'}"
    detail = actual.get("detail")
    if not detail or str(detail).startswith("expected "):
        return text  # an "expected X, got Y" detail says again what the report shows beside it
    return f"{text}: {detail}"


def reproduction_hint(finding: Mapping[str, Any]) -> str:
    """Where its reproduction is, in one line (for consoles and summaries)."""
    parts = []
    if finding.get("reproduce"):
        parts.append("`reproduce` (Python)")
    if finding.get("reproduce_cli"):
        parts.append("`reproduce_cli` (command line)")
    where = " and ".join(parts) if parts else "no reproduction recorded"
    return f"{where} of finding {finding.get('id', '?')} in findings.json"


def redact(value: Any) -> Any:
    """A copy of a request (or steps) with secret-bearing members masked.

    Reports are published and pasted into CI logs; a member that carries plaintext, key
    material or credentials is never worth showing, its presence is."""
    if isinstance(value, Mapping):
        return {
            k: ("<redacted>" if str(k).lower() in _SECRET_MEMBERS else redact(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    return copy.deepcopy(value)


def run_facts(document: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs that identify the run: target, implementation and versions,
    profile, seed, dates. Values come from the document as they are (escape to render)."""
    target: Mapping[str, Any] = document.get("target") or {}
    facts = [
        ("target", str(target.get("name", "?"))),
        ("endpoint", str(target.get("endpoint_url") or "-")),
        ("implementation", str(target.get("implementation") or "unknown")),
        ("regions", ", ".join(str(r) for r in target.get("regions") or []) or "-"),
        ("harness", str(document.get("harness_version", "?"))),
    ]
    versions = document.get("versions")
    if isinstance(versions, Mapping):
        facts.extend((str(k), str(v)) for k, v in sorted(versions.items()))
    facts.extend(
        [
            ("profile", str(document.get("profile") or "aws")),
            ("seed", str(document.get("seed"))),
            ("started", str(document.get("started_at", "?"))),
            ("finished", str(document.get("finished_at", "?"))),
        ]
    )
    return facts


def summary_counts(document: Mapping[str, Any], outcomes: Sequence[Outcome]) -> dict[str, int]:
    """The headline numbers: calls; findings new / known / advisory; stale baseline entries;
    and rule tests per status."""
    summary: Mapping[str, Any] = document.get("summary") or {}
    findings = list(document.get("findings") or [])
    states = [finding_state(f) for f in findings]
    stale = summary.get("stale")
    if not isinstance(stale, int):
        stale = len(summary.get("stale_baseline") or [])
    counts = {
        "calls": int(summary.get("calls") or 0),
        "findings": len(findings),
        "new": sum(1 for s in states if s in ("new", "expired")),
        "known": states.count("known"),
        "advisory": states.count("advisory"),
        "stale": stale,
    }
    for status in STATUSES:
        counts[f"tests_{status}"] = sum(1 for o in outcomes if o.status == status)
    return counts
