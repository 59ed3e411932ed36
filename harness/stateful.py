"""The stateful machines: random sequences of key operations, every step judged against the model.

A Hypothesis :class:`~hypothesis.stateful.RuleBasedStateMachine` draws a sequence of steps
(CreateKey, ReplicateKey, DescribeKey, EnableKey, ... on keys it made earlier). Each step is
one call sent through the run (so it is judged like every call and recorded in the cassette):
the reference model predicts the answer, the checks compare, the model follows. After every
step that may change a key, the machine reads the key back in every Region that holds a key
of its family (DescribeKey, ListResourceTags; GetKey, ListTagsForResource for Payment
Cryptography): those reads are judged against the model's facts, which is how the invariants
of issue 5 are checked, and why they hold in a replay of the cassette too.

The machine is thin. Rules only draw (a key handle, a Region role, parameters); a *world*
turns a step into calls with the ids and ARNs the target gave, which the draws never depend on
(Hypothesis replays draws and needs them to behave the same). A step never stops the
sequence: a divergence is recorded with the calls before it as its steps and the machine goes
on, so one early divergence (moto has many) does not hide the ones behind it. The example then
fails with the first divergence of a state rule (harness.oracle.kms_states, pc_states), which
Hypothesis shrinks to a minimal sequence, within a budget of calls like the rule tests'.
"""

from __future__ import annotations

import functools
import itertools
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hypothesis import HealthCheck, Phase, Verbosity, seed, settings
from hypothesis import strategies as st
from hypothesis.control import cleanup
from hypothesis.stateful import Bundle, RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from harness import signals
from harness.errors import HarnessError
from harness.exchange import Call, Exchange
from harness.findings import Finding, make_finding
from harness.judge import Judgement
from harness.oracle import kms_states, pc_states
from harness.oracle.rules import Rule
from harness.runner import Sender
from harness.scenarios import kms_states as kms_setup
from harness.scenarios import pc_states as pc_setup
from harness.spec import sources
from harness.strategies import kms as kms_strategies
from harness.strategies import pc as pc_strategies
from harness.strategies.values import member, values

Status = Literal["passed", "failed", "unchecked"]
Where = Literal["home", "away"]

#: Steps per example. Hypothesis runs the full count while generating and shrinks it after.
STEPS = 10
#: Keys one example may create: the interesting sequences act on few keys, and creating one
#: is the dearest call (a key pair is generated).
MAX_KEYS = 3
#: A machine example costs ~30 calls where a rule-test example costs ~3: a machine runs
#: --examples / EXAMPLES_DIVISOR sequences, and may spend --shrink-calls * SHRINK_FACTOR calls
#: shrinking, so it costs about what a handful of rule tests cost.
EXAMPLES_DIVISOR = 2.5
SHRINK_FACTOR = 4


@dataclass(frozen=True, slots=True)
class StatefulTest:
    """One pytest test: a machine over one service, ``test_stateful[<name>]``."""

    name: str
    service: str
    rules: tuple[Rule, ...]
    """The machine's own rules: the state rules of its service."""
    build: Callable[[_Sequence, _Context], RuleBasedStateMachine]

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(r.id for r in self.rules)


@dataclass
class StatefulRun:
    test: StatefulTest
    status: Status
    findings: list[Finding] = field(default_factory=list)
    reason: str = ""
    examples: int = 0
    calls: int = 0
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class _Context:
    """What a machine needs of the run, frozen for the whole test (draws may use it)."""

    sender: Sender
    home: str
    away: str
    account_id: str | None

    def region(self, where: Where) -> str:
        return self.home if where == "home" else self.away


class _Sequence:
    """The calls of one example: sends, judges and records each, keeping them as steps."""

    def __init__(self, test: StatefulTest, context: _Context):
        self.test = test
        self.context = context
        self.exchanges: list[Exchange] = []
        self.own: list[Finding] = []
        self.calls = 0

    def send(self, call: Call) -> Exchange:
        sender = self.context.sender
        try:
            exchange = sender.send(call)
        except HarnessError as exc:
            raise signals.Abort(exc) from None
        self.calls += 1
        self._record(sender.judge.judge(exchange))
        self.exchanges.append(exchange)
        return exchange

    def _record(self, judged: Judgement) -> None:
        sender = self.context.sender
        for divergence in judged.divergences:
            finding = make_finding(divergence, judged.exchange, self.exchanges)
            own = divergence.rule in self.test.rule_ids
            if not own and not sender.counts(divergence.rule):
                continue
            finding = sender.findings.record(finding)
            if own:
                self.own.append(finding)


# --- KMS --------------------------------------------------------------------------------


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

    def __init__(self, sequence: _Sequence, sleep: Callable[[float], None] = time.sleep):
        self.sequence = sequence
        self.context = sequence.context
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
                kms_setup.settle(self.sequence.send, member_region, key.key_id, sleep=self.sleep)
        self.read_back(handle, region)

    def _replicated(self, key: _KmsKey, request: Mapping[str, Any], answer: Exchange) -> None:
        target = request.get("ReplicaRegion")
        meta = answer.body.get("ReplicaKeyMetadata") if isinstance(answer.body, dict) else None
        if not isinstance(target, str) or not isinstance(meta, dict):
            return
        if target not in key.arns and isinstance(meta.get("Arn"), str):
            key.arns[target] = meta["Arn"]
        # Rule 48: the replica is Creating for a few seconds; wait (bounded) until it is not.
        kms_setup.settle(self.sequence.send, target, key.key_id, sleep=self.sleep)


KMS_OPERATIONS = frozenset(sources.KMS.operations)
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


def _kms_machine(steps: KmsSteps, sequence: _Sequence, context: _Context) -> RuleBasedStateMachine:
    create_op = context.sender.spec.operation("kms", "CreateKey")
    text = values(member(create_op.request_schema, "/Description"), max_size=20)
    where = st.sampled_from(steps.wheres)
    routes = st.sampled_from(steps.routes)
    windows = st.one_of(
        st.none(), st.integers(7, 30), *([st.sampled_from([1, 6, 31, 365])] if steps.any_window else [])
    )
    replica_tags = kms_setup.small_tags() if steps.replica_tags else st.just([])
    tag_names = st.lists(
        st.sampled_from([*kms_setup.TAG_KEYS, "missing"]), min_size=1, max_size=2, unique=True
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
            for member_name, strategy in (("Description", text), ("Tags", kms_setup.small_tags(min_size=1))):
                if draw(st.booleans(), label=member_name):
                    params[member_name] = draw(strategy)
            return params
        return draw(
            kms_strategies.create_key_params(
                create_op,
                region=context.home,
                account_id=context.account_id,
                multi_region=multi,
                external_origin=steps.external_origin,
            )
        )

    def drawn(operation: str) -> Callable[[Any], bool]:
        return lambda machine: operation in steps.operations

    counter = itertools.count()

    class KmsKeys(RuleBasedStateMachine):
        """KMS keys in two Regions: create, replicate, read, change state, tag, delete."""

        keys = Bundle("keys")

        def __init__(self) -> None:
            super().__init__()
            self.world = KmsWorld(sequence)
            self.created = 0

        @precondition(lambda self: self.created < MAX_KEYS)
        @rule(target=keys, params=create_params())
        def create_key(self, params: dict[str, Any]) -> int:
            self.created += 1
            handle = next(counter)
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
                params["Policy"] = kms_strategies.default_policy(context.account_id)
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
        @rule(key=keys, where=where, tags=kms_setup.small_tags(min_size=1))
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
            _fail_with_first(sequence)

    return KmsKeys()


# --- Payment Cryptography ----------------------------------------------------------------------


class PcWorld:
    """Turns drawn Payment Cryptography steps into calls on the keys the target made."""

    def __init__(self, sequence: _Sequence):
        self.sequence = sequence
        self.context = sequence.context
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


PC_OPERATIONS = frozenset(sources.PAYMENT_CRYPTOGRAPHY.operations)


@dataclass(frozen=True, slots=True)
class PcSteps:
    """Which steps a Payment Cryptography machine draws (see :class:`KmsSteps`)."""

    operations: frozenset[str] = PC_OPERATIONS


def _pc_machine(steps: PcSteps, sequence: _Sequence, context: _Context) -> RuleBasedStateMachine:
    create_op = context.sender.spec.operation("payment-cryptography", "CreateKey")

    @st.composite
    def create_params(draw: st.DrawFn) -> dict[str, Any]:
        params = draw(pc_strategies.create_key_params(create_op))
        params.pop("Tags", None)
        tags = draw(pc_setup.small_tags(), label="Tags")
        return {**params, "Tags": tags} if tags else params

    days = st.one_of(st.none(), st.integers(3, 180))
    tag_names = st.lists(
        st.sampled_from([*pc_setup.TAG_KEYS, "missing"]), min_size=1, max_size=2, unique=True
    )

    def drawn(operation: str) -> Callable[[Any], bool]:
        return lambda machine: operation in steps.operations

    counter = itertools.count()

    class PcKeys(RuleBasedStateMachine):
        """Payment Cryptography keys: create, read, list, delete, restore, tag."""

        keys = Bundle("keys")

        def __init__(self) -> None:
            super().__init__()
            self.world = PcWorld(sequence)
            self.created = 0
            self.listed = False

        @precondition(lambda self: self.created < MAX_KEYS)
        @rule(target=keys, params=create_params())
        def create_key(self, params: dict[str, Any]) -> int:
            self.created += 1
            handle = next(counter)
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
        @rule(key=keys, tags=pc_setup.small_tags(min_size=1))
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
        @rule(only=st.sampled_from([None, pc_states.CREATE_COMPLETE, pc_states.DELETE_PENDING]))
        def list_keys(self, only: str | None) -> None:
            self.listed = True
            self.world.list_keys(only)

        def teardown(self) -> None:
            _fail_with_first(sequence)

    return PcKeys()


def _fail_with_first(sequence: _Sequence) -> None:
    """End the example with its first divergence of a state rule, for Hypothesis to shrink."""
    if sequence.own:
        raise signals.signal_for(sequence.own[0])


def kms_machine(steps: KmsSteps = KmsSteps(), name: str = "kms") -> StatefulTest:
    """A KMS machine drawing ``steps``."""
    return StatefulTest(name, "kms", kms_states.STATE_RULES, functools.partial(_kms_machine, steps))


def pc_machine(steps: PcSteps = PcSteps(), name: str = "payment-cryptography") -> StatefulTest:
    """A Payment Cryptography machine drawing ``steps``."""
    return StatefulTest(
        name, "payment-cryptography", pc_states.PC_STATE_RULES, functools.partial(_pc_machine, steps)
    )


KMS = kms_machine()
PAYMENT_CRYPTOGRAPHY = pc_machine()
MACHINES: tuple[StatefulTest, ...] = (KMS, PAYMENT_CRYPTOGRAPHY)


def derive_seed(run_seed: int, name: str) -> int:
    """The seed of machine ``name``; a namespace of its own beside the rule tests' seeds."""
    return signals.derive_seed(run_seed, f"stateful:{name}")


def run_stateful(
    sender: Sender,
    test: StatefulTest,
    *,
    run_seed: int,
    max_examples: int,
    shrink_calls: int,
    steps: int = STEPS,
) -> StatefulRun:
    """Run ``test``'s machine; never raises for the target's sake.

    ``max_examples`` and ``shrink_calls`` are the run's per-rule-test settings: the machine
    draws ``max_examples / EXAMPLES_DIVISOR`` sequences, and after the first divergence of a
    state rule, shrinking may spend ``shrink_calls * SHRINK_FACTOR`` more calls; then the
    smallest example of each finding is kept. Bounds in calls, not seconds, keep runs
    deterministic on slow targets.
    """
    started = time.monotonic()
    context = _Context(sender, sender.region, sender.replica_region, sender.account_id)
    counters = {"examples": 0, "calls": 0}
    first_divergence_at: list[int] = []
    budget = shrink_calls * SHRINK_FACTOR

    def factory() -> RuleBasedStateMachine:
        if first_divergence_at and counters["calls"] - first_divergence_at[0] > budget:
            signals.stop_unless_final()
        sequence = _Sequence(test, context)
        _track(sequence, counters, first_divergence_at)
        return test.build(sequence, context)

    seeded: Any = seed(derive_seed(run_seed, test.name))(factory)
    configured = settings(
        max_examples=max(1, math.ceil(max_examples / EXAMPLES_DIVISOR)),
        stateful_step_count=steps,
        database=None,  # determinism: the seed alone decides the draws
        deadline=None,  # endpoints have their own latency; time never decides a finding
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=True,
        print_blob=False,
    )
    status: Status = "passed"
    try:
        run_state_machine_as_test(seeded, settings=configured)
    except signals.Abort as abort:
        raise abort.error from None
    except BaseException as exc:
        found = signals.signals_in(exc)
        if found is None:
            raise
        for signal in found:
            sender.findings.prefer_shrunk(signal.finding)
    own = [f for f in sender.findings if f.rule in test.rule_ids]
    if own:
        status = "failed"
    elif counters["examples"] == 0:
        status = "unchecked"
    return StatefulRun(
        test,
        status,
        own,
        "" if status != "unchecked" else "no sequence reached the target",
        counters["examples"],
        counters["calls"],
        time.monotonic() - started,
    )


def _track(sequence: _Sequence, counters: dict[str, int], first: list[int]) -> None:
    """Count the example's calls when Hypothesis ends it, whatever way it ends."""

    def done() -> None:
        counters["examples"] += 1
        counters["calls"] += sequence.calls
        if sequence.own and not first:
            first.append(counters["calls"])

    cleanup(done)
