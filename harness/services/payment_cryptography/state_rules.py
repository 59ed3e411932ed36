"""Payment Cryptography key states (rulebook section 8, rules 55 and 59-64).

A Payment Cryptography key is CREATE_IN_PROGRESS or CREATE_COMPLETE after CreateKey,
DELETE_PENDING after DeleteKey (until its waiting period ends, days later) and
CREATE_COMPLETE again after RestoreKey. The rules here are what those states allow and what
GetKey, ListKeys and ListTagsForResource must then show; the reference model
(harness.services.payment_cryptography.model) decides which applies.
"""

from __future__ import annotations

from typing import Final

from harness.oracle.predict import Violation
from harness.oracle.rules import RULES, Evidence, Rule, any_4xx

SERVICE = "payment-cryptography"

API = "https://docs.aws.amazon.com/payment-cryptography/latest/APIReference"
TAGGING = "https://docs.aws.amazon.com/payment-cryptography/latest/userguide/tagging-keys.html"

CREATE_IN_PROGRESS: Final = "CREATE_IN_PROGRESS"
CREATE_COMPLETE: Final = "CREATE_COMPLETE"
DELETE_PENDING: Final = "DELETE_PENDING"
DELETE_COMPLETE: Final = "DELETE_COMPLETE"
KEY_STATES = (CREATE_IN_PROGRESS, CREATE_COMPLETE, DELETE_PENDING, DELETE_COMPLETE)

_OWN: list[Rule] = []


def _add(rule: Rule) -> Rule:
    _OWN.append(RULES.add(rule))
    return rule


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
            kind="state",
            operations=(operation,),
            title=title,
            source=source,
            note=note,
            evidence=evidence,
            checked=checked,
            source_date=source_date,
        )
    )


DELETE_VALID = _valid(
    "pc.delete-key.valid",
    "DeleteKey",
    "DeleteKey of a CREATE_COMPLETE key succeeds; the answer and the key then show KeyState "
    "DELETE_PENDING, Enabled false and a DeletePendingTimestamp.",
    f"rulebook rule 63; botocore payment-cryptography DeleteKey; {API}/API_DeleteKey.html",
    note=("DeleteKey of a key already DELETE_PENDING is not documented (D12), so it is not predicted."),
    evidence="documented",
    checked="2026-11-29",
)
RESTORE_VALID = _valid(
    "pc.restore-key.valid",
    "RestoreKey",
    "RestoreKey of a DELETE_PENDING key succeeds; the key is CREATE_COMPLETE again and has no "
    "DeletePendingTimestamp.",
    f"rulebook rule 63; botocore payment-cryptography RestoreKey; {API}/API_RestoreKey.html",
    note=(
        "Whether a restored key is enabled is not documented, so Enabled is not asserted after "
        "RestoreKey; RestoreKey of a key that is not pending deletion is not predicted."
    ),
    evidence="documented",
    checked="2026-11-29",
)
TAGS_PENDING_DELETION = _add(
    Rule(
        id="pc.tags.pending-deletion",
        service=SERVICE,
        operations=("TagResource", "UntagResource"),
        title="TagResource and UntagResource of a key that is pending deletion are rejected.",
        source=(
            f"rulebook rule 60 and D12; {TAGGING} ('You can't tag or untag a key that is pending deletion')"
        ),
        expectation=any_4xx("a 4xx error: the docs name no code for tagging a key pending deletion"),
        note="D12: the code is not documented (ValidationException or ConflictException): any 4xx.",
        evidence="documented",
        checked="2026-11-29",
    )
)
UNTAG_VALID = _valid(
    "pc.untag-resource.valid",
    "UntagResource",
    "UntagResource of a CREATE_COMPLETE key succeeds and removes the named tags.",
    f"rulebook rule 60; botocore payment-cryptography UntagResource; {API}/API_UntagResource.html",
    evidence="documented",
    checked="2026-11-29",
)
LIST_TAGS = _fact_rule(
    "pc.list-tags.tags",
    "ListTagsForResource",
    "ListTagsForResource of a CREATE_COMPLETE key lists exactly its tags: those of CreateKey, "
    "upserted by TagResource, removed by UntagResource.",
    f"rulebook rule 60; {API}/API_ListTagsForResource.html",
    note="Order is not documented: tags are compared as a set of key/value pairs.",
    evidence="documented",
    checked="2026-11-29",
)
GET_KEY_STATE = _fact_rule(
    "pc.get-key.key-state",
    "GetKey",
    "GetKey shows the state the documented operations left: KeyState, Enabled (as created, "
    "default true; false once DELETE_PENDING) and DeletePendingTimestamp exactly while "
    "DELETE_PENDING.",
    f"rulebook rules 54, 55 and 63; {API}/API_GetKey.html",
    note="A key CreateKey answered as CREATE_IN_PROGRESS may show either that or CREATE_COMPLETE.",
    evidence="documented",
    checked="2026-11-29",
)
GET_KEY_ATTRIBUTES = _fact_rule(
    "pc.get-key.attributes",
    "GetKey",
    "GetKey shows the key as created: the same KeyArn, KeyAttributes and Exportable, and the key "
    "check value CreateKey answered (a KCV is deterministic).",
    f"rulebook rules 55 and 59; {API}/API_GetKey.html",
    evidence="documented",
    checked="2026-11-29",
)
LIST_KEYS = _fact_rule(
    "pc.list-keys.lists-keys",
    "ListKeys",
    "ListKeys lists the keys of the Region with their current KeyState and Enabled; with a "
    "KeyState filter only keys in that state; a page without NextToken leaves no key out.",
    f"rulebook rule 64; {API}/API_ListKeys.html",
    note=(
        "Keys the harness did not create (an endpoint may have some) are ignored; completeness is "
        "checked only on a last page, and only for keys the model saw every call of."
    ),
    evidence="documented",
    checked="2026-11-29",
)

PC_STATE_RULES: tuple[Rule, ...] = tuple(_OWN)
"""The rules of this module (the stateful machine's own rules)."""


def delete_key_violations(state: str | None) -> list[Violation] | None:
    """Rule 63: DeleteKey of a CREATE_COMPLETE key is valid; anything else is not documented."""
    return [] if state == CREATE_COMPLETE else None


def restore_key_violations(state: str | None) -> list[Violation] | None:
    """Rule 63: RestoreKey of a DELETE_PENDING key is valid; anything else is not documented."""
    return [] if state == DELETE_PENDING else None


def tagging_violations(state: str | None) -> list[Violation] | None:
    """Rule 60: no tagging or untagging while pending deletion."""
    if state == DELETE_PENDING:
        return [Violation(TAGS_PENDING_DELETION.id, "/ResourceArn", transition=DELETE_PENDING)]
    if state == CREATE_COMPLETE:
        return []
    return None
