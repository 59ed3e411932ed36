"""Replay a bundle's cassette through the judge, keeping which test each exchange served.

The replay is :class:`harness.engine.replay.Replayer`, the one a ``python -m harness replay``
runs: the same judge as the live run, so the cassette replays to the run's findings. On top,
each exchange's ``"test"`` member (written by the run) says which rule test or state machine
sent it, and this replay notes, per test, the first exchange that *exercised* its rule: a call
of that test, not a control, whose judgement involved the rule (the rule decided the predicted
answer, a fact of the rule was checked on it, or it is an answer rule checked on every answer of
the operation) and whose outcome no control call withdrew.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import redaction
from harness.engine.judge import Judgement
from harness.engine.replay import Replayer, answer_rules_of
from harness.errors import CassetteError, HarnessError
from harness.exchange import Exchange
from harness.findings import Finding
from harness.spec.catalog import Spec


@dataclass
class Evidence:
    findings: list[Finding]
    exercised: dict[str, int] = field(default_factory=dict)
    """Test name -> the first cassette line that exercised its rule (state machines: any line)."""
    lines_of: dict[str, int] = field(default_factory=dict)
    """Test name -> its first cassette line."""
    not_implemented: frozenset[tuple[str, str]] = frozenset()
    """(service, operation) pairs the replayed target answered "not implemented"."""
    redacted: set[str] = field(default_factory=set)
    """Tests with a call whose request or answer holds a redaction token (harness.redaction)."""
    elided: int | None = None
    """The first cassette line that leaves list items out (harness.cassette.ListBound)."""


def carries_tokens(value: Any) -> bool:
    """Whether ``value`` holds a redaction token anywhere: a value the cassette keeps only as its
    length and digest, which a check that needs the bytes cannot use on a replay."""
    if isinstance(value, str):
        return redaction.is_token(value)
    if isinstance(value, dict):
        return any(carries_tokens(v) for v in value.values())
    if isinstance(value, list):
        return any(carries_tokens(v) for v in value)
    return False


def tags(path: Path, evidence: Evidence | None = None) -> dict[int, str | None]:
    """Each cassette line number -> the test it names (None: none); ``evidence`` gathers the
    tests whose lines hold redaction tokens and the first line that elides list items."""
    out: dict[int, str | None] = {}
    with path.open("rb") as handle:
        for number, data in enumerate(handle, start=1):
            if not data.strip():
                continue
            try:
                line = json.loads(data)
            except ValueError:
                raise CassetteError(f"{path.name}:{number}: not JSON") from None
            test = line.get("test") if isinstance(line, dict) else None
            out[number] = test if isinstance(test, str) else None
            if evidence is None or not isinstance(line, dict):
                continue
            if out[number] and carries_tokens([line.get("request"), line.get("response")]):
                evidence.redacted.add(str(test))
            if line.get("elided") and evidence.elided is None:
                evidence.elided = number
    return out


class _Witness(Replayer):
    def __init__(self, spec: Spec):
        super().__init__(spec)
        self.where: dict[int, tuple[int, str | None]] = {}
        """id(exchange) -> (line number, test)."""
        self.evidence = Evidence([])
        self._engaged: dict[int, frozenset[str]] = {}
        self._had_outcome: dict[int, bool] = {}

    def _account(self, judged: Judgement, unseen: bool) -> None:
        super()._account(judged, unseen)
        exchange = judged.exchange
        rules = set(answer_rules_of(exchange.service, exchange.operation))
        prediction = judged.prediction
        if prediction is not None:
            rules.update(prediction.rules)
            if exchange.ok:
                rules.update(fact.rule for fact in prediction.facts)
        self._engaged[id(exchange)] = frozenset(rules)
        self._had_outcome[id(exchange)] = judged.outcome is not None

    def _record(self, judged: Judgement, steps: list[Exchange]) -> None:
        super()._record(judged, steps)
        exchange = judged.exchange
        number, test = self.where.get(id(exchange), (0, None))
        if test is None or exchange.role == "control":
            return
        withdrawn = self._had_outcome.get(id(exchange), False) and judged.outcome is None
        rule = test.rpartition(":")[0]
        machine = not rule
        if not withdrawn and (machine or rule in self._engaged.get(id(exchange), frozenset())):
            self.evidence.exercised.setdefault(test, number)


def replay(cassette: Path, spec: Spec) -> Evidence:
    """Replay ``cassette`` (a bundle's) and gather the evidence; :class:`HarnessError` if it is corrupt."""
    from harness.cassette import read

    witness = _Witness(spec)
    tagged = tags(cassette, witness.evidence)
    lines: Iterable[tuple[int, Exchange]] = read(cassette)
    for number, exchange in lines:
        test = tagged.get(number)
        witness.where[id(exchange)] = (number, test)
        if test is not None:
            witness.evidence.lines_of.setdefault(test, number)
        try:
            witness.feed(exchange)
        except HarnessError:
            raise
        except Exception as exc:
            raise HarnessError(
                f"{cassette.name}:{number}: the harness could not judge this exchange "
                f"({type(exc).__name__}: {exc})"
            ) from exc
    result = witness.finish()
    evidence = witness.evidence
    evidence.findings = list(result.findings)
    evidence.not_implemented = frozenset(getattr(witness.judge, "not_implemented", {}))
    return evidence
