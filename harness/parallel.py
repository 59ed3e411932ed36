"""``pytest --target=... -n N``: pytest-xdist workers, each with its own target instance.

Each worker runs one part of the suite (harness.engine.shards: parts of equal measured cost), in
suite order, against its own target (the emulator target starts one moto per worker), and writes
its own findings.json and cassette under ``<report-dir>/workers/<worker id>/``; the controller
merges the findings (harness.merge) into ``<report-dir>/findings.json``.

The split is fixed, not balanced on the fly: which worker runs a test, and after which tests,
decides what the target holds when the test runs, so a dynamic split could give another
worker's run each time. With a fixed split, ``-n 2`` sends exactly the calls of ``--shard 1/2``
and ``--shard 2/2``.
"""

from __future__ import annotations

from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

from harness.engine.shards import cost_of, parts_of, unit_of


class PartScheduling(LoadScopeScheduling):  # type: ignore[misc]  # xdist ships no types
    """xdist's scope scheduling with one scope per part: a worker gets one whole part."""

    def __init__(self, config: pytest.Config, log: Any = None) -> None:
        super().__init__(config, log)
        self._parts: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._parts is None:
            assert self.collection is not None  # scopes are asked for once collection is done
            count = max(1, self.numnodes)
            numbers = parts_of(self.collection, count, cost_of, unit_of)
            pairs = zip(self.collection, numbers, strict=True)
            self._parts = {test: f"part-{number + 1}-of-{count}" for test, number in pairs}
        return self._parts[nodeid]
