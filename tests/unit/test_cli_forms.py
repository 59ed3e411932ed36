"""The sample of command-line reproductions (tests/selftest/cli_forms.py) reads every form the
generator writes: each hand-made finding of tests/unit/test_reproduce_forms.py, whose snippets
that module runs, has a known check and its own wire form; the sample covers every feature."""

from __future__ import annotations

from typing import Any

from harness.findings import Finding
from harness.reproduce_cli import command
from tests.selftest import cli_forms
from tests.unit.test_reproduce_forms import (
    CONTENT_TYPE,
    RESERVED,
    RESERVED_REQUEST,
    TOO_SHORT,
    WIRE_CASES,
    _finding,
)


def _document(finding: Finding) -> dict[str, Any]:
    return {**finding.to_dict(), "reproduce_cli": command(finding)}


FINDINGS = {
    **WIRE_CASES,
    "reserved": _finding(RESERVED_REQUEST, RESERVED),
    "too-short": _finding({"KeyId": ""}, TOO_SHORT, "DescribeKey"),
    "content-type-answer": _finding({}, CONTENT_TYPE),
}


def test_each_hand_made_form_has_a_known_check_and_its_wire_features() -> None:
    features = {name: cli_forms.features(_document(f)) for name, f in FINDINGS.items()}
    checks = {name: next(f for f in found if f[0] == "check") for name, found in features.items()}
    assert checks["content-type-answer"] == ("check", "curl: Content-Type")
    assert checks["reserved"] == ("check", "aws: error code")
    assert ("curl signing", "unsigned", None) in features["unsigned"]
    assert ("curl signing", "bad signature", "kms") in features["bad-signature"]
    assert ("curl X-Amz-Target", None) in features["missing-target"]
    assert ("curl X-Amz-Target", "TrentService", "unknown") in features["unknown-operation"]
    assert ("curl X-Amz-Target", "TrentService", "modelled") in features["member-type"]
    assert ("curl Content-Type", "text/plain") in features["content-type"]


def test_the_sample_has_every_feature_and_drops_repeats() -> None:
    documents = [_document(f) for f in FINDINGS.values()]
    documents += [dict(d, id=d["id"] + "-again") for d in documents]  # the same forms twice
    sample = cli_forms.sample(documents)
    assert set().union(*map(cli_forms.features, sample)) == set().union(*map(cli_forms.features, documents))
    assert len(sample) <= len(FINDINGS)
