"""The reference model of what keys do: ciphertexts, signatures, MACs, aliases, rotation, imports.

:class:`KeyUseHandlers` is a mixin of :class:`~harness.services.kms.model.KmsModel`: it adds the
``_predict_<Op>`` / ``_apply_<Op>`` handlers of the operations of
:mod:`harness.services.kms.key_use_rules`, and what they need to remember:

- every ciphertext, signature and MAC the target made, by the digest of its bytes (never the
  bytes: :mod:`harness.redaction`), with the key set, plaintext digest, encryption context and
  algorithm it was made with. So Decrypt must give back what was encrypted, a ciphertext nobody
  made is invalid (with a complete history), a signature verifies only for its message, and a
  multi-Region set's keys are interchangeable;
- each Region's aliases (name -> key id), which also resolve alias names wherever a KeyId accepts
  one (DescribeKey included);
- the public key of each key set (GetPublicKey), for the local checks of
  :mod:`harness.services.kms.key_use_crypto`;
- rotation state (on the keys, harness.services.kms.keys) and import tokens.

As the rest of the model, it predicts nothing it cannot know: a key whose state is unknown, a
ciphertext it never saw with an incomplete history, an undocumented combination.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from harness import redaction
from harness.exchange import Call, Exchange
from harness.model.handlers import OperationHandlers
from harness.model.matchers import Matcher, Number, SameItems
from harness.oracle.predict import ABSENT, Fact, Prediction, Violation, attach, predict
from harness.oracle.rules import Rule
from harness.services.kms import key_use_crypto as crypto
from harness.services.kms import key_use_rules as uses
from harness.services.kms import state_rules as states
from harness.services.kms.rules import KEY_NOT_FOUND

if TYPE_CHECKING:
    from harness.services.kms.keys import KmsKey
    from harness.services.kms.model import KeyRef

_ALIAS_ARN_PREFIX = ":alias/"
#: KmsKey.rotation_period when the period is not known (``None`` is the documented default).
UNKNOWN_PERIOD = 0


@dataclass(frozen=True, slots=True)
class Ciphertext:
    """What the model knows of a ciphertext the target made."""

    family: str
    """The key id of the key (set) that made it."""
    region: str
    plaintext: redaction.Fingerprint | None
    """The plaintext's fingerprint; ``None`` when not shown (a data key without plaintext)."""
    length: int | None
    """The plaintext's length when the fingerprint is not known."""
    context: Mapping[str, str]
    algorithm: str


@dataclass(frozen=True, slots=True)
class Signed:
    family: str
    region: str
    message: redaction.Fingerprint
    message_type: str
    algorithm: str


@dataclass(frozen=True, slots=True)
class Tagged:
    """A MAC the target made."""

    family: str
    region: str
    algorithm: str
    message: redaction.Fingerprint


@dataclass
class KeyUseState:
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    """Region -> alias name -> key id."""
    deleted: dict[str, set[str]] = field(default_factory=dict)
    """Region -> alias names DeleteAlias removed (and not made again)."""
    unsure: dict[str, set[str]] = field(default_factory=dict)
    """Region -> alias names a server error left in doubt: whether they exist, and where they
    point, is learned again from later answers, never predicted."""
    ciphertexts: dict[str, Ciphertext] = field(default_factory=dict)
    signatures: dict[str, Signed] = field(default_factory=dict)
    macs: dict[str, Tagged] = field(default_factory=dict)
    """MAC digest -> what it is the MAC of."""
    mac_of: dict[tuple[str, str, str], tuple[redaction.Fingerprint, str]] = field(default_factory=dict)
    """(key set, algorithm, message digest) -> the MAC's fingerprint and the Region that made it."""
    public_keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Key set -> (the public key as base64 text, the Region it was read in)."""
    tokens: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Import token digest -> (key id, Region)."""


@dataclass(frozen=True, slots=True)
class Target:
    """A key a request names, as the predicates read it."""

    key: KmsKey
    facts: uses.KeyFacts
    by_alias: bool


Named = tuple[Target | None, list[Violation] | None]
"""(the key, None); (None, the violations of a name that names no key); (None, None): unknown."""


def _context(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


def _alias_name(value: str, region: str) -> str | None:
    """The alias name an alias name or alias ARN of ``region`` stands for."""
    if value.startswith("alias/"):
        return value
    if value.startswith("arn:") and _ALIAS_ARN_PREFIX in value:
        parts = value.split(":", 5)
        if len(parts) == 6 and parts[2] == "kms" and parts[3] == region:
            return parts[5]
    return None


def is_alias(value: Any) -> bool:
    return isinstance(value, str) and (
        value.startswith("alias/") or (value.startswith("arn:") and _ALIAS_ARN_PREFIX in value)
    )


@dataclass(frozen=True, eq=False)
class AliasList(Matcher):
    """ListAliases' ``Aliases``: every alias the model knows that is listed points at its key (with
    its alias ARN), no deleted alias is listed, and with ``complete`` every expected one is."""

    expected: tuple[tuple[str, str, str], ...]
    """(AliasName, AliasArn or '', TargetKeyId)."""
    absent: tuple[str, ...] = ()
    complete: bool = False

    def problems(self, value: Any) -> list[str]:
        if not isinstance(value, list):
            return []  # the response-schema rule's finding
        listed = {item.get("AliasName"): item for item in value if isinstance(item, Mapping)}
        found = [f"{name} is listed after DeleteAlias" for name in self.absent if name in listed]
        for name, arn, target in self.expected:
            item = listed.get(name)
            if item is None:
                if self.complete:
                    found.append(f"{name} is missing")
                continue
            if item.get("TargetKeyId") != target:
                found.append(f"{name} points at {item.get('TargetKeyId')!r}, not {target!r}")
            if arn and item.get("AliasArn") != arn:
                found.append(f"{name} has AliasArn {item.get('AliasArn')!r}, not {arn!r}")
        return found

    def matches(self, value: Any) -> bool:
        return not self.problems(value)

    def __repr__(self) -> str:
        every = "every one of " if self.complete else ""
        return (
            f"{every}{len(self.expected)} known aliases with their keys, none of {len(self.absent)} deleted"
        )


@dataclass(frozen=True, eq=False)
class OnDemandRotations(Matcher):
    """ListKeyRotations' ``Rotations`` with exactly ``count`` ON_DEMAND rotations."""

    count: int

    def matches(self, value: Any) -> bool:
        if not isinstance(value, list):
            return False
        return (
            sum(1 for r in value if isinstance(r, Mapping) and r.get("RotationType") == "ON_DEMAND")
            == self.count
        )

    def __repr__(self) -> str:
        return f"{self.count} ON_DEMAND rotations"


class KeyUseHandlers(OperationHandlers):
    """The handlers of the key-use operations; :class:`~harness.services.kms.model.KmsModel`
    inherits them."""

    shared_handlers: ClassVar[Mapping[str, str]] = {
        "GenerateDataKey": "data_key",
        "GenerateDataKeyWithoutPlaintext": "data_key",
        "GenerateDataKeyPair": "data_key_pair",
        "GenerateDataKeyPairWithoutPlaintext": "data_key_pair",
        "EnableKeyRotation": "switch_rotation",
        "DisableKeyRotation": "switch_rotation",
    }

    if TYPE_CHECKING:
        complete: bool
        keys: dict[tuple[str, str], KmsKey]

        def ref(self, value: Any, region: str) -> KeyRef: ...

        def key(self, region: str, key_id: str | None) -> KmsKey | None: ...

        def family(self, key_id: str) -> dict[str, KmsKey]: ...

    # -- state ------------------------------------------------------------------------------

    @property
    def key_use(self) -> KeyUseState:
        state = self.__dict__.get("_key_use")
        if state is None:
            state = self.__dict__["_key_use"] = KeyUseState()
        return state

    def alias_target(self, region: str, name: str) -> str | None:
        return self.key_use.aliases.get(region, {}).get(name)

    def alias_settled(self, region: str, name: str) -> bool:
        """Whether an alias the model does not know is known not to exist: the model saw every
        call, and no server error left this name in doubt."""
        return self.complete and name not in self.key_use.unsure.get(region, set())

    def _uncertain_key_use(self, exchange: Exchange) -> None:
        """No answer or a server error to a key-use call: forget what it may have changed.

        As for the lifecycle calls (:meth:`KmsModel._uncertain`), so that one server error does
        not turn into a finding for every call after it: an alias made, moved or deleted, the
        rotation settings, the on-demand rotation count, the state that importing or deleting key
        material changes. The calls that only use a key (Encrypt, Sign, ...) change nothing.
        """
        operation, request, region = exchange.operation, exchange.request, exchange.region
        if operation in ("CreateAlias", "UpdateAlias", "DeleteAlias"):
            name = request.get("AliasName")
            if isinstance(name, str):
                self.key_use.aliases.get(region, {}).pop(name, None)
                self.key_use.deleted.get(region, set()).discard(name)
                self.key_use.unsure.setdefault(region, set()).add(name)
            return
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=False)
        if target is None:
            return
        if operation in ("EnableKeyRotation", "DisableKeyRotation"):
            for member in self.family(target.key.key_id).values():
                member.rotation_enabled, member.rotation_period = None, UNKNOWN_PERIOD
        elif operation == "RotateKeyOnDemand":
            for member in self.family(target.key.key_id).values():
                member.on_demand_rotations = None
        elif operation in ("ImportKeyMaterial", "DeleteImportedKeyMaterial"):
            target.key.forget("state")

    # -- hooks on every call and answer -------------------------------------------------------

    def predict(self, call: Call, region: str) -> Prediction | None:
        """Resolve an alias KeyId of the operations the rest of the model handles (DescribeKey)."""
        if call.operation == "DescribeKey" and is_alias(call.params.get("KeyId")):
            target, missing = self._named(call.params.get("KeyId"), region, "KeyId", aliases=True)
            if target is None:
                return predict(None, missing) if missing else None
            dealiased = Call(
                call.service, call.operation, {**call.params, "KeyId": target.key.key_id}, call.region
            )
            found = super().predict(dealiased, region)
            if found is not None and found.expectation.outcome == "success":
                fact = Fact(
                    uses.ALIAS_MAPPING.id, "/KeyMetadata/KeyId", "KeyId of the aliased key", target.key.key_id
                )
                return attach(found, [fact])
            return found
        return super().predict(call, region)

    def _follow(self, exchange: Exchange, body: dict[str, Any], predicted: Prediction | None) -> None:
        if exchange.operation == "DescribeKey" and is_alias(exchange.request.get("KeyId")):
            target, _ = self._named(exchange.request.get("KeyId"), exchange.region, "KeyId", aliases=True)
            if target is None:
                return
            # ``predicted`` (of the alias, see predict) is the aliased key's with a fact added:
            # the same outcome, which is all that following the answer reads of it.
            exchange = replace(exchange, request={**exchange.request, "KeyId": target.key.key_id})
        super()._follow(exchange, body, predicted)
        if exchange.operation == "CreateKey":
            self._created(body, exchange.region)
        elif exchange.operation == "ReplicateKey":
            self._replicated(exchange.request, exchange.region)

    def _created(self, body: Mapping[str, Any], region: str) -> None:
        meta = body.get("KeyMetadata")
        key_id = meta.get("KeyId") if isinstance(meta, Mapping) else None
        key = self.key(region, key_id if isinstance(key_id, str) else None)
        if key is not None and key.on_demand_rotations is None:
            # A new key rotates only when asked to (EnableKeyRotation: off by default).
            key.rotation_enabled, key.rotation_period, key.on_demand_rotations = False, None, 0

    def _replicated(self, request: Mapping[str, Any], region: str) -> None:
        source = self.key(region, self.ref(request.get("KeyId"), region).key_id)
        target = request.get("ReplicaRegion")
        replica = self.key(target, source.key_id) if source is not None and isinstance(target, str) else None
        if source is not None and replica is not None and replica.on_demand_rotations is None:
            # Rotation is a shared property (rulebook rule 50).
            replica.rotation_enabled = source.rotation_enabled
            replica.rotation_period = source.rotation_period
            replica.on_demand_rotations = source.on_demand_rotations

    # -- naming a key -------------------------------------------------------------------------

    def _named(self, value: Any, region: str, member: str, *, aliases: bool) -> Named:
        pointer = f"/{member}"
        if not isinstance(value, str):
            return None, None
        if is_alias(value):
            if not aliases:
                return None, None  # the docs say only key ids and ARNs; what else gets is not known
            name = _alias_name(value, region)
            if name is None:
                return None, None  # an alias ARN of another Region
            key_id = self.alias_target(region, name)
            if key_id is None:
                if name.startswith(uses.RESERVED_ALIAS_PREFIX) or not self.alias_settled(region, name):
                    return None, None
                return None, [Violation(uses.ALIAS_NOT_FOUND.id, pointer, "no such alias")]
            key = self.key(region, key_id)
            if key is None or key.maybe:
                return None, None
            return Target(key, self._facts(key), True), None
        ref = self.ref(value, region)
        key = self.key(region, ref.key_id)
        if key is None or ref.region_mismatch:
            if ref.malformed or ref.region_mismatch or self.complete:
                return None, [Violation(KEY_NOT_FOUND.id, pointer, "names no key")]
            return None, None
        if key.maybe:
            return None, None
        return Target(key, self._facts(key), False), None

    def _facts(self, key: KmsKey) -> uses.KeyFacts:
        return uses.KeyFacts(
            key.key_spec, key.key_usage, key.origin, key.key_state, key.multi_region, key.is_primary
        )

    def _key_checks(
        self, operation: str, target: Target, pointer: str = "/KeyId", usage: bool = True
    ) -> list[Violation] | None:
        """Usage, key spec and key state of ``target`` for ``operation``; ``None``: not known."""
        if target.facts.state is None:
            return None
        state = uses.state_violations(operation, target.facts.state, pointer)
        if state is None:
            return None
        if not usage:
            return state
        return [*uses.usage_violations(operation, target.facts, pointer), *state]

    # -- answers ----------------------------------------------------------------------------

    def _finish(
        self,
        operation: str,
        params: Mapping[str, Any],
        violations: list[Violation],
        facts: list[Fact] | None = None,
        valid: Rule | None = None,
    ) -> Prediction:
        """The prediction: the violations', else a dry run's, else success with ``facts``, by
        ``valid`` (the operation's valid-call rule unless a success is due to another rule)."""
        if not violations:
            dry = uses.dry_run_violation(operation, params)
            if dry is not None:
                return predict(None, [dry])
        prediction = predict((valid or uses.VALID_OF[operation]).id, violations)
        return attach(prediction, facts or [])

    def _arn_fact(self, rule: Rule, target: Target, name: str = "KeyId is the key ARN") -> list[Fact]:
        if not target.key.arn:
            return []
        chosen = uses.ALIAS_MAPPING.id if target.by_alias else rule.id
        return [Fact(chosen, "/KeyId", name, target.key.arn)]

    # -- Encrypt, GenerateDataKey, GenerateDataKeyPair --------------------------------------------

    def _encrypting(
        self, operation: str, params: Mapping[str, Any], region: str, member: str = "KeyId"
    ) -> tuple[Target | None, list[Violation] | None]:
        """The key an encrypting request names and the rules the request breaks; ``(None, None)``
        when no prediction can be made."""
        target, missing = self._named(params.get(member), region, member, aliases=True)
        if target is None:
            return None, missing
        found = self._key_checks(operation, target, f"/{member}")
        if found is None:
            return None, None
        return target, found

    def _predict_Encrypt(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        found = uses.blob_violations(params, ("Plaintext",))
        target, checks = self._encrypting("Encrypt", params, region)
        if checks is None:
            return None
        found.extend(checks)
        if target is None:
            return predict(None, found)
        key = target.facts
        algorithm = params.get("EncryptionAlgorithm", "SYMMETRIC_DEFAULT" if key.symmetric else None)
        if key.key_usage == "ENCRYPT_DECRYPT":
            if algorithm is None or ("EncryptionContext" in params and not key.symmetric):
                return None  # no algorithm for an asymmetric key, or a context it cannot bind
            wrong = uses.algorithm_violations(key, algorithm, "/EncryptionAlgorithm")
            if wrong is None:
                return None
            found.extend(wrong)
            if not wrong:
                found.extend(uses.rsa_plaintext_violations(key, algorithm, params.get("Plaintext")))
        facts = [
            *self._arn_fact(uses.ENCRYPT_VALID, target),
            Fact(uses.ENCRYPT_VALID.id, "/EncryptionAlgorithm", "the algorithm used", algorithm),
        ]
        return self._finish("Encrypt", params, found, facts)

    def _apply_Encrypt(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=True)
        if target is None:
            return
        algorithm = str(request.get("EncryptionAlgorithm") or "SYMMETRIC_DEFAULT")
        self._made(
            body.get("CiphertextBlob"), target.key, region, request.get("Plaintext"), None, request, algorithm
        )

    def _made(
        self,
        ciphertext: Any,
        key: KmsKey,
        region: str,
        plaintext: Any,
        length: int | None,
        request: Mapping[str, Any],
        algorithm: str = "SYMMETRIC_DEFAULT",
        context_member: str = "EncryptionContext",
    ) -> None:
        print_ = redaction.fingerprint(ciphertext)
        if print_ is None:
            return
        plain = redaction.fingerprint(plaintext)
        self.key_use.ciphertexts[print_.digest] = Ciphertext(
            key.key_id,
            region,
            plain,
            plain.length if plain is not None else length,
            _context(request.get(context_member)),
            algorithm,
        )

    def _predict_data_key(self, operation: str, params: Mapping[str, Any], region: str) -> Prediction | None:
        target, checks = self._encrypting(operation, params, region)
        if checks is None:
            return None
        found = [*uses.data_key_size_violations(params), *checks]
        if target is None:
            return predict(None, found)
        facts = self._arn_fact(uses.DATA_KEY_VALID, target)
        size = uses.data_key_bytes(params)
        if operation == "GenerateDataKey":
            if size is not None:
                facts.append(
                    Fact(uses.DATA_KEY_SIZE.id, "/Plaintext", "the size asked for", crypto.BlobOfLength(size))
                )
        else:
            facts.append(Fact(uses.DATA_KEY_VALID.id, "/Plaintext", "no plaintext", ABSENT))
        return self._finish(operation, params, found, facts)

    def _apply_data_key(
        self, operation: str, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=True)
        if target is not None:
            size = uses.data_key_bytes(request)
            self._made(body.get("CiphertextBlob"), target.key, region, body.get("Plaintext"), size, request)

    def _predict_data_key_pair(
        self, operation: str, params: Mapping[str, Any], region: str
    ) -> Prediction | None:
        spec = params.get("KeyPairSpec")
        if not isinstance(spec, str) or spec == "SM2" or spec.startswith("ML_KEM"):
            return None  # SM2 only in China Regions, ML-KEM not there: the Region decides
        target, checks = self._encrypting(operation, params, region)
        if checks is None:
            return None
        if target is None:
            return predict(None, checks)
        facts = [
            *self._arn_fact(uses.DATA_KEY_PAIR_VALID, target),
            Fact(uses.DATA_KEY_PAIR_VALID.id, "/KeyPairSpec", "KeyPairSpec as asked", spec),
            Fact(
                uses.PUBLIC_KEY_TRUTH.id,
                "/PublicKey",
                "a public key of the KeyPairSpec",
                crypto.PublicKeyOf(spec),
            ),
        ]
        if operation == "GenerateDataKeyPair":
            facts.append(
                Fact(uses.PUBLIC_KEY_TRUTH.id, "", "the private key of the public key", crypto.KeyPairOf())
            )
        else:
            facts.append(Fact(uses.DATA_KEY_PAIR_VALID.id, "/PrivateKeyPlaintext", "no plaintext", ABSENT))
        return self._finish(operation, params, checks, facts)

    def _apply_data_key_pair(
        self, operation: str, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=True)
        if target is not None:
            self._made(
                body.get("PrivateKeyCiphertextBlob"),
                target.key,
                region,
                body.get("PrivateKeyPlaintext"),
                None,
                request,
            )

    def _local(self, ciphertext: Any, target: Target | None, algorithm: Any) -> Ciphertext | None:
        """A ciphertext the harness made outside KMS under the key set's public key."""
        if target is None or not isinstance(algorithm, str):
            return None
        known = self.key_use.public_keys.get(target.key.key_id)
        raw = redaction.reveal(known[0]) if known else None
        if raw is None:
            return None
        made = crypto.local_ciphertext(raw, algorithm)
        if made is None or redaction.fingerprint_of_bytes(made) != redaction.fingerprint(ciphertext):
            return None
        plain = redaction.fingerprint_of_bytes(crypto.local_plaintext(raw))
        return Ciphertext(target.key.key_id, "", plain, plain.length, {}, algorithm)

    def _decrypting(
        self,
        operation: str,
        params: Mapping[str, Any],
        region: str,
        key_member: str,
        context_member: str,
        algorithm_member: str,
    ) -> tuple[Target | None, Ciphertext | None, list[Violation], list[Fact]] | None:
        """The decrypting half of Decrypt and ReEncrypt: the key that decrypts, what the ciphertext
        is, the rules broken and the facts of success; ``None`` when no prediction can be made."""
        found = uses.blob_violations(params, ("CiphertextBlob",))
        print_ = redaction.fingerprint(params.get("CiphertextBlob"))
        if print_ is None:
            return None
        named: Target | None = None
        if key_member in params:
            named, missing = self._named(params.get(key_member), region, key_member, aliases=True)
            if named is None:
                return (None, None, [*found, *missing], []) if missing is not None else None
            # A KeyId of another usage names another key than the ciphertext's: the recorded
            # answer is IncorrectKeyException (test_error_messaging_for_invalid_keys), so its
            # usage is not judged here.
            checks = self._key_checks(operation, named, f"/{key_member}", usage=False)
            if checks is None:
                return None
            found.extend(checks)
        algorithm = params.get(algorithm_member)
        record = self.key_use.ciphertexts.get(print_.digest) or self._local(
            params.get("CiphertextBlob"), named, algorithm
        )
        local = record is not None and record.region == ""
        if record is None:
            if not self.complete or (named is not None and not named.facts.symmetric):
                return None  # an asymmetric ciphertext may have been made outside KMS
            also = ("IncorrectKeyException",) if named is not None else ()
            found.append(
                Violation(uses.INVALID_CIPHERTEXT.id, "/CiphertextBlob", "made by no key", also=also)
            )
            return None, None, found, []
        target = named
        if named is not None and named.key.key_id != record.family:
            return (
                None,
                record,
                [*found, Violation(uses.INCORRECT_KEY.id, f"/{key_member}", "another key")],
                [],
            )
        if target is None:
            key = self.key(region, record.family)
            if key is None or key.maybe or record.algorithm != "SYMMETRIC_DEFAULT":
                # No key of the set in this Region, or an asymmetric ciphertext without its
                # KeyId: the answer is not documented.
                return None
            target = Target(key, self._facts(key), False)
            checks = self._key_checks(operation, target, f"/{key_member}")
            if checks is None:
                return None
            found.extend(checks)
        given = (
            algorithm if algorithm is not None else ("SYMMETRIC_DEFAULT" if target.facts.symmetric else None)
        )
        if given is None:
            return None  # an asymmetric ciphertext without its algorithm: the code is not documented
        wrong = uses.algorithm_violations(target.facts, given, f"/{algorithm_member}")
        if wrong is None:
            return None
        if not wrong and given != record.algorithm:
            return None  # another algorithm of the key: "the decrypt operation fails", code undocumented
        found.extend(wrong)
        if _context(params.get(context_member)) != dict(record.context):
            found.append(Violation(uses.CONTEXT_MISMATCH.id, f"/{context_member}", "another context"))
        interop = record.region not in ("", region)
        truth = uses.LOCAL_CIPHERTEXT if local else uses.MULTI_REGION_INTEROP if interop else uses.ROUND_TRIP
        facts: list[Fact] = []
        if record.plaintext is not None:
            facts.append(
                Fact(truth.id, "/Plaintext", "the plaintext encrypted", crypto.Blob(record.plaintext))
            )
        elif record.length is not None:
            facts.append(
                Fact(
                    uses.DATA_KEY_SIZE.id,
                    "/Plaintext",
                    "the size asked for",
                    crypto.BlobOfLength(record.length),
                )
            )
        if target.key.arn:
            name = "KeyId is the ARN of the key in this Region" if interop else "KeyId is the key ARN"
            facts.append(
                Fact((uses.ALIAS_MAPPING if target.by_alias else truth).id, "/KeyId", name, target.key.arn)
            )
        return target, record, found, facts

    def _predict_Decrypt(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._decrypting(
            "Decrypt", params, region, "KeyId", "EncryptionContext", "EncryptionAlgorithm"
        )
        if done is None:
            return None
        _, record, found, facts = done
        valid: Rule | None = None
        if record is not None and not found:
            facts.append(
                Fact(uses.DECRYPT_VALID.id, "/EncryptionAlgorithm", "the algorithm used", record.algorithm)
            )
            # A success the documents owe to data encrypted outside KMS or in another Region.
            if record.region == "":
                valid = uses.LOCAL_CIPHERTEXT
            elif record.region != region:
                valid = uses.MULTI_REGION_INTEROP
        return self._finish("Decrypt", params, found, facts, valid)

    def _apply_Decrypt(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        print_ = redaction.fingerprint(request.get("CiphertextBlob"))
        record = self.key_use.ciphertexts.get(print_.digest) if print_ is not None else None
        shown = redaction.fingerprint(body.get("Plaintext"))
        if (
            print_ is not None
            and record is not None
            and record.plaintext is None
            and shown is not None
            and expected
        ):
            # A data key made without plaintext: the first decryption says what it is.
            self.key_use.ciphertexts[print_.digest] = replace(record, plaintext=shown)

    def _predict_ReEncrypt(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._decrypting(
            "ReEncrypt", params, region, "SourceKeyId", "SourceEncryptionContext", "SourceEncryptionAlgorithm"
        )
        if done is None:
            return None
        _, record, found, facts = done
        destination, checks = self._encrypting("ReEncrypt", params, region, "DestinationKeyId")
        if checks is None:
            return None
        found.extend(checks)
        # The source's own facts name KeyId; in ReEncrypt the source is SourceKeyId.
        facts = [
            replace(f, pointer="/SourceKeyId", name=f.name.replace("KeyId", "SourceKeyId"))
            if f.pointer == "/KeyId"
            else f
            for f in facts
            if f.pointer != "/Plaintext"
        ]
        if destination is not None:
            key = destination.facts
            algorithm = params.get(
                "DestinationEncryptionAlgorithm", "SYMMETRIC_DEFAULT" if key.symmetric else None
            )
            if key.key_usage == "ENCRYPT_DECRYPT":
                if algorithm is None or ("DestinationEncryptionContext" in params and not key.symmetric):
                    return None
                wrong = uses.algorithm_violations(key, algorithm, "/DestinationEncryptionAlgorithm")
                if wrong is None:
                    return None
                found.extend(wrong)
                if not key.symmetric and record is not None and record.length is not None:
                    limit = uses.PLAINTEXT_LIMIT.get((key.key_spec, str(algorithm)))
                    if limit is not None and record.length > limit:
                        return None  # too long for the destination: the code is not documented
            facts.extend(self._arn_fact(uses.RE_ENCRYPT_VALID, destination))
        return self._finish("ReEncrypt", params, found, facts)

    def _apply_ReEncrypt(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        print_ = redaction.fingerprint(request.get("CiphertextBlob"))
        record = self.key_use.ciphertexts.get(print_.digest) if print_ is not None else None
        destination, _ = self._named(
            request.get("DestinationKeyId"), region, "DestinationKeyId", aliases=True
        )
        made = redaction.fingerprint(body.get("CiphertextBlob"))
        if destination is None or made is None:
            return
        algorithm = str(request.get("DestinationEncryptionAlgorithm") or "SYMMETRIC_DEFAULT")
        self.key_use.ciphertexts[made.digest] = Ciphertext(
            destination.key.key_id,
            region,
            record.plaintext if record is not None else None,
            record.length if record is not None else None,
            _context(request.get("DestinationEncryptionContext")),
            algorithm,
        )

    # -- Sign, Verify -----------------------------------------------------------------------------

    def _signing(
        self, operation: str, params: Mapping[str, Any], region: str
    ) -> tuple[Target | None, list[Violation]] | None:
        found = [*uses.blob_violations(params, ("Message", "Signature")), *uses.digest_violations(params)]
        target, missing = self._named(params.get("KeyId"), region, "KeyId", aliases=True)
        if target is None:
            return (None, [*found, *missing]) if missing is not None else None
        checks = self._key_checks(operation, target)
        if checks is None:
            return None
        found.extend(checks)
        if target.facts.key_usage == "SIGN_VERIFY":
            wrong = uses.algorithm_violations(
                target.facts, params.get("SigningAlgorithm"), "/SigningAlgorithm"
            )
            if wrong is None:
                return None
            found.extend(wrong)
        return target, found

    def _predict_Sign(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._signing("Sign", params, region)
        if done is None:
            return None
        target, found = done
        if target is None:
            return predict(None, found)
        algorithm = params.get("SigningAlgorithm")
        facts = [
            *self._arn_fact(uses.SIGN_VALID, target),
            Fact(uses.SIGN_VALID.id, "/SigningAlgorithm", "the algorithm used", algorithm),
        ]
        known = self.key_use.public_keys.get(target.key.key_id)
        public = redaction.reveal(known[0]) if known else None
        message = params.get("Message")
        if public is not None and isinstance(algorithm, str) and isinstance(message, str):
            kind = str(params.get("MessageType") or "RAW")
            verifies = crypto.VerifiesWith(public, algorithm, kind, message)
            facts.append(
                Fact(
                    uses.SIGNATURE_TRUTH.id,
                    "/Signature",
                    f"a {kind} signature verifies with the public key",
                    verifies,
                )
            )
        return self._finish("Sign", params, found, facts)

    def _apply_Sign(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=True)
        signature = redaction.fingerprint(body.get("Signature"))
        message = redaction.fingerprint(request.get("Message"))
        if target is None or signature is None or message is None:
            return
        kind = str(request.get("MessageType") or "RAW")
        self.key_use.signatures[signature.digest] = Signed(
            target.key.key_id, region, message, kind, str(request.get("SigningAlgorithm"))
        )

    def _predict_Verify(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._signing("Verify", params, region)
        if done is None:
            return None
        target, found = done
        if target is None or found:
            return predict(None, found) if found else None
        signature = redaction.fingerprint(params.get("Signature"))
        message = redaction.fingerprint(params.get("Message"))
        if signature is None or message is None:
            return None
        record = self.key_use.signatures.get(signature.digest)
        kind = str(params.get("MessageType") or "RAW")
        same = (
            record is not None
            and record.family == target.key.key_id
            and record.algorithm == params.get("SigningAlgorithm")
        )
        if record is not None and same and record.message_type != kind:
            return None  # a message and its digest are "the same message": not recomputed here
        if not same or record is None or record.message != message:
            if not self.complete and record is None:
                return None
            found.append(Violation(uses.INVALID_SIGNATURE.id, "/Signature", "not this key's signature of it"))
            return self._finish("Verify", params, found)
        interop = record.region != region
        truth = uses.MULTI_REGION_INTEROP if interop else uses.VERIFY_VALID
        facts = [
            Fact(truth.id, "/SignatureValid", "SignatureValid", True),
            *self._arn_fact(uses.VERIFY_VALID, target),
            Fact(
                uses.VERIFY_VALID.id,
                "/SigningAlgorithm",
                "the algorithm used",
                params.get("SigningAlgorithm"),
            ),
        ]
        return self._finish("Verify", params, found, facts, truth)

    # -- GenerateMac, VerifyMac ------------------------------------------------------------------

    def _maccing(
        self, operation: str, params: Mapping[str, Any], region: str
    ) -> tuple[Target | None, list[Violation]] | None:
        found = uses.blob_violations(params, ("Message", "Mac"))
        target, missing = self._named(params.get("KeyId"), region, "KeyId", aliases=True)
        if target is None:
            return (None, [*found, *missing]) if missing is not None else None
        checks = self._key_checks(operation, target)
        if checks is None:
            return None
        found.extend(checks)
        if target.facts.key_usage == "GENERATE_VERIFY_MAC":
            wrong = uses.algorithm_violations(target.facts, params.get("MacAlgorithm"), "/MacAlgorithm")
            if wrong is None:
                return None
            found.extend(wrong)
        return target, found

    def _predict_GenerateMac(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._maccing("GenerateMac", params, region)
        if done is None:
            return None
        target, found = done
        if target is None:
            return predict(None, found)
        facts = [Fact(uses.MAC_VALID.id, "/MacAlgorithm", "the algorithm used", params.get("MacAlgorithm"))]
        message = redaction.fingerprint(params.get("Message"))
        if message is not None:
            before = self.key_use.mac_of.get(
                (target.key.key_id, str(params.get("MacAlgorithm")), message.digest)
            )
            if before is not None:
                truth = uses.MULTI_REGION_INTEROP if before[1] != region else uses.MAC_TRUTH
                facts.append(Fact(truth.id, "/Mac", "the MAC of the same message", crypto.Blob(before[0])))
        return self._finish("GenerateMac", params, found, facts)

    def _apply_GenerateMac(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=True)
        mac, message = redaction.fingerprint(body.get("Mac")), redaction.fingerprint(request.get("Message"))
        if target is None or mac is None or message is None:
            return
        algorithm = str(request.get("MacAlgorithm"))
        self.key_use.macs[mac.digest] = Tagged(target.key.key_id, region, algorithm, message)
        self.key_use.mac_of.setdefault((target.key.key_id, algorithm, message.digest), (mac, region))

    def _predict_VerifyMac(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._maccing("VerifyMac", params, region)
        if done is None:
            return None
        target, found = done
        if target is None or found:
            return predict(None, found) if found else None
        mac, message = redaction.fingerprint(params.get("Mac")), redaction.fingerprint(params.get("Message"))
        if mac is None or message is None:
            return None
        record = self.key_use.macs.get(mac.digest)
        algorithm = params.get("MacAlgorithm")
        valid = (
            record is not None
            and record.family == target.key.key_id
            and record.algorithm == algorithm
            and record.message == message
        )
        if not valid:
            if record is None and not self.complete:
                return None
            found.append(Violation(uses.INVALID_MAC.id, "/Mac", "not this key's MAC of it"))
            return self._finish("VerifyMac", params, found)
        assert record is not None
        truth = uses.MULTI_REGION_INTEROP if record.region != region else uses.VERIFY_MAC_VALID
        facts = [
            Fact(truth.id, "/MacValid", "MacValid", True),
            Fact(uses.VERIFY_MAC_VALID.id, "/MacAlgorithm", "the algorithm used", algorithm),
        ]
        return self._finish("VerifyMac", params, found, facts, truth)

    # -- GetPublicKey, DeriveSharedSecret ----------------------------------------------------------

    def _predict_GetPublicKey(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        target, missing = self._named(params.get("KeyId"), region, "KeyId", aliases=True)
        if target is None:
            return predict(None, missing) if missing is not None else None
        key = target.facts
        found = self._key_checks("GetPublicKey", target)
        if found is None:
            return None
        if not key.asymmetric:
            found.append(Violation(uses.PUBLIC_KEY_OF_SYMMETRIC.id, "/KeyId", key.key_spec))
        valid = uses.PUBLIC_KEY_VALID.id
        facts = [
            *self._arn_fact(uses.PUBLIC_KEY_VALID, target),
            Fact(valid, "/KeySpec", "the key's KeySpec", key.key_spec, optional=True),
            Fact(valid, "/KeyUsage", "the key's KeyUsage", key.key_usage, optional=True),
        ]
        algorithms = uses.algorithms_of(key.key_spec, key.key_usage)
        member = {"ENCRYPT_DECRYPT": "EncryptionAlgorithms", "SIGN_VERIFY": "SigningAlgorithms"}.get(
            key.key_usage
        )
        if algorithms is not None and member is not None:
            facts.append(
                Fact(
                    valid,
                    f"/{member}",
                    f"the key's {member}",
                    SameItems.of(sorted(algorithms)),
                    optional=True,
                )
            )
        if key.key_usage == "KEY_AGREEMENT":
            facts.append(
                Fact(
                    valid,
                    "/KeyAgreementAlgorithms",
                    "the key's KeyAgreementAlgorithms",
                    ["ECDH"],
                    optional=True,
                )
            )
        known = self.key_use.public_keys.get(target.key.key_id)
        same = redaction.fingerprint(known[0]) if known else None
        truth = (
            uses.MULTI_REGION_INTEROP if known is not None and known[1] != region else uses.PUBLIC_KEY_TRUTH
        )
        facts.append(
            Fact(
                truth.id, "/PublicKey", "a public key of the KeySpec", crypto.PublicKeyOf(key.key_spec, same)
            )
        )
        return self._finish("GetPublicKey", params, found, facts)

    def _apply_GetPublicKey(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=True)
        public = body.get("PublicKey")
        if (
            target is not None
            and expected
            and isinstance(public, str)
            and redaction.reveal(public) is not None
        ):
            self.key_use.public_keys.setdefault(target.key.key_id, (public, region))

    def _predict_DeriveSharedSecret(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        found = uses.blob_violations(params, ("PublicKey",))
        target, missing = self._named(params.get("KeyId"), region, "KeyId", aliases=True)
        if target is None:
            return predict(None, [*found, *missing]) if missing is not None else None
        checks = self._key_checks("DeriveSharedSecret", target)
        if checks is None:
            return None
        found.extend(checks)
        peer_der = redaction.reveal(params.get("PublicKey"))
        if peer_der is None:
            return None
        facts: list[Fact] = []
        if crypto.load_public_key(peer_der) is None:
            found.append(Violation(uses.PEER_PUBLIC_KEY.id, "/PublicKey", "not a DER public key"))
        elif target.facts.key_usage == "KEY_AGREEMENT":
            if crypto.spec_of_public_key(peer_der) != target.facts.key_spec:
                return None  # a key of another curve: the code is not recorded
            known = self.key_use.public_keys.get(target.key.key_id)
            spec = crypto.peer_spec(peer_der)
            kms_public = redaction.reveal(known[0]) if known else None
            if spec is not None and kms_public is not None:
                secret = crypto.shared_secret(spec, kms_public)
                if secret is not None:
                    expected = crypto.Blob(redaction.fingerprint_of_bytes(secret))
                    facts.append(
                        Fact(uses.SHARED_SECRET_TRUTH.id, "/SharedSecret", "the peer's ECDH secret", expected)
                    )
        facts.extend(
            [
                Fact(uses.DERIVE_VALID.id, "/KeyAgreementAlgorithm", "the algorithm used", "ECDH"),
                Fact(uses.DERIVE_VALID.id, "/KeyOrigin", "the key's origin", target.key.origin),
            ]
        )
        # A secret the peer can check: its success is owed to that rule too.
        checked = any(f.rule == uses.SHARED_SECRET_TRUTH.id for f in facts)
        return self._finish(
            "DeriveSharedSecret", params, found, facts, uses.SHARED_SECRET_TRUTH if checked else None
        )

    # -- GenerateRandom ---------------------------------------------------------------------------

    def _predict_GenerateRandom(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        if "CustomKeyStoreId" in params or "Recipient" in params:
            return None
        number = params.get("NumberOfBytes")
        if number is None:
            return predict(None, [Violation(uses.RANDOM_REQUIRED.id, "/NumberOfBytes")])
        if not isinstance(number, int) or isinstance(number, bool):
            return None
        fact = Fact(uses.RANDOM_VALID.id, "/Plaintext", "NumberOfBytes bytes", crypto.BlobOfLength(number))
        return attach(predict(uses.RANDOM_VALID.id, []), [fact])

    # -- aliases -----------------------------------------------------------------------------

    def _alias_target(self, operation: str, params: Mapping[str, Any], region: str) -> Named:
        value = params.get("TargetKeyId")
        if is_alias(value):
            return None, [Violation(uses.ALIAS_TARGET_ALIAS.id, "/TargetKeyId")]
        target, missing = self._named(value, region, "TargetKeyId", aliases=False)
        if target is None:
            return None, missing
        if target.facts.state is None:
            return None, None
        state = uses.state_violations(operation, target.facts.state, "/TargetKeyId")
        if state is None:
            return None, None
        return target, state

    def _predict_CreateAlias(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        name = params.get("AliasName")
        found = uses.alias_name_violations(name)
        if found is None:
            return None
        if not found and self.alias_target(region, str(name)) is not None:
            found.append(Violation(uses.ALIAS_EXISTS.id, "/AliasName"))
        elif not found and not self.alias_settled(region, str(name)):
            return None  # the alias may exist
        _, more = self._alias_target("CreateAlias", params, region)
        if more is None:
            return None
        return self._finish("CreateAlias", params, [*found, *more])

    def _apply_CreateAlias(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        """CreateAlias and UpdateAlias: the name points at the key the request names."""
        name, value = request.get("AliasName"), request.get("TargetKeyId")
        if not isinstance(name, str):
            return
        target, _ = self._named(value, region, "TargetKeyId", aliases=False)
        aliases = self.key_use.aliases.setdefault(region, {})
        self.key_use.unsure.get(region, set()).discard(name)
        if target is not None:
            aliases[name] = target.key.key_id
            self.key_use.deleted.get(region, set()).discard(name)
        else:
            aliases.pop(name, None)  # made to point at something the model does not know

    def _predict_UpdateAlias(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        name = params.get("AliasName")
        if not isinstance(name, str):
            return None
        found: list[Violation] = []
        current = self.alias_target(region, name)
        if current is None:
            if not self.alias_settled(region, name) or name.startswith(uses.RESERVED_ALIAS_PREFIX):
                return None
            found.append(Violation(uses.ALIAS_NOT_FOUND.id, "/AliasName", "no such alias"))
        target, more = self._alias_target("UpdateAlias", params, region)
        if more is None:
            return None
        found.extend(more)
        old = self.key(region, current)
        if target is not None and current is not None:
            if old is None:
                return None
            if self._facts(old).kind != target.facts.kind:
                found.append(Violation(uses.ALIAS_UPDATE_TYPE.id, "/TargetKeyId", "another type of key"))
        return self._finish("UpdateAlias", params, found)

    _apply_UpdateAlias = _apply_CreateAlias

    def _predict_DeleteAlias(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        name = params.get("AliasName")
        if not isinstance(name, str) or name.startswith(uses.RESERVED_ALIAS_PREFIX):
            return None
        if self.alias_target(region, name) is None:
            if not self.alias_settled(region, name) or not name.startswith("alias/"):
                return None
            return predict(None, [Violation(uses.ALIAS_NOT_FOUND.id, "/AliasName", "no such alias")])
        return self._finish("DeleteAlias", params, [])

    def _apply_DeleteAlias(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        name = request.get("AliasName")
        if isinstance(name, str):
            self.key_use.aliases.get(region, {}).pop(name, None)
            self.key_use.unsure.get(region, set()).discard(name)
            self.key_use.deleted.setdefault(region, set()).add(name)

    def _predict_ListAliases(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        key_id: str | None = None
        if "KeyId" in params:
            target, missing = self._named(params.get("KeyId"), region, "KeyId", aliases=False)
            if target is None:
                return predict(None, missing) if missing is not None else None
            key_id = target.key.key_id
        if "Marker" in params or "Limit" in params:
            return self._finish("ListAliases", params, [])
        known = self.key_use.aliases.get(region, {})
        expected = tuple(
            (name, self._alias_arn(region, name), target_id)
            for name, target_id in sorted(known.items())
            if key_id is None or target_id == key_id
        )
        deleted = tuple(sorted(self.key_use.deleted.get(region, set()) - set(known)))
        settled = self.complete and not self.key_use.unsure.get(region)
        listing = AliasList(expected, deleted, complete=key_id is not None and settled)
        fact = Fact(uses.ALIAS_MAPPING.id, "/Aliases", "the aliases and their keys", listing)
        return self._finish("ListAliases", params, [], [fact])

    def _alias_arn(self, region: str, name: str) -> str:
        """The alias ARN: the account and partition of a key of the Region, when one is known."""
        arn = next((k.arn for (r, _), k in self.keys.items() if r == region and k.arn.startswith("arn:")), "")
        if not arn:
            return ""
        prefix = arn.split(":key/", 1)[0]
        return f"{prefix}:{name}"

    # -- rotation ----------------------------------------------------------------------------------

    def _rotation(
        self, operation: str, params: Mapping[str, Any], region: str
    ) -> tuple[Target | None, list[Violation]] | None:
        target, missing = self._named(params.get("KeyId"), region, "KeyId", aliases=False)
        if target is None:
            return (None, missing) if missing is not None else None
        kind = uses.rotation_key_violations(operation, target.facts)
        if kind is None or target.facts.state is None:
            return None
        state = uses.state_violations(operation, target.facts.state)
        if state is None:
            return None
        if operation == "RotateKeyOnDemand" and state:
            # Recorded: a Disabled RSA key gets DisabledException, not UnsupportedOperationException
            # (test_rotate_key_on_demand_raises_error_given_key_is_disabled).
            return target, state
        # Otherwise the documents do not order the key's type and its state: any of their codes.
        return target, [*kind, *state]

    def _predict_switch_rotation(
        self, operation: str, params: Mapping[str, Any], region: str
    ) -> Prediction | None:
        done = self._rotation(operation, params, region)
        return self._finish(operation, params, done[1]) if done is not None else None

    def _apply_switch_rotation(
        self, operation: str, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=False)
        if target is None:
            return
        enabled = operation == "EnableKeyRotation"
        period = request.get("RotationPeriodInDays")
        for member in self.family(target.key.key_id).values():
            if not expected:
                member.rotation_enabled, member.rotation_period = None, UNKNOWN_PERIOD
                continue
            member.rotation_enabled = enabled
            if enabled and isinstance(period, int):
                member.rotation_period = period
            elif enabled and member.rotation_period is not None:
                # Enabled again without a period after one was given: whether the key keeps it
                # or goes back to the default is not documented.
                member.rotation_period = UNKNOWN_PERIOD

    def _predict_GetKeyRotationStatus(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._rotation("GetKeyRotationStatus", params, region)
        if done is None:
            return None
        target, found = done
        facts: list[Fact] = []
        key = target.key if target is not None else None
        if (
            key is not None
            and key.rotation_enabled is not None
            and key.state is not None
            and key.settles_to is None
        ):
            pending = key.state in states.PENDING
            shown = key.rotation_enabled and not pending
            facts.append(Fact(uses.ROTATION_STATUS.id, "/KeyRotationEnabled", "KeyRotationEnabled", shown))
            if shown and key.rotation_period != UNKNOWN_PERIOD:
                # Recorded with the period given; the default (365) is documented, its presence not.
                period = key.rotation_period or uses.DEFAULT_ROTATION_DAYS
                default = key.rotation_period is None
                name = "RotationPeriodInDays" + (" by default" if default else "")
                facts.append(
                    Fact(uses.ROTATION_STATUS.id, "/RotationPeriodInDays", name, period, optional=default)
                )
        return self._finish("GetKeyRotationStatus", params, found, facts)

    def _predict_RotateKeyOnDemand(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._rotation("RotateKeyOnDemand", params, region)
        if done is None:
            return None
        target, found = done
        if target is not None and not found:
            count = target.key.on_demand_rotations
            if count is None:
                return None
            if count >= uses.ON_DEMAND_ROTATIONS:
                found.append(Violation(uses.ON_DEMAND_LIMIT.id, "/KeyId", f"{count} done"))
        return self._finish("RotateKeyOnDemand", params, found)

    def _apply_RotateKeyOnDemand(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=False)
        if target is None:
            return
        for member in self.family(target.key.key_id).values():
            if expected and member.on_demand_rotations is not None:
                member.on_demand_rotations += 1
            else:
                member.on_demand_rotations = None

    def _predict_ListKeyRotations(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._rotation("ListKeyRotations", params, region)
        if done is None:
            return None
        target, found = done
        facts: list[Fact] = []
        count = target.key.on_demand_rotations if target is not None else None
        plain = not ({"Limit", "Marker"} & set(params)) and params.get("IncludeKeyMaterial") in (
            None,
            "ROTATIONS_ONLY",
        )
        if count is not None and plain:
            facts.append(
                Fact(
                    uses.ROTATION_STATUS.id, "/Rotations", "the on-demand rotations", OnDemandRotations(count)
                )
            )
        return self._finish("ListKeyRotations", params, found, facts)

    # -- imported key material -----------------------------------------------------------------------

    def _importing(
        self, operation: str, params: Mapping[str, Any], region: str
    ) -> tuple[Target | None, list[Violation]] | None:
        target, missing = self._named(params.get("KeyId"), region, "KeyId", aliases=False)
        if target is None:
            return (None, missing) if missing is not None else None
        if target.facts.origin != "EXTERNAL":
            return target, [Violation(uses.IMPORT_NOT_EXTERNAL.id, "/KeyId", target.facts.origin)]
        if target.facts.state is None or target.facts.multi_region:
            return None  # multi-Region imports have rules of their own, not modelled
        state = uses.state_violations(operation, target.facts.state)
        if state is None:
            return None
        return target, state

    def _predict_GetParametersForImport(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._importing("GetParametersForImport", params, region)
        if done is None:
            return None
        target, found = done
        if target is not None and not target.facts.symmetric:
            return None  # which wrapping algorithms each key spec takes is a table of its own
        facts: list[Fact] = []
        spec = params.get("WrappingKeySpec")
        if target is not None and not found:
            facts.extend(self._arn_fact(uses.IMPORT_VALID, target))
            if isinstance(spec, str) and spec.startswith("RSA_"):
                facts.append(
                    Fact(uses.IMPORT_VALID.id, "/PublicKey", "an RSA wrapping key", crypto.PublicKeyOf(spec))
                )
            facts.append(Fact(uses.IMPORT_VALID.id, "/ParametersValidTo", "ParametersValidTo", Number()))
        return self._finish("GetParametersForImport", params, found, facts)

    def _apply_GetParametersForImport(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=False)
        token = redaction.fingerprint(body.get("ImportToken"))
        if target is not None and token is not None:
            self.key_use.tokens[token.digest] = (target.key.key_id, region)

    def _predict_ImportKeyMaterial(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._importing("ImportKeyMaterial", params, region)
        if done is None:
            return None
        target, found = done
        if (
            params.get("ExpirationModel", "KEY_MATERIAL_EXPIRES") == "KEY_MATERIAL_EXPIRES"
            and "ValidTo" not in params
        ):
            found.append(
                Violation(uses.IMPORT_EXPIRATION.id, "/ValidTo", "expiring material without ValidTo")
            )
        token = redaction.fingerprint(params.get("ImportToken"))
        issued = self.key_use.tokens.get(token.digest) if token is not None else None
        if target is not None and issued != (target.key.key_id, region):
            # A token the target did not issue for this key: the documents do not say whether it
            # is checked before the rest, so its own code is accepted too.
            found = [replace(v, also=(*v.also, "InvalidImportTokenException")) for v in found]
        if target is not None and not found:
            if issued != (target.key.key_id, region) or not target.facts.symmetric:
                return None  # a token of another key, or key material the model cannot check
            if {"ImportType", "KeyMaterialId", "ValidTo"} & set(params):
                return None
        facts = self._arn_fact(uses.IMPORT_VALID, target) if target is not None and not found else []
        return self._finish("ImportKeyMaterial", params, found, facts)

    def _apply_ImportKeyMaterial(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=False)
        if target is None:
            return
        key = target.key
        if expected and key.state == states.PENDING_IMPORT and key.causes.get("state") == "CreateKey":
            key.set("state", states.ENABLED, "ImportKeyMaterial")  # [REC] describe-key-after-import
        else:
            key.forget("state")  # a re-import after a deletion: the state before it is not documented

    def _predict_DeleteImportedKeyMaterial(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        done = self._importing("DeleteImportedKeyMaterial", params, region)
        if done is None:
            return None
        target, found = done
        facts = self._arn_fact(uses.IMPORT_VALID, target) if target is not None and not found else []
        return self._finish("DeleteImportedKeyMaterial", params, found, facts)

    def _apply_DeleteImportedKeyMaterial(
        self, request: Mapping[str, Any], body: Mapping[str, Any], region: str, expected: bool
    ) -> None:
        target, _ = self._named(request.get("KeyId"), region, "KeyId", aliases=False)
        if target is None:
            return
        key = target.key
        if not expected:
            key.forget("state")
        elif key.state not in states.PENDING and key.state != states.PENDING_IMPORT:
            key.set("state", states.PENDING_IMPORT, "DeleteImportedKeyMaterial")  # [REC] after deleted import


def b64(raw: bytes) -> str:
    """Bytes as a Call carries them (base64 text, as on the wire)."""
    return base64.b64encode(raw).decode("ascii")
