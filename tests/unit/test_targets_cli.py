"""``python -m harness targets list|install``, offline: what each target says, and what is never contacted.

``list`` tries a named loopback endpoint with one TCP connection and never contacts a remote host
(its twin below shows the socket recorder does see a contacted loopback endpoint).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness import targets
from harness.errors import UsageError
from harness.targets import catalogue

TOML = """
[targets.acme]
kind = "endpoint"
endpoint_url = "https://kms.acme.example"
allow_remote = true
vendor = "Acme"
product = "Acme KMS"

[targets.lab]
kind = "endpoint"
endpoint_url = "http://127.0.0.1:{port}"

[targets.ls-eu]
kind = "localstack"
region = "eu-west-1"
replica_region = "eu-west-2"
"""


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port  # closed again: nothing listens there


@pytest.fixture
def targets_file(tmp_path: Path) -> targets.TargetsFile:
    path = tmp_path / "harness.toml"
    path.write_text(TOML.format(port=closed_port()))
    return targets.load_targets_file(path)


@pytest.fixture
def contacted(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    seen: list[Any] = []
    original = socket.create_connection

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        seen.append(address[0])
        return original(address, *args, **kwargs)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(host)
        raise socket.gaierror("no lookups in unit tests")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return seen


def test_every_built_in_and_named_target_is_listed_with_its_readiness(
    targets_file: targets.TargetsFile, contacted: list[Any]
) -> None:
    rows = {row.name: row for row in catalogue.rows(targets_file)}
    assert list(rows)[:4] == ["emulator", "localstack", "endpoint", "aws"]
    assert rows["emulator"].ready == "yes" and "moto" in rows["emulator"].note
    assert rows["lab"].ready == "no" and "does not answer" in rows["lab"].note
    assert rows["acme"].ready == "-" and "not contacted here" in rows["acme"].note
    assert "vendor=Acme" in rows["acme"].note
    assert rows["ls-eu"].kind == "localstack"
    # The remote host was never looked up or contacted; the loopback one was tried.
    assert "kms.acme.example" not in contacted
    assert "127.0.0.1" in contacted


def test_a_remote_target_without_allow_remote_says_so(tmp_path: Path) -> None:
    path = tmp_path / "harness.toml"
    path.write_text("[targets.acme]\nkind = 'endpoint'\nendpoint_url = 'https://kms.acme.example'\n")
    (row,) = [r for r in catalogue.rows(targets.load_targets_file(path)) if r.name == "acme"]
    assert "NOT allowed: add allow_remote = true" in row.note


def test_install_of_a_kind_with_nothing_to_install_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="target 'emulator' has nothing to install"):
        catalogue.install("emulator")
    with pytest.raises(UsageError, match="unknown target 'nowhere'"):
        catalogue.install("nowhere")


def harness(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_the_command_line_lists_the_working_directorys_targets(tmp_path: Path) -> None:
    (tmp_path / "harness.toml").write_text(TOML.format(port=closed_port()))
    done = harness("targets", "list", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = [line.split()[0] for line in done.stdout.splitlines()[1:-1]]
    assert names == ["emulator", "localstack", "endpoint", "aws", "acme", "lab", "ls-eu"]
    assert f"(named targets from {tmp_path / 'harness.toml'})" in done.stdout


def test_a_bad_targets_file_or_install_request_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "harness.toml").write_text("[targets.acme]\nkind = 'endpoint'\ncolour = 'red'\n")
    for args in (("targets", "list"), ("targets", "install", "emulator"), ("targets", "install")):
        done = harness(*args, cwd=tmp_path)
        assert done.returncode == 2 and done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1 and done.stderr.startswith("harness: error:")
