"""The run's memo: a state-free request sent identically before is judged from its recorded answers.

Issue 16 measured where the default run's calls go: hundreds of its CreateKey calls under test
and controls repeat, byte for byte, a request an earlier draw or coverage phase of the same run
already sent (Hypothesis's early draws, the controls of the create rules, the coverage phases);
every repeat got the same answer as the first. A repeat buys no evidence and, on moto, costs an
RSA key generation (~66 ms) for each symmetric key.

What may be memoised is declared by the services: a model's ``state_free(call)`` says that what
the documents require of the call depends on the request alone (KMS and Payment Cryptography
CreateKey: a new key whatever the Region holds). The engine knows no operation by name. Only the
call under test of a rule test's attempt and its control are memoised (harness.engine.rule_runs):
their answers are judged and never used by a later call, whereas a set-up's key is used, and a
state machine's calls change what its later steps see.

The guard, so that no hidden case is lost: the first ``keep`` identical requests are sent; only
if all of them were judged alike (same status, error code and divergences) are later ones judged
from the last answer. A target that answers the second identical request differently (a flaky
HTTP 500, a counter) is therefore seen within the first ``keep`` sends, and that request is
never memoised. The model's prediction is part of the identity: a request the model now predicts
differently (its state changed what is due) is sent again.

A memoised call is judged, recorded as findings and counted as a call of its rule test (so that
Hypothesis's draws and shrinking, bounded in calls, are those of a run without the memo), but it
is not sent, not written to the cassette and not applied to the model: the target never got it,
so the model must not follow it, and a replay of the cassette meets the first answers, which
give the same findings (harness.engine.replay). ``replayed`` counts them for the report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from harness.engine.judge import Judge, Judgement
from harness.exchange import Call

#: Identical requests sent before the memo answers for them. Two: the second identical send is
#: the one a flaky or stateful target answers differently, and it is still sent and judged.
DEFAULT_KEEP = 2


def _identity(calls: tuple[Call | None, ...], region: str) -> str:
    return json.dumps(
        [None if c is None else [c.service, c.operation, c.region or region, c.params] for c in calls],
        sort_keys=True,
        default=repr,
    )


def _verdict(judged: Judgement | None) -> tuple[Any, ...]:
    """What two sends of one request must share to count as answered alike."""
    if judged is None:
        return ()
    exchange = judged.exchange
    return (
        exchange.status,
        exchange.error_code,
        judged.prediction,
        tuple((d.rule, d.operation, d.kind, d.signature) for d in judged.divergences),
    )


def _as(judged: Judgement, role: str | None) -> Judgement:
    if judged.exchange.role == role:
        return judged
    return replace(judged, exchange=replace(judged.exchange, role=role))


@dataclass
class _Entry:
    judged: Judgement
    """The call under test's judgement, before its control amended it."""
    control: Judgement | None
    """Its control's own judgement, when one was sent."""
    sends: int = 1
    alike: bool = True


class Memo:
    """Judgements of attempts (a call under test and its control) of state-free requests, by
    identity; ``keep=0`` turns the memo off.

    The unit is the attempt, not the single call: either both of its calls are sent and written
    to the cassette, or neither is, so that a replay pairs every control with its own call
    (harness.engine.replay judges a control with the exchange before it).
    """

    def __init__(self, keep: int = DEFAULT_KEEP):
        self.keep = keep
        self.replayed = 0
        """Calls judged from the memo instead of being sent."""
        self._entries: dict[str, _Entry] = {}

    def _memoisable(self, judge: Judge, call: Call, control: Call | None) -> bool:
        if self.keep <= 0 or not judge.model.state_free(call):
            return False
        return control is None or judge.model.state_free(control)

    def recall(
        self, judge: Judge, call: Call, control: Call | None, region: str
    ) -> tuple[Judgement, Judgement | None] | None:
        """The judgements to give the attempt without sending it (the call's, amended by its
        control's, and the control's own, if one was due), or ``None``: send it."""
        if not self._memoisable(judge, call, control):
            return None
        entry = self._entries.get(_identity((call, control), region))
        if entry is None or not entry.alike or entry.sends < self.keep:
            return None
        if judge.expect(call, region) != entry.judged.prediction:
            return None
        own = entry.control
        if own is not None and control is not None and judge.expect(control, region) != own.prediction:
            return None
        judged = _as(entry.judged, None)
        if own is None:
            self.replayed += 1
            return judged, None
        self.replayed += 2
        own = _as(own, "control")
        return judge.controlled(judged, own), own

    def learn(
        self,
        judge: Judge,
        call: Call,
        control: Call | None,
        region: str,
        judged: Judgement,
        own: Judgement | None,
    ) -> None:
        """Remember the judgements of an attempt just sent (``own``: its control's, if sent)."""
        if not self._memoisable(judge, call, control):
            return
        key = _identity((call, control), region)
        entry = self._entries.get(key)
        if entry is None:
            self._entries[key] = _Entry(judged, own)
            return
        entry.sends += 1
        before = (_verdict(entry.judged), _verdict(entry.control))
        entry.alike = entry.alike and before == (_verdict(judged), _verdict(own))
        entry.judged, entry.control = judged, own
