"""Reference model of Payment Cryptography keys (rulebook section 8).

Keys are known by ARN (an ARN carries its Region). As in the KMS model, ``None`` means the
model does not know a property (a key learned mid-history, or changed by an undocumented
success): no prediction depends on it, and the next answer that shows it is learned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from harness.exchange import Exchange
from harness.model.handlers import OperationHandlers
from harness.model.matchers import ListsKeys, Number, OneOf, Page, SameItems
from harness.oracle.predict import ABSENT, Fact, Prediction, Violation, attach, predict
from harness.services.payment_cryptography import rules as oracle
from harness.services.payment_cryptography import state_rules as states

SERVICE = "payment-cryptography"


@dataclass
class PcKey:
    arn: str
    region: str
    attributes: dict[str, Any] | None = field(default_factory=dict)
    enabled: bool | None = True
    exportable: bool | None = False
    state: str | None = states.CREATE_COMPLETE
    settles_to: str | None = None
    """CreateKey may answer CREATE_IN_PROGRESS; the key then becomes CREATE_COMPLETE."""
    tags: dict[str, str] | None = field(default_factory=dict)
    check_value: str | None = None
    """The key check value CreateKey answered (rule 59: deterministic)."""
    causes: dict[str, str] = field(default_factory=dict)

    def set(self, prop: str, value: Any, cause: str) -> None:
        setattr(self, prop, value)
        self.causes[prop] = cause

    @property
    def possible_states(self) -> tuple[str, ...]:
        if self.state is None:
            return ()
        return (self.state,) if self.settles_to is None else (self.state, self.settles_to)

    @property
    def settled_state(self) -> str | None:
        """The state, when it is known and not transient."""
        return self.state if self.settles_to is None else None


#: MaxResults of ListKeys and ListTagsForResource when the request has none ("it defaults to 50").
DEFAULT_PAGE = 50


def _page_limit(params: Mapping[str, Any]) -> int:
    limit = params.get("MaxResults")
    return limit if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0 else DEFAULT_PAGE


@dataclass
class PcModel(OperationHandlers):
    service: ClassVar[str] = SERVICE
    complete: bool = True
    keys: dict[str, PcKey] = field(default_factory=dict)
    """key ARN -> key (ARNs carry their Region)."""
    #: CreateKey makes a new key whatever the Region holds: its answer depends on the request
    #: alone, so the run's memo may judge an identical repeat without sending it (harness.engine.memo).
    STATE_FREE: ClassVar[frozenset[str]] = frozenset({"CreateKey"})

    def _missing(self, identifier: Any) -> Prediction | None:
        if isinstance(identifier, str) and (identifier.startswith("alias/") or ":alias/" in identifier):
            return None  # aliases are not modelled
        if self.complete:
            return predict(None, [Violation(oracle.KEY_NOT_FOUND.id, "/KeyIdentifier")])
        return None

    def _key(self, identifier: Any) -> PcKey | None:
        return self.keys.get(identifier) if isinstance(identifier, str) else None

    def _predict_CreateKey(self, params: Mapping[str, Any], region: str) -> Prediction:
        return predict(oracle.VALID_CREATE_KEY.id, oracle.create_key_violations(params))

    def _predict_GetKey(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        key = self._key(params.get("KeyIdentifier"))
        if key is None:
            return self._missing(params.get("KeyIdentifier"))
        return attach(predict(oracle.VALID_GET_KEY.id, []), _get_key_facts(key))

    def _predict_DeleteKey(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        key = self._key(params.get("KeyIdentifier"))
        if key is None:
            return self._missing(params.get("KeyIdentifier"))
        found = states.delete_key_violations(key.settled_state)
        if found is None:
            return None
        rule = states.DELETE_VALID.id
        return attach(
            predict(rule, found),
            [
                Fact(rule, "/Key/KeyState", "KeyState", states.DELETE_PENDING),
                Fact(rule, "/Key/Enabled", "Enabled", False),
                Fact(rule, "/Key/DeletePendingTimestamp", "DeletePendingTimestamp", Number()),
            ],
        )

    def _predict_RestoreKey(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        key = self._key(params.get("KeyIdentifier"))
        if key is None:
            return self._missing(params.get("KeyIdentifier"))
        found = states.restore_key_violations(key.settled_state)
        if found is None:
            return None
        rule = states.RESTORE_VALID.id
        return attach(
            predict(rule, found),
            [
                Fact(rule, "/Key/KeyState", "KeyState", states.CREATE_COMPLETE),
                Fact(rule, "/Key/DeletePendingTimestamp", "no DeletePendingTimestamp", ABSENT),
            ],
        )

    def _tagging(self, params: Mapping[str, Any], valid_rule: str) -> Prediction | None:
        key = self._key(params.get("ResourceArn"))
        if key is None:
            return self._missing(params.get("ResourceArn"))
        found = states.tagging_violations(key.settled_state)
        if found is None:
            return None
        return predict(valid_rule, found)

    def _predict_TagResource(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        prediction = self._tagging(params, oracle.VALID_TAG_RESOURCE.id)
        broken = oracle.tag_resource_violations(params)  # request rules: duplicate keys (rule 60)
        if prediction is None or not broken:
            return prediction
        return predict(oracle.VALID_TAG_RESOURCE.id, [*broken, *prediction.violations])

    def _predict_UntagResource(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        return self._tagging(params, states.UNTAG_VALID.id)

    def _predict_ListTagsForResource(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        key = self._key(params.get("ResourceArn"))
        if key is None:
            return self._missing(params.get("ResourceArn"))
        if key.settled_state != states.CREATE_COMPLETE:
            return None  # listing the tags of a key pending deletion is not documented
        pairs = None if key.tags is None else [{"Key": k, "Value": v} for k, v in key.tags.items()]
        allowed = tuple(pairs) if pairs is not None else None
        page = Page("Tags", _page_limit(params), allowed, marker="NextToken")
        found = [Fact(states.LIST_TAGS.id, "", "a page of the key's tags within MaxResults", page)]
        if pairs is not None and "NextToken" not in params:
            # The first page is the whole list unless it names a next one.
            cause = key.causes.get("tags", "CreateKey")
            every = SameItems.of(pairs)
            rule = states.LIST_TAGS.id
            found.append(Fact(rule, "/Tags", f"Tags after {cause}", every, unless="/NextToken"))
        return attach(predict(states.LIST_TAGS.id, []), found)

    def _predict_ListKeys(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        only = params.get("KeyState")
        if only is not None and only not in states.KEY_STATES:
            return None
        mine = [k for k in self.keys.values() if k.region == region and k.state is not None]
        expected = tuple((k.arn, k.possible_states) for k in mine)
        enabled = tuple((k.arn, k.enabled) for k in mine if k.enabled is not None and k.settles_to is None)
        required: tuple[str, ...] = ()
        if self.complete and "NextToken" not in params:
            # A first page without NextToken is the whole list ("no more keys to get").
            required = tuple(k.arn for k in mine if k.settles_to is None and only in (None, k.state))
        matcher = ListsKeys(expected, enabled, required, only_state=only)
        rule = states.LIST_KEYS.id
        page = Page("Keys", _page_limit(params), marker="NextToken")
        return attach(
            predict(rule, []),
            [
                Fact(rule, "", "every known key with its state", matcher),
                Fact(rule, "", "a page of at most MaxResults keys", page),
            ],
        )

    # -- following answers ------------------------------------------------------------

    def apply(self, exchange: Exchange, predicted: Prediction | None) -> None:
        if exchange.status is None or exchange.status >= 500:
            self._uncertain(exchange)
            return
        if not exchange.ok or not isinstance(exchange.body, dict):
            return
        self._follow(exchange, exchange.body, predicted)

    def _uncertain(self, exchange: Exchange) -> None:
        """No answer or a server error: what the call may have changed is no longer known."""
        request = exchange.request
        key = self._key(request.get("KeyIdentifier") or request.get("ResourceArn"))
        if key is None:
            return
        if exchange.operation in ("DeleteKey", "RestoreKey"):
            key.state, key.settles_to, key.enabled = None, None, None
        elif exchange.operation in ("TagResource", "UntagResource"):
            key.tags = None

    def _adopt(self, key: PcKey, shown: Any, cause: str) -> None:
        """Follow what an answer shows of a key (after it was checked)."""
        if not isinstance(shown, Mapping):
            return
        state = shown.get("KeyState")
        if isinstance(state, str):
            if key.settles_to is not None and state in (key.state, key.settles_to):
                if state == key.settles_to:
                    key.state, key.settles_to = state, None
            elif state != key.state or key.settles_to is not None:
                key.settles_to = None
                key.set("state", state, cause)
        enabled = shown.get("Enabled")
        if isinstance(enabled, bool) and enabled is not key.enabled:
            key.set("enabled", enabled, cause)

    def _apply_CreateKey(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        shown = body.get("Key")
        if not isinstance(shown, dict) or not isinstance(shown.get("KeyArn"), str):
            return
        key = PcKey(arn=shown["KeyArn"], region=region)
        attributes = request.get("KeyAttributes")
        key.attributes = dict(attributes) if isinstance(attributes, dict) else None
        # Rule 54: Enabled defaults to true.
        key.set("enabled", request.get("Enabled", True) is not False, "CreateKey")
        key.exportable = request.get("Exportable") is True
        key.set("tags", _tag_dict(request.get("Tags")), "CreateKey")
        check_value = shown.get("KeyCheckValue")
        key.check_value = check_value if isinstance(check_value, str) else None
        state = shown.get("KeyState")
        # Rule 55: the docs do not say which state CreateKey returns; either creation state is
        # followed (CREATE_IN_PROGRESS then becomes CREATE_COMPLETE).
        if state == states.CREATE_IN_PROGRESS:
            key.set("state", state, "CreateKey")
            key.settles_to = states.CREATE_COMPLETE
        elif state == states.CREATE_COMPLETE:
            key.set("state", state, "CreateKey")
        else:
            key.state = None
        if not expected:
            key.state, key.enabled, key.tags = None, None, None
            self._adopt(key, shown, "CreateKey")
        self.keys[key.arn] = key

    def _apply_GetKey(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        shown = body.get("Key")
        if not isinstance(shown, dict) or not isinstance(shown.get("KeyArn"), str):
            return
        key = self.keys.get(shown["KeyArn"])
        if key is None:
            key = PcKey(
                arn=shown["KeyArn"], region=region, attributes=None, enabled=None, state=None, tags=None
            )
            key.exportable = shown.get("Exportable") if isinstance(shown.get("Exportable"), bool) else None
            if isinstance(shown.get("KeyAttributes"), dict):
                key.attributes = dict(shown["KeyAttributes"])
            if isinstance(shown.get("KeyCheckValue"), str):
                key.check_value = shown["KeyCheckValue"]
            self.keys[key.arn] = key
        self._adopt(key, shown, key.causes.get("state", "GetKey"))

    def _apply_DeleteKey(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        key = self._key(request.get("KeyIdentifier"))
        if key is None:
            return
        if expected:
            key.settles_to = None
            key.set("state", states.DELETE_PENDING, "DeleteKey")
            key.set("enabled", False, "DeleteKey")
        else:
            key.state, key.enabled = None, None
            self._adopt(key, body.get("Key"), "DeleteKey")

    def _apply_RestoreKey(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        key = self._key(request.get("KeyIdentifier"))
        if key is None:
            return
        # Whether a restored key is enabled is not documented: the model stops predicting it.
        key.enabled = None
        if expected:
            key.settles_to = None
            key.set("state", states.CREATE_COMPLETE, "RestoreKey")
        else:
            key.state = None
        self._adopt(key, body.get("Key"), "RestoreKey")

    def _apply_TagResource(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        key = self._key(request.get("ResourceArn"))
        if key is not None and key.tags is not None:
            key.set("tags", {**key.tags, **_tag_dict(request.get("Tags"))}, "TagResource")

    def _apply_UntagResource(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        key = self._key(request.get("ResourceArn"))
        names = request.get("TagKeys")
        if key is not None and key.tags is not None and isinstance(names, list):
            key.set("tags", {k: v for k, v in key.tags.items() if k not in names}, "UntagResource")

    def _apply_ListTagsForResource(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        key = self._key(request.get("ResourceArn"))
        shown = body.get("Tags")
        whole = not body.get("NextToken") and "NextToken" not in request
        if key is not None and isinstance(shown, list) and whole:
            tags = _tag_dict(shown)
            if tags != key.tags:
                key.set("tags", tags, key.causes.get("tags", "ListTagsForResource"))

    def _apply_ListKeys(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        listed = body.get("Keys")
        if not isinstance(listed, list):
            return
        for item in listed:
            key = self._key(item.get("KeyArn")) if isinstance(item, dict) else None
            if key is not None:
                self._adopt(key, item, key.causes.get("state", "ListKeys"))


def _get_key_facts(key: PcKey) -> list[Fact]:
    state_rule, attributes_rule = states.GET_KEY_STATE.id, states.GET_KEY_ATTRIBUTES.id
    found = [Fact(attributes_rule, "/Key/KeyArn", "KeyArn", key.arn)]
    if key.attributes is not None:
        found.append(Fact(attributes_rule, "/Key/KeyAttributes", "KeyAttributes as created", key.attributes))
    if key.exportable is not None:
        found.append(Fact(attributes_rule, "/Key/Exportable", "Exportable as created", key.exportable))
    if key.check_value is not None:
        found.append(Fact(attributes_rule, "/Key/KeyCheckValue", "KeyCheckValue as created", key.check_value))
    if key.state is not None:
        cause = key.causes.get("state", "CreateKey")
        shown: Any = key.state if key.settles_to is None else OneOf(key.possible_states)
        found.append(Fact(state_rule, "/Key/KeyState", f"KeyState after {cause}", shown))
        if key.settles_to is None:
            pending = key.state == states.DELETE_PENDING
            found.append(
                Fact(
                    state_rule,
                    "/Key/DeletePendingTimestamp",
                    f"DeletePendingTimestamp after {cause}",
                    Number() if pending else ABSENT,
                )
            )
    if key.enabled is not None:
        cause = key.causes.get("enabled", "CreateKey")
        found.append(Fact(state_rule, "/Key/Enabled", f"Enabled after {cause}", key.enabled))
    return found


def _tag_dict(tags: Any) -> dict[str, str]:
    if not isinstance(tags, list):
        return {}
    return {
        t["Key"]: str(t.get("Value", ""))
        for t in tags
        if isinstance(t, dict) and isinstance(t.get("Key"), str)
    }
