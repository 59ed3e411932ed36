"""Payment Cryptography base requests: the smallest valid request of each operation.

See harness.services.kms.bases: the member-constraint and member-type rule tests break one
member of a base, which must succeed as it is.
"""

from __future__ import annotations

from typing import Any

from harness.exchange import Call
from harness.scenarios.base import Driver, SetupFailed
from harness.scenarios.constraints import Base
from harness.services.payment_cryptography import rules


def _create_base(d: Driver) -> dict[str, Any]:
    row = rules.VALID_ROWS[0]
    return {
        "KeyAttributes": {
            "KeyUsage": row.usage,
            "KeyClass": row.key_class,
            "KeyAlgorithm": row.algorithms[0],
            "KeyModesOfUse": rules.modes_of_use(row.modes[0]),
        },
        "Exportable": True,
    }


def _key(d: Driver) -> str:
    answer = d.require(Call("payment-cryptography", "CreateKey", _create_base(d)))
    key = answer.get("Key")
    arn = key.get("KeyArn") if isinstance(key, dict) else None
    if not isinstance(arn, str):
        raise SetupFailed("set-up CreateKey answered without Key.KeyArn")
    return arn


BASES: dict[str, Base] = {
    "CreateKey": _create_base,
    "DeleteKey": lambda d: {"KeyIdentifier": _key(d), "DeleteKeyInDays": 7},
    "ListKeys": lambda d: {},
    "TagResource": lambda d: {"ResourceArn": _key(d), "Tags": [{"Key": "b", "Value": "b"}]},
    "UntagResource": lambda d: {"ResourceArn": _key(d), "TagKeys": ["b"]},
}
