"""Spec coverage on a hand-made profile and cassette: the numbers are the ones a person counts,
and an independent recount (sharing no code with harness.reporting.coverage) agrees."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.reporting.coverage import DOCUMENTED_TRANSITIONS, compute_coverage, read_cassette

REPO = Path(__file__).resolve().parents[2]

SERVICE: dict[str, Any] = {
    "service": "kms",
    "profile": "aws",
    "operations": {
        "CreateKey": {
            "request": "CreateKey.request.json",
            "errors": ["TagException", "LimitExceededException"],
        },
        "DescribeKey": {"request": "DescribeKey.request.json", "errors": ["NotFoundException"]},
        "DisableKey": {
            "request": "DisableKey.request.json",
            "errors": ["NotFoundException", "KMSInvalidStateException"],
        },
        "ScheduleKeyDeletion": {
            "request": "ScheduleKeyDeletion.request.json",
            "errors": ["NotFoundException"],
        },
    },
    "commonErrors": {"codes": ["ValidationException", "AccessDeniedException"]},
}
KEY_ID = {"type": "object", "properties": {"KeyId": {"type": "string"}}, "required": ["KeyId"]}
REQUESTS: dict[str, dict[str, Any]] = {
    "CreateKey": {
        "type": "object",
        "properties": {
            "Description": {"type": "string"},
            "KeySpec": {"type": "string", "enum": ["SYMMETRIC_DEFAULT", "RSA_2048", "HMAC_256"]},
            "Tags": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"TagKey": {"type": "string"}, "TagValue": {"type": "string"}},
                },
            },
        },
        # A cross-field constraint names members again; they are not more parameters.
        "allOf": [{"if": {"properties": {"KeySpec": {"const": "HMAC_256"}}}, "then": {"required": ["Tags"]}}],
    },
    "DescribeKey": {
        "type": "object",
        "properties": {
            "KeyId": {"type": "string"},
            "GrantTokens": {"type": "array", "items": {"type": "string"}},
        },
    },
    "DisableKey": KEY_ID,
    "ScheduleKeyDeletion": {
        "type": "object",
        "properties": {"KeyId": {"type": "string"}, "PendingWindowInDays": {"type": "integer"}},
    },
}

ARN1 = "arn:aws:kms:us-east-1:111122223333:key/k1"


def _meta(key: str, state: str, *, arn: bool = True) -> dict[str, Any]:
    meta: dict[str, Any] = {"KeyId": key, "KeyState": state}
    if arn:
        meta["Arn"] = f"arn:aws:kms:us-east-1:111122223333:key/{key}"
    return {"KeyMetadata": meta}


def _ex(op: str, request: dict[str, Any], status: int, response: Any = None, **extra: Any) -> dict[str, Any]:
    line = {"service": "kms", "region": "us-east-1", "operation": op, "request": request, "status": status}
    line["response"] = response
    line.update(extra)
    return line


CASSETTE = [
    _ex("CreateKey", {}, 200, _meta("k1", "Enabled")),
    _ex(
        "CreateKey",
        {"KeySpec": "RSA_2048", "Tags": [{"TagKey": "a", "TagValue": "b"}]},
        200,
        _meta("k2", "Enabled"),
    ),
    _ex("CreateKey", {"KeySpec": "NOPE", "Tags": [{"TagKey": "aws:x"}]}, 400, {"__type": "TagException"}),
    _ex("CreateKey", {"Tags": "not-a-list"}, 500, None, raw="<html>500</html>"),
    _ex("DescribeKey", {"KeyId": "k1"}, 200, _meta("k1", "Enabled")),
    _ex("DisableKey", {"KeyId": "k1"}, 200, None, raw=""),
    _ex("DescribeKey", {"KeyId": "k1"}, 200, _meta("k1", "Disabled")),
    _ex(
        "ScheduleKeyDeletion",
        {"KeyId": ARN1, "PendingWindowInDays": 7},
        200,
        {"KeyId": ARN1, "KeyState": "PendingDeletion", "DeletionDate": 1.0},
    ),
    _ex("DescribeKey", {"KeyId": "missing"}, 400, {"__type": "com.amazonaws.kms#NotFoundException:http://x"}),
    _ex(
        "DisableKey",
        {"KeyId": "k2"},
        400,
        None,
        raw="",
        headers={"X-Amzn-ErrorType": "KMSInvalidStateException"},
    ),
    _ex("DescribeKey", {}, 400, {"__type": "ValidationException", "message": "1 validation error"}),
    _ex("DescribeKey", {"KeyId": "k2", "GrantTokens": ["t"]}, 400, {"__type": "WeirdException"}),
    _ex("ListKeys", {}, 200, {"Keys": []}),
    {**_ex("GetKey", {"KeyIdentifier": "x"}, 200, {}), "service": "payment-cryptography"},
    {**_ex("DescribeKey", {"KeyId": "k2"}, 200, _meta("k2", "Disabled", arn=False)), "region": "us-west-2"},
]


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    root = tmp_path / "aws"
    (root / "kms").mkdir(parents=True)
    (root / "kms" / "service.json").write_text(json.dumps(SERVICE))
    for op, schema in REQUESTS.items():
        (root / "kms" / f"{op}.request.json").write_text(json.dumps(schema))
    return root


def test_the_numbers_are_those_counted_by_hand(specs: Path) -> None:
    kms = compute_coverage(CASSETTE, specs).services["kms"]
    create = kms.operations["CreateKey"]
    assert create.calls == 4
    assert create.parameters == {
        "/Description": 0,
        "/KeySpec": 2,
        "/Tags": 3,
        "/Tags/*/TagKey": 2,
        "/Tags/*/TagValue": 1,
    }
    assert create.enums == {"/KeySpec": {"SYMMETRIC_DEFAULT": 0, "RSA_2048": 1, "HMAC_256": 0}}
    assert create.errors == {"TagException": 1, "LimitExceededException": 0}
    describe = kms.operations["DescribeKey"]
    assert (describe.calls, describe.parameters) == (6, {"/KeyId": 5, "/GrantTokens": 1})
    assert describe.errors == {"NotFoundException": 1}  # from com.amazonaws.kms#NotFoundException:http://x
    assert describe.undocumented_errors == {"WeirdException": 1}
    assert kms.operations["DisableKey"].errors == {"NotFoundException": 0, "KMSInvalidStateException": 1}
    assert kms.common_errors == {"ValidationException": 1, "AccessDeniedException": 0}
    assert kms.undocumented_operations == {"ListKeys": 1}
    assert kms.calls == 14  # the payment-cryptography exchange is not the profile's
    assert [(t.from_state, t.to_state, t.count, t.via) for t in kms.transitions] == [
        ("Disabled", "PendingDeletion", 1, ("ScheduleKeyDeletion",)),
        ("Enabled", "Disabled", 1, ("DisableKey",)),
    ]
    assert kms.totals() == {
        "parameters": (9, 10),
        "enum_values": (1, 3),
        "error_codes": (3, 6),
        "operations": (4, 4),
        "common_error_codes": (1, 2),
        "transitions": (2, len(DOCUMENTED_TRANSITIONS["kms"])),
    }


# -- an independent recount ---------------------------------------------------------------


def _flatten(value: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every (pointer with array indexes as *, value) inside a request, the root excluded."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield f"{pointer}/{k}", v
            yield from _flatten(v, f"{pointer}/{k}")
    elif isinstance(value, list):
        for v in value:
            yield f"{pointer}/*", v
            yield from _flatten(v, f"{pointer}/*")


def _documented_pointers(schema: dict[str, Any], pointer: str = "") -> list[str]:
    found = []
    for name, sub in schema.get("properties", {}).items():
        found.append(f"{pointer}/{name}")
        found += _documented_pointers(sub, f"{pointer}/{name}")
        if "items" in sub:
            found += _documented_pointers(sub["items"], f"{pointer}/{name}/*")
    return found


def _code(line: dict[str, Any]) -> str | None:
    if 200 <= line["status"] < 300:
        return None
    body = line.get("response") or {}
    raw = body.get("__type") or {k.lower(): v for k, v in (line.get("headers") or {}).items()}.get(
        "x-amzn-errortype"
    )
    if not raw:
        return None
    return str(raw).split("#")[-1].split(":")[0]


def test_an_independent_recount_agrees(specs: Path) -> None:
    coverage = compute_coverage(CASSETTE, specs).services["kms"]
    lines = [line for line in CASSETTE if line["service"] == "kms"]
    for op, schema in REQUESTS.items():
        mine = [line for line in lines if line["operation"] == op]
        sent = [{p for p, _ in _flatten(line["request"])} for line in mine]
        pointers = _documented_pointers(schema)
        assert coverage.operations[op].parameters == {p: sum(p in s for s in sent) for p in pointers}
        for pointer, counts in coverage.operations[op].enums.items():
            values = [{v for p, v in _flatten(line["request"]) if p == pointer} for line in mine]
            assert counts == {v: sum(v in s for s in values) for v in counts}
        codes = [_code(line) for line in mine]
        documented = SERVICE["operations"][op]["errors"]
        assert coverage.operations[op].errors == {c: codes.count(c) for c in documented}
        assert coverage.operations[op].calls == len(mine)


def test_states_spelled_by_the_profile_are_read_in_aws_spelling(specs: Path) -> None:
    service = {**SERVICE, "valueAliases": {"KeyState": {"ENABLED": "Enabled", "DISABLED": "Disabled"}}}
    (specs / "kms" / "service.json").write_text(json.dumps(service))
    cassette = [
        _ex("CreateKey", {}, 200, _meta("k1", "ENABLED")),
        _ex("DisableKey", {"KeyId": "k1"}, 200),
        _ex("DescribeKey", {"KeyId": "k1"}, 200, _meta("k1", "DISABLED")),
        _ex("DescribeKey", {"KeyId": "k1"}, 200, _meta("k1", "DISABLED")),
    ]
    kms = compute_coverage(cassette, specs).services["kms"]
    assert [(t.from_state, t.to_state, t.via) for t in kms.transitions] == [
        ("Enabled", "Disabled", ("DisableKey",))
    ]
    observed = {(a, b): n for a, b, _, n in kms.documented_transitions}
    assert observed[("Enabled", "Disabled")] == 1 and observed[("Disabled", "Enabled")] == 0


def test_a_read_only_call_is_never_a_cause_and_a_failed_call_changes_nothing(specs: Path) -> None:
    cassette = [
        _ex("CreateKey", {}, 200, _meta("k1", "Enabled")),
        _ex("DisableKey", {"KeyId": "k1"}, 400, {"__type": "NotFoundException"}),
        _ex("DescribeKey", {"KeyId": "k1"}, 200, _meta("k1", "Disabled")),
    ]
    (transition,) = compute_coverage(cassette, specs).services["kms"].transitions
    assert transition.via == ()  # a change no successful call explains is shown as such


def test_read_cassette_and_to_dict_round_trip(specs: Path, tmp_path: Path) -> None:
    path = tmp_path / "cassette.jsonl"
    path.write_text("".join(json.dumps(line) + "\n\n" for line in CASSETTE))
    coverage = compute_coverage(read_cassette(path), specs)
    data = json.loads(json.dumps(coverage.to_dict()))
    assert data["totals"]["parameters"] == {"exercised": 9, "documented": 10}
    assert data["services"]["kms"]["operations"]["CreateKey"]["enums"]["/KeySpec"]["RSA_2048"] == 1


def _shipped_specs() -> Path | None:
    for candidate in (REPO / "harness" / "data" / "specs" / "aws", REPO / "specs" / "aws"):
        if (candidate / "kms" / "service.json").is_file():
            return candidate
    return None


def test_the_shipped_specs_name_nested_members_by_pointer() -> None:
    specs = _shipped_specs()
    if specs is None:
        pytest.skip("the shipped specs are not in this checkout")
    coverage = compute_coverage([], specs)
    create = coverage.services["kms"].operations["CreateKey"]
    assert {"/KeySpec", "/Tags", "/Tags/*/TagKey", "/Tags/*/TagValue"} <= set(create.parameters)
    assert "ECC_NIST_P256" in create.enums["/KeySpec"]
    pc = coverage.services["payment-cryptography"].operations["CreateKey"]
    assert "/KeyAttributes/KeyModesOfUse/Encrypt" in pc.parameters
    assert coverage.totals()["parameters"][0] == 0
