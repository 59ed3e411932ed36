"""``python -m harness``: the command line.

    python -m harness spec build      regenerate specs/ from botocore and the documents
    python -m harness spec check      exit 1 if the committed specs differ from a rebuild
    python -m harness spec lint       report every disagreement between the documents
    python -m harness run [ARGS]      the conformance suite (pytest ARGS), from any directory
    python -m harness publish         reports/published/<target>/ from a run with a pinned seed
    python -m harness replay FILE     re-check a recorded cassette offline
    python -m harness verify BUNDLE   check a certification bundle offline (0 conformant, 1 not)
    python -m harness checks          list the answer checks (for --checks)
    python -m harness merge DIR...    one findings.json from the report dirs of a run's shards
    python -m harness sweep ...       schedule the deletion of what killed real-account runs left
    python -m harness rules [--stale DAYS]  list the rules with their evidence grade and dates
    python -m harness targets list    the known targets (built-in and named) and whether each is ready
    python -m harness targets install localstack   provision LocalStack's own environment
    python -m harness schemathesis --target=NAME   Schemathesis for a time budget; its 5xx as findings

Exit codes: 0 success, 1 findings or differences, 2 bad input or harness error (one line
on stderr, never a traceback).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from harness.errors import EXIT_HARNESS_ERROR, HarnessError, UsageError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the usage too; bad input gets one line (DEVELOPERS.md).
        raise UsageError(f"{self.prog}: {message}")


def _specs_dir(value: str | None) -> Path:
    from harness.spec.catalog import default_specs_dir

    return Path(value) if value else default_specs_dir()


def _spec_build(args: argparse.Namespace) -> int:
    from harness.spectools import profiles

    files = profiles.render()
    profiles.write(_specs_dir(args.specs), files)
    print(f"wrote {len(files)} files under {_specs_dir(args.specs)}")
    return 0


def _spec_check(args: argparse.Namespace) -> int:
    from harness.spectools import profiles

    changed = profiles.diff(_specs_dir(args.specs), profiles.render())
    if changed:
        print("specs differ from a rebuild (run: python -m harness spec build):")
        for path in changed:
            print(f"  {path}")
        return 1
    print("specs are up to date")
    return 0


def _spec_lint(args: argparse.Namespace) -> int:
    from harness.spectools import lint

    return lint.main(args)


def _verify(args: argparse.Namespace) -> int:
    from harness.certification import verify

    return verify.main(args)


def _replay(args: argparse.Namespace) -> int:
    from harness.engine import replay

    return replay.main(args)


def _targets_list(args: argparse.Namespace) -> int:
    from harness import targets
    from harness.targets import catalogue

    chosen = Path(args.targets_file) if args.targets_file else None
    for line in catalogue.listing(targets.load_targets_file(chosen)):
        print(line)
    return 0


def _targets_install(args: argparse.Namespace) -> int:
    from harness.targets import catalogue

    for line in catalogue.install(args.name):
        print(line)
    return 0


def _run(args: argparse.Namespace) -> int:
    import pytest

    from harness.plugin import SUITE_DIR

    return int(pytest.main([str(SUITE_DIR), *args.pytest_args]))


PUBLISHED = ("report.md", "report.html", "findings.json")
"""What ``publish`` copies into ``reports/published/<target>/``."""


def _publish(args: argparse.Namespace) -> int:
    """Run the suite against ``--target`` with a pinned seed and copy its reports into
    ``reports/published/<target>/`` (the run's cassette and logs stay behind)."""
    import shutil
    import tempfile

    import pytest

    from harness.plugin import SUITE_DIR

    out = Path(args.out) if args.out else Path("reports") / "published" / args.target
    with tempfile.TemporaryDirectory(prefix="harness-publish-") as work:
        code = int(
            pytest.main(
                [
                    str(SUITE_DIR),
                    f"--target={args.target}",
                    f"--seed={args.seed}",
                    f"--report-dir={work}",
                    *args.pytest_args,
                ]
            )
        )
        if not all((Path(work) / name).is_file() for name in PUBLISHED):
            return code if code else EXIT_HARNESS_ERROR  # the run wrote nothing: nothing to publish
        out.mkdir(parents=True, exist_ok=True)
        for name in PUBLISHED:
            shutil.copyfile(Path(work) / name, out / name)
    print(f"published {', '.join(PUBLISHED)} of --target={args.target} --seed={args.seed} in {out}/")
    return code


def _sweep(args: argparse.Namespace) -> int:
    from harness.engine import sweep

    return sweep.main(args)


def _schemathesis(args: argparse.Namespace) -> int:
    from harness.bridges.schemathesis import command

    return command.main(args)


def _merge(args: argparse.Namespace) -> int:
    from harness.merge import merge_directories, read_document
    from harness.report import summary_lines

    path = merge_directories([Path(d) for d in args.dirs], Path(args.out))
    document = read_document(path.parent)
    for line in summary_lines(document):  # the end-of-run text of a run in one process
        print(line)
    print(f"findings: {path} (merged from {len(args.dirs)} report directories)")
    print(f"reports: {path.parent}/ (report.html, report.md, junit.xml, findings.json)")
    return 1 if document["summary"].get("new_findings") else 0


def _checks(args: argparse.Namespace) -> int:
    from harness.checks import CHECKS
    from harness.services import load

    load()
    for name in CHECKS.names():
        print(name)
    return 0


def _rules(args: argparse.Namespace) -> int:
    """Every rule with its grade, checked date and source; ``--stale DAYS``: those to re-read."""
    from datetime import date

    from harness.oracle.rules import EVIDENCE_GRADES, RULES, stale_rules
    from harness.services import load

    load()
    try:
        today = date.fromisoformat(args.today) if args.today else date.today()
    except ValueError:
        raise UsageError(f"--today {args.today!r} is not a YYYY-MM-DD date") from None
    if args.stale is not None:
        if args.stale < 0:
            raise UsageError(f"--stale {args.stale} must be 0 or more days")
        stale = stale_rules(RULES, today=today, days=args.stale)
        for rule, age, why in stale:
            print(f"{rule.id}\t{rule.evidence}\t{age} days ({why})\t{rule.source}")
        print(f"{len(stale)} of {len(RULES)} rules have evidence older than {args.stale} days")
        return 1 if stale else 0
    for rule in sorted(RULES, key=lambda r: r.id):
        grade = rule.evidence + (f" (code {rule.code_evidence})" if rule.code_evidence else "")
        dated = f"source {rule.source_date}" if rule.source_date else "source undated"
        print(f"{rule.id}\t{grade}\tchecked {rule.checked}\t{dated}\t{rule.source}")
    counts = ", ".join(f"{sum(r.evidence == g for r in RULES)} {g}" for g in EVIDENCE_GRADES)
    print(f"{len(RULES)} rules: {counts}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m harness", description="KMS conformance harness")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    spec = sub.add_parser("spec", help="build or check the committed specs")
    spec_sub = spec.add_subparsers(dest="spec_command", required=True, parser_class=_Parser)
    for name, func, text in (
        ("build", _spec_build, "regenerate specs/ from botocore and the documents"),
        ("check", _spec_check, "exit 1 if specs/ differs from a rebuild"),
    ):
        cmd = spec_sub.add_parser(name, help=text)
        cmd.add_argument("--specs", help="the specs directory (default: specs/ of this checkout)")
        cmd.set_defaults(func=func)
    lint_cmd = spec_sub.add_parser(
        "lint", help="write reports/spec-lint/: every disagreement of the documents"
    )
    lint_cmd.add_argument("--specs", help="the specs directory (default: specs/ of this checkout)")
    lint_cmd.add_argument("--out", help="the report directory (default: reports/spec-lint/)")
    lint_cmd.set_defaults(func=_spec_lint)
    replay_cmd = sub.add_parser("replay", help="re-check a recorded cassette with no endpoint")
    replay_cmd.add_argument("cassette", help="a cassette (JSON Lines, shared/contracts/cassette.schema.json)")
    replay_cmd.add_argument("--report-dir", help="where findings.json goes (default: reports/replay/)")
    replay_cmd.add_argument("--profile", default="aws", help="spec profile (default aws)")
    replay_cmd.add_argument(
        "--rules-from",
        help="judge only the rules a findings.json checked (its summary.rules), e.g. a -k run's",
    )
    replay_cmd.set_defaults(func=_replay)
    verify_cmd = sub.add_parser(
        "verify", help="check a certification bundle (pytest --certify) with no endpoint: 0 conformant, 1 not"
    )
    verify_cmd.add_argument("bundle", help="a certification/ directory or its certification.tar.gz")
    verify_cmd.set_defaults(func=_verify)
    sweep_cmd = sub.add_parser(
        "sweep", help="schedule the deletion of what killed runs left in a real account (by ledger and tag)"
    )
    from harness.engine.sweep import add_arguments

    add_arguments(sweep_cmd)
    sweep_cmd.set_defaults(func=_sweep)
    merge_cmd = sub.add_parser("merge", help="one findings.json from the report dirs of a run's shards")
    merge_cmd.add_argument("dirs", nargs="+", help="the shards' report directories (with findings.json)")
    merge_cmd.add_argument("--out", default="reports/merged", help="where it goes (default reports/merged/)")
    merge_cmd.set_defaults(func=_merge)
    bridge = sub.add_parser(
        "schemathesis",
        help="run Schemathesis through a signing loopback proxy for a time budget; every 5xx and "
        "crash becomes a server-error finding (needs the schemathesis extra)",
    )
    from harness.bridges.schemathesis.command import add_arguments as bridge_arguments

    bridge_arguments(bridge)
    bridge.set_defaults(func=_schemathesis)
    checks = sub.add_parser("checks", help="list the answer checks (for --checks)")
    checks.set_defaults(func=_checks)
    rules = sub.add_parser("rules", help="list the rules: evidence grade, checked date, source")
    rules.add_argument(
        "--stale",
        type=int,
        metavar="DAYS",
        help="only the rules whose evidence (last check, or the source's own date) is older than DAYS "
        "(exit 1 when there are any)",
    )
    rules.add_argument("--today", help="the date to count from (default: today), YYYY-MM-DD")
    rules.set_defaults(func=_rules)
    targets_cmd = sub.add_parser("targets", help="list the known targets; install what one needs")
    targets_sub = targets_cmd.add_subparsers(dest="targets_command", required=True, parser_class=_Parser)
    listed = targets_sub.add_parser("list", help="built-in and named targets, and whether each is ready")
    listed.add_argument("--targets-file", help="the targets file (default: harness.toml here, if any)")
    listed.set_defaults(func=_targets_list)
    installed = targets_sub.add_parser("install", help="provision a target kind (localstack: its own Python)")
    installed.add_argument("name", help="the target kind, e.g. localstack")
    installed.set_defaults(func=_targets_install)
    publish = sub.add_parser(
        "publish",
        help="run the suite with a pinned seed and copy report.md, report.html and findings.json "
        "into reports/published/<target>/; other arguments go to pytest",
    )
    publish.add_argument("--target", default="emulator", help="the target (default emulator)")
    publish.add_argument("--seed", default="1", help="the run seed (default 1, as CI)")
    publish.add_argument("--out", help="where the reports go (default reports/published/<target>/)")
    publish.add_argument("pytest_args", nargs=argparse.REMAINDER)
    publish.set_defaults(func=_publish)
    run = sub.add_parser("run", help="run the conformance suite; other arguments go to pytest")
    run.add_argument("pytest_args", nargs=argparse.REMAINDER)
    run.set_defaults(func=_run)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args, unknown = parser().parse_known_args(argv)
        if unknown and args.command not in ("run", "publish"):
            raise UsageError(f"python -m harness: unrecognized arguments: {' '.join(unknown)}")
        if args.command in ("run", "publish"):
            # Everything after ``run`` is pytest's, options first included (argparse would
            # otherwise take ``--target=...`` for one of its own).
            args.pytest_args = [*unknown, *args.pytest_args]
        code: int = args.func(args)
        return code
    except HarnessError as exc:
        print(f"harness: error: {exc}", file=sys.stderr)
        return EXIT_HARNESS_ERROR
