"""report.html: the run as ONE self-contained page that opens from a CI artifact or a disk.

No script, no font, no image, no stylesheet from anywhere: inline CSS only, so the page reads
the same offline, behind a proxy, or attached to a ticket, and cannot leak that it was opened.
What needs interaction uses HTML alone: ``<details>`` folds each finding and reproduction, and
matrix cells are links to the findings they summarise.

The sections have stable ids a test (or a reader's bookmark) can find: ``summary``,
``matrix`` (one ``<table class="matrix">`` per service), ``findings`` (one ``<article
class="cause">`` per root cause, each finding a ``<details class="finding">`` whose id is
``finding-`` and the finding id, whitespace as ``-``) and ``coverage``. Everything from the
target or the run is escaped with :func:`html.escape`, attributes included.
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
    STATUSES,
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

__all__ = ["html_report"]

_TIMES = "\u00d7"

_CSS = """
:root { --fail: #c62828; --known: #b26a00; --pass: #2e7d32; --adv: #1565c0; --na: #9e9e9e;
        --bg: #fafafa; --line: #ddd; --ink: #1d1d1f; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: var(--bg); }
header, nav, section { padding: 0 28px; }
header { background: #263238; color: #fff; padding-top: 18px; padding-bottom: 14px; }
header h1 { margin: 0 0 10px; font-size: 22px; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 4px 18px;
           margin: 0; }
dl.facts div { display: flex; gap: 8px; } dl.facts dt { color: #b0bec5; min-width: 96px; }
dl.facts dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace; overflow-wrap: anywhere; }
nav { background: #fff; border-bottom: 1px solid var(--line); padding-top: 8px; padding-bottom: 8px;
      position: sticky; top: 0; z-index: 2; }
nav a { margin-right: 18px; color: #37474f; font-weight: 600; text-decoration: none; }
h2 { margin: 26px 0 10px; font-size: 19px; border-bottom: 2px solid #cfd8dc; padding-bottom: 4px; }
h3 { margin: 18px 0 6px; font-size: 16px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 16px;
        min-width: 150px; }
.card b { display: block; font-size: 24px; } .card span { color: #555; }
.card.c-fail b { color: var(--fail); } .card.c-known { background: #fff3e0; }
.card.c-known b { color: var(--known); } .card.c-pass b { color: var(--pass); }
.legend span { display: inline-block; margin-right: 12px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px;
          margin-right: 4px; }
.matrix-wrap { overflow-x: auto; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid var(--line); padding: 3px 7px; text-align: left; vertical-align: top; }
table.matrix th.op { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap;
                     font-weight: 600; padding: 6px 3px; }
table.matrix td.rule { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px;
                       white-space: nowrap; }
table.matrix td.c { width: 26px; min-width: 26px; text-align: center; padding: 0; font-size: 12px; }
table.matrix td.c a { display: block; color: inherit; text-decoration: none; padding: 3px 0; }
.failed { background: var(--fail); color: #fff; font-weight: 700; }
.known { background: #ffcc80; color: #5d3a00; } .advisory { background: #90caf9; color: #0d2c54; }
.passed { background: #c8e6c9; color: #1b5e20; } .not-applicable { background: #eeeeee; color: #616161; }
.unchecked { background: #f5f5f5; color: #9e9e9e; }
.badge { display: inline-block; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 700;
         text-transform: uppercase; }
.badge.new, .badge.expired { background: var(--fail); color: #fff; }
.badge.known { background: #ffcc80; } .badge.advisory { background: #90caf9; }
article.cause { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--known);
                border-radius: 4px; padding: 4px 16px 10px; margin: 14px 0; }
article.cause.new { border-left-color: var(--fail); }
article.cause.advisory { border-left-color: var(--adv); }
.meta { color: #555; margin: 2px 0; } code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; }
code { background: #eceff1; padding: 0 3px; border-radius: 3px; font-size: 12.5px; }
details.finding { border-top: 1px solid #eee; padding: 6px 0; }
details.finding > summary { cursor: pointer; }
details.finding > summary code { background: none; }
.ea { display: grid; grid-template-columns: 90px 1fr; gap: 2px 10px; margin: 8px 0; }
.ea dt { color: #555; font-weight: 600; } .ea dd { margin: 0; }
.ea dd.expected { color: var(--pass); } .ea dd.actual { color: var(--fail); }
pre { background: #263238; color: #eceff1; padding: 10px 12px; border-radius: 4px; overflow-x: auto;
      font-size: 12px; max-height: 420px; white-space: pre; }
details.repro > summary { cursor: pointer; color: #37474f; font-weight: 600; margin-top: 4px; }
ol.steps { margin: 4px 0; padding-left: 22px; }
.bar { background: #e0e0e0; width: 160px; height: 10px; border-radius: 5px; display: inline-block; }
.bar i { display: block; height: 10px; border-radius: 5px; background: var(--pass); }
ul.never li { margin: 2px 0; } .never code { font-size: 11.5px; }
footer { color: #777; padding: 24px 28px; }
"""

_LABELS = {
    "failed": "failed (new)",
    "known": "known",
    "advisory": "advisory",
    "passed": "passed",
    "not-applicable": "not applicable",
    "unchecked": "not checked",
}
_SYMBOLS = {
    "failed": "✗",
    "known": "k",
    "advisory": "a",
    "passed": "✓",
    "not-applicable": "-",
    "unchecked": "?",
}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _id(prefix: str, value: str) -> str:
    """An element id: HTML allows any character but whitespace, so ids stay readable."""
    return prefix + re.sub(r"\s+", "-", value)


def _head(document: Mapping[str, Any]) -> str:
    target = document.get("target") or {}
    title = f"Conformance report: {target.get('name', '?')} ({target.get('implementation') or 'unknown'})"
    facts = "".join(f"<div><dt>{_e(k)}</dt><dd>{_e(v)}</dd></div>" for k, v in run_facts(document))
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
        f'<header><h1>{_e(title)}</h1><dl class="facts">{facts}</dl></header>'
        '<nav><a href="#summary">Summary</a><a href="#matrix">Matrix</a>'
        '<a href="#findings">Findings</a><a href="#coverage">Spec coverage</a></nav>'
    )


def _summary(counts: Mapping[str, int], causes: Sequence[Cause]) -> str:
    new_causes = sum(1 for c in causes if c.status == "new")
    cards = [
        ("c-fail" if counts["new"] else "c-pass", counts["new"], "new findings"),
        ("c-known" if counts["known"] else "", counts["known"], "known findings"),
        ("", len(causes), f"root causes ({new_causes} new)"),
        ("c-fail" if counts["tests_failed"] else "c-pass", counts["tests_failed"], "rule tests failed"),
        ("c-pass" if counts["tests_passed"] else "", counts["tests_passed"], "rule tests passed"),
        ("", counts["tests_not-applicable"] + counts["tests_unchecked"], "not applicable / not checked"),
        ("", counts["advisory"], "advisory findings"),
        ("", counts["stale"], "stale baseline entries"),
        ("", counts["calls"], "calls"),
    ]
    body = "".join(
        f'<div class="card {cls}"><b>{n}</b><span>{_e(label)}</span></div>' for cls, n, label in cards
    )
    return f'<section id="summary"><h2>Summary</h2><div class="cards">{body}</div></section>'


def _cell(outcome: Any) -> str:
    if outcome is None:
        return '<td class="c"></td>'
    title = f"{outcome.name}: {_LABELS[outcome.status]}"
    if outcome.reason:
        title += f" ({outcome.reason})"
    symbol = _e(_SYMBOLS[outcome.status])
    if outcome.findings:
        first = str(outcome.findings[0].get("id", ""))
        symbol = f'<a href="#{_e(_id("finding-", first))}">{symbol}</a>'
    return f'<td class="c {outcome.status}" title="{_e(title)}">{symbol}</td>'


def _matrix(matrices: Sequence[Matrix]) -> str:
    legend = "".join(
        f'<span><i class="swatch {s}"></i>{_e(_SYMBOLS[s])} {_e(_LABELS[s])}</span>' for s in STATUSES
    )
    parts = [
        f'<section id="matrix"><h2>Matrix: rules {_TIMES} operations</h2>',
        f'<p class="legend">{legend}<span>empty: not tested through that operation; '
        f"<code>{_e(WHOLE_RULE)}</code>: the rule as a whole</span></p>",
    ]
    for m in matrices:
        counts = ", ".join(f"{n} {_LABELS[s]}" for s, n in m.counts().items() if n)
        head = "".join(f'<th class="op">{_e(op)}</th>' for op in m.operations)
        rows = []
        for rule in m.rules:
            cells = "".join(_cell(m.cells.get((rule, op))) for op in m.operations)
            rows.append(f'<tr><td class="rule">{_e(rule)}</td>{cells}</tr>')
        parts.append(
            f"<h3>{_e(m.service)}</h3><p class='meta'>{_e(counts)}</p>"
            f'<div class="matrix-wrap"><table class="matrix" id="{_e(_id("matrix-", m.service))}">'
            f"<thead><tr><th>rule</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
    parts.append("</section>")
    return "".join(parts)


def _pre(text: str) -> str:
    return f"<pre>{_e(text)}</pre>"


def _finding(finding: Mapping[str, Any]) -> str:
    state = finding_state(finding)
    fid = str(finding.get("id", "?"))
    actual = finding.get("actual") or {}
    rows = [
        ("rule", f"<code>{_e(finding.get('rule', '?'))}</code> — {_e(finding.get('source', ''))}", ""),
        (
            "operation",
            f"{_e(finding.get('service', ''))} <code>{_e(finding.get('operation', '?'))}</code> "
            f"in {_e(finding.get('region', '?'))}",
            "",
        ),
        ("expected", _e(expected_text(finding)), "expected"),
        ("actual", _e(actual_text(finding)), "actual"),
    ]
    if actual.get("message"):
        rows.append(("message", _e(actual["message"]), ""))
    dl = "".join(f'<dt>{_e(k)}</dt><dd class="{cls}">{v}</dd>' for k, v, cls in rows)
    opened = " open" if state in ("new", "expired") else ""
    parts = [
        f'<details class="finding" id="{_e(_id("finding-", fid))}"{opened}>',
        f'<summary><span class="badge {state}">{_e(state)}</span> <code>{_e(fid)}</code> — '
        f"expected {_e(expected_text(finding).split(':')[0])}, got {_e(actual_text(finding).split(':')[0])}"
        "</summary>",
        f'<dl class="ea">{dl}</dl>',
    ]
    steps = list(finding.get("steps") or [])
    if steps:
        items = []
        for step in steps:
            status = step.get("status")
            answer = step.get("error") or (f"HTTP {status}" if status is not None else "no answer")
            items.append(
                f"<li><code>{_e(step.get('operation', '?'))}</code> "
                f"<code>{_e(json.dumps(redact(step.get('request') or {}), ensure_ascii=False))}</code>"
                f" → {_e(answer)}</li>"
            )
        parts.append(f'<div>steps before it:<ol class="steps">{"".join(items)}</ol></div>')
    request = json.dumps(redact(finding.get("request") or {}), indent=2, ensure_ascii=False)
    parts.append(f"<div>the request (minimal):{_pre(request)}</div>")
    for key, label in (
        ("reproduce_cli", "reproduce on the command line"),
        ("reproduce", "reproduce with Python"),
    ):
        if finding.get(key):
            # The command line is short: a new finding shows it without a click.
            unfold = opened if key == "reproduce_cli" else ""
            parts.append(
                f'<details class="repro"{unfold}><summary>{_e(label)} (<code>{key}</code>)</summary>'
                f"{_pre(str(finding[key]))}</details>"
            )
    parts.append("</details>")
    return "".join(parts)


def _causes(causes: Sequence[Cause]) -> str:
    parts = [
        '<section id="findings"><h2>Findings by root cause</h2>',
        "<p>A root cause is the same wrong answer to the same kind of request, whichever operation or "
        "rule showed it. New causes first; new findings are open.</p>",
    ]
    if not causes:
        parts.append("<p>No findings.</p></section>")
        return "".join(parts)
    rows = "".join(
        f'<tr><td>{n}</td><td><a href="#{_e(_id("cause-", c.id))}">{_e(c.title)}</a></td>'
        f'<td><span class="badge {c.status}">{_e(c.status)}</span></td><td>{len(c.findings)}</td>'
        f"<td>{len(c.rules)}</td><td>{len(c.operations)}</td></tr>"
        for n, c in enumerate(causes, start=1)
    )
    parts.append(
        "<table><thead><tr><th>#</th><th>cause</th><th>status</th><th>findings</th><th>rules</th>"
        f"<th>operations</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    for n, cause in enumerate(causes, start=1):
        rules = ", ".join(f"<code>{_e(r)}</code>" for r in cause.rules)
        ops = ", ".join(f"{_e(s)} <code>{_e(o)}</code>" for s, o in cause.operations)
        parts.append(
            f'<article class="cause {cause.status}" id="{_e(_id("cause-", cause.id))}">'
            f'<h3>{n}. {_e(cause.title)} <span class="badge {cause.status}">{_e(cause.status)}</span></h3>'
            f'<p class="meta">cause <code>{_e(cause.id)}</code> · {len(cause.findings)} findings '
            f"({cause.new} new)</p><p class='meta'>rules: {rules}</p><p class='meta'>operations: {ops}</p>"
        )
        parts.extend(_finding(f) for f in cause.findings)
        parts.append("</article>")
    parts.append("</section>")
    return "".join(parts)


def _bar(hit: int, total: int) -> str:
    pct = 100 * hit / total if total else 0
    return f'<span class="bar"><i style="width:{pct:.0f}%"></i></span> {pct:.0f}%'


def _coverage(coverage: Coverage | None) -> str:
    parts = ['<section id="coverage"><h2>Spec coverage</h2>']
    if coverage is None:
        parts.append("<p>Not computed (no cassette).</p></section>")
        return "".join(parts)
    parts.append(
        f"<p>What of the <code>{_e(coverage.profile)}</code> profile the run's cassette exercised: a "
        "parameter by a request that carried it (valid or not), an enum value by a request that sent "
        "it, an error code by an answer that had it, a key-state transition by two consecutive reads "
        "of one key that showed it. Every number is a count of cassette lines.</p>"
    )
    rows = "".join(
        f"<tr><td>{_e(k.replace('_', ' '))}</td><td>{h}</td><td>{t}</td><td>{_bar(h, t)}</td></tr>"
        for k, (h, t) in coverage.totals().items()
    )
    parts.append(
        "<table><thead><tr><th>measure</th><th>exercised</th><th>documented</th><th></th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )
    for service in coverage.services.values():
        rows = ""
        never = []
        for op in service.operations.values():
            t = op.totals()
            rows += (
                f"<tr><td><code>{_e(op.operation)}</code></td><td>{op.calls}</td>"
                + "".join(
                    f"<td>{h}/{n}</td>" for h, n in (t["parameters"], t["enum_values"], t["error_codes"])
                )
                + "</tr>"
            )
            items = []
            params = [p for p, n in op.parameters.items() if not n]
            values = [f"{p}={v}" for p, c in op.enums.items() for v, n in c.items() if not n]
            errors = [e for e, n in op.errors.items() if not n]
            for label, found in (("parameters", params), ("enum values", values), ("error codes", errors)):
                if found:
                    items.append(f"{label}: " + ", ".join(f"<code>{_e(i)}</code>" for i in found))
            if op.undocumented_errors:
                items.append(
                    "undocumented codes answered: "
                    + ", ".join(
                        f"<code>{_e(c)}</code> {_TIMES}{n}" for c, n in op.undocumented_errors.items()
                    )
                )
            if items:
                never.append(f"<li><b>{_e(op.operation)}</b> — {'; '.join(items)}</li>")
        parts.append(
            f"<h3>{_e(service.service)} ({service.calls} calls)</h3>"
            "<table><thead><tr><th>operation</th><th>calls</th><th>parameters</th><th>enum values</th>"
            f"<th>error codes</th></tr></thead><tbody>{rows}</tbody></table>"
            f'<p>Never exercised:</p><ul class="never">{"".join(never)}</ul>'
        )
        common = ", ".join(f"<code>{_e(c)}</code> {_TIMES}{n}" for c, n in service.common_errors.items() if n)
        parts.append(f"<p>Common errors seen: {common or 'none'}.</p>")
        if service.undocumented_operations:
            other = ", ".join(
                f"<code>{_e(o)}</code> {_TIMES}{n}" for o, n in service.undocumented_operations.items()
            )
            parts.append(f"<p>Calls to operations this profile does not document: {other}.</p>")
        if service.documented_transitions:
            source = TRANSITION_SOURCES.get(service.service, "")
            trs = "".join(
                f"<tr><td>{_e(a)}</td><td>{_e(b)}</td><td>{_e(c)}</td>"
                f"<td class='{'passed' if n else 'unchecked'}'>{n or 'never'}</td></tr>"
                for a, b, c, n in service.documented_transitions
            )
            documented = {(a, b) for a, b, _, _ in service.documented_transitions}
            seen = "".join(
                f"<li>{_e(t.from_state)} → {_e(t.to_state)} {_TIMES}{t.count} "
                f"via {_e(', '.join(t.via) or '-')}"
                f"{'' if (t.from_state, t.to_state) in documented else ' (not documented)'}</li>"
                for t in service.transitions
            )
            parts.append(
                f'<p>Key-state transitions (<a href="{_e(source)}">documented</a>):</p>'
                "<table><thead><tr><th>from</th><th>to</th><th>caused by</th><th>observed</th></tr></thead>"
                f"<tbody>{trs}</tbody></table><p>Observed:</p><ul>{seen or '<li>none</li>'}</ul>"
            )
    parts.append("</section>")
    return "".join(parts)


def html_report(document: Mapping[str, Any], coverage: Coverage | None = None) -> str:
    """The text of report.html for a findings.json document and, if computed, its coverage."""
    outcomes = rule_outcomes(document)
    causes = group(document.get("findings") or [])
    return (
        _head(document)
        + _summary(summary_counts(document, outcomes), causes)
        + _matrix(matrix(outcomes))
        + _causes(causes)
        + _coverage(coverage)
        + "<footer>Written by the KMS conformance harness from findings.json"
        + (" and cassette.jsonl" if coverage is not None else "")
        + ".</footer></body></html>\n"
    )
