"""Run one rule test as a Hypothesis property and turn what it finds into findings.

Every call a rule test makes (set-up steps, the call under test, its control) goes
through the run's :class:`~harness.engine.judge.Judge`, exactly as a replay would. Inside the
property, a divergence of the rule under test is raised as an exception whose
*class* is unique to its finding id: Hypothesis treats different exception classes
as different bugs, so each finding id is shrunk on its own. Outside the property
nothing is raised: findings go to the run's :class:`~harness.findings.FindingsLog`
and the rule's verdict (passed, failed, unchecked) is returned as data.
"""

from __future__ import annotations

import contextlib
import unittest
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from hypothesis import given, reject, seed
from hypothesis import strategies as st
from hypothesis.database import ExampleDatabase
from hypothesis.errors import Unsatisfiable

from harness.checks import Divergence
from harness.engine import signals
from harness.engine.execution import Recorder, Sender
from harness.engine.judge import Judgement
from harness.engine.settings import conformance_settings, deterministic_generation, stored
from harness.exchange import Call, Exchange
from harness.findings import Finding
from harness.scenarios.base import Attempt, RuleTest, SetupFailed
from harness.spec.catalog import Spec
from harness.transport import RawRequest

T = TypeVar("T")

Status = Literal["passed", "failed", "advisory", "unchecked", "not-applicable"]
"""``advisory``: the rule's only findings are advisories (inferred expectations);
``not-applicable``: every draw needed an operation the target does not implement."""

#: Draws that met an operation the target does not implement, with none counted yet, after
#: which a rule test stops as not applicable (each such draw costs calls and proves nothing).
NOT_IMPLEMENTED_DRAWS = 3
NEEDS = "needs what the target does not implement: "


class _NotApplicable(BaseException):
    """Ends a rule test whose draws all need an operation the target does not implement (out of
    Hypothesis as a BaseException, like signals.Abort: it is not the target failing a draw)."""


def _not_applicable_reason(sender: Sender, since: int) -> str:
    """Why a rule test is not applicable: the not-implemented operations it met since ``since``."""
    met = dict.fromkeys(sender.judge.missing_log[since:])
    details = [sender.judge.not_implemented[key] for key in met]
    return NEEDS + "; ".join(details)


def _stop_when_not_applicable(sender: Sender, counters: dict[str, int], example: _Example) -> None:
    """Stop the test once NOT_IMPLEMENTED_DRAWS draws met a not-implemented operation and none counted."""
    since = counters.get("missing_at")
    if since is None or example.missing_at is None:
        return
    if len(sender.judge.missing_log) > example.missing_at:
        counters["missing_draws"] = counters.get("missing_draws", 0) + 1
    if counters["examples"] == 0 and counters.get("missing_draws", 0) >= NOT_IMPLEMENTED_DRAWS:
        raise _NotApplicable(_not_applicable_reason(sender, since))


@dataclass
class RuleRun:
    test: RuleTest
    status: Status
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
    examples: int = 0
    """Draws that reached the target with the rule under test deciding the answer."""
    calls: int = 0
    calls_to_detection: int | None = None
    """Calls made until the first divergence of this rule test (None: none found)."""
    replayed_calls: int = 0
    """Calls spent replaying the example database's stored examples (``--example-db``), before
    and apart from ``calls``."""


def _is_own(test: RuleTest, divergence: Divergence) -> bool:
    if divergence.rule != test.rule:
        return False
    return test.operation == "any" or divergence.operation == test.operation


class _Example:
    """Sends and judges the calls of one example, keeping its steps."""

    def __init__(self, sender: Sender, test: RuleTest, account_id: str | None):
        self._sender = sender
        self._test = test
        # Frozen for the whole rule test: draws may use it, and Hypothesis needs every
        # replay of a draw to see the same value.
        self._account_id = account_id
        self._recorder = Recorder(sender)
        self.steps: list[Exchange] = []
        self.own: list[Finding] = []
        self.missing_at: int | None = len(sender.judge.missing_log)
        """Not-implemented answers the run had met when this example began."""

    @property
    def calls(self) -> int:
        return self._recorder.calls

    # The Driver protocol of harness.scenarios.base:

    @property
    def spec(self) -> Spec:
        return self._sender.spec

    @property
    def region(self) -> str:
        return self._sender.region

    @property
    def replica_region(self) -> str:
        return self._sender.replica_region

    @property
    def account_id(self) -> str | None:
        return self._account_id

    def setup(self, call: Call) -> Exchange:
        judged = self.send(call)
        self.record(judged, from_setup=True)
        self.steps.append(judged.exchange)
        return judged.exchange

    def require(self, call: Call) -> Mapping[str, Any]:
        exchange = self.setup(call)
        if not exchange.ok:
            raise SetupFailed.of(exchange)
        # Operations with no documented response elements answer with an empty body.
        return exchange.body if isinstance(exchange.body, dict) else {}

    def reuse(self, name: str, make: Callable[[], T]) -> T:
        made = self._sender.reused.get(name)
        if made is None:
            start = len(self.steps)
            value = make()
            made = self._sender.reused[name] = (value, list(self.steps[start:]))
        else:
            self.steps.extend(made[1])
        return made[0]

    # Sending and recording:

    def send(self, call: Call) -> Judgement:
        return self._recorder.send(call)

    def send_raw(self, request: RawRequest) -> Judgement:
        return self._recorder.send_raw(request)

    def control(self, judged: Judgement, call: Call) -> tuple[Judgement, Judgement]:
        return self._recorder.control(judged, call)

    def attempt(self, call: Call, control: Call | None) -> tuple[Judgement, Judgement | None]:
        return self._recorder.attempt(call, control)

    def record(
        self, judged: Judgement, *, from_setup: bool = False, steps: list[Exchange] | None = None
    ) -> None:
        own = self._recorder.record(
            judged, self.steps if steps is None else steps, own=lambda d: _is_own(self._test, d)
        )
        if not from_setup or self._test.answers_from_setup:
            self.own.extend(own)


def _attempt(example: _Example, test: RuleTest, attempt: Attempt, why_not: list[str]) -> bool:
    """Judge one attempt (and its control); False when the rule under test does not decide it."""
    sender = example._sender
    wire = attempt.raw.description() if attempt.raw is not None else None
    prediction = sender.judge.expect(attempt.call, sender.region, wire)
    # Re-check what was drawn (and, later, what shrinking left): the rule under test must
    # decide the answer, and the broken rules must agree on it.
    decides = prediction is not None and test.rule in prediction.rules
    if (prediction is not None and prediction.ambiguous) or not (decides or test.answers_from_setup):
        why_not.append("the drawn call does not isolate the rule")
        return False
    controlled: Judgement | None = None
    if attempt.raw is not None:
        judged = example.send_raw(attempt.raw)
        needs = sender.judge.needs_control(judged)
        if judged.not_implemented is None and attempt.control is not None and needs:
            judged, controlled = example.control(judged, attempt.control)
    else:
        # The call under test and, if refused, its control (harness.engine.memo may judge an
        # identical state-free attempt from its earlier answers instead of sending it).
        judged, controlled = example.attempt(attempt.call, attempt.control)
    if judged.not_implemented is not None:
        # The target does not have the operation: one finding for it (its own rule's), and
        # nothing this draw says about the rule under test.
        example.record(judged)
        why_not.append(judged.not_implemented.detail)
        return False
    if controlled is not None:
        example.record(controlled, steps=[*example.steps, judged.exchange])
        if judged.outcome is None:
            why_not.append(f"the target also rejects the control call ({controlled.exchange.error_code})")
            example.record(judged)
            return False
    example.record(judged)
    return True


def _coverage(
    sender: Sender, test: RuleTest, account_id: str | None, why_not: list[str]
) -> tuple[int, int, int | None]:
    """Run the test's coverage phase once per run.

    Returns the attempts that counted, the calls made, and the calls made up to the first
    divergence of the rule under test (None when there was none).
    """
    key = test.coverage_key
    if test.coverage is None or key is None:
        return 0, 0, None
    if key in sender.coverage_done:
        return 0, 0, None
    sender.coverage_done.add(key)
    example = _Example(sender, test, account_id)
    counted = 0
    detected_at: int | None = None
    try:
        for attempt in test.coverage(example):
            counted += _attempt(example, test, attempt, why_not)
            example.steps = []  # each attempt's findings carry only its own set-up steps
            if detected_at is None and example.own:
                detected_at = example.calls
    except SetupFailed as exc:
        why_not.append(str(exc))
    except signals.Abort as abort:
        raise abort.error from None
    return counted, example.calls, detected_at


def database_key(test: RuleTest) -> bytes:
    """Where the example database keeps this rule test's failing examples: its name, so a run on
    any machine, shard or target replays them (not Hypothesis's digest of the runner's code)."""
    return f"rule:{test.name}".encode()


def _property(
    test: RuleTest,
    run_seed: int,
    max_examples: int,
    database: ExampleDatabase | None = None,
    replay_only: bool = False,
) -> Callable[[Callable[[st.DataObject], None]], Callable[[], None]]:
    def decorate(body: Callable[[st.DataObject], None]) -> Callable[[], None]:
        configured = conformance_settings(
            max_examples=max_examples, database=database, replay_only=replay_only
        )
        wrapped: Any = configured(seed(signals.derive_seed(run_seed, test.name))(given(st.data())(body)))
        if database is not None:
            wrapped._hypothesis_internal_database_key = database_key(test)
        done: Callable[[], None] = wrapped
        return done

    return decorate


def _body(
    sender: Sender,
    test: RuleTest,
    account_id: str | None,
    counters: dict[str, int],
    first_divergence_at: list[int],
    shrink_calls: int,
    why_not: list[str],
) -> Callable[[st.DataObject], None]:
    """The property of a rule test: one drawn example, judged; a divergence is raised as its signal."""

    def prop(data: st.DataObject) -> None:
        if first_divergence_at and counters["calls"] - first_divergence_at[0] > shrink_calls:
            signals.stop_unless_final()
        example = _Example(sender, test, account_id)
        try:
            try:
                attempt = test.scenario(example, data)
            except SetupFailed as exc:
                why_not.append(str(exc))
                reject()
            if not _attempt(example, test, attempt, why_not):
                reject()
            counters["examples"] += 1
        finally:
            counters["calls"] += example.calls
            _stop_when_not_applicable(sender, counters, example)
        if example.own:
            if not first_divergence_at:
                first_divergence_at.append(counters["calls"])
            raise signals.signal_for(min(example.own, key=lambda f: f.id))

    return prop


@deterministic_generation()
def run_rule(
    sender: Sender,
    test: RuleTest,
    *,
    run_seed: int,
    max_examples: int,
    shrink_calls: int,
    database: ExampleDatabase | None = None,
) -> RuleRun:
    """Exercise ``test`` with up to ``max_examples`` draws; never raises for the target's sake.

    After the first divergence, shrinking may spend ``shrink_calls`` more calls; then it
    stops and the smallest example seen is kept. The bound is in calls, not seconds, so
    the same seed gives the same findings on a fast or a slow target.

    With an example ``database``, the failing examples it holds for this test are replayed
    first, in a pass of their own; then the test runs exactly as without a database (the same
    seed draws the same calls), and Hypothesis stores what it finds.
    """
    max_examples, shrink_calls = test.budgeted(max_examples, shrink_calls)
    account_id = sender.account_id
    why_not: list[str] = []
    missing_at = len(sender.judge.missing_log)
    if test.operation != "any" and (test.service, test.operation) in sender.judge.not_implemented:
        # Known already (one finding for the operation): no call would say more.
        known = sender.judge.not_implemented[(test.service, test.operation)]
        return RuleRun(test, "not-applicable", [], NEEDS + known)
    replayed_calls = 0
    if stored(database, database_key(test)):
        replay_counters = {"examples": 0, "calls": 0}
        replay = _property(test, run_seed, max_examples, database, replay_only=True)(
            _body(sender, test, account_id, replay_counters, [], shrink_calls, [])
        )
        # Every stored example stale: nothing replayed (Unsatisfiable, or Hypothesis's skip).
        with contextlib.suppress(Unsatisfiable, unittest.SkipTest):
            signals.collect(sender.findings, replay)
        replayed_calls = replay_counters["calls"]
    counters = {"examples": 0, "calls": 0, "missing_at": missing_at}
    first_divergence_at: list[int] = []
    prop = _property(test, run_seed, max_examples, database)(
        _body(sender, test, account_id, counters, first_divergence_at, shrink_calls, why_not)
    )

    counted, calls, detected_at = _coverage(sender, test, account_id, why_not)
    counters["examples"] += counted
    counters["calls"] += calls
    if detected_at is not None:
        first_divergence_at.append(detected_at)
    status: Status = "passed"
    reason = ""
    try:
        signals.collect(sender.findings, prop)
    except Unsatisfiable:
        status = "unchecked"
        reason = "no draw could exercise the rule" + (f": {why_not[-1]}" if why_not else "")
    except _NotApplicable as stopped:
        status, reason = "not-applicable", str(stopped)
    own_findings = [f for f in sender.findings if _is_own(test, f.divergence)]
    if own_findings:
        status = "advisory" if all(f.advisory for f in own_findings) else "failed"
        reason = "" if reason.startswith(NEEDS) else reason
    elif counters["examples"] == 0 and len(sender.judge.missing_log) > missing_at:
        status, reason = "not-applicable", _not_applicable_reason(sender, missing_at)
    elif status == "passed" and counters["examples"] == 0:
        status = "unchecked"
        reason = "no draw reached the target" + (f": {why_not[-1]}" if why_not else "")
    return RuleRun(
        test,
        status,
        own_findings,
        reason,
        counters["examples"],
        counters["calls"],
        first_divergence_at[0] if first_divergence_at else None,
        replayed_calls,
    )
