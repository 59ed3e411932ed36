"""Vendors' endpoints, offline: the guard's decisions, what is sent, and with which credentials.

No test here reaches a network. The socket layer is replaced by a recorder that refuses every
lookup and connection, so "nothing was sent" is an observation (no lookup, no connect), and a
host the guard lets through shows up in the recorder (the twin that proves the recorder sees
sends). Credentials are read from files and variables made for the test; what a request would
carry is captured in botocore's last hook before the wire, which answers in its place.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness import targets
from harness.credentials import Credentials, isolated_session
from harness.errors import TargetError, UsageError
from harness.exchange import Call
from harness.netguard import NetworkPolicy
from harness.transport import RawRequest, Transport, send_raw

VENDOR_HOST = "kms.acme.example"


class Sockets:
    """Records every name lookup and connection attempt, and lets none through."""

    def __init__(self) -> None:
        self.lookups: list[str] = []
        self.connects: list[Any] = []

    def getaddrinfo(self, host: Any, *args: Any, **kwargs: Any) -> Any:
        self.lookups.append(str(host))
        raise socket.gaierror(socket.EAI_NONAME, "no network in unit tests")

    def connect(self, sock: socket.socket, address: Any) -> None:
        self.connects.append(address)
        raise ConnectionRefusedError("no network in unit tests")


@pytest.fixture
def sockets(monkeypatch: pytest.MonkeyPatch) -> Sockets:
    recorder = Sockets()
    monkeypatch.setattr(socket, "getaddrinfo", recorder.getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", recorder.connect)
    monkeypatch.setattr(socket.socket, "connect_ex", recorder.connect)
    return recorder


def transport(url: str, policy: NetworkPolicy, credentials: Any = ("testing", "testing")) -> Transport:
    return Transport(
        endpoints={"kms": url}, default_region="us-east-1", credentials=credentials, network=policy
    )


def vendor_policy() -> NetworkPolicy:
    return NetworkPolicy.allowing([VENDOR_HOST], "target 'acme' allows only its own hosts")


# -- the guard's decisions --------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "url", "allowed"),
    [
        (NetworkPolicy.loopback_only(), "http://127.0.0.1:4566/", True),
        (NetworkPolicy.loopback_only(), f"https://{VENDOR_HOST}/", False),
        (vendor_policy(), f"https://{VENDOR_HOST}/", True),
        (vendor_policy(), f"https://{VENDOR_HOST.upper()}:8443/", True),
        (vendor_policy(), "https://kms.other.example/", False),
        (vendor_policy(), "https://kms.us-east-1.amazonaws.com/", False),
        (vendor_policy(), f"https://{VENDOR_HOST}.evil.example/", False),
        (vendor_policy(), "http://169.254.169.254/latest/meta-data/", False),
        (vendor_policy(), "http://127.0.0.1:1/", True),
    ],
)
def test_the_guard_allows_loopback_and_only_the_targets_own_hosts(
    policy: NetworkPolicy, url: str, allowed: bool
) -> None:
    if allowed:
        policy.check_url(url)
    else:
        with pytest.raises(TargetError, match="refused to send to"):
            policy.check_url(url)


def test_a_refused_host_gets_nothing_sent(sockets: Sockets) -> None:
    sender = transport(f"https://{VENDOR_HOST}", NetworkPolicy.loopback_only())
    with pytest.raises(TargetError, match=r"refused to send to 'kms\.acme\.example'"):
        sender.send(Call("kms", "CreateKey", {}))
    assert sockets.lookups == [] and sockets.connects == []
    assert sender.calls_sent == 0


def test_an_allowed_host_is_sent_to(sockets: Sockets) -> None:
    """The twin: the same call with the host allowed reaches the socket layer."""
    sender = transport(f"https://{VENDOR_HOST}", vendor_policy())
    exchange = sender.send(Call("kms", "CreateKey", {}))
    assert exchange.status is None and exchange.transport_error  # no network: no answer
    assert VENDOR_HOST in sockets.lookups


def test_an_allowed_target_still_cannot_reach_another_host(sockets: Sockets) -> None:
    sender = Transport(
        endpoints={"kms": f"https://{VENDOR_HOST}", "payment-cryptography": "https://pc.other.example"},
        default_region="us-east-1",
        credentials=("testing", "testing"),
        network=vendor_policy(),
    )
    with pytest.raises(TargetError, match=r"refused to send to 'pc\.other\.example'"):
        sender.send(Call("payment-cryptography", "ListKeys", {}))
    assert sockets.lookups == [] and sockets.connects == []


def raw(service: str = "kms") -> RawRequest:
    return RawRequest(service, "us-east-1", b"{}", "TrentService.ListKeys", "application/x-amz-json-1.1")


def test_a_refused_host_gets_no_raw_request_either(sockets: Sockets) -> None:
    with pytest.raises(TargetError, match="refused"):
        send_raw(
            raw(),
            endpoint=f"https://{VENDOR_HOST}",
            credentials=("testing", "testing"),
            signing_name="kms",
            network=NetworkPolicy.loopback_only(),
        )
    assert sockets.lookups == [] and sockets.connects == []
    exchange = send_raw(
        raw(),
        endpoint=f"https://{VENDOR_HOST}",
        credentials=("testing", "testing"),
        signing_name="kms",
        network=vendor_policy(),
    )
    assert exchange.status is None and VENDOR_HOST in sockets.lookups


def test_a_client_without_endpoint_is_isolated_from_the_users_aws_config(
    sockets: Sockets, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS_PROFILE naming a profile that does not exist must not break an emulator run."""
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    sender = transport("http://127.0.0.1:9", NetworkPolicy.loopback_only())
    assert sender.client("kms") is not None
    assert isolated_session().get_config_variable("profile") is None


# -- which credentials go where -----------------------------------------------------------


class Captured:
    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []


def capture(sender: Transport) -> Captured:
    """Answer every request of ``sender`` in botocore's last hook and keep its headers."""
    from botocore.awsrequest import AWSResponse

    seen = Captured()

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield b"{}"

    def answer(request: Any, **_: Any) -> AWSResponse:
        seen.headers.append(
            {k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()}
        )
        return AWSResponse(request.url, 200, {"Content-Type": "application/x-amz-json-1.1"}, Raw())

    sender.client("kms").meta.events.register_last("before-send", answer)
    return seen


@pytest.fixture
def real_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A user whose environment and files hold real-looking credentials."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "environment-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "environment-token")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    files = tmp_path / "aws"
    files.mkdir()
    (files / "credentials").write_text(
        "[acme]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = profile-secret\n"
    )
    (files / "config").write_text("[profile acme]\nregion = eu-west-1\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(files / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(files / "config"))
    return files


def signed_with(config: targets.TargetConfig) -> dict[str, str]:
    sender = transport("http://127.0.0.1:9", config.network, targets.credentials_for(config))
    seen = capture(sender)
    sender.send(Call("kms", "ListKeys", {}))
    (headers,) = seen.headers
    return headers


def test_an_emulator_never_gets_real_credentials(real_environment: Path) -> None:
    headers = signed_with(targets.resolve("emulator"))
    assert "Credential=testing/" in headers["Authorization"]
    assert "AKIA" not in headers["Authorization"]
    assert "X-Amz-Security-Token" not in headers


def vendor_file(tmp_path: Path, extra: str = "") -> targets.TargetsFile:
    path = tmp_path / "targets.toml"
    path.write_text(f"[targets.acme]\nkind = 'endpoint'\nendpoint_url = 'http://127.0.0.1:9'\n{extra}")
    return targets.load_targets_file(path)


def test_a_named_target_signs_with_the_standard_chain(real_environment: Path, tmp_path: Path) -> None:
    """The twin of the emulator test: the same environment does reach a named target."""
    headers = signed_with(targets.resolve("acme", targets_file=vendor_file(tmp_path)))
    assert "Credential=AKIAENVIRONMENT/" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == "environment-token"


def test_a_named_target_signs_with_its_profile(
    real_environment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    config = targets.resolve("acme", targets_file=vendor_file(tmp_path, "aws_profile = 'acme'\n"))
    credentials = targets.credentials_for(config)
    assert credentials.source == "profile acme" and credentials.real
    assert "profile-secret" not in repr(credentials) and "AKIAPROFILE" in repr(credentials)
    assert "Credential=AKIAPROFILE/" in signed_with(config)["Authorization"]


def test_an_unknown_profile_or_no_credentials_is_one_line_without_secrets(
    real_environment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = targets.resolve("acme", targets_file=vendor_file(tmp_path, "aws_profile = 'nope'\n"))
    with pytest.raises(UsageError, match="target 'acme': aws_profile 'nope' is not in the AWS config files"):
        targets.credentials_for(missing)
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    bare = targets.resolve("acme", targets_file=vendor_file(tmp_path))
    with pytest.raises(TargetError, match="target 'acme': no AWS credentials found") as raised:
        targets.credentials_for(bare)
    assert "secret" not in str(raised.value)


def test_raw_requests_carry_the_session_token(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.awsrequest import AWSResponse
    from botocore.httpsession import URLLib3Session

    seen: list[dict[str, str]] = []

    class Raw:
        def stream(self, **_: Any) -> Iterator[bytes]:
            yield b"{}"

    def send(self: Any, request: Any) -> AWSResponse:
        seen.append({k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()})
        return AWSResponse(request.url, 200, {}, Raw())

    monkeypatch.setattr(URLLib3Session, "send", send)
    credentials = Credentials("AKIATEST", "secret", "session-token", "test", real=True)
    for auth in ("sigv4", "bad-signature"):
        request = RawRequest(
            "kms", "us-east-1", b"{}", "TrentService.ListKeys", "application/x-amz-json-1.1", auth
        )
        send_raw(
            request,
            endpoint="http://127.0.0.1:9",
            credentials=credentials,
            signing_name="kms",
            network=NetworkPolicy.loopback_only(),
        )
    assert [h["X-Amz-Security-Token"] for h in seen] == ["session-token", "session-token"]
    assert all("Credential=AKIATEST/" in h["Authorization"] for h in seen)
    assert seen[0]["Authorization"] != seen[1]["Authorization"]  # the second is signed wrongly
