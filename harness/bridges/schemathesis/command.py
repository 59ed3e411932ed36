"""The command line of the bridge, and its report: findings.json, report.md, report.html, junit.xml.

The findings are classified against the target's baseline as a run's are (``known`` when an
entry names the id: the suite often meets the same crash and gives it the same id), grouped into
causes (harness.reporting.causes), and either added to the findings.json of a run against the
same target already in ``--report-dir`` (harness.merge: the union by id, the calls added up) or
written as a findings.json of their own. The summary's ``schemathesis`` member says what ran.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness import baseline as baselines
from harness.errors import UsageError
from harness.merge import merge_documents
from harness.report import RunReport, now_iso, summary_lines, write
from harness.reporting import causes
from harness.reporting.files import write_reports
from harness.spec import catalog

from .run import DEFAULT_MAX_TIME, DEFAULT_SEED, BridgeOptions, BridgeResult, run

#: Harness errors kept in findings.json and shown at the end (their total is always given).
MAX_ERRORS = 20
MAX_SHOWN = 5


def _baseline(target: str, kind: str) -> baselines.Baseline:
    """The target's own baseline, else its kind's (as a run's default, harness.plugin)."""
    for name in dict.fromkeys((target, kind)):
        path = baselines.default_path(name)
        if path.is_file():
            return baselines.Baseline.load(path)
    return baselines.Baseline.empty()


def document(result: BridgeResult, options: BridgeOptions, *, kind: str, started_at: str) -> dict[str, Any]:
    """The findings.json document of the bridge's findings alone."""
    base = _baseline(options.target, kind)
    marked = [replace(f, baseline=None if f.advisory else base.verdict(f.id)) for f in result.findings]
    report = RunReport(
        target={
            "name": options.target,
            "endpoint_url": None,
            "implementation": result.schemathesis.get("implementation"),
            "kind": kind,
        },
        seed=options.seed,
        started_at=started_at,
        profile=options.profile,
        calls=result.exchanges,
    )
    doc = base.annotate(causes.annotate(report.document(marked)))
    doc["summary"]["schemathesis"] = schemathesis_summary(result, options)
    return doc


def schemathesis_summary(result: BridgeResult, options: BridgeOptions) -> dict[str, Any]:
    return {
        "max_time": options.max_time,
        "seed": options.seed,
        "seconds": round(result.seconds, 1),
        "calls": result.exchanges,
        "server_errors": result.crashes,
        "findings": len(result.findings),
        "operations": list(options.operations) or "all",
        **{k: v for k, v in result.schemathesis.items() if k != "implementation"},
        **(
            {"errors": result.errors[:MAX_ERRORS], "errors_total": len(result.errors)}
            if result.errors
            else {}
        ),
    }


def into_existing(existing: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """``own`` (the bridge's document) added to ``existing`` (a run's, same target): the union of
    the findings by id, the calls added up; the run's seed, profile and stale entries kept."""
    if existing.get("target", {}).get("name") != own.get("target", {}).get("name"):
        raise UsageError(
            f"the findings.json in --report-dir is of target {existing.get('target', {}).get('name')!r}, "
            f"not {own.get('target', {}).get('name')!r}: give another --report-dir"
        )
    seen = {f["id"] for f in own.get("findings", [])}
    stale = [fid for fid in existing.get("summary", {}).get("stale_baseline", []) if fid not in seen]
    aligned = {
        **own,
        "seed": existing.get("seed"),
        "profile": existing.get("profile"),
        "summary": {**own["summary"], "stale_baseline": stale},
    }
    merged = merge_documents([existing, aligned])
    merged["summary"]["stale"] = len(merged["summary"].get("stale_baseline", []))
    merged["summary"]["schemathesis"] = own["summary"]["schemathesis"]
    return causes.annotate(merged)


def write_report(
    report_dir: Path, doc: Mapping[str, Any], profile: str = "aws"
) -> tuple[dict[str, Any], Path, bool]:
    """Write ``doc`` (added to the findings.json already there, if any); the document written,
    its path and whether it was added to an existing one. A run's cassette there keeps its spec
    coverage in the reports."""
    path = report_dir / "findings.json"
    added = path.is_file()
    final = dict(doc)
    if added:
        try:
            existing = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read {path} to add to it: {exc}") from None
        final = into_existing(existing, doc)
    written = write(report_dir, final)
    cassette = report_dir / "cassette.jsonl"
    specs = catalog.load(profile)
    write_reports(
        report_dir,
        final,
        cassettes=[cassette],
        specs_dir=specs.root / profile,
    )
    return final, written, added


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target", default="emulator", help="the target (default emulator); never a real account"
    )
    parser.add_argument("--endpoint-url", help="for --target=endpoint: the running endpoint's URL")
    parser.add_argument("--targets-file", help="the targets file (default: harness.toml here, if any)")
    parser.add_argument(
        "--report-dir",
        default=str(Path("reports") / "schemathesis"),
        help="where findings.json goes; a run's findings.json there (same target) gets these findings "
        "added (default reports/schemathesis/)",
    )
    parser.add_argument(
        "--max-time",
        type=int,
        default=DEFAULT_MAX_TIME,
        help=f"Schemathesis's time budget in seconds (default {DEFAULT_MAX_TIME})",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"Schemathesis's seed (default {DEFAULT_SEED})"
    )
    parser.add_argument("--profile", default="aws", help="spec profile (default aws)")
    parser.add_argument(
        "--operation",
        action="append",
        default=[],
        metavar="SERVICE:OPERATION",
        help="only this operation (repeat for more; default every operation of the specs)",
    )


def main(args: argparse.Namespace) -> int:
    options = BridgeOptions(
        target=args.target,
        report_dir=Path(args.report_dir),
        max_time=args.max_time,
        seed=args.seed,
        profile=args.profile,
        operations=tuple(args.operation),
        targets_file=Path(args.targets_file) if args.targets_file else None,
        endpoint_url=args.endpoint_url,
    )
    started_at = now_iso()
    result = run(options)
    doc = document(result, options, kind=result.kind, started_at=started_at)
    _, path, added = write_report(options.report_dir, doc, options.profile)
    print(
        f"schemathesis: {result.exchanges} calls in {result.seconds:.0f} s, {result.crashes} answered 5xx "
        f"or not at all: {len(result.findings)} findings (kind server-error)"
    )
    for line in summary_lines(doc):
        print(line)
    for error in result.errors[:MAX_SHOWN]:
        print(f"harness error during the run (not a finding): {error}")
    if len(result.errors) > MAX_SHOWN:
        print(f"... {len(result.errors) - MAX_SHOWN} more in findings.json summary.schemathesis.errors")
    how = "added to" if added else "written to"
    print(f"findings: {how} {path}; Schemathesis's own files: {options.report_dir / 'schemathesis'}/")
    sys.stdout.flush()
    own = doc["findings"]
    return 1 if any(f.get("baseline") != "known" and not f.get("advisory") for f in own) else 0
