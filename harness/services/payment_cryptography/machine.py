"""The Payment Cryptography state machine: create, read, list, delete, restore and tag keys.

As the KMS machine (harness.services.kms.machine): rules only draw, a :class:`PcWorld` sends,
and every step is read back (GetKey, ListTagsForResource) and judged against the model.
"""

from __future__ import annotations

import functools
import itertools
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
    check_steps,
    step_switch,
)
from harness.services.payment_cryptography import state_rules, state_scenarios, strategies
from harness.services.payment_cryptography.about import OPERATIONS


class PcWorld:
    """Turns drawn Payment Cryptography steps into calls on the keys the target made."""

    def __init__(self, sequence: Sequence, context: MachineContext):
        self.sequence = sequence
        self.context = context
        self.keys: dict[int, str] = {}

    def _send(self, operation: str, params: Mapping[str, Any]) -> Exchange:
        # The machine's keys live in the second Region: ListKeys lists a whole Region, and the
        # first one holds every key the rule tests made (a thousand on a long run).
        return self.sequence.send(Call("payment-cryptography", operation, dict(params), self.context.away))

    def create(self, handle: int, params: Mapping[str, Any]) -> None:
        answer = self._send("CreateKey", params)
        key = answer.body.get("Key") if answer.ok and isinstance(answer.body, dict) else None
        if isinstance(key, dict) and isinstance(key.get("KeyArn"), str):
            self.keys[handle] = key["KeyArn"]
            self.read_back(handle)

    def read_back(self, handle: int) -> None:
        arn = self.keys[handle]
        self._send("GetKey", {"KeyIdentifier": arn})
        self._send("ListTagsForResource", {"ResourceArn": arn})

    def step(self, handle: int, operation: str, params: Mapping[str, Any]) -> None:
        arn = self.keys.get(handle)
        if arn is None:
            return
        member_name = "ResourceArn" if operation.endswith(("Resource", "ForResource")) else "KeyIdentifier"
        self._send(operation, {member_name: arn, **params})
        if operation not in ("GetKey", "ListTagsForResource"):
            self.read_back(handle)

    def list_keys(self, only: str | None) -> None:
        self._send("ListKeys", {} if only is None else {"KeyState": only})


PC_OPERATIONS = frozenset(OPERATIONS)


@dataclass(frozen=True, slots=True)
class PcSteps:
    """Which steps a Payment Cryptography machine draws (see :class:`KmsSteps`)."""

    operations: frozenset[str] = PC_OPERATIONS

    def __post_init__(self) -> None:
        check_steps(self.operations, OPERATIONS)


def _pc_machine(steps: PcSteps, context: MachineContext) -> MachineClass:
    """The Payment Cryptography machine class of a run."""
    create_op = context.spec.operation("payment-cryptography", "CreateKey")

    @st.composite
    def create_params(draw: st.DrawFn) -> dict[str, Any]:
        params = draw(strategies.create_key_params(create_op))
        params.pop("Tags", None)
        tags = draw(state_scenarios.small_tags(), label="Tags")
        return {**params, "Tags": tags} if tags else params

    days = st.one_of(st.none(), st.integers(3, 180))
    tag_names = st.lists(
        st.sampled_from([*state_scenarios.TAG_KEYS, "missing"]), min_size=1, max_size=2, unique=True
    )

    def drawn(operation: str) -> Callable[[Any], bool]:
        return step_switch(operation, steps.operations, OPERATIONS)

    class PcKeys(RuleBasedStateMachine):
        """Payment Cryptography keys: create, read, list, delete, restore, tag."""

        keys = Bundle("keys")

        def __init__(self, sequence: Sequence) -> None:
            super().__init__()
            self.sequence = sequence
            self.world = PcWorld(sequence, context)
            self.handles = itertools.count()
            self.created = 0
            self.listed = False

        @precondition(lambda self: self.created < MAX_KEYS)
        @rule(target=keys, params=create_params())
        def create_key(self, params: dict[str, Any]) -> int:
            self.created += 1
            handle = next(self.handles)
            self.world.create(handle, params)
            return handle

        @precondition(drawn("GetKey"))
        @rule(key=keys)
        def get_key(self, key: int) -> None:
            self.world.step(key, "GetKey", {})

        @precondition(drawn("DeleteKey"))
        @rule(key=keys, days=days)
        def delete_key(self, key: int, days: int | None) -> None:
            self.world.step(key, "DeleteKey", {} if days is None else {"DeleteKeyInDays": days})

        @precondition(drawn("RestoreKey"))
        @rule(key=keys)
        def restore_key(self, key: int) -> None:
            self.world.step(key, "RestoreKey", {})

        @precondition(drawn("TagResource"))
        @rule(key=keys, tags=state_scenarios.small_tags(min_size=1))
        def tag_resource(self, key: int, tags: list[dict[str, str]]) -> None:
            self.world.step(key, "TagResource", {"Tags": tags})

        @precondition(drawn("UntagResource"))
        @rule(key=keys, names=tag_names)
        def untag_resource(self, key: int, names: list[str]) -> None:
            self.world.step(key, "UntagResource", {"TagKeys": names})

        @precondition(drawn("ListTagsForResource"))
        @rule(key=keys)
        def list_tags_for_resource(self, key: int) -> None:
            self.world.step(key, "ListTagsForResource", {})

        # ListKeys lists every key of the Region, which grows with the run: once per sequence.
        @precondition(lambda self: not self.listed and "ListKeys" in steps.operations)
        @rule(only=st.sampled_from([None, state_rules.CREATE_COMPLETE, state_rules.DELETE_PENDING]))
        def list_keys(self, only: str | None) -> None:
            self.listed = True
            self.world.list_keys(only)

        def teardown(self) -> None:
            self.sequence.end()

    return PcKeys


def pc_machine(steps: PcSteps = PcSteps(), name: str = "payment-cryptography") -> StatefulTest:
    """A Payment Cryptography machine drawing ``steps``."""
    return StatefulTest(
        name, "payment-cryptography", state_rules.PC_STATE_RULES, functools.partial(_pc_machine, steps)
    )


MACHINE = pc_machine()
