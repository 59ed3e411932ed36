"""What a successful KMS answer must show, given what the reference model knows of a key.

Each function turns the model's record of a key into :class:`~harness.oracle.predict.Fact`
records, one per documented property, for the rules of :mod:`harness.services.kms.state_rules`.
A property the model does not know gives no fact. Fact names say which property and which
operation set it (``KeyState after DisableKey``): they are part of a finding's id, so one
fault keeps one id, and two faults in different operations get two.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.model.matchers import JsonText, Number, OneOf, Page, SameItems
from harness.oracle.predict import ABSENT, Fact
from harness.services.kms import state_rules as states
from harness.services.kms.keys import KmsKey

#: KeyMetadata members a multi-Region family shares (rule 50: key ID, key spec and
#: encryption algorithms, key usage, key material origin).
SHARED_MEMBERS = (
    "KeySpec",
    "CustomerMasterKeySpec",
    "KeyUsage",
    "Origin",
    "EncryptionAlgorithms",
    "SigningAlgorithms",
    "MacAlgorithms",
    "KeyAgreementAlgorithms",
)

_META = "/KeyMetadata"


def shared_of(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The shared members as a KeyMetadata shows them (:data:`ABSENT` where it has none)."""
    return {member: metadata.get(member, ABSENT) for member in SHARED_MEMBERS}


def _state_facts(key: KmsKey) -> list[Fact]:
    if key.state is None:
        return []
    cause = key.causes.get("state", "CreateKey")
    rule = states.DESCRIBE_STATE.id
    shown: Any = key.state if key.settles_to is None else OneOf((key.state, key.settles_to))
    # Enabled == (KeyState == Enabled) is an answer rule (kms.key-metadata.enabled-state).
    found = [Fact(rule, f"{_META}/KeyState", f"KeyState after {cause}", shown)]
    if key.settles_to is not None:
        return found
    if key.state == states.PENDING_DELETION:
        found.append(Fact(rule, f"{_META}/DeletionDate", "DeletionDate while PendingDeletion", Number()))
    elif key.state == states.PENDING_REPLICA_DELETION:
        # Rule 40: the waiting period starts only once the last replica is deleted.
        prd = states.SCHEDULE_REPLICA_DELETION.id
        found.append(Fact(prd, f"{_META}/DeletionDate", "no DeletionDate while replicas remain", ABSENT))
        if key.pending_window is not None:
            found.append(
                Fact(prd, f"{_META}/PendingDeletionWindowInDays", "the scheduled window", key.pending_window)
            )
    elif key.state in (states.ENABLED, states.DISABLED, states.PENDING_IMPORT):
        found.append(Fact(rule, f"{_META}/DeletionDate", f"no DeletionDate after {cause}", ABSENT))
    return found


def _multi_region_facts(key: KmsKey, family: Mapping[str, KmsKey]) -> list[Fact]:
    config = f"{_META}/MultiRegionConfiguration"
    conf, arn_rule, shared = (
        states.MR_CONFIGURATION.id,
        states.MR_ARN.id,
        states.MR_SHARED.id,
    )
    role = "the primary" if key.is_primary else "a replica"
    found = [
        Fact(conf, f"{_META}/MultiRegion", "MultiRegion of a multi-Region key", True),
        Fact(arn_rule, f"{_META}/Arn", f"Arn of {role}", key.arn),
        Fact(shared, f"{_META}/KeyId", "KeyId shared", key.key_id),
    ]
    found.extend(
        Fact(shared, f"{_META}/{member}", f"{member} shared", value) for member, value in key.shared.items()
    )
    primary = family.get(key.primary_region or "")
    if key.primary_region is None or primary is None:
        return found
    if any(states.UPDATING in (m.state, m.settles_to) for m in family.values()):
        # UpdatePrimaryRegion: while a key of the family may still be Updating, DescribeKey
        # "might display both the old and new primary keys as replicas": roles are not judged.
        return found
    found.append(
        Fact(
            conf,
            f"{config}/PrimaryKey",
            f"PrimaryKey of {role}",
            {"Arn": primary.arn, "Region": primary.region},
        )
    )
    if key.is_primary:
        found.append(
            Fact(conf, f"{config}/MultiRegionKeyType", "MultiRegionKeyType of the primary", "PRIMARY")
        )
        if key.family_known:
            replicas = [
                {"Arn": member.arn, "Region": region}
                for region, member in family.items()
                if region != key.region
            ]
            found.append(
                Fact(conf, f"{config}/ReplicaKeys", "ReplicaKeys of the primary", SameItems.of(replicas))
            )
    else:
        found.append(Fact(conf, f"{config}/MultiRegionKeyType", "MultiRegionKeyType of a replica", "REPLICA"))
    return found


def describe_key(key: KmsKey, family: Mapping[str, KmsKey]) -> list[Fact]:
    """DescribeKey of ``key`` (rules 38-41 and 48-50)."""
    found = _state_facts(key)
    if key.description is not None:
        cause = key.causes.get("description", "CreateKey")
        found.append(
            Fact(
                states.DESCRIBE_DESCRIPTION.id,
                f"{_META}/Description",
                f"Description after {cause}",
                key.description,
            )
        )
    if key.multi_region:
        found.extend(_multi_region_facts(key, family))
    return found


#: ListResourceTags Limit when the request has none (botocore: "it defaults to 50").
DEFAULT_TAGS_LIMIT = 50


def list_resource_tags(key: KmsKey, params: Mapping[str, Any]) -> list[Fact]:
    """The page shows only the key's tags, no more than Limit, and the whole set when it is the
    first and last page (not Truncated). A page may hold fewer than Limit ("might return fewer")."""
    asked = params.get("Limit")
    limit: int = asked if isinstance(asked, int) and not isinstance(asked, bool) and asked > 0 else 0
    limit = limit or DEFAULT_TAGS_LIMIT
    pairs = None if key.tags is None else [{"TagKey": k, "TagValue": v} for k, v in key.tags.items()]
    allowed = tuple(pairs) if pairs is not None else None
    page = Page("Tags", limit, allowed, more="Truncated", marker="NextMarker")
    found = [Fact(states.LIST_TAGS.id, "", "a page of the key's tags within Limit", page)]
    if pairs is None or "Marker" in params:
        return found  # a later page holds only the rest
    cause = key.causes.get("tags", "CreateKey")
    found.append(
        Fact(states.LIST_TAGS.id, "/Tags", f"Tags after {cause}", SameItems.of(pairs), unless="/Truncated")
    )
    return found


def get_key_policy(key: KmsKey) -> list[Fact]:
    # PolicyName is optional in GetKeyPolicyResponse and no recorded answer shows it: its value
    # is judged only when it is there.
    found = [Fact(states.GET_POLICY_VALID.id, "/PolicyName", "PolicyName", "default", optional=True)]
    if key.policy is not None:
        cause = key.causes.get("policy", "CreateKey")
        found.append(
            Fact(states.GET_POLICY_VALID.id, "/Policy", f"Policy after {cause}", JsonText.of(key.policy))
        )
    return found


def schedule_key_deletion(key: KmsKey, window: int, with_replicas: bool) -> list[Fact]:
    """Rule 40: the answer names the key by ARN and says what the deletion did.

    Every member of ScheduleKeyDeletionResponse is optional and none is recorded: the values are
    documented, their presence is not, so each is judged only when present. The *absence* of
    DeletionDate for a primary with replicas is documented ("this field does not appear").
    """
    valid = states.SCHEDULE_VALID.id
    found = [
        Fact(valid, "/KeyId", "KeyId is the key ARN", key.arn, optional=True),
        Fact(valid, "/PendingWindowInDays", "PendingWindowInDays", window, optional=True),
    ]
    if with_replicas:
        prd = states.SCHEDULE_REPLICA_DELETION.id
        found.append(
            Fact(
                prd,
                "/KeyState",
                "KeyState of a primary with replicas",
                states.PENDING_REPLICA_DELETION,
                optional=True,
            )
        )
        found.append(Fact(prd, "/DeletionDate", "no DeletionDate while replicas remain", ABSENT))
    else:
        found.append(Fact(valid, "/KeyState", "KeyState", states.PENDING_DELETION, optional=True))
        found.append(Fact(valid, "/DeletionDate", "DeletionDate", Number(), optional=True))
    return found


def cancel_key_deletion(key: KmsKey) -> list[Fact]:
    """Rule 41: the answer names the key by its ARN."""
    return [Fact(states.CANCEL_VALID.id, "/KeyId", "KeyId is the key ARN", key.arn, optional=True)]
