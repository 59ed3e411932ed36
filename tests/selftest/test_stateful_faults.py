"""The stateful machines catch injected sequence faults, and are silent without them.

Each pair runs one machine, with the same seed and the same steps, against the same real moto
server behind a :class:`~harness.testing.sequence_faults.RepairingProxy` (moto's known
lifecycle divergences repaired, so that answers follow the model). The twins differ only by
the injected fault. The machines run in-process through a :class:`~harness.engine.session.Session`
aimed at the proxy, exactly as the suite runs them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness import targets
from harness.engine.session import RunResult, Session
from harness.engine.state_machines import StatefulRun
from harness.machines import StatefulTest
from harness.options import RunOptions
from harness.services.kms import faults as kms_faults
from harness.services.kms.machine import KmsSteps, kms_machine
from harness.services.payment_cryptography import faults as pc_faults
from harness.services.payment_cryptography.machine import PcSteps, pc_machine
from harness.targets.moto import MotoServer
from harness.testing import sequence_faults as faults
from harness.testing.fault_proxy import Fault

pytestmark = pytest.mark.selftest_network

SEED = 11
#: Cheap key pairs (moto makes an RSA-2048 pair for every symmetric key): the faults are about
#: key lifecycles, not specs.
ECC = (
    {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"},
    {"KeySpec": "ECC_SECG_P256K1", "KeyUsage": "SIGN_VERIFY"},
)
VALID_ROUTE = (("home", "away"),)


@dataclass(frozen=True)
class Pair:
    """A fault, the steps that can show it, and the finding it must give."""

    fault: Callable[[], Fault]
    machine: StatefulTest
    operation: str
    """The step that triggers the fault; the silent twin must have made it too."""
    rule: str
    kind: str
    signature: str | None = None
    expected: str | None = None
    """The codes the model must have expected, when the pair pins them (a served answer's
    signature leaves them out)."""


def _kms(*operations: str, **options: Any) -> StatefulTest:
    steps = KmsSteps(
        operations=frozenset({"CreateKey", *operations}), external_origin=False, shapes=ECC, **options
    )
    return kms_machine(steps, name="selftest")


PAIRS = {
    "disable-does-not-stick": Pair(
        kms_faults.disable_does_not_stick,
        _kms("DescribeKey", "EnableKey", "DisableKey", "UpdateKeyDescription", multi_region=False),
        "DisableKey",
        "kms.describe-key.key-state",
        "invariant",
        "/KeyMetadata/KeyState: KeyState after DisableKey",
    ),
    "tags-are-lost": Pair(
        kms_faults.tags_are_lost,
        _kms("DescribeKey", "TagResource", "UntagResource", "ListResourceTags", multi_region=False),
        "TagResource",
        "kms.list-resource-tags.tags",
        "invariant",
    ),
    "replica-change-reaches-primary": Pair(
        kms_faults.replica_change_reaches_primary,
        _kms(
            "ReplicateKey",
            "DescribeKey",
            "UpdateKeyDescription",
            "EnableKey",
            "DisableKey",
            multi_region=True,
            routes=VALID_ROUTE,
            replica_tags=False,
        ),
        "UpdateKeyDescription",
        "kms.describe-key.description",
        "invariant",
    ),
    "pending-deletion-can-be-replicated": Pair(
        kms_faults.pending_deletion_can_be_replicated,
        _kms(
            "ReplicateKey",
            "DescribeKey",
            "ScheduleKeyDeletion",
            "CancelKeyDeletion",
            multi_region=True,
            routes=VALID_ROUTE,
            replica_tags=False,
            any_window=False,
            wheres=("home",),
        ),
        "ScheduleKeyDeletion",
        "kms.replicate-key.pending-deletion",
        "unexpected-success",
        "a client error -> success",
        expected="DisabledException or KMSInvalidStateException",  # D9 leaves both open
    ),
    "pc-deletion-does-not-stick": Pair(
        pc_faults.pc_deletion_does_not_stick,
        pc_machine(
            PcSteps(frozenset({"CreateKey", "GetKey", "DeleteKey", "ListTagsForResource"})), "selftest"
        ),
        "DeleteKey",
        "pc.get-key.key-state",
        "invariant",
        "/Key/KeyState: KeyState after DeleteKey",
    ),
}


def run_machine(
    url: str, machine: StatefulTest, report_dir: Path, *, seed: int = SEED
) -> tuple[StatefulRun, RunResult]:
    """One machine run in-process against ``url``, counting only the machine's own rules."""
    options = RunOptions(
        target=targets.resolve("endpoint", endpoint_url=url),
        report_dir=report_dir,
        seed=seed,
        examples=20,
        shrink_calls=25,
    )
    session = Session(options)
    session.selected_rules = frozenset()  # only the machine's own (state) rules are findings
    try:
        run = session.run_stateful(machine)
    except BaseException:
        session.abort()
        raise
    return run, session.finish()


def _operations(report_dir: Path) -> list[str]:
    lines = (report_dir / "cassette.jsonl").read_text().splitlines()
    return [json.loads(line)["operation"] for line in lines if line.strip()]


@pytest.mark.parametrize("name", list(PAIRS))
def test_silent_when_answers_follow_the_model(name: str, moto_server: MotoServer, tmp_path: Path) -> None:
    pair = PAIRS[name]
    with faults.RepairingProxy(moto_server.endpoint_url) as proxy:
        run, result = run_machine(proxy.url, pair.machine, tmp_path)
    assert run.status == "passed", [f.divergence.detail for f in run.findings]
    assert result.findings == []
    # The twin made the step the fault is about: silence is not for want of trying.
    assert pair.operation in _operations(tmp_path)


@pytest.mark.parametrize("name", list(PAIRS))
def test_caught_when_the_fault_is_injected(name: str, moto_server: MotoServer, tmp_path: Path) -> None:
    pair = PAIRS[name]
    with faults.RepairingProxy(moto_server.endpoint_url) as proxy:
        proxy.set_faults([pair.fault()])
        run, result = run_machine(proxy.url, pair.machine, tmp_path)
    assert run.status == "failed"
    caught = [f for f in result.findings if f.rule == pair.rule and f.divergence.kind == pair.kind]
    assert caught, [f.id for f in result.findings]
    if pair.signature is not None:
        # The member or key state the id names (`` @ ...``) is left out: see test_findings.py.
        assert pair.signature in {f.divergence.signature.split(" @ ", 1)[0] for f in caught}
    if pair.expected is not None:
        assert pair.expected in {f.divergence.expected.label for f in caught}
    smallest = min(caught, key=lambda f: len(f.steps))
    # A sequence fault needs a sequence: the finding carries the step that triggers it.
    assert pair.operation in [step.operation for step in smallest.steps]
    assert smallest.steps[0].operation == "CreateKey"
