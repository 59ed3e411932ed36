"""KMS keys as a run against a real account accounts for them (harness.services.lifecycle).

CreateKey and ReplicateKey create keys. Deletion is ScheduleKeyDeletion with the shortest
window KMS allows, 7 days (API_ScheduleKeyDeletion: PendingWindowInDays 7-30); multi-Region
replicas are scheduled before their primary, and a key still ``Creating`` (a new replica) is
tried again. Keys are named by their bare id in their own Region's endpoint (AWS takes an id or
an ARN; some emulators only an id).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from harness.exchange import Call, Exchange
from harness.services.kms.about import NAME
from harness.services.kms.rules import MAX_TAGS_PER_KEY
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

#: API_ScheduleKeyDeletion: "PendingWindowInDays ... minimum value of 7".
PENDING_WINDOW_DAYS = 7
_SCHEDULED = frozenset({"PendingDeletion", "PendingReplicaDeletion"})
_BUSY = frozenset({"Creating", "Updating"})


def key_id(key: str) -> str:
    """The bare key id of an ARN (``arn:aws:kms:R:A:key/ID``), or ``key`` itself."""
    return key.rsplit("key/", 1)[-1] if key.startswith("arn:") else key


class KmsLifecycle(KeyLifecycle):
    service = NAME
    creates = frozenset({"CreateKey", "ReplicateKey"})
    deletion = f"ScheduleKeyDeletion, {PENDING_WINDOW_DAYS} days"

    def created(self, exchange: Exchange, canonical: Mapping[str, Any]) -> list[CreatedKey]:
        member = "ReplicaKeyMetadata" if exchange.operation == "ReplicateKey" else "KeyMetadata"
        meta = canonical.get(member)
        if not isinstance(meta, dict):
            return []
        key = meta.get("Arn") if isinstance(meta.get("Arn"), str) else meta.get("KeyId")
        if not isinstance(key, str) or not key:
            return []
        region = arn_region(key)
        if region is None:
            asked = exchange.request.get("ReplicaRegion") if exchange.operation == "ReplicateKey" else None
            region = asked if isinstance(asked, str) else exchange.region
        return [CreatedKey(key, region)]

    def tag_in_request(
        self, operation: str, params: Mapping[str, Any], tag: tuple[str, str]
    ) -> dict[str, Any] | None:
        return add_tag(params, {"TagKey": tag[0], "TagValue": tag[1]}, "TagKey", MAX_TAGS_PER_KEY)

    def tag_after(self, key: CreatedKey, tag: tuple[str, str]) -> Call:
        tags = [{"TagKey": tag[0], "TagValue": tag[1]}]
        return Call(NAME, "TagResource", {"KeyId": key_id(key.key), "Tags": tags}, key.region)

    def status(self, send: Send, key: CreatedKey) -> KeyStatus:
        answer = send(Call(NAME, "DescribeKey", {"KeyId": key_id(key.key)}, key.region))
        if answer.error_code == "NotFoundException":
            return KeyStatus("gone", "not found")
        meta = body_of(answer).get("KeyMetadata")
        if not answer.ok or not isinstance(meta, dict):
            return KeyStatus("unknown", f"DescribeKey: {answer.error_code or answer.status}")
        config = meta.get("MultiRegionConfiguration")
        replica = isinstance(config, dict) and config.get("MultiRegionKeyType") == "REPLICA"
        order = 0 if replica else 1
        state = meta.get("KeyState")
        if state in _SCHEDULED:
            return KeyStatus("scheduled", f"{state} (deletion {meta.get('DeletionDate', 'pending')})", order)
        if state in _BUSY:
            return KeyStatus("busy", str(state), order)
        return KeyStatus("live", str(state), order)

    def schedule(self, send: Send, key: CreatedKey) -> KeyStatus:
        params = {"KeyId": key_id(key.key), "PendingWindowInDays": PENDING_WINDOW_DAYS}
        answer = send(Call(NAME, "ScheduleKeyDeletion", params, key.region))
        if answer.ok:
            return KeyStatus("scheduled", f"deletion {body_of(answer).get('DeletionDate', 'scheduled')}")
        if answer.error_code == "NotFoundException":
            return KeyStatus("gone", "not found")
        if answer.error_code == "KMSInvalidStateException":
            # Creating, or a primary whose replicas are not yet pending: try again later.
            return KeyStatus("busy", "KMSInvalidStateException")
        return KeyStatus("unknown", f"ScheduleKeyDeletion: {answer.error_code or answer.status}")

    def tagged(self, send: Send, region: str, tag_key: str, value: str | None) -> Iterator[CreatedKey]:
        for page in pages(send, Call(NAME, "ListKeys", {"Limit": 1000}, region), "Marker", "NextMarker"):
            for entry in body_of(page).get("Keys") or []:
                if not isinstance(entry, dict) or not isinstance(entry.get("KeyId"), str):
                    continue
                arn = entry.get("KeyArn")
                key: str = arn if isinstance(arn, str) else entry["KeyId"]
                if self._carries(send, region, entry["KeyId"], tag_key, value):
                    yield CreatedKey(key, region)

    def _carries(self, send: Send, region: str, kid: str, tag_key: str, value: str | None) -> bool:
        listing = Call(NAME, "ListResourceTags", {"KeyId": kid, "Limit": 50}, region)
        for page in pages(send, listing, "Marker", "NextMarker"):
            for tag in body_of(page).get("Tags") or []:
                if isinstance(tag, dict) and tag.get("TagKey") == tag_key:
                    return value is None or tag.get("TagValue") == value
        return False


LIFECYCLE = KmsLifecycle()
