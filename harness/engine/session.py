"""One conformance run: the wiring of target, transport, cassette, findings and report.

The pytest plugin and the command line both drive a :class:`Session`; no other module
joins the stages together. A session starts its target lazily, before the first
call. ``finish`` writes findings.json and the cassette; ``abort`` (after a harness
error) writes nothing.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness import reproduce, reproduce_cli
from harness.cassette import CassetteWriter
from harness.engine import differential
from harness.engine.accounting import Accounting, BudgetReached, Outcome
from harness.engine.accounting import summary_lines as summary_lines_of
from harness.engine.differential import Mirror
from harness.engine.execution import record
from harness.engine.judge import Judge, Judgement
from harness.engine.memo import Memo
from harness.engine.model import Model
from harness.engine.rule_runs import RuleRun, run_rule
from harness.engine.settings import example_database
from harness.engine.state_machines import StatefulRun, run_stateful
from harness.errors import HarnessError
from harness.exchange import Call, Exchange
from harness.findings import Finding, FindingsLog
from harness.ledger import new_run_id
from harness.machines import StatefulTest
from harness.options import RunOptions
from harness.oracle.rules import RULES
from harness.report import RunReport, now_iso, write
from harness.reporting import causes
from harness.reporting.files import write_reports
from harness.scenarios.base import RuleTest
from harness.spec import catalog
from harness.targets import TARGETS, ActiveTarget, TargetConfig, activate, check_reachable, credentials_for
from harness.transport import RawRequest, Transport


@dataclass(frozen=True)
class RunResult:
    findings: list[Finding]
    stale: list[str]
    report_path: Path
    cassette_path: Path
    document: Mapping[str, Any] = field(default_factory=dict)
    """The findings.json document as written (with causes)."""

    @property
    def new(self) -> list[Finding]:
        """Findings that fail the run: not in the baseline, and not advisories."""
        return [f for f in self.findings if f.baseline != "known" and not f.advisory]


class Session:
    def __init__(self, options: RunOptions):
        self.options = options
        self.spec = catalog.load(options.profile, options.specs_dir)
        # Complete: the model sees every call this run makes, so a key it does not know
        # does not exist (the emulator starts empty; on an endpoint, the run only names
        # keys it created or random ids).
        self.judge = Judge(self.spec, Model(complete=True), options.checks)
        self.findings = FindingsLog()
        self.report = RunReport(
            target={
                "name": options.target.name,
                "endpoint_url": options.target.endpoint_url,
                "regions": list(options.target.regions),
                "implementation": None,
                **options.target.report_fields(),
            },
            seed=options.seed,
            started_at=now_iso(),
            profile=options.profile,
        )
        self.runs: dict[str, RuleRun] = {}
        self.stateful_runs: dict[str, StatefulRun] = {}
        self.coverage_done: set[str] = set()
        # Identical state-free attempts judged from earlier answers (harness.engine.memo); off in a
        # differential run, where every call is also the compare target's evidence.
        self.memo = Memo(options.memo_sends if options.compare is None else 0)
        self.example_db = (
            example_database(options.example_db, readonly=options.example_db_readonly)
            if options.example_db
            else None
        )
        self.replayed_calls = 0
        """Calls spent replaying the example database's stored examples."""
        self.reused: dict[str, tuple[Any, list[Exchange]]] = {}
        self.target: ActiveTarget | None = None
        self.transport: Transport | None = None
        self._stack = ExitStack()
        self._log_dir = Path(tempfile.mkdtemp(prefix="harness-target-"))
        # The first exchange is marked as the start of a complete history, so a replay of
        # this cassette judges it with a complete model too, exactly as this run does.
        # Bounded: list answers keep only items about what this run touched (harness.cassette.
        # ListBound), so the cassette does not grow with what the endpoint held before; a
        # certification keeps every answer whole (options.bound_lists).
        self._cassette = CassetteWriter(
            options.report_dir / "cassette.jsonl",
            history_start=self.judge.model.complete,
            bound_lists=options.bound_lists,
        )
        self._account_id: str | None = None
        self.closed = False
        self.mirror: Mirror | None = None
        """The compare target of a differential run (``--compare-target``), once started."""
        self.listeners: list[Callable[[Exchange], None]] = []
        """Called with every exchange as it is recorded (the plugin's progress line)."""
        self.creations = reproduce.Creations()
        """Which call created each resource: context for reproductions (harness.reproduce)."""
        self.selected_rules: frozenset[str] | None = None
        """Rules of the tests this run selected; divergences of other rules are not findings
        of this run (``None``: every rule counts)."""
        kind = TARGETS[options.target.kind_name]
        defaults = getattr(kind, "budget_defaults", None)
        self.accounting = Accounting(
            self.spec,
            options.budget.over(defaults) if defaults is not None else options.budget,
            options.report_dir,
            new_run_id(),
            tracks_keys=bool(getattr(kind, "accounts_for_keys", False)),
            calls_sent=lambda: self.transport.calls_sent if self.transport is not None else 0,
        )
        """Budgets, and on a real account the ledger, run tags and cleanup."""
        self._cleanup_transport: Transport | None = None

    # -- the Sender protocol of the runner -------------------------------------------

    @property
    def region(self) -> str:
        return self.options.target.region

    @property
    def replica_region(self) -> str:
        return self.options.target.replica_region

    @property
    def account_id(self) -> str | None:
        return self._account_id

    def send(self, call: Call, *, role: str | None = None) -> Exchange:
        transport = self._ensure_started()
        self._settle_tags(transport)
        call, tagged = self.accounting.before(call)  # budgets: raises before anything leaves
        exchange = transport.send(call, role=role)
        self.accounting.after(exchange, tagged=tagged)  # the ledger, before anything else
        if exchange.status is None:
            # No answer at all: a dead endpoint is a harness error, not a finding; a live
            # endpoint that dropped this one request is the target's fault (a finding).
            check_reachable(transport.endpoint_for(call.service, call.region or self.region))
        self._learn(exchange)
        return exchange

    def send_raw(self, request: RawRequest) -> Exchange:
        """Send a hand-built request (wire-level and auth cases), signed by botocore's SigV4."""
        transport = self._ensure_started()
        self._settle_tags(transport)
        self.accounting.before_raw(request)
        signing_name = self.spec.service(request.service).signing_name
        exchange = transport.send_raw(request, signing_name=signing_name)
        self.accounting.after(exchange)
        if exchange.status is None:
            check_reachable(transport.endpoint_for(request.service, request.region))
        self._learn(exchange)
        return exchange

    # -- lifecycle --------------------------------------------------------------------

    def _ensure_started(self) -> Transport:
        if self.closed:
            raise HarnessError("the run is already finished")
        if self.transport is None:
            config = self.options.target
            # Read before anything starts: missing credentials stop the run with nothing sent.
            credentials = credentials_for(config)
            self.target = self._stack.enter_context(activate(config, log_dir=self._log_dir))
            self.report.target["endpoint_url"] = self.target.endpoint_url
            self.report.target["implementation"] = self.target.implementation
            self._cassette.open()
            rate = config.limits.requests_per_second
            self.transport = Transport(
                endpoints=self.target.endpoints,
                default_region=config.region,
                credentials=credentials,
                network=config.network,
                listeners=[self._cassette.write, self._notify],
                verify=config.verify,
                min_interval=max(1.0 / rate if rate else 0.0, self.accounting.budget.min_interval),
                gate=self.accounting.gate,
            )
            if self.accounting.tracks_keys:
                # Cleanup's own transport: not recorded, not judged, bound by no budget.
                self._cleanup_transport = Transport(
                    endpoints=self.target.endpoints,
                    default_region=config.region,
                    credentials=credentials,
                    network=config.network,
                    verify=config.verify,
                    min_interval=self.transport.min_interval,
                )
                self.accounting.install(self._cleanup)
            if self.options.compare is not None:
                self.mirror = self._start_mirror(self.options.compare)
        return self.transport

    def _start_mirror(self, other: TargetConfig) -> Mirror:
        """Start (or reach) the compare target: its own transport, judge and reference model."""
        credentials = credentials_for(other)
        active = self._stack.enter_context(activate(other, log_dir=self._log_dir / "compare"))
        transport = Transport(
            endpoints=active.endpoints,
            default_region=self.options.target.region,
            credentials=credentials,
            network=other.network,
            verify=other.verify,
        )
        self.report.target["compare"] = {
            "name": other.name,
            "endpoint_url": active.endpoint_url,
            "implementation": active.implementation,
        }
        judge = Judge(self.spec, Model(complete=True), checks=self.judge.checks)
        return Mirror(other.name, transport, judge, self.spec, self.options.target.name)

    def compare(self, judged: Judgement, sent: Call | RawRequest) -> None:
        """Differential runs: the same call to the compare target; differences become findings."""
        if self.mirror is not None:
            differential.record(self.findings, self.mirror.compare(judged, sent), self.counts)

    def _settle_tags(self, transport: Transport) -> None:
        """Tag the keys created without the run tag in their request, now that their creation
        is judged: sent, recorded and judged like every call, so the model knows their tags."""
        for call in self.accounting.pending_tags():
            judged = self.judge.judge(transport.send(call, role="harness"))
            record(self.findings, judged, (), counts=self.counts)

    def _cleanup(self) -> list[Outcome]:
        """Schedule the deletion of every key the run created (a real account); idempotent."""
        if self._cleanup_transport is None:
            return []
        quiet = self._cleanup_transport
        return self.accounting.cleanup(lambda call: quiet.send(call, role="cleanup"))

    def _notify(self, exchange: Exchange) -> None:
        self.creations.learn(exchange)
        for listener in self.listeners:
            listener(exchange)

    @property
    def calls(self) -> int:
        """Requests sent so far."""
        return self.transport.calls_sent if self.transport is not None else 0

    def start(self) -> None:
        """Start (or reach) the target now rather than at the first call."""
        self._ensure_started()

    def _learn(self, exchange: Exchange) -> None:
        if self._account_id is None and exchange.ok and isinstance(exchange.body, dict):
            # Read in AWS's spelling, whatever the profile calls the account member.
            body = self.spec.service(exchange.service).canonical_body(exchange.body)
            for member in ("KeyMetadata", "ReplicaKeyMetadata"):
                meta = body.get(member)
                if isinstance(meta, dict) and isinstance(meta.get("AWSAccountId"), str):
                    self._account_id = meta["AWSAccountId"]
                    return

    def counts(self, rule: str) -> bool:
        """Whether divergences of ``rule`` are findings of this run."""
        return self.selected_rules is None or rule in self.selected_rules

    def _own(self, rule: str, operation: str = "any") -> list[Finding]:
        return [f for f in self.findings if f.rule == rule and operation in ("any", f.divergence.operation)]

    def run_rule(self, test: RuleTest) -> RuleRun:
        self._cassette.test = test.name  # each cassette line names its test (certification)
        try:
            self.accounting.check()
            run = run_rule(
                self,
                test,
                run_seed=self.options.seed,
                max_examples=self.options.examples,
                shrink_calls=self.options.shrink_calls,
                database=self.example_db,
            )
        except BudgetReached as reached:
            # Generation stops here, cleanly: what was found stands, nothing else is judged.
            own = self._own(test.rule, test.operation)
            run = RuleRun(test, "failed" if own else "unchecked", own, f"stopped: {reached}")
        self.replayed_calls += run.replayed_calls
        self.runs[test.name] = run
        previous = self.report.rules.get(test.rule)
        if run.status == "failed" or previous == "failed":
            self.report.rules[test.rule] = "failed"
        elif run.status == "passed":
            self.report.rules[test.rule] = "passed"
            self.report.unchecked.pop(test.rule, None)
        elif run.status == "not-applicable":
            self.report.rules.setdefault(test.rule, "not-applicable")
        elif previous is None:
            self.report.rules[test.rule] = "unchecked"
            self.report.unchecked[test.rule] = run.reason
        return run

    def run_stateful(self, test: StatefulTest) -> StatefulRun:
        """Run a state machine (harness.engine.state_machines); its findings join the run's.

        A machine whose every call met an operation the target does not implement is not
        applicable (its rules are listed so), rather than passed.
        """
        missing_at = len(self.judge.missing_log)
        self._cassette.test = f"stateful {test.name}"
        try:
            self.accounting.check()
            run = run_stateful(
                self,
                test,
                run_seed=self.options.seed,
                max_examples=self.options.examples,
                shrink_calls=self.options.shrink_calls,
                database=self.example_db,
            )
        except BudgetReached as reached:
            own = [f for f in self.findings if f.rule in test.rule_ids]
            run = StatefulRun(test, "failed" if own else "unchecked", own, f"stopped: {reached}")
            self.stateful_runs[test.name] = run
            return run
        self.replayed_calls += run.replayed_calls
        met = self.judge.missing_log[missing_at:]
        if run.status != "failed" and met and len(met) >= run.calls:
            details = [self.judge.not_implemented[key] for key in dict.fromkeys(met)]
            run = replace(run, status="not-applicable", reason="every call met " + "; ".join(details))
        self.stateful_runs[test.name] = run
        return run

    def _not_applicable(self) -> list[dict[str, str]]:
        """The rules that could not apply, with the reason: rule tests and machines that met only
        operations the target does not implement, and every rule of such an operation."""
        entries: dict[tuple[str, str], dict[str, str]] = {}

        def add(rule: str, operation: str, reason: str) -> None:
            entry = {"rule": rule, "operation": operation, "reason": reason}
            entries.setdefault((rule, operation), entry if operation != "any" else {**entry, "operation": ""})

        for run in self.runs.values():
            if run.status == "not-applicable":
                add(run.test.rule, run.test.operation, run.reason)
        for machine in self.stateful_runs.values():
            if machine.status == "not-applicable":
                for rule_id in sorted(machine.test.rule_ids):
                    add(rule_id, "any", f"its state machine {machine.test.name}: {machine.reason}")
        for (service, operation), detail in self.judge.not_implemented.items():
            for rule in RULES:
                tested = f"{rule.id}:{operation}" in self.runs
                if rule.service == service and operation in rule.operations and not tested:
                    add(rule.id, operation, f"needs what the target does not implement: {detail}")
        out = [{k: v for k, v in e.items() if v} for e in entries.values()]
        return sorted(out, key=lambda e: (e["rule"], e.get("operation", "")))

    def classify(self, finding: Finding) -> str:
        """``advisory`` (never failing, never in a baseline), ``known`` or ``new``."""
        if finding.advisory:
            return "advisory"
        return self.options.baseline.verdict(finding.id)  # known, expired (fails) or new

    def rules_ran(self) -> set[str]:
        """The rules this run checked: those of its rule tests and machines that were exercised.
        Baseline entries of other rules (a -k run, a shard, a skipped test) are not stale."""
        ran = {run.test.rule for run in self.runs.values() if run.status in ("passed", "failed")}
        for machine in self.stateful_runs.values():
            if machine.status in ("passed", "failed"):
                ran.update(machine.test.rule_ids)
        return ran

    def finish(self) -> RunResult:
        """Write findings.json and the cassette; stop the target."""
        if self.closed:
            raise HarnessError("the run is already finished")
        endpoint = self.target.endpoint_url if self.target else "http://127.0.0.1:5000"
        # A target the harness starts listens on a random port: scripts name its usual one.
        usual = getattr(TARGETS[self.options.target.kind_name], "usual_endpoint", None)
        if usual:
            endpoint = usual
        for finding in list(self.findings):
            # A finding whose answer shows resources made by other tests creates one first.
            self.findings.update(self.creations.context(finding))
        marked: list[Finding] = []
        # A real account: keys are scheduled for deletion before anything is written.
        self._cleanup()
        kind = TARGETS[self.options.target.kind_name]
        from_environment = bool(getattr(kind, "reproduce_from_environment", False))
        for finding in self.findings:
            verdict = self.classify(finding)
            finding = replace(finding, baseline=None if verdict == "advisory" else verdict)
            marked.append(
                reproduce.attach(
                    finding,
                    endpoint=endpoint,
                    profile=self.options.profile,
                    from_environment=from_environment,
                )
            )
        # The same reproductions on the command line (AWS CLI or curl).
        kind_of_target = TARGETS[self.options.target.kind_name]
        environment = bool(getattr(kind_of_target, "reproduce_from_environment", False))
        marked = [reproduce_cli.attach(f, endpoint=endpoint, from_environment=environment) for f in marked]
        for finding in marked:
            self.findings.update(finding)
        # An advisory needs no baseline entry: one left for it is stale.
        stale = self.options.baseline.stale((f.id for f in marked if not f.advisory), ran=self.rules_ran())
        self.report.stale_baseline = stale
        if self.transport is not None:
            self.report.calls = self.transport.calls_sent
            self.report.throttled = self.transport.throttled
        if self.example_db is not None:
            self.report.example_db = {"replayed_calls": self.replayed_calls}
        self.report.memo_replayed = self.memo.replayed
        self.report.accounting = self.accounting.summary()
        for run in self.runs.values():
            self.report.rules.setdefault(run.test.rule, run.status)
            self.report.tests[run.test.name] = {"status": run.status, "reason": run.reason}
        self.report.not_applicable = self._not_applicable()
        if self.mirror is not None:
            compared = self.mirror.calls - self.mirror.uncompared
            self.report.target["compare"].update(calls=self.mirror.calls, compared=compared)
        # Findings that are one fault seen through many doors share a cause (harness.reporting).
        # Each finding with the reason (link, expiry) of its baseline entry, and its cause.
        document = self.options.baseline.annotate(causes.annotate(self.report.document(marked)))
        self.options.report_dir.mkdir(parents=True, exist_ok=True)
        cassette_path = self._cassette.commit()
        report_path = write(self.options.report_dir, document)
        if self.options.reports:
            write_reports(
                self.options.report_dir,
                document,
                cassettes=[cassette_path],
                specs_dir=self.spec.root / self.options.profile,
            )
        self._copy_target_log()
        self._close()
        return RunResult(marked, stale, report_path, cassette_path, document)

    def abort(self) -> None:
        """Stop after a harness error: stop the target and write nothing."""
        if self.closed:
            return
        try:
            if self._cleanup():
                # Nothing else is written, but what cleanup did is said (and is in the ledger).
                for line in summary_lines_of(self.accounting.summary()):
                    sys.stderr.write(f"harness: {line}\n")
        finally:
            self._cassette.discard()
            self._close()

    def _copy_target_log(self) -> None:
        for log in sorted(self._log_dir.glob("*.log")):
            name = "emulator.log" if log.name == "moto.log" else log.name
            shutil.copyfile(log, self.options.report_dir / name)

    def _close(self) -> None:
        self.closed = True
        self.accounting.uninstall()
        try:
            self._stack.close()
        finally:
            shutil.rmtree(self._log_dir, ignore_errors=True)
