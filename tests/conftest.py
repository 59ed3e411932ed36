"""Fixtures shared by the project's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.services import load
from harness.targets.moto import MotoServer

# Every service's rules, tests and checks, as a conformance run has them.
load()

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """A real moto server on loopback, for tests that need a conforming-enough upstream."""
    server = MotoServer().start()
    try:
        yield server
    finally:
        server.stop()


#: Self-test modules whose module-scoped runs are the longest, started first under
#: ``pytest tests -n N`` (see pytest_xdist_make_scheduler), longest first: a long module started
#: last would be finished by one worker alone while the other waits. The comments give each
#: module's CPU seconds, its child processes included (benchmarks/selftest_cpu.py, 2026-11-29,
#: load average 5-6, which inflates them alike); the shared moto of tests/conftest.py is counted
#: apart (when it stops), and most of it is test_rule_faults's (144 with it, by the earlier count).
LONGEST_FIRST = (
    "tests/selftest/test_reproductions.py",  # 137: a whole-suite run, then every reproduction
    "tests/selftest/test_rule_faults.py",  # 68, and the shared moto's: a whole-suite run, ~200 runs
    "tests/selftest/test_certification.py",  # 82: a whole-suite --certify run, its replays
    "tests/selftest/test_example_db.py",  # 58: five runs of the KMS state machine
    "tests/selftest/test_real_account.py",  # 39: runs killed and swept
    "tests/selftest/test_run.py",  # 38: eleven short runs
    "tests/selftest/test_parallel.py",  # 31: four runs, one of them on two workers
    "tests/selftest/test_bounded_cost.py",  # 28: two runs, one against a filled endpoint
)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``pytest tests -n N``: each self-test module goes whole to one worker, so that its
    module- and session-scoped runs (one suite run, one moto) are made once, not once per
    worker; every other test goes to whichever worker is free. The longest modules go first.

    Only the project's own tests load this conftest; ``pytest --target=... -n N`` keeps the
    harness's own split (harness.parallel)."""
    from xdist.scheduler import LoadScopeScheduling  # pytest-xdist: a dependency of the harness

    class ModuleScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module.startswith("tests/selftest/") else nodeid

        def _assign_work_unit(self, node: Any) -> None:
            # The next unit is the first of xdist's order (most tests first), unless one of
            # the longest modules is still waiting.
            waiting = next((m for m in LONGEST_FIRST if m in self.workqueue), None)
            if waiting is not None:
                self.workqueue.move_to_end(waiting, last=False)
            super()._assign_work_unit(node)

    return ModuleScheduling(config, log)
