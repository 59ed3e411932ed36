"""Targets, by kind: ``emulator`` (moto, started by the harness), ``endpoint`` (a running URL) and
``aws`` (reserved). Importing the package registers the built-in kinds; see
:mod:`harness.targets.base` for the registry and ARCHITECTURE.md for adding a kind.
"""

from __future__ import annotations

from harness.targets import moto  # noqa: F401 - registers "emulator", the default, listed first

# isort: split
from harness.targets import endpoint  # noqa: F401 - registers "endpoint" and "aws"
from harness.targets.base import (
    DEFAULT_REGION,
    DEFAULT_REPLICA_REGION,
    LOCAL_CREDENTIALS,
    TARGETS,
    ActiveTarget,
    TargetConfig,
    TargetKind,
    TargetRequest,
    activate,
    check_reachable,
    register_target,
    resolve,
)

#: The built-in kinds, in the order ``--help`` lists them.
TARGET_NAMES = tuple(TARGETS)

__all__ = [
    "DEFAULT_REGION",
    "DEFAULT_REPLICA_REGION",
    "LOCAL_CREDENTIALS",
    "TARGETS",
    "TARGET_NAMES",
    "ActiveTarget",
    "TargetConfig",
    "TargetKind",
    "TargetRequest",
    "activate",
    "check_reachable",
    "register_target",
    "resolve",
]
