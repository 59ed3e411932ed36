"""The judge: an ordered stream of exchanges in, divergences out.

For each exchange, the model predicts the documented answer from the request and
what came before, the checks compare the real answer with it, and the model
follows the answer. A live run feeds the judge from the transport; a replay feeds
it from a cassette. Because both go through this one function, a cassette replays
to the same findings as the run that recorded it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from harness.checks import (
    Divergence,
    canonical,
    check_answer,
    check_error_code,
    check_facts,
    check_outcome,
    divergence,
)
from harness.engine.model import Model
from harness.exchange import Call, Exchange
from harness.oracle.answers import NOT_IMPLEMENTED_CODES, NOT_IMPLEMENTED_STATUS, answer_rule_id
from harness.oracle.constraints import scan
from harness.oracle.predict import Prediction, predict
from harness.oracle.rules import Expectation
from harness.oracle.wire import predict_wire
from harness.spec.catalog import ServiceSpec, Spec

#: Outcome divergences a control call can explain: the target refused the call, and
#: it also refuses the same call with the rule-breaking part undone, so the refusal
#: is about something else (which the control's own judgement reports).
CONTROLLED_KINDS = frozenset({"wrong-error", "unexpected-error"})


@dataclass(frozen=True, slots=True)
class Judgement:
    exchange: Exchange
    prediction: Prediction | None
    """``None`` when no documented rule decides the outcome (then only answer checks ran)."""
    divergences: tuple[Divergence, ...]

    @property
    def not_implemented(self) -> Divergence | None:
        """The answer says the target does not implement the operation (see :func:`not_implemented`)."""
        return next((d for d in self.divergences if d.kind == "not-implemented"), None)

    @property
    def outcome(self) -> Divergence | None:
        return next((d for d in self.divergences if d.kind in _OUTCOME_KINDS), None)

    def without_outcome(self) -> Judgement:
        return replace(self, divergences=tuple(d for d in self.divergences if d.kind not in _OUTCOME_KINDS))


_OUTCOME_KINDS = frozenset({"unexpected-success", "wrong-error", "unexpected-error", "server-error", "auth"})
_SERVED_WRONGLY = frozenset({"unexpected-success", "auth"})
#: Answer rules that do not judge the answers to malformed or unsigned requests.
_NOT_FOR_MALFORMED = ("error.shape", "wire.content-type")


def call_of(exchange: Exchange) -> Call:
    return Call(exchange.service, exchange.operation, exchange.request, exchange.region)


def not_implemented(
    service: ServiceSpec, exchange: Exchange, prediction: Prediction | None, malformed: bool
) -> Divergence | None:
    """The one divergence of an answer saying the target does not implement the operation.

    HTTP 501 to a call of a documented operation, or UnknownOperationException to a well-formed
    one (to a malformed request it is a refusal like any other). Its signature names no call, so
    a run reports one finding per operation, however many calls met it; the answer is not judged
    any further (its code, body and content type are not the operation's).
    """
    if exchange.operation not in service.operations:
        return None  # an X-Amz-Target the service does not have: the wire rules judge that
    if exchange.status == NOT_IMPLEMENTED_STATUS:
        how = f"HTTP {exchange.status}"
    elif not malformed and exchange.error_code in NOT_IMPLEMENTED_CODES:
        how = f"HTTP {exchange.status} {exchange.error_code}"
    else:
        return None
    said = f": {' '.join(exchange.error_message.split())[:200]}" if exchange.error_message else ""
    due = prediction.expectation if prediction is not None else Expectation("success")
    expected = Expectation(
        due.outcome,
        due.errors,
        f"{exchange.operation} is in the {service.name} service model, so it answers as documented",
    )
    return divergence(
        answer_rule_id(service.name, "operation.implemented"),
        "not-implemented",
        exchange,
        expected,
        f"{service.name}:{exchange.operation} is not implemented ({how}{said})",
        "not implemented",
    )


class Judge:
    def __init__(self, spec: Spec, model: Model | None = None, checks: frozenset[str] | None = None):
        self.spec = spec
        self.model = model if model is not None else Model()
        self.checks = checks
        """The answer checks to run, by name (harness.checks.CHECKS); ``None``: every one."""
        self.not_implemented: dict[tuple[str, str], str] = {}
        """(service, operation) the target answered "not implemented", with the first such answer."""
        self.missing_log: list[tuple[str, str]] = []
        """Every not-implemented answer's (service, operation), in order (a rule test reads what
        it met from its start)."""

    def expect(self, call: Call, region: str, wire: Mapping[str, Any] | None = None) -> Prediction | None:
        """What the documentation requires of ``call`` now (nothing is recorded)."""
        return self._predict(call, call.region or region, wire)[0]

    def _predict(
        self, call: Call, region: str, wire: Mapping[str, Any] | None = None
    ) -> tuple[Prediction | None, Prediction | None]:
        """The model's prediction, overruled by the request's member constraints; and apart the
        model's own prediction (``None`` for a malformed request, which the model does not see).

        A raw request that is not a well-formed, signed call is judged by the wire rules
        alone. A member constraint (length, enum, ...) is independent of state; when the
        state would also make the call fail, for another reason, the docs do not say which
        check runs first, so the prediction is ambiguous (harness.oracle.predict).
        """
        malformed = predict_wire(call.service, wire)
        if malformed is not None:
            return malformed, None
        state = self.model.predict(call, region)
        broken, undecided = scan(call.service, call.operation, call.params)
        if not broken and not undecided:
            return state, state
        if state is None or state.expectation.outcome == "success":
            if not broken:
                # Only members whose bounds the documents contradict: served or refused, both
                # are documented somewhere, so no outcome is predicted.
                return None, state
            return predict(None, [*broken, *undecided]), state
        return predict(None, [*broken, *undecided, *state.violations]), state

    def judge(self, exchange: Exchange) -> Judgement:
        call = call_of(exchange)
        prediction, state = self._predict(call, exchange.region, exchange.wire)
        service = self.spec.service(exchange.service)
        malformed = predict_wire(exchange.service, exchange.wire) is not None
        if malformed and exchange.ok:
            # The model follows a success (with its own prediction of the call, made on the
            # state before the answer), even of a request the wire rules judged.
            state = self.model.predict(call, exchange.region)
        missing = not_implemented(service, exchange, prediction, malformed)
        if missing is not None:
            self.not_implemented.setdefault((exchange.service, exchange.operation), missing.detail)
            self.missing_log.append((exchange.service, exchange.operation))
            self.model.apply(canonical(service, exchange), state)
            return Judgement(exchange, prediction, (missing,))
        divergences = check_answer(service, exchange, self.checks)
        if malformed:
            # A request that is not a well-formed call: only the status class is documented
            # (no document fixes the body or content type of the answer; real captures are
            # HTML pages), so the error-shape and content-type rules do not judge it.
            skipped = {answer_rule_id(service.name, name) for name in _NOT_FOR_MALFORMED}
            divergences = [d for d in divergences if d.rule not in skipped]
        elif prediction is None or prediction.expectation.outcome == "any-4xx":
            # No rule names the codes: an error the operation does not document is still a finding.
            undocumented = check_error_code(service, exchange)
            if undocumented is not None:
                divergences.append(undocumented)
        # The model and the facts speak AWS: they read the answer in AWS's spelling.
        aws_view = canonical(service, exchange)
        if prediction is not None:
            outcome = check_outcome(prediction, exchange, service)
            if outcome is not None and outcome.kind in _SERVED_WRONGLY:
                # An answer that should not exist: its content is not a second fault.
                divergences = []
            if outcome is not None:
                divergences.insert(0, outcome)
            divergences.extend(check_facts(prediction, aws_view))
        self.model.apply(aws_view, state)
        return Judgement(exchange, prediction, tuple(divergences))

    def judge_control(self, judged: Judgement, control: Exchange) -> tuple[Judgement, Judgement]:
        """Judge ``control``, sent right after ``judged`` with the rule-breaking part undone.

        Returns ``judged`` (amended) and the control's own judgement.
        """
        own = self.judge(control)
        return self.controlled(judged, own), own

    @staticmethod
    def needs_control(judged: Judgement) -> bool:
        """Whether a control could change the verdict on ``judged``: only a refusal (a wrong or
        an unexpected error) is withdrawn when its control is refused too. An answer that should
        not exist (an unexpected success) or a server error stands whatever the control gets, so
        no control is sent for it (issue 16: 555 of the default run's controls bought nothing)."""
        outcome = judged.outcome
        return outcome is not None and outcome.kind in CONTROLLED_KINDS

    @staticmethod
    def controlled(judged: Judgement, own: Judgement) -> Judgement:
        """``judged`` amended by its control's judgement ``own``: a refusal the control shares
        is about something else, not the rule under test."""
        outcome = judged.outcome
        if outcome is not None and outcome.kind in CONTROLLED_KINDS and not own.exchange.ok:
            judged = judged.without_outcome()
        return judged
