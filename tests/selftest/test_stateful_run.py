"""The stateful machines against moto itself: determinism, the suite's report, reproductions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.contracts import findings_validator
from harness.machines import StatefulTest
from harness.services.kms import state_rules as kms_states
from harness.services.kms.machine import KmsSteps, kms_machine
from harness.services.payment_cryptography.machine import PcSteps, pc_machine
from harness.targets.moto import MotoServer
from tests.selftest.suite_runner import SuiteRun, run_reproduction, run_suite
from tests.selftest.test_stateful_faults import ECC, run_machine

pytestmark = pytest.mark.selftest_network

STATE_RULES = {r.id for r in kms_states.STATE_RULES}


def _fingerprint(report_dir: Path, machine_findings: list[str]) -> list[tuple[str, list[str]]]:
    """Each finding id with the operations of its steps, as the report has them."""
    doc = json.loads((report_dir / "findings.json").read_text())
    by_id = {f["id"]: [s["operation"] for s in f["steps"]] for f in doc["findings"]}
    return sorted((fid, by_id[fid]) for fid in machine_findings)


# Steps where moto's divergences are close (a CancelKeyDeletion of a key not pending deletion,
# a RestoreKey after DeleteKey), and a seed whose draws reach one (with Hypothesis 6.170.17, the
# PC machine's seed 3 does not; seeds 1, 2, 4, 5, 6 and 8 do), so there are findings to compare.
@pytest.mark.parametrize(
    ("machine", "seed"),
    [
        (kms_machine(KmsSteps(shapes=ECC), "kms-ecc"), 3),
        (pc_machine(PcSteps(frozenset({"CreateKey", "GetKey", "DeleteKey", "RestoreKey"})), "pc"), 1),
    ],
    ids=["kms", "payment-cryptography"],
)
def test_the_same_seed_gives_the_same_sequence_findings(
    machine: StatefulTest, seed: int, moto_server: MotoServer, tmp_path: Path
) -> None:
    runs = []
    for name in ("first", "second"):
        run, result = run_machine(moto_server.endpoint_url, machine, tmp_path / name, seed=seed)
        runs.append((run, _fingerprint(tmp_path / name, [f.id for f in result.findings])))
    (first, first_ids), (second, second_ids) = runs
    assert first.status == "failed"  # moto diverges: there is something to compare
    assert first_ids == second_ids
    assert first.calls == second.calls


@pytest.fixture(scope="module")
def suite_run(tmp_path_factory: pytest.TempPathFactory) -> SuiteRun:
    """The KMS machine as the main job runs it, in a child pytest, without a baseline."""
    workdir = tmp_path_factory.mktemp("stateful-suite")
    return run_suite(
        workdir,
        "--target=emulator",
        "--seed",
        "3",
        "--examples",
        "25",
        "--shrink-calls",
        "40",
        "--no-baseline",
        "-k",
        "stateful and kms",
    )


def test_the_suite_reports_sequence_findings_with_their_steps(suite_run: SuiteRun) -> None:
    assert suite_run.ret == 1, suite_run.output
    assert "test_stateful[kms]" in suite_run.output
    findings_validator().validate(suite_run.findings)
    stateful = [f for f in suite_run.findings["findings"] if f["rule"] in STATE_RULES]
    assert stateful and all(f["id"] in suite_run.output for f in stateful if f["baseline"] == "new")
    # A sequence divergence carries the calls before it, starting with the key's creation.
    with_steps = [f for f in stateful if f["steps"]]
    assert with_steps and all(f["steps"][0]["operation"] == "CreateKey" for f in with_steps)
    # Every exchange is in the cassette, set-up reads included.
    assert len(suite_run.cassette()) == suite_run.findings["summary"]["calls"]


@pytest.mark.parametrize("kind", ["invariant", "unexpected-success"])
def test_a_sequence_finding_reproduces_on_a_fresh_target(
    suite_run: SuiteRun, kind: str, tmp_path: Path
) -> None:
    candidates = [
        f
        for f in suite_run.findings["findings"]
        if f["rule"] in STATE_RULES and f["kind"] == kind and f["steps"]
    ]
    assert candidates, f"the fixed seed should find a {kind} sequence divergence in moto"
    finding = min(candidates, key=lambda f: (len(f["steps"]), f["id"]))
    done = run_reproduction(finding["reproduce"], tmp_path)
    # Exits non-zero with the documented assertion while the divergence is there.
    assert done.returncode == 1, done.stdout + done.stderr
    assert "AssertionError" in done.stderr
