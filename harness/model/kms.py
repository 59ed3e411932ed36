"""Reference model of KMS keys across Regions.

The model knows what the documentation says happens to a key, so it can predict
the answer to a call (:meth:`KmsModel.predict`) and follow the answer into its
state (:meth:`KmsModel.apply`). It is plain Python: no boto3, no network.

``complete`` says whether the model has seen every call the target ever got (a
fresh emulator): then a key it does not know does not exist. Otherwise (a replay
that starts mid-history) an unknown key is learned from the answer, and the
outcome of a call on it is not predicted.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.exchange import Call, Exchange
from harness.oracle import kms as oracle
from harness.oracle.predict import Prediction, Violation, predict

SERVICE = "kms"

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_MRK = re.compile(r"^mrk-[0-9a-f]{32}$", re.IGNORECASE)
_KEY_ARN = re.compile(
    r"^arn:(?P<partition>[a-z0-9-]+):kms:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):key/(?P<id>.+)$"
)


@dataclass
class KmsKey:
    """What the model knows of one key in one Region."""

    key_id: str
    arn: str
    region: str
    key_spec: str = "SYMMETRIC_DEFAULT"
    key_usage: str = "ENCRYPT_DECRYPT"
    origin: str = "AWS_KMS"
    multi_region: bool = False
    state: str = "Enabled"
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    replica_of: str | None = None
    """For a replica, the primary's Region."""
    replica_regions: set[str] = field(default_factory=set)
    """For a multi-Region primary, the Regions that hold a replica."""


@dataclass(frozen=True, slots=True)
class KeyRef:
    """How a request named a key: the id it resolves to, or why it resolves to nothing."""

    key_id: str | None
    region_mismatch: bool = False
    malformed: bool = False


def parse_key_ref(value: Any, region: str, known: Container[str] = ()) -> KeyRef:
    """Resolve a KeyId member (key ID or key ARN) as KMS documents it (rulebook rules 8-14).

    An id or ARN the target itself handed out (``known``; a mapping sends ARNs to key
    ids) resolves whatever its format: the format of ids and ARNs is an answer rule of
    its own, and the model must follow the target's keys to judge what comes next.
    """
    if not isinstance(value, str):
        return KeyRef(None, malformed=True)
    if value in known:
        return KeyRef(known[value] if isinstance(known, Mapping) else value)
    arn = _KEY_ARN.match(value)
    if arn:
        return KeyRef(arn["id"], region_mismatch=arn["region"] != region)
    if _UUID.match(value) or _MRK.match(value):
        return KeyRef(value)
    return KeyRef(None, malformed=True)


@dataclass
class KmsModel:
    complete: bool = True
    keys: dict[tuple[str, str], KmsKey] = field(default_factory=dict)
    """(region, key id) -> key."""

    def key(self, region: str, key_id: str | None) -> KmsKey | None:
        return self.keys.get((region, key_id)) if key_id else None

    def ref(self, value: Any, region: str) -> KeyRef:
        ref = parse_key_ref(value, region, self._names.get(region, {}))
        if ref.key_id is None and isinstance(value, str):
            for names in self._names.values():
                if names.get(value, value) != value:
                    # An ARN the target gave for a key of another Region (rule 13). A plain
                    # key id of another Region is not a mismatch: it may exist here too.
                    return KeyRef(None, region_mismatch=True)
        return ref

    def __post_init__(self) -> None:
        # Per Region: every id and ARN the target handed out -> the key id.
        self._names: dict[str, dict[str, str]] = {}
        for (region, key_id), key in self.keys.items():
            self._remember(region, key_id, key.arn)

    def _remember(self, region: str, key_id: str, arn: str) -> None:
        names = self._names.setdefault(region, {})
        names[key_id] = key_id
        if arn:
            names[arn] = key_id

    # -- prediction -------------------------------------------------------------------

    def predict(self, call: Call, region: str) -> Prediction | None:
        params = call.params
        handler = getattr(self, f"_predict_{call.operation}", None)
        if handler is None:
            return None
        result: Prediction | None = handler(params, region)
        return result

    def _missing(self, ref: KeyRef) -> Prediction | None:
        """The prediction for a key reference that names no key the model knows."""
        if ref.malformed or ref.region_mismatch or self.complete:
            # Rules 11-13: malformed ids, ids of other Regions and unknown keys all get
            # NotFoundException (recorded for each case).
            return predict(None, [Violation(oracle.KEY_NOT_FOUND.id, "/KeyId")])
        return None  # mid-history: the key may exist; the answer will tell

    def _predict_CreateKey(self, params: Mapping[str, Any], region: str) -> Prediction:
        prediction = predict(oracle.VALID_CREATE_KEY.id, oracle.create_key_violations(params, region=region))
        return prediction.with_facts(oracle.create_key_facts(params, region=region))

    def _predict_DescribeKey(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        ref = self.ref(params.get("KeyId"), region)
        if self.key(region, ref.key_id) is None or ref.region_mismatch:
            return self._missing(ref)
        return predict(oracle.VALID_DESCRIBE_KEY.id, [])

    def _predict_TagResource(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        ref = self.ref(params.get("KeyId"), region)
        key = self.key(region, ref.key_id)
        if key is None or ref.region_mismatch:
            return self._missing(ref)
        violations = oracle.tag_resource_violations(params, existing_keys=list(key.tags))
        return predict(oracle.VALID_TAG_RESOURCE.id, violations)

    def _predict_ReplicateKey(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        ref = self.ref(params.get("KeyId"), region)
        key = self.key(region, ref.key_id)
        if key is None or ref.region_mismatch:
            return self._missing(ref)
        target = params.get("ReplicaRegion")
        if not key.multi_region or key.replica_of is not None or key.state != "Enabled":
            return None  # primary-key and key-state rules: issue 4
        if target == region or target in key.replica_regions:
            return None  # same-Region and existing-replica rules: issue 4
        primary = {
            "KeyId": key.key_id,
            "Arn": key.arn,
            "KeySpec": key.key_spec,
            "KeyUsage": key.key_usage,
            "Origin": key.origin,
        }
        prediction = predict(oracle.VALID_REPLICATE_KEY.id, oracle.replicate_key_violations(params))
        return prediction.with_facts(oracle.replicate_key_facts(params, primary=primary, region=region))

    # -- following answers ------------------------------------------------------------

    def apply(self, exchange: Exchange) -> None:
        """Update the model from a successful answer (failed calls change nothing)."""
        if not exchange.ok or not isinstance(exchange.body, dict):
            return
        handler = getattr(self, f"_apply_{exchange.operation}", None)
        if handler is not None:
            handler(exchange.request, exchange.body, exchange.region)

    def _learn(self, metadata: Any, region: str) -> KmsKey | None:
        if not isinstance(metadata, dict) or not isinstance(metadata.get("KeyId"), str):
            return None
        key_id = metadata["KeyId"]
        key = self.keys.get((region, key_id))
        if key is None:
            key = KmsKey(key_id=key_id, arn=str(metadata.get("Arn") or ""), region=region)
            self.keys[(region, key_id)] = key
            self._remember(region, key_id, key.arn)
        for attr, member in (
            ("key_spec", "KeySpec"),
            ("key_usage", "KeyUsage"),
            ("origin", "Origin"),
            ("state", "KeyState"),
            ("description", "Description"),
        ):
            if isinstance(metadata.get(member), str):
                setattr(key, attr, metadata[member])
        if isinstance(metadata.get("MultiRegion"), bool):
            key.multi_region = metadata["MultiRegion"]
        return key

    def _apply_CreateKey(self, request: Mapping[str, Any], body: Mapping[str, Any], region: str) -> None:
        key = self._learn(body.get("KeyMetadata"), region)
        if key is None:
            return
        # The request is what the documentation says the key is made of; the answer
        # is checked against it elsewhere, the model keeps the documented values.
        key.key_spec = oracle.effective_key_spec(request)
        key.key_usage = str(request.get("KeyUsage") or "ENCRYPT_DECRYPT")
        key.origin = str(request.get("Origin") or "AWS_KMS")
        key.multi_region = bool(request.get("MultiRegion"))
        key.description = str(request.get("Description") or "")
        key.state = "PendingImport" if key.origin == "EXTERNAL" else "Enabled"
        key.tags = _tag_dict(request.get("Tags"))

    def _apply_DescribeKey(self, request: Mapping[str, Any], body: Mapping[str, Any], region: str) -> None:
        if self.key(region, _id_of(body.get("KeyMetadata"))) is None:
            self._learn(body.get("KeyMetadata"), region)

    def _apply_TagResource(self, request: Mapping[str, Any], body: Mapping[str, Any], region: str) -> None:
        key = self.key(region, self.ref(request.get("KeyId"), region).key_id)
        if key is not None:
            key.tags.update(_tag_dict(request.get("Tags")))

    def _apply_ReplicateKey(self, request: Mapping[str, Any], body: Mapping[str, Any], region: str) -> None:
        target = request.get("ReplicaRegion")
        primary = self.key(region, self.ref(request.get("KeyId"), region).key_id)
        if not isinstance(target, str):
            return
        replica = self._learn(body.get("ReplicaKeyMetadata"), target)
        if replica is None:
            return
        if primary is not None:
            primary.replica_regions.add(target)
            replica.key_spec, replica.key_usage, replica.origin = (
                primary.key_spec,
                primary.key_usage,
                primary.origin,
            )
        replica.multi_region = True
        replica.replica_of = region
        # Independent properties come from the request, never from the primary (rule 48).
        replica.description = str(request.get("Description") or "")
        replica.tags = _tag_dict(request.get("Tags"))


def _tag_dict(tags: Any) -> dict[str, str]:
    if not isinstance(tags, list):
        return {}
    return {
        t["TagKey"]: str(t.get("TagValue", ""))
        for t in tags
        if isinstance(t, dict) and isinstance(t.get("TagKey"), str)
    }


def _id_of(metadata: Any) -> str | None:
    return metadata.get("KeyId") if isinstance(metadata, dict) else None
