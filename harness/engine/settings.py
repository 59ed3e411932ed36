"""The Hypothesis settings every rule test and state machine runs with, in one place, and the
two parts of Hypothesis's behaviour no setting reaches, turned off for the harness's runs by
:func:`deterministic_generation`."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import hypothesis.core
from hypothesis import HealthCheck, Phase, Verbosity, settings
from hypothesis.database import ExampleDatabase
from hypothesis.internal.conjecture import providers
from hypothesis.internal.conjecture.engine import ConjectureRunner
from hypothesis.internal.constants_ast import Constants

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


def _no_local_constants() -> Constants:
    """Hypothesis's local constants, switched off: none.

    Recent Hypothesis versions draw, now and then, a string or number written in the source of
    any "local" module (outside site-packages and the standard library) imported by the time of
    the draw (``hypothesis.internal.conjecture.providers._get_local_constants``, read by every
    ``HypothesisProvider``). Then a new module or literal, an editable install instead of a
    wheel, the script that started the run, or a ``-k`` selection that imports fewer modules
    would change what a seed draws. The seed must decide alone (README, "Dependencies");
    Hypothesis's global constants stay: they are the same everywhere.
    """
    return Constants()


class _CallBoundedRunner(ConjectureRunner):
    """Hypothesis's engine, without its two wall-clock stops.

    Once a test has failed, Hypothesis keeps generating for a number of calls it derives from
    the calls so far, but at most 10 seconds after the first failure
    (``ConjectureRunner.should_generate_more``); and it gives up shrinking after 5 minutes
    (``MAX_SHRINKING_SECONDS``). A slow target would draw fewer examples, or shrink less, than a
    fast one. Reading the first failure's time as infinitely far off, and the shrinking deadline
    as unset, leaves the bounds in calls: Hypothesis's own (examples, stalls, shrinks) and the
    harness's ``--shrink-calls``.
    """

    @property
    def first_bug_found_time(self) -> float:
        return math.inf  # now minus infinity is never "more than 10 seconds ago"

    @first_bug_found_time.setter
    def first_bug_found_time(self, value: float) -> None:
        pass

    @property
    def finish_shrinking_deadline(self) -> float | None:
        return None

    @finish_shrinking_deadline.setter
    def finish_shrinking_deadline(self, value: float | None) -> None:
        pass


@contextmanager
def deterministic_generation() -> Iterator[None]:
    """Run Hypothesis so that the seed alone decides the draws (no source literals, no clock).

    Neither part has a setting, an environment variable or a supported hook (a backend of our
    own would not do: Hypothesis generates with its own provider in several phases whatever the
    backend, and treats any other backend differently). So each is swapped in through the name
    Hypothesis looks it up by, while a harness run draws, and put back after: the function
    ``HypothesisProvider`` asks for local constants, and the engine class ``hypothesis.core``
    builds a run with. Hypothesis is pinned (constraints.txt); tests/unit/test_seed_decides.py
    checks both on the installed version. Usable as a decorator of a function that runs
    Hypothesis.
    """
    previous_constants = providers._get_local_constants
    previous_runner = hypothesis.core.ConjectureRunner  # type: ignore[attr-defined]
    providers._get_local_constants = _no_local_constants
    hypothesis.core.ConjectureRunner = _CallBoundedRunner  # type: ignore[attr-defined]
    # Constants already chosen for a kind of draw may hold local ones (another run in this
    # process, without this context): forget them, here and on the way out.
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = previous_constants
        hypothesis.core.ConjectureRunner = previous_runner  # type: ignore[attr-defined]
        providers.CONSTANTS_CACHE.cache.clear()
