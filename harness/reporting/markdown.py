"""report.md: the run for a maintainer who reads it in a repository, an issue or a CI summary.

In order: what was tested (target, implementation and versions, profile, seed, dates), the
headline numbers, the matrix of rules x operations (``## Matrix``), the root causes with each
finding (``## Findings``: expected vs actual, the minimal request or steps, and both
reproductions) and the spec coverage (``## Spec coverage``), new causes first.

Everything that comes from the target or the run (codes, messages, details, requests,
scripts) is escaped: prose is HTML- and Markdown-escaped so that an answer cannot inject
markup or links into a rendered report, and code goes into fences longer than any backtick
run it contains. Requests are shown with secret-bearing members masked
(:func:`harness.reporting.outcomes.redact`).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from harness.reporting.causes import Cause, group
from harness.reporting.coverage import TRANSITION_SOURCES, Coverage
from harness.reporting.outcomes import (
    WHOLE_RULE,
    Matrix,
    actual_text,
    expected_text,
    finding_state,
    matrix,
    redact,
    rule_outcomes,
    run_facts,
    summary_counts,
)

__all__ = ["CELL_SYMBOLS", "markdown_report"]

_TIMES = "\u00d7"

CELL_SYMBOLS = {
    "passed": "✓",
    "failed": "✗",
    "known": "k",
    "advisory": "a",
    "not-applicable": "n/a",
    "unchecked": "?",
}
"""The matrix cell of each outcome; an empty cell is a rule not tested through that operation."""

_MD_SPECIAL = re.compile(r"([\\`*_\[\]{}|~#!])")


def _text(value: Any) -> str:
    """Prose from the run, safe in a Markdown paragraph, list item or table cell."""
    escaped = html.escape(" ".join(str(value).split()), quote=False)
    return _MD_SPECIAL.sub(r"\\\1", escaped)


def _code(value: Any) -> str:
    """An inline code span that holds ``value`` whatever backticks it contains."""
    text = " ".join(str(value).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _block(value: str, language: str = "") -> list[str]:
    """A fenced code block that ``value`` cannot close early."""
    longest = max((len(run) for run in re.findall(r"`{3,}", value)), default=2)
    fence = "`" * (longest + 1)
    return [f"{fence}{language}", value.rstrip("\n"), fence]


def _anchor(value: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", value).strip("-").lower()


def _header(document: Mapping[str, Any], counts: Mapping[str, int], causes: Sequence[Cause]) -> list[str]:
    target = document.get("target") or {}
    lines = [
        f"# Conformance report: {_text(target.get('name', '?'))} "
        f"({_text(target.get('implementation') or 'unknown implementation')})",
        "",
        "| | |",
        "|---|---|",
    ]
    lines += [f"| {_text(label)} | {_text(value)} |" for label, value in run_facts(document)]
    new_causes = sum(1 for c in causes if c.status == "new")
    lines += [
        "",
        "## Summary",
        "",
        f"- **{counts['calls']}** calls to the target",
        f"- rule tests: **{counts['tests_failed']} failed**, {counts['tests_known']} known, "
        f"{counts['tests_advisory']} advisory, {counts['tests_passed']} passed, "
        f"{counts['tests_not-applicable']} not applicable, {counts['tests_unchecked']} not checked",
        f"- findings: **{counts['new']} new**, {counts['known']} known, {counts['advisory']} advisory; "
        f"{counts['stale']} stale baseline entries",
        f"- root causes: **{len(causes)}** ({new_causes} with new findings)",
        "",
    ]
    return lines


def _matrix(matrices: Sequence[Matrix]) -> list[str]:
    legend = ", ".join(f"{_text(sym)} {status}" for status, sym in CELL_SYMBOLS.items())
    lines = [
        "## Matrix",
        "",
        f"Rules (rows) by operation (columns): {legend}; empty: not tested through that operation. "
        f"{_code(WHOLE_RULE)} holds what the run reported for the rule as a whole.",
        "",
    ]
    for m in matrices:
        counts = m.counts()
        lines += [
            f"### {_text(m.service)}",
            "",
            ", ".join(f"{n} {s}" for s, n in counts.items() if n),
            "",
            "| rule | " + " | ".join(_text(op) for op in m.operations) + " |",
            "|---|" + "---|" * len(m.operations),
        ]
        for rule in m.rules:
            cells = []
            for op in m.operations:
                outcome = m.cells.get((rule, op))
                symbol = CELL_SYMBOLS[outcome.status] if outcome else ""
                cells.append(f"**{symbol}**" if outcome and outcome.status == "failed" else _text(symbol))
            lines.append(f"| {_text(rule)} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _finding(finding: Mapping[str, Any]) -> list[str]:
    state = finding_state(finding)
    lines = [
        f"#### {_code(finding.get('id', '?'))} ({state.upper() if state in ('new', 'expired') else state})",
        "",
        f"- rule {_code(finding.get('rule', '?'))} on {_text(finding.get('service', ''))} "
        f"{_code(finding.get('operation', '?'))} in {_text(finding.get('region', '?'))}",
        f"- source: {_text(finding.get('source', ''))}",
        f"- expected: {_text(expected_text(finding))}",
        f"- actual: {_text(actual_text(finding))}",
    ]
    message = (finding.get("actual") or {}).get("message")
    if message:
        lines.append(f"- message: {_text(message)}")
    steps = list(finding.get("steps") or [])
    if steps:
        lines.append(f"- steps before it ({len(steps)}):")
        for n, step in enumerate(steps, start=1):
            status = step.get("status")
            answer = step.get("error") or (f"HTTP {status}" if status is not None else "no answer")
            request = json.dumps(redact(step.get("request") or {}))
            lines.append(f"  {n}. {_code(step.get('operation', '?'))} {_code(request)} -> {_text(answer)}")
    lines += ["- the request (minimal):", ""]
    lines += _block(json.dumps(redact(finding.get("request") or {}), indent=2, ensure_ascii=False), "json")
    for key, label, language in (
        ("reproduce_cli", "reproduce on the command line (`reproduce_cli`)", "sh"),
        ("reproduce", "reproduce with Python (`reproduce`)", "python"),
    ):
        if finding.get(key):
            lines += ["", f"<details><summary>{label}</summary>", ""]
            lines += _block(str(finding[key]), language)
            lines += ["", "</details>"]
    lines.append("")
    return lines


def _causes(causes: Sequence[Cause]) -> list[str]:
    lines = [
        "## Findings",
        "",
        "Grouped by root cause: the same wrong answer to the same kind of request, whichever "
        "operation or rule showed it. New causes first.",
        "",
    ]
    if not causes:
        return [*lines, "No findings.", ""]
    lines += ["| # | cause | status | findings | rules | operations |", "|---|---|---|---|---|---|"]
    for n, cause in enumerate(causes, start=1):
        lines.append(
            f"| {n} | [{_text(cause.title)}](#{_anchor('cause-' + cause.id)}) | {cause.status} | "
            f"{len(cause.findings)} | {len(cause.rules)} | {len(cause.operations)} |"
        )
    lines.append("")
    for n, cause in enumerate(causes, start=1):
        ops = ", ".join(f"{_text(s)} {_text(o)}" for s, o in cause.operations)
        lines += [
            f'<a id="{_anchor("cause-" + cause.id)}"></a>',
            "",
            f"### {n}. {_text(cause.title)}",
            "",
            f"- cause {_code(cause.id)}: {cause.status}, {len(cause.findings)} findings ({cause.new} new)",
            f"- rules: {', '.join(_code(r) for r in cause.rules)}",
            f"- operations: {ops}",
            "",
        ]
        for finding in cause.findings:
            lines += _finding(finding)
    return lines


def _pct(hit: int, total: int) -> str:
    return f"{100 * hit / total:.0f}%" if total else "-"


def _coverage(coverage: Coverage | None) -> list[str]:
    lines = ["## Spec coverage", ""]
    if coverage is None:
        return [*lines, "Not computed (no cassette).", ""]
    lines += [
        f"What of the {_code(coverage.profile)} profile the run's cassette exercised: a parameter by a "
        "request that carried it (valid or not), an enum value by a request that sent it, an error "
        "code by an answer that had it, a key-state transition by two consecutive reads of one key "
        "that showed it. Every number is a count of cassette lines.",
        "",
        "| measure | exercised | documented | |",
        "|---|---|---|---|",
    ]
    for name, (hit, total) in coverage.totals().items():
        lines.append(f"| {name.replace('_', ' ')} | {hit} | {total} | {_pct(hit, total)} |")
    lines.append("")
    for service in coverage.services.values():
        lines += [
            f"### {_text(service.service)} ({service.calls} calls)",
            "",
            "| operation | calls | parameters | enum values | error codes |",
            "|---|---|---|---|---|",
        ]
        for op in service.operations.values():
            tally = op.totals()
            cells = " | ".join(
                f"{h}/{n}" for h, n in (tally["parameters"], tally["enum_values"], tally["error_codes"])
            )
            lines.append(f"| {_text(op.operation)} | {op.calls} | {cells} |")
        lines += ["", "Never exercised:", ""]
        for op in service.operations.values():
            params = [p for p, n in op.parameters.items() if not n]
            values = [f"{p}={v}" for p, counts in op.enums.items() for v, n in counts.items() if not n]
            errors = [e for e, n in op.errors.items() if not n]
            parts = []
            for label, items in (("parameters", params), ("enum values", values), ("error codes", errors)):
                if items:
                    parts.append(f"{label} {', '.join(_code(i) for i in items)}")
            if not op.calls:
                parts.insert(0, "the operation itself")
            if parts:
                lines.append(f"- {_text(op.operation)}: " + "; ".join(parts))
            if op.undocumented_errors:
                seen = ", ".join(f"{_code(c)} {_TIMES}{n}" for c, n in op.undocumented_errors.items())
                lines.append(f"- {_text(op.operation)} answered codes it does not document: {seen}")
        common = ", ".join(f"{_code(c)} {_TIMES}{n}" for c, n in service.common_errors.items() if n) or "none"
        lines += ["", f"Common errors seen: {common}."]
        if service.undocumented_operations:
            other = ", ".join(f"{_text(o)} {_TIMES}{n}" for o, n in service.undocumented_operations.items())
            lines.append(f"Calls to operations this profile does not document: {other}.")
        if service.documented_transitions:
            source = TRANSITION_SOURCES.get(service.service, "")
            lines += [
                "",
                f"Key-state transitions ([documented]({source})):",
                "",
                "| from | to | caused by | observed |",
                "|---|---|---|---|",
            ]
            for a, b, cause, n in service.documented_transitions:
                lines.append(f"| {_text(a)} | {_text(b)} | {_text(cause)} | {n or '**never**'} |")
            documented = {(a, b) for a, b, _, _ in service.documented_transitions}
            lines.append("")
            for t in service.transitions:
                via = ", ".join(t.via) or "no call in between"
                mark = "" if (t.from_state, t.to_state) in documented else " (not documented)"
                lines.append(
                    f"- observed {_text(t.from_state)} → {_text(t.to_state)} {_TIMES}{t.count} "
                    f"via {_text(via)}{mark}"
                )
        lines.append("")
    return lines


def markdown_report(document: Mapping[str, Any], coverage: Coverage | None = None) -> str:
    """The text of report.md for a findings.json document and, if computed, its coverage."""
    outcomes = rule_outcomes(document)
    causes = group(document.get("findings") or [])
    lines = _header(document, summary_counts(document, outcomes), causes)
    lines += _matrix(matrix(outcomes))
    lines += _causes(causes)
    lines += _coverage(coverage)
    return "\n".join(lines).rstrip("\n") + "\n"
