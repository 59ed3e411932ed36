"""The KMS state machine: random sequences of key operations in two Regions.

Rules only draw (a key handle, a Region role, parameters); a :class:`KmsWorld` turns a step
into calls with the ids and ARNs the target gave, which the draws never depend on (Hypothesis
replays draws and needs them to behave the same). After every step that may change a key, the
world reads the key back in every Region of its family (DescribeKey, ListResourceTags): those
reads are judged against the model's facts, which is how the invariants of the key lifecycle are
checked, in a replay of the cassette too. The engine runs it (harness.engine.state_machines).
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, precondition, rule

from harness.exchange import Call, Exchange
from harness.machines import (
    MAX_KEYS,
    MachineClass,
    MachineContext,
    Sequence,
    StatefulTest,
    Where,
    check_steps,
    step_switch,
)
from harness.services.kms import state_rules, state_scenarios, strategies
from harness.services.kms.about import OPERATIONS
from harness.strategies.values import member, values


@dataclass
class _KmsKey:
    """A key the machine made: its id, and per Region the ARN the target gave it."""

    key_id: str
    arns: dict[str, str]

    @property
    def regions(self) -> list[str]:
        return list(self.arns)


class KmsWorld:
    """Turns drawn KMS steps into calls on the keys the target made."""

    def __init__(
        self, sequence: Sequence, context: MachineContext, sleep: Callable[[float], None] = time.sleep
    ):
        self.sequence = sequence
        self.context = context
        self.keys: dict[int, _KmsKey] = {}
        self.sleep = sleep

    def _send(self, operation: str, params: Mapping[str, Any], region: str) -> Exchange:
        return self.sequence.send(Call("kms", operation, dict(params), region))

    def create(self, handle: int, params: Mapping[str, Any]) -> None:
        answer = self._send("CreateKey", params, self.context.home)
        meta = answer.body.get("KeyMetadata") if answer.ok and isinstance(answer.body, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get("KeyId"), str):
            key_id: str = meta["KeyId"]
            arn = meta.get("Arn")
            self.keys[handle] = _KmsKey(key_id, {self.context.home: arn if isinstance(arn, str) else key_id})
            self.read_back(handle, self.context.home)

    def name(self, key: _KmsKey, region: str, naming: str) -> str:
        """The KeyId member: the key id, this Region's ARN, or the ARN of the other Region."""
        if naming == "arn":
            return key.arns.get(region, key.key_id)
        if naming == "other-arn":
            others = [arn for where, arn in key.arns.items() if where != region]
            return others[0] if others else key.key_id
        return key.key_id

    def read_back(self, handle: int, touched: str) -> None:
        """The invariant reads: DescribeKey in every Region of the family, tags where it changed."""
        key = self.keys[handle]
        for region in key.regions:
            self._send("DescribeKey", {"KeyId": key.key_id}, region)
        self._send("ListResourceTags", {"KeyId": key.key_id}, touched)

    def step(
        self, handle: int, operation: str, where: Where, params: Mapping[str, Any], naming: str = "id"
    ) -> None:
        key = self.keys.get(handle)
        if key is None:
            return  # its CreateKey failed: nothing to act on
        region = self.context.region(where)
        request = {"KeyId": self.name(key, region, naming), **params}
        answer = self._send(operation, request, region)
        if operation in ("DescribeKey", "ListResourceTags", "GetKeyPolicy"):
            return
        if operation == "ReplicateKey" and answer.ok:
            self._replicated(key, request, answer)
        if operation == "UpdatePrimaryRegion" and answer.ok:
            for member_region in (region, str(request.get("PrimaryRegion"))):
                state_scenarios.settle(self.sequence.send, member_region, key.key_id, sleep=self.sleep)
        self.read_back(handle, region)

    def _replicated(self, key: _KmsKey, request: Mapping[str, Any], answer: Exchange) -> None:
        target = request.get("ReplicaRegion")
        meta = answer.body.get("ReplicaKeyMetadata") if isinstance(answer.body, dict) else None
        if not isinstance(target, str) or not isinstance(meta, dict):
            return
        if target not in key.arns and isinstance(meta.get("Arn"), str):
            key.arns[target] = meta["Arn"]
        # Rule 48: the replica is Creating for a few seconds; wait (bounded) until it is not.
        state_scenarios.settle(self.sequence.send, target, key.key_id, sleep=self.sleep)


KMS_OPERATIONS = frozenset(OPERATIONS)
"""Every KMS operation the specs cover; a machine may be given fewer (self-tests do)."""
Route = tuple[Where, Where]
#: ReplicateKey routes (call Region, ReplicaRegion): mostly the valid one, and the others the
#: rules are about (a replica as source, the primary's own Region).
ALL_ROUTES: tuple[Route, ...] = (("home", "away"), ("home", "away"), ("away", "home"), ("home", "home"))


@dataclass(frozen=True, slots=True)
class KmsSteps:
    """Which steps a KMS machine draws. The suite's machine draws them all; self-tests narrow
    them to what an emulator gets right, so that a fault they inject is the only divergence."""

    operations: frozenset[str] = KMS_OPERATIONS
    multi_region: bool | None = None
    """``None``: drawn per key; else every key is (or is not) a multi-Region primary."""
    external_origin: bool = True
    """Whether keys with Origin EXTERNAL (PendingImport) are drawn."""
    routes: tuple[Route, ...] = ALL_ROUTES
    replica_tags: bool = True
    """Whether ReplicateKey draws Tags."""
    any_window: bool = True
    """Whether ScheduleKeyDeletion draws windows outside the documented 7..30 (D1)."""
    wheres: tuple[Where, ...] = ("home", "away")
    """The Regions (roles) steps other than ReplicateKey and UpdatePrimaryRegion are sent to."""
    shapes: tuple[Mapping[str, str], ...] = ()
    """KeySpec/KeyUsage pairs to draw keys from; empty: every valid CreateKey request of the
    lead's strategies (every KeySpec, KeyUsage, Origin, tags, description and policy)."""

    def __post_init__(self) -> None:
        check_steps(self.operations, OPERATIONS)


def _kms_machine(steps: KmsSteps, context: MachineContext) -> MachineClass:
    """The KMS machine class of a run: its strategies read the run's context."""
    create_op = context.spec.operation("kms", "CreateKey")
    text = values(member(create_op.request_schema, "/Description"), max_size=20)
    where = st.sampled_from(steps.wheres)
    routes = st.sampled_from(steps.routes)
    windows = st.one_of(
        st.none(), st.integers(7, 30), *([st.sampled_from([1, 6, 31, 365])] if steps.any_window else [])
    )
    replica_tags = state_scenarios.small_tags() if steps.replica_tags else st.just([])
    tag_names = st.lists(
        st.sampled_from([*state_scenarios.TAG_KEYS, "missing"]), min_size=1, max_size=2, unique=True
    )

    @st.composite
    def create_params(draw: st.DrawFn) -> dict[str, Any]:
        # A closure, not an argument: Hypothesis would otherwise render the whole operation
        # spec in the strategy's repr.
        multi = steps.multi_region
        if multi is None:
            multi = draw(st.booleans(), label="MultiRegion")
        if steps.shapes:
            params: dict[str, Any] = {**draw(st.sampled_from(steps.shapes)), "MultiRegion": multi}
            tags = state_scenarios.small_tags(min_size=1)
            for member_name, strategy in (("Description", text), ("Tags", tags)):
                if draw(st.booleans(), label=member_name):
                    params[member_name] = draw(strategy)
            return params
        return draw(
            strategies.create_key_params(
                create_op,
                region=context.home,
                account_id=context.account_id,
                multi_region=multi,
                external_origin=steps.external_origin,
            )
        )

    def drawn(operation: str) -> Callable[[Any], bool]:
        return step_switch(operation, steps.operations, OPERATIONS)

    class KmsKeys(RuleBasedStateMachine):
        """KMS keys in two Regions: create, replicate, read, change state, tag, delete."""

        keys = Bundle("keys")

        def __init__(self, sequence: Sequence) -> None:
            super().__init__()
            self.sequence = sequence
            self.world = KmsWorld(sequence, context)
            self.created = 0
            self.handles = itertools.count()

        @precondition(lambda self: self.created < MAX_KEYS)
        @rule(target=keys, params=create_params())
        def create_key(self, params: dict[str, Any]) -> int:
            self.created += 1
            handle = next(self.handles)
            self.world.create(handle, params)
            return handle

        @precondition(drawn("ReplicateKey"))
        @rule(
            key=keys,
            route=routes,
            description=st.one_of(st.none(), text),
            tags=replica_tags,
            policy=st.booleans(),
        )
        def replicate_key(
            self, key: int, route: Route, description: str | None, tags: list[dict[str, str]], policy: bool
        ) -> None:
            params: dict[str, Any] = {"ReplicaRegion": context.region(route[1])}
            if description is not None:
                params["Description"] = description
            if tags:
                params["Tags"] = tags
            if policy:
                params["Policy"] = strategies.default_policy(context.account_id)
            self.world.step(key, "ReplicateKey", route[0], params)

        @precondition(drawn("DescribeKey"))
        @rule(key=keys, where=where, naming=st.sampled_from(["id", "arn", "other-arn"]))
        def describe_key(self, key: int, where: Where, naming: str) -> None:
            self.world.step(key, "DescribeKey", where, {}, naming)

        @precondition(drawn("EnableKey"))
        @rule(key=keys, where=where)
        def enable_key(self, key: int, where: Where) -> None:
            self.world.step(key, "EnableKey", where, {})

        @precondition(drawn("DisableKey"))
        @rule(key=keys, where=where)
        def disable_key(self, key: int, where: Where) -> None:
            self.world.step(key, "DisableKey", where, {})

        @precondition(drawn("ScheduleKeyDeletion"))
        @rule(key=keys, where=where, window=windows)
        def schedule_key_deletion(self, key: int, where: Where, window: int | None) -> None:
            params = {} if window is None else {"PendingWindowInDays": window}
            self.world.step(key, "ScheduleKeyDeletion", where, params)

        @precondition(drawn("CancelKeyDeletion"))
        @rule(key=keys, where=where)
        def cancel_key_deletion(self, key: int, where: Where) -> None:
            self.world.step(key, "CancelKeyDeletion", where, {})

        @precondition(drawn("TagResource"))
        @rule(key=keys, where=where, tags=state_scenarios.small_tags(min_size=1))
        def tag_resource(self, key: int, where: Where, tags: list[dict[str, str]]) -> None:
            self.world.step(key, "TagResource", where, {"Tags": tags})

        @precondition(drawn("UntagResource"))
        @rule(key=keys, where=where, names=tag_names)
        def untag_resource(self, key: int, where: Where, names: list[str]) -> None:
            self.world.step(key, "UntagResource", where, {"TagKeys": names})

        @precondition(drawn("ListResourceTags"))
        @rule(key=keys, where=where, naming=st.sampled_from(["id", "arn"]))
        def list_resource_tags(self, key: int, where: Where, naming: str) -> None:
            self.world.step(key, "ListResourceTags", where, {}, naming)

        @precondition(drawn("UpdateKeyDescription"))
        @rule(key=keys, where=where, description=text)
        def update_key_description(self, key: int, where: Where, description: str) -> None:
            self.world.step(key, "UpdateKeyDescription", where, {"Description": description})

        @precondition(drawn("GetKeyPolicy"))
        @rule(key=keys, where=where, name=st.sampled_from([None, "default", "AWS_RAM"]))
        def get_key_policy(self, key: int, where: Where, name: str | None) -> None:
            self.world.step(key, "GetKeyPolicy", where, {} if name is None else {"PolicyName": name})

        @precondition(drawn("UpdatePrimaryRegion"))
        @rule(key=keys, route=st.sampled_from([("home", "away"), ("away", "home")]))
        def update_primary_region(self, key: int, route: Route) -> None:
            params = {"PrimaryRegion": context.region(route[1])}
            self.world.step(key, "UpdatePrimaryRegion", route[0], params)

        def teardown(self) -> None:
            self.sequence.end()

    return KmsKeys


def kms_machine(steps: KmsSteps = KmsSteps(), name: str = "kms") -> StatefulTest:
    """A KMS machine drawing ``steps``."""
    return StatefulTest(name, "kms", state_rules.STATE_RULES, functools.partial(_kms_machine, steps))


MACHINE = kms_machine()
