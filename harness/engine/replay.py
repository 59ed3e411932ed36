"""``python -m harness replay CASSETTE``: re-check a recorded cassette with no endpoint.

A replay feeds the exchanges of a cassette, in order, to the same
:class:`~harness.engine.judge.Judge` a live run uses: the model predicts each answer from the
request and what came before, the checks compare the recorded answer, and the model
follows it. So the checks do not care where an answer came from: a cassette recorded by
``pytest --target=emulator`` replays to the finding ids of that run (for the rules the
run selected), and a cassette of answers recorded against AWS replays clean.

How the model starts. An exchange marked ``"history": "start"`` (the first one a
:class:`~harness.engine.session.Session` writes) was judged by an empty, complete model: a key
the model does not know does not exist. A cassette without the mark starts mid-history:
the model is incomplete, learns keys from the answers, and predicts no outcome for a key
it never saw, because an answer the documentation allows must never be flagged merely
because the model could not predict it. An error code the operation does not document (nor
the service's common errors) is flagged all the same: no state makes it a documented answer.
What could not be checked for that reason, or
because no rule decides an outcome, is listed in ``summary.unapplied_checks``.

As in a live run, throttled exchanges (ThrottlingException, HTTP 429) are not judged, and
a control call (``"role": "control"``) is judged with the call before it
(:meth:`~harness.engine.judge.Judge.judge_control`), which may withdraw that call's outcome
divergence. Exit codes: 0 no finding (or advisories only), 1 findings, 2 bad input (one line,
nothing written).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import reproduce, reproduce_cli
from harness.cassette import read
from harness.engine.execution import record
from harness.engine.judge import Judge, Judgement
from harness.engine.model import Model
from harness.errors import HarnessError, UsageError
from harness.exchange import Exchange
from harness.findings import Finding, FindingsLog
from harness.oracle.rules import RULES
from harness.report import RunReport, now_iso, write
from harness.spec import catalog
from harness.spec.catalog import Spec
from harness.transport import is_throttled

TARGET_NAME = "replay"
DEFAULT_REPORT_DIR = Path("reports") / TARGET_NAME
#: Where reproduction scripts point by default, as for the emulator (they read
#: ``$HARNESS_ENDPOINT`` first).
REPRODUCE_ENDPOINT = "http://127.0.0.1:5000"
#: At most this many earlier exchanges are kept as a finding's ``steps``.
MAX_STEPS = 25

#: Request members that name a key (KMS key id or ARN, Payment Cryptography key ARN).
_KEY_MEMBERS = ("KeyId", "KeyIdentifier", "ResourceArn", "TargetKeyId")
#: Answer members that name a key.
_ANSWER_NAME_MEMBERS = frozenset({"KeyId", "Arn", "KeyArn"})

UNSEEN_KEY = (
    "names a key this cassette never showed (it starts mid-history); the answer was learned, not judged"
)
NO_RULE = "no documented rule decides it"
NO_SPEC = "the {profile} profile has no spec of this operation"


@dataclass(frozen=True, slots=True, order=True)
class Unapplied:
    """A check that could not be applied to some exchanges, and why."""

    service: str
    operation: str
    check: str
    reason: str

    def describe(self, count: int) -> str:
        plural = "exchange" if count == 1 else "exchanges"
        return f"{self.service}:{self.operation} {self.check}: {self.reason} ({count} {plural})"


@dataclass
class ReplayResult:
    """What a replay found, ready for the report."""

    findings: FindingsLog
    judged: int = 0
    """Exchanges judged (throttled ones are not)."""
    throttled: int = 0
    regions: list[str] = field(default_factory=list)
    rules: dict[str, str] = field(default_factory=dict)
    """Rules whose check applied to at least one exchange -> ``passed`` (``failed`` is
    filled in from the findings when the report is made)."""
    unapplied: Counter[Unapplied] = field(default_factory=Counter)

    def unapplied_lines(self) -> list[str]:
        return [item.describe(count) for item, count in sorted(self.unapplied.items())]


class _History:
    """Earlier successful exchanges, indexed by the key names they carry (for ``steps``)."""

    def __init__(self) -> None:
        self._exchanges: list[Exchange] = []
        self._by_name: dict[str, list[int]] = {}
        self.seen: set[str] = set()
        """Every key name an earlier successful answer showed."""

    def steps_for(self, exchange: Exchange) -> list[Exchange]:
        """The earlier successful exchanges that carried a key name this request uses."""
        indexes: set[int] = set()
        for name in request_key_names(exchange.request):
            indexes.update(self._by_name.get(name, ())[-MAX_STEPS:])
        return [self._exchanges[i] for i in sorted(indexes)[-MAX_STEPS:]]

    def add(self, exchange: Exchange) -> None:
        if not exchange.ok:
            return  # a failed call changes no key; its names prove nothing exists
        shown = answer_key_names(exchange.body)
        self.seen |= shown
        carried = request_key_names(exchange.request) | shown
        if carried:
            self._exchanges.append(exchange)
            for name in carried:
                self._by_name.setdefault(name, []).append(len(self._exchanges) - 1)


def request_key_names(request: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(v for k in _KEY_MEMBERS if isinstance(v := request.get(k), str) and v)


def answer_key_names(body: Any) -> set[str]:
    """Every KeyId, Arn and KeyArn string anywhere in an answer body."""
    found: set[str] = set()
    stack = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key in _ANSWER_NAME_MEMBERS and isinstance(value, str) and value:
                    found.add(value)
                elif isinstance(value, dict | list):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def answer_rules_of(service: str, operation: str) -> list[str]:
    """The answer rules checked on every answer of ``operation`` (each check decides if it applies)."""
    return [
        rule.id
        for rule in RULES
        if rule.kind == "answer"
        and rule.service == service
        and (not rule.operations or operation in rule.operations)
    ]


class Replayer:
    """Feeds exchanges to a judge in order, as the live run did, and records what it finds.

    ``only_rules`` restricts the findings to those rules, as a live run that selected
    rule tests (``-k``) does (:meth:`harness.engine.session.Session.counts`); every exchange is
    still judged, so the model follows the whole cassette.
    """

    def __init__(self, spec: Spec, *, only_rules: Iterable[str] | None = None):
        self.spec = spec
        self.only_rules = frozenset(only_rules) if only_rules is not None else None
        self.result = ReplayResult(FindingsLog())
        # Until an exchange says the history starts there, the cassette may start anywhere.
        self.judge = Judge(spec, Model(complete=False))
        self._history = _History()
        self._pending: tuple[Judgement, list[Exchange]] | None = None
        self._regions: dict[str, None] = {}

    def feed(self, exchange: Exchange) -> None:
        if exchange.history_start:
            self._flush()
            self.judge = Judge(self.spec, Model(complete=True))
            self._history = _History()
        if is_throttled(exchange):
            # The transport retried it; the live run judged only the answer that followed.
            self.result.throttled += 1
            return
        self._regions.setdefault(exchange.region, None)
        steps = self._history.steps_for(exchange)
        unseen = bool(request_key_names(exchange.request) - self._history.seen)
        if exchange.role == "control" and self._pending is not None:
            judged, judged_steps = self._pending
            self._pending = None
            amended, own = self.judge.judge_control(judged, exchange)
            self._account(own, unseen)
            self._record(amended, judged_steps)
            self._record(own, [*judged_steps, judged.exchange])
        else:
            self._flush()
            judged = self.judge.judge(exchange)
            self._account(judged, unseen)
            # Recorded once the next exchange shows whether a control follows it.
            self._pending = (judged, steps)
        self._history.add(exchange)

    def finish(self) -> ReplayResult:
        self._flush()
        self.result.regions = list(self._regions)
        return self.result

    def _flush(self) -> None:
        if self._pending is not None:
            judged, steps = self._pending
            self._pending = None
            self._record(judged, steps)

    def _account(self, judged: Judgement, unseen: bool) -> None:
        """Count the exchange and note which rules were checked on it and which checks were not."""
        exchange = judged.exchange
        self.result.judged += 1
        service = self.spec.service(exchange.service)
        rules = self.result.rules
        for rule in answer_rules_of(exchange.service, exchange.operation):
            rules.setdefault(rule, "passed")
        if exchange.operation not in service.operations:
            reason = NO_SPEC.format(profile=self.spec.profile)
            self._unapplied(exchange, "response schema", reason)
        prediction = judged.prediction
        if prediction is None:
            complete = self.judge.model.complete
            self._unapplied(exchange, "outcome", UNSEEN_KEY if unseen and not complete else NO_RULE)
            return
        for rule in prediction.rules:
            rules.setdefault(rule, "passed")
        if exchange.ok:
            for fact in prediction.facts:
                rules.setdefault(fact.rule, "passed")

    def _unapplied(self, exchange: Exchange, check: str, reason: str) -> None:
        self.result.unapplied[Unapplied(exchange.service, exchange.operation, check, reason)] += 1

    def _counts(self, rule: str) -> bool:
        return self.only_rules is None or rule in self.only_rules

    def _record(self, judged: Judgement, steps: list[Exchange]) -> None:
        record(self.result.findings, judged, steps, counts=self._counts)


def replay(
    exchanges: Iterable[Exchange], spec: Spec, *, only_rules: Iterable[str] | None = None
) -> ReplayResult:
    """Judge ``exchanges`` in order; pure (no files, no network)."""
    return replay_lines(enumerate(exchanges, start=1), spec, only_rules=only_rules)


def replay_lines(
    lines: Iterable[tuple[int, Exchange]],
    spec: Spec,
    *,
    only_rules: Iterable[str] | None = None,
    source: str = "exchange",
) -> ReplayResult:
    """Judge numbered exchanges (cassette line numbers) in order.

    Whatever a cassette holds, a replay ends in a report or in one :class:`HarnessError`
    naming the line the harness could not judge, never in a traceback.
    """
    replayer = Replayer(spec, only_rules=only_rules)
    for number, exchange in lines:
        try:
            replayer.feed(exchange)
        except HarnessError:
            raise
        except Exception as exc:
            raise HarnessError(
                f"{source}:{number}: the harness could not judge this exchange "
                f"({type(exc).__name__}: {exc}); please report it"
            ) from exc
    return replayer.finish()


def load(path: Path) -> list[tuple[int, Exchange]]:
    """The numbered exchanges of the cassette at ``path``; :class:`CassetteError` names a corrupt line."""
    return list(read(path))


def document(result: ReplayResult, *, cassette: Path, profile: str) -> tuple[dict[str, Any], list[Finding]]:
    """findings.json for a replay, and its findings with reproduction scripts attached."""
    findings = [reproduce.attach(f, endpoint=REPRODUCE_ENDPOINT, profile=profile) for f in result.findings]
    findings = [reproduce_cli.attach(f, endpoint=REPRODUCE_ENDPOINT) for f in findings]
    report = RunReport(
        target={
            "name": TARGET_NAME,
            "endpoint_url": None,
            "regions": list(result.regions),
            "implementation": None,
            "cassette": str(cassette),
        },
        seed=None,
        started_at=now_iso(),
        profile=profile,
        calls=result.judged,
        throttled=result.throttled,
        rules=dict(result.rules),
        unapplied_checks=result.unapplied_lines(),
    )
    return report.document(findings), findings


def rules_of_report(path: Path) -> frozenset[str]:
    """The rules a findings.json says its run checked (its ``summary.rules``)."""
    try:
        rules = json.loads(path.read_text(encoding="utf-8"))["summary"]["rules"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"--rules-from {path}: not a findings.json with summary.rules ({exc})") from None
    return frozenset(rules)


def run(
    cassette: Path, *, report_dir: Path, profile: str = "aws", only_rules: frozenset[str] | None = None
) -> tuple[ReplayResult, Path]:
    """Replay ``cassette`` and write ``report_dir/findings.json``; nothing is written on bad input."""
    spec = catalog.load(profile)
    result = replay_lines(load(cassette), spec, source=str(cassette), only_rules=only_rules)
    doc, _ = document(result, cassette=cassette, profile=profile)
    try:
        path = write(report_dir, doc)
    except OSError as exc:
        raise HarnessError(f"cannot write {report_dir / 'findings.json'}: {exc.strerror or exc}") from None
    return result, path


def summary(result: ReplayResult, cassette: Path) -> Iterator[str]:
    findings = list(result.findings)
    yield (
        f"replayed {result.judged} exchanges of {cassette}"
        + (f" ({result.throttled} throttled, not judged)" if result.throttled else "")
        + f": {len(findings)} findings"
    )
    for finding in findings:
        label = "ADVISORY" if finding.advisory else "FINDING "
        yield f"{label} {finding.id}  {finding.divergence.detail}"
    for line in result.unapplied_lines():
        yield f"not checked: {line}"


def main(args: argparse.Namespace) -> int:
    cassette = Path(args.cassette)
    report_dir = Path(args.report_dir) if args.report_dir else DEFAULT_REPORT_DIR
    only = rules_of_report(Path(args.rules_from)) if getattr(args, "rules_from", None) else None
    result, path = run(cassette, report_dir=report_dir, profile=args.profile, only_rules=only)
    for line in summary(result, cassette):
        print(line)
    print(f"findings: {path}")
    sys.stdout.flush()
    # Advisories (inferred expectations) are reported but never make a replay fail.
    return 1 if any(not f.advisory for f in result.findings) else 0


__all__ = [
    "ReplayResult",
    "Replayer",
    "Unapplied",
    "document",
    "load",
    "main",
    "replay",
    "replay_lines",
    "run",
]
