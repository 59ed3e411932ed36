"""KMS base requests: the smallest valid request of each operation, with the set-up it needs.

The member-constraint and member-type rule tests (harness.scenarios.constraints, .wire) break
one member of a base; a base must succeed as it is, so that any refusal is the broken member's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.exchange import Call
from harness.scenarios.base import Driver, SetupFailed
from harness.scenarios.constraints import Base
from harness.services.kms import strategies


def _key(d: Driver, params: Mapping[str, Any] | None = None) -> str:
    # No base breaks anything about the key's spec: a cheap one (strategies.SETUP_KEY).
    answer = d.require(Call("kms", "CreateKey", {**strategies.SETUP_KEY, **(params or {})}))
    key_id = strategies.key_id_of(answer)
    if key_id is None:
        raise SetupFailed("set-up CreateKey answered without KeyMetadata.KeyId")
    return key_id


def _read_key(d: Driver) -> str:
    """One key per run for the bases of operations that only read it: a broken read changes no
    key, so every example may share it (its CreateKey joins each one's steps, Driver.reuse)."""
    return d.reuse("kms.base/read-only key", lambda: _key(d))


BASES: dict[str, Base] = {
    "CreateKey": lambda d: {},
    "DescribeKey": lambda d: {"KeyId": _read_key(d)},
    "ScheduleKeyDeletion": lambda d: {"KeyId": _key(d), "PendingWindowInDays": 30},
    "ListResourceTags": lambda d: {"KeyId": _read_key(d)},
    "GetKeyPolicy": lambda d: {"KeyId": _read_key(d), "PolicyName": "default"},
    "UpdateKeyDescription": lambda d: {"KeyId": _key(d), "Description": "base"},
    "TagResource": lambda d: {"KeyId": _key(d), "Tags": [{"TagKey": "base", "TagValue": ""}]},
    "UntagResource": lambda d: {"KeyId": _key(d), "TagKeys": ["base"]},
    "ReplicateKey": lambda d: {
        "KeyId": _key(d, {"MultiRegion": True}),
        "ReplicaRegion": d.replica_region,
    },
}
