"""Every rule: caught when the proxy breaks it, silent when the proxy makes the target conform.

The proxy (harness.testing.oracle_faults) judges the traffic itself, so it can *repair*
moto's answers into what the documentation requires and *break* the answers one rule
decides. For every rule test, two runs differ by exactly one fault:

- silent: every answer repaired. One whole-suite run; each rule must pass, except those no
  proxy can make conform (a success moto cannot give, an id it cannot change), which must
  instead replay clean from answers recorded against AWS (tests/cassettes/aws) or be listed
  in NO_CONFORMING_SOURCE with the reason;
- caught: every answer repaired, and the answers of that one rule broken. The rule must fail
  with a finding the silent run did not have.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.engine.replay import load, replay_lines
from harness.engine.rule_runs import RuleRun
from harness.engine.session import Session
from harness.options import RunOptions
from harness.oracle.rules import RULES
from harness.scenarios import SCENARIOS
from harness.spec import catalog
from harness.targets import resolve
from harness.targets.moto import MotoServer
from harness.testing.fault_proxy import FaultProxy
from harness.testing.oracle_faults import RuleFaults
from tests.conftest import REPO
from tests.selftest.suite_runner import reset

pytestmark = pytest.mark.selftest_network

SEED = 20261122
TESTS = list(SCENARIOS)
AWS_CASSETTES = sorted((REPO / "tests" / "cassettes" / "aws").glob("*.jsonl"))

#: Rules whose conforming answer no proxy can produce from moto: their silent evidence is
#: AWS's own recorded answers (checked below to be judged by the rule and clean).
SILENT_BY_RECORDING = {
    "kms.create-key.valid": "moto refuses ML-DSA, ML-KEM and Ed25519 keys; a success cannot be invented",
    "kms.key-id.format": "moto's multi-Region ids have hyphens; rewriting ids would break later calls",
    "kms.derive-shared-secret.valid": "moto has no DeriveSharedSecret (HTTP 500)",
}

#: Rules with neither a conforming emulator answer nor an AWS recording. Their silent half is
#: not shown; each says why, and the list must stay exactly the rules that need it.
NO_CONFORMING_SOURCE = {
    "kms.get-key-policy.valid": "moto answers NotFoundException for the AWS_RAM policy name; no recording",
    "kms.update-primary-region.valid": "moto has no UpdatePrimaryRegion (HTTP 500); no recording",
    "pc.restore-key.valid": "moto has no RestoreKey (HTTP 500); no recording",
    "kms.generate-data-key-pair.valid": "moto has no GenerateDataKeyPair (HTTP 500); no recorded success",
    "kms.import.valid": "moto has no GetParametersForImport or ImportKeyMaterial (HTTP 500); no recording",
    "kms.multi-region.interoperable": "moto's ciphertext names its own Region's key, so a replica cannot "
    "decrypt it; no recording of a cross-Region decryption",
    "kms.crypto.shared-secret": "moto has no DeriveSharedSecret (HTTP 500); no recording keeps a secret",
    "kms.crypto.local-ciphertext": "moto decrypts its own ciphertext format only, not RSAES_OAEP; "
    "no recording",
    "kms.crypto.signature": "moto signs a DIGEST message as if it were RAW (it hashes it again); the "
    "recordings keep no signature bytes to verify",
}


def _run(proxy_url: str, tests: list[object], report_dir: Path) -> tuple[Session, dict[str, RuleRun]]:
    session = Session(
        RunOptions(
            target=resolve("endpoint", endpoint_url=proxy_url),
            report_dir=report_dir,
            seed=SEED,
            examples=4,
            shrink_calls=0,  # the first divergence is proof enough; no shrinking
        )
    )
    session.selected_rules = frozenset(t.rule for t in tests)  # type: ignore[attr-defined]
    runs = {t.name: session.run_rule(t) for t in tests}  # type: ignore[attr-defined, arg-type]
    session.abort()  # nothing to write: the runs are read directly
    return session, runs


@pytest.fixture(scope="module")
def upstream(moto_server: MotoServer) -> MotoServer:
    return moto_server


@pytest.fixture(scope="module")
def silent(upstream: MotoServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, RuleRun]:
    reset(upstream.endpoint_url)
    faults = RuleFaults()
    with FaultProxy(upstream.endpoint_url, [faults.fault()]) as proxy:
        _, runs = _run(proxy.url, TESTS, tmp_path_factory.mktemp("silent"))
    return runs


def test_every_rule_is_silent_against_conforming_answers(silent: dict[str, RuleRun]) -> None:
    loud = {name: run for name, run in silent.items() if run.status == "failed"}
    unexplained = {
        name: [f.id for f in run.findings]
        for name, run in loud.items()
        if run.test.rule not in SILENT_BY_RECORDING and run.test.rule not in NO_CONFORMING_SOURCE
    }
    assert not unexplained
    # The exception lists hold exactly the rules that need them.
    needing = {run.test.rule for run in loud.values()}
    assert set(SILENT_BY_RECORDING) | set(NO_CONFORMING_SOURCE) == needing
    unchecked = {name: run.reason for name, run in silent.items() if run.status == "unchecked"}
    assert not unchecked


@pytest.mark.parametrize("rule", sorted(SILENT_BY_RECORDING))
def test_rules_moto_cannot_conform_to_replay_clean_from_aws_recordings(rule: str) -> None:
    checked_in = []
    for cassette in AWS_CASSETTES:
        result = replay_lines(load(cassette), catalog.load("aws"), only_rules={rule})
        assert [f.id for f in result.findings] == [], cassette.name
        if rule in result.rules:
            checked_in.append(cassette.name)
    assert checked_in, f"no AWS-recorded answer is judged by {rule}"


@pytest.mark.parametrize("test_name", [t.name for t in TESTS])
def test_every_rule_catches_the_fault_that_breaks_it(
    test_name: str, upstream: MotoServer, silent: dict[str, RuleRun], tmp_path: Path
) -> None:
    test = SCENARIOS.get(test_name)
    assert test is not None
    faults = RuleFaults(break_rule=test.rule)
    # Each caught run meets an empty moto, as its silent half met one at the start of its run:
    # not the keys of every run before it (moto lists them all, and pays for them on every call).
    reset(upstream.endpoint_url)
    with FaultProxy(upstream.endpoint_url, [faults.fault()]) as proxy:
        _, runs = _run(proxy.url, [test], tmp_path)
    run = runs[test_name]
    assert faults.broken > 0, "the proxy never found an answer of this rule to break"
    new = {f.id for f in run.findings} - {f.id for f in silent[test_name].findings}
    # A rule whose expectation is inferred reports its findings as advisories (issue 11).
    expected = "advisory" if RULES[test.rule].evidence == "inferred" else "failed"
    assert run.status == expected and new, run.reason
