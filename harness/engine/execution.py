"""The one execution path: send a call, judge its answer, record what diverges as findings.

Rule tests (harness.engine.rule_runs), state machines (harness.engine.state_machines) and
replay (harness.engine.replay) all record through :func:`record`; the two live ones also send
through a :class:`Recorder`, so a call is judged and recorded the same way whichever of them
made it, and a cassette replays to the findings of the run that recorded it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from harness.checks import Divergence
from harness.engine import signals
from harness.engine.judge import Judge, Judgement
from harness.engine.memo import Memo
from harness.errors import HarnessError
from harness.exchange import Call, Exchange
from harness.findings import Finding, FindingsLog, make_finding
from harness.spec.catalog import Spec
from harness.transport import RawRequest


class Sender(Protocol):
    """What a live run gives the engine: the spec, the judge, the regions, a way to send."""

    spec: Spec
    judge: Judge
    findings: FindingsLog
    coverage_done: set[str]
    """Coverage phases already run in this run (each runs once: its exchanges are judged for
    every rule anyway)."""
    reused: dict[str, tuple[Any, list[Exchange]]]
    """Set-ups made once per run (harness.scenarios.base.Driver.reuse): value and exchanges."""
    memo: Memo
    """Judgements of state-free requests already sent (harness.engine.memo)."""

    def counts(self, rule: str) -> bool:
        """Whether divergences of ``rule`` are findings of this run (a run may select rules)."""
        ...

    @property
    def region(self) -> str: ...

    @property
    def replica_region(self) -> str: ...

    @property
    def account_id(self) -> str | None: ...

    def send(self, call: Call, *, role: str | None = None) -> Exchange: ...

    def send_raw(self, request: RawRequest) -> Exchange: ...

    def compare(self, judged: Judgement, sent: Call | RawRequest) -> None:
        """Differential runs: send ``sent`` to the other target too and record the differences
        of the two answers (harness.engine.differential); nothing without a compare target."""
        ...


def record(
    findings: FindingsLog,
    judged: Judgement,
    steps: Sequence[Exchange],
    *,
    counts: Callable[[str], bool],
    own: Callable[[Divergence], bool] = lambda divergence: False,
) -> list[Finding]:
    """Record the divergences of ``judged`` as findings; return those ``own`` says are the caller's.

    A divergence of a rule the run did not select (``counts``) is dropped, unless it is the
    caller's own (a rule test always sees its own rule's findings) or says the target does not
    implement the operation: the rule tests that need it are skipped for that, so it is reported.
    """
    mine: list[Finding] = []
    for divergence in judged.divergences:
        is_own = own(divergence)
        if not is_own and not counts(divergence.rule) and divergence.kind != "not-implemented":
            continue
        finding = findings.record(make_finding(divergence, judged.exchange, steps))
        if is_own:
            mine.append(finding)
    return mine


class Recorder:
    """Sends calls through a live run and judges each; counts the calls it made."""

    def __init__(self, sender: Sender):
        self.sender = sender
        self.calls = 0

    def _sent(self, send: Callable[[], Exchange]) -> Exchange:
        try:
            exchange = send()
        except HarnessError as exc:
            # Out of Hypothesis as a BaseException, so it is not shrunk as the target's fault.
            raise signals.Abort(exc) from None
        self.calls += 1
        return exchange

    def _compared(self, judged: Judgement, sent: Call | RawRequest) -> Judgement:
        try:
            self.sender.compare(judged, sent)
        except HarnessError as exc:
            raise signals.Abort(exc) from None
        return judged

    def send(self, call: Call, *, role: str | None = None) -> Judgement:
        judged = self.sender.judge.judge(self._sent(lambda: self.sender.send(call, role=role)))
        return self._compared(judged, call)

    def send_raw(self, request: RawRequest) -> Judgement:
        judged = self.sender.judge.judge(self._sent(lambda: self.sender.send_raw(request)))
        return self._compared(judged, request)

    def control(self, judged: Judgement, call: Call) -> tuple[Judgement, Judgement]:
        """Send the control of ``judged`` and judge both (see Judge.judge_control)."""
        exchange = self._sent(lambda: self.sender.send(call, role="control"))
        judged, own = self.sender.judge.judge_control(judged, exchange)
        return judged, self._compared(own, call)

    def attempt(self, call: Call, control: Call | None) -> tuple[Judgement, Judgement | None]:
        """A rule test's call under test and, if the target refused it, its control.

        Returns the call's judgement (amended by the control's) and the control's own (``None``
        when none was sent). An identical state-free attempt judged before may answer for this
        one (harness.engine.memo): its calls are judged and counted, but not sent. Their
        answers are used by no later call, which is why only attempts are memoised.
        """
        memo, judge, region = self.sender.memo, self.sender.judge, self.sender.region
        recalled = memo.recall(judge, call, control, region)
        if recalled is not None:
            self.calls += 1 if recalled[1] is None else 2
            return recalled
        judged = self.send(call)
        first, own = judged, None
        if judged.not_implemented is None and control is not None and judge.needs_control(judged):
            judged, own = self.control(judged, control)
        memo.learn(judge, call, control, region, first, own)
        return judged, own

    def record(
        self, judged: Judgement, steps: Sequence[Exchange], *, own: Callable[[Divergence], bool]
    ) -> list[Finding]:
        return record(self.sender.findings, judged, steps, counts=self.sender.counts, own=own)
