"""Run one rule test as a Hypothesis property and turn what it finds into findings.

Inside the property, a divergence of the rule under test is raised as an exception
whose *class* is unique to its finding id. Hypothesis treats different exception
classes as different bugs, so each finding id is shrunk on its own and reported
with its own minimal example. Outside the property nothing is raised: findings are
recorded in the run's :class:`~harness.findings.FindingsLog`, and the rule's verdict
(passed, failed, unchecked) is returned as data.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from hypothesis import HealthCheck, Phase, Verbosity, given, reject, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from harness.checks import Divergence, check_answer, check_outcome
from harness.errors import HarnessError
from harness.exchange import Call, Exchange
from harness.findings import Finding, FindingsLog, make_finding
from harness.scenarios.base import Attempt, RuleTest, SetupFailed
from harness.spec.catalog import Spec

Status = Literal["passed", "failed", "unchecked"]


class Sender(Protocol):
    """What the runner needs from a run: the spec, the regions, and a way to send."""

    spec: Spec
    findings: FindingsLog

    def counts(self, rule: str) -> bool:
        """Whether divergences of ``rule`` are findings of this run (it may select rules)."""
        ...

    @property
    def region(self) -> str: ...

    @property
    def replica_region(self) -> str: ...

    @property
    def account_id(self) -> str | None: ...

    def send(self, call: Call) -> Exchange: ...


@dataclass
class RuleRun:
    test: RuleTest
    status: Status
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
    examples: int = 0
    calls: int = 0
    seconds: float = 0.0


def derive_seed(run_seed: int, name: str) -> int:
    """Each rule test gets its own seed, so adding or reordering tests changes nothing."""
    digest = hashlib.sha256(f"{run_seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class _DivergenceSignal(Exception):
    finding: Finding


_SIGNAL_CLASSES: dict[str, type[_DivergenceSignal]] = {}


def _signal(finding: Finding) -> _DivergenceSignal:
    cls = _SIGNAL_CLASSES.get(finding.id)
    if cls is None:
        cls = type("Divergence", (_DivergenceSignal,), {"__qualname__": f"Divergence[{finding.id}]"})
        _SIGNAL_CLASSES[finding.id] = cls
    exc = cls(finding.id)
    exc.finding = finding
    return exc


class _Abort(BaseException):
    """Carries a HarnessError out of Hypothesis, which would otherwise shrink it as a failure."""

    def __init__(self, error: HarnessError):
        super().__init__(str(error))
        self.error = error


class _Driver:
    """The :class:`~harness.scenarios.base.Driver` a scenario gets for one example."""

    def __init__(self, sender: Sender, account_id: str | None, on_divergences: Any):
        self._sender = sender
        # Frozen for the whole rule test: draws may use it, and Hypothesis needs every
        # replay of a draw to see the same value.
        self._account_id = account_id
        self._on_divergences = on_divergences
        self.steps: list[Exchange] = []

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
        exchange = self._sender.send(call)
        answers = check_answer(self.spec.service(call.service), exchange)
        self._on_divergences(answers, exchange, list(self.steps))
        self.steps.append(exchange)
        return exchange

    def require(self, call: Call) -> Mapping[str, Any]:
        exchange = self.setup(call)
        if not exchange.ok or not isinstance(exchange.body, dict):
            raise SetupFailed.of(exchange)
        return exchange.body


def _leaves(exc: BaseException) -> Iterable[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaves(inner)
    else:
        yield exc


#: Rejections the control call can explain away: the target refused the call, and
#: refuses the call without the rule-breaking part as well.
_CONTROLLED_KINDS = frozenset({"wrong-error", "unexpected-error"})


class _BudgetSpent(BaseException):
    """Ends shrinking once a rule test has spent its shrink budget."""


def run_rule(
    sender: Sender,
    test: RuleTest,
    *,
    run_seed: int,
    max_examples: int,
    shrink_calls: int,
) -> RuleRun:
    """Exercise ``test`` with up to ``max_examples`` draws; never raises for the target's sake.

    After the first divergence, shrinking may spend ``shrink_calls`` more calls; then it
    stops and the smallest example seen is kept. The bound is in calls, not seconds, so
    the same seed gives the same findings on a fast or a slow target.
    """
    examples = 0
    calls_at_first_divergence: int | None = None
    calls = 0
    setup_failures: list[str] = []
    started = time.monotonic()
    account_id = sender.account_id

    def record(divergences: Iterable[Divergence], exchange: Exchange, steps: list[Exchange]) -> list[Finding]:
        own: list[Finding] = []
        for divergence in divergences:
            if not sender.counts(divergence.rule) and not _is_own(test, divergence, True):
                continue
            finding = sender.findings.record(make_finding(divergence, exchange, steps))
            if _is_own(test, divergence, exchange is not None):
                own.append(finding)
        return own

    @settings(
        max_examples=max_examples,
        database=None,  # determinism: the seed alone decides the draws
        deadline=None,  # endpoints have their own latency; time never decides a finding
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=True,
        print_blob=False,
    )
    @seed(derive_seed(run_seed, test.name))
    @given(st.data())
    def prop(data: st.DataObject) -> None:
        nonlocal examples
        own: list[Finding] = []

        def from_setup(divs: Iterable[Divergence], exchange: Exchange, steps: list[Exchange]) -> None:
            found = record(divs, exchange, steps)
            if test.answers_from_setup:
                own.extend(found)

        driver = _Driver(sender, account_id, from_setup)
        try:
            attempt: Attempt = test.scenario(driver, data)
        except SetupFailed as exc:
            setup_failures.append(str(exc))
            reject()
        except HarnessError as exc:
            raise _Abort(exc) from None
        prediction = attempt.prediction
        # Re-check what was drawn (and, later, what shrinking left): the call must still
        # break the rule under test and must not be ambiguous between different answers.
        if prediction.ambiguous or (test.rule not in prediction.rules and not test.answers_from_setup):
            reject()
        nonlocal calls, calls_at_first_divergence
        if calls_at_first_divergence is not None and calls - calls_at_first_divergence > shrink_calls:
            raise _BudgetSpent
        examples += 1
        calls += 1 + len(driver.steps)
        try:
            exchange = sender.send(attempt.call)
            outcome = check_outcome(prediction, exchange)
            if outcome is not None and outcome.kind in _CONTROLLED_KINDS and attempt.control is not None:
                calls += 1
                control = sender.send(attempt.control)
                if not control.ok:
                    setup_failures.append(
                        f"the target also rejects the control call ({control.error_code or control.status})"
                    )
                    reject()
        except HarnessError as exc:
            raise _Abort(exc) from None
        divergences = check_answer(sender.spec.service(exchange.service), exchange)
        if outcome is not None:
            divergences.insert(0, outcome)
        own.extend(record(divergences, exchange, driver.steps))
        if own:
            if calls_at_first_divergence is None:
                calls_at_first_divergence = calls
            raise _signal(min(own, key=lambda f: f.id))

    status: Status = "passed"
    reason = ""
    try:
        prop()
    except _Abort as abort:
        raise abort.error from None
    except _BudgetSpent:
        pass  # the findings log already holds the smallest example of each finding
    except Unsatisfiable:
        status = "unchecked"
        reason = "no draw could be exercised" + (f": {setup_failures[-1]}" if setup_failures else "")
    except BaseException as exc:
        signals = [e for e in _leaves(exc) if isinstance(e, _DivergenceSignal)]
        others = [e for e in _leaves(exc) if not isinstance(e, _DivergenceSignal)]
        if others:
            raise
        for signal in signals:
            sender.findings.prefer_shrunk(signal.finding)
    own_findings = [f for f in sender.findings if _is_own(test, f.divergence, True)]
    if own_findings:
        status = "failed"
    elif status == "passed" and examples == 0:
        status = "unchecked"
        reason = reason or "no draw reached the target"
    return RuleRun(test, status, own_findings, reason, examples, calls, time.monotonic() - started)


def _is_own(test: RuleTest, divergence: Divergence, _: bool) -> bool:
    if divergence.rule != test.rule:
        return False
    return test.operation == "any" or divergence.operation == test.operation
