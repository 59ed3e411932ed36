"""Wire-level records: error-code normalisation, raw bodies, cassette lines, the network guard."""

from __future__ import annotations

import json

import pytest

from harness.errors import TargetError
from harness.exchange import Exchange, normalise_error_code
from harness.netguard import NetworkPolicy, is_loopback_host


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("NotFoundException", "NotFoundException"),
        ("com.amazonaws.kms#NotFoundException", "NotFoundException"),
        (
            "NotFoundException:http://internal.amazon.com/coral/com.amazon.coral.validate/",
            "NotFoundException",
        ),
        ("aws.protocoltests.json#FooError:http://internal.amazon.com/", "FooError"),
        ("", None),
        (None, None),
    ],
)
def test_error_code_normalisation(raw: str | None, code: str | None) -> None:
    assert normalise_error_code(raw) == code


def test_raw_body_keeps_nulls_that_botocore_would_drop() -> None:
    ex = Exchange.from_wire(
        service="kms",
        operation="CreateKey",
        region="us-east-1",
        request={},
        status=200,
        headers={"Content-Type": "application/x-amz-json-1.1"},
        raw=b'{"KeyMetadata": {"KeyUsage": null}}',
    )
    assert ex.body == {"KeyMetadata": {"KeyUsage": None}}
    assert ex.content_type == "application/x-amz-json-1.1"


def test_error_code_from_header_when_the_body_has_none() -> None:
    ex = Exchange.from_wire(
        service="kms",
        operation="DescribeKey",
        region="us-east-1",
        request={},
        status=400,
        headers={"X-Amzn-ErrorType": "NotFoundException:http://x"},
        raw=b"{}",
    )
    assert ex.error_code == "NotFoundException"


def test_cassette_round_trip_keeps_non_json_bodies() -> None:
    ex = Exchange.from_wire(
        service="kms",
        operation="UpdatePrimaryRegion",
        region="us-east-1",
        request={"KeyId": "k"},
        status=500,
        headers={"Content-Type": "text/html"},
        raw=b"<h1>Internal Server Error</h1>",
        at=1.0,
    )
    line = ex.to_cassette()
    assert line["response"] is None and line["raw"] == "<h1>Internal Server Error</h1>"
    back = Exchange.from_cassette(json.loads(json.dumps(line)))
    assert (back.status, back.raw_body, back.body_is_json) == (500, ex.raw_body, False)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.9.9.9", "localhost", "::1", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host", ["kms.us-east-1.amazonaws.com", "10.0.0.1", "0.0.0.0", "", None, "localhost.evil.com"]
)
def test_non_loopback_hosts(host: str | None) -> None:
    assert not is_loopback_host(host)


def test_guard_refuses_remote_urls_and_allows_opted_in_hosts() -> None:
    NetworkPolicy.loopback_only().check_url("http://127.0.0.1:5000/")
    with pytest.raises(TargetError, match="refused"):
        NetworkPolicy.loopback_only().check_url("https://kms.us-east-1.amazonaws.com/")
    NetworkPolicy.allowing(["kms.us-east-1.amazonaws.com"], "opted in").check_url(
        "https://kms.us-east-1.amazonaws.com/"
    )


def test_guard_stops_a_default_boto3_client_before_it_reaches_aws() -> None:
    """A client built without an endpoint URL would go to real AWS: the guard must stop it."""
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "kms",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="y",
        config=Config(retries={"total_max_attempts": 1}),
    )
    NetworkPolicy.loopback_only().install(client)
    with pytest.raises(TargetError, match=r"kms\.us-east-1\.amazonaws\.com"):
        client.list_keys()
