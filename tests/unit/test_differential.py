"""Differential runs, offline: identifiers compared by reference, dates and random values by type.

Two answers from two correct implementations differ in every key id, ARN, account and date; a
comparison that did not pair them would report everything. Each test has its twin: the same
answers with one real difference, which must be the only one reported.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from harness.engine.differential import UNPAIRED, References, body_differences, differences
from harness.exchange import Exchange

A_ACCOUNT, B_ACCOUNT = "111122223333", "000000000000"
A_KEY, B_KEY = "1234abcd-12ab-34cd-56ef-1234567890ab", "9b0e6a53-8c6f-4c5e-9f5d-3a2b1c0d9e8f"
A_MRK, B_MRK = "mrk-" + "a" * 32, "mrk-" + "b" * 32


def meta(
    account: str, key: str, created: float, enabled: bool = True, region: str = "us-east-1"
) -> dict[str, Any]:
    arn = f"arn:aws:kms:{region}:{account}:key/{key}"
    return {
        "KeyMetadata": {
            "AWSAccountId": account,
            "KeyId": key,
            "Arn": arn,
            "CreationDate": created,
            "Enabled": enabled,
            "KeyState": "Enabled",
            "Description": "",
            "CurrentKeyMaterialId": "f" * 64 if account == A_ACCOUNT else "0" * 64,
        }
    }


def exchange(body: Any, status: int = 200, content_type: str = "application/x-amz-json-1.1") -> Exchange:
    return Exchange.from_wire(
        service="kms",
        operation="DescribeKey",
        region="us-east-1",
        request={},
        status=status,
        headers={"content-type": content_type},
        raw=json.dumps(body).encode(),
    )


INCOMPARABLE = frozenset({"CreationDate", "CurrentKeyMaterialId"})


def learned() -> References:
    refs = References()
    refs.learn(meta(A_ACCOUNT, A_KEY, 1.0), meta(B_ACCOUNT, B_KEY, 2.0))
    return refs


def test_the_same_key_on_both_sides_is_paired_with_its_arn_and_account() -> None:
    refs = learned()
    assert refs.forward[A_KEY] == B_KEY and refs.forward[A_ACCOUNT] == B_ACCOUNT
    assert (
        refs.forward[f"arn:aws:kms:us-east-1:{A_ACCOUNT}:key/{A_KEY}"]
        == f"arn:aws:kms:us-east-1:{B_ACCOUNT}:key/{B_KEY}"
    )


def test_requests_are_translated_into_the_other_sides_ids() -> None:
    refs = learned()
    request = {
        "KeyId": A_KEY,
        "Arn": f"arn:aws:kms:us-west-2:{A_ACCOUNT}:key/{A_KEY}",
        "Description": A_KEY[:8],
    }
    translated, complete = refs.to_other(request)
    assert complete
    assert (
        translated
        == {
            "KeyId": B_KEY,
            "Arn": f"arn:aws:kms:us-west-2:{B_ACCOUNT}:key/{B_KEY}",  # another Region's ARN, built from parts
            "Description": A_KEY[:8],  # not an identifier
        }
    )
    drawn = "0b2d7e1c-4f5a-4c3b-9e8d-7a6b5c4d3e2f"  # a random id neither side answered
    assert refs.to_other({"KeyId": drawn}) == ({"KeyId": drawn}, True)


def test_a_key_only_this_side_has_makes_the_call_uncompared() -> None:
    refs = learned()
    refs.learn({"KeyMetadata": {"KeyId": A_MRK}}, None)  # the other side refused to create it
    assert refs.to_other({"KeyId": A_MRK}) == ({"KeyId": A_MRK}, False)


def test_a_policy_text_is_read_back_in_this_sides_account() -> None:
    refs = learned()
    policy = json.dumps({"Statement": [{"Principal": {"AWS": f"arn:aws:iam::{B_ACCOUNT}:root"}}]})
    assert A_ACCOUNT in refs.to_mine(policy) and B_ACCOUNT not in refs.to_mine(policy)


def test_two_correct_answers_differ_in_nothing() -> None:
    refs = learned()
    mine, theirs = exchange(meta(A_ACCOUNT, A_KEY, 1.0)), exchange(meta(B_ACCOUNT, B_KEY, 2.0))
    assert differences(mine, theirs, refs, INCOMPARABLE) == []


def test_one_real_difference_is_the_only_one_reported() -> None:
    """The twin: the same two answers, the other's Enabled flipped."""
    refs = learned()
    mine, theirs = exchange(meta(A_ACCOUNT, A_KEY, 1.0)), exchange(meta(B_ACCOUNT, B_KEY, 2.0, enabled=False))
    found = differences(mine, theirs, refs, INCOMPARABLE)
    assert [(d.where, d.what, d.mine, d.theirs) for d in found] == [
        ("/KeyMetadata/Enabled", "different values", True, False)
    ]


def test_without_pairing_every_identifier_would_differ() -> None:
    """What the pairing saves: the same answers compared with no references learned."""
    mine, theirs = exchange(meta(A_ACCOUNT, A_KEY, 1.0)), exchange(meta(B_ACCOUNT, B_KEY, 2.0))
    where = {d.where for d in differences(mine, theirs, References(), INCOMPARABLE)}
    assert {"/KeyMetadata/KeyId", "/KeyMetadata/Arn"} <= where
    assert UNPAIRED in json.dumps([d.theirs for d in differences(mine, theirs, References(), INCOMPARABLE)])


def test_a_date_is_compared_by_type_and_presence() -> None:
    refs = learned()
    mine = exchange(meta(A_ACCOUNT, A_KEY, 1.0))
    other = meta(B_ACCOUNT, B_KEY, 2.0)
    other["KeyMetadata"]["CreationDate"] = 1795972901.946318
    assert [d.where for d in differences(mine, exchange(other), refs, INCOMPARABLE)] == []  # another time
    other["KeyMetadata"]["CreationDate"] = "2026-11-29T17:00:00Z"
    found = differences(mine, exchange(other), refs, INCOMPARABLE)
    assert [(d.where, d.mine, d.theirs) for d in found] == [("/KeyMetadata/CreationDate", "<float>", "<str>")]
    del other["KeyMetadata"]["CreationDate"]
    found = differences(mine, exchange(other), refs, INCOMPARABLE)
    assert [(d.where, d.what) for d in found] == [("/KeyMetadata/CreationDate", "absent on the other target")]


def test_outcomes_and_content_types() -> None:
    refs = learned()
    missing = {"__type": "NotFoundException", "message": "a"}
    other = {"__type": "NotFoundException", "message": "b, worded otherwise"}
    assert differences(exchange(missing, 400), exchange(other, 400), refs, INCOMPARABLE) == []
    json_type = differences(
        exchange(missing, 400), exchange(other, 400, "application/json"), refs, INCOMPARABLE
    )
    assert [d.what for d in json_type] == ["error: application/x-amz-json-1.1 vs application/json"]
    invalid = {"__type": "KMSInvalidStateException"}
    (outcome,) = differences(exchange(missing, 400), exchange(invalid, 400), refs, INCOMPARABLE)
    assert (outcome.where, outcome.what) == ("outcome", "NotFoundException vs KMSInvalidStateException")
    (served,) = differences(exchange(missing, 400), exchange({}, 200), refs, INCOMPARABLE)
    assert served.what == "NotFoundException vs success"


def test_lists_are_multisets() -> None:
    assert body_differences({"Tags": [1, 2]}, {"Tags": [2, 1]}) == []
    assert [d.what for d in body_differences({"Tags": [1, 2]}, {"Tags": [2]})] == ["different items"]


def test_an_empty_body_and_an_empty_object_are_the_same_answer() -> None:
    empty = Exchange.from_wire(
        service="kms",
        operation="TagResource",
        region="us-east-1",
        request={},
        status=200,
        headers={},
        raw=b"",
    )
    assert differences(empty, exchange({}), References(), INCOMPARABLE) == []
    assert [d.what for d in differences(empty, exchange({"x": 1}), References(), INCOMPARABLE)] == [
        "absent on this target"
    ]


def test_blobs_and_timestamps_are_found_in_the_spec() -> None:
    from harness.engine.differential import _by_nature_members
    from harness.spec import catalog

    kms = _by_nature_members(catalog.load(), "kms")
    assert {"CiphertextBlob", "Plaintext", "CreationDate", "DeletionDate"} <= kms
    assert "KeyId" not in kms and "Description" not in kms


class _Other:
    """The other target, answering what it is given to answer."""

    def __init__(self, answer: Exchange):
        self.answer = answer

    def send(self, call: Any, role: str | None = None) -> Exchange:
        return replace(self.answer, request=dict(call.params))


def mirror(answer: Exchange) -> Any:
    from harness.engine.differential import Mirror
    from harness.engine.judge import Judge
    from harness.engine.model import Model
    from harness.spec import catalog

    spec = catalog.load()
    return Mirror("other", _Other(answer), Judge(spec, Model(complete=True)), spec, "this")  # type: ignore[arg-type]


def judged_here(answer: Exchange) -> Any:
    from harness.engine.judge import Judge
    from harness.engine.model import Model
    from harness.spec import catalog

    return Judge(catalog.load(), Model(complete=True)).judge(answer)


def describe_missing(status: int, body: Any) -> Exchange:
    return replace(exchange(body, status), request={"KeyId": "0b2d7e1c-4f5a-4c3b-9e8d-7a6b5c4d3e2f"})


def test_the_side_the_documentation_agrees_with_is_named() -> None:
    from harness.exchange import Call

    call = Call("kms", "DescribeKey", {"KeyId": "0b2d7e1c-4f5a-4c3b-9e8d-7a6b5c4d3e2f"})
    mine = describe_missing(400, {"__type": "NotFoundException"})
    theirs = describe_missing(400, {"__type": "KMSInvalidStateException"})
    (found,) = mirror(theirs).compare(judged_here(mine), call)
    assert "agrees with this target (this)" in found.divergence.detail and not found.advisory
    assert found.other is not None and found.other["error"] == "KMSInvalidStateException"
    (swapped,) = mirror(mine).compare(judged_here(theirs), call)
    assert "agrees with the other target (other)" in swapped.divergence.detail


def test_two_answers_that_should_not_exist_are_not_compared_member_by_member() -> None:
    from harness.exchange import Call

    call = Call("kms", "CreateKey", {"KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "SIGN_VERIFY"})
    served = replace(exchange(meta(A_ACCOUNT, A_KEY, 1.0)), operation="CreateKey", request=dict(call.params))
    other = replace(exchange(meta(B_ACCOUNT, B_KEY, 2.0, enabled=False)), operation="CreateKey")
    assert mirror(other).compare(judged_here(served), call) == []
    # The twin: a valid call, both served, one member different: reported.
    valid = Call("kms", "CreateKey", {})
    served_valid = replace(served, request={})
    (found,) = mirror(other).compare(judged_here(served_valid), valid)
    assert found.divergence.signature.startswith("/KeyMetadata/")


def test_moto_style_multi_region_ids_are_identifiers_too() -> None:
    moto_mrk = "mrk-0b2d7e1c-4f5a-4c3b-9e8d-7a6b5c4d3e2f"
    refs = References()
    refs.learn({"KeyMetadata": {"KeyId": moto_mrk}}, {"KeyMetadata": {"KeyId": B_MRK}})
    assert refs.to_other({"KeyId": moto_mrk}) == ({"KeyId": B_MRK}, True)


def test_drawn_text_is_never_rewritten_even_when_it_holds_an_account_id() -> None:
    """The twin of the policy test: digits that only look like an account stay as drawn."""
    refs = learned()
    drawn = B_ACCOUNT * 4 + " " + A_ACCOUNT * 3
    assert refs.to_mine(drawn) == drawn
    assert refs.to_other({"Description": drawn}) == ({"Description": drawn}, True)
