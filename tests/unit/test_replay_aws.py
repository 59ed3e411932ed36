"""Answers AWS gave replay clean; each answer changed in a way AWS never answers is flagged.

The cassettes are in tests/cassettes/ (see its README for where every line comes from).
A finding on an AWS cassette means the harness is wrong (or the reconstruction is).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.cassette import read
from harness.engine.replay import ReplayResult, replay
from harness.oracle.rules import RULES
from harness.spec import catalog

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"
AWS = CASSETTES / "aws"
MUTATED = CASSETTES / "mutated"
SPEC = catalog.load()
AWS_NAMES = sorted(p.stem for p in AWS.glob("*.jsonl"))

#: (mutated copy, changed line, rule, kind).
MUTATIONS: list[tuple[str, int, str, str]] = [
    ("test_create_key.iso-creation-date", 2, "kms.response.schema", "response-schema"),
    ("test_create_key.null-key-usage", 1, "kms.response.schema", "response-schema"),
    ("test_create_multi_region_key.mrk-with-hyphens", 1, "kms.key-id.format", "invariant"),
    (
        "test_non_multi_region_keys_should_not_have_multi_region_properties.mrk-prefix",
        1,
        "kms.key-id.format",
        "invariant",
    ),
    (
        "test_non_multi_region_keys_should_not_have_multi_region_properties.json-content-type",
        1,
        "kms.wire.content-type",
        "wire-format",
    ),
    ("test_hmac_create_key.encryption-algorithms", 1, "kms.key-metadata.algorithms", "invariant"),
    ("test_import_key_symmetric.created-enabled", 1, "kms.create-key.answer", "invariant"),
    ("test_replicate_key.replica-copies-description", 3, "kms.replicate-key.answer", "invariant"),
    ("test_replicate_key.found-before-replication", 2, "kms.key-id.not-found", "unexpected-success"),
    ("test_replicate_replica_key_should_fail.numeric-message", 3, "kms.error.shape", "wire-format"),
    (
        "test_replicate_replica_key_should_fail.replica-replicated",
        3,
        "kms.replicate-key.not-primary",
        "unexpected-success",
    ),
    ("test_get_key_invalid_uuid.invalid-arn-exception", 1, "kms.key-id.not-found", "wrong-error"),
    ("test_get_key_does_not_exist.invalid-state-exception", 4, "kms.key-id.not-found", "wrong-error"),
    ("test_get_key_in_different_region.invalid-arn-exception", 3, "kms.key-id.not-found", "wrong-error"),
    ("test_hmac_create_key_invalid_operations.no-type", 2, "kms.error.shape", "wire-format"),
    (
        "test_hmac_create_key_invalid_operations.created-without-key-usage",
        1,
        "kms.create-key.key-usage-required",
        "unexpected-success",
    ),
    (
        "test_create_key_with_invalid_tag_key-lowercase_prefix.created",
        1,
        "kms.tags.reserved-prefix",
        "unexpected-success",
    ),
    (
        "test_create_key_with_invalid_tag_key-uppercase_prefix.validation-exception",
        1,
        "kms.tags.reserved-prefix",
        "wrong-error",
    ),
    (
        "test_create_key_with_invalid_tag_key-too_long_key.tag-exception",
        1,
        "kms.tags.key-too-long",
        "wrong-error",
    ),
    ("test_create_key_with_too_many_tags_raises_error.created", 1, "kms.tags.too-many", "unexpected-success"),
    ("test_key_with_long_tag_value_raises_error.created", 1, "kms.tags.value-too-long", "unexpected-success"),
    (
        "test_tag_key_with_duplicate_tag_keys_raises_error.tagged",
        2,
        "kms.tags.duplicate-keys",
        "unexpected-success",
    ),
    (
        "test_tag_existing_key_with_invalid_tag_key.tagged",
        2,
        "kms.tags.reserved-prefix",
        "unexpected-success",
    ),
    (
        "test_update_and_add_tags_on_tagged_key.body-on-tag-resource",
        3,
        "kms.response.empty-body",
        "wire-format",
    ),
    # What keys do (issue 15).
    (
        "test_encrypt_decrypt_encryption_context.decrypted-without-context",
        4,
        "kms.encryption-context.mismatch",
        "unexpected-success",
    ),
    ("test_encrypt_decrypt_encryption_context.other-plaintext", 3, "kms.crypto.round-trip", "invariant"),
    (
        "test_sign_verify-ECC_NIST_P256-ECDSA_SHA_256.signature-valid-false",
        8,
        "kms.verify.invalid-signature",
        "unexpected-success",
    ),
    (
        "test_rotate_key_on_demand_raises_error_given_key_is_disabled.rotated",
        3,
        "kms.rotation.disabled",
        "unexpected-success",
    ),
    ("test_generate_random-12.eleven-bytes", 1, "kms.generate-random.valid", "invariant"),
    (
        "test_error_messaging_for_invalid_keys.encrypted-with-a-signing-key",
        7,
        "kms.key-usage.operation",
        "unexpected-success",
    ),
    (
        "test_invalid_generate_mac-HMAC_224-HMAC_SHA_256.validation-exception",
        2,
        "kms.key-spec.algorithm",
        "wrong-error",
    ),
    (
        "test_invalid_verify_mac-HMAC_256-HMAC_SHA_256-some_different_important_message.mac-valid-false",
        3,
        "kms.verify-mac.invalid-mac",
        "unexpected-success",
    ),
    (
        "test_invalid_verify_mac-HMAC_256-HMAC_SHA_512-some_important_message.verified",
        3,
        "kms.key-spec.algorithm",
        "unexpected-success",
    ),
    (
        "test_generate_and_verify_mac-HMAC_256-HMAC_SHA_256.mac-valid-false",
        3,
        "kms.verify-mac.valid",
        "invariant",
    ),
    (
        "test_generate_random_invalid_number_of_bytes.served",
        1,
        "kms.generate-random.number-required",
        "unexpected-success",
    ),
    (
        "test_encrypt_validate_plaintext_size_per_key_type-RSA_2048-RSAES_OAEP_SHA_256.encrypted",
        2,
        "kms.encrypt.plaintext-size",
        "unexpected-success",
    ),
    (
        "test_plaintext_size_for_encrypt.encrypted",
        2,
        "kms.blob.length",
        "unexpected-success",
    ),
    (
        "test_derive_shared_secret.garbage-public-key-accepted",
        13,
        "kms.derive-shared-secret.public-key",
        "unexpected-success",
    ),
    (
        "test_get_parameters_for_import.parameters-for-an-aws-kms-key",
        2,
        "kms.import.not-external",
        "unexpected-success",
    ),
    (
        "test_rotate_key_on_demand_raises_error_given_non_symmetric_key.rotated",
        2,
        "kms.rotation.on-demand-unsupported-key",
        "unexpected-success",
    ),
    (
        "test_key_enable_rotation_status-90.default-period",
        3,
        "kms.rotation.status",
        "invariant",
    ),
    (
        "test_create_alias.created",
        2,
        "kms.alias.name-prefix",
        "unexpected-success",
    ),
    (
        "test_re_encrypt_incorrect_source_key.re-encrypted",
        4,
        "kms.decrypt.incorrect-key",
        "unexpected-success",
    ),
    (
        "test_generate_data_key_pair_dry_run.served",
        2,
        "kms.dry-run",
        "unexpected-success",
    ),
]


def replayed(path: Path) -> ReplayResult:
    return replay((exchange for _, exchange in read(path)), SPEC)


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(text) for text in path.read_text(encoding="utf-8").splitlines() if text.strip()]


def test_the_aws_cassettes_are_the_ones_the_readme_lists() -> None:
    readme = (CASSETTES / "README.md").read_text(encoding="utf-8")
    assert len(AWS_NAMES) == 38
    for name in AWS_NAMES:
        assert f"`{name}`" in readme, f"{name} has no provenance row in tests/cassettes/README.md"


@pytest.mark.parametrize("name", AWS_NAMES)
def test_aws_answers_replay_with_no_finding(name: str) -> None:
    result = replayed(AWS / f"{name}.jsonl")
    assert result.judged == len(lines(AWS / f"{name}.jsonl")) > 0
    assert not list(result.findings), [f"{f.id}: {f.divergence.detail}" for f in result.findings]


@pytest.mark.parametrize("name", AWS_NAMES)
def test_every_line_says_where_it_comes_from(name: str) -> None:
    found = lines(AWS / f"{name}.jsonl")
    assert found[0].get("history") == "start"
    for line in found:
        assert line["provenance"].startswith(("recorded: snapshot '", "reconstructed: ")), line["provenance"]
        assert line["status"] in (200, 400)


def test_every_aws_cassette_has_a_mutated_copy_and_every_copy_is_tested() -> None:
    tested = {name for name, *_ in MUTATIONS}
    assert {p.stem for p in MUTATED.glob("*.jsonl")} == tested
    assert {name.split(".")[0] for name in tested} == set(AWS_NAMES)


@pytest.mark.parametrize(("name", "number"), [(m[0], m[1]) for m in MUTATIONS])
def test_a_mutated_copy_changes_exactly_one_answer(name: str, number: int) -> None:
    original = lines(AWS / f"{name.split('.')[0]}.jsonl")
    mutated = lines(MUTATED / f"{name}.jsonl")
    assert len(mutated) == len(original)
    changed = [i + 1 for i, (a, b) in enumerate(zip(original, mutated, strict=True)) if a != b]
    assert changed == [number]
    before, after = original[number - 1], mutated[number - 1]
    assert after["request"] == before["request"] and after["operation"] == before["operation"]
    assert (after["status"], after["response"], after["headers"]) != (
        before["status"],
        before["response"],
        before["headers"],
    )
    assert after["provenance"].startswith("MUTATED")


@pytest.mark.parametrize(("name", "number", "rule", "kind"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_a_mutated_answer_is_flagged_under_its_rule(name: str, number: int, rule: str, kind: str) -> None:
    original = replayed(AWS / f"{name.split('.')[0]}.jsonl")
    assert rule in RULES and rule in original.rules  # the unmutated cassette exercises the rule
    mutated_path = MUTATED / f"{name}.jsonl"
    mutated = replayed(mutated_path)
    known = {f.id for f in original.findings}
    new = [f for f in mutated.findings if f.id not in known]
    exchanges = [exchange for _, exchange in read(mutated_path)]
    flagged = [f for f in new if (f.rule, f.divergence.kind) == (rule, kind)]
    assert flagged, [f.id for f in mutated.findings]
    assert all(f.exchange == exchanges[number - 1] for f in flagged)
    # Nothing before the changed answer is affected; after it, only what the model learned
    # from it may differ (e.g. a key it now believes exists).
    assert all(exchanges.index(f.exchange) >= number - 1 for f in new)
