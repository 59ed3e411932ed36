"""Sequence faults for the stateful machines' self-tests, and the repairs that make moto quiet.

The sequence faults themselves are each service's fault catalogue
(``harness/services/<service>/faults.py``). The stateful machine must catch each, and stay
silent without it.

moto diverges from the documented KMS key lifecycle in many places (see the
shipped harness/data/baselines/emulator.json). A silent twin needs answers that follow the model, so
:class:`MotoRepairs` makes moto answer as KMS documents for the steps the self-tests draw:
it refuses, without forwarding, the calls the key-state table forbids (which moto accepts),
and corrects the answers moto gets wrong. It is test rig, never the conformance path: the
suite always talks to moto itself. A caught/silent pair runs the same repairs and differs
only by the fault.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from harness.services.kms.faults import KMS_JSON, PENDING, key_of, kms_json, ok
from harness.testing.fault_proxy import (
    Fault,
    FaultProxy,
    ProxiedRequest,
    ProxiedResponse,
    error_answer,
    region_of,
)


def refuse(code: str, message: str) -> ProxiedResponse:
    """The KMS error answer a repair gives instead of forwarding a call KMS refuses."""
    return error_answer(code, message, KMS_JSON)


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
        region, key_id = key_of(request)
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
            return refuse("KMSInvalidStateException", f"{key.arn} is pending deletion.")
        if operation in ("EnableKey", "DisableKey") and key.state == "PendingImport":
            return refuse("KMSInvalidStateException", f"{key.arn} is pending import.")
        if operation == "ScheduleKeyDeletion":
            window = body.get("PendingWindowInDays")
            if isinstance(window, int) and not 7 <= window <= 30:
                return refuse("ValidationException", "PendingWindowInDays must be between 7 and 30")
        if operation == "CancelKeyDeletion" and key.state not in PENDING:
            return refuse("KMSInvalidStateException", f"{key.arn} is not pending deletion.")
        return None

    def _refuse_replica(
        self, key: _Tracked, region: str, target: Any, replicas: set[str]
    ) -> ProxiedResponse | None:
        if key.primary_region != region:
            return refuse("UnsupportedOperationException", f"{key.arn} is not a multi-region primary key.")
        if target == region:
            return refuse("ValidationException", "a replica cannot be in its primary's Region")
        if target in replicas:
            return refuse("AlreadyExistsException", f"{key.arn} already has a replica in {target}")
        if key.state == "Disabled":
            return refuse("DisabledException", f"{key.arn} is disabled.")
        if key.state in PENDING:
            return refuse("KMSInvalidStateException", f"{key.arn} is pending deletion.")
        if key.state == "PendingImport":
            return refuse("KMSInvalidStateException", f"{key.arn} is pending import.")
        return None

    def rewrite(self, request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        """Follow and correct a successful answer moto gave."""
        if not ok(request, response):
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
        return kms_json(response, doc)

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
        return kms_json(response, doc)

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
        return kms_json(response, doc)

    def _state(self, request: ProxiedRequest, state: str) -> _Tracked | None:
        key = self.keys.get(key_of(request))
        if key is not None:
            key.state = state
        return key

    def _on_EnableKey(self, request: ProxiedRequest, response: ProxiedResponse) -> None:
        self._state(request, "Enabled")

    def _on_DisableKey(self, request: ProxiedRequest, response: ProxiedResponse) -> None:
        self._state(request, "Disabled")

    def _on_UpdateKeyDescription(self, request: ProxiedRequest, response: ProxiedResponse) -> None:
        key = self.keys.get(key_of(request))
        if key is not None:
            key.description = None  # moto now holds the right description for this key

    def _on_ScheduleKeyDeletion(
        self, request: ProxiedRequest, response: ProxiedResponse
    ) -> ProxiedResponse | None:
        region, key_id = key_of(request)
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
        return kms_json(response, doc)

    def _on_CancelKeyDeletion(
        self, request: ProxiedRequest, response: ProxiedResponse
    ) -> ProxiedResponse | None:
        key = self._state(request, "Disabled")
        if key is None:
            return None
        key.window = None
        return kms_json(response, {"KeyId": key.arn})


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
