"""The pytest plugin: ``pytest --target=emulator`` runs the conformance suite.

Loaded through the ``pytest11`` entry point on every pytest run of the environment, so it
is inert until asked: with no ``--target`` (and no path into the suite), it reads no file,
imports nothing heavy, prints nothing and changes nothing of the run. Asked, it collects the
suite shipped in the package (``harness/suite``), from whatever directory pytest runs in.

Verdicts per rule test: a new finding fails the test; only known findings (in the
target's baseline) make it xfail; advisories alone (inferred expectations) make it xfail
as "advisory only" and never fail the run; a rule no draw could exercise is skipped with the
reason. A harness error (bad option, unreachable endpoint, broken spec) ends the run
with one line and exit code 2, and no report is written.
"""

from __future__ import annotations

import gc
import secrets
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from harness.errors import EXIT_HARNESS_ERROR, HarnessError

if TYPE_CHECKING:
    from harness.engine.rule_runs import RuleRun
    from harness.engine.session import RunResult, Session
    from harness.engine.shards import Shard
    from harness.engine.state_machines import StatefulRun
    from harness.machines import StatefulTest
    from harness.options import RunOptions
    from harness.progress import Counts, Progress
    from harness.scenarios.base import RuleTest
    from harness.targets import TargetConfig, TargetsFile

SUITE_DIR = Path(__file__).resolve().parent / "suite"
_STATE_KEY = pytest.StashKey["ConformanceState"]()
#: The collector's first threshold in a conformance run (set by pytest_sessionstart); Python's
#: default is 700.
RUN_GC_THRESHOLD = 10_000


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "KMS conformance harness")
    group.addoption(
        "--target",
        "--conformance-target",
        dest="conformance_target",
        default=None,
        help="emulator (default: moto on 127.0.0.1, started by the harness), localstack, endpoint, "
        "or the name of a target in the targets file",
    )
    group.addoption(
        "--targets-file",
        dest="conformance_targets_file",
        default=None,
        help="TOML file of named targets (default: harness.toml in the working directory, if any)",
    )
    group.addoption(
        "--compare-target",
        dest="conformance_compare_target",
        default=None,
        help="differential run: send every call to this second target too and report each "
        "difference of the two answers (a built-in target or one of the targets file)",
    )
    group.addoption(
        "--endpoint-url",
        dest="conformance_endpoint_url",
        default=None,
        help="the endpoint of --target=endpoint (loopback only)",
    )
    group.addoption(
        "--region",
        dest="conformance_region",
        default=None,
        help="primary region (default us-east-1)",
    )
    group.addoption(
        "--replica-region",
        dest="conformance_replica_region",
        default=None,
        help="second region, for replicas (default us-west-2)",
    )
    group.addoption(
        "--report-dir",
        dest="conformance_report_dir",
        default=None,
        help="where findings.json and cassette.jsonl go (default reports/<target>/)",
    )
    group.addoption(
        "--profile",
        dest="conformance_profile",
        default=None,
        help="spec profile: aws (AWS's documented API) or documented (the vendor pages)",
    )
    group.addoption(
        "--seed",
        dest="conformance_seed",
        default=None,
        help="run seed (default: random, printed); the same seed gives the same findings",
    )
    group.addoption(
        "--examples",
        dest="conformance_examples",
        default=None,
        help="draws per rule test (default 25)",
    )
    group.addoption(
        "--shrink-calls",
        dest="conformance_shrink_calls",
        default=None,
        help="calls a rule test may spend shrinking a divergence (default 150)",
    )
    group.addoption(
        "--memo-sends",
        dest="conformance_memo_sends",
        default=None,
        help="identical state-free calls under test sent before the run judges more of them "
        "from their answers without sending (default 2; 0 sends every call)",
    )
    group.addoption(
        "--baseline",
        dest="conformance_baseline",
        default=None,
        help="known-divergence file (default baselines/<target>.json when it exists)",
    )
    group.addoption(
        "--checks",
        dest="conformance_checks",
        default=None,
        help="answer checks to run, comma-separated (default: all; python -m harness checks lists them)",
    )
    group.addoption(
        "--no-baseline",
        dest="conformance_no_baseline",
        action="store_true",
        help="treat every finding as new",
    )
    group.addoption(
        "--certify",
        dest="conformance_certify",
        action="store_true",
        help="a certification run: every rule at the certification settings, no baseline; writes "
        "<report-dir>/certification/ and certification.tar.gz (python -m harness verify checks them)",
    )
    group.addoption(
        "--shard",
        dest="conformance_shard",
        default=None,
        help="run part I of N of the suite (I/N, from 1/N; python -m harness merge joins the parts)",
    )
    group.addoption(
        "--example-db",
        dest="conformance_example_db",
        default=None,
        help="keep failing examples in DIR or redis://host:port/N and replay them first next time",
    )
    group.addoption(
        "--example-db-readonly",
        dest="conformance_example_db_readonly",
        action="store_true",
        help="replay the --example-db examples but never write to it (CI)",
    )
    group.addoption(
        "--update-baseline",
        dest="conformance_update_baseline",
        action="store_true",
        help="rewrite the baseline from this run: existing reasons kept, new entries UNREVIEWED "
        "(they still fail until a reason is written); with --strict-baseline stale entries go",
    )
    group.addoption(
        "--strict-baseline",
        dest="conformance_strict_baseline",
        action="store_true",
        help="stale baseline entries (their rule ran, their finding did not show) fail the run",
    )
    group.addoption(
        "--allow-aws-account",
        dest="conformance_allow_aws_accounts",
        action="append",
        default=[],
        metavar="ID",
        help="--target=aws: the account the credentials must belong to (repeatable; checked with STS)",
    )
    group.addoption(
        "--aws-profile",
        dest="conformance_aws_profile",
        default=None,
        help="--target=aws: the profile of the standard AWS credential chain (default: the chain's)",
    )
    group.addoption(
        "--max-keys",
        dest="conformance_max_keys",
        default=None,
        help="keys the run may create, replicas included (--target=aws: default 25)",
    )
    group.addoption(
        "--max-calls",
        dest="conformance_max_calls",
        default=None,
        help="requests the run may send (--target=aws: default 3000)",
    )
    group.addoption(
        "--max-rate",
        dest="conformance_max_rate",
        default=None,
        help="requests per second at most (--target=aws: default 10)",
    )


class ConformanceState:
    """Per pytest run: the options, and the session once a conformance test asks for it."""

    def __init__(self, options: RunOptions):
        self.options = options
        self.session: Session | None = None
        self.result: RunResult | None = None
        self.error: str | None = None
        self.selected_rules: frozenset[str] | None = None
        self.shard: Shard | None = None
        self.parts: list[tuple[str, Path]] | None = None
        """On the controller of ``-n N``: each worker that ran conformance tests, and its report dir."""
        self.merged_document: Mapping[str, Any] | None = None
        """On the controller of ``-n N``: the merged findings.json document."""
        self.merged_lines: list[str] = []

    worker_output: dict[str, Any] | None = None

    def get_session(self) -> Session:
        from harness.engine.session import Session

        if self.session is None:
            self.session = Session(self.options)
            self.session.selected_rules = self.selected_rules
            if self.worker_output is not None:  # tell the controller where this worker's report goes
                self.worker_output["conformance_report_dir"] = str(self.options.report_dir)
            self.session.listeners.append(lambda _: self.show_progress())
        return self.session

    # -- progress while the run goes (harness.progress) --

    baseline_note: str | None = None
    """What --update-baseline wrote, for the end-of-run text."""
    progress: Progress | None = None
    conformance_ids: frozenset[str] = frozenset()
    """The rule tests this run runs (after -k, -m, --shard)."""
    done = 0

    def counts(self) -> Counts:
        from harness.progress import Counts

        session = self.session
        findings = list(session.findings) if session is not None else []
        new = sum(1 for f in findings if session is not None and session.classify(f) in ("new", "expired"))
        calls = session.calls if session is not None else 0
        return Counts(self.done, len(self.conformance_ids), calls, len(findings), new)

    def show_progress(self, *, force: bool = False) -> None:
        if self.progress is not None:
            self.progress.update(self.counts, force=force)


def _fail(message: str) -> int:
    sys.stderr.write(f"harness: error: {message}\n")
    return EXIT_HARNESS_ERROR


def _options(config: pytest.Config) -> RunOptions:
    from harness import baseline as baselines
    from harness import targets
    from harness.budget import Budget
    from harness.errors import UsageError
    from harness.options import DEFAULT_EXAMPLES, DEFAULT_MEMO_SENDS, DEFAULT_SHRINK_CALLS, RunOptions

    get = config.getoption
    if get("conformance_certify"):  # what would weaken a certification is refused first
        from harness.certification.run import refuse

        refuse(lambda dest: get(dest, default=None), _test_ids(config))
    name = get("conformance_target") or "emulator"
    file_option = get("conformance_targets_file")
    targets_file = targets.load_targets_file(Path(file_option) if file_option else None)
    target = targets.resolve(
        name,
        endpoint_url=get("conformance_endpoint_url"),
        region=get("conformance_region"),
        replica_region=get("conformance_replica_region"),
        targets_file=targets_file,
        allow_accounts=get("conformance_allow_aws_accounts") or (),
        aws_profile=get("conformance_aws_profile"),
    )
    budget = Budget.parse(
        get("conformance_max_keys"), get("conformance_max_calls"), get("conformance_max_rate")
    )
    named = targets_file.get(name)
    limits = target.limits
    seed_text = get("conformance_seed")
    try:
        seed = int(seed_text) if seed_text is not None else secrets.randbits(32)
        examples = int(get("conformance_examples") or limits.examples or DEFAULT_EXAMPLES)
        shrink_calls_text = get("conformance_shrink_calls")
        shrink_calls = (
            int(shrink_calls_text)
            if shrink_calls_text
            else (limits.shrink_calls if limits.shrink_calls is not None else DEFAULT_SHRINK_CALLS)
        )
        memo_text = get("conformance_memo_sends")
        memo_sends = int(memo_text) if memo_text else DEFAULT_MEMO_SENDS
    except ValueError as exc:
        raise UsageError(
            f"--seed, --examples, --shrink-calls and --memo-sends take integers ({exc})"
        ) from None
    if examples < 1 or shrink_calls < 0 or memo_sends < 0:
        raise UsageError(
            f"--examples={examples} must be at least 1, --shrink-calls={shrink_calls} and "
            f"--memo-sends={memo_sends} at least 0"
        )
    report_dir = get("conformance_report_dir")
    if get("conformance_no_baseline"):
        base = baselines.Baseline.empty()
    elif get("conformance_baseline"):
        given = Path(get("conformance_baseline"))
        if get("conformance_update_baseline") and not given.exists():
            base = baselines.Baseline(given, {})  # --update-baseline starts a new file
        else:
            base = baselines.Baseline.load(given)
    elif named is not None and named.baseline is not None:
        base = baselines.Baseline.load(named.baseline)
    else:
        # A target's own baseline, else its kind's (a named LocalStack shares LocalStack's).
        paths = [baselines.default_path(n) for n in dict.fromkeys((name, target.kind_name))]
        path = next((p for p in paths if p.is_file()), None)
        base = baselines.Baseline.load(path) if path is not None else baselines.Baseline.empty()
    update_baseline: Path | None = None
    if get("conformance_update_baseline"):
        if get("conformance_no_baseline"):
            raise UsageError("--update-baseline rewrites a baseline; it does not go with --no-baseline")
        update_baseline = base.path or baselines.default_path(name)
    from harness.spec import catalog

    profile = get("conformance_profile") or (named.spec_profile if named else None) or "aws"
    catalog.load(profile)  # a broken or missing spec is a harness error, reported now
    options = RunOptions(
        target=target,
        report_dir=Path(report_dir) if report_dir else config.rootpath / "reports" / name,
        seed=seed,
        profile=profile,
        examples=examples,
        shrink_calls=shrink_calls,
        memo_sends=memo_sends,
        baseline=base,
        checks=_checks(get("conformance_checks")),
        update_baseline=update_baseline,
        strict_baseline=bool(get("conformance_strict_baseline")),
        budget=budget,
        compare=_compare_target(get("conformance_compare_target"), target, targets_file),
    )
    return _certified(config, options) if get("conformance_certify") else options


def _test_ids(config: pytest.Config) -> list[str]:
    """The command line's test ids (paths into the suite other than the suite itself)."""
    ids = [a for a in config.args if _in_suite(a) and Path(a.split("::", 1)[0]).resolve() != SUITE_DIR]
    return ids + [a for a in config.args if "::" in a and a not in ids]


def _certified(config: pytest.Config, options: RunOptions) -> RunOptions:
    """--certify: the certification run's options, and the plugin that watches the run and writes
    the bundle at its end (harness.certification.run)."""
    from harness.certification.run import Certification, certification_options
    from harness.targets import TARGETS

    certified, settings = certification_options(
        options, lambda dest: config.getoption(dest, default=None), _test_ids(config)
    )
    description = TARGETS[certified.target.kind_name].description
    watcher = Certification(certified, settings, lambda: _state(config), description)
    config.pluginmanager.register(watcher, "conformance-certification")
    return certified


def _compare_target(name: str | None, target: TargetConfig, targets_file: TargetsFile) -> TargetConfig | None:
    """``--compare-target NAME``: the second target, in the first one's Regions."""
    if not name:
        return None
    from harness import targets

    other = targets.resolve(
        name, region=target.region, replica_region=target.replica_region, targets_file=targets_file
    )
    if other.kind_name == "aws":
        from harness.errors import UsageError

        raise UsageError(
            "--compare-target cannot be a real account: make it the run's target "
            f"(--target={name} --compare-target={target.name})"
        )
    return other


def _checks(value: str | None) -> frozenset[str] | None:
    """``--checks a,b``: those answer checks only; an unknown name is a usage error."""
    if value is None:
        return None
    from harness.checks import CHECKS
    from harness.errors import UsageError
    from harness.services import load

    load()  # the services register their own checks
    names = frozenset(n.strip() for n in value.split(",") if n.strip())
    unknown = sorted(names - set(CHECKS.names()))
    if unknown:
        known = ", ".join(CHECKS.names())
        raise UsageError(f"--checks: unknown check(s) {', '.join(unknown)}; known: {known}")
    return names


def _in_suite(arg: str) -> bool:
    path = Path(arg.split("::", 1)[0]).resolve()
    return path == SUITE_DIR or SUITE_DIR in path.parents


def _runs_suite(config: pytest.Config) -> bool:
    """Whether this pytest run asks for the conformance suite: ``--target``, or a path into it."""
    if config.getoption("conformance_target"):
        return True
    return any(_in_suite(arg) for arg in config.args)


def _collect_suite(config: pytest.Config) -> None:
    """Collect the shipped suite, whatever the directory and whatever else the command line holds.

    Paths into the suite (a test id to rerun) are kept; any other path is dropped: it can only be
    the current directory (pytest's default), ``testpaths`` of whatever project the run happens in,
    or a value pytest's early pass read as a path (``--report-dir DIR`` when DIR exists), and
    none of those may add tests to a conformance run.
    """
    chosen = [arg for arg in config.args if _in_suite(arg)]
    config.args[:] = chosen or [str(SUITE_DIR)]


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> int | None:
    if config.option.help or config.option.version or not _runs_suite(config):
        return None  # not a conformance run: the plugin changes nothing
    try:
        options = _options(config)
        options, shard = _run_parts(config, options)
        _collect_suite(config)
        for marker in (
            "conformance: a conformance rule checked against the configured target",
            "selftest_network: a self-test that starts a real emulator on loopback",
        ):
            config.addinivalue_line("markers", marker)
        if options.target.endpoint_url:
            # A given endpoint must answer before the run starts, and a named target's
            # credentials must be there; the emulator is started (and checked) before the
            # first call instead.
            from harness.targets import check_reachable, credentials_for

            credentials_for(options.target)
            check_reachable(options.target.endpoint_url)
        if options.compare is not None and options.compare.endpoint_url:
            from harness.targets import check_reachable, credentials_for

            credentials_for(options.compare)
            check_reachable(options.compare.endpoint_url)
        _preflight(config, options)
    except HarnessError as exc:
        return _fail(str(exc))
    config.stash[_STATE_KEY] = state = ConformanceState(options)
    state.shard = shard
    state.worker_output = getattr(config, "workeroutput", None)
    return None


def _preflight(config: pytest.Config, options: RunOptions) -> None:
    """A kind that checks something before the run (a real account: whose credentials these are,
    with STS, before any test is collected); and a real account runs in one process, so its
    budgets are the run's."""
    from harness.errors import UsageError
    from harness.targets import TARGETS

    kind = TARGETS[options.target.kind_name]
    if getattr(kind, "accounts_for_keys", False) and (
        getattr(config.option, "numprocesses", None) or getattr(config, "workerinput", None) is not None
    ):
        raise UsageError(
            f"--target={options.target.name} runs in one process (-n would multiply its budgets)"
        )
    preflight = getattr(kind, "preflight", None)
    if preflight is not None:
        preflight(options.target)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Remember which rules this run checks, after -k/-m deselection."""
    state = _state(session.config)
    if state is None or state.selected_rules is not None:
        return  # not a conformance run, or --shard chose its tests after noting the selection
    rules = set()
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        rule_test = callspec.params.get("rule_test") if callspec is not None else None
        if rule_test is not None:
            rules.add(rule_test.rule)
    state.selected_rules = frozenset(rules)


def _state(config: pytest.Config) -> ConformanceState | None:
    return config.stash.get(_STATE_KEY, None)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = _state(config)
    if state is None:
        return None
    o = state.options
    return [
        f"conformance: target={o.target.name} profile={o.profile} seed={o.seed} "
        f"examples={o.examples} regions={','.join(o.target.regions)}",
        f"conformance: report-dir={o.report_dir} baseline={o.baseline.path or 'none'}",
    ]


class Conformance:
    """The ``conformance`` fixture: runs a rule test and turns its result into a verdict."""

    def __init__(self, state: ConformanceState):
        self._state = state

    def check(self, test: RuleTest) -> None:
        """Run a rule test and give its verdict."""
        __tracebackhide__ = True
        self._verdict(test.name, test.rule, lambda session: session.run_rule(test))

    def check_stateful(self, test: StatefulTest) -> None:
        """Run a stateful machine (harness.engine.state_machines) and give its verdict."""
        __tracebackhide__ = True
        self._verdict(f"stateful {test.name}", test.name, lambda session: session.run_stateful(test))

    def _verdict(self, name: str, what: str, run_it: Callable[[Session], RuleRun | StatefulRun]) -> None:
        """New findings fail, known ones xfail, advisories alone xfail as "advisory only", an
        unexercised test is skipped with the reason."""
        __tracebackhide__ = True
        state = self._state
        try:
            session = state.get_session()
            run = run_it(session)
        except HarnessError as exc:
            state.error = str(exc)
            if state.session is not None:
                state.session.abort()
            pytest.exit(f"harness: error: {exc}", returncode=EXIT_HARNESS_ERROR)
        if run.status == "unchecked":
            pytest.skip(f"{name} could not be exercised: {run.reason}")
        if run.status == "not-applicable":
            # Its operation is not implemented: one finding for that (kind not-implemented).
            pytest.skip(f"{name} is not applicable: {run.reason}")
        if run.status == "passed":
            return
        verdicts = {f.id: session.classify(f) for f in run.findings}
        new = [f for f in run.findings if verdicts[f.id] in ("new", "expired")]
        known = [f for f in run.findings if verdicts[f.id] == "known"]
        shown = new or known or run.findings
        listing = "\n".join(f"  {f.id}: {f.divergence.detail}" for f in shown)
        if new:
            pytest.fail(f"{len(new)} new divergence(s) from {what}:\n{listing}", pytrace=False)
        if known:
            pytest.xfail(f"known divergence(s) in the baseline:\n{listing}")
        # Only advisories (inferred expectations): reported, neither a failure nor a known fault.
        pytest.xfail(f"advisory only (inferred expectations, never failing a run):\n{listing}")


@pytest.fixture(scope="session")
def conformance(request: pytest.FixtureRequest) -> Conformance:
    """Runs rule tests against the configured target (started before the first call)."""
    state = _state(request.config)
    if state is None:
        pytest.skip("the conformance plugin is not configured")
    return Conformance(state)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    if state is not None and state.parts is not None:
        _merge_parts(session, state)
        return
    if state is None or state.session is None or state.error is not None:
        return
    try:
        state.result = state.session.finish()
    except HarnessError as exc:
        state.error = str(exc)
        state.session.abort()
        session.exitstatus = EXIT_HARNESS_ERROR
        sys.stderr.write(f"harness: error: {exc}\n")
        return
    if state.options.update_baseline is not None:
        state.baseline_note = _update_baseline(state.options, state.result.document)
    stale_fails = state.options.strict_baseline and bool(state.result.stale)
    if (state.result.new or stale_fails) and session.exitstatus == 0:
        session.exitstatus = 1
    cleanup = (state.result.document.get("summary") or {}).get("cleanup") or {}
    if cleanup.get("failed"):
        # Keys left without a scheduled deletion: a harness error, whatever the findings.
        session.exitstatus = EXIT_HARNESS_ERROR
        sys.stderr.write(
            f"harness: error: {cleanup['failed']} keys NOT scheduled for deletion (see the summary; "
            "python -m harness sweep retries)\n"
        )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = _state(config)
    if state is None:
        return
    write = terminalreporter.write_line
    terminalreporter.section("conformance")
    if state.error is not None:
        write(f"harness error: {state.error} (nothing written)")
        return
    document: Mapping[str, Any] | None = state.merged_document
    if document is None and state.result is not None:
        document = state.result.document
    if document is None:
        write("no conformance test ran; nothing written")
        return
    from harness.engine.accounting import summary_lines as accounting_lines
    from harness.report import summary_lines

    # On a terminal, a known cause's line is cut to its width: one row each, one screen in all.
    width = config.get_terminal_writer().fullwidth if terminalreporter.isatty else None
    for line in summary_lines(document, verbose=config.get_verbosity() > 0, width=width):
        write(line)
    stale = (document.get("summary") or {}).get("stale_baseline") or []
    if state.options.strict_baseline and stale:
        write(f"--strict-baseline: {len(stale)} stale baseline entries fail the run")
    if state.baseline_note:
        write(state.baseline_note)
    for line in accounting_lines(document.get("summary") or {}):
        write(line)
    for line in state.merged_lines:
        write(line)
    where = state.options.report_dir
    files = "findings.json" if state.merged_document is not None else "findings.json, cassette.jsonl"
    write(f"reports: {where}/ (report.html, report.md, junit.xml, {files})")
    write(f"seed: {state.options.seed} (rerun with --seed={state.options.seed})")


def _update_baseline(options: RunOptions, document: Mapping[str, Any]) -> str:
    """``--update-baseline``: rewrite the baseline file from the run's findings.json document
    (a single run's, or the merge of its workers'), its stale entries included
    (harness.baseline.updated)."""
    from harness import baseline as baselines
    from harness.report import write_json_atomic

    path = options.update_baseline
    assert path is not None
    target: Any = document.get("target") or {}
    updated = baselines.updated(
        options.baseline,
        document.get("findings") or [],
        target=options.target.name,
        implementation=target.get("implementation"),
        stale=(document.get("summary") or {}).get("stale_baseline") or [],
        drop_stale=options.strict_baseline,
    )
    write_json_atomic(path, updated)
    entries = updated["findings"]
    unreviewed = sum(1 for e in entries if str(e["reason"]).startswith(baselines.UNREVIEWED))
    return (
        f"baseline: wrote {path} ({len(entries)} entries, {unreviewed} UNREVIEWED: "
        "they fail the run until a reason replaces the placeholder)"
    )


# -- progress while the run goes (harness.progress) ---------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A conformance run's process is about to exit: spare it the interpreter's last collections.

    Its heap holds a run's worth of objects (the model, Hypothesis's data, the session's
    records): at exit, CPython's final garbage collections walk all of them, 1.5-2 s after the
    reports are written (each xdist worker's, before the controller may finish: measured in
    benchmarks/RESULTS.md). Frozen (``gc.freeze``), they are left out of those walks; every file
    the run writes is already closed, and the objects are reclaimed with the process."""
    if _state(config) is not None:
        gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """A conformance run's garbage collector threshold (:data:`RUN_GC_THRESHOLD`); and its
    progress: at default verbosity pytest's per-test letters and percentage give way to a live
    line on a terminal, else a plain line at most every 15 seconds. With ``-v`` pytest names
    each test as usual, with the plain line beside; none in an xdist worker."""
    import contextlib
    import os

    from harness.progress import Progress

    config = session.config
    state = _state(config)
    if state is not None:
        # A run allocates fast and keeps much of what it makes (specs, keys, findings,
        # Hypothesis's trees): at Python's first GC threshold of 700 allocations, the default
        # run collected ~3,000 times, 17 of them full collections of the whole heap, 3.1-3.5 of
        # its ~37 CPU seconds in all; at 10,000, 2.0 (benchmarks/RESULTS.md, "The default run").
        gc.set_threshold(RUN_GC_THRESHOLD, *gc.get_threshold()[1:])
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if state is None or reporter is None or hasattr(config, "workerinput"):
        return
    quiet = config.get_verbosity() <= 0 and hasattr(reporter, "_show_progress_info")
    live = quiet and bool(reporter.isatty) and os.environ.get("TERM") != "dumb"
    if quiet:
        reporter._show_progress_info = False  # the progress line says how far the run is
        reporter.showfspath = False
    capture = config.pluginmanager.get_plugin("capturemanager")

    def out(write: Callable[[str], None]) -> Callable[[str], None]:
        def shown(text: str) -> None:
            # Called from inside a test too (after each call): around pytest's output capture.
            with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
                write(text)

        return shown

    state.progress = Progress(
        live, out(lambda text: reporter.rewrite(text, erase=True)), out(reporter.write_line)
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """The rule tests this run will run (after -k, -m and --shard): the progress line's total."""
    state = _state(session.config)
    if state is not None:
        marked = (item for item in session.items if item.get_closest_marker("conformance"))
        state.conformance_ids = frozenset(item.nodeid for item in marked)


@pytest.hookimpl(wrapper=True)
def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """At default verbosity a rule test's verdict letter (``.``, ``x``, ``F``) is not written:
    the progress line counts it, and the verdicts are in the end-of-run text."""
    result = yield
    state = _state(config)
    quiet = state is not None and state.progress is not None and config.get_verbosity() <= 0
    if quiet and state is not None and report.nodeid in state.conformance_ids and result:
        category, _, word = result
        return category, "", word
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    result = yield
    state = _state(item.config)
    if state is not None and item.nodeid in state.conformance_ids:
        state.done += 1
        state.show_progress(force=True)
    return result


# -- parts of a run: --shard I/N, and pytest-xdist workers (-n N) -------------------------------

WORKERS_DIR = "workers"
"""Under the report dir, each worker of ``-n N`` writes its own findings.json and cassette here."""


def _rules_of(items: list[pytest.Item]) -> frozenset[str]:
    rules = set()
    for item in items:
        callspec = getattr(item, "callspec", None)
        rule_test = callspec.params.get("rule_test") if callspec is not None else None
        if rule_test is not None:
            rules.add(rule_test.rule)
    return frozenset(rules)


def _run_parts(config: pytest.Config, options: RunOptions) -> tuple[RunOptions, Shard | None]:
    """The options of this part of a run: --shard, --example-db, and a worker's seed and report dir."""
    from dataclasses import replace

    from harness.engine.settings import example_database
    from harness.engine.shards import Shard
    from harness.errors import UsageError

    shard_text = config.getoption("conformance_shard")
    shard = Shard.parse(shard_text) if shard_text else None
    location = config.getoption("conformance_example_db")
    readonly = bool(config.getoption("conformance_example_db_readonly"))
    if readonly and not location:
        raise UsageError("--example-db-readonly needs --example-db DIR or redis://host:port/N")
    if location:
        example_database(location, readonly=readonly)  # unreachable or malformed: exit 2 now
    options = replace(options, example_db=location, example_db_readonly=readonly)
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        # Every worker runs the controller's seed (its own random seed would split the run).
        options = replace(
            options,
            seed=int(workerinput.get("conformance_seed", options.seed)),
            report_dir=options.report_dir / WORKERS_DIR / str(workerinput["workerid"]),
            # The controller writes these once, from the merged findings: each worker's would be
            # of half the run, and two workers rewriting one baseline file lose each other's entries.
            reports=False,
            update_baseline=None,
        )
    return options, shard


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """--shard I/N: keep this shard's tests (after -k and -m), having noted every selected rule.

    The rules of the whole selection still count: a divergence of a rule whose own test runs in
    another shard, seen by a test of this one, is a finding here too, as in an unsplit run.
    """
    state = _state(config)
    if state is None or state.shard is None:
        return
    state.selected_rules = _rules_of(items)
    from harness.engine.shards import cost_of, unit_of

    kept = state.shard.select(items, lambda item: cost_of(item.nodeid), lambda item: unit_of(item.nodeid))
    dropped = [item for item in items if item not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """On the controller of ``-n N``, before each worker starts: give it the run's seed."""
    state = _state(node.config)
    if state is None:
        return
    if state.parts is None:
        state.parts = []
        import shutil

        shutil.rmtree(state.options.report_dir / WORKERS_DIR, ignore_errors=True)  # a former run's
    node.workerinput["conformance_seed"] = state.options.seed


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """A fixed split: each worker runs one part of the suite, in suite order (harness.parallel)."""
    if _state(config) is None:
        return None
    from harness.parallel import PartScheduling

    return PartScheduling(config, log)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: Any) -> None:
    state = _state(node.config)
    output = getattr(node, "workeroutput", None) or {}
    if state is not None and state.parts is not None and "conformance_report_dir" in output:
        state.parts.append((str(node.gateway.id), Path(output["conformance_report_dir"])))


def _merge_parts(session: pytest.Session, state: ConformanceState) -> None:
    """On the controller of ``-n N``: one findings.json from the workers' (harness.merge)."""
    from harness.merge import merge_documents, read_document
    from harness.report import validate, write_json_atomic
    from harness.reporting.files import write_reports
    from harness.spec import catalog

    parts = sorted(state.parts or [])
    if not parts:
        return
    missing = [name for name, directory in parts if not (directory / "findings.json").is_file()]
    if missing:
        state.error = f"worker(s) {', '.join(missing)} wrote no report (a harness error; see their output)"
        session.exitstatus = EXIT_HARNESS_ERROR
        return
    try:
        document = merge_documents(
            [read_document(directory) for _, directory in parts],
            parts=[str(directory) for _, directory in parts],
        )
        validate(document)
    except HarnessError as exc:
        state.error = str(exc)
        session.exitstatus = EXIT_HARNESS_ERROR
        return
    report_dir = state.options.report_dir
    # A single run's cassette would sit beside findings it did not record: each worker's is its own.
    (report_dir / "cassette.jsonl").unlink(missing_ok=True)
    merged = write_json_atomic(report_dir / "findings.json", document)
    # The reports a single run writes, of the whole run: its findings, and the spec coverage of
    # every worker's exchanges.
    write_reports(
        report_dir,
        document,
        cassettes=[directory / "cassette.jsonl" for _, directory in parts],
        specs_dir=catalog.load(state.options.profile, state.options.specs_dir).root / state.options.profile,
    )
    if state.options.update_baseline is not None:
        state.baseline_note = _update_baseline(state.options, document)
    state.merged_document = document
    state.merged_lines = [
        f"findings: {merged} (merged from {len(parts)} workers)",
        *(f"cassette: {directory / 'cassette.jsonl'}" for _, directory in parts),
    ]
    stale_fails = state.options.strict_baseline and bool(document["summary"].get("stale_baseline"))
    if (document["summary"].get("new_findings") or stale_fails) and session.exitstatus == 0:
        session.exitstatus = 1
