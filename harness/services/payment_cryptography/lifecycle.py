"""Payment Cryptography keys as a run against a real account accounts for them
(harness.services.lifecycle).

CreateKey creates a key (and, with ReplicationRegions, a replica in each Region named, which the
key budget counts). Deletion is DeleteKey with the shortest window, 3 days
(API_DeleteKey: DeleteKeyInDays 3-180). Keys are named by their ARN.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from harness.exchange import Call, Exchange
from harness.services.lifecycle import (
    CreatedKey,
    KeyLifecycle,
    KeyStatus,
    Send,
    add_tag,
    arn_region,
    body_of,
    pages,
)
from harness.services.payment_cryptography.about import NAME

#: API_DeleteKey: DeleteKeyInDays, "Valid Range: Minimum value of 3. Maximum value of 180."
DELETE_KEY_IN_DAYS = 3
#: botocore payment-cryptography Tags: at most 200 items.
MAX_TAGS = 200
_SCHEDULED = frozenset({"DELETE_PENDING", "DELETE_COMPLETE"})
_BUSY = frozenset({"CREATE_IN_PROGRESS"})


class PcLifecycle(KeyLifecycle):
    service = NAME
    creates = frozenset({"CreateKey"})
    deletion = f"DeleteKey, {DELETE_KEY_IN_DAYS} days"

    def keys_per_call(self, operation: str, params: Mapping[str, Any]) -> int:
        if operation not in self.creates:
            return 0
        replicas = params.get("ReplicationRegions")
        return 1 + (len(replicas) if isinstance(replicas, list) else 0)

    def created(self, exchange: Exchange, canonical: Mapping[str, Any]) -> list[CreatedKey]:
        key = canonical.get("Key")
        arn = key.get("KeyArn") if isinstance(key, dict) else None
        if not isinstance(arn, str) or not arn:
            return []
        return [CreatedKey(arn, arn_region(arn) or exchange.region)]

    def tag_in_request(
        self, operation: str, params: Mapping[str, Any], tag: tuple[str, str]
    ) -> dict[str, Any] | None:
        return add_tag(params, {"Key": tag[0], "Value": tag[1]}, "Key", MAX_TAGS)

    def tag_after(self, key: CreatedKey, tag: tuple[str, str]) -> Call:
        params = {"ResourceArn": key.key, "Tags": [{"Key": tag[0], "Value": tag[1]}]}
        return Call(NAME, "TagResource", params, key.region)

    def status(self, send: Send, key: CreatedKey) -> KeyStatus:
        answer = send(Call(NAME, "GetKey", {"KeyIdentifier": key.key}, key.region))
        if answer.error_code == "ResourceNotFoundException":
            return KeyStatus("gone", "not found")
        found = body_of(answer).get("Key")
        if not answer.ok or not isinstance(found, dict):
            return KeyStatus("unknown", f"GetKey: {answer.error_code or answer.status}")
        state = found.get("KeyState")
        if state in _SCHEDULED:
            when = found.get("DeletePendingTimestamp", "pending")
            return KeyStatus("scheduled", f"{state} (deletion {when})")
        if state in _BUSY:
            return KeyStatus("busy", str(state))
        return KeyStatus("live", str(state))

    def schedule(self, send: Send, key: CreatedKey) -> KeyStatus:
        params = {"KeyIdentifier": key.key, "DeleteKeyInDays": DELETE_KEY_IN_DAYS}
        answer = send(Call(NAME, "DeleteKey", params, key.region))
        if answer.ok:
            found = body_of(answer).get("Key")
            when = found.get("DeletePendingTimestamp") if isinstance(found, dict) else None
            return KeyStatus("scheduled", f"deletion {when or 'scheduled'}")
        if answer.error_code == "ResourceNotFoundException":
            return KeyStatus("gone", "not found")
        if answer.error_code == "ConflictException":
            return KeyStatus("busy", "ConflictException")
        return KeyStatus("unknown", f"DeleteKey: {answer.error_code or answer.status}")

    def tagged(self, send: Send, region: str, tag_key: str, value: str | None) -> Iterator[CreatedKey]:
        listing = Call(NAME, "ListKeys", {"MaxResults": 100}, region)
        for page in pages(send, listing, "NextToken", "NextToken"):
            for entry in body_of(page).get("Keys") or []:
                arn = entry.get("KeyArn") if isinstance(entry, dict) else None
                if isinstance(arn, str) and self._carries(send, region, arn, tag_key, value):
                    yield CreatedKey(arn, region)

    def _carries(self, send: Send, region: str, arn: str, tag_key: str, value: str | None) -> bool:
        listing = Call(NAME, "ListTagsForResource", {"ResourceArn": arn}, region)
        for page in pages(send, listing, "NextToken", "NextToken"):
            for tag in body_of(page).get("Tags") or []:
                if isinstance(tag, dict) and tag.get("Key") == tag_key:
                    return value is None or tag.get("Value") == value
        return False


LIFECYCLE = PcLifecycle()
