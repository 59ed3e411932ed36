"""KMS key states and ReplicateKey/UpdatePrimaryRegion state rules (rulebook sections 6-7).

Rules here depend on the state of a key, which the reference model (harness.services.kms.model) tracks.
The predicates are pure functions of a :class:`KeyView`, a small record the model builds from
what it knows; they return the :class:`~harness.oracle.predict.Violation` records of the rules a
call breaks, exactly like the request predicates of :mod:`harness.services.kms.rules`.

The [KS] table (rulebook rule 38) also documents failures in the transient states ``Creating``
(footnote 14) and ``Updating`` (footnote 15). A key leaves them "after a few seconds" [API-RK],
so whether it is still in one when the next call arrives depends on timing: where the answer in
the transient state differs from the answer in the state it settles to, no prediction is made
(:data:`TIMING`), and the reference model waits for a DescribeKey to say which state the key is in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from harness.oracle.predict import Violation
from harness.oracle.rules import RULES, Evidence, Rule, any_4xx, error

SERVICE = "kms"

KS = "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html"
API_RK = "https://docs.aws.amazon.com/kms/latest/APIReference/API_ReplicateKey.html"
API_UPR = "https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdatePrimaryRegion.html"
API_SKD = "https://docs.aws.amazon.com/kms/latest/APIReference/API_ScheduleKeyDeletion.html"
API_CKD = "https://docs.aws.amazon.com/kms/latest/APIReference/API_CancelKeyDeletion.html"
API_GKP = "https://docs.aws.amazon.com/kms/latest/APIReference/API_GetKeyPolicy.html"
MRK = "https://docs.aws.amazon.com/kms/latest/developerguide/multi-region-keys-overview.html"

# --- key states (botocore kms KeyState enum) ------------------------------------------------

ENABLED: Final = "Enabled"
DISABLED: Final = "Disabled"
PENDING_DELETION: Final = "PendingDeletion"
PENDING_REPLICA_DELETION: Final = "PendingReplicaDeletion"
PENDING_IMPORT: Final = "PendingImport"
UNAVAILABLE: Final = "Unavailable"
CREATING: Final = "Creating"
UPDATING: Final = "Updating"

PENDING = frozenset({PENDING_DELETION, PENDING_REPLICA_DELETION})
TRANSIENT = frozenset({CREATING, UPDATING})

#: Default and documented range of ScheduleKeyDeletion's PendingWindowInDays (rule 40, D1).
DEFAULT_PENDING_WINDOW = 30
DOCUMENTED_WINDOW = range(7, 31)
MODELLED_WINDOW = range(1, 366)


_OWN: list[Rule] = []


def _add(rule: Rule) -> Rule:
    _OWN.append(RULES.add(rule))
    return rule


def _state_rule(
    rule_id: str,
    operations: tuple[str, ...],
    title: str,
    source: str,
    *codes: str,
    note: str = "",
    evidence: Evidence,
    checked: str,
    source_date: str | None = None,
) -> Rule:
    return _add(
        Rule(
            id=rule_id,
            service=SERVICE,
            operations=operations,
            title=title,
            source=source,
            expectation=error(*codes),
            note=note,
            evidence=evidence,
            checked=checked,
            source_date=source_date,
        )
    )


def _valid(
    rule_id: str,
    operation: str,
    title: str,
    source: str,
    note: str = "",
    *,
    evidence: Evidence,
    checked: str,
    source_date: str | None = None,
) -> Rule:
    return _add(
        Rule(
            id=rule_id,
            service=SERVICE,
            operations=(operation,),
            title=title,
            source=source,
            note=note,
            evidence=evidence,
            checked=checked,
            source_date=source_date,
        )
    )


def _fact_rule(
    rule_id: str,
    operations: tuple[str, ...],
    title: str,
    source: str,
    note: str = "",
    *,
    evidence: Evidence,
    checked: str,
    source_date: str | None = None,
) -> Rule:
    """A rule about what a successful answer says of the key's state (checked as facts)."""
    return _add(
        Rule(
            id=rule_id,
            service=SERVICE,
            kind="state",
            operations=operations,
            title=title,
            source=source,
            note=note,
            evidence=evidence,
            checked=checked,
            source_date=source_date,
        )
    )


# --- rule 38: what each key state allows ---------------------------------------------------

PENDING_DELETION_STATE = _state_rule(
    "kms.key-state.pending-deletion",
    ("EnableKey", "DisableKey", "ScheduleKeyDeletion", "TagResource", "UntagResource"),
    "EnableKey, DisableKey, ScheduleKeyDeletion, TagResource and UntagResource on a key that is "
    "PendingDeletion or PendingReplicaDeletion are rejected with KMSInvalidStateException.",
    f"rulebook rules 36 and 38 ([KS] footnote 3); {KS}",
    "KMSInvalidStateException",
    evidence="documented",
    checked="2026-11-29",
    source_date="2022-12-05",
)
PENDING_IMPORT_STATE = _state_rule(
    "kms.key-state.pending-import",
    ("EnableKey", "DisableKey"),
    "EnableKey and DisableKey on a key that is PendingImport (Origin EXTERNAL, no key material) "
    "are rejected with KMSInvalidStateException.",
    f"rulebook rules 24 and 38 ([KS] footnote 5); {KS}",
    "KMSInvalidStateException",
    evidence="documented",
    checked="2026-11-29",
    source_date="2022-12-05",
)
CANCEL_NOT_PENDING = _state_rule(
    "kms.cancel-deletion.not-pending",
    ("CancelKeyDeletion",),
    "CancelKeyDeletion on a key that is not pending deletion (or pending replica deletion) is "
    "rejected with KMSInvalidStateException.",
    f"rulebook rules 38 and 41 ([KS] footnote 4); {API_CKD}",
    "KMSInvalidStateException",
    evidence="documented",
    checked="2026-11-29",
    source_date="2022-12-05",
)
ENABLE_VALID = _valid(
    "kms.enable-key.valid",
    "EnableKey",
    "EnableKey of an Enabled or Disabled key succeeds (an Enabled key stays Enabled) and leaves it Enabled.",
    f"rulebook rules 38-39; {KS}; https://docs.aws.amazon.com/kms/latest/APIReference/API_EnableKey.html",
    evidence="documented",
    checked="2026-11-29",
    source_date="2022-12-05",
)
DISABLE_VALID = _valid(
    "kms.disable-key.valid",
    "DisableKey",
    "DisableKey of an Enabled or Disabled key succeeds and leaves it Disabled; the replicas and the "
    "primary of a multi-Region key keep their own state.",
    f"rulebook rules 38, 39 and 50; {KS}; {MRK}",
    evidence="documented",
    checked="2026-11-29",
    source_date="2022-12-05",
)

# --- rules 40-41: deletion windows ---------------------------------------------------------

SCHEDULE_VALID = _valid(
    "kms.schedule-deletion.valid",
    "ScheduleKeyDeletion",
    "ScheduleKeyDeletion with PendingWindowInDays 7..30 (default 30) succeeds on a key that is not "
    "pending deletion; the answer names the key by its ARN and gives DeletionDate, KeyState "
    "PendingDeletion and PendingWindowInDays, and the key becomes PendingDeletion (Enabled false).",
    f"rulebook rule 40; botocore kms ScheduleKeyDeletionResponse; {API_SKD}",
    evidence="documented",
    checked="2026-11-29",
)
SCHEDULE_WINDOW = _add(
    Rule(
        id="kms.schedule-deletion.window",
        service=SERVICE,
        operations=("ScheduleKeyDeletion",),
        title="ScheduleKeyDeletion with PendingWindowInDays outside 7..30 is rejected.",
        source=f"rulebook rule 40 and D1; {API_SKD} (PendingWindowInDays: 'between 7 and 30')",
        expectation=any_4xx("a 4xx error: the docs name no code for a window outside 7..30"),
        note=(
            "D1: the doc says 7..30 and the botocore model 1..365, so 1..6 and 31..365 get past "
            "client validation and the server must reject them. No code is documented "
            "(ValidationException is likely): any 4xx is accepted. Values outside 1..365 are "
            "not sent (they break the model's constraint, a different rule)."
        ),
        evidence="documented",
        checked="2026-11-29",
    )
)
SCHEDULE_REPLICA_DELETION = _fact_rule(
    "kms.schedule-deletion.pending-replica-deletion",
    ("ScheduleKeyDeletion", "DescribeKey"),
    "Scheduling the deletion of a multi-Region primary that still has replicas makes it "
    "PendingReplicaDeletion with no DeletionDate; DescribeKey then shows PendingDeletionWindowInDays.",
    f"rulebook rule 40; {API_SKD}",
    evidence="documented",
    checked="2026-11-29",
)
CANCEL_VALID = _valid(
    "kms.cancel-deletion.valid",
    "CancelKeyDeletion",
    "CancelKeyDeletion of a key pending deletion succeeds, answers with the key ARN, and leaves the "
    "key Disabled (not Enabled) with no DeletionDate.",
    f"rulebook rule 41; botocore kms CancelKeyDeletionResponse; {API_CKD}",
    evidence="documented",
    checked="2026-11-29",
)

# --- tags, description, policy --------------------------------------------------------------

UNTAG_VALID = _valid(
    "kms.untag-resource.valid",
    "UntagResource",
    "UntagResource of a key that is not pending deletion succeeds, also for tag keys the key "
    "does not have (silently).",
    "rulebook rule 36; https://docs.aws.amazon.com/kms/latest/APIReference/API_UntagResource.html",
    evidence="recorded",
    checked="2026-11-29",
    source_date="2025-01-10",
)
UPDATE_DESCRIPTION_VALID = _valid(
    "kms.update-key-description.valid",
    "UpdateKeyDescription",
    "UpdateKeyDescription of an Enabled or Disabled key succeeds and sets that key's description "
    "only (replicas and primary keep their own).",
    "botocore kms UpdateKeyDescription doc; rulebook rule 50 (description is independent); "
    "https://docs.aws.amazon.com/kms/latest/APIReference/API_UpdateKeyDescription.html",
    note=(
        "The [KS] table in the rulebook (rule 38) does not list UpdateKeyDescription, so only "
        "the Enabled and Disabled states, where the operation exists to be used, are predicted."
    ),
    evidence="documented",
    checked="2026-11-29",
)
LIST_TAGS = _fact_rule(
    "kms.list-resource-tags.tags",
    ("ListResourceTags",),
    "ListResourceTags succeeds in every key state and lists exactly the key's tags: those of "
    "CreateKey or ReplicateKey, upserted by TagResource, removed by UntagResource; the tags of a "
    "primary and its replicas are independent.",
    "rulebook rules 32, 36, 48 and 50; "
    "https://docs.aws.amazon.com/kms/latest/APIReference/API_ListResourceTags.html",
    note="Order is not documented: the tags are compared as a set of key/value pairs.",
    evidence="recorded",
    checked="2026-11-29",
    source_date="2025-01-17",
)
LIST_TAGS_LIMIT = _add(
    Rule(
        id="kms.list-resource-tags.limit",
        service=SERVICE,
        operations=("ListResourceTags",),
        title="ListResourceTags with a Limit above 50 is rejected (the documented range is 1..50).",
        source=(
            "rulebook rule 37 and D2; botocore kms ListResourceTagsRequest.Limit doc ('If you include a "
            "value, it must be between 1 and 50, inclusive. If you do not include a value, it defaults to "
            "50.'); https://docs.aws.amazon.com/kms/latest/APIReference/API_ListResourceTags.html"
        ),
        expectation=any_4xx("a 4xx error: the docs name no code for a Limit of 51..1000"),
        note=(
            "D2: the doc says 1..50 and botocore's LimitType 1..1000, so 51..1000 gets past client "
            "validation and the server must reject it, as for PendingWindowInDays (D1). No code is "
            "documented: any 4xx. Values outside 1..1000 break the model's constraint, another rule."
        ),
        evidence="documented",
        checked="2026-11-29",
    )
)
GET_POLICY_VALID = _fact_rule(
    "kms.get-key-policy.valid",
    ("GetKeyPolicy",),
    "GetKeyPolicy with PolicyName omitted or 'default' succeeds in every key state and returns the "
    "key's policy (the one given at CreateKey/ReplicateKey, else the default key policy) and "
    "PolicyName 'default'.",
    f"rulebook rules 23, 38, 42 and 48; botocore kms GetKeyPolicyRequest/Response; {API_GKP}",
    note=(
        "Policies are compared as JSON documents: the service may re-serialise the text. The "
        "default policy is rule 23's, with the account and partition of the key's ARN."
    ),
    evidence="documented",
    checked="2026-11-29",
)
GET_POLICY_NO_RAM = _state_rule(
    "kms.get-key-policy.no-ram-policy",
    ("GetKeyPolicy",),
    "GetKeyPolicy with PolicyName 'AWS_RAM' for a key that has no AWS_RAM policy is rejected with "
    "NotFoundException; so may be a PolicyName that is not a valid name at all.",
    f"rulebook rule 42; {API_GKP} (botocore 1.44.5 PolicyName: 'If the KMS key doesn't have an "
    "AWS_RAM key policy, the request fails with a NotFoundException')",
    "NotFoundException",
    note=(
        "A PolicyName that breaks its constraints ('' or '!') names no policy either, and nothing "
        "orders the constraint check before the policy lookup: ValidationException or "
        "NotFoundException (registered as the PolicyName identifier rule). Other well-formed names "
        "are not predicted."
    ),
    evidence="documented",
    checked="2026-11-29",
)

# --- DescribeKey: the state the model says (rules 38-41, 48-50) -----------------------------

DESCRIBE_STATE = _fact_rule(
    "kms.describe-key.key-state",
    ("DescribeKey",),
    "DescribeKey shows the key state the documented operations left (Enabled, Disabled, "
    "PendingDeletion with a DeletionDate, PendingImport, a replica Creating then Enabled), and "
    "Enabled is true exactly when KeyState is Enabled.",
    f"rulebook rules 24, 38-41 and 48; botocore kms KeyMetadata.Enabled; {KS}",
    note=(
        "A replica may show Creating or the state it settles to (Enabled, or PendingImport for "
        "EXTERNAL origin) until a DescribeKey shows it settled; likewise Updating after "
        "UpdatePrimaryRegion."
    ),
    evidence="recorded",
    checked="2026-11-29",
    source_date="2025-11-10",
)
DESCRIBE_DESCRIPTION = _fact_rule(
    "kms.describe-key.description",
    ("DescribeKey",),
    "DescribeKey shows the description of CreateKey, of ReplicateKey (never the primary's: the "
    "request's value or empty) or of the last UpdateKeyDescription of that key in that Region.",
    f"rulebook rules 15, 48 and 50; {API_RK}; {MRK}",
    evidence="recorded",
    checked="2026-11-29",
    source_date="2025-11-10",
)
MR_CONFIGURATION = _fact_rule(
    "kms.multi-region.configuration",
    ("DescribeKey",),
    "DescribeKey of a multi-Region key shows MultiRegion true; the primary says PRIMARY, names "
    "itself as PrimaryKey and lists every replica (ARN and Region) in ReplicaKeys; a replica says "
    "REPLICA and names the primary.",
    f"rulebook rules 28, 48, 49 and 53; {MRK}",
    note="The order of ReplicaKeys is not documented: it is compared as a set.",
    evidence="recorded",
    checked="2026-11-29",
    source_date="2025-11-10",
)
MR_SHARED = _fact_rule(
    "kms.multi-region.shared-properties",
    ("DescribeKey",),
    "A multi-Region primary and its replicas share KeyId, KeySpec, KeyUsage, Origin and the "
    "algorithm lists; none of them changes over the key's life.",
    f"rulebook rules 48 and 50 ('Shared properties'); {MRK}",
    note=(
        "Compared with what the primary's CreateKey answer said, so a primary that reports its "
        "own creation wrongly is a CreateKey finding, not one of this rule."
    ),
    evidence="recorded",
    checked="2026-11-29",
    source_date="2025-11-10",
)
MR_ARN = _fact_rule(
    "kms.multi-region.arn",
    ("DescribeKey",),
    "The ARN of a replica is the primary's ARN with only the Region changed, and no ARN changes "
    "when the primary Region is updated.",
    f"rulebook rules 10 and 53; {MRK}; {API_UPR}",
    evidence="recorded",
    checked="2026-11-29",
    source_date="2025-11-10",
)

# --- rule 43-47: ReplicateKey ----------------------------------------------------------------

REPLICATE_NOT_PRIMARY = _state_rule(
    "kms.replicate-key.not-primary",
    ("ReplicateKey",),
    "ReplicateKey of a key that is not a multi-Region primary key (a replica or a single-Region key) "
    "is rejected with UnsupportedOperationException.",
    f"rulebook rule 43 [REC test_replicate_replica_key_should_fail 2025-09-08]; {API_RK}",
    "UnsupportedOperationException",
    note=(
        "Recorded for a replica; for a single-Region key the rejection is documented ('must be a "
        "multi-Region primary key') but the code is the closest modelled fit (no recording): a "
        "wrong code there is an advisory. The primary-key check runs before the Region checks "
        "(recorded), so this rule alone decides when it applies."
    ),
    evidence="recorded",
    checked="2026-11-29",
    source_date="2025-09-08",
)
REPLICATE_SAME_REGION = _add(
    Rule(
        id="kms.replicate-key.same-region",
        service=SERVICE,
        operations=("ReplicateKey",),
        title="ReplicateKey with ReplicaRegion equal to the primary key's Region is rejected.",
        source=f"rulebook rule 44 and D11; {MRK} (multi-region-keys-replicate: Replica Regions)",
        expectation=any_4xx("a 4xx error: the docs name no code for a replica in the primary's Region"),
        note="D11: the error code is not documented, so any 4xx is accepted.",
        evidence="documented",
        checked="2026-11-29",
    )
)
REPLICATE_EXISTS = _state_rule(
    "kms.replicate-key.replica-exists",
    ("ReplicateKey",),
    "ReplicateKey to a Region that already has a replica of the key (even one pending deletion) is "
    "rejected with AlreadyExistsException.",
    f"rulebook rule 45; {API_RK}",
    "AlreadyExistsException",
    evidence="documented",
    checked="2026-11-29",
)
REPLICATE_DISABLED = _state_rule(
    "kms.replicate-key.disabled",
    ("ReplicateKey",),
    "ReplicateKey of a Disabled primary key is rejected with DisabledException.",
    f"rulebook rules 38 and 47 ([KS] footnote 1); {KS}",
    "DisabledException",
    evidence="documented",
    checked="2026-11-29",
    source_date="2022-12-05",
)
REPLICATE_PENDING_DELETION = _state_rule(
    "kms.replicate-key.pending-deletion",
    ("ReplicateKey",),
    "ReplicateKey of a primary key that is PendingDeletion or PendingReplicaDeletion is rejected.",
    f"rulebook rules 38 and 47 ([KS] 'X 2 or 3'), D9; {KS}",
    "DisabledException",
    "KMSInvalidStateException",
    note="D9: [KS] leaves DisabledException or KMSInvalidStateException open; either is accepted.",
    evidence="documented",
    checked="2026-11-29",
    source_date="2022-12-05",
)
REPLICATE_PENDING_IMPORT = _state_rule(
    "kms.replicate-key.pending-import",
    ("ReplicateKey",),
    "ReplicateKey of a primary key that is PendingImport is rejected with KMSInvalidStateException.",
    f"rulebook rules 38 and 47 ([KS] footnote 5); {KS}",
    "KMSInvalidStateException",
    evidence="documented",
    checked="2026-11-29",
    source_date="2022-12-05",
)

# --- rule 53: UpdatePrimaryRegion ------------------------------------------------------------

UPR_VALID = _valid(
    "kms.update-primary-region.valid",
    "UpdatePrimaryRegion",
    "UpdatePrimaryRegion of an Enabled primary to a Region holding an Enabled replica succeeds with "
    "no body; both keys go Updating then Enabled, swap roles, and keep their ARNs.",
    f"rulebook rule 53; {API_UPR}",
    evidence="documented",
    checked="2026-11-29",
)
_UPR_NO_CODE = "a 4xx error: the docs name no code for this case"
UPR_NOT_PRIMARY = _add(
    Rule(
        id="kms.update-primary-region.not-primary",
        service=SERVICE,
        operations=("UpdatePrimaryRegion",),
        title="UpdatePrimaryRegion of a key that is not the current multi-Region primary is rejected.",
        source=f"rulebook rule 53 ('KeyId = the current primary'); {API_UPR}",
        expectation=any_4xx(_UPR_NO_CODE),
        note="The code is not documented (UnsupportedOperationException is modelled): any 4xx.",
        evidence="documented",
        checked="2026-11-29",
    )
)
UPR_NO_REPLICA = _add(
    Rule(
        id="kms.update-primary-region.no-replica",
        service=SERVICE,
        operations=("UpdatePrimaryRegion",),
        title="UpdatePrimaryRegion to a Region that has no replica of the key fails.",
        source=f"rulebook rule 53 and D11; {API_UPR}",
        expectation=any_4xx(_UPR_NO_CODE),
        note="D11: 'the operation fails', code not documented: any 4xx.",
        evidence="documented",
        checked="2026-11-29",
    )
)
UPR_REPLICA_NOT_ENABLED = _add(
    Rule(
        id="kms.update-primary-region.replica-not-enabled",
        service=SERVICE,
        operations=("UpdatePrimaryRegion",),
        title="UpdatePrimaryRegion fails when the replica in the new primary Region is not Enabled.",
        source=f"rulebook rule 53 ('Both keys must be Enabled at the start'); {API_UPR}",
        expectation=any_4xx(_UPR_NO_CODE),
        note="The code for the replica's state is not documented: any 4xx.",
        evidence="documented",
        checked="2026-11-29",
    )
)
UPR_DISABLED = _state_rule(
    "kms.update-primary-region.disabled",
    ("UpdatePrimaryRegion",),
    "UpdatePrimaryRegion of a Disabled primary key is rejected with DisabledException.",
    f"rulebook rules 38 and 53 ([KS] footnote 1); {KS}",
    "DisabledException",
    evidence="documented",
    checked="2026-11-29",
    source_date="2022-12-05",
)
UPR_PENDING_DELETION = _state_rule(
    "kms.update-primary-region.pending-deletion",
    ("UpdatePrimaryRegion",),
    "UpdatePrimaryRegion of a primary key that is PendingDeletion or PendingReplicaDeletion is rejected.",
    f"rulebook rule 38 ([KS] 'X 2 or 3'), D9; {KS}",
    "DisabledException",
    "KMSInvalidStateException",
    note="D9: DisabledException or KMSInvalidStateException; either is accepted.",
    evidence="documented",
    checked="2026-11-29",
    source_date="2022-12-05",
)


# --- the table -----------------------------------------------------------------------------


class _Timing:
    """A documented failure in a transient state: whether it applies depends on timing."""

    def __repr__(self) -> str:
        return "TIMING"


class _Undecided:
    """The rulebook does not say what the operation does in this state."""

    def __repr__(self) -> str:
        return "UNDECIDED"


TIMING: Final = _Timing()
UNDECIDED: Final = _Undecided()

Entry = Rule | _Timing | _Undecided | None
"""What a state means for an operation: ``None`` it is allowed, a :class:`Rule` it breaks that
rule, :data:`TIMING` (transient state, footnotes 14-15) or :data:`UNDECIDED` no prediction."""

_ALL_STATES = (
    ENABLED,
    DISABLED,
    PENDING_DELETION,
    PENDING_REPLICA_DELETION,
    PENDING_IMPORT,
    UNAVAILABLE,
    CREATING,
    UPDATING,
)


def _row(**overrides: Entry) -> dict[str, Entry]:
    row: dict[str, Entry] = dict.fromkeys(_ALL_STATES)
    for state, entry in overrides.items():
        row[state] = entry
    return row


_ENABLE_DISABLE = _row(
    PendingDeletion=PENDING_DELETION_STATE,
    PendingReplicaDeletion=PENDING_DELETION_STATE,
    PendingImport=PENDING_IMPORT_STATE,
    Creating=TIMING,
    Updating=TIMING,
)
_TAGS = _row(PendingDeletion=PENDING_DELETION_STATE, PendingReplicaDeletion=PENDING_DELETION_STATE)

#: Rulebook rule 38 ([KS] table, archived 2022-12): per operation, what each key state means.
STATE_TABLE: Mapping[str, Mapping[str, Entry]] = {
    "DescribeKey": _row(),
    "GetKeyPolicy": _row(),
    "ListResourceTags": _row(),
    "EnableKey": _ENABLE_DISABLE,
    "DisableKey": _ENABLE_DISABLE,
    "ScheduleKeyDeletion": _row(
        PendingDeletion=PENDING_DELETION_STATE,
        PendingReplicaDeletion=PENDING_DELETION_STATE,
        Updating=TIMING,
    ),
    "CancelKeyDeletion": {state: (None if state in PENDING else CANCEL_NOT_PENDING) for state in _ALL_STATES},
    "TagResource": _TAGS,
    "UntagResource": _TAGS,
    "ReplicateKey": _row(
        Disabled=REPLICATE_DISABLED,
        PendingDeletion=REPLICATE_PENDING_DELETION,
        PendingReplicaDeletion=REPLICATE_PENDING_DELETION,
        PendingImport=REPLICATE_PENDING_IMPORT,
        Unavailable=UNDECIDED,  # N/A in [KS]: keys in custom key stores are single-Region
        Creating=TIMING,
        Updating=TIMING,
    ),
    "UpdatePrimaryRegion": _row(
        Disabled=UPR_DISABLED,
        PendingDeletion=UPR_PENDING_DELETION,
        PendingReplicaDeletion=UPR_PENDING_DELETION,
        # X5 in [KS]; a PendingImport primary cannot have a replica yet (rule 52: replicas are
        # made after import), so the no-replica rule always applies too and the docs do not
        # order the two: no prediction rather than a guess.
        PendingImport=UNDECIDED,
        Unavailable=UNDECIDED,
        Creating=TIMING,
    ),
    "UpdateKeyDescription": {
        state: (None if state in (ENABLED, DISABLED) else UNDECIDED) for state in _ALL_STATES
    },
}


@dataclass(frozen=True, slots=True)
class KeyState:
    """A key's state as the model knows it: ``state``, and for a transient state the one it
    settles to (``Creating`` -> ``Enabled`` or ``PendingImport``; ``Updating`` -> ``Enabled``)."""

    state: str
    settles_to: str | None = None

    @property
    def possible(self) -> tuple[str, ...]:
        """The states the key may be in now."""
        return (self.state,) if self.settles_to is None else (self.state, self.settles_to)


def state_entry(operation: str, state: KeyState) -> Entry:
    """What ``state`` means for ``operation``; for a transient state, the entry both possible
    states agree on, else :data:`TIMING`."""
    row = STATE_TABLE.get(operation)
    if row is None:
        return UNDECIDED
    entries = {id(row.get(s, UNDECIDED)): row.get(s, UNDECIDED) for s in state.possible}
    if len(entries) == 1:
        (only,) = entries.values()
        return only
    return TIMING


@dataclass(frozen=True, slots=True)
class KeyView:
    """What a state predicate needs to know of a key in the Region the call went to."""

    region: str
    state: KeyState
    multi_region: bool
    primary_region: str | None
    """For a multi-Region key, the Region of the family's primary."""
    family: Mapping[str, KeyState | None]
    """For a multi-Region key, every Region holding a key of the family (this one included)
    with its state (``None`` when unknown)."""

    @property
    def is_primary(self) -> bool:
        return self.multi_region and self.primary_region == self.region


def _from_entry(
    entry: Entry, pointer: str = "/KeyId", state: KeyState | None = None
) -> list[Violation] | None:
    """``None`` for no prediction, else the violations (empty: allowed), naming the state met."""
    if isinstance(entry, Rule):
        return [Violation(entry.id, pointer, transition="|".join(state.possible) if state else "")]
    if entry is None:
        return []
    return None


def state_violations(operation: str, state: KeyState) -> list[Violation] | None:
    """The rule-38 violations of ``operation`` on a key in ``state``; ``None``: no prediction."""
    return _from_entry(state_entry(operation, state), state=state)


def replicate_key_violations(key: KeyView, replica_region: Any) -> list[Violation] | None:
    """The state rules ReplicateKey of ``key`` to ``replica_region`` breaks (rules 43-47).

    ``None`` when no prediction can be made (a transient or undocumented state).
    """
    if not key.is_primary:
        # Recorded: the primary-key check comes first (rule 43), so it decides alone. The
        # code is recorded for a replica only; for a single-Region key it is the closest fit.
        inferred: Evidence | None = None if key.multi_region else "inferred"
        return [Violation(REPLICATE_NOT_PRIMARY.id, "/KeyId", code_evidence=inferred)]
    found = _from_entry(state_entry("ReplicateKey", key.state), state=key.state)
    if found is None:
        return None
    if replica_region == key.region:
        found.append(Violation(REPLICATE_SAME_REGION.id, "/ReplicaRegion"))
    elif isinstance(replica_region, str) and replica_region in key.family:
        found.append(Violation(REPLICATE_EXISTS.id, "/ReplicaRegion"))
    return found


def update_primary_region_violations(key: KeyView, primary_region: Any) -> list[Violation] | None:
    """The rules UpdatePrimaryRegion of ``key`` to ``primary_region`` breaks (rule 53)."""
    found: list[Violation] = []
    if not key.is_primary:
        found.append(Violation(UPR_NOT_PRIMARY.id, "/KeyId"))
    else:
        state = _from_entry(state_entry("UpdatePrimaryRegion", key.state), state=key.state)
        if state is None:
            return None
        found.extend(state)
    if primary_region == key.region or primary_region not in key.family:
        found.append(Violation(UPR_NO_REPLICA.id, "/PrimaryRegion"))
    elif key.is_primary:
        replica = key.family.get(primary_region)
        if replica is None or replica.settles_to is not None:
            return None  # the replica's state is unknown or transient
        if replica.state != ENABLED:
            found.append(Violation(UPR_REPLICA_NOT_ENABLED.id, "/PrimaryRegion"))
    return found


def schedule_window_violations(params: Mapping[str, Any]) -> list[Violation]:
    """PendingWindowInDays inside the model's 1..365 but outside the documented 7..30 (D1)."""
    window = params.get("PendingWindowInDays")
    if isinstance(window, int) and window in MODELLED_WINDOW and window not in DOCUMENTED_WINDOW:
        return [Violation(SCHEDULE_WINDOW.id, "/PendingWindowInDays", str(window))]
    return []


def list_tags_limit_violations(params: Mapping[str, Any]) -> list[Violation]:
    """Limit inside the model's 1..1000 but above the documented 50 (D2)."""
    limit = params.get("Limit")
    if isinstance(limit, int) and not isinstance(limit, bool) and 50 < limit <= 1000:
        return [Violation(LIST_TAGS_LIMIT.id, "/Limit", str(limit))]
    return []


def pending_window(params: Mapping[str, Any]) -> int:
    window = params.get("PendingWindowInDays")
    return window if isinstance(window, int) else DEFAULT_PENDING_WINDOW


def get_key_policy_violations(params: Mapping[str, Any]) -> list[Violation] | None:
    """Rule 42: the default policy always exists; an AWS_RAM policy never does here (the keys the
    harness makes are never shared through AWS RAM). Other names: no prediction."""
    name = params.get("PolicyName")
    if name is None or name == "default":
        return []
    if name == "AWS_RAM":
        return [Violation(GET_POLICY_NO_RAM.id, "/PolicyName")]
    return None


def default_key_policy(account_id: str, partition: str = "aws") -> dict[str, Any]:
    """The documented default key policy (rulebook rule 23), as a JSON document."""
    return {
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def replica_arn(primary_arn: str, primary_region: str, replica_region: str) -> str:
    """Rule 10: a replica's ARN is the primary's with only the Region changed."""
    return primary_arn.replace(f":kms:{primary_region}:", f":kms:{replica_region}:", 1)


STATE_RULES: tuple[Rule, ...] = tuple(_OWN)
"""The rules of this module (the stateful machine's own rules)."""
