"""``pytest --certify``: the options of a certification run, and the bundle at its end.

A certification run is the whole suite at the certification settings
(harness.certification.settings) with no baseline: every rule test and state machine of the
spec profile, the fixed seed, at least the certification budgets, every answer check. Anything
that would run less or judge less is refused before anything starts, in one line (exit 2):
``-k``, ``-m``, ``--deselect``, test ids, ``-x``/``--maxfail``, ``--sw``, ``--lf``, ``-n``,
``--shard``, ``--baseline``, ``--checks``, ``--example-db``, ``--max-calls``, ``--max-keys``,
``--compare-target``, another ``--seed``, ``--examples``/``--shrink-calls`` below the
certification values. Larger budgets are taken (and recorded); a targets file's
``examples``/``shrink_calls`` limits give way to the certification values, its
``requests_per_second`` is kept.

The plugin (harness.plugin) calls :func:`certification_options` while it reads the options and
registers a :class:`Certification`, which watches the rest of the run: it refuses a collection
that lacks a required test, fails a test that could not run (not passed in a certification),
and once the run's reports are written, writes the bundle and makes the exit code 1 unless the
target is conformant.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Generator, Iterable
from dataclasses import replace
from typing import Any

import pytest

from harness.baseline import Baseline
from harness.certification.bundle import Bundle, required_tests, write_bundle
from harness.certification.product import check_metadata
from harness.certification.settings import Settings, is_selftest, required
from harness.errors import EXIT_HARNESS_ERROR, HarnessError, UsageError
from harness.options import RunOptions

#: (option dest, as the user writes it): options a certification run refuses outright.
REFUSED = (
    ("keyword", "-k"),
    ("markexpr", "-m"),
    ("deselect", "--deselect"),
    ("maxfail", "-x/--maxfail"),
    ("stepwise", "--sw"),
    ("lf", "--lf"),
    ("numprocesses", "-n"),
    ("conformance_shard", "--shard"),
    ("conformance_baseline", "--baseline"),
    ("conformance_checks", "--checks"),
    ("conformance_example_db", "--example-db"),
    ("conformance_max_calls", "--max-calls"),
    ("conformance_max_keys", "--max-keys"),
    ("conformance_compare_target", "--compare-target"),
)


def _given_int(get: Callable[[str], Any], dest: str, flag: str) -> int | None:
    value = get(dest)
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UsageError(f"{flag} takes an integer (got {value!r})") from None


def refuse(get: Callable[[str], Any], test_ids: Iterable[str] = ()) -> None:
    """:class:`UsageError` naming the first option given that would weaken a certification.

    ``get(dest)`` reads an option as given (None or empty when not given); ``test_ids`` are the
    command line's paths into the suite other than the suite itself.
    """
    for dest, flag in REFUSED:
        if get(dest):
            raise UsageError(f"--certify runs every rule at the certification settings: {flag} is refused")
    ids = list(test_ids)
    if ids:
        raise UsageError(f"--certify runs the whole suite: test ids ({ids[0]}) are refused")
    due = required()
    seed = _given_int(get, "conformance_seed", "--seed")
    if seed is not None and seed != due.seed:
        raise UsageError(f"--certify uses the certification seed {due.seed}: --seed={seed} is refused")
    for dest, flag, minimum in (
        ("conformance_examples", "--examples", due.examples),
        ("conformance_shrink_calls", "--shrink-calls", due.shrink_calls),
    ):
        value = _given_int(get, dest, flag)
        if value is not None and value < minimum:
            raise UsageError(f"--certify: {flag}={value} is below the certification value {minimum}")


def certification_options(
    options: RunOptions, get: Callable[[str], Any], test_ids: Iterable[str] = ()
) -> tuple[RunOptions, Settings]:
    """``options`` made a certification run's (see :func:`refuse` for what is refused)."""
    refuse(get, test_ids)
    due = required()
    examples = max(_given_int(get, "conformance_examples", "--examples") or 0, due.examples)
    shrink_calls = max(_given_int(get, "conformance_shrink_calls", "--shrink-calls") or 0, due.shrink_calls)
    if options.specs_dir is not None:
        raise UsageError("--certify judges with the specs shipped in the harness")
    target = options.target
    check_metadata(target.name, target.metadata, target.origin)
    settings = Settings(due.seed, examples, shrink_calls, due.stateful_steps)
    certified = replace(
        options,
        seed=settings.seed,
        examples=settings.examples,
        shrink_calls=settings.shrink_calls,
        baseline=Baseline.empty(),
        checks=None,
        bound_lists=False,  # every answer whole: the cassette must replay to the run's verdicts
        memo_sends=0,  # every call sent and in the cassette, so the replay counts what the run judged
    )
    return certified, settings


def missing_tests(collected: Iterable[str]) -> list[str]:
    """The required tests a collection lacks (a deselection ``--certify`` must refuse)."""
    have = set(collected)
    return [name for name in required_tests() if name not in have]


def test_name(item: pytest.Item) -> str | None:
    """The conformance test an item runs: ``<rule>:<operation>`` or ``stateful <machine>``."""
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    if "rule_test" in params:
        return str(params["rule_test"].name)
    if "machine" in params:
        return f"stateful {params['machine'].name}"
    return None


class Certification:
    """The plugin object of a ``--certify`` run (registered by harness.plugin).

    ``state()`` gives the plugin's run state (``result``, ``error``, ``session``), read once the
    plugin's own session-finish has written the reports.
    """

    def __init__(
        self, options: RunOptions, settings: Settings, state: Callable[[], Any], kind_description: str
    ):
        self.options = options
        self.settings = settings
        self.state = state
        self.kind_description = kind_description
        self.bundle: Bundle | None = None
        self.error: str | None = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        missing = missing_tests(name for item in session.items if (name := test_name(item)))
        if missing:
            self.error = (
                f"--certify runs every rule: {len(missing)} required test(s) not collected ({missing[0]})"
            )
            pytest.exit(f"harness: error: {self.error}", returncode=EXIT_HARNESS_ERROR)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        """A conformance test that could not run (skipped: unchecked, not applicable) fails; one
        whose findings are all advisories stays an xfail."""
        report = yield
        could_not_run = report.skipped and not hasattr(report, "wasxfail")
        if could_not_run and call.when == "call" and test_name(item) is not None:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
            report.outcome = "failed"
            report.longrepr = f"{reason.removeprefix('Skipped: ')} (a test that could not run is not passed)"
        return report

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """After the plugin wrote the reports: the bundle; exit 1 unless conformant."""
        state = self.state()
        if state is None or state.error is not None or state.result is None:
            return
        result = state.result
        try:
            self.bundle = write_bundle(
                self.options.report_dir,
                dict(result.document),
                result.cassette_path,
                profile=self.options.profile,
                settings=self.settings,
                selftest=is_selftest(),
                kind_description=self.kind_description,
                machines={
                    name: (run.status, run.reason) for name, run in state.session.stateful_runs.items()
                },
            )
        except HarnessError as exc:
            self.error = str(exc)
            session.exitstatus = EXIT_HARNESS_ERROR
            sys.stderr.write(f"harness: error: {exc}\n")
            return
        if not self.bundle.result.conformant and session.exitstatus == 0:
            session.exitstatus = 1

    @pytest.hookimpl(trylast=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        write = terminalreporter.write_line
        if self.error is not None:
            terminalreporter.section("certification")
            write(f"harness error: {self.error} (no bundle written)")
            return
        if self.bundle is None:
            return
        terminalreporter.section("certification")
        lines = self.bundle.result.lines()
        verdict = "CONFORMANT" if self.bundle.result.conformant else "NOT CONFORMANT"
        write(f"certification: {verdict}: {lines[0]}")
        for line in lines[1:]:
            write(line)
        write(f"bundle: {self.bundle.directory}/ and {self.bundle.tarball}")
        write(f"check it with: python -m harness verify {self.bundle.tarball}")
