"""``test_stateful[kms-key-use]``: keys used across their life, in two Regions.

Random sequences of steps on a few keys of every kind: use them (encrypt, sign, MAC, derive a
secret, make a data key, read the public key) in whatever state they are in, with their key ID,
ARN or an alias; change their state; replicate them and move their primary Region; create,
update and delete aliases; turn rotation on and off and rotate on demand; import and delete key
material. After every step the world reads back what the step may have changed, and every
answer is judged against the model:

- a ciphertext, signature or MAC is used again at once by the other key of its multi-Region set
  when there is one (else by the same key): the round trip, and multi-Region interoperability,
  after every use;
- DescribeKey in every Region of the family after a change of state or primary Region;
- ListAliases of the key after an alias step (alias -> key mapping);
- GetKeyRotationStatus after a rotation step.

As in :mod:`harness.services.kms.machine`, rules only draw (handles, roles, parameters); the world
turns them into calls with the ids the target gave.
"""

from __future__ import annotations

import itertools
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, precondition, rule

from harness import redaction
from harness.exchange import Call, Exchange
from harness.machines import MAX_KEYS, MachineClass, MachineContext, Sequence, StatefulTest, Where
from harness.services.kms import key_use_crypto as crypto
from harness.services.kms import key_use_rules, state_rules, state_scenarios
from harness.services.kms.key_use_scenarios import KINDS, b64, wrapped_material

SERVICE = "kms"
NAME = "kms-key-use"
#: The share of the run's sequences and shrink calls: three sequences of ten steps by default.
BUDGET = 0.25
MACHINE_KINDS = ("symmetric", "symmetric-external", "rsa-encrypt", "ecc-sign", "ecc-agree", "hmac")
#: What using a key of each kind means.
USE_OF = {
    "symmetric": "Encrypt",
    "symmetric-external": "Encrypt",
    "rsa-encrypt": "Encrypt",
    "ecc-sign": "Sign",
    "ecc-agree": "DeriveSharedSecret",
    "hmac": "GenerateMac",
}
STATE_CHANGES = {
    "disable": ("DisableKey", {}),
    "enable": ("EnableKey", {}),
    "schedule": ("ScheduleKeyDeletion", {"PendingWindowInDays": 7}),
    "cancel": ("CancelKeyDeletion", {}),
}


@dataclass
class UsedKey:
    kind: str
    key_id: str
    arns: dict[str, str]
    aliases: dict[str, str] = field(default_factory=dict)
    """Alias name -> Region."""

    @property
    def regions(self) -> list[str]:
        return list(self.arns)


class KeyUseWorld:
    """Turns drawn steps into calls on the keys the target made."""

    def __init__(
        self, sequence: Sequence, context: MachineContext, sleep: Callable[[float], None] = time.sleep
    ):
        self.sequence = sequence
        self.context = context
        self.sleep = sleep
        self.keys: dict[int, UsedKey] = {}
        self.namespace = uuid.uuid4().hex[:10]

    def send(self, operation: str, params: Mapping[str, Any], region: str) -> Exchange:
        return self.sequence.send(Call(SERVICE, operation, dict(params), region))

    def region(self, key: UsedKey, where: Where) -> str:
        """The Region ``where`` names, or the key's only Region when it has one."""
        wanted = self.context.region(where)
        return wanted if wanted in key.arns else key.regions[0]

    def other(self, key: UsedKey, region: str) -> str:
        """Another Region of the key's multi-Region set, else the same one."""
        return next((r for r in key.regions if r != region), region)

    def create(self, handle: int, kind: str, multi: bool) -> None:
        params = {**KINDS[kind], **({"MultiRegion": True} if multi else {})}
        answer = self.send("CreateKey", params, self.context.home)
        meta = answer.body.get("KeyMetadata") if answer.ok and isinstance(answer.body, dict) else None
        if isinstance(meta, dict) and isinstance(meta.get("KeyId"), str):
            arn = meta.get("Arn")
            self.keys[handle] = UsedKey(
                kind, meta["KeyId"], {self.context.home: arn if isinstance(arn, str) else ""}
            )
            if kind not in ("symmetric", "symmetric-external", "hmac"):
                self.send("GetPublicKey", {"KeyId": meta["KeyId"]}, self.context.home)

    def describe(self, key: UsedKey) -> None:
        for region in key.regions:
            self.send("DescribeKey", {"KeyId": key.key_id}, region)

    def replicate(self, key: UsedKey) -> None:
        home, away = self.context.home, self.context.away
        if home not in key.arns or away in key.arns:
            return
        answer = self.send("ReplicateKey", {"KeyId": key.key_id, "ReplicaRegion": away}, home)
        meta = answer.body.get("ReplicaKeyMetadata") if answer.ok and isinstance(answer.body, dict) else None
        if isinstance(meta, dict):
            arn = meta.get("Arn")
            key.arns[away] = arn if isinstance(arn, str) else ""
            state_scenarios.settle(self.sequence.send, away, key.key_id, sleep=self.sleep)
        self.describe(key)

    def update_primary(self, key: UsedKey, where: Where) -> None:
        if len(key.regions) < 2:
            return
        region = self.region(key, where)
        target = self.other(key, region)
        answer = self.send("UpdatePrimaryRegion", {"KeyId": key.key_id, "PrimaryRegion": target}, region)
        if answer.ok:
            for member in (region, target):
                state_scenarios.settle(self.sequence.send, member, key.key_id, sleep=self.sleep)
        self.describe(key)

    def change_state(self, key: UsedKey, where: Where, change: str) -> None:
        operation, params = STATE_CHANGES[change]
        self.send(operation, {"KeyId": key.key_id, **params}, self.region(key, where))
        self.describe(key)

    def name(self, key: UsedKey, region: str, naming: str) -> str:
        if naming == "arn":
            return key.arns.get(region) or key.key_id
        if naming == "alias":
            return next((a for a, r in key.aliases.items() if r == region), key.key_id)
        return key.key_id

    def use(self, key: UsedKey, where: Where, naming: str, data: bytes) -> None:
        """The key's main operation, then its round trip with the other key of the set."""
        region = self.region(key, where)
        named = self.name(key, region, naming)
        other = self.other(key, region)
        operation = USE_OF[key.kind]
        data = uuid.uuid4().bytes + data
        if operation == "Encrypt":
            params: dict[str, Any] = {"KeyId": named, "Plaintext": b64(data)}
            if key.kind == "rsa-encrypt":
                params["EncryptionAlgorithm"] = "RSAES_OAEP_SHA_256"
            answer = self.send("Encrypt", params, region)
            blob = (
                _kept(answer.body.get("CiphertextBlob"))
                if answer.ok and isinstance(answer.body, dict)
                else None
            )
            if blob is not None:
                back: dict[str, Any] = {"CiphertextBlob": blob}
                if key.kind == "rsa-encrypt":
                    back.update({"KeyId": key.key_id, "EncryptionAlgorithm": "RSAES_OAEP_SHA_256"})
                self.send("Decrypt", back, other)
        elif operation == "Sign":
            params = {"KeyId": named, "Message": b64(data), "SigningAlgorithm": "ECDSA_SHA_256"}
            answer = self.send("Sign", params, region)
            signature = (
                _kept(answer.body.get("Signature")) if answer.ok and isinstance(answer.body, dict) else None
            )
            if signature is not None:
                self.send("Verify", {**params, "KeyId": key.key_id, "Signature": signature}, other)
        elif operation == "GenerateMac":
            params = {"KeyId": named, "Message": b64(data), "MacAlgorithm": "HMAC_SHA_256"}
            answer = self.send("GenerateMac", params, region)
            mac = _kept(answer.body.get("Mac")) if answer.ok and isinstance(answer.body, dict) else None
            if mac is not None:
                self.send("VerifyMac", {**params, "KeyId": key.key_id, "Mac": mac}, other)
        else:
            peer = crypto.peer_public_der("ECC_NIST_P256")
            assert peer is not None
            params = {"KeyId": named, "KeyAgreementAlgorithm": "ECDH", "PublicKey": b64(peer)}
            self.send("DeriveSharedSecret", params, region)

    def data_key(self, key: UsedKey, where: Where, size: int) -> None:
        region = self.region(key, where)
        answer = self.send("GenerateDataKey", {"KeyId": key.key_id, "NumberOfBytes": size}, region)
        blob = (
            _kept(answer.body.get("CiphertextBlob")) if answer.ok and isinstance(answer.body, dict) else None
        )
        if blob is not None:
            self.send("Decrypt", {"CiphertextBlob": blob}, self.other(key, region))

    def public_key(self, key: UsedKey, where: Where) -> None:
        self.send("GetPublicKey", {"KeyId": key.key_id}, self.region(key, where))

    def alias(self, key: UsedKey, where: Where, action: str, slot: int, others: list[UsedKey]) -> None:
        region = self.region(key, where)
        name = f"alias/harness-{self.namespace}-{slot}"
        owner = next((k for k in others if k.aliases.get(name) == region), None)
        if action == "create":
            answer = self.send("CreateAlias", {"AliasName": name, "TargetKeyId": key.key_id}, region)
            if answer.ok and owner is None:
                key.aliases[name] = region
        elif action == "update":
            answer = self.send("UpdateAlias", {"AliasName": name, "TargetKeyId": key.key_id}, region)
            if answer.ok:
                if owner is not None:
                    owner.aliases.pop(name, None)
                key.aliases[name] = region
        else:
            answer = self.send("DeleteAlias", {"AliasName": name}, region)
            if answer.ok and owner is not None:
                owner.aliases.pop(name, None)
        for touched in {id(k): k for k in (key, owner) if k is not None}.values():
            self.send("ListAliases", {"KeyId": touched.key_id}, region)
        if key.aliases.get(name) == region:
            self.send("DescribeKey", {"KeyId": name}, region)

    def rotation(self, key: UsedKey, where: Where, action: str, period: int | None) -> None:
        region = self.region(key, where)
        if action == "enable":
            params: dict[str, Any] = {"KeyId": key.key_id}
            if period is not None:
                params["RotationPeriodInDays"] = period
            self.send("EnableKeyRotation", params, region)
        elif action == "disable":
            self.send("DisableKeyRotation", {"KeyId": key.key_id}, region)
        else:
            self.send("RotateKeyOnDemand", {"KeyId": key.key_id}, region)
            self.send("ListKeyRotations", {"KeyId": key.key_id}, region)
        for member in key.regions:
            self.send("GetKeyRotationStatus", {"KeyId": key.key_id}, member)

    def material(self, key: UsedKey, where: Where, action: str) -> None:
        region = self.region(key, where)
        if action == "delete":
            self.send("DeleteImportedKeyMaterial", {"KeyId": key.key_id}, region)
        else:
            params = {
                "KeyId": key.key_id,
                "WrappingAlgorithm": "RSAES_OAEP_SHA_256",
                "WrappingKeySpec": "RSA_2048",
            }
            answer = self.send("GetParametersForImport", params, region)
            body = answer.body if answer.ok and isinstance(answer.body, dict) else {}
            token, public = body.get("ImportToken"), body.get("PublicKey")
            if isinstance(token, str) and isinstance(public, str):
                material = {
                    "KeyId": key.key_id,
                    "ImportToken": token,
                    "EncryptedKeyMaterial": wrapped_material(public, "RSAES_OAEP_SHA_256"),
                    "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
                }
                self.send("ImportKeyMaterial", material, region)
        self.describe(key)


def _kept(value: Any) -> str | None:
    """A blob an answer gave, as base64 text (a token's bytes may not outlive a long sequence)."""
    raw = redaction.reveal(value)
    return b64(raw) if raw is not None else None


def _machine(context: MachineContext) -> MachineClass:
    wheres = st.sampled_from(("home", "away"))

    class KeyUse(RuleBasedStateMachine):
        """Keys of every kind used in every state, across Regions, by id, ARN and alias."""

        keys = Bundle("keys")

        def __init__(self, sequence: Sequence) -> None:
            super().__init__()
            self.sequence = sequence
            self.world = KeyUseWorld(sequence, context)
            self.created = 0
            self.handles = itertools.count()

        def _key(self, handle: int) -> UsedKey | None:
            return self.world.keys.get(handle)

        @precondition(lambda self: self.created < MAX_KEYS)
        @rule(target=keys, kind=st.sampled_from(MACHINE_KINDS), multi=st.booleans())
        def create_key(self, kind: str, multi: bool) -> int:
            self.created += 1
            handle = next(self.handles)
            # Imported material and multi-Region keys have rules of their own: not mixed here.
            self.world.create(handle, kind, multi and kind != "symmetric-external")
            return handle

        @rule(
            key=keys,
            where=wheres,
            naming=st.sampled_from(("id", "arn", "alias")),
            data=st.binary(max_size=32),
        )
        def use(self, key: int, where: Where, naming: str, data: bytes) -> None:
            found = self._key(key)
            if found is not None:
                self.world.use(found, where, naming, data)

        @rule(key=keys, where=wheres, size=st.sampled_from((32, 16, 64)))
        def data_key(self, key: int, where: Where, size: int) -> None:
            found = self._key(key)
            if found is not None and found.kind in ("symmetric", "symmetric-external"):
                self.world.data_key(found, where, size)

        @rule(key=keys, where=wheres)
        def public_key(self, key: int, where: Where) -> None:
            found = self._key(key)
            if found is not None:
                self.world.public_key(found, where)

        @rule(key=keys)
        def replicate(self, key: int) -> None:
            found = self._key(key)
            if found is not None and found.kind != "symmetric-external":
                self.world.replicate(found)

        @rule(key=keys, where=wheres)
        def update_primary_region(self, key: int, where: Where) -> None:
            found = self._key(key)
            if found is not None:
                self.world.update_primary(found, where)

        @rule(key=keys, where=wheres, change=st.sampled_from(tuple(STATE_CHANGES)))
        def change_state(self, key: int, where: Where, change: str) -> None:
            found = self._key(key)
            if found is not None:
                self.world.change_state(found, where, change)

        @rule(
            key=keys,
            where=wheres,
            action=st.sampled_from(("create", "update", "delete")),
            slot=st.integers(0, 1),
        )
        def alias(self, key: int, where: Where, action: str, slot: int) -> None:
            found = self._key(key)
            if found is not None:
                self.world.alias(found, where, action, slot, list(self.world.keys.values()))

        @rule(
            key=keys,
            where=wheres,
            action=st.sampled_from(("enable", "disable", "on-demand")),
            period=st.sampled_from((None, 90, 365)),
        )
        def rotation(self, key: int, where: Where, action: str, period: int | None) -> None:
            found = self._key(key)
            if found is not None:
                self.world.rotation(found, where, action, period)

        @rule(key=keys, where=wheres, action=st.sampled_from(("import", "delete")))
        def key_material(self, key: int, where: Where, action: str) -> None:
            found = self._key(key)
            if found is not None and found.kind == "symmetric-external":
                self.world.material(found, where, action)

        def teardown(self) -> None:
            self.sequence.end()

    return KeyUse


def key_use_machine(name: str = NAME, budget: float = BUDGET) -> StatefulTest:
    rules = (*key_use_rules.KEY_USE_RULES, *state_rules.STATE_RULES)
    return StatefulTest(name, SERVICE, rules, _machine, budget)


MACHINE = key_use_machine()
