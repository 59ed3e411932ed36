"""--example-db: failing examples one run finds are replayed first by the next, from a real
``redis-server`` on loopback (Hypothesis's RedisExampleDatabase) or a directory.

The machine's findings on moto come from random sequences, and a run of one sequence with
another seed misses some of them: the twin without the database shows which, and the run with
the (read-only) database finds them again by replaying the stored sequences.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.selftest.suite_runner import SuiteRun, run_suite

pytestmark = pytest.mark.selftest_network

SELECTION = ("-k", "test_stateful and kms")
LATER = ("--seed=2", "--examples=1")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (Debian: apt-get install -y redis-server)")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    pytest.fail(f"redis-server did not start on 127.0.0.1:{port}")
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _stored(url: str) -> dict[bytes, set[bytes]]:
    import redis

    client: Any = redis.Redis.from_url(url)
    keys: list[bytes] = client.keys(b"kms-harness:*")
    return {key: {bytes(m) for m in client.smembers(key)} for key in keys}


def _ids(run: SuiteRun) -> set[str]:
    return {f["id"] for f in run.findings["findings"] if f["rule"].startswith("kms.")}


def _summary(run: SuiteRun) -> dict[str, Any]:
    summary: dict[str, Any] = run.findings["summary"]
    return summary


@pytest.fixture(scope="module")
def without_db(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    """The later run alone: another seed, one sequence."""
    return run_suite(tmp_path_factory.mktemp("nodb"), "--target=emulator", *LATER, *SELECTION)


@pytest.mark.parametrize("storage", ["redis", "directory"])
def test_a_failing_example_is_carried_into_the_next_run(
    storage: str, without_db: SuiteRun, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    location = request.getfixturevalue("redis_url") if storage == "redis" else str(tmp_path / "examples")
    db = f"--example-db={location}"
    first = run_suite(tmp_path / "first", "--target=emulator", "--seed=1", db, *SELECTION)
    assert first.ret in (0, 1), first.output
    assert _summary(first)["example_db"] == {"replayed_calls": 0}  # nothing stored yet
    if storage == "redis":
        stored = _stored(location)
        assert stored and all(stored.values()), "the first run stored no failing example"
    else:
        assert any(p.is_file() for p in Path(location).rglob("*"))

    later = run_suite(
        tmp_path / "later",
        "--target=emulator",
        *LATER,
        db,
        "--example-db-readonly",
        *SELECTION,
    )
    assert later.ret in (0, 1), later.output
    assert _summary(later)["example_db"]["replayed_calls"] > 0
    carried = (_ids(later) - _ids(without_db)) & _ids(first)
    assert carried, f"nothing replayed: {sorted(_ids(later))} vs {sorted(_ids(without_db))}"
    # The generating pass is the one of a run without the database: it finds what that run finds.
    assert _ids(without_db) <= _ids(later)
    if storage == "redis":
        assert _stored(location) == stored  # read-only: nothing written, nothing deleted


def test_an_unreachable_database_is_a_harness_error(tmp_path: Path) -> None:
    closed = f"--example-db=redis://127.0.0.1:{_free_port()}/0"
    run = run_suite(tmp_path, "--target=emulator", closed, *SELECTION)
    assert run.ret == 2
    assert "cannot reach Redis" in run.output
    assert not (tmp_path / "report" / "findings.json").exists()


def test_read_only_needs_a_database(tmp_path: Path) -> None:
    run = run_suite(tmp_path, "--target=emulator", "--example-db-readonly", *SELECTION)
    assert run.ret == 2
    assert "--example-db-readonly needs --example-db" in run.output
