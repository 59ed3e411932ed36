"""The oracle: documented rules and the answers they require.

Importing the package registers every rule in :data:`harness.oracle.rules.RULES`.
"""

from __future__ import annotations

from harness.oracle import answers, kms, kms_states, pc, pc_states  # noqa: F401 - registers the rules
