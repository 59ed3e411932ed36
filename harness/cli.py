"""Command line (placeholder until the spec commands land)."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    return 0
