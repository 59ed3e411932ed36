"""Sequence faults for the stateful machines' self-tests, and the repairs that make moto quiet.

A *sequence fault* breaks a documented behaviour that only shows after a sequence of calls:
it remembers what earlier answers said and rewrites later ones (a DisableKey that does not
stick, tags that are lost, a replica whose change leaks into its primary, a key pending
deletion that can be replicated). The stateful machine must catch each, and stay silent
without it.

moto diverges from the documented KMS key lifecycle in many places (see the
shipped baselines/emulator.json). A silent twin needs answers that follow the model, so
:class:`MotoRepairs` makes moto answer as KMS documents for the steps the self-tests draw:
it refuses, without forwarding, the calls the key-state table forbids (which moto accepts),
and corrects the answers moto gets wrong. It is test rig, never the conformance path: the
suite always talks to moto itself. A caught/silent pair runs the same repairs and differs
only by the fault.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.testing.fault_proxy import Fault, FaultProxy, ProxiedRequest, ProxiedResponse

_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[a-z0-9-]+)/")
_KMS_JSON = "application/x-amz-json-1.1"
PENDING = ("PendingDeletion", "PendingReplicaDeletion")


def region_of(request: ProxiedRequest) -> str:
    """The Region a SigV4-signed request was signed for (its credential scope)."""
    auth = next((v for k, v in request.headers.items() if k.lower() == "authorization"), "")
    match = _SCOPE.search(auth)
    return match["region"] if match else ""


def key_id_of(value: Any) -> str:
    """The key id a KeyId member names (a key id, or a key ARN)."""
    if isinstance(value, str) and value.startswith("arn:") and ":key/" in value:
        return value.split(":key/", 1)[1]
    return value if isinstance(value, str) else ""


def _key(request: ProxiedRequest) -> tuple[str, str]:
    body = request.json()
    return region_of(request), key_id_of(body.get("KeyId") if isinstance(body, dict) else None)


def error_answer(code: str, message: str, content_type: str = _KMS_JSON) -> ProxiedResponse:
    body = json.dumps({"__type": code, "message": message}).encode()
    return ProxiedResponse(400, {"Content-Type": content_type}, body)


def _ok(request: ProxiedRequest, response: ProxiedResponse, service: str = "kms") -> bool:
    return request.service == service and 200 <= response.status < 300


def _kms_json(response: ProxiedResponse, document: Any, status: int | None = None) -> ProxiedResponse:
    changed = response.with_json(document, status)
    return ProxiedResponse(changed.status, {**changed.headers, "Content-Type": _KMS_JSON}, changed.body)


# --- the repairs ------------------------------------------------------------------------------


@dataclass
class _Tracked:
    arn: str
    state: str
    primary_region: str | None
    window: int | None = None
    description: str | None = None
    """A description to show instead of moto's (moto copies the primary's into a replica)."""


@dataclass
class MotoRepairs:
    """Makes moto follow the documented KMS key lifecycle for the keys made through the proxy.

    Refused without forwarding (moto accepts them): EnableKey, DisableKey, TagResource,
    UntagResource and ScheduleKeyDeletion of a key pending deletion; EnableKey and DisableKey
    of a key pending import; CancelKeyDeletion of a key not pending deletion;
    ScheduleKeyDeletion with a window outside 7..30; ReplicateKey of anything but an enabled
    primary, into its own Region or over an existing replica (rulebook rules 38-47).
    Corrected: PendingImport for Origin EXTERNAL; a replica's description; MultiRegionKeyType
    (moto flips the primary's to REPLICA); PendingReplicaDeletion; the ScheduleKeyDeletion and
    CancelKeyDeletion answers (key ARN, KeyState, PendingWindowInDays).
    """

    keys: dict[tuple[str, str], _Tracked] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def intercept(self, request: ProxiedRequest) -> ProxiedResponse | None:
        """The documented refusal of ``request``, when moto would accept it; else ``None``."""
        if request.service != "kms":
            return None
        body = request.json() if isinstance(request.json(), dict) else {}
        region, key_id = _key(request)
        with self._lock:
            key = self.keys.get((region, key_id))
            replicas = {r for (r, k) in self.keys if k == key_id and r != region}
        if key is None:
            return None
        operation = request.operation
        if operation == "ReplicateKey":
            return self._refuse_replica(key, region, body.get("ReplicaRegion"), replicas)
        refused_when_pending = (
            "EnableKey",
            "DisableKey",
            "TagResource",
            "UntagResource",
            "ScheduleKeyDeletion",
        )
        if operation in refused_when_pending and key.state in PENDING:
            return error_answer("KMSInvalidStateException", f"{key.arn} is pending deletion.")
        if operation in ("EnableKey", "DisableKey") and key.state == "PendingImport":
            return error_answer("KMSInvalidStateException", f"{key.arn} is pending import.")
        if operation == "ScheduleKeyDeletion":
            window = body.get("PendingWindowInDays")
            if isinstance(window, int) and not 7 <= window <= 30:
                return error_answer("ValidationException", "PendingWindowInDays must be between 7 and 30")
        if operation == "CancelKeyDeletion" and key.state not in PENDING:
            return error_answer("KMSInvalidStateException", f"{key.arn} is not pending deletion.")
        return None

    def _refuse_replica(
        self, key: _Tracked, region: str, target: Any, replicas: set[str]
    ) -> ProxiedResponse | None:
        if key.primary_region != region:
            return error_answer(
                "UnsupportedOperationException", f"{key.arn} is not a multi-region primary key."
            )
        if target == region:
            return error_answer("ValidationException", "a replica cannot be in its primary's Region")
        if target in replicas:
            return error_answer("AlreadyExistsException", f"{key.arn} already has a replica in {target}")
        if key.state == "Disabled":
            return error_answer("DisabledException", f"{key.arn} is disabled.")
        if key.state in PENDING:
            return error_answer("KMSInvalidStateException", f"{key.arn} is pending deletion.")
        if key.state == "PendingImport":
            return error_answer("KMSInvalidStateException", f"{key.arn} is pending import.")
        return None

    def rewrite(self, request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        """Follow and correct a successful answer moto gave."""
        if not _ok(request, response):
            return None
        handler = getattr(self, f"_on_{request.operation}", None)
        if handler is None:
            return None
        with self._lock:
            changed: ProxiedResponse | None = handler(request, response)
        return changed

    def fault(self) -> Fault:
        """The repairs as the first rewrite of a :class:`RepairingProxy`."""
        return Fault("repairs:moto", "moto answers as the documented key lifecycle says", self.rewrite)

    def _on_CreateKey(self, request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        doc = response.json()
        meta = doc.get("KeyMetadata") if isinstance(doc, dict) else None
        params = request.json() if isinstance(request.json(), dict) else {}
        if not isinstance(meta, dict):
            return None
        region = region_of(request)
        external = params.get("Origin") == "EXTERNAL"
        primary = region if params.get("MultiRegion") is True else None
        self.keys[(region, meta["KeyId"])] = _Tracked(
            meta["Arn"], "PendingImport" if external else "Enabled", primary
        )
        if not external:
            return None
        meta.update(KeyState="PendingImport", Enabled=False)
        return _kms_json(response, doc)

    def _on_ReplicateKey(self, request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        doc = response.json()
        meta = doc.get("ReplicaKeyMetadata") if isinstance(doc, dict) else None
        params = request.json() if isinstance(request.json(), dict) else {}
        if not isinstance(meta, dict):
            return None
        region, target = region_of(request), str(params.get("ReplicaRegion"))
        description = str(params.get("Description") or "")
        self.keys[(target, meta["KeyId"])] = _Tracked(meta["Arn"], "Enabled", region, description=description)
        meta["Description"] = description
        config = meta.get("MultiRegionConfiguration")
        if isinstance(config, dict):
            meta["MultiRegionConfiguration"] = {**config, "MultiRegionKeyType": "REPLICA"}
        return _kms_json(response, doc)

    def _on_DescribeKey(self, request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        doc = response.json()
        meta = doc.get("KeyMetadata") if isinstance(doc, dict) else None
        if not isinstance(meta, dict):
            return None
        config = meta.get("MultiRegionConfiguration")
        if isinstance(config, dict) and isinstance(config.get("PrimaryKey"), dict):
            primary = config["PrimaryKey"].get("Arn") == meta.get("Arn")
            meta["MultiRegionConfiguration"] = {
                **config,
                "MultiRegionKeyType": "PRIMARY" if primary else "REPLICA",
            }
        key = self.keys.get((region_of(request), str(meta.get("KeyId"))))
        if key is not None:
            if key.description is not None:
                meta["Description"] = key.description
            if key.state in ("PendingReplicaDeletion", "PendingImport"):
                meta.update(KeyState=key.state, Enabled=False)
            if key.state == "PendingReplicaDeletion":
                meta.pop("DeletionDate", None)
                meta["PendingDeletionWindowInDays"] = key.window
        return _kms_json(response, doc)

    def _state(self, request: ProxiedRequest, state: str) -> _Tracked | None:
        key = self.keys.get(_key(request))
        if key is not None:
            key.state = state
        return key

    def _on_EnableKey(self, request: ProxiedRequest, response: ProxiedResponse) -> None:
        self._state(request, "Enabled")

    def _on_DisableKey(self, request: ProxiedRequest, response: ProxiedResponse) -> None:
        self._state(request, "Disabled")

    def _on_UpdateKeyDescription(self, request: ProxiedRequest, response: ProxiedResponse) -> None:
        key = self.keys.get(_key(request))
        if key is not None:
            key.description = None  # moto now holds the right description for this key

    def _on_ScheduleKeyDeletion(
        self, request: ProxiedRequest, response: ProxiedResponse
    ) -> ProxiedResponse | None:
        region, key_id = _key(request)
        key = self.keys.get((region, key_id))
        if key is None:
            return None
        params = request.json() if isinstance(request.json(), dict) else {}
        window = params.get("PendingWindowInDays", 30)
        replicas = any(k == key_id and r != region for (r, k) in self.keys)
        waits = key.primary_region == region and replicas
        key.state, key.window = ("PendingReplicaDeletion" if waits else "PendingDeletion"), window
        doc = response.json() if isinstance(response.json(), dict) else {}
        doc.update(KeyId=key.arn, KeyState=key.state, PendingWindowInDays=window)
        if waits:
            doc.pop("DeletionDate", None)
        return _kms_json(response, doc)

    def _on_CancelKeyDeletion(
        self, request: ProxiedRequest, response: ProxiedResponse
    ) -> ProxiedResponse | None:
        key = self._state(request, "Disabled")
        if key is None:
            return None
        key.window = None
        return _kms_json(response, {"KeyId": key.arn})


@dataclass
class RepairingProxy(FaultProxy):
    """A :class:`FaultProxy` whose :class:`MotoRepairs` may answer a request without forwarding it.

    Repairs come first, then the faults, so a fault can turn a repaired answer into a wrong one.
    """

    repairs: MotoRepairs = field(default_factory=MotoRepairs)

    def __post_init__(self) -> None:
        super().__post_init__()
        self.faults = [self.repairs.fault(), *self.faults]

    def set_faults(self, faults: Any) -> None:
        super().set_faults([self.repairs.fault(), *faults])

    def start(self) -> FaultProxy:
        super().start()
        # The handler writes headers and body in two sends; without TCP_NODELAY, Nagle's
        # algorithm and the client's delayed ACK add ~40 ms to every answer.
        assert self._server is not None
        self._server.RequestHandlerClass.disable_nagle_algorithm = True  # type: ignore[attr-defined]
        return self

    def _forward(self, request: ProxiedRequest) -> ProxiedResponse:
        refused = self.repairs.intercept(request)
        if refused is None:
            return super()._forward(request)
        with self._lock:
            faults = [f for f in self.faults if f.name != "repairs:moto"]
        for fault in faults:
            changed = fault.rewrite(request, refused)
            if changed is not None:
                refused = changed
        return refused


# --- the faults ------------------------------------------------------------------------------


def disable_does_not_stick() -> Fault:
    """DisableKey answers success, but the key goes on being described as Enabled."""
    disabled: set[tuple[str, str]] = set()

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if not _ok(request, response):
            return None
        key = _key(request)
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
                return _kms_json(response, doc)
        return None

    return Fault("kms:DisableKey-does-not-stick", "a disabled key is described as Enabled", rewrite)


def tags_are_lost() -> Fault:
    """TagResource answers success, but ListResourceTags no longer lists the tags it added."""
    added: dict[tuple[str, str], set[str]] = {}

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if not _ok(request, response):
            return None
        key = _key(request)
        body = request.json() if isinstance(request.json(), dict) else {}
        if request.operation == "TagResource":
            tags = body.get("Tags") or []
            added.setdefault(key, set()).update(str(t.get("TagKey")) for t in tags if isinstance(t, dict))
        elif request.operation == "ListResourceTags" and added.get(key):
            doc = response.json()
            if isinstance(doc, dict) and isinstance(doc.get("Tags"), list):
                doc["Tags"] = [t for t in doc["Tags"] if t.get("TagKey") not in added[key]]
                return _kms_json(response, doc)
        return None

    return Fault("kms:TagResource-tags-lost", "tags added by TagResource are not listed", rewrite)


def replica_change_reaches_primary() -> Fault:
    """UpdateKeyDescription of a replica also shows on its primary (an independent property)."""
    primaries: dict[tuple[str, str], str] = {}
    leaked: dict[tuple[str, str], str] = {}

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if not _ok(request, response):
            return None
        region, key_id = _key(request)
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
                return _kms_json(response, doc)
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
        region, key_id = _key(request)
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
        return _kms_json(response, _replica_answer(primary, region, request), status=200)

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


def pc_deletion_does_not_stick() -> Fault:
    """Payment Cryptography DeleteKey answers success, but GetKey shows the key CREATE_COMPLETE."""
    deleted: set[str] = set()

    def rewrite(request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        if not _ok(request, response, "payment-cryptography"):
            return None
        body = request.json() if isinstance(request.json(), dict) else {}
        arn = str(body.get("KeyIdentifier"))
        if request.operation == "DeleteKey":
            deleted.add(arn)
        elif request.operation == "GetKey" and arn in deleted:
            doc = response.json()
            key = doc.get("Key") if isinstance(doc, dict) else None
            if isinstance(key, dict) and key.get("KeyState") == "DELETE_PENDING":
                key.update(KeyState="CREATE_COMPLETE", Enabled=True)
                key.pop("DeletePendingTimestamp", None)
                return response.with_json(doc)
        return None

    return Fault("pc:DeleteKey-does-not-stick", "a deleted key is shown CREATE_COMPLETE", rewrite)
