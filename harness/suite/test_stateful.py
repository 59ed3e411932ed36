"""One test per stateful machine: ``test_stateful[kms]``, ``test_stateful[payment-cryptography]``.

Each draws sequences of key operations, judges every call and the reads after it against the
reference model, and shrinks a sequence divergence to a minimal sequence of calls; see
:mod:`harness.engine.state_machines`. Its findings carry that sequence as ``steps``.
"""

from __future__ import annotations

import pytest

from harness.engine.tests import state_machines
from harness.machines import StatefulTest
from harness.plugin import Conformance

pytestmark = pytest.mark.conformance

MACHINES = state_machines()


@pytest.mark.parametrize("machine", MACHINES, ids=[m.name for m in MACHINES])
def test_stateful(conformance: Conformance, machine: StatefulTest) -> None:
    conformance.check_stateful(machine)
