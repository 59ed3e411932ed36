"""``python -m harness replay`` (issue 6): not written yet."""

from __future__ import annotations

import argparse

from harness.errors import UsageError


def main(args: argparse.Namespace) -> int:
    raise UsageError("replay is not available yet (issue 6)")
