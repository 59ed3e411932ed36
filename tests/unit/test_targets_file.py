"""The targets file: named targets resolve through the registry; bad files fail in one line.

Every error names the file, the target and the key. Resolution is checked offline: nothing
here starts or contacts a target.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import targets
from harness.errors import TargetError, UsageError
from harness.targets.file import DEFAULT_FILE, default_path

VENDOR = """
[targets.acme]
kind = "endpoint"
endpoint_url = "https://kms.acme.example/"
region = "eu-west-1"
replica_region = "eu-central-1"
aws_profile = "acme"
spec_profile = "documented"
baseline = "baselines/acme.json"
allow_remote = true
vendor = "Acme"
product = "Acme KMS"
version = "4.2"
contact = "kms@acme.example"
description = "Acme's KMS-compatible endpoint"

[targets.acme.limits]
examples = 5
shrink_calls = 0
requests_per_second = 20

[targets.split]
kind = "endpoint"
endpoint_url = "http://127.0.0.1:4000"
endpoints = { payment-cryptography = "http://127.0.0.1:4001" }

[targets.moto-eu]
kind = "emulator"
region = "eu-west-1"
replica_region = "eu-west-2"
"""


def write(tmp_path: Path, text: str, name: str = "targets.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load(tmp_path: Path, text: str) -> targets.TargetsFile:
    return targets.load_targets_file(write(tmp_path, text))


def test_a_vendor_target_is_read_with_every_key(tmp_path: Path) -> None:
    acme = load(tmp_path, VENDOR).get("acme")
    assert acme is not None
    assert acme.kind == "endpoint" and acme.endpoint_url == "https://kms.acme.example"
    assert (acme.region, acme.replica_region, acme.aws_profile) == ("eu-west-1", "eu-central-1", "acme")
    assert acme.spec_profile == "documented" and acme.allow_remote is True
    assert acme.baseline == tmp_path / "baselines" / "acme.json"
    assert (acme.limits.examples, acme.limits.shrink_calls, acme.limits.requests_per_second) == (5, 0, 20.0)
    assert dict(acme.metadata) == {
        "vendor": "Acme",
        "product": "Acme KMS",
        "version": "4.2",
        "contact": "kms@acme.example",
        "description": "Acme's KMS-compatible endpoint",
    }


def test_a_named_vendor_target_resolves_with_its_own_host_allowed(tmp_path: Path) -> None:
    config = targets.resolve("acme", targets_file=load(tmp_path, VENDOR))
    assert (config.name, config.kind_name, config.regions) == (
        "acme",
        "endpoint",
        ("eu-west-1", "eu-central-1"),
    )
    assert config.credential_chain and config.aws_profile == "acme"
    assert config.verify is None  # HTTPS verifies with the default trust store
    config.network.check_url("https://kms.acme.example/")
    with pytest.raises(TargetError, match=r"refused to send to 'kms\.other\.example'"):
        config.network.check_url("https://kms.other.example/")
    with pytest.raises(TargetError, match="refused"):
        config.network.check_url("https://kms.us-east-1.amazonaws.com/")
    assert config.report_fields()["metadata"] == dict(config.metadata)


def test_the_command_line_overrides_the_file(tmp_path: Path) -> None:
    config = targets.resolve(
        "acme", region="ap-south-1", replica_region="ap-east-1", targets_file=load(tmp_path, VENDOR)
    )
    assert config.regions == ("ap-south-1", "ap-east-1")


def test_a_remote_host_without_allow_remote_is_refused_before_anything_runs(tmp_path: Path) -> None:
    text = VENDOR.replace("allow_remote = true", "")
    with pytest.raises(
        TargetError, match=r"target 'acme': refused to send to 'kms.acme.example'.*allow_remote"
    ):
        targets.resolve("acme", targets_file=load(tmp_path, text))


def test_a_loopback_named_target_needs_no_allow_remote(tmp_path: Path) -> None:
    config = targets.resolve("split", targets_file=load(tmp_path, VENDOR))
    assert config.service_endpoints(config.endpoint_url or "") == {
        "kms": "http://127.0.0.1:4000",
        "payment-cryptography": "http://127.0.0.1:4001",
    }
    assert config.network.allowed_remote_hosts == frozenset()


def test_an_emulator_target_keeps_fixed_credentials(tmp_path: Path) -> None:
    config = targets.resolve("moto-eu", targets_file=load(tmp_path, VENDOR))
    assert config.kind_name == "emulator" and not config.credential_chain
    assert config.credentials == targets.LOCAL_CREDENTIALS


def test_verify_false_and_a_ca_bundle(tmp_path: Path) -> None:
    bundle = write(tmp_path, "not really a certificate", "ca.pem")
    unverified = load(tmp_path, VENDOR.replace("allow_remote = true", "allow_remote = true\nverify = false"))
    assert targets.resolve("acme", targets_file=unverified).verify is False
    bundled = load(
        tmp_path, VENDOR.replace("allow_remote = true", f"allow_remote = true\nca_bundle = '{bundle}'")
    )
    assert targets.resolve("acme", targets_file=bundled).verify == str(bundle)


def test_unknown_target_names_the_files_targets(tmp_path: Path) -> None:
    with pytest.raises(
        UsageError, match=r"unknown target 'nowhere'; known: .*endpoint.*acme, split, moto-eu"
    ):
        targets.resolve("nowhere", targets_file=load(tmp_path, VENDOR))


def test_harness_toml_of_the_working_directory_is_the_default(tmp_path: Path) -> None:
    assert default_path(tmp_path) is None
    write(tmp_path, VENDOR, DEFAULT_FILE)
    assert default_path(tmp_path) == tmp_path / DEFAULT_FILE


E = "[targets.acme]\nkind = 'endpoint'\n"
M = "[targets.acme]\nkind = 'emulator'\n"
BAD_FILES = [
    ("[targets.acme\nkind = 'endpoint'", "not valid TOML"),
    (E + "endpoint_url = 'http://127.0.0.1:1'\ncolour = 'red'", "key 'colour' is not a known key"),
    (E + "endpoint_url = 5", "key 'endpoint_url' must be a string, not an integer"),
    (E + "endpoint_url = 'ftp://x'", "key 'endpoint_url' must be an http(s) URL"),
    (E + "allow_remote = 'yes'", "key 'allow_remote' must be true or false, not a string"),
    ("[targets.acme]\nkind = 'mainframe'", "key 'kind' must be one of emulator"),
    ("[targets.acme]\nendpoint_url = 'http://127.0.0.1:1'", "key 'kind' is missing"),
    (M + "aws_profile = 'prod'", "key 'aws_profile' does not apply to kind 'emulator'"),
    (M + "allow_remote = true", "real credentials are never sent to it"),
    (M + "region = 'Europe'", "key 'region' must be a region name"),
    (M + "spec_profile = 'vendor'", "key 'spec_profile' must be one of aws, documented"),
    (M + "limits = 3", "key 'limits' must be a table"),
    (M + "limits = { examples = 0 }", "key 'limits.examples' must be an integer of at least 1"),
    (M + "limits = { speed = 1 }", "key 'limits.speed' is not a known limit"),
    (M + "limits = { requests_per_second = -1 }", "key 'limits.requests_per_second' must be a positive"),
    (E + "endpoints = { s3 = 'http://127.0.0.1:1' }", "key 'endpoints.s3' is not a service"),
    (
        E + "ca_bundle = '/nonexistent/ca.pem'",
        "key 'ca_bundle' names '/nonexistent/ca.pem', which is not a file",
    ),
    (E + "vendor = ['Acme']", "key 'vendor' must be a string, not an array"),
    ("[targets.emulator]\nkind = 'endpoint'", "the name of a built-in target can only be of its kind"),
    ("[targets.'a b']\nkind = 'endpoint'", "a name is letters, digits"),
    ("[targets]\nacme = 3", "target 'acme' must be a table"),
    ("[target.acme]\nkind = 'endpoint'", "unknown top-level key 'target'"),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES)
def test_a_bad_file_is_one_line_naming_the_file_the_target_and_the_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UsageError) as raised:
        targets.load_targets_file(path)
    line = str(raised.value)
    assert message in line
    assert str(path) in line and "\n" not in line
    if message.startswith("key '"):
        assert "target 'acme'" in line


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot read targets file .*nope\.toml"):
        targets.load_targets_file(tmp_path / "nope.toml")


def test_a_named_endpoint_without_a_url_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"target 'acme': key 'endpoint_url' \(or endpoints\) is missing"):
        targets.resolve("acme", targets_file=load(tmp_path, "[targets.acme]\nkind = 'endpoint'"))
