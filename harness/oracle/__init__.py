"""The oracle: documented rules and the answers they require.

Importing the package registers every rule in :data:`harness.oracle.rules.RULES`.
"""

from __future__ import annotations

from harness.oracle import (  # noqa: F401 - registers the rules
    answers,
    constraints,
    kms,
    kms_states,
    metadata,
    pc,
    pc_states,
    wire,
)
