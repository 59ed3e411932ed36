"""The KMS fault catalogue: sequence faults for the state machine's self-tests.

A *sequence fault* breaks a documented behaviour that only shows after a sequence of calls:
it remembers what earlier answers said and rewrites later ones (a DisableKey that does not
stick, tags that are lost, a replica whose change leaks into its primary, a key pending
deletion that can be replicated). The KMS machine must catch each, and stay silent without it
(tests/selftest/test_stateful_faults.py, with harness.testing.sequence_faults's repairs).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.testing.fault_proxy import (
    Fault,
    ProxiedRequest,
    ProxiedResponse,
    answered_ok,
    json_answer,
    region_of,
)

KMS_JSON = "application/x-amz-json-1.1"
PENDING = ("PendingDeletion", "PendingReplicaDeletion")


def key_id_of(value: Any) -> str:
    """The key id a KeyId member names (a key id, or a key ARN)."""
    if isinstance(value, str) and value.startswith("arn:") and ":key/" in value:
        return value.split(":key/", 1)[1]
    return value if isinstance(value, str) else ""


def key_of(request: ProxiedRequest) -> tuple[str, str]:
    """(Region, key id) of the key a KMS request names."""
    body = request.json()
    return region_of(request), key_id_of(body.get("KeyId") if isinstance(body, dict) else None)


def ok(request: ProxiedRequest, response: ProxiedResponse) -> bool:
    return answered_ok(request, response, "kms")


def kms_json(response: ProxiedResponse, document: Any, status: int | None = None) -> ProxiedResponse:
    return json_answer(response, document, KMS_JSON, status)


def disable_does_not_stick() -> Fault:
    """DisableKey answers success, but the key goes on being described as Enabled."""
    disabled: set[tuple[str, str]] = set()

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if not ok(request, response):
            return None
        key = key_of(request)
        if request.operation == "DisableKey":
            disabled.add(key)
        elif request.operation == "EnableKey":
            disabled.discard(key)
        elif request.operation == "DescribeKey":
            doc = response.json()
            meta = doc.get("KeyMetadata") if isinstance(doc, dict) else None
            shown = (key[0], meta.get("KeyId")) if isinstance(meta, dict) else None
            if shown in disabled and meta is not None and meta.get("KeyState") == "Disabled":
                meta.update(KeyState="Enabled", Enabled=True)
                return kms_json(response, doc)
        return None

    return Fault("kms:DisableKey-does-not-stick", "a disabled key is described as Enabled", rewrite)


def tags_are_lost() -> Fault:
    """TagResource answers success, but ListResourceTags no longer lists the tags it added."""
    added: dict[tuple[str, str], set[str]] = {}

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if not ok(request, response):
            return None
        key = key_of(request)
        body = request.json() if isinstance(request.json(), dict) else {}
        if request.operation == "TagResource":
            tags = body.get("Tags") or []
            added.setdefault(key, set()).update(str(t.get("TagKey")) for t in tags if isinstance(t, dict))
        elif request.operation == "ListResourceTags" and added.get(key):
            doc = response.json()
            if isinstance(doc, dict) and isinstance(doc.get("Tags"), list):
                doc["Tags"] = [t for t in doc["Tags"] if t.get("TagKey") not in added[key]]
                return kms_json(response, doc)
        return None

    return Fault("kms:TagResource-tags-lost", "tags added by TagResource are not listed", rewrite)


def replica_change_reaches_primary() -> Fault:
    """UpdateKeyDescription of a replica also shows on its primary (an independent property)."""
    primaries: dict[tuple[str, str], str] = {}
    leaked: dict[tuple[str, str], str] = {}

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if not ok(request, response):
            return None
        region, key_id = key_of(request)
        body = request.json() if isinstance(request.json(), dict) else {}
        if request.operation == "ReplicateKey":
            primaries[(str(body.get("ReplicaRegion")), key_id)] = region
        elif request.operation == "UpdateKeyDescription" and (region, key_id) in primaries:
            leaked[(primaries[(region, key_id)], key_id)] = str(body.get("Description"))
        elif request.operation == "DescribeKey":
            doc = response.json()
            meta = doc.get("KeyMetadata") if isinstance(doc, dict) else None
            if isinstance(meta, dict) and (region, str(meta.get("KeyId"))) in leaked:
                meta["Description"] = leaked[(region, str(meta.get("KeyId")))]
                return kms_json(response, doc)
        return None

    return Fault(
        "kms:replica-change-reaches-primary", "a replica's description shows on its primary", rewrite
    )


def pending_deletion_can_be_replicated() -> Fault:
    """ReplicateKey of a primary pending deletion answers success (a replica that cannot be)."""
    described: dict[tuple[str, str], dict[str, Any]] = {}

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if request.service != "kms":
            return None
        region, key_id = key_of(request)
        doc = response.json()
        if request.operation in ("CreateKey", "DescribeKey") and 200 <= response.status < 300:
            meta = doc.get("KeyMetadata") if isinstance(doc, dict) else None
            if isinstance(meta, dict):
                described[(region, str(meta.get("KeyId")))] = meta
            return None
        message = doc.get("message", "") if isinstance(doc, dict) else ""
        refused = request.operation == "ReplicateKey" and response.status >= 400
        primary = described.get((region, key_id))
        if not refused or "pending deletion" not in message or primary is None:
            return None
        return kms_json(response, _replica_answer(primary, region, request), status=200)

    return Fault(
        "kms:pending-deletion-replicable", "ReplicateKey of a key pending deletion succeeds", rewrite
    )


def _replica_answer(primary: Mapping[str, Any], region: str, request: ProxiedRequest) -> dict[str, Any]:
    params = request.json() if isinstance(request.json(), dict) else {}
    target = str(params.get("ReplicaRegion"))
    arn = str(primary.get("Arn", "")).replace(f":{region}:", f":{target}:", 1)
    meta = {k: v for k, v in primary.items() if k not in ("DeletionDate", "PendingDeletionWindowInDays")}
    meta.update(
        Arn=arn,
        KeyState="Creating",
        Enabled=False,
        Description=str(params.get("Description") or ""),
        MultiRegionConfiguration={
            "MultiRegionKeyType": "REPLICA",
            "PrimaryKey": {"Arn": primary.get("Arn"), "Region": region},
            "ReplicaKeys": [{"Arn": arn, "Region": target}],
        },
    )
    return {"ReplicaKeyMetadata": meta, "ReplicaPolicy": "{}"}
