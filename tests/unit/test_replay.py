"""Replay mechanics, offline: where the model starts, throttling, controls, the report, the CLI.

Each behaviour is shown by a pair that differs only in the thing under test: one replay
flags the answer, its twin does not.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.cassette import CassetteWriter, read
from harness.contracts import findings_validator
from harness.engine.replay import NO_RULE, UNSEEN_KEY, ReplayResult, Unapplied, document, replay
from harness.errors import HarnessError
from harness.exchange import Exchange
from harness.spec import catalog

CASSETTES = Path(__file__).resolve().parents[1] / "cassettes"
SPEC = catalog.load()
KMS_JSON = {"content-type": "application/x-amz-json-1.1"}
REGION = "us-east-1"
ACCOUNT = "111122223333"
KEY = "1234abcd-12ab-34cd-56ef-1234567890ab"
MISSING = "0b2d7e1c-4f5a-4c3b-9e8d-7a6b5c4d3e2f"


def exchange(
    operation: str,
    request: dict[str, Any],
    status: int,
    body: Any = None,
    *,
    region: str = REGION,
    role: str | None = None,
    history_start: bool = False,
) -> Exchange:
    raw = b"" if body is None else json.dumps(body).encode()
    made = Exchange.from_wire(
        service="kms",
        operation=operation,
        region=region,
        request=request,
        status=status,
        headers=KMS_JSON,
        raw=raw,
        role=role,
    )
    return Exchange(**{**_fields(made), "history_start": history_start})


def _fields(ex: Exchange) -> dict[str, Any]:
    return {name: getattr(ex, name) for name in Exchange.__dataclass_fields__}


def metadata(key_id: str = KEY, region: str = REGION) -> dict[str, Any]:
    return {
        "KeyMetadata": {
            "AWSAccountId": ACCOUNT,
            "KeyId": key_id,
            "Arn": f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}",
            "CreationDate": 1762786271.157,
            "Enabled": True,
            "Description": "",
            "KeyUsage": "ENCRYPT_DECRYPT",
            "KeyState": "Enabled",
            "Origin": "AWS_KMS",
            "KeyManager": "CUSTOMER",
            "KeySpec": "SYMMETRIC_DEFAULT",
            "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
            "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
            "MultiRegion": False,
        }
    }


def not_found(key_id: str) -> dict[str, str]:
    return {"__type": "NotFoundException", "message": f"Key '{key_id}' does not exist"}


def kinds(result: ReplayResult) -> set[tuple[str, str]]:
    return {(f.rule, f.divergence.kind) for f in result.findings}


def describe_found(key_id: str = KEY, *, history_start: bool = False) -> Exchange:
    return exchange("DescribeKey", {"KeyId": key_id}, 200, metadata(key_id), history_start=history_start)


# -- where the model starts --------------------------------------------------------------


def test_mid_history_an_unknown_key_is_learned_not_flagged() -> None:
    result = replay([describe_found(), describe_found()], SPEC)
    assert not list(result.findings)
    # The first answer could not be judged; the second was, against what the first taught.
    assert result.unapplied[Unapplied("kms", "DescribeKey", "outcome", UNSEEN_KEY)] == 1
    assert result.rules["kms.describe-key.valid"] == "passed"


def test_from_the_start_of_the_history_an_unknown_key_does_not_exist() -> None:
    result = replay([describe_found(history_start=True), describe_found()], SPEC)
    assert kinds(result) == {("kms.key-id.not-found", "unexpected-success")}
    assert not result.unapplied


def test_mid_history_the_answer_checks_still_apply() -> None:
    body = metadata()
    body["KeyMetadata"]["CreationDate"] = "2025-11-10T14:51:11Z"
    flagged = replay([exchange("DescribeKey", {"KeyId": KEY}, 200, body)], SPEC)
    assert kinds(flagged) == {("kms.response.schema", "response-schema")}
    assert not list(replay([describe_found()], SPEC).findings)


def test_mid_history_a_key_the_cassette_created_is_judged() -> None:
    created = exchange("CreateKey", {}, 200, metadata())
    wrong = exchange("DescribeKey", {"KeyId": KEY}, 400, not_found(KEY))
    assert kinds(replay([created, wrong], SPEC)) == {("kms.describe-key.valid", "unexpected-error")}
    assert not list(replay([created, describe_found()], SPEC).findings)


def test_malformed_ids_are_judged_even_mid_history() -> None:
    answered = exchange("DescribeKey", {"KeyId": "fake-key-id"}, 200, metadata())
    assert ("kms.key-id.not-found", "unexpected-success") in kinds(replay([answered], SPEC))
    refused = exchange("DescribeKey", {"KeyId": "fake-key-id"}, 400, not_found("fake-key-id"))
    assert not list(replay([refused], SPEC).findings)


def test_a_history_mark_mid_cassette_starts_a_new_complete_model() -> None:
    # Two runs' cassettes one after the other: the second run's target never had KEY.
    first = [exchange("CreateKey", {}, 200, metadata(), history_start=True), describe_found()]
    again = exchange("DescribeKey", {"KeyId": KEY}, 400, not_found(KEY), history_start=True)
    assert not list(replay([*first, again], SPEC).findings)
    unmarked = exchange("DescribeKey", {"KeyId": KEY}, 400, not_found(KEY))
    assert kinds(replay([*first, unmarked], SPEC)) == {("kms.describe-key.valid", "unexpected-error")}


def test_a_tail_of_an_aws_cassette_replays_clean_and_says_what_it_could_not_check() -> None:
    lines = [ex for _, ex in read(CASSETTES / "aws" / "test_get_key_in_different_region.jsonl")]
    tail = lines[1:]  # without the CreateKey, and so without the history mark
    result = replay(tail, SPEC)
    assert not list(result.findings)
    # The lookup by id in the wrong Region and the first lookup in the key's Region name a
    # key the cassette never showed; the ARN of another Region is judged; the last lookup
    # is judged against the key learned from the answer before it.
    assert result.unapplied == {Unapplied("kms", "DescribeKey", "outcome", UNSEEN_KEY): 2}
    assert result.rules["kms.key-id.not-found"] == "passed"
    assert result.rules["kms.describe-key.valid"] == "passed"
    # Twin: the same tail claimed to start the history is wrong about the key's existence.
    marked = [Exchange(**{**_fields(tail[0]), "history_start": True}), *tail[1:]]
    assert ("kms.key-id.not-found", "unexpected-success") in kinds(replay(marked, SPEC))


# -- throttling and controls -------------------------------------------------------------

THROTTLED = {"__type": "ThrottlingException", "message": "Rate exceeded"}


@pytest.mark.parametrize("status", [400, 429])
def test_throttled_exchanges_are_not_judged(status: int) -> None:
    throttled = exchange("DescribeKey", {"KeyId": MISSING}, status, THROTTLED, history_start=True)
    answered = exchange("DescribeKey", {"KeyId": MISSING}, 400, not_found(MISSING))
    result = replay([throttled, answered], SPEC)
    assert not list(result.findings)
    assert (result.judged, result.throttled) == (1, 1)
    # Twin: the same answer with any other code is an answer, and a wrong one.
    other = {"__type": "LimitExceededException", "message": "Rate exceeded"}
    limited = exchange("DescribeKey", {"KeyId": MISSING}, 400, other, history_start=True)
    assert kinds(replay([limited, answered], SPEC)) == {("kms.key-id.not-found", "wrong-error")}


RESERVED = {"Tags": [{"TagKey": "aws:x", "TagValue": ""}]}
REFUSED = {"__type": "ValidationException", "message": "1 validation error detected"}


def test_a_control_rejected_too_withdraws_the_outcome_of_the_call_before_it() -> None:
    call = exchange("CreateKey", RESERVED, 400, REFUSED, history_start=True)
    control = exchange("CreateKey", {}, 400, REFUSED, role="control")
    result = replay([call, control], SPEC)
    # As in the live run: the refusal is not about the tag, the control's own judgement says so.
    assert kinds(result) == {("kms.create-key.valid", "unexpected-error")}
    # Twin: the control is accepted, so the refusal was about the tag: wrong error.
    accepted = exchange("CreateKey", {}, 200, metadata(), role="control")
    assert kinds(replay([call, accepted], SPEC)) == {("kms.tags.reserved-prefix", "wrong-error")}


def test_a_control_is_only_a_control_right_after_a_call() -> None:
    # Replay without the call it controlled: judged as a call of its own, nothing withdrawn.
    control = exchange("CreateKey", {}, 400, REFUSED, role="control", history_start=True)
    assert kinds(replay([control], SPEC)) == {("kms.create-key.valid", "unexpected-error")}


# -- findings and the report ---------------------------------------------------------------


def test_a_finding_carries_the_earlier_exchanges_of_its_key_as_steps() -> None:
    other = "7f3e2d1c-0b9a-4876-9543-210fedcba987"
    created = exchange("CreateKey", {}, 200, metadata(), history_start=True)
    unrelated = exchange("CreateKey", {}, 200, metadata(other))
    tagged = exchange("TagResource", {"KeyId": KEY, **RESERVED}, 200)
    result = replay([created, unrelated, tagged], SPEC)
    (finding,) = result.findings
    assert finding.id.startswith("kms.tags.reserved-prefix:TagResource:unexpected-success:")
    assert finding.steps == (created,)


def test_only_rules_restricts_findings_but_not_the_model() -> None:
    created = exchange("CreateKey", {}, 200, metadata(), history_start=True)
    refused = exchange("DescribeKey", {"KeyId": KEY}, 400, not_found(KEY))
    assert kinds(replay([created, refused], SPEC)) == {("kms.describe-key.valid", "unexpected-error")}
    assert not list(replay([created, refused], SPEC, only_rules={"kms.tags.reserved-prefix"}).findings)


def test_the_report_follows_the_contract_and_names_the_cassette() -> None:
    result = replay([describe_found(), exchange("ListGrants", {"KeyId": KEY}, 200, {})], SPEC)
    doc, findings = document(result, cassette=Path("some.jsonl"), profile="aws")
    findings_validator().validate(doc)
    assert doc["target"]["name"] == "replay" and doc["target"]["cassette"] == "some.jsonl"
    assert doc["summary"]["calls"] == 2
    assert doc["summary"]["unapplied_checks"] == [
        "kms:DescribeKey outcome: " + UNSEEN_KEY + " (1 exchange)",
        "kms:ListGrants outcome: " + NO_RULE + " (1 exchange)",
        "kms:ListGrants response schema: the aws profile has no spec of this operation (1 exchange)",
    ]
    assert findings == []


_ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_NAMES = st.sampled_from([KEY, MISSING, "mrk-" + "a" * 32, "fake-key-id"])
_OPERATIONS = ["CreateKey", "DescribeKey", "ReplicateKey", "TagResource", "GetKey", "X"]
_MEMBERS = ["KeyMetadata", "ReplicaKeyMetadata", "__type", "message", "Key"]


def _lines(key_member: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Cassette lines the contract accepts, with odd requests and answers."""
    return st.fixed_dictionaries(
        {
            "service": st.sampled_from(["kms", "payment-cryptography"]),
            "region": st.sampled_from(["us-east-1", "us-west-2"]),
            "operation": st.sampled_from(_OPERATIONS),
            "request": st.fixed_dictionaries(
                {},
                optional={
                    "KeyId": key_member,
                    "KeyIdentifier": key_member,
                    "ResourceArn": key_member,
                    "Tags": _ANY_JSON,
                    "ReplicaRegion": _ANY_JSON,
                    "KeySpec": _ANY_JSON,
                },
            ),
            "status": st.sampled_from([0, 200, 400, 429, 500]),
            "response": st.none() | st.dictionaries(st.sampled_from(_MEMBERS), _ANY_JSON),
        },
        optional={"role": st.just("control"), "history": st.just("start"), "headers": st.just(KMS_JSON)},
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lines(_NAMES), min_size=1, max_size=6))
def test_any_cassette_naming_keys_by_string_replays_to_a_report(lines: list[dict[str, Any]]) -> None:
    result = replay([Exchange.from_cassette(line) for line in lines], SPEC)
    findings_validator().validate(document(result, cassette=Path("c.jsonl"), profile="aws")[0])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lines(_NAMES | _ANY_JSON), min_size=1, max_size=6))
def test_any_cassette_ends_in_a_report_or_one_harness_error(lines: list[dict[str, Any]]) -> None:
    outcome: ReplayResult | HarnessError
    try:
        outcome = replay([Exchange.from_cassette(line) for line in lines], SPEC)
    except HarnessError as exc:
        outcome = exc
    if isinstance(outcome, HarnessError):
        assert "\n" not in str(outcome) and "could not judge this exchange" in str(outcome)
    else:
        findings_validator().validate(document(outcome, cassette=Path("c.jsonl"), profile="aws")[0])


# -- cassettes on disk -----------------------------------------------------------------------


def test_the_writer_marks_only_the_first_exchange_as_the_history_start(tmp_path: Path) -> None:
    writer = CassetteWriter(tmp_path / "c.jsonl", history_start=True)
    for ex in (describe_found(), describe_found()):
        writer.write(ex)
    lines = [json.loads(t) for t in writer.commit().read_text().splitlines()]
    assert [line.get("history") for line in lines] == ["start", None]
    assert [ex.history_start for _, ex in read(tmp_path / "c.jsonl")] == [True, False]
    plain = CassetteWriter(tmp_path / "p.jsonl")
    plain.write(describe_found())
    assert "history" not in json.loads(plain.commit().read_text())


# -- the command line ------------------------------------------------------------------------


def harness(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", "replay", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def test_a_clean_cassette_exits_0_and_writes_the_report(tmp_path: Path) -> None:
    cassette = CASSETTES / "aws" / "test_replicate_key.jsonl"
    done = harness(str(cassette), "--report-dir", str(tmp_path / "rep"))
    assert done.returncode == 0, done.stdout + done.stderr
    doc = json.loads((tmp_path / "rep" / "findings.json").read_text())
    findings_validator().validate(doc)
    assert doc["target"]["name"] == "replay" and doc["target"]["cassette"] == str(cassette)
    assert doc["summary"]["findings"] == 0 and doc["summary"]["calls"] == 5
    assert "replayed 5 exchanges" in done.stdout


def test_findings_exit_1_and_are_named(tmp_path: Path) -> None:
    cassette = CASSETTES / "mutated" / "test_get_key_in_different_region.invalid-arn-exception.jsonl"
    done = harness(str(cassette), "--report-dir", str(tmp_path / "rep"))
    assert done.returncode == 1, done.stdout + done.stderr
    doc = json.loads((tmp_path / "rep" / "findings.json").read_text())
    (finding,) = doc["findings"]
    assert finding["rule"] == "kms.key-id.not-found" and finding["kind"] == "wrong-error"
    assert finding["id"] in done.stdout
    assert finding["reproduce"].count("call('kms'") == 2  # the key's CreateKey, then the call


def test_the_default_report_dir_is_reports_replay(tmp_path: Path) -> None:
    cassette = CASSETTES / "aws" / "test_create_key.jsonl"
    assert harness(str(cassette), cwd=tmp_path).returncode == 0
    assert (tmp_path / "reports" / "replay" / "findings.json").is_file()


GOOD = json.dumps(
    {
        "service": "kms",
        "region": REGION,
        "operation": "DescribeKey",
        "request": {},
        "status": 200,
        "response": {},
    }
)


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        (b"hello, world\n", (), ":1: not JSON"),
        (f"{GOOD}\n{{}}\n".encode(), (), ":2: not a cassette exchange"),
        (f"{GOOD}\n".encode() + b'{"service": "\xff"}\n', (), ":2: not UTF-8 text"),
        (b"", (), "holds no exchanges"),
        (f"{GOOD}\n".encode(), ("--profile", "nonesuch"), "nonesuch"),
        (None, (), "cannot read cassette"),
    ],
)
def test_bad_input_exits_2_in_one_line_and_writes_nothing(
    tmp_path: Path, content: bytes | None, args: tuple[str, ...], message: str
) -> None:
    cassette = tmp_path / "c.jsonl"
    if content is not None:
        cassette.write_bytes(content)
    report_dir = tmp_path / "never"
    done = harness(str(cassette), "--report-dir", str(report_dir), *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("harness: error:")
    assert message in done.stderr and "Traceback" not in done.stderr
    assert not report_dir.exists()


def test_a_directory_is_not_a_cassette(tmp_path: Path) -> None:
    done = harness(str(tmp_path), "--report-dir", str(tmp_path / "never"))
    assert done.returncode == 2 and "cannot read cassette" in done.stderr
    assert len(done.stderr.splitlines()) == 1 and not (tmp_path / "never").exists()
