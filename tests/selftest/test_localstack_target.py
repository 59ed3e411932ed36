"""The ``localstack`` target: provisioning logic offline, and a real start and stop on loopback.

The network tests need the environment ``python -m harness targets install localstack`` provisions
(a separate virtualenv of a Python 3.12+, about 500 MB); they skip, saying so, where it is absent.
The offline tests use stand-in interpreters (shell scripts that print a version), so they run
anywhere POSIX, with or without a Python 3.12.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from harness.errors import TargetError, UsageError
from harness.targets import localstack
from harness.targets.localstack import LocalStackServer

posix_only = pytest.mark.skipif(os.name != "posix", reason="stand-in interpreters are shell scripts")


def _fake_python(path: Path, prints: str, exit_code: int = 0) -> Path:
    """An 'interpreter' that answers find_python's probe with ``prints`` (and ``exit_code``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho '{prints}'\nexit {exit_code}\n", encoding="ascii")
    path.chmod(0o755)
    return path


@pytest.fixture
def no_pythons(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A search that finds nothing: no names on an empty PATH, an empty pyenv, no override."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.delenv(localstack.PYTHON_VARIABLE, raising=False)
    return bin_dir


# -- offline ------------------------------------------------------------------------------------


def test_no_python_312_is_a_one_line_usage_error_saying_what_to_install(no_pythons: Path) -> None:
    with pytest.raises(UsageError) as raised:
        localstack.find_python()
    message = str(raised.value)
    assert "\n" not in message
    assert "Python 3.12 or newer" in message and "pyenv install 3.13" in message
    assert localstack.PYTHON_VARIABLE in message


@posix_only
def test_a_failing_shim_and_old_or_free_threaded_pythons_are_skipped(
    no_pythons: Path, tmp_path: Path
) -> None:
    # pyenv puts a python3.13 shim on PATH even when 3.13 is not selected; it then exits 127.
    _fake_python(no_pythons / "python3.13", "pyenv: python3.13: command not found", exit_code=127)
    _fake_python(no_pythons / "python3", "3.11.7")
    versions = tmp_path / "pyenv" / "versions"
    _fake_python(versions / "3.11.7" / "bin" / "python3", "3.11.7")
    wanted = _fake_python(versions / "3.12.1" / "bin" / "python3", "3.12.1")
    _fake_python(versions / "3.13.0t" / "bin" / "python3", "3.13.0")  # free-threaded: not a plain release

    assert localstack.find_python() == (str(wanted), "3.12.1")


@posix_only
def test_pyenv_versions_are_tried_newest_first(no_pythons: Path, tmp_path: Path) -> None:
    versions = tmp_path / "pyenv" / "versions"
    _fake_python(versions / "3.12.1" / "bin" / "python3", "3.12.1")
    newest = _fake_python(versions / "3.13.0" / "bin" / "python3", "3.13.0")

    assert localstack.find_python() == (str(newest), "3.13.0")


@posix_only
def test_an_override_that_does_not_qualify_is_refused_not_replaced(
    no_pythons: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fake_python(tmp_path / "pyenv" / "versions" / "3.13.0" / "bin" / "python3", "3.13.0")
    old = _fake_python(tmp_path / "old" / "python", "3.11.7")
    monkeypatch.setenv(localstack.PYTHON_VARIABLE, str(old))

    with pytest.raises(UsageError, match=localstack.PYTHON_VARIABLE):
        localstack.find_python()


def test_status_of_a_missing_environment_says_why_and_what_to_run(no_pythons: Path, tmp_path: Path) -> None:
    line = localstack.status(tmp_path / "nowhere")

    assert line.startswith("not installed: no environment at")
    assert "no Python 3.12+" in line and "python -m harness targets install localstack" in line


def _fake_install(env_dir: Path) -> None:
    """What install() leaves behind, as far as the marker check looks."""
    localstack.env_python(env_dir).parent.mkdir(parents=True)
    localstack.env_python(env_dir).touch()
    (env_dir / "pyvenv.cfg").touch()
    marker = {"localstack": localstack.LOCALSTACK_VERSION, "requirements": list(localstack.REQUIREMENTS)}
    (env_dir / localstack.MARKER_NAME).write_text(json.dumps(marker), encoding="utf-8")


def test_install_is_idempotent_once_the_marker_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env_dir = tmp_path / "env"
    _fake_install(env_dir)

    def must_not_run() -> tuple[str, str]:
        raise AssertionError("a finished install looked for Python again")

    monkeypatch.setattr(localstack, "find_python", must_not_run)
    assert localstack.install(env_dir) == env_dir.absolute()
    assert localstack.status(env_dir).startswith("ready: localstack 2026.3.0")


def test_other_pins_in_the_marker_mean_not_installed(tmp_path: Path) -> None:
    env_dir = tmp_path / "env"
    _fake_install(env_dir)
    marker = json.loads((env_dir / localstack.MARKER_NAME).read_text(encoding="utf-8"))
    marker["requirements"] = ["localstack-core==4.0.0"]
    (env_dir / localstack.MARKER_NAME).write_text(json.dumps(marker), encoding="utf-8")

    assert localstack.status(env_dir).startswith(f"not installed: {env_dir} holds another LocalStack version")


def test_install_never_clears_a_folder_that_is_not_a_virtualenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home_by_mistake = tmp_path / "home"
    home_by_mistake.mkdir()
    (home_by_mistake / "thesis.tex").write_text("precious", encoding="utf-8")
    monkeypatch.setattr(localstack, "find_python", lambda: (sys.executable, "3.13.0"))

    with pytest.raises(UsageError, match="is not a LocalStack environment"):
        localstack.install(home_by_mistake)
    assert (home_by_mistake / "thesis.tex").read_text(encoding="utf-8") == "precious"


def test_localstack_gets_no_credentials_and_no_settings_from_the_users_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEY")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("PERSISTENCE", "1")
    monkeypatch.setenv("GATEWAY_LISTEN", "0.0.0.0:4566")

    env = localstack.localstack_environment(tmp_path, 4599)

    assert not any(name.startswith("AWS_") for name in env)
    assert env["GATEWAY_LISTEN"] == "127.0.0.1:4599" and env["PERSISTENCE"] == "0"
    assert env["SERVICES"] == "kms" and env["DNS_ADDRESS"] == "0" and env["OVERRIDE_IN_DOCKER"] == "0"
    assert env["FILESYSTEM_ROOT"] == str(tmp_path) and env["CONFIG_DIR"].startswith(str(tmp_path))
    assert env["DISABLE_EVENTS"] == "1" and env["SKIP_SSL_CERT_DOWNLOAD"] == "1"


def test_starting_without_the_environment_is_one_line_naming_the_install_command(tmp_path: Path) -> None:
    with pytest.raises(TargetError) as raised:
        LocalStackServer(env_dir=tmp_path / "nowhere").start()
    assert "\n" not in str(raised.value)
    assert "python -m harness targets install localstack" in str(raised.value)


# -- a real LocalStack on loopback --------------------------------------------------------------


def _provisioned() -> bool:
    return localstack.readiness()[0]


@pytest.mark.selftest_network
@pytest.mark.skipif(
    not _provisioned(),
    reason="LocalStack is not provisioned here: `python -m harness targets install localstack` (~500 MB)",
)
def test_starts_on_loopback_creates_a_key_and_stops(tmp_path: Path) -> None:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    server = LocalStackServer(log_path=tmp_path / "localstack.log").start()
    assert server.process is not None
    pid, port = server.process.pid, server.port
    try:
        assert server.endpoint_url == f"http://127.0.0.1:{port}"
        assert server.implementation == f"localstack {localstack.LOCALSTACK_VERSION}"
        if sys.platform.startswith("linux"):
            assert localstack._listening_addresses(port) == {"0100007F"}, "listens beyond 127.0.0.1"

        session = boto3.session.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1"
        )
        config = Config(retries={"max_attempts": 1, "mode": "standard"})
        kms = session.client("kms", endpoint_url=server.endpoint_url, config=config)
        key = kms.create_key(Description="harness self-test")["KeyMetadata"]
        described = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"]
        assert described["KeyState"] == "Enabled" and described["Description"] == "harness self-test"

        # What the not-implemented handling relies on: Payment Cryptography answers 501.
        pc = session.client("payment-cryptography", endpoint_url=server.endpoint_url, config=config)
        with pytest.raises(ClientError) as refused:
            pc.list_keys()
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
        assert refused.value.response["Error"]["Code"] == "InternalFailure"
    finally:
        server.stop()

    with pytest.raises(ProcessLookupError):  # gone, and reaped: stop() waited for it
        os.kill(pid, 0)
    if sys.platform.startswith("linux"):
        assert localstack._listening_addresses(port) == set()
    assert "Ready." in (tmp_path / "localstack.log").read_text(errors="replace")
