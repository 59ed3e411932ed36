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
#: ``pytest tests -n N`` (see pytest_xdist_make_scheduler): a long module started last would be
#: finished by one worker alone while the other waits. The comments give each module's CPU
#: seconds (its processes and their children), measured on the CI machine.
LONGEST_FIRST = (
    "tests/selftest/test_reproductions.py",  # 235: a whole-suite run, then every reproduction
    "tests/selftest/test_rule_faults.py",  # 144: a whole-suite run through the proxy, ~200 runs
    "tests/selftest/test_certification.py",  # 126: a whole-suite --certify run, its replays
    "tests/selftest/test_example_db.py",  # 73: five runs of the KMS state machine
    "tests/selftest/test_parallel.py",  # 41: four runs, one of them on two workers
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
