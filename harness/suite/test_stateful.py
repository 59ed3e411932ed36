"""One test per stateful machine: ``test_stateful[kms]``, ``test_stateful[payment-cryptography]``.

Each draws sequences of key operations, judges every call and the reads after it against the
reference model, and shrinks a sequence divergence to a minimal sequence of calls; see
:mod:`harness.stateful`. Its findings carry that sequence as ``steps``.
"""

from __future__ import annotations

import pytest

from harness.plugin import Conformance
from harness.stateful import MACHINES, StatefulTest

pytestmark = pytest.mark.conformance


@pytest.mark.parametrize("machine", MACHINES, ids=[m.name for m in MACHINES])
def test_stateful(conformance: Conformance, machine: StatefulTest) -> None:
    conformance.check_stateful(machine)
