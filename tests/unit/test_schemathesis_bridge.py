"""The Schemathesis bridge without a network: the OpenAPI export, the proxy's mapping, how a 5xx
becomes a finding, and the one-line errors (harness.bridges.schemathesis)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from harness import cli
from harness.bridges.schemathesis import openapi, run
from harness.bridges.schemathesis.proxy import SigningProxy
from harness.errors import EXIT_HARNESS_ERROR, UsageError
from harness.exchange import Exchange
from harness.spec import catalog
from harness.transport import Transport


def test_every_operation_has_its_own_path_with_its_request_schema() -> None:
    spec = catalog.load("aws")
    document = openapi.export(spec)
    assert document["openapi"].startswith("3.1")
    ops = [op for service in spec.services.values() for op in service.operations.values()]
    assert len(document["paths"]) == len(ops)
    for op in ops:
        post = document["paths"][f"/{op.service}/{op.name}"]["post"]
        body = post["requestBody"]["content"]["application/json"]["schema"]
        assert "$schema" not in body
        assert body["properties"] == json.loads(json.dumps(op.request_schema))["properties"]


def test_operations_are_chosen_by_service_and_name() -> None:
    spec = catalog.load("aws")
    (op,) = openapi.selected(spec, ["kms:DescribeKey"])
    assert (op.service, op.name) == ("kms", "DescribeKey")
    with pytest.raises(UsageError, match="service:Operation"):
        openapi.selected(spec, ["DescribeKey"])
    with pytest.raises(UsageError, match="unknown operation"):
        openapi.selected(spec, ["kms:NoSuchThing"])


def test_the_proxy_maps_a_path_to_a_signed_awsjson_call() -> None:
    spec = catalog.load("aws")
    transport = Transport({"kms": "http://127.0.0.1:9"}, "us-east-1", ("testing", "testing"), None)  # type: ignore[arg-type]
    proxy = SigningProxy(spec, transport, "us-east-1")
    found = proxy.request_for("/payment-cryptography/GetKey", b"{}")
    assert found is not None
    request, signing_name = found
    assert request.target == "PaymentCryptographyControlPlane.GetKey"
    assert request.content_type == spec.service("payment-cryptography").content_type
    assert (request.auth, signing_name) == ("sigv4", "payment-cryptography")
    assert proxy.request_for("/kms/NoSuchThing", b"{}") is None
    assert proxy.request_for("/other/GetKey", b"{}") is None


def _exchange(operation: str, body: dict[str, object], status: int | None, raw: bytes = b"") -> Exchange:
    exchange = Exchange.from_wire(
        service="kms",
        operation=operation,
        region="us-east-1",
        request=body,
        status=status,
        headers={},
        raw=raw,
    )
    from dataclasses import replace

    return replace(
        exchange,
        wire={
            "target": f"TrentService.{operation}",
            "content_type": "application/x-amz-json-1.1",
            "auth": "sigv4",
        },
    )


def test_only_5xx_and_no_answer_become_findings_with_the_judges_rule() -> None:
    spec = catalog.load("aws")
    exchanges = [
        # A wrong 4xx is the suite's business, never this command's.
        _exchange("DescribeKey", {"KeyId": "alias/nothing"}, 400, b'{"__type": "ValidationException"}'),
        _exchange("DescribeKey", {"KeyId": "alias/nothing"}, 500, b"<h1>Internal Server Error</h1>"),
        _exchange("ListKeys", {}, None),
    ]
    log, crashes = run.judge_crashes(spec, exchanges)
    findings = {f.operation: f for f in (x.divergence for x in log)}
    assert crashes == 2
    assert set(findings) == {"DescribeKey", "ListKeys"}
    assert all(d.kind == "server-error" for d in findings.values())
    # The rule that decides the request, as the suite names it: the same fault, the same id.
    assert findings["DescribeKey"].rule == "kms.alias.not-found"


def test_a_5xx_no_rule_decides_is_still_a_server_error_finding() -> None:
    divergence = run.fallback(_exchange("ListKeys", {}, 503))
    assert (divergence.rule, divergence.kind, divergence.status) == ("kms.server-error", "server-error", 503)
    assert divergence.signature == "success or a client error -> HTTP 503"


def test_a_missing_schemathesis_is_one_line_and_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(run.importlib.util, "find_spec", lambda name: None)
    code = cli.main(["schemathesis", "--target=emulator", "--report-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_HARNESS_ERROR
    assert err.count("\n") == 1 and "pip install 'kms-conformance-harness[schemathesis]'" in err
    assert not (tmp_path / "findings.json").exists()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--target=nowhere"], "unknown target 'nowhere'"),
        (["--operation", "kms:NoSuchThing"], "unknown operation"),
        (["--max-time", "0"], "must be at least 1 second"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    arguments: list[str], message: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = cli.main(["schemathesis", *arguments, "--report-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_HARNESS_ERROR
    assert err.count("\n") == 1 and message in err, err


def test_findings_are_added_to_a_runs_findings_json_by_id() -> None:
    from harness.bridges.schemathesis.command import into_existing
    from harness.report import validate

    existing = json.loads(
        (Path(__file__).parents[2] / "reports/published/emulator/findings.json").read_text()
    )
    shared = next(f for f in existing["findings"] if f["kind"] == "server-error")
    fresh = {**shared, "id": "kms.server-error:ListKeys:server-error:00000000", "operation": "ListKeys"}
    own = {
        **existing,
        "seed": 7,
        "summary": {"calls": 10, "findings": 2, "schemathesis": {"calls": 10}},
        "findings": [shared, fresh],
    }
    merged = into_existing(existing, own)
    validate(merged)
    ids = [f["id"] for f in merged["findings"]]
    assert len(ids) == len(existing["findings"]) + 1 and fresh["id"] in ids
    assert merged["seed"] == existing["seed"]
    assert merged["summary"]["calls"] == existing["summary"]["calls"] + 10
    assert merged["summary"]["schemathesis"] == {"calls": 10}
    assert merged["summary"]["stale_baseline"] == existing["summary"].get("stale_baseline", [])
    with pytest.raises(UsageError, match="of target 'emulator'"):
        into_existing(existing, {**own, "target": {"name": "localstack"}})


def test_schemathesis_reproductions_show_secret_members_as_tokens(tmp_path: Path) -> None:
    body = json.dumps({"KeyId": "k", "Plaintext": "c2VjcmV0"}).encode()
    event = {
        "ScenarioFinished": {
            "recorder": {
                "cases": {"c1": {"value": {"meta": {"phase": {"name": "fuzzing"}}}}},
                "interactions": {
                    "c1": {
                        "request": {
                            "method": "POST",
                            "uri": "http://127.0.0.1:1/kms/Encrypt",
                            "headers": {"Content-Type": ["application/json"]},
                            "body": {"$base64": base64.b64encode(body).decode()},
                        }
                    },
                    "c2": {
                        "request": {"method": "GET", "uri": "http://127.0.0.1:1/kms/Encrypt", "headers": {}}
                    },
                },
            }
        }
    }
    ndjson = tmp_path / "events.ndjson"
    ndjson.write_text(json.dumps(event) + "\n")
    (case,) = run.cases(ndjson).values()  # the GET never reached the target
    assert case.id == "c1" and case.label == "fuzzing"
    assert "c2VjcmV0" not in case.curl and "<redacted" in case.curl and "/kms/Encrypt" in case.curl


def test_a_request_the_judge_cannot_judge_is_a_harness_error_and_its_crash_still_a_finding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from harness.engine.judge import Judge

    def broken(self: Judge, exchange: Exchange) -> object:
        raise TypeError("unhashable type: 'dict'")

    monkeypatch.setattr(Judge, "judge", broken)
    notes: list[str] = []
    log, crashes = run.judge_crashes(
        catalog.load("aws"), [_exchange("ListKeys", {}, 500), _exchange("ListKeys", {}, 200)], notes
    )
    assert crashes == 1 and [f.rule for f in log] == ["kms.server-error"]
    assert len(notes) == 2 and "TypeError" in notes[0]


def test_pc_key_attributes_of_the_wrong_type_are_the_member_type_rules_business() -> None:
    from harness.services.payment_cryptography.rules import attribute_violations

    attributes = {
        "KeyUsage": {"x": 1},
        "KeyClass": "SYMMETRIC_KEY",
        "KeyAlgorithm": ["AES_128"],
        "KeyModesOfUse": {},
    }
    assert attribute_violations(attributes) == []
