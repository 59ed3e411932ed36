"""The Hypothesis settings every rule test and state machine runs with, in one place."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis.database import ExampleDatabase

from harness.errors import UsageError


def conformance_settings(
    *, max_examples: int, database: ExampleDatabase | None = None, replay_only: bool = False, **extra: Any
) -> settings:
    """Settings for a run against a target: the seed alone decides the draws, time never decides
    a finding, and every distinct finding is shrunk on its own.

    ``database`` (``--example-db``) only stores the failing examples the run finds; the stored
    ones are replayed by a separate pass with ``replay_only`` (Hypothesis's reuse phase alone),
    before the generating pass, so that pass draws exactly what it draws without a database.
    """
    return settings(
        max_examples=max_examples,
        database=database,  # None by default; never read by the generating pass (see above)
        deadline=None,  # endpoints have their own latency; time never decides a finding
        derandomize=False,
        phases=(Phase.reuse,) if replay_only else (Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=True,
        print_blob=False,
        **extra,
    )


def example_database(location: str, *, readonly: bool = False) -> ExampleDatabase:
    """The example database of ``--example-db``: a directory, or ``redis://host:port/N``
    (Hypothesis's RedisExampleDatabase, from ``hypothesis[redis]``); with ``readonly``, wrapped in
    Hypothesis's ReadOnlyDatabase (replays what others stored, never writes)."""
    from hypothesis.database import DirectoryBasedExampleDatabase, ReadOnlyDatabase

    database: ExampleDatabase
    if location.startswith(("redis://", "rediss://", "unix://")):
        try:
            import redis
            from hypothesis.extra.redis import RedisExampleDatabase
        except ImportError:
            raise UsageError(
                f"--example-db {location} needs the redis client: pip install 'hypothesis[redis]'"
            ) from None
        try:
            client = redis.Redis.from_url(location)
            client.ping()
        except ValueError as exc:
            raise UsageError(f"--example-db {location}: not a Redis URL ({exc})") from None
        except redis.RedisError as exc:
            raise UsageError(f"--example-db {location}: cannot reach Redis ({exc})") from None
        database = RedisExampleDatabase(client, key_prefix=b"kms-harness:")
    elif "://" in location:
        raise UsageError(f"--example-db takes a directory or redis://host:port/N (got {location!r})")
    else:
        database = DirectoryBasedExampleDatabase(location)
    return ReadOnlyDatabase(database) if readonly else database


def stored(database: ExampleDatabase | None, key: bytes) -> bool:
    """Whether ``database`` holds examples under ``key`` (a replay pass is worth running)."""
    return database is not None and next(iter(database.fetch(key)), None) is not None
