"""Named targets on loopback: a vendor's target by name, redirects, and HTTPS verification.

Every server here listens on 127.0.0.1. The vendor is a moto server under a vendor's name;
its credentials come from the standard AWS chain (variables made for the test). Redirects point
at a documentation address (203.0.113.0/24); the socket layer records every connection and
refuses any that is not loopback, so "not followed" is observed, and the twin (a client that
does follow redirects) shows the recorder would see it.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import os
import socket
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.errors import TargetError
from harness.exchange import Call
from harness.netguard import NetworkPolicy
from harness.targets.moto import MotoServer
from harness.transport import RawRequest, Transport
from tests.selftest.suite_runner import run_suite

pytestmark = pytest.mark.selftest_network

ELSEWHERE = "203.0.113.7"


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 200
    headers_out: dict[str, str] = {}
    body = b""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(self.status)
        for key, value in self.headers_out.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_GET = do_POST

    def log_message(self, *args: Any) -> None:
        pass


def serve(
    handler: type[http.server.BaseHTTPRequestHandler], tls: ssl.SSLContext | None = None
) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        scheme = "https" if tls else "http"
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# -- redirects ----------------------------------------------------------------------------


class Redirect(_Handler):
    status = 307
    headers_out = {"Location": f"http://{ELSEWHERE}/", "Content-Type": "text/plain"}
    body = b"moved"


@pytest.fixture
def redirecting() -> Iterator[str]:
    yield from serve(Redirect)


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every connection attempt's host; only loopback ones go through."""
    seen: list[str] = []
    original = socket.socket.connect

    def connect(sock: socket.socket, address: Any) -> None:
        host = str(address[0])
        seen.append(host)
        if not ipaddress.ip_address(host).is_loopback:
            raise ConnectionRefusedError(f"the test refuses {host}")
        original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def test_a_redirect_is_an_answer_never_followed(redirecting: str, connections: list[str]) -> None:
    sender = Transport(
        {"kms": redirecting}, "us-east-1", ("testing", "testing"), NetworkPolicy.loopback_only()
    )
    exchange = sender.send(Call("kms", "ListKeys", {}))
    raw = sender.send_raw(
        RawRequest("kms", "us-east-1", b"{}", "TrentService.ListKeys", "application/x-amz-json-1.1"),
        signing_name="kms",
    )
    assert (exchange.status, raw.status) == (307, 307)
    assert connections and set(connections) == {"127.0.0.1"}


def test_the_recorder_sees_a_followed_redirect(redirecting: str, connections: list[str]) -> None:
    """The twin: a client that follows redirects tries the other host, and the recorder sees it."""
    with pytest.raises(OSError, match="refuses"):
        urllib.request.urlopen(redirecting, timeout=5)
    assert ELSEWHERE in connections


# -- HTTPS --------------------------------------------------------------------------------


class Keys(_Handler):
    headers_out = {"Content-Type": "application/x-amz-json-1.1"}
    body = b'{"Keys": [], "Truncated": false}'


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (no CA anyone trusts)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "harness test endpoint")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


@pytest.fixture
def https(certificate: tuple[Path, Path]) -> Iterator[str]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    yield from serve(Keys, context)


def _list_keys(url: str, verify: bool | str | None) -> int | None:
    sender = Transport(
        {"kms": url}, "us-east-1", ("testing", "testing"), NetworkPolicy.loopback_only(), verify=verify
    )
    return sender.send(Call("kms", "ListKeys", {})).status


def test_https_verifies_certificates_by_default(https: str) -> None:
    with pytest.raises(TargetError, match=r"TLS with https://127\.0\.0\.1:.* failed .*ca_bundle"):
        _list_keys(https, None)


def test_a_ca_bundle_or_verify_false_lets_the_same_endpoint_answer(
    https: str, certificate: tuple[Path, Path]
) -> None:
    """The twin: the same server, trusted through the target's ca_bundle (or not verified)."""
    assert _list_keys(https, str(certificate[0])) == 200
    assert _list_keys(https, False) == 200


# -- a vendor's target by name --------------------------------------------------------------


def test_a_vendor_target_runs_by_name_with_chain_credentials(tmp_path: Path, moto_server: MotoServer) -> None:
    (tmp_path / "harness.toml").write_text(
        f"""
[targets.acme]
kind = "endpoint"
endpoint_url = "{moto_server.endpoint_url}"
region = "eu-west-1"
replica_region = "eu-central-1"
vendor = "Acme"
product = "Acme KMS"
version = "4.2"
baseline = "acme-baseline.json"

[targets.acme.limits]
examples = 4
"""
    )
    (tmp_path / "acme-baseline.json").write_text('{"findings": []}')
    environment = {
        "AWS_ACCESS_KEY_ID": "AKIAACMETEST",
        "AWS_SECRET_ACCESS_KEY": "acme-secret",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    run = run_suite(
        tmp_path, "--target=acme", "--seed=3", "-k", "kms.tags.reserved-prefix:CreateKey", env=environment
    )
    assert run.ret == 1, run.output  # moto accepts reserved tag prefixes; acme's baseline is empty
    target = run.findings["target"]
    assert (target["name"], target["kind"], target["regions"]) == (
        "acme",
        "endpoint",
        ["eu-west-1", "eu-central-1"],
    )
    assert target["metadata"] == {"vendor": "Acme", "product": "Acme KMS", "version": "4.2"}
    assert (
        "acme-secret" not in run.output
        and "acme-secret" not in (run.report_dir / "findings.json").read_text()
    )
    assert run.findings["summary"]["calls"] > 0
    # Without credentials in the chain the same run stops in one line, with nothing written.
    bare = {k: v for k, v in environment.items() if not k.startswith("AWS_ACCESS") and "SECRET" not in k}
    stopped = run_suite(tmp_path, "--target=acme", "--seed=3", report_dir=tmp_path / "never", env=bare)
    assert stopped.ret == 2 and "no AWS credentials found" in stopped.output
    assert not (tmp_path / "never").exists()
