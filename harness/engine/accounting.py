"""What a run spends and what it leaves behind: budgets, the ledger, run tags and cleanup.

A :class:`~harness.engine.session.Session` hands every request to an :class:`Accounting`
before it leaves and every answer after it came:

- **Budgets** (harness.budget) are checked *before* sending: a creating call that could take the
  run past ``--max-keys``, or any request past ``--max-calls``, raises :class:`BudgetReached`.
  It is a ``BaseException``, so it crosses Hypothesis without being shrunk as a failure; the
  session ends the test (and skips every later one) and the summary says which budget was
  reached. ``--max-rate`` paces the transport.
- On a target that **accounts for keys** (a real account; the kind's ``accounts_for_keys``),
  every key the run creates is appended to ``<report-dir>/ledger.jsonl`` as soon as its id is
  known (harness.ledger) and tagged ``harness:run-id``: in the creating request when one more
  tag changes nothing that request tests, else by a TagResource right after creation (sent and
  judged like every call, so the model knows the key's tags). At the end, whatever the end
  (finish, harness error, Ctrl-C, SIGTERM, interpreter exit), every ledger key's deletion is
  scheduled with the shortest window (:func:`schedule_deletion`) and the summary says so.
- **Signals**: the first SIGINT or SIGTERM asks the run to stop; the request in flight is
  finished (so a key it creates is in the ledger) and the next one raises KeyboardInterrupt,
  which ends the run through pytest's normal path, and cleanup. A second signal stops at once.
  During cleanup both are held off; SIGKILL leaves the ledger for ``python -m harness sweep``.

What a service's keys are (which calls create them, how to tag and delete them) is the
service's own ``lifecycle`` (harness.services.lifecycle); nothing here names a service.
"""

from __future__ import annotations

import atexit
import contextlib
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from harness.budget import Budget
from harness.errors import HarnessError
from harness.exchange import Call, Exchange
from harness.ledger import LEDGER_NAME, RUN_TAG, Ledger, LedgerKey
from harness.services import SERVICES
from harness.services.lifecycle import CreatedKey, KeyLifecycle, KeyStatus
from harness.spec.catalog import Spec
from harness.transport import RawRequest

Send = Callable[[Call], Exchange]

#: Cleanup passes over keys that are not ready (a replica still Creating), and the longest pause.
CLEANUP_PASSES = 8
MAX_CLEANUP_PAUSE = 15.0


class BudgetReached(BaseException):
    """A budget would be exceeded by the next request; nothing was sent."""

    def __init__(self, budget: str, detail: str):
        super().__init__(f"budget reached: {detail}")
        self.budget = budget
        self.detail = detail


def lifecycle_of(service: str) -> KeyLifecycle | None:
    return SERVICES[service].lifecycle if service in SERVICES else None


@dataclass
class Outcome:
    key: LedgerKey
    outcome: str
    """``scheduled`` (now), ``already`` (was pending deletion), ``gone``, ``failed`` or
    ``would-schedule`` (a dry run)."""
    detail: str = ""

    def to_dict(self) -> dict[str, str]:
        return {
            "service": self.key.service,
            "region": self.key.region,
            "key": self.key.key,
            "outcome": self.outcome,
            "detail": self.detail,
        }


def schedule_deletion(
    keys: Iterable[LedgerKey],
    send: Send,
    *,
    dry_run: bool = False,
    sleep: Callable[[float], None] = time.sleep,
    passes: int = CLEANUP_PASSES,
) -> list[Outcome]:
    """Schedule the deletion of every key with its service's shortest window; idempotent.

    A key already pending deletion is left as it is (``already``); a key that is not ready
    (a replica still being created, a primary whose replicas are not yet pending) is tried
    again on a later pass, with a growing pause. Within a pass, lower orders go first
    (multi-Region replicas before primaries). A failure to reach the target for one key
    is that key's failure, never the end of the cleanup.
    """
    pending = list({(k.service, k.key): k for k in keys}.values())
    done: dict[tuple[str, str], Outcome] = {}
    last: dict[tuple[str, str], str] = {}
    pause = 1.0
    for attempt in range(passes):
        statuses: list[tuple[LedgerKey, KeyLifecycle, CreatedKey, KeyStatus | None]] = []
        for key in pending:
            lifecycle = lifecycle_of(key.service)
            if lifecycle is None:
                done[(key.service, key.key)] = Outcome(key, "failed", f"unknown service {key.service}")
                continue
            created = CreatedKey(key.key, key.region)
            try:
                statuses.append((key, lifecycle, created, lifecycle.status(send, created)))
            except HarnessError as exc:
                last[(key.service, key.key)] = str(exc)
                statuses.append((key, lifecycle, created, None))
        retry: list[LedgerKey] = []
        for key, lifecycle, created, status in sorted(statuses, key=lambda s: s[3].order if s[3] else 1):
            ident = (key.service, key.key)
            if status is not None and status.state == "scheduled":
                done[ident] = Outcome(key, "already", status.detail)
                continue
            if status is not None and status.state == "gone":
                done[ident] = Outcome(key, "gone", status.detail)
                continue
            if status is not None and status.state == "busy":
                last[ident] = status.detail
                retry.append(key)
                continue
            if dry_run:
                done[ident] = Outcome(key, "would-schedule", status.detail if status else last.get(ident, ""))
                continue
            try:
                result = lifecycle.schedule(send, created)
            except HarnessError as exc:
                last[ident] = str(exc)
                retry.append(key)
                continue
            if result.state == "scheduled":
                done[ident] = Outcome(key, "scheduled", f"{lifecycle.deletion}: {result.detail}")
            elif result.state == "gone":
                done[ident] = Outcome(key, "gone", result.detail)
            else:
                last[ident] = result.detail
                retry.append(key)
        pending = retry
        if not pending:
            break
        if attempt + 1 < passes:
            sleep(pause)
            pause = min(pause * 2, MAX_CLEANUP_PAUSE)
    for key in pending:
        done[(key.service, key.key)] = Outcome(key, "failed", last.get((key.service, key.key), "not ready"))
    return list(done.values())


def cleanup_summary(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    items = list(outcomes)
    counts = {name: sum(1 for o in items if o.outcome == name) for name in ("scheduled", "already", "gone")}
    return {
        "keys": len(items),
        **counts,
        "failed": sum(1 for o in items if o.outcome == "failed"),
        "outcomes": [o.to_dict() for o in items],
    }


def summary_lines(summary: Mapping[str, Any]) -> list[str]:
    """The end-of-run lines of a findings.json summary's ``budget`` and ``cleanup``."""
    lines: list[str] = []
    budget = summary.get("budget")
    if isinstance(budget, dict):
        if budget.get("reached"):
            lines.append(
                f"budget reached: {budget.get('reached_detail')}; generation stopped there "
                "(not a finding: later tests were skipped)"
            )
        if budget.get("run_id"):
            lines.append(
                f"run {budget['run_id']}: {budget.get('keys_created', 0)} keys created "
                f"(max {budget.get('max_keys')}), {summary.get('calls', 0)} calls "
                f"(max {budget.get('max_calls')})"
            )
    cleanup = summary.get("cleanup")
    if isinstance(cleanup, dict):
        lines.append(
            f"cleanup: {cleanup.get('scheduled', 0)} keys scheduled for deletion, "
            f"{cleanup.get('already', 0)} already pending deletion, {cleanup.get('gone', 0)} gone, "
            f"{cleanup.get('failed', 0)} failed ({cleanup.get('keys', 0)} in the ledger)"
        )
        for item in cleanup.get("outcomes") or []:
            if item.get("outcome") == "failed":
                lines.append(f"  NOT SCHEDULED {item['key']} ({item['region']}): {item['detail']}")
            else:
                lines.append(f"  {item['outcome']:<9} {item['key']} ({item['region']}): {item['detail']}")
    return lines


@dataclass
class Accounting:
    """Budgets, ledger, tags and cleanup of one run (see the module's docstring)."""

    spec: Spec
    budget: Budget
    report_dir: Path
    run_id: str
    tracks_keys: bool
    """Keep a ledger, tag, and clean up (a target whose kind ``accounts_for_keys``)."""
    calls_sent: Callable[[], int] = lambda: 0
    keys: int = 0
    """Keys created, or possibly created (a creating call that got no answer)."""
    reached: BudgetReached | None = None
    stop_requested: str | None = None
    cleanup_outcomes: list[Outcome] | None = None
    _ledger: Ledger | None = None
    _untagged: list[tuple[KeyLifecycle, CreatedKey]] = field(default_factory=list)
    _atexit_cleanup: Callable[[], object] | None = None
    _previous_handlers: dict[int, Any] = field(default_factory=dict)
    _cleaning: bool = False

    @property
    def ledger(self) -> Ledger:
        if self._ledger is None:
            self._ledger = Ledger(self.report_dir / LEDGER_NAME, self.run_id)
        return self._ledger

    # -- before a request leaves ----------------------------------------------------------

    def _reach(self, budget: str, detail: str) -> BudgetReached:
        if self.reached is None:
            self.reached = BudgetReached(budget, detail)
        return self.reached

    def check(self) -> None:
        """Raise when the run must stop: a budget already reached, or a signal's request."""
        if self.stop_requested is not None:
            raise KeyboardInterrupt(f"stopped by {self.stop_requested}")
        if self.reached is not None:
            raise self.reached

    def gate(self) -> None:
        """The transport's gate, before every attempt (throttled retries too)."""
        if self.stop_requested is not None and not self._cleaning:
            raise KeyboardInterrupt(f"stopped by {self.stop_requested}")
        limit = self.budget.max_calls
        if limit is not None and self.calls_sent() >= limit:
            raise self._reach("max-calls", f"--max-calls {limit} ({self.calls_sent()} calls sent)")

    def _admit_keys(self, service: str, operation: str, params: Mapping[str, Any]) -> None:
        lifecycle = lifecycle_of(service)
        if lifecycle is None:
            return
        wanted = lifecycle.keys_per_call(operation, params)
        limit = self.budget.max_keys
        if wanted and limit is not None and self.keys + wanted > limit:
            raise self._reach("max-keys", f"--max-keys {limit} ({self.keys} keys created)")

    def before(self, call: Call) -> tuple[Call, bool]:
        """``call`` as it will be sent, and whether it carries the run tag (added when one more
        tag changes nothing the request tests)."""
        self.check()
        self._admit_keys(call.service, call.operation, call.params)
        lifecycle = lifecycle_of(call.service)
        if not self.tracks_keys or lifecycle is None or call.operation not in lifecycle.creates:
            return call, False
        tagged = lifecycle.tag_in_request(call.operation, call.params, (RUN_TAG, self.run_id))
        if tagged is None:
            return call, False
        return Call(call.service, call.operation, tagged, call.region), True

    def before_raw(self, request: RawRequest) -> None:
        self.check()
        params: Mapping[str, Any] = {}
        self._admit_keys(request.service, request.operation, params)

    # -- after an answer came ---------------------------------------------------------------

    def after(self, exchange: Exchange, *, tagged: bool = False) -> None:
        """Account for the keys ``exchange`` created (ledger first, then the tag to come)."""
        lifecycle = lifecycle_of(exchange.service)
        if lifecycle is None or exchange.operation not in lifecycle.creates:
            return
        if exchange.ok:
            body = self.spec.service(exchange.service).canonical_body(exchange.body)
            created = lifecycle.created(exchange, body if isinstance(body, dict) else {})
            if not created:
                self.keys += 1  # a success that names no key: count it, it may exist
            for key in created:
                self.keys += 1
                if self.tracks_keys:
                    how = "request" if tagged else "after"
                    self.ledger.key_created(exchange.service, key.region, key.key, exchange.operation, how)
                    if not tagged:
                        self._untagged.append((lifecycle, key))
        elif exchange.status is None or exchange.status >= 500:
            # No answer, or a server error: the key may exist. It counts, and the ledger says so
            # (sweep by tag finds it when the request carried the tag).
            self.keys += lifecycle.keys_per_call(exchange.operation, exchange.request)
            if self.tracks_keys:
                self.ledger.unknown(exchange.service, exchange.region, exchange.operation)

    def pending_tags(self) -> Iterator[Call]:
        """The TagResource calls still owed to keys created without the tag in their request."""
        while self._untagged:
            lifecycle, key = self._untagged.pop(0)
            yield lifecycle.tag_after(key, (RUN_TAG, self.run_id))

    # -- the end ------------------------------------------------------------------------------

    def cleanup(self, send: Send) -> list[Outcome]:
        """Schedule the deletion of every key of the ledger (once; later calls return the same)."""
        if self.cleanup_outcomes is not None:
            return self.cleanup_outcomes
        self._cleaning = True
        with self._signals_held():
            keys = list(self._ledger.created) if self._ledger is not None else []
            outcomes = schedule_deletion(keys, send) if keys else []
            for outcome in outcomes:
                self.ledger.scheduled(outcome.key, outcome.outcome, outcome.detail)
            self.cleanup_outcomes = outcomes
        self._untagged.clear()
        with contextlib.suppress(Exception):
            atexit.unregister(self._atexit)
        return outcomes

    def summary(self) -> dict[str, Any]:
        """What findings.json's summary says of budgets and cleanup."""
        out: dict[str, Any] = {}
        if self.tracks_keys or any(v is not None for v in self.budget.to_dict().values()):
            budget: dict[str, Any] = {**self.budget.to_dict(), "keys_created": self.keys}
            if self.tracks_keys:
                budget["run_id"] = self.run_id
                budget["ledger"] = LEDGER_NAME
            budget["reached"] = self.reached.budget if self.reached else None
            if self.reached:
                budget["reached_detail"] = self.reached.detail
            out["budget"] = budget
        if self.cleanup_outcomes is not None:
            out["cleanup"] = cleanup_summary(self.cleanup_outcomes)
        return out

    # -- signals and exit -----------------------------------------------------------------------

    def install(self, cleanup: Callable[[], object]) -> None:
        """SIGINT/SIGTERM ask the run to stop; interpreter exit still cleans up (``cleanup``)."""
        self._atexit_cleanup = cleanup
        atexit.register(self._atexit)
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError, OSError):
                self._previous_handlers[signum] = signal.signal(signum, self._on_signal)

    def uninstall(self) -> None:
        """Restore the signal handlers; close the ledger (the end of the run)."""
        if self._ledger is not None:
            self._ledger.close()
        for signum, handler in self._previous_handlers.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
        self._previous_handlers.clear()

    def _atexit(self) -> None:
        if self._atexit_cleanup is not None:
            with contextlib.suppress(BaseException):
                self._atexit_cleanup()

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if self._cleaning:
            sys.stderr.write(f"harness: {name} ignored: scheduling the deletion of the run's keys\n")
            return
        if self.stop_requested is not None:
            raise KeyboardInterrupt(f"stopped by a second {name}")
        self.stop_requested = name
        sys.stderr.write(f"harness: {name}: stopping after the call in flight, then cleaning up\n")

    @contextlib.contextmanager
    def _signals_held(self) -> Iterator[None]:
        try:
            yield
        finally:
            self._cleaning = False
