"""Schemathesis and the harness side by side: the same emulator, the same time budget.

    python benchmarks/schemathesis_comparison.py --budget 60 --out /tmp/cmp

Schemathesis side: ``python -m harness schemathesis``'s path (the specs as OpenAPI, one path per
operation, the signing loopback proxy) against a fresh moto, for ``--budget`` seconds, with
**every** Schemathesis check on (``--checks all``), so that its status-code guesses are counted
too. Each of its findings (a failing check on an operation, Schemathesis's own unit) is then
classified by the harness's oracle, which is the rulebook written as rules: the exchange the check
failed on is judged (harness.engine.judge), and the finding is a *real divergence* when the judge
finds the same fault in it, a *false alarm* otherwise:

- ``not_a_server_error``: real when the target answered 5xx (rulebook rules 4-5: a client's
  request earns a success or a 4xx); a 5xx the proxy gave itself would be the bridge's;
- ``negative_data_rejection`` ("accepted invalid input"): real only when the judge says the
  request had to be refused (a non-advisory ``unexpected-success`` or ``auth`` divergence): many
  of the schema's bounds are not documented as enforced, or are contradicted (rulebook rule 7);
- ``positive_data_acceptance`` ("rejected valid input"): real only for a non-advisory
  ``unexpected-error`` (a NotFoundException to a random key id is the documented answer);
- ``status_code_conformance``: real when the judge has an outcome divergence on it (the
  description lists 200 and 4XX only, so a 5xx shows here too);
- ``response_schema_conformance``, ``content_type_conformance``: real when the judge has a
  ``response-schema`` or ``wire-format`` divergence on it (awsJson answers are typed
  ``application/x-amz-json-1.x``, which the export calls ``application/json``);
- any other check (``unsupported_method``, ``ignored_auth``, ``missing_required_header``, ...)
  tests HTTP conventions the awsJson protocol does not have, through a proxy that signs every
  request: a false alarm unless the judge has a non-advisory divergence on the same exchange.

Harness side: the conformance suite against a fresh moto with the same seed, given as many calls
as Schemathesis sent (``--max-calls``: the harness has budgets of calls, not of time; the suite
runs in its fixed order, so a budget covers its first tests), with its wall and CPU time printed;
``--max-calls 0`` runs the whole suite. Its findings are classified by the emulator's reviewed
baseline: an id the baseline knows has a reason checked by hand against the rulebook (a real
divergence); an advisory has an inferred expectation (counted apart, never a divergence); a new
id is unreviewed.

Both sides: distinct 5xx causes are counted from moto's own log, one per (exception type,
innermost moto frame) of its tracebacks, which is what a maintainer would fix.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from harness.bridges.schemathesis.run import BridgeOptions, crashed, run
from harness.engine.judge import Judge, Judgement
from harness.engine.model import Model
from harness.reporting.causes import cause_of
from harness.services import load
from harness.spec import catalog

_FRAME = re.compile(r'File "[^"]*/site-packages/(moto/[^"]+)", line (\d+), in (\S+)')
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning)\w*)\b")

#: Which divergence kinds of the judge confirm each Schemathesis check (see the module docstring).
CONFIRMED_BY: Mapping[str, frozenset[str]] = {
    "not_a_server_error": frozenset({"server-error", "not-implemented"}),
    "negative_data_rejection": frozenset({"unexpected-success", "auth"}),
    "positive_data_acceptance": frozenset({"unexpected-error"}),
    "status_code_conformance": frozenset(
        {"server-error", "wrong-error", "unexpected-error", "unexpected-success"}
    ),
    "response_schema_conformance": frozenset({"response-schema"}),
    "content_type_conformance": frozenset({"wire-format"}),
}


def crash_causes(log: Path) -> Counter[tuple[str, str]]:
    """(exception type, innermost moto frame) of every traceback in moto's log, counted."""
    causes: Counter[tuple[str, str]] = Counter()
    if not log.is_file():
        return causes
    frame: str | None = None
    inside = False
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("Traceback (most recent call last)"):
            inside, frame = True, None
            continue
        if not inside:
            continue
        found = _FRAME.search(line)
        if found:
            frame = f"{found[1]}:{found[2]} {found[3]}"
            continue
        exception = _EXCEPTION.match(line)
        if exception and not line.startswith(" "):
            causes[(exception[1], frame or "(no moto frame)")] += 1
            inside = False
    return causes


def _body(request: Mapping[str, Any]) -> bytes:
    body = request.get("body")
    if isinstance(body, Mapping) and "$base64" in body:
        return base64.b64decode(str(body["$base64"]))
    return body.encode() if isinstance(body, str) else b""


def schemathesis_failures(ndjson: Path) -> dict[tuple[str, str], list[tuple[str, str, bytes]]]:
    """(operation, check) -> the (method, path, body) of each failing case, from its NDJSON events."""
    found: dict[tuple[str, str], list[tuple[str, str, bytes]]] = defaultdict(list)
    for line in ndjson.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished.get("recorder") or {}
        interactions = recorder.get("interactions") or {}
        for case_id, checks in (recorder.get("checks") or {}).items():
            interaction = interactions.get(case_id) or {}
            request = interaction.get("request") or {}
            method = str(request.get("method", ""))
            path = urlsplit(str(request.get("uri", ""))).path
            for check in checks:
                if check.get("status") == "failure":
                    found[(recorder.get("label", path), check["name"])].append((method, path, _body(request)))
    return found


def judge_all(sent: Iterable[tuple[str, bytes, Any]]) -> dict[tuple[str, bytes], Judgement]:
    """Every exchange judged in order by one judge (a fresh run's complete model)."""
    judge = Judge(catalog.load("aws"), Model(complete=True))
    out: dict[tuple[str, bytes], Judgement] = {}
    for path, body, exchange in sent:
        try:
            judged = judge.judge(exchange)
        except Exception:  # a harness bug on a request no rule test sends (the bridge notes them)
            judged = Judgement(exchange, None, ())
        out.setdefault((path, body), judged)
    return out


def verdict(check: str, judged: Judgement | None) -> str:
    """``real``, ``advisory`` (the judge agrees, on an inferred expectation) or ``false alarm``."""
    if judged is None:
        return "false alarm"  # the proxy answered it (a method or path the description does not have)
    if check in ("not_a_server_error", "status_code_conformance") and crashed(judged.exchange):
        kinds = CONFIRMED_BY["not_a_server_error"]
        same = [d for d in judged.divergences if d.kind in kinds]
        if not same or any(not d.advisory for d in same):
            return "real"  # no rule decides the request: a 5xx is still a server fault (rules 4-5)
        return "advisory"
    kinds = CONFIRMED_BY.get(check, frozenset())
    same = [d for d in judged.divergences if not kinds or d.kind in kinds]
    if any(not d.advisory for d in same):
        return "real"
    return "advisory" if same else "false alarm"


_RANK = ("real", "advisory", "false alarm")


def schemathesis_side(budget: int, seed: int, out: Path) -> dict[str, Any]:
    started = time.monotonic()
    cpu = os.times()
    result = run(BridgeOptions(target="emulator", report_dir=out, max_time=budget, seed=seed, checks="all"))
    wall = time.monotonic() - started
    children = os.times()
    judged = judge_all(result.sent)
    failures = schemathesis_failures(out / "schemathesis" / "events.ndjson")
    by_check: dict[str, Counter[str]] = defaultdict(Counter)
    details: list[dict[str, Any]] = []
    for (operation, check), cases in sorted(failures.items()):
        # The proxy sends POST only: a case of another method got the proxy's own answer.
        verdicts = {
            verdict(check, judged.get((path, body)) if method == "POST" else None)
            for method, path, body in cases
        }
        chosen = next(v for v in _RANK if v in verdicts)
        by_check[check][chosen] += 1
        rules = sorted(
            {
                f"{d.rule} ({d.kind}{', advisory' if d.advisory else ''})"
                for method, path, body in cases
                if method == "POST" and (j := judged.get((path, body))) is not None
                for d in j.divergences
            }
        )
        details.append(
            {"operation": operation, "check": check, "verdict": chosen, "cases": len(cases), "judge": rules}
        )
    causes = crash_causes(out / "schemathesis" / "emulator.log")
    return {
        "wall_seconds": round(wall, 1),
        "child_cpu_seconds": round(
            (children.children_user - cpu.children_user) + (children.children_system - cpu.children_system), 1
        ),
        "calls": result.exchanges,
        "answers_5xx": result.crashes,
        "schemathesis_findings": sum(sum(c.values()) for c in by_check.values()),
        "by_check": {k: dict(v) for k, v in sorted(by_check.items())},
        "real": sum(c["real"] for c in by_check.values()),
        "advisory": sum(c["advisory"] for c in by_check.values()),
        "false_alarms": sum(c["false alarm"] for c in by_check.values()),
        "harness_server_error_ids": len(result.findings),
        "harness_server_error_causes": len({cause_of(f.to_dict())[0] for f in result.findings}),
        "moto_crash_causes": len(causes),
        "moto_crash_cause_list": sorted(f"{e} at {f}" for e, f in causes),
        "schemathesis": result.schemathesis,
        "findings": details,
    }


def harness_side(seed: int, examples: int | None, max_calls: int | None, out: Path) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--target=emulator",
        f"--seed={seed}",
        f"--report-dir={out}",
        "-q",
        "-p",
        "no:schemathesis",
    ]
    if examples is not None:
        command.append(f"--examples={examples}")
    if max_calls is not None:
        # The harness has budgets of calls, not of time: Schemathesis's calls in its budget.
        command.append(f"--max-calls={max_calls}")
    started = time.monotonic()
    before = os.times()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.monotonic() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    document = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    findings = document["findings"]
    known = [f for f in findings if f.get("baseline") == "known" and not f.get("advisory")]
    advisory = [f for f in findings if f.get("advisory")]
    new = [f for f in findings if f.get("baseline") != "known" and not f.get("advisory")]
    server = [f for f in findings if f["kind"] == "server-error"]
    causes = crash_causes(out / "emulator.log")
    return {
        "wall_seconds": round(wall, 1),
        "child_cpu_seconds": round(cpu, 1),
        "examples": examples,
        "max_calls": max_calls,
        "budget": document["summary"].get("budget"),
        "calls": document["summary"]["calls"],
        "findings": len(findings),
        "causes": len({f.get("cause") for f in findings}),
        "real_reviewed": len(known),
        "advisories": len(advisory),
        "unreviewed": len(new),
        "server_error_findings": len(server),
        "server_error_causes": len({f.get("cause") for f in server}),
        "moto_crash_causes": len(causes),
        "moto_crash_cause_list": sorted(f"{e} at {f}" for e, f in causes),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--budget", type=int, default=60, help="Schemathesis's time budget in seconds")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--examples", type=int, help="the harness's --examples (default: its own, 25)")
    parser.add_argument(
        "--max-calls",
        type=int,
        help="the harness's --max-calls (default: as many calls as Schemathesis sent in its budget; 0: none)",
    )
    parser.add_argument("--out", default="/tmp/schemathesis-comparison")
    parser.add_argument("--skip-harness", action="store_true")
    parser.add_argument("--skip-schemathesis", action="store_true")
    args = parser.parse_args()
    load()
    out = Path(args.out)
    print(f"load average before: {os.getloadavg()}")
    report: dict[str, Any] = {}
    if not args.skip_schemathesis:
        report["schemathesis"] = schemathesis_side(args.budget, args.seed, out / "schemathesis")
        (out / "comparison.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if not args.skip_harness:
        max_calls = args.max_calls
        if max_calls is None and "schemathesis" in report:
            max_calls = int(report["schemathesis"]["calls"])
        report["harness"] = harness_side(args.seed, args.examples, max_calls or None, out / "harness")
    report["load_average_after"] = os.getloadavg()
    (out / "comparison.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
