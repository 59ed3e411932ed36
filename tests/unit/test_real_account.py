"""The real-account target, offline: opt-in, network policy, budgets, ledger, run tags, cleanup order.

No test here reaches a network: targets are configured (botocore resolves endpoints without a
request), and cleanup and sweeps talk to a fake account that answers from a dictionary.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness import reproduce, targets
from harness.budget import REAL_ACCOUNT_DEFAULTS, Budget
from harness.engine.accounting import Accounting, BudgetReached, schedule_deletion, summary_lines
from harness.errors import TargetError, UsageError
from harness.exchange import Call, Exchange
from harness.ledger import RUN_TAG, Ledger, LedgerKey, read_created
from harness.services import SERVICES
from harness.services.lifecycle import add_tag
from harness.spec import catalog
from harness.targets.aws import AwsConfig
from harness.transport import Transport

ACCOUNT = "123456789012"
KMS_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/"


@pytest.fixture(autouse=True)
def no_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_KMS", "AWS_ENDPOINT_URL_STS", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)


def aws(**kw: Any) -> targets.TargetConfig:
    return targets.resolve("aws", **kw)


REGIONS = {"region": "eu-west-1", "replica_region": "eu-central-1"}


# -- opt-in -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({}, "--region given explicitly"),
        ({"region": "eu-west-1"}, "--replica-region given explicitly"),
        (REGIONS, "needs --allow-aws-account"),
        ({**REGIONS, "allow_accounts": ["12345"]}, "not a 12-digit"),
        ({**REGIONS, "allow_accounts": [ACCOUNT], "endpoint_url": "http://127.0.0.1:1"}, "does not apply"),
    ],
)
def test_the_real_account_is_refused_unless_everything_is_explicit(kw: dict[str, Any], words: str) -> None:
    with pytest.raises(UsageError, match=words) as caught:
        aws(**kw)
    assert "\n" not in str(caught.value)


def test_the_policy_allows_exactly_aws_endpoints_of_the_two_regions_and_sts() -> None:
    config = aws(**REGIONS, allow_accounts=[ACCOUNT])
    assert isinstance(config, AwsConfig) and config.allow_accounts == {ACCOUNT}
    hosts = config.network.allowed_remote_hosts
    assert hosts == {
        f"{service}.{region}.amazonaws.com"
        for service in ("kms", "controlplane.payment-cryptography", "sts")
        for region in ("eu-west-1", "eu-central-1")
    }
    config.network.check_url("https://kms.eu-central-1.amazonaws.com/")
    for refused in (
        "https://kms.us-east-1.amazonaws.com/",
        "https://iam.amazonaws.com/",
        "https://example.com/",
    ):
        with pytest.raises(TargetError):
            config.network.check_url(refused)
    # Each service in each Region has its own URL; the transport picks the call's.
    assert config.endpoints["kms@eu-central-1"] == "https://kms.eu-central-1.amazonaws.com"
    transport = Transport(config.endpoints, "eu-west-1", ("x", "y"), config.network)
    assert transport.endpoint_for("kms", "eu-central-1") == "https://kms.eu-central-1.amazonaws.com"
    primary = config.endpoints["payment-cryptography@eu-west-1"]
    assert transport.endpoint_for("payment-cryptography") == primary


def test_aws_endpoint_url_may_stand_in_only_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")
    config = aws(**REGIONS, allow_accounts=[ACCOUNT])
    assert config.endpoints["kms@eu-central-1"] == "http://127.0.0.1:4566"
    assert config.endpoints["sts@eu-west-1"] == "http://127.0.0.1:4566"
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://kms.attacker.example")
    with pytest.raises(UsageError, match="neither AWS's endpoint nor loopback"):
        aws(**REGIONS, allow_accounts=[ACCOUNT])


def test_another_account_is_refused_after_sts(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.credentials import Credentials
    from harness.targets import aws as kind

    config = aws(**REGIONS, allow_accounts=[ACCOUNT])
    found = Credentials("AKIAEXAMPLE", "s", None, "test", True)
    monkeypatch.setattr(kind, "credentials_for", lambda c: found)
    monkeypatch.setattr(kind, "caller_account", lambda c, creds: "210987654321")
    with pytest.raises(UsageError, match="belong to account 210987654321, which is not allowed"):
        kind.verify_account(config)
    monkeypatch.setattr(kind, "caller_account", lambda c, creds: ACCOUNT)
    assert kind.verify_account(config)[1] == ACCOUNT


def test_a_named_aws_target_takes_its_accounts_from_the_targets_file(tmp_path: Path) -> None:
    path = tmp_path / "harness.toml"
    path.write_text(
        '[targets.nightly]\nkind = "aws"\nregion = "eu-west-1"\nreplica_region = "eu-central-1"\n'
        f'aws_profile = "nightly"\nallow_accounts = ["{ACCOUNT}"]\n'
    )
    file = targets.load_targets_file(path)
    config = targets.resolve("nightly", targets_file=file)
    assert isinstance(config, AwsConfig)
    assert config.allow_accounts == {ACCOUNT} and config.aws_profile == "nightly"
    assert config.kind_name == "aws" and config.regions == ("eu-west-1", "eu-central-1")
    path.write_text('[targets.nightly]\nkind = "aws"\nallow_accounts = [123456789012]\n')
    with pytest.raises(UsageError, match="allow_accounts"):
        targets.load_targets_file(path)


# -- budgets ------------------------------------------------------------------------------------


def test_budgets_parse_and_default() -> None:
    assert Budget.parse(None, None, None).over(REAL_ACCOUNT_DEFAULTS) == REAL_ACCOUNT_DEFAULTS
    assert Budget.parse("6", None, "2.5").over(REAL_ACCOUNT_DEFAULTS) == Budget(6, 3000, 2.5)
    assert Budget(max_rate=10).min_interval == pytest.approx(0.1)
    for bad in (("x", None, None), (None, "0", None), (None, None, "0")):
        with pytest.raises(UsageError):
            Budget.parse(*bad)


def accounting(tmp_path: Path, budget: Budget, calls: list[int] | None = None) -> Accounting:
    sent = calls if calls is not None else [0]
    return Accounting(
        catalog.load("aws"), budget, tmp_path, "h-test", tracks_keys=True, calls_sent=lambda: sent[0]
    )


def created(
    service: str, operation: str, body: dict[str, Any], region: str = "us-east-1", **req: Any
) -> Exchange:
    return Exchange.from_wire(
        service=service,
        operation=operation,
        region=region,
        request=req,
        status=200,
        headers={"content-type": "application/x-amz-json-1.1"},
        raw=json.dumps(body).encode(),
    )


def test_a_creating_call_past_max_keys_is_refused_before_it_leaves(tmp_path: Path) -> None:
    book = accounting(tmp_path, Budget(max_keys=2))
    for n in range(2):
        _, tagged = book.before(Call("kms", "CreateKey", {}))
        assert tagged
        book.after(created("kms", "CreateKey", {"KeyMetadata": {"Arn": f"{KMS_ARN}k{n}"}}), tagged=True)
    book.before(Call("kms", "DescribeKey", {"KeyId": "k0"}))  # not creating: still allowed
    with pytest.raises(BudgetReached) as reached:
        book.before(Call("kms", "CreateKey", {}))
    assert reached.value.budget == "max-keys"
    # Once reached, the run stops: no other call either.
    with pytest.raises(BudgetReached):
        book.before(Call("kms", "DescribeKey", {"KeyId": "k0"}))
    summary = book.summary()["budget"]
    assert summary["reached"] == "max-keys" and summary["keys_created"] == 2
    assert any("budget reached: --max-keys 2" in line for line in summary_lines({"budget": summary}))


def test_a_creating_call_with_no_answer_counts_as_a_key(tmp_path: Path) -> None:
    book = accounting(tmp_path, Budget(max_keys=1))
    book.before(Call("kms", "CreateKey", {}))
    lost = Exchange.from_wire(
        service="kms", operation="CreateKey", region="us-east-1", request={}, status=None, headers={}, raw=b""
    )
    book.after(lost)
    with pytest.raises(BudgetReached):
        book.before(Call("kms", "CreateKey", {}))
    lines = (tmp_path / "ledger.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["event"] == "unknown"


def test_max_calls_is_checked_before_every_attempt(tmp_path: Path) -> None:
    sent = [2]
    book = accounting(tmp_path, Budget(max_calls=3), sent)
    book.gate()
    sent[0] = 3
    with pytest.raises(BudgetReached, match="--max-calls 3"):
        book.gate()


def test_pc_replication_regions_count_against_the_key_budget(tmp_path: Path) -> None:
    book = accounting(tmp_path, Budget(max_keys=2))
    with pytest.raises(BudgetReached):
        book.before(Call("payment-cryptography", "CreateKey", {"ReplicationRegions": ["us-west-2", "eu-1"]}))


# -- the ledger and run tags ----------------------------------------------------------------------


def test_every_created_key_is_on_disk_as_soon_as_its_id_is_known(tmp_path: Path) -> None:
    book = accounting(tmp_path, Budget())
    arn = f"{KMS_ARN}mrk-1"
    book.after(created("kms", "CreateKey", {"KeyMetadata": {"Arn": arn}}), tagged=True)
    # Read by another process right now (no close, no flush call of ours).
    assert [k.key for k in read_created(tmp_path / "ledger.jsonl")] == [arn]
    replica = arn.replace("us-east-1", "us-west-2")
    book.after(created("kms", "ReplicateKey", {"ReplicaKeyMetadata": {"Arn": replica}}), tagged=False)
    pc_arn = f"arn:aws:payment-cryptography:us-west-2:{ACCOUNT}:key/abc"
    book.after(created("payment-cryptography", "CreateKey", {"Key": {"KeyArn": pc_arn}}, "us-west-2"))
    keys = list(read_created(tmp_path / "ledger.jsonl"))
    assert [(k.service, k.region) for k in keys] == [
        ("kms", "us-east-1"),
        ("kms", "us-west-2"),
        ("payment-cryptography", "us-west-2"),
    ]
    # Keys created without the tag in their request are tagged right after.
    owed = list(book.pending_tags())
    assert [(c.service, c.operation, c.region) for c in owed] == [
        ("kms", "TagResource", "us-west-2"),
        ("payment-cryptography", "TagResource", "us-west-2"),
    ]
    assert owed[0].params == {"KeyId": "mrk-1", "Tags": [{"TagKey": RUN_TAG, "TagValue": "h-test"}]}


def test_a_killed_runs_last_line_may_be_cut_but_no_other(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.jsonl", "h-1")
    ledger.key_created("kms", "us-east-1", f"{KMS_ARN}a", "CreateKey", "request")
    ledger.close()
    with (tmp_path / "ledger.jsonl").open("a") as handle:
        handle.write('{"event": "created", "run_')
    assert len(list(read_created(tmp_path / "ledger.jsonl"))) == 1
    (tmp_path / "bad.jsonl").write_text('not json\n{"event": "unknown"}\n')
    with pytest.raises(UsageError, match=":1: not a ledger line"):
        list(read_created(tmp_path / "bad.jsonl"))


def tags(n: int) -> list[dict[str, str]]:
    return [{"TagKey": f"k{i}", "TagValue": ""} for i in range(n)]


def test_tagging_never_changes_what_a_request_tests() -> None:
    kms = SERVICES["kms"].lifecycle
    assert kms is not None
    tag = (RUN_TAG, "h-1")
    assert kms.tag_in_request("CreateKey", {}, tag) == {"Tags": [{"TagKey": RUN_TAG, "TagValue": "h-1"}]}
    assert len(kms.tag_in_request("CreateKey", {"Tags": tags(49)}, tag)["Tags"]) == 50  # type: ignore[index]
    # Exactly 50 stays 50 (and 51 stays 51): such keys are tagged after creation instead.
    assert kms.tag_in_request("CreateKey", {"Tags": tags(50)}, tag) is None
    assert kms.tag_in_request("CreateKey", {"Tags": tags(51)}, tag) is None
    # A wrong JSON type, or the run tag's key already drawn: untouched.
    assert kms.tag_in_request("CreateKey", {"Tags": "x"}, tag) is None
    assert kms.tag_in_request("CreateKey", {"Tags": [{"TagKey": RUN_TAG, "TagValue": "v"}]}, tag) is None
    assert add_tag({"Tags": [{"Key": "a"}]}, {"Key": RUN_TAG, "Value": "v"}, "Key", 200) == {
        "Tags": [{"Key": "a"}, {"Key": RUN_TAG, "Value": "v"}]
    }


# -- cleanup ---------------------------------------------------------------------------------------


class FakeAccount:
    """Answers DescribeKey/ScheduleKeyDeletion/GetKey/DeleteKey from a dictionary of key states."""

    def __init__(self, states: dict[str, str], replicas: set[str] = frozenset(), busy: int = 0):  # type: ignore[assignment]
        self.states = states
        self.replicas = replicas
        self.busy = busy
        self.log: list[tuple[str, str]] = []

    def send(self, call: Call) -> Exchange:
        key = str(call.params.get("KeyId") or call.params.get("KeyIdentifier"))
        self.log.append((call.operation, key))
        state = self.states.get(key)
        if state is None:
            code = "NotFoundException" if call.service == "kms" else "ResourceNotFoundException"
            return self._answer(call, 400, {"__type": code})
        if call.operation == "DescribeKey":
            kind = "REPLICA" if key in self.replicas else "PRIMARY"
            meta = {"KeyState": state, "MultiRegionConfiguration": {"MultiRegionKeyType": kind}}
            return self._answer(call, 200, {"KeyMetadata": meta})
        if call.operation == "GetKey":
            return self._answer(call, 200, {"Key": {"KeyState": state}})
        if call.operation == "ScheduleKeyDeletion":
            if self.busy:
                self.busy -= 1
                return self._answer(call, 400, {"__type": "KMSInvalidStateException"})
            assert call.params["PendingWindowInDays"] == 7
            self.states[key] = "PendingDeletion"
            return self._answer(call, 200, {"KeyId": key, "DeletionDate": 1})
        if call.operation == "DeleteKey":
            assert call.params["DeleteKeyInDays"] == 3
            self.states[key] = "DELETE_PENDING"
            return self._answer(call, 200, {"Key": {"KeyState": "DELETE_PENDING"}})
        raise AssertionError(call.operation)

    @staticmethod
    def _answer(call: Call, status: int, body: dict[str, Any]) -> Exchange:
        return Exchange.from_wire(
            service=call.service,
            operation=call.operation,
            region=call.region or "us-east-1",
            request=call.params,
            status=status,
            headers={},
            raw=json.dumps(body).encode(),
        )


def key(name: str, service: str = "kms") -> LedgerKey:
    return LedgerKey("h-1", service, "us-east-1", name)


def test_cleanup_schedules_replicas_first_with_the_shortest_windows_and_is_idempotent() -> None:
    pc = "arn:aws:payment-cryptography:us-east-1:123456789012:key/p"
    account = FakeAccount(
        {"primary": "Enabled", "replica": "Enabled", "old": "PendingDeletion", pc: "CREATE_COMPLETE"},
        replicas={"replica"},
    )
    keys = [key("primary"), key("replica"), key("old"), key("missing"), key(pc, "payment-cryptography")]
    outcomes = {o.key.key: o.outcome for o in schedule_deletion(keys, account.send, sleep=lambda s: None)}
    assert outcomes == {
        "primary": "scheduled",
        "replica": "scheduled",
        "old": "already",
        "missing": "gone",
        pc: "scheduled",
    }
    scheduled = [k for op, k in account.log if op == "ScheduleKeyDeletion"]
    assert scheduled == ["replica", "primary"]
    again = schedule_deletion(keys, account.send, sleep=lambda s: None)
    assert {o.outcome for o in again} == {"already", "gone"}


def test_a_key_not_ready_is_tried_again_and_a_failure_is_said() -> None:
    account = FakeAccount({"k": "Enabled"}, busy=2)
    pauses: list[float] = []
    [outcome] = schedule_deletion([key("k")], account.send, sleep=pauses.append)
    assert outcome.outcome == "scheduled" and pauses == [1.0, 2.0]
    stuck = FakeAccount({"k": "Enabled"}, busy=99)
    [outcome] = schedule_deletion([key("k")], stuck.send, sleep=lambda s: None, passes=3)
    assert outcome.outcome == "failed" and "KMSInvalidStateException" in outcome.detail
    lines = summary_lines({"cleanup": {"keys": 1, "failed": 1, "outcomes": [outcome.to_dict()]}})
    assert any(line.strip().startswith("NOT SCHEDULED k") for line in lines)


def test_a_dry_run_schedules_nothing() -> None:
    account = FakeAccount({"k": "Enabled"})
    [outcome] = schedule_deletion([key("k")], account.send, dry_run=True)
    assert outcome.outcome == "would-schedule"
    assert [op for op, _ in account.log] == ["DescribeKey"]


# -- reproductions ------------------------------------------------------------------------------


@pytest.fixture
def finding() -> Any:
    from harness.checks import Divergence
    from harness.findings import make_finding
    from harness.oracle.rules import error

    divergence = Divergence(
        rule="kms.tags.reserved-prefix",
        kind="unexpected-success",
        service="kms",
        operation="CreateKey",
        expected=error("TagException"),
        detail="expected TagException",
        signature="TagException -> success",
        status=200,
    )
    return make_finding(divergence, created("kms", "CreateKey", {"KeyMetadata": {}}), [])


def test_a_real_accounts_reproduction_reads_credentials_from_the_environment(finding: Any) -> None:
    local = reproduce.script(finding)
    assert 'aws_access_key_id="testing"' in local
    script = reproduce.script(finding, endpoint="https://kms.us-east-1.amazonaws.com", from_environment=True)
    assert "aws_access_key_id" not in script and "testing" not in script
    assert 'os.environ.get("HARNESS_ENDPOINT", "") or None' in script
    compile(script, "repro.py", "exec")
