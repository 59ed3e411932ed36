"""The Hypothesis settings every rule test and state machine runs with, in one place."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, settings


def conformance_settings(*, max_examples: int, **extra: Any) -> settings:
    """Settings for a run against a target: the seed alone decides the draws, time never decides
    a finding, and every distinct finding is shrunk on its own."""
    return settings(
        max_examples=max_examples,
        database=None,  # determinism: the seed alone decides the draws
        deadline=None,  # endpoints have their own latency; time never decides a finding
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=True,
        print_blob=False,
        **extra,
    )
