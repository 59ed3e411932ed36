"""How findings and harness errors travel through Hypothesis, for the runner and the state machines.

Inside a Hypothesis property, a finding is raised as an exception whose *class* is unique
to its finding id: Hypothesis treats different exception classes as different bugs, so each
finding is shrunk on its own. A harness error is carried out as a ``BaseException`` so
Hypothesis does not shrink it as if the target had failed. Outside the property both are
turned back into data (findings) or one-line errors.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

from harness.errors import HarnessError
from harness.findings import Finding, FindingsLog


class DivergenceSignal(Exception):
    """Raised inside a property to report ``finding``; never escapes the runner."""

    finding: Finding


_CLASSES: dict[str, type[DivergenceSignal]] = {}


def signal_for(finding: Finding) -> DivergenceSignal:
    """An exception for ``finding``, of a class unique to its id."""
    cls = _CLASSES.get(finding.id)
    if cls is None:
        cls = type("Divergence", (DivergenceSignal,), {"__qualname__": f"Divergence[{finding.id}]"})
        _CLASSES[finding.id] = cls
    exc = cls(finding.id)
    exc.finding = finding
    return exc


class Abort(BaseException):
    """Carries a HarnessError out of Hypothesis, which would otherwise shrink it as a failure."""

    def __init__(self, error: HarnessError):
        super().__init__(str(error))
        self.error = error


def leaves(exc: BaseException) -> Iterable[BaseException]:
    """The exceptions inside (nested) exception groups, or ``exc`` itself."""
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from leaves(inner)
    else:
        yield exc


def signals_in(exc: BaseException) -> list[DivergenceSignal] | None:
    """The divergence signals ``exc`` holds; None when it holds anything else (a real error)."""
    found = list(leaves(exc))
    if not all(isinstance(e, DivergenceSignal) for e in found):
        return None
    return [e for e in found if isinstance(e, DivergenceSignal)]


def derive_seed(run_seed: int, name: str) -> int:
    """Each test gets its own seed, so adding or reordering tests changes nothing."""
    digest = hashlib.sha256(f"{run_seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def stop_unless_final() -> None:
    """End the current example without a call, unless it is Hypothesis's final replay.

    Used once a shrink budget (in calls) is spent. The example is concluded as an *overrun*,
    the status Hypothesis itself gives an example that ran out of budget: it is discarded,
    never recorded as a result, so the draws seen so far stay consistent (raising would look
    like flaky data generation). The shrinker then stops on its own; the final replay of the
    smallest failing example still runs.
    """
    from hypothesis.control import current_build_context

    build = current_build_context()
    if not build.is_final:
        # BuildContext.data is Hypothesis-internal; hypothesis is pinned exactly.
        build.data.mark_overrun()


def collect(findings: FindingsLog, run: Callable[[], object]) -> None:
    """Run a Hypothesis test and turn what escapes it back into data.

    A harness error leaves as itself; the divergence signals Hypothesis reports (the final,
    shrunk example of each finding) replace the examples recorded so far; anything else (a
    bug of the harness, Hypothesis's Unsatisfiable) propagates.
    """
    try:
        run()
    except Abort as abort:
        raise abort.error from None
    except BaseException as exc:
        found = signals_in(exc)
        if found is None:
            raise
        for signal in found:
            findings.prefer_shrunk(signal.finding)
