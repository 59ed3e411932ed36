"""``python -m harness spec lint`` (issue 3): not written yet."""

from __future__ import annotations

import argparse

from harness.errors import UsageError


def main(args: argparse.Namespace) -> int:
    raise UsageError("spec lint is not available yet (issue 3)")
