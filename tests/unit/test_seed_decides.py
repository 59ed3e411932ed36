"""Draws that only the seed decides (harness.engine.settings.deterministic_generation).

Hypothesis has two inputs besides the seed: literals in the project's source, and the clock
after a first failure. Each is shown off under the harness and on without it (the "caught"
twin: the test would see the input if it were there).
"""

from __future__ import annotations

import importlib
import re
import sys
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import given, seed
from hypothesis import strategies as st
from hypothesis.internal.conjecture import engine as conjecture_engine

from harness.engine.settings import conformance_settings, deterministic_generation

# Twelve characters of q, z and x: no other literal fits the strings drawn below, and Hypothesis
# keeps only literals of at most 20 characters.
CANARY = "zzqxqzzxqqxz"


def _canary_draws(run: Callable[[Callable[[], None]], None]) -> list[str]:
    """What a harness-configured property draws from strings only the canary literal fits."""
    drawn: list[str] = []

    @conformance_settings(max_examples=300)
    @seed(20261129)
    @given(st.text(alphabet="qzx", min_size=12, max_size=12))
    def record(value: str) -> None:
        drawn.append(value)

    run(record)
    return drawn


@pytest.fixture
def canary_module(tmp_path: Path) -> Iterator[None]:
    """A new module of "the project" (outside site-packages) holding the canary literal."""
    (tmp_path / "canary_literals.py").write_text(f"WORDS = [{CANARY!r}]\nNUMBER = 987654321\n")
    sys.path.insert(0, str(tmp_path))
    try:
        importlib.import_module("canary_literals")
        yield
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("canary_literals", None)


def _under_the_harness(test: Callable[[], None]) -> None:
    with deterministic_generation():
        test()


def _plain(test: Callable[[], None]) -> None:
    test()


def test_a_new_module_with_new_literals_does_not_change_what_a_seed_draws(
    request: pytest.FixtureRequest,
) -> None:
    before = _canary_draws(_under_the_harness)
    request.getfixturevalue("canary_module")
    after = _canary_draws(_under_the_harness)
    assert after == before
    assert CANARY not in after


def test_without_the_harness_hypothesis_draws_the_new_module_s_literals(canary_module: None) -> None:
    assert CANARY in _canary_draws(_plain)


class _FastClock:
    """``time`` as Hypothesis's engine sees it, with one clock that runs a minute per look
    (``monotonic`` times generation after a first failure, ``perf_counter`` shrinking)."""

    def __init__(self, fast: str) -> None:
        self.fast = fast
        self.now = 0.0

    def __getattr__(self, name: str) -> Any:
        import time

        if name != self.fast:
            return getattr(time, name)

        def tick() -> float:
            self.now += 60.0
            return self.now

        return tick


def _calls_of_a_failing_property(run: Callable[[Callable[[], None]], None]) -> int:
    """Calls of a harness-configured property that fails at once, in two distinct ways, on
    lists that take many calls to shrink.

    Two distinct failures (by exception type), so Hypothesis keeps generating after the first to
    look for more (``report_multiple_bugs``), as the harness does for distinct findings.
    """
    calls = [0]

    class Long(Exception):
        pass

    class Large(Exception):
        pass

    @conformance_settings(max_examples=200)
    @seed(7)
    @given(st.lists(st.integers(0, 1000), min_size=1))
    def failing(numbers: list[int]) -> None:
        calls[0] += 1
        if len(numbers) > 3:
            raise Long
        if sum(numbers) > 500:
            raise Large

    with pytest.raises(BaseException):  # noqa: B017, PT011 - an ExceptionGroup or one of them
        run(failing)
    return calls[0]


@pytest.mark.parametrize("clock", ["monotonic", "perf_counter"])
def test_a_slow_clock_changes_nothing_under_the_harness(clock: str, monkeypatch: pytest.MonkeyPatch) -> None:
    steady = _calls_of_a_failing_property(_under_the_harness)
    monkeypatch.setattr(conjecture_engine, "time", _FastClock(clock))
    assert _calls_of_a_failing_property(_under_the_harness) == steady


@pytest.mark.parametrize("clock", ["monotonic", "perf_counter"])
def test_without_the_harness_a_slow_clock_stops_hypothesis_early(
    clock: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    steady = _calls_of_a_failing_property(_plain)
    monkeypatch.setattr(conjecture_engine, "time", _FastClock(clock))
    assert _calls_of_a_failing_property(_plain) < steady


def test_the_lock_file_pins_what_pyproject_pins_and_what_is_installed() -> None:
    """constraints.txt (the lock of CI and certification runs) agrees with pyproject's exact pins,
    and the Hypothesis the tests run on is the locked one."""
    root = Path(__file__).resolve().parents[2]
    locked = dict(
        line.split("==", 1)
        for line in (root / "constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    )
    normal = {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in locked.items()}
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    for requirement in project["dependencies"] + project["optional-dependencies"]["dev"]:
        pinned = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", requirement)
        if pinned:
            name = re.sub(r"[-_.]+", "-", pinned.group(1)).lower()
            assert normal.get(name) == pinned.group(2), requirement
    assert normal["hypothesis"] == hypothesis.__version__
    assert "hypothesis-jsonschema" not in normal
