"""Errors of the harness itself.

A ``HarnessError`` means the harness or its input is wrong: a bad option, a broken
spec, an unreachable endpoint, a corrupt cassette. It is never a conformance
finding; a divergence of the target is a :class:`harness.findings.Finding`, which is
data, not an exception. Every entry point turns a ``HarnessError`` into one line on
stderr and exit code 2 (see :data:`EXIT_HARNESS_ERROR`).
"""

from __future__ import annotations

#: Exit code of every entry point when the harness could not do its job.
EXIT_HARNESS_ERROR = 2


class HarnessError(Exception):
    """Base class: the harness could not run as asked. The message is one line."""

    def __str__(self) -> str:
        # One line, always: these messages end up as the only output of a failed run.
        return " ".join(super().__str__().split())


class UsageError(HarnessError):
    """An option or argument is wrong: unknown target, operation, profile, missing value."""


class SpecError(HarnessError):
    """A spec file is missing, unreadable, or not a valid schema; or a source for building it."""


class TargetError(HarnessError):
    """The target cannot be used: refused by the network guard, unreachable, failed to start."""


class CassetteError(HarnessError):
    """A cassette file is not a cassette, or one of its lines is corrupt."""
