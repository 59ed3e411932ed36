"""Progress while a run takes minutes: rule tests done of total, calls, findings so far.

On a terminal it is one live line, rewritten in place (at most a few times a second); when
the output is not a terminal (CI logs) it is a plain line, at most one every
:data:`PLAIN_INTERVAL` seconds, so a log shows the run is alive without drowning in it.

The pytest plugin feeds it (a test finished, an exchange was recorded) and gives it two ways
to write: ``rewrite`` (the live line) and ``write_line`` (a plain line).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["LIVE_INTERVAL", "PLAIN_INTERVAL", "Counts", "Progress"]

PLAIN_INTERVAL = 15.0
"""Seconds between two plain progress lines, at least."""
LIVE_INTERVAL = 0.25
"""Seconds between two rewrites of the live line, at least."""


@dataclass(frozen=True, slots=True)
class Counts:
    done: int
    total: int
    calls: int
    findings: int
    new: int

    def text(self) -> str:
        return (
            f"conformance: {self.done}/{self.total} rule tests, {self.calls} calls, "
            f"{self.findings} findings ({self.new} new)"
        )


@dataclass
class Progress:
    """Decides when to show the counts, and how (live or plain)."""

    live: bool
    rewrite: Callable[[str], None]
    write_line: Callable[[str], None]
    clock: Callable[[], float] = time.monotonic
    _last: float | None = field(default=None, repr=False)
    _shown: str = field(default="", repr=False)
    _open: bool = field(default=False, repr=False)

    def update(self, counts: Callable[[], Counts], *, force: bool = False) -> None:
        """Show the counts if enough time has passed. ``force``: a test just finished, so on a
        terminal show them now (plain lines keep their interval). ``counts`` is only called
        when something is shown: it runs after every call the run makes."""
        now = self.clock()
        interval = LIVE_INTERVAL if self.live else PLAIN_INTERVAL
        if self._last is None:
            self._last = now  # the clock starts with the first event, so CI's first line waits too
            if not self.live:
                return
        elif not (now - self._last >= interval or (force and self.live)):
            return
        text = counts().text()
        if text == self._shown:
            return
        self._last, self._shown = now, text
        if self.live:
            self.rewrite(text)
            self._open = True
        else:
            self.write_line(text)

    def close(self) -> bool:
        """The run is over: whether a live line is still open (the caller ends it)."""
        was_open, self._open = self._open, False
        return was_open
