"""Pages reflect their requests (issue 11 item 7): Limit/MaxResults bound a page (their documented
defaults when absent), a truncated page says how to go on and holds only the resource's items, and
only a whole first page is held to the whole list. A page smaller than its limit is never a finding
on its own ("it might return fewer")."""

from __future__ import annotations

from typing import Any

from harness.model.matchers import Page
from tests.unit.test_model_kms import SRK
from tests.unit.test_model_kms import Flow as KmsFlow
from tests.unit.test_model_kms import exchange as kms_exchange
from tests.unit.test_model_pc import ARN, OTHER, key
from tests.unit.test_model_pc import Flow as PcFlow
from tests.unit.test_model_pc import exchange as pc_exchange

TAGS = [{"TagKey": "a", "TagValue": "1"}, {"TagKey": "b", "TagValue": "2"}, {"TagKey": "c", "TagValue": ""}]
PAGE = "kms.list-resource-tags.tags|invariant|: a page of the key's tags within Limit"
WHOLE = "kms.list-resource-tags.tags|invariant|/Tags: Tags after CreateKey"


def tagged() -> KmsFlow:
    flow = KmsFlow()
    flow.create(Tags=TAGS)
    return flow


def listed(flow: KmsFlow, request: dict[str, Any], body: dict[str, Any]) -> list[str]:
    return flow.send(kms_exchange("ListResourceTags", {"KeyId": SRK, **request}, body))


def test_a_truncated_page_may_hold_part_of_the_tags() -> None:
    flow = tagged()
    assert listed(flow, {"Limit": 2}, {"Tags": TAGS[:2], "Truncated": True, "NextMarker": "m"}) == []
    # Fewer than the limit is allowed too, as long as the page says more follows.
    assert listed(flow, {}, {"Tags": TAGS[:1], "Truncated": True, "NextMarker": "m"}) == []
    # A later page holds only the rest.
    assert listed(flow, {"Marker": "m"}, {"Tags": TAGS[2:], "Truncated": False}) == []
    # And the model did not take a page for the whole list.
    assert listed(flow, {}, {"Tags": TAGS, "Truncated": False}) == []


def test_a_page_is_bounded_says_how_to_go_on_and_holds_only_the_keys_tags() -> None:
    flow = tagged()
    assert listed(flow, {"Limit": 2}, {"Tags": TAGS, "Truncated": False}) == [PAGE]
    assert listed(flow, {}, {"Tags": TAGS[:2], "Truncated": True}) == [PAGE]  # no NextMarker
    stranger = {"TagKey": "z", "TagValue": "9"}
    assert listed(flow, {"Marker": "m"}, {"Tags": [stranger], "Truncated": False}) == [PAGE]
    # A whole first page (not truncated) is held to every tag of the key.
    assert listed(flow, {}, {"Tags": TAGS[:2], "Truncated": False}) == [WHOLE]


def test_the_page_matcher_explains_itself() -> None:
    page = Page("Tags", 1, (TAGS[0],), more="Truncated", marker="NextMarker")
    assert page.problems({"Tags": TAGS[:2], "Truncated": True}) == [
        "2 Tags on a page of at most 1",
        f"{TAGS[1]!r} is not one of the listed resource's Tags",
        "Truncated is true but there is no NextMarker to fetch the rest",
    ]
    assert page == {"Tags": [], "Truncated": False}


def test_pc_list_tags_pages_and_list_keys_limits() -> None:
    flow = PcFlow()
    pairs = [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    flow.create(Tags=pairs)
    page = "pc.list-tags.tags|invariant|: a page of the key's tags within MaxResults"
    whole = "pc.list-tags.tags|invariant|/Tags: Tags after CreateKey"
    tags = {"ResourceArn": ARN}
    assert flow.send(pc_exchange("ListTagsForResource", tags, {"Tags": pairs[:1], "NextToken": "t"})) == []
    assert (
        flow.send(pc_exchange("ListTagsForResource", {**tags, "NextToken": "t"}, {"Tags": pairs[1:]})) == []
    )
    assert flow.send(pc_exchange("ListTagsForResource", tags, {"Tags": pairs[:1]})) == [whole]
    over = {**tags, "MaxResults": 1}
    assert flow.send(pc_exchange("ListTagsForResource", over, {"Tags": pairs, "NextToken": "t"})) == [page]
    # ListKeys: MaxResults (default 50) bounds the page; a first page without NextToken is the whole list.
    flow.create(OTHER)
    lists = "pc.list-keys.lists-keys|invariant|: every known key with its state"
    bounded = "pc.list-keys.lists-keys|invariant|: a page of at most MaxResults keys"
    assert flow.send(pc_exchange("ListKeys", {"MaxResults": 1}, {"Keys": [key()], "NextToken": "t"})) == []
    assert flow.send(pc_exchange("ListKeys", {"MaxResults": 1}, {"Keys": [key(), key(OTHER)]})) == [bounded]
    assert flow.send(pc_exchange("ListKeys", {"MaxResults": 5}, {"Keys": [key()]})) == [lists]
    many = [key(f"arn:aws:payment-cryptography:us-east-1:111122223333:key/{i:016d}") for i in range(49)]
    assert flow.send(pc_exchange("ListKeys", {}, {"Keys": [key(), key(OTHER), *many]})) == [bounded]
