"""Both reproductions of hand-made findings, run against a small local server that records what it
receives: requests no SDK makes are sent raw and byte for byte as the run sent them, unsigned ones
carry no signature, badly signed ones a wrong one; curl's --aws-sigv4 signature is botocore's; the
AWS CLI form has the CLI's shape; each form exits non-zero while the answer diverges and zero
once it conforms."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.checks import Divergence, Kind
from harness.exchange import Exchange
from harness.findings import Finding, make_finding
from harness.oracle.rules import Expectation, any_4xx, error
from harness.reproduce import script
from harness.reproduce_cli import command, judged_in_shell, uses_curl
from harness.transport import RawRequest

KMS_JSON = "application/x-amz-json-1.1"


class _Server:
    """Answers every POST with the answer set in ``answer``; keeps every request it got."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.answer: tuple[int, str, bytes] = (200, KMS_JSON, b"{}")
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                server.requests.append({"headers": dict(self.headers), "body": body})
                status, ctype, raw = server.answer
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *_: Any) -> None:
                pass

        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    s = _Server()
    yield s
    s.httpd.shutdown()


def _raw_finding(rule: str, body: bytes, **wire: Any) -> Finding:
    raw = RawRequest(
        service="kms",
        region="us-east-1",
        body=body,
        target=wire.get("target", "TrentService.ListKeys"),
        content_type=wire.get("content_type", KMS_JSON),
        auth=wire.get("auth", "sigv4"),
    )
    try:
        params = json.loads(body)
    except ValueError:
        params = {}
    exchange = Exchange.from_wire(
        service="kms",
        operation=raw.operation,
        region="us-east-1",
        request=params if isinstance(params, dict) else {},
        status=200,
        headers={"content-type": KMS_JSON},
        raw=b"{}",
    )
    exchange = Exchange(**{**_fields(exchange), "wire": raw.description()})
    kind: Kind = "auth" if rule.startswith("kms.auth.") else "unexpected-success"
    expected = any_4xx("the code is not documented")
    divergence = Divergence(rule, kind, "kms", raw.operation, expected, "served", "a client error -> success")
    return make_finding(divergence, exchange, [])


def _fields(exchange: Exchange) -> dict[str, Any]:
    return {name: getattr(exchange, name) for name in exchange.__slots__}


def _finding(request: dict[str, Any], divergence: Divergence, operation: str = "CreateKey") -> Finding:
    exchange = Exchange.from_wire(
        service="kms",
        operation=operation,
        region="us-east-1",
        request=request,
        status=200,
        headers={"content-type": KMS_JSON},
        raw=b"{}",
    )
    return make_finding(divergence, exchange, [])


RESERVED_REQUEST = {"KeySpec": "SYMMETRIC_DEFAULT", "Tags": [{"TagKey": "aws:x", "TagValue": ""}]}
RESERVED = Divergence(
    "kms.tags.reserved-prefix",
    "unexpected-success",
    "kms",
    "CreateKey",
    error("TagException"),
    "expected TagException (HTTP 4xx), got HTTP 200 success",
    "a client error -> success",
    status=200,
)
TOO_SHORT = Divergence(
    "kms.validation.length",
    "unexpected-success",
    "kms",
    "DescribeKey",
    error("ValidationException"),
    "expected ValidationException (HTTP 4xx), got HTTP 200 success",
    "a client error -> success",
    status=200,
)
CONTENT_TYPE = Divergence(
    "kms.wire.content-type",
    "wire-format",
    "kms",
    "CreateKey",
    Expectation("success", detail=f"Content-Type {KMS_JSON}"),
    "Content-Type 'text/html' on a success answer",
    "success: text/html",
    status=200,
)

WIRE_CASES = {
    "not-json": _raw_finding("kms.wire.not-json", b'{"KeyId": '),
    "member-type": _raw_finding(
        "kms.wire.member-type", b'{"Tags": "not-a-list"}', target="TrentService.CreateKey"
    ),
    "unknown-operation": _raw_finding(
        "kms.wire.unknown-operation", b"{}", target="TrentService.NoSuchOperationQ"
    ),
    "missing-target": _raw_finding("kms.wire.missing-target", b"{}", target=None),
    "content-type": _raw_finding("kms.wire.request-content-type", b"{}", content_type="text/plain"),
    "unsigned": _raw_finding("kms.auth.unsigned", b"{}", auth="unsigned"),
    "bad-signature": _raw_finding("kms.auth.bad-signature", b"{}", auth="bad-signature"),
}


def _python(text: str, endpoint: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "repro.py"
    path.write_text(text)
    env = {"HARNESS_ENDPOINT": endpoint, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, env=env)


def _bash(text: str, endpoint: str) -> subprocess.CompletedProcess[str]:
    path = os.environ.get("PATH", "/usr/bin:/bin")
    env = {"HARNESS_ENDPOINT": endpoint, "PATH": path, "HOME": "/nonexistent"}
    return subprocess.run(["bash", "-c", text], capture_output=True, text=True, timeout=120, env=env)


@pytest.mark.parametrize("case", sorted(WIRE_CASES))
def test_the_python_reproduction_sends_the_raw_request_as_the_run_did(
    case: str, server: _Server, tmp_path: Path
) -> None:
    finding = WIRE_CASES[case]
    wire = finding.exchange.wire or {}
    server.requests.clear()
    server.answer = (200, KMS_JSON, b"{}")  # served: the divergence is there
    done = _python(script(finding), server.url, tmp_path)
    assert done.returncode == 1 and "AssertionError" in done.stderr, done.stderr
    (got,) = server.requests
    headers = {k.lower(): v for k, v in got["headers"].items()}
    expected_body = str(wire["body"]).encode() if "body" in wire else json.dumps(finding.request).encode()
    assert got["body"] == expected_body
    assert headers.get("x-amz-target") == wire.get("target")
    assert headers.get("content-type") == wire.get("content_type")
    authorization = headers.get("authorization")
    if case == "unsigned":
        assert authorization is None
    else:
        assert authorization is not None and authorization.startswith("AWS4-HMAC-SHA256 ")
        assert _signature_ok(got, secret="testing") == (case != "bad-signature")
    server.answer = (400, KMS_JSON, b'{"__type": "SerializationException"}')  # refused: fixed
    assert _python(script(finding), server.url, tmp_path).returncode == 0


def _signature_ok(got: dict[str, Any], *, secret: str) -> bool:
    """Whether the request's SigV4 signature is the one botocore computes with ``secret``."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    headers = {k.lower(): v for k, v in got["headers"].items()}
    authorization = headers["authorization"]
    signed = authorization.split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")
    credential = authorization.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    access, region, service = credential[0], credential[2], credential[3]
    url = f"http://{headers['host']}/"
    request = AWSRequest(
        method="POST", url=url, data=got["body"], headers={h: headers[h] for h in signed if h != "host"}
    )
    request.context["timestamp"] = headers["x-amz-date"]
    auth = SigV4Auth(Credentials(access, secret), service, region)
    canonical = auth.canonical_request(request)
    wanted = auth.signature(auth.string_to_sign(request, canonical), request)
    return bool(authorization.endswith(f"Signature={wanted}"))


needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


@needs_curl
@pytest.mark.parametrize("case", sorted(WIRE_CASES))
def test_the_curl_reproduction_sends_the_same_request(case: str, server: _Server) -> None:
    finding = WIRE_CASES[case]
    wire = finding.exchange.wire or {}
    text = command(finding)
    assert uses_curl(finding) and text.count("curl ") == 1 and "aws kms" not in text
    server.requests.clear()
    server.answer = (200, KMS_JSON, b"{}")
    done = _bash(text, server.url)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "HTTP 200" in done.stdout
    (got,) = server.requests
    headers = {k.lower(): v for k, v in got["headers"].items()}
    expected_body = str(wire["body"]).encode() if "body" in wire else json.dumps(finding.request).encode()
    assert got["body"] == expected_body
    assert headers.get("x-amz-target") == wire.get("target")
    assert headers.get("content-type") == wire.get("content_type")
    if case == "unsigned":
        assert "authorization" not in headers
    else:
        assert _signature_ok(got, secret="testing") == (case != "bad-signature")
    server.answer = (400, KMS_JSON, b'{"__type": "SerializationException"}')
    assert _bash(text, server.url).returncode == 0


def test_an_sdk_request_goes_through_the_aws_cli() -> None:
    finding = _finding(RESERVED_REQUEST, RESERVED)
    text = command(finding)
    assert not uses_curl(finding) and "curl" not in text
    (line,) = [line for line in text.splitlines() if "aws kms create-key" in line]
    assert '--endpoint-url "$E" --region us-east-1 --cli-input-json ' in line
    payload = line.split("--cli-input-json ", 1)[1].split(" 2>&1", 1)[0]
    assert json.loads(payload.strip("'")) == finding.request
    assert "grep -Eq 'An error occurred \\((TagException)\\)'" in text
    assert judged_in_shell(finding)


def test_a_request_the_cli_would_refuse_before_sending_goes_through_curl() -> None:
    finding = _finding({"KeyId": ""}, TOO_SHORT, "DescribeKey")  # botocore's validation: min 1
    assert uses_curl(finding)
    assert "--aws-sigv4 aws:amz:us-east-1:kms " in command(finding)


@needs_curl
def test_an_answer_divergence_is_judged_by_the_curl_form(server: _Server) -> None:
    finding = _finding({"KeySpec": "SYMMETRIC_DEFAULT"}, CONTENT_TYPE)
    text = command(finding)
    assert uses_curl(finding) and judged_in_shell(finding)
    server.answer = (200, "text/html; charset=utf-8", b"{}")
    assert _bash(text, server.url).returncode == 1
    server.answer = (200, KMS_JSON, b"{}")
    assert _bash(text, server.url).returncode == 0


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_the_aws_cli_accepts_the_command(server: _Server) -> None:
    """The real CLI parses the command and sends the request (answered by the local server)."""
    finding = _finding(RESERVED_REQUEST, RESERVED)
    server.requests.clear()
    server.answer = (200, KMS_JSON, b'{"KeyMetadata": {"KeyId": "k", "AWSAccountId": "1"}}')
    done = _bash(command(finding), server.url)
    assert done.returncode == 1, done.stdout + done.stderr  # served: the divergence is there
    (got,) = server.requests
    assert json.loads(got["body"]) == finding.request
    server.answer = (400, KMS_JSON, b'{"__type": "TagException", "message": "no"}')
    assert _bash(command(finding), server.url).returncode == 0


def _answer(
    operation: str, request: dict[str, Any], body: dict[str, Any], region: str = "us-east-1"
) -> Exchange:
    return Exchange.from_wire(
        service="kms",
        operation=operation,
        region=region,
        request=request,
        status=200,
        headers={"content-type": KMS_JSON},
        raw=json.dumps(body).encode(),
    )


def test_a_finding_on_keys_other_tests_made_starts_by_creating_one() -> None:
    from harness.reproduce import Creations

    arn = "arn:aws:kms:us-east-1:123456789012:key/mrk-1"
    replica = "arn:aws:kms:us-west-2:123456789012:key/mrk-1"
    create = _answer("CreateKey", {"MultiRegion": True}, {"KeyMetadata": {"KeyId": "mrk-1", "Arn": arn}})
    replica_of = {"KeyId": "mrk-1", "ReplicaRegion": "us-west-2"}
    replicate = _answer("ReplicateKey", replica_of, {"ReplicaKeyMetadata": {"Arn": replica}})
    creations = Creations()
    for exchange in (create, replicate):
        creations.learn(exchange)
    listing = _answer("ListKeys", {}, {"Keys": [{"KeyId": "mrk-1", "KeyArn": replica}]}, region="us-west-2")
    finding = make_finding(CONTENT_TYPE, listing, [])
    assert creations.context(finding).steps == (create,)  # the first listed: mrk-1, made by CreateKey
    listing = _answer("ListKeys", {}, {"Keys": [{"KeyArn": replica}]}, region="us-west-2")
    assert creations.context(make_finding(CONTENT_TYPE, listing, [])).steps == (create, replicate)
    named = _answer("DescribeKey", {"KeyId": arn}, {"KeyMetadata": {"Arn": arn}})
    assert creations.context(make_finding(CONTENT_TYPE, named, [])).steps == ()  # its request names it
    with_steps = make_finding(CONTENT_TYPE, listing, [create])
    assert creations.context(with_steps) is with_steps
