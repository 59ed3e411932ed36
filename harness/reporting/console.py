"""The end of a run on the console: one screen at default verbosity, everything with ``-v``.

Read from the findings.json document (annotated with causes), like every other report. At
default verbosity the text is at most :data:`MAX_LINES` lines whatever the number of known
findings:

1. the headline: calls; rules passed / failed / not applicable; findings new / known / stale /
   advisory, and how many causes they come from;
2. every NEW cause, with one line per new finding: rule, operation, expected vs actual, and
   where its reproduction is (the finding's id in findings.json, ``reproduce`` and
   ``reproduce_cli``). These are never cut: they are what a red run is about;
3. the known (and advisory) causes, one line each with their counts, as many as fit; the rest
   is one line that says how many more there are and where they are listed (``-v``, report.md).

With ``verbose`` every cause lists every finding, and every stale baseline entry is named.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from harness.reporting.causes import Cause, group
from harness.reporting.outcomes import finding_state, reproduction_hint

__all__ = ["MAX_LINES", "headline", "summary_lines"]

MAX_LINES = 40
"""Lines of the conformance section at default verbosity, before the report paths and the seed
(pytest's own header and final line come around it: one 50-line screen in all)."""


def _rules(document: Mapping[str, Any]) -> dict[str, int]:
    """Rules by outcome: passed, failed (with findings), not applicable (could not be exercised
    on this target, or declared so by the run)."""
    summary: Mapping[str, Any] = document.get("summary") or {}
    statuses: dict[str, str] = {str(k): str(v) for k, v in (summary.get("rules") or {}).items()}
    for finding in document.get("findings") or []:
        statuses[str(finding.get("rule"))] = "failed"
    for entry in document.get("not_applicable") or []:
        statuses.setdefault(str(entry.get("rule")), "not-applicable")
    findings = document.get("findings") or []
    new = {str(f.get("rule")) for f in findings if finding_state(f) in ("new", "expired")}
    out = {"passed": 0, "failed": 0, "not applicable": 0, "new": len(new)}
    for status in statuses.values():
        if status in ("passed", "failed"):
            out[status] += 1
        else:
            out["not applicable"] += 1
    return out


def _stale(document: Mapping[str, Any]) -> list[str]:
    summary: Mapping[str, Any] = document.get("summary") or {}
    return [str(s) for s in summary.get("stale_baseline") or []]


def headline(document: Mapping[str, Any]) -> list[str]:
    """The two lines every run ends with: calls and rules; findings and causes."""
    summary: Mapping[str, Any] = document.get("summary") or {}
    findings = list(document.get("findings") or [])
    states = [finding_state(f) for f in findings]
    rules = _rules(document)
    new = sum(1 for s in states if s in ("new", "expired"))
    expired = states.count("expired")
    causes = len({f.get("cause") for f in findings}) if findings else 0
    first = (
        f"{int(summary.get('calls') or 0)} calls; rules: {rules['passed']} passed, "
        f"{rules['failed']} failed ({rules['new']} with new findings), "
        f"{rules['not applicable']} not applicable"
    )
    second = (
        f"findings: {new} new{f' ({expired} of them expired in the baseline)' if expired else ''}, "
        f"{states.count('known')} known, {len(_stale(document))} stale, "
        f"{states.count('advisory')} advisory; {causes} causes"
    )
    return [first, second]


_ANSWER_KINDS = frozenset({"wire-format", "response-schema", "invariant", "difference"})


def _expected(finding: Mapping[str, Any]) -> str:
    expected: Mapping[str, Any] = finding.get("expected") or {}
    outcome = expected.get("outcome")
    errors = [str(e) for e in expected.get("errors") or []]
    if outcome == "error" and errors:
        return " or ".join(errors)
    return "success" if outcome == "success" else "a 4xx"


def _actual(finding: Mapping[str, Any]) -> str:
    actual: Mapping[str, Any] = finding.get("actual") or {}
    status = actual.get("status")
    if not isinstance(status, int) or status == 0:
        text = "no answer"
    else:
        text = f"HTTP {status}" + (f" {actual['error']}" if actual.get("error") else "")
    detail = str(actual.get("detail") or "")
    if finding.get("kind") in _ANSWER_KINDS and detail:
        text += f" ({detail[:100]}{'...' if len(detail) > 100 else ''})"
    return text


def _finding_line(finding: Mapping[str, Any]) -> str:
    """Rule, operation, expected vs actual, and where its reproductions are, on one line."""
    state = finding_state(finding)
    mark = {"new": "", "expired": " [baseline entry expired]"}.get(state, f" [{state}]")
    if state == "new" and str(finding.get("baseline_reason", "")).startswith("UNREVIEWED"):
        mark = " [UNREVIEWED in the baseline]"
    return (
        f"    {finding.get('rule')} {finding.get('operation')}{mark}: expected {_expected(finding)}, "
        f"got {_actual(finding)} -- {reproduction_hint(finding)}"
    )


def _cause_line(cause: Cause, label: str, width: int | None = None) -> str:
    """One cause: its counts, its title and its id (to find it in report.md), cut to ``width``."""
    ops = len(cause.operations)
    line = (
        f"{label:<8}{len(cause.findings):>3} finding{'s' if len(cause.findings) != 1 else ' '} "
        f"{len(cause.rules):>2} rule{'s' if len(cause.rules) != 1 else ' '} "
        f"{ops:>2} op{'s' if ops != 1 else ' '}  {cause.title}  [{cause.id}]"
    )
    return line if width is None or len(line) <= width else line[: max(width - 3, 20)] + "..."


def summary_lines(
    document: Mapping[str, Any],
    *,
    verbose: bool = False,
    max_lines: int = MAX_LINES,
    width: int | None = None,
) -> list[str]:
    """The end-of-run text of ``document`` (a findings.json document with causes). ``width``:
    known and advisory causes' lines are cut to it (a terminal's), so that each is one row."""
    lines = headline(document)
    causes = group(document.get("findings") or [])
    new = [c for c in causes if c.status == "new"]
    rest = [c for c in causes if c.status != "new"]
    for cause in new:
        lines.append(_cause_line(cause, "NEW"))
        shown: Sequence[Mapping[str, Any]] = cause.findings
        if not verbose:
            shown = [f for f in cause.findings if finding_state(f) in ("new", "expired")]
        lines.extend(_finding_line(f) for f in shown)
    stale = _stale(document)
    if verbose:
        for cause in rest:
            lines.append(_cause_line(cause, cause.status))
            lines.extend(_finding_line(f) for f in cause.findings)
        lines.extend(f"stale   {fid}  (in the baseline; its rule ran, not seen)" for fid in stale)
        return lines
    # Known and advisory causes, one line each, as many as the screen holds.
    room = max(max_lines - len(lines) - (1 if stale else 0), 1)
    if len(rest) > room:
        kept, cut = rest[: room - 1], rest[room - 1 :]
    else:
        kept, cut = rest, []
    lines.extend(_cause_line(c, c.status, width) for c in kept)
    if cut:
        hidden = sum(len(c.findings) for c in cut)
        lines.append(
            f"... and {len(cut)} more known or advisory causes ({hidden} findings): "
            "-v lists them, report.md has all"
        )
    if stale:
        lines.append(
            f"stale: {len(stale)} baseline entries (their rule ran, their finding did not show: "
            "-v lists them)"
        )
    return lines
