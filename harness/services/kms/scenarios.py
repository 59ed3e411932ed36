"""KMS scenarios: how each KMS rule is exercised."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from hypothesis import strategies as st

from harness.exchange import Call
from harness.scenarios.base import SCENARIOS, Attempt, Driver, Scenario, SetupFailed
from harness.services.kms import rules as oracle
from harness.services.kms import strategies as strategies
from harness.spec.catalog import OperationSpec

TagLists = Callable[[OperationSpec], st.SearchStrategy[list[dict[str, str]]]]

SERVICE = "kms"


def _op(d: Driver, name: str) -> OperationSpec:
    return d.spec.operation(SERVICE, name)


def create_key(tag_lists: TagLists | None = None) -> Scenario:
    """CreateKey with valid parameters, and tags from ``tag_lists`` when given."""

    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        op = _op(d, "CreateKey")
        params = data.draw(
            strategies.create_key_params(
                op,
                region=d.region,
                account_id=d.account_id,
                tag_lists=tag_lists(op) if tag_lists else None,
            ),
            label="CreateKey",
        )
        control = _without(params, "Tags") if tag_lists else None
        return Attempt(
            Call(SERVICE, "CreateKey", params),
            control=Call(SERVICE, "CreateKey", control) if control is not None else None,
        )

    return scenario


def _primary_key(d: Driver, data: st.DataObject) -> str:
    """Set-up: an enabled multi-Region primary key in the target's region; its key ID."""
    op = _op(d, "CreateKey")
    params = data.draw(
        strategies.create_key_params(
            op, region=d.region, account_id=d.account_id, multi_region=True, external_origin=False
        ),
        label="CreateKey (primary)",
    )
    if oracle.effective_key_spec(params).startswith(("SYMMETRIC_", "HMAC_", "RSA_")):
        # The primary's spec does not bear on ReplicateKey's rules (tags, policy, the replica's
        # answer mirrors whatever the primary is), and the key survey replicates a key of every
        # shape (the stateful machine too): a drawn primary of a spec moto makes an RSA key pair
        # for (66 ms; RSA_4096 0.5 s) becomes the cheap set-up key (strategies.SETUP_KEY; the
        # draw itself is unchanged, so are later draws).
        shape = ("KeySpec", "CustomerMasterKeySpec", "KeyUsage")
        params = {**{k: v for k, v in params.items() if k not in shape}, **strategies.SETUP_KEY}
    answer = d.require(Call(SERVICE, "CreateKey", params))
    key_id = strategies.key_id_of(answer)
    if key_id is None:
        raise SetupFailed("set-up CreateKey answered without KeyMetadata.KeyId")
    return key_id


def replicate_key(tag_lists: TagLists | None = None) -> Scenario:
    """ReplicateKey of a fresh primary to the replica region, tags from ``tag_lists``."""

    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        key_id = _primary_key(d, data)
        op = _op(d, "ReplicateKey")
        params = data.draw(
            strategies.replicate_key_params(
                op,
                key_id=key_id,
                replica_region=d.replica_region,
                account_id=d.account_id,
                tag_lists=tag_lists(op) if tag_lists else None,
            ),
            label="ReplicateKey",
        )
        # The control is only sent after the target rejected the call, so the primary
        # still has no replica in that region and replicating it again is valid.
        return Attempt(
            Call(SERVICE, "ReplicateKey", params),
            control=Call(SERVICE, "ReplicateKey", _without(params, "Tags")) if tag_lists else None,
        )

    return scenario


def tag_resource(tag_lists: TagLists | None = None) -> Scenario:
    """TagResource on a fresh key that may already carry tags."""

    def scenario(d: Driver, data: st.DataObject) -> Attempt:
        create_op = _op(d, "CreateKey")
        existing = data.draw(strategies.valid_tag_lists(create_op, max_size=5), label="existing tags")
        setup = {**strategies.SETUP_KEY, **({"Tags": existing} if existing else {})}
        answer = d.require(Call(SERVICE, "CreateKey", setup))
        key_id = strategies.key_id_of(answer)
        if key_id is None:
            raise SetupFailed("set-up CreateKey answered without KeyMetadata.KeyId")
        op = _op(d, "TagResource")
        new_tags = data.draw(
            tag_lists(op) if tag_lists else strategies.valid_tag_lists(op, max_size=10),
            label="Tags",
        )
        params = {"KeyId": key_id, "Tags": new_tags}
        control = {"KeyId": key_id, "Tags": [strategies.tags("harness-control", "")]}
        return Attempt(
            Call(SERVICE, "TagResource", params),
            control=Call(SERVICE, "TagResource", control) if tag_lists else None,
        )

    return scenario


def _without(params: dict[str, object], member: str) -> dict[str, object]:
    return {k: v for k, v in params.items() if k != member}


def describe_missing_key(d: Driver, data: st.DataObject) -> Attempt:
    """DescribeKey of a well-formed key ID (UUID or mrk-) that no key has."""
    multi = data.draw(st.booleans(), label="multi-Region id")
    uuid = data.draw(st.uuids(version=4), label="uuid")
    key_id = f"mrk-{uuid.hex}" if multi else str(uuid)
    return Attempt(Call(SERVICE, "DescribeKey", {"KeyId": key_id}))


#: One key of each KeySpec family and KeyUsage a Region outside China offers (rule 17);
#: every HMAC and ECC size, because their algorithm lists differ.
SURVEY_SHAPES: tuple[tuple[str, str], ...] = (
    ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT"),
    ("HMAC_224", "GENERATE_VERIFY_MAC"),
    ("HMAC_256", "GENERATE_VERIFY_MAC"),
    ("HMAC_384", "GENERATE_VERIFY_MAC"),
    ("HMAC_512", "GENERATE_VERIFY_MAC"),
    ("RSA_2048", "ENCRYPT_DECRYPT"),
    ("RSA_2048", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "SIGN_VERIFY"),
    ("ECC_NIST_P256", "KEY_AGREEMENT"),
    ("ECC_NIST_P384", "SIGN_VERIFY"),
    ("ECC_NIST_P521", "SIGN_VERIFY"),
    ("ECC_SECG_P256K1", "SIGN_VERIFY"),
    ("ECC_NIST_EDWARDS25519", "SIGN_VERIFY"),
    ("ML_DSA_44", "SIGN_VERIFY"),
    ("ML_KEM_512", "ENCAPSULATE_DECAPSULATE"),
)


def key_survey(d: Driver) -> Iterator[Attempt]:
    """Coverage for answer rules: every key shape, single- and multi-Region, and a replica of each."""
    available = set(oracle.specs_available_in(d.region))
    shapes = [(spec, usage) for spec, usage in SURVEY_SHAPES if spec in available]
    yield Attempt(Call(SERVICE, "CreateKey", {}))  # every default (rule 15)
    yield Attempt(Call(SERVICE, "CreateKey", {"Origin": "EXTERNAL"}))  # PendingImport (rule 24)
    for spec, usage in shapes:
        yield Attempt(Call(SERVICE, "CreateKey", {"KeySpec": spec, "KeyUsage": usage}))
    for spec, usage in shapes:
        primary = d.setup(
            Call(SERVICE, "CreateKey", {"KeySpec": spec, "KeyUsage": usage, "MultiRegion": True})
        )
        key_id = strategies.key_id_of(primary.body) if primary.ok and isinstance(primary.body, dict) else None
        if key_id is None:
            continue  # the target rejected this shape: the valid-call rule reports it
        params = {
            "KeyId": key_id,
            "ReplicaRegion": d.replica_region,
            "Description": "replica",
            "Tags": [strategies.tags("survey", spec)],
        }
        yield Attempt(Call(SERVICE, "ReplicateKey", params))
    yield Attempt(Call(SERVICE, "DescribeKey", {"KeyId": "00000000-0000-4000-8000-000000000000"}))
    tagged = d.setup(Call(SERVICE, "CreateKey", {}))
    key_id = strategies.key_id_of(tagged.body) if tagged.ok and isinstance(tagged.body, dict) else None
    if key_id is not None:
        yield Attempt(
            Call(SERVICE, "TagResource", {"KeyId": key_id, "Tags": [strategies.tags("survey", "")]})
        )


TAG_RULES: dict[str, TagLists] = {
    oracle.TAG_RESERVED_PREFIX.id: strategies.reserved_prefix_tag_lists,
    oracle.TAG_DUPLICATE_KEYS.id: strategies.duplicate_key_tag_lists,
    oracle.TAG_KEY_TOO_LONG.id: strategies.long_key_tag_lists,
    oracle.TAG_KEY_EMPTY.id: strategies.empty_key_tag_lists,
    oracle.TAG_VALUE_TOO_LONG.id: strategies.long_value_tag_lists,
}


def register() -> None:
    """Register this module's rule tests (the service folder calls it, in suite order)."""
    SCENARIOS.add(oracle.VALID_CREATE_KEY.id, "CreateKey", create_key())
    SCENARIOS.add(oracle.VALID_REPLICATE_KEY.id, "ReplicateKey", replicate_key())
    SCENARIOS.add(oracle.VALID_TAG_RESOURCE.id, "TagResource", tag_resource())
    for rule, lists in TAG_RULES.items():
        SCENARIOS.add(rule, "CreateKey", create_key(lists))
        SCENARIOS.add(rule, "ReplicateKey", replicate_key(lists))
        SCENARIOS.add(rule, "TagResource", tag_resource(lists))
    SCENARIOS.add(oracle.TAG_TOO_MANY.id, "CreateKey", create_key(strategies.too_many_tag_lists))
    SCENARIOS.add(oracle.TAG_TOO_MANY.id, "ReplicateKey", replicate_key(strategies.too_many_tag_lists))
    SCENARIOS.add(
        oracle.TAG_TOO_MANY_ON_TAG_RESOURCE.id,
        "TagResource",
        tag_resource(strategies.too_many_tag_lists),
    )
    SCENARIOS.add(oracle.KEY_NOT_FOUND.id, "DescribeKey", describe_missing_key)


def unnamed_policy(d: Driver, data: st.DataObject) -> Attempt:
    """GetKeyPolicy with a well-formed PolicyName that is neither default nor AWS_RAM: no rule
    names its answer's code (NotFoundException is the documented one)."""
    created = d.require(Call(SERVICE, "CreateKey", dict(strategies.SETUP_KEY)))
    key_id = strategies.key_id_of(created)
    if key_id is None:
        raise SetupFailed("set-up CreateKey answered without KeyMetadata.KeyId")
    name = data.draw(st.sampled_from(["harness", "custom", "Policy1"]), label="PolicyName")
    return Attempt(Call(SERVICE, "GetKeyPolicy", {"KeyId": key_id, "PolicyName": name}))


#: Refusals whose codes no rule names, for the rule about undocumented error codes.
ANSWER_REFUSALS: tuple[Scenario, ...] = (unnamed_policy,)

#: Scenarios whose answers exercise the answer rules (schema, wire format, error shape).
ANSWER_MIX: tuple[Scenario, ...] = (
    create_key(),
    replicate_key(),
    tag_resource(),
    create_key(strategies.reserved_prefix_tag_lists),
    describe_missing_key,
)
