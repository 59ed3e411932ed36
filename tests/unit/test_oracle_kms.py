"""The KMS tag rules and their strategies, offline.

The strategies are tested as properties: every draw of a rule's strategy breaks that
rule and nothing that would require a different answer, and every valid draw breaks
nothing. This is what lets the runner trust a prediction made from the drawn call.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.oracle.predict import Violation, predict
from harness.services.kms import rules as oracle
from harness.services.kms import strategies as strategies
from harness.spec import catalog

CREATE = catalog.load().operation("kms", "CreateKey")


def rules_of(tags: list[dict[str, str]], **kw: object) -> set[str]:
    return {v.rule for v in oracle.tag_violations(tags, **kw)}  # type: ignore[arg-type]


def tag(key: str, value: str = "") -> dict[str, str]:
    return {"TagKey": key, "TagValue": value}


@pytest.mark.parametrize("key", ["aws:x", "AWS:x", "Aws:", "aWs:anything"])
def test_reserved_prefix_in_any_case(key: str) -> None:
    assert rules_of([tag(key)]) == {"kms.tags.reserved-prefix"}


@pytest.mark.parametrize("key", ["aws", "aws-x", "xaws:", "awsx:"])
def test_not_reserved(key: str) -> None:
    assert rules_of([tag(key)]) == set()


def test_keys_are_case_sensitive_for_duplicates() -> None:
    assert rules_of([tag("Env"), tag("env")]) == set()
    assert rules_of([tag("Env", "a"), tag("Env", "b")]) == {"kms.tags.duplicate-keys"}


def test_fifty_tags_are_fine_fifty_one_are_not() -> None:
    assert rules_of([tag(f"k{i}") for i in range(50)]) == set()
    assert rules_of([tag(f"k{i}") for i in range(51)]) == {"kms.tags.too-many"}
    on_tag_resource = rules_of(
        [tag("new")], existing_keys=[f"k{i}" for i in range(50)], operation="TagResource"
    )
    assert on_tag_resource == {"kms.tags.too-many-tag-resource"}
    # An existing key is an upsert, not an extra tag (rule 32).
    assert rules_of([tag("k0")], existing_keys=[f"k{i}" for i in range(50)], operation="TagResource") == set()


def test_length_limits_and_empty_value() -> None:
    assert rules_of([tag("k" * 128, "v" * 256)]) == set()
    assert rules_of([tag("k" * 129)]) == {"kms.tags.key-too-long"}
    assert rules_of([tag("k", "v" * 257)]) == {"kms.tags.value-too-long"}
    assert rules_of([tag("")]) == {"kms.tags.key-empty"}


def test_prediction_follows_the_broken_rule() -> None:
    p = predict("kms.create-key.valid", oracle.tag_violations([tag("aws:x")]))
    assert (p.expectation.outcome, p.expectation.errors, p.ambiguous) == (
        "error",
        ("TagException",),
        False,
    )
    assert predict("kms.create-key.valid", []).expectation.outcome == "success"


def test_rules_requiring_different_answers_are_ambiguous() -> None:
    p = predict("kms.create-key.valid", oracle.tag_violations([tag("aws:" + "x" * 200)]))
    assert p.ambiguous
    assert set(p.expectation.errors) == {"TagException", "ValidationException"}


def test_same_answer_from_two_rules_is_not_ambiguous() -> None:
    violations = [Violation("kms.tags.reserved-prefix"), Violation("kms.tags.duplicate-keys")]
    assert not predict("kms.create-key.valid", violations).ambiguous


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_valid_create_key_draws_break_nothing(data: st.DataObject) -> None:
    params = data.draw(strategies.create_key_params(CREATE, region="us-east-1", account_id="111122223333"))
    assert oracle.create_key_violations(params, region="us-east-1") == []
    assert list(CREATE.request_validator.iter_errors(params)) == []
    spec = oracle.effective_key_spec(params)
    usage = params.get("KeyUsage", "ENCRYPT_DECRYPT")
    assert usage in oracle.KEY_USAGES_BY_SPEC[spec]
    assert spec != "SM2"  # China Regions only


@pytest.mark.parametrize(
    ("lists", "rule"),
    [
        (strategies.reserved_prefix_tag_lists, "kms.tags.reserved-prefix"),
        (strategies.duplicate_key_tag_lists, "kms.tags.duplicate-keys"),
        (strategies.too_many_tag_lists, "kms.tags.too-many"),
        (strategies.long_key_tag_lists, "kms.tags.key-too-long"),
        (strategies.long_value_tag_lists, "kms.tags.value-too-long"),
    ],
)
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_each_invalid_strategy_breaks_its_rule_unambiguously(
    lists: object, rule: str, data: st.DataObject
) -> None:
    tags = data.draw(lists(CREATE))  # type: ignore[operator]
    prediction = predict("kms.create-key.valid", oracle.tag_violations(tags))
    assert rule in prediction.rules
    assert not prediction.ambiguous
