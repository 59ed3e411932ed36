"""What keys do (issue 15), offline: redaction, local cryptography, the model of key use.

The model tests feed the judge canned exchanges, as a live run or a replay would, and check what
it predicts and which divergences it reports; the cryptography is checked against the
``cryptography`` library's own keys.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from harness import redaction
from harness.oracle.rules import RULES
from harness.services.kms import key_use_crypto as crypto
from harness.services.kms import key_use_rules as uses
from harness.services.kms import key_use_scenarios as scenarios
from harness.services.kms import state_rules as states
from harness.transport import _blobs_as_bytes
from tests.unit.test_model_kms import (
    AWAY,
    HOME,
    MRK,
    SRK,
    Flow,
    arn,
    describe_body,
    error,
    exchange,
    metadata,
    outcome,
)

OTHER = "9999abcd-12ab-34cd-56ef-1234567890ab"


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def spki(key: Any) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


# --- redaction -----------------------------------------------------------------------------------


def test_a_token_keeps_length_and_digest_and_the_process_keeps_the_bytes() -> None:
    token = redaction.token(b64(b"secret plaintext"))
    assert "secret" not in token and token.startswith("<redacted 16 bytes sha256:")
    assert redaction.fingerprint(token) == redaction.fingerprint(b64(b"secret plaintext"))
    assert redaction.reveal(token) == b"secret plaintext"
    assert redaction.fingerprint("<redacted>") is None and redaction.is_token("<redacted>")


def test_every_record_of_an_exchange_holds_tokens_not_secrets() -> None:
    body = {"CiphertextBlob": b64(b"c" * 40), "KeyId": arn(SRK), "Plaintext": b64(b"the data key")}
    ex = exchange("GenerateDataKey", {"KeyId": SRK, "NumberOfBytes": 12}, body)
    line = json.dumps(ex.to_cassette())
    assert b64(b"the data key") not in line and b64(b"c" * 40) not in line
    assert b64(b"the data key") not in ex.raw_body
    assert redaction.is_token(ex.body["Plaintext"]) and ex.body["KeyId"] == arn(SRK)
    request = exchange("Encrypt", {"KeyId": SRK, "Plaintext": b64(b"hello")}).request
    assert redaction.is_token(request["Plaintext"])
    # A cassette written elsewhere with the bytes in it replays as tokens too.
    replayed = type(ex).from_cassette({**ex.to_cassette(), "response": body})
    assert redaction.is_token(replayed.body["Plaintext"])


def test_public_keys_and_other_members_are_kept() -> None:
    body = {"PublicKey": b64(b"\x30\x59"), "KeyId": arn(SRK), "KeySpec": "ECC_NIST_P256"}
    assert exchange("GetPublicKey", {"KeyId": SRK}, body).body == body


def test_the_transport_sends_base64_and_tokens_as_bytes() -> None:
    import botocore.session

    shape = botocore.session.get_session().get_service_model("kms").operation_model("Decrypt").input_shape
    token = redaction.token(b64(b"\x01\x02\x03"))
    sent = _blobs_as_bytes(shape, {"CiphertextBlob": token, "EncryptionContext": {"a": "b"}})
    assert sent == {"CiphertextBlob": b"\x01\x02\x03", "EncryptionContext": {"a": "b"}}
    assert _blobs_as_bytes(shape, {"CiphertextBlob": b64(b"xyz")})["CiphertextBlob"] == b"xyz"
    with pytest.raises(ValueError, match="no longer holds"):
        _blobs_as_bytes(shape, {"CiphertextBlob": "<redacted 3 bytes sha256:" + "0" * 64 + ">"})


# --- local cryptography ------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"])
def test_the_local_oaep_ciphertext_decrypts_with_the_private_key(algorithm: str) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = spki(private)
    made = crypto.local_ciphertext(public, algorithm)
    assert made is not None and made == crypto.local_ciphertext(public, algorithm)  # the model recomputes it
    chosen = hashes.SHA1() if algorithm.endswith("SHA_1") else hashes.SHA256()
    oaep = padding.OAEP(mgf=padding.MGF1(chosen), algorithm=chosen, label=None)
    assert private.decrypt(made, oaep) == crypto.local_plaintext(public)


@pytest.mark.parametrize("spec", sorted(crypto.CURVES))
def test_the_peer_secret_is_the_ecdh_secret_of_both_sides(spec: str) -> None:
    kms_side = ec.generate_private_key(crypto.CURVES[spec]())
    peer = crypto.peer(spec)
    assert peer is not None
    secret = crypto.shared_secret(spec, spki(kms_side))
    assert secret == kms_side.exchange(ec.ECDH(), peer.public_key())
    assert crypto.peer_spec(crypto.peer_public_der(spec) or b"") == spec
    assert crypto.spec_of_public_key(spki(kms_side)) == spec


@pytest.mark.parametrize("message_type", ["RAW", "DIGEST"])
def test_signatures_verify_locally_and_forgeries_do_not(message_type: str) -> None:
    message = b"the message"
    digest = hashes.Hash(hashes.SHA256())
    digest.update(message)
    sent = digest.finalize() if message_type == "DIGEST" else message
    ecc = ec.generate_private_key(ec.SECP256R1())
    signature = ecc.sign(message, ec.ECDSA(hashes.SHA256()))
    assert crypto.verify_signature(spki(ecc), "ECDSA_SHA_256", message_type, sent, signature) is True
    assert crypto.verify_signature(spki(ecc), "ECDSA_SHA_256", message_type, sent + b"!", signature) is False
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    made = rsa_key.sign(message, pss, hashes.SHA256())
    assert crypto.verify_signature(spki(rsa_key), "RSASSA_PSS_SHA_256", message_type, sent, made) is True
    pkcs = rsa_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    assert (
        crypto.verify_signature(spki(rsa_key), "RSASSA_PKCS1_V1_5_SHA_256", message_type, sent, pkcs) is True
    )
    assert crypto.verify_signature(spki(rsa_key), "RSASSA_PSS_SHA_256", message_type, sent, pkcs) is False


def test_a_data_key_pair_private_key_must_belong_to_its_public_key() -> None:
    one, two = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    pkcs8 = one.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    assert crypto.private_matches_public(pkcs8, spki(one))
    assert not crypto.private_matches_public(pkcs8, spki(two))
    assert crypto.KeyPairOf().matches({"PrivateKeyPlaintext": b64(pkcs8), "PublicKey": b64(spki(one))})
    assert not crypto.KeyPairOf().matches({"PrivateKeyPlaintext": b64(pkcs8), "PublicKey": b64(spki(two))})


# --- the rules ---------------------------------------------------------------------------------------


def test_every_key_use_rule_is_graded_and_tested() -> None:
    tested = {test.rule for test in scenarios.SCENARIOS}
    for rule in uses.KEY_USE_RULES:
        assert rule.evidence in ("recorded", "documented", "inferred"), rule.id
        assert rule.id in tested, rule.id
        if rule.expectation.outcome == "any-4xx":
            assert rule.evidence != "recorded", rule.id  # a recorded answer names its code


def test_the_state_table_covers_every_operation_and_state() -> None:
    for operation in uses.CRYPTO_OPERATIONS:
        row = uses.STATE_TABLE[operation]
        assert row[states.ENABLED] is None and row[states.UPDATING] is None
        assert row[states.DISABLED] is uses.DISABLED_USE
        assert row[states.PENDING_DELETION] is uses.PENDING_DELETION_USE
    assert uses.state_entry("Encrypt", states.KeyState(states.CREATING, states.ENABLED)) is states.TIMING


def test_the_coverage_phase_tries_each_option_of_the_first_choice() -> None:
    seen: list[str] = []

    def build(d: Any, p: scenarios.Pick) -> Any:
        seen.append(p.one("first", ("a", "b", "c")) + p.one("second", ("x", "y")))
        return "attempt"

    coverage = scenarios.coverage_of(RULES["kms.encrypt.valid"], build)
    assert list(coverage(None)) == ["attempt"] * 3  # type: ignore[arg-type]
    assert seen == ["ax", "bx", "cx"]


# --- the model ---------------------------------------------------------------------------------------


def key(flow: Flow, key_id: str = SRK, region: str = HOME, **members: Any) -> None:
    request = {k: v for k, v in members.items() if k in ("KeySpec", "KeyUsage", "Origin", "MultiRegion")}
    body = {"KeyMetadata": metadata(key_id, region, **members)}
    assert flow.send(exchange("CreateKey", request, body, region=region)) == []


def encrypted(flow: Flow, plaintext: bytes, context: dict[str, str] | None = None, key_id: str = SRK) -> str:
    request: dict[str, Any] = {"KeyId": key_id, "Plaintext": b64(plaintext)}
    if context:
        request["EncryptionContext"] = context
    blob = b64(b"ciphertext of " + plaintext + json.dumps(context or {}).encode())
    body = {"CiphertextBlob": blob, "KeyId": arn(key_id), "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
    assert flow.send(exchange("Encrypt", request, body)) == []
    return blob


def test_decrypt_must_give_back_what_was_encrypted_under_the_same_context() -> None:
    flow = Flow()
    key(flow)
    blob = encrypted(flow, b"hello", {"purpose": "test"})
    right = {"Plaintext": b64(b"hello"), "KeyId": arn(SRK), "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
    good = {"CiphertextBlob": blob, "EncryptionContext": {"purpose": "test"}}
    assert flow.send(exchange("Decrypt", good, right)) == []
    wrong = {**right, "Plaintext": b64(b"HELLO")}
    assert [d.split("|")[0] for d in flow.send(exchange("Decrypt", good, wrong))] == ["kms.crypto.round-trip"]
    mismatch = flow.expect("Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"Purpose": "test"}})
    assert outcome(mismatch)[:2] == ("error", ("InvalidCiphertextException",))
    assert mismatch.rules == ("kms.encryption-context.mismatch",)


def test_a_ciphertext_no_key_made_is_invalid_only_with_a_complete_history() -> None:
    flow = Flow()
    key(flow)
    made_up = {"CiphertextBlob": b64(b"made up")}
    assert outcome(flow.expect("Decrypt", made_up))[:2] == ("error", ("InvalidCiphertextException",))
    with_key = flow.expect("Decrypt", {**made_up, "KeyId": SRK})
    assert set(with_key.expectation.errors) == {"InvalidCiphertextException", "IncorrectKeyException"}
    assert Flow(complete=False).expect("Decrypt", made_up) is None


def test_decrypt_naming_another_key_is_incorrect_key() -> None:
    flow = Flow()
    key(flow)
    key(flow, OTHER)
    blob = encrypted(flow, b"x")
    assert outcome(flow.expect("Decrypt", {"CiphertextBlob": blob, "KeyId": OTHER}))[1] == (
        "IncorrectKeyException",
    )


def test_key_usage_and_state_decide_before_anything_else() -> None:
    flow = Flow()
    key(flow, OTHER, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC", MacAlgorithms=["HMAC_SHA_256"])
    assert outcome(flow.expect("Encrypt", {"KeyId": OTHER, "Plaintext": b64(b"x")}))[1] == (
        "InvalidKeyUsageException",
    )
    key(flow)
    assert flow.send(exchange("DisableKey", {"KeyId": SRK})) == []
    assert outcome(flow.expect("Encrypt", {"KeyId": SRK, "Plaintext": b64(b"x")}))[1] == (
        "DisabledException",
    )
    dry = flow.expect(
        "GenerateMac", {"KeyId": OTHER, "Message": b64(b"m"), "MacAlgorithm": "HMAC_SHA_256", "DryRun": True}
    )
    assert outcome(dry)[1] == ("DryRunOperationException",)
    symmetric = flow.expect("GetPublicKey", {"KeyId": OTHER})
    assert outcome(symmetric)[1] == ("UnsupportedOperationException",)


def test_verify_accepts_only_the_signature_the_key_made_for_that_message() -> None:
    flow = Flow()
    key(flow, SRK, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", SigningAlgorithms=["ECDSA_SHA_256"])
    signed = {"KeyId": SRK, "Message": b64(b"m"), "SigningAlgorithm": "ECDSA_SHA_256"}
    body = {"KeyId": arn(SRK), "Signature": b64(b"sig"), "SigningAlgorithm": "ECDSA_SHA_256"}
    assert flow.send(exchange("Sign", signed, body)) == []
    valid = {"KeyId": arn(SRK), "SignatureValid": True, "SigningAlgorithm": "ECDSA_SHA_256"}
    assert flow.send(exchange("Verify", {**signed, "Signature": b64(b"sig")}, valid)) == []
    other = {**signed, "Message": b64(b"other"), "Signature": b64(b"sig")}
    served = flow.send(exchange("Verify", other, {**valid, "SignatureValid": False}))
    assert served == [
        "kms.verify.invalid-signature|unexpected-success|KMSInvalidSignatureException -> success"
    ]


def test_aliases_resolve_where_a_key_id_accepts_them_and_are_listed() -> None:
    flow = Flow()
    key(flow)
    assert flow.send(exchange("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": SRK})) == []
    assert outcome(flow.expect("CreateAlias", {"AliasName": "alias/app", "TargetKeyId": SRK}))[1] == (
        "AlreadyExistsException",
    )
    described = flow.expect("DescribeKey", {"KeyId": "alias/app"})
    assert "kms.alias.mapping" in described.rules
    listed = {
        "Aliases": [
            {
                "AliasName": "alias/app",
                "AliasArn": f"arn:aws:kms:{HOME}:111122223333:alias/app",
                "TargetKeyId": SRK,
            }
        ]
    }
    assert flow.send(exchange("ListAliases", {"KeyId": SRK}, listed)) == []
    assert flow.send(exchange("ListAliases", {"KeyId": SRK}, {"Aliases": []})) == [
        "kms.alias.mapping|invariant|/Aliases: the aliases and their keys"
    ]
    assert flow.send(exchange("DeleteAlias", {"AliasName": "alias/app"})) == []
    assert outcome(flow.expect("Encrypt", {"KeyId": "alias/app", "Plaintext": b64(b"x")}))[1] == (
        "NotFoundException",
    )
    assert flow.expect("Encrypt", {"KeyId": "alias/aws/ebs", "Plaintext": b64(b"x")}) is None


def test_a_server_error_leaves_an_alias_and_rotation_in_doubt_until_an_answer_settles_them() -> None:
    flow = Flow()
    key(flow)
    alias = {"AliasName": "alias/app", "TargetKeyId": SRK}
    # The call may or may not have made the alias: no prediction of AlreadyExists or NotFound.
    flow.send(exchange("CreateAlias", alias, status=500))
    assert flow.expect("CreateAlias", alias) is None
    assert flow.expect("DeleteAlias", {"AliasName": "alias/app"}) is None
    assert flow.expect("Encrypt", {"KeyId": "alias/app", "Plaintext": b64(b"x")}) is None
    assert flow.send(exchange("ListAliases", {"KeyId": SRK}, {"Aliases": []})) == []
    # An alias another call left alone is still predicted.
    assert outcome(flow.expect("DeleteAlias", {"AliasName": "alias/other"}))[1] == ("NotFoundException",)
    # A successful DeleteAlias settles it again.
    assert flow.send(exchange("DeleteAlias", {"AliasName": "alias/app"})) == []
    assert outcome(flow.expect("DeleteAlias", {"AliasName": "alias/app"}))[1] == ("NotFoundException",)
    status = {"KeyId": SRK}
    flow.send(exchange("EnableKeyRotation", status, status=500))
    assert flow.send(exchange("GetKeyRotationStatus", status, {"KeyRotationEnabled": True})) == []


def test_rotation_status_follows_the_calls_and_is_false_while_pending_deletion() -> None:
    flow = Flow()
    key(flow)
    status = {"KeyId": SRK}
    assert flow.send(exchange("GetKeyRotationStatus", status, {"KeyRotationEnabled": False})) == []
    assert flow.send(exchange("EnableKeyRotation", {"KeyId": SRK, "RotationPeriodInDays": 90})) == []
    on = {"KeyRotationEnabled": True, "RotationPeriodInDays": 90}
    assert flow.send(exchange("GetKeyRotationStatus", status, on)) == []
    assert flow.send(exchange("ScheduleKeyDeletion", {"KeyId": SRK, "PendingWindowInDays": 7})) == []
    assert flow.send(exchange("GetKeyRotationStatus", status, on)) == [
        "kms.rotation.status|invariant|/KeyRotationEnabled: KeyRotationEnabled"
    ]


def test_a_replica_decrypts_what_its_primary_encrypted_and_names_itself() -> None:
    flow = Flow()
    flow.primary_with_replica()
    settled = describe_body(MRK, AWAY)
    settled["KeyMetadata"]["MultiRegionConfiguration"] = {
        "MultiRegionKeyType": "REPLICA",
        "PrimaryKey": {"Arn": arn(MRK), "Region": HOME},
        "ReplicaKeys": [{"Arn": arn(MRK, AWAY), "Region": AWAY}],
    }
    assert flow.send(exchange("DescribeKey", {"KeyId": MRK}, settled, region=AWAY)) == []
    blob = encrypted(flow, b"across", key_id=MRK)
    answer = {
        "Plaintext": b64(b"across"),
        "KeyId": arn(MRK, AWAY),
        "EncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }
    prediction = flow.expect("Decrypt", {"CiphertextBlob": blob}, AWAY)
    assert outcome(prediction)[0] == "success" and prediction.rule == "kms.multi-region.interoperable"
    judged = flow.send(
        exchange("Decrypt", {"CiphertextBlob": blob}, {**answer, "KeyId": arn(MRK)}, region=AWAY)
    )
    assert judged == [
        "kms.multi-region.interoperable|invariant|/KeyId: KeyId is the ARN of the key in this Region"
    ]
    refused = flow.send(error("Decrypt", {"CiphertextBlob": blob}, "NotFoundException", region=AWAY))
    assert [d.split("|")[:2] for d in refused] == [["kms.multi-region.interoperable", "unexpected-error"]]
