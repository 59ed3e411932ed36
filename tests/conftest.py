"""Fixtures shared by the project's own tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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
