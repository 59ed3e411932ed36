"""The options of one run, validated: a small record every entry point builds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness.baseline import Baseline
from harness.budget import Budget
from harness.targets import TargetConfig

DEFAULT_EXAMPLES = 25
DEFAULT_SHRINK_CALLS = 150
DEFAULT_MEMO_SENDS = 2


@dataclass(frozen=True)
class RunOptions:
    target: TargetConfig
    report_dir: Path
    seed: int
    profile: str = "aws"
    examples: int = DEFAULT_EXAMPLES
    """Draws per rule test."""
    shrink_calls: int = DEFAULT_SHRINK_CALLS
    """Calls a rule test may spend shrinking after its first divergence."""
    baseline: Baseline = field(default_factory=Baseline.empty)
    specs_dir: Path | None = None
    compare: TargetConfig | None = None
    """``--compare-target``: the second target of a differential run (harness.engine.differential)."""
    checks: frozenset[str] | None = None
    """The answer checks to run, by name (``--checks``); ``None``: every registered one."""
    update_baseline: Path | None = None
    """``--update-baseline``: the baseline file to rewrite from this run (harness.baseline.updated)."""
    strict_baseline: bool = False
    """``--strict-baseline``: stale baseline entries fail the run (and an update drops them)."""
    budget: Budget = field(default_factory=Budget)
    """``--max-keys``, ``--max-calls``, ``--max-rate`` as given; a real account fills the rest
    with its defaults (harness.budget)."""
    example_db: str | None = None
    """``--example-db``: a directory or ``redis://host:port/N`` where Hypothesis keeps failing
    examples, replayed first by later runs; ``None``: no database (the default)."""
    example_db_readonly: bool = False
    """``--example-db-readonly``: replay the database's examples, never write to it (CI)."""
    memo_sends: int = DEFAULT_MEMO_SENDS
    """``--memo-sends``: identical state-free attempts sent before the run's memo judges further
    ones from their answers (harness.engine.memo); 0 sends every call."""
    bound_lists: bool = True
    """Leave out of the cassette's list answers the items about what the run never touched
    (harness.cassette.ListBound); a certification keeps every answer whole, so that its cassette
    replays to exactly the run's verdicts."""
    reports: bool = True
    """Write junit.xml, report.md and report.html beside findings.json. A pytest-xdist worker
    does not: the controller writes them once, from the merged findings and every worker's
    cassette (harness.plugin)."""
