"""KMS key states and ReplicateKey/UpdatePrimaryRegion state rules (rulebook sections 6-7).

Rules here depend on the state of a key, which the reference model (harness.model.kms) tracks.
"""

from __future__ import annotations
