"""Targets, by kind: ``emulator`` (moto, started by the harness), ``endpoint`` (a running URL) and
``aws`` (a real account, opted in; harness.targets.aws). Importing the package registers the
built-in kinds; see
:mod:`harness.targets.base` for the registry and ARCHITECTURE.md for adding a kind.
"""

from __future__ import annotations

from pathlib import Path

from harness.targets import moto  # noqa: F401 - registers "emulator", the default, listed first

# isort: split
from harness.targets import localstack_kind  # noqa: F401 - registers "localstack"

# isort: split
from harness.targets import endpoint  # noqa: F401 - registers "endpoint"

# isort: split
from harness.targets import aws  # noqa: F401 - registers "aws"
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
    credentials_for,
    register_target,
    resolve,
)
from harness.targets.file import DEFAULT_FILE, NamedTarget, TargetsFile

#: The built-in kinds, in the order ``--help`` lists them.
TARGET_NAMES = tuple(TARGETS)


def load_targets_file(path: Path | None) -> TargetsFile:
    """The targets file at ``path``, else ``harness.toml`` of the working directory, else none."""
    from harness.targets import file

    chosen = path if path is not None else file.default_path()
    return file.load(chosen, TARGETS) if chosen is not None else TargetsFile.empty()


__all__ = [
    "DEFAULT_FILE",
    "DEFAULT_REGION",
    "DEFAULT_REPLICA_REGION",
    "LOCAL_CREDENTIALS",
    "TARGETS",
    "TARGET_NAMES",
    "ActiveTarget",
    "NamedTarget",
    "TargetConfig",
    "TargetKind",
    "TargetRequest",
    "TargetsFile",
    "activate",
    "check_reachable",
    "credentials_for",
    "load_targets_file",
    "register_target",
    "resolve",
]
