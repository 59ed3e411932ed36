"""``python -m harness sweep``: schedule the deletion of what killed runs left in a real account.

A run against a real account schedules its keys' deletion itself, whatever way it ends, except
SIGKILL (or a lost machine). Then::

    python -m harness sweep --allow-aws-account ID --region R [--region R2] [--run-id ID]
                            [--ledger PATH ...] [--aws-profile P] [--dry-run]

finds the keys such runs created, by their ledgers (``--ledger``: files, or directories searched
for ``ledger.jsonl``; default ``reports/``) and by the ``harness:run-id`` tag (every key of
each service in each Region given; with ``--run-id``, that run's only), and schedules the
deletion of each one not already pending deletion, with the shortest window. It is idempotent:
a second sweep finds everything pending and schedules nothing.

The same opt-in as a run: STS must say the credentials are an allowed account's before any
other call, and only AWS's endpoints of the Regions given (and STS) may be reached.
Exit 0: every key found is pending deletion (or gone); 1: some could not be scheduled;
2: bad input.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable
from pathlib import Path

from harness.budget import REAL_ACCOUNT_DEFAULTS, Budget
from harness.engine.accounting import Outcome, schedule_deletion
from harness.errors import UsageError
from harness.exchange import Call, Exchange
from harness.ledger import RUN_TAG, LedgerKey, ledger_files, read_created
from harness.services import SERVICES
from harness.services.lifecycle import arn_region
from harness.targets.aws import ACCOUNT, AwsConfig, resolve_endpoints, services_under_test, verify_account
from harness.transport import Transport

_REGION = re.compile(r"^([a-z]+-){2,3}\d+$")
_RUN_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
DEFAULT_LEDGERS = Path("reports")


def _arn_account(key: str) -> str | None:
    parts = key.split(":")
    return parts[4] if len(parts) >= 6 and parts[0] == "arn" else None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--allow-aws-account",
        action="append",
        default=[],
        metavar="ID",
        help="the account the credentials must belong to (repeatable; checked with STS first)",
    )
    parser.add_argument(
        "--region", action="append", default=[], help="a Region to sweep (repeatable; at least one)"
    )
    parser.add_argument("--run-id", help="only this run's keys (default: every run's)")
    parser.add_argument(
        "--ledger",
        action="append",
        default=[],
        help="a ledger.jsonl, or a directory searched for them (repeatable; default: reports/)",
    )
    parser.add_argument("--aws-profile", help="the profile of the standard AWS credential chain")
    parser.add_argument("--max-rate", help="requests per second at most (default 10)")
    parser.add_argument(
        "--dry-run", action="store_true", help="list what would be scheduled; schedule nothing"
    )


def _config(args: argparse.Namespace) -> AwsConfig:
    accounts = list(args.allow_aws_account)
    if not accounts:
        raise UsageError("sweep: refused: it needs --allow-aws-account ID (the credentials' account)")
    for account in accounts:
        if not ACCOUNT.match(account):
            raise UsageError(f"sweep: --allow-aws-account {account!r} is not a 12-digit AWS account id")
    regions = list(dict.fromkeys(args.region))
    if not regions:
        raise UsageError("sweep: it needs --region R (repeatable): where to look")
    for region in regions:
        if not _REGION.match(region):
            raise UsageError(f"sweep: --region={region!r} is not a region name like us-east-1")
    if args.run_id is not None and not _RUN_ID.match(args.run_id):
        raise UsageError(f"sweep: --run-id={args.run_id!r} is not a run id")
    endpoints, network = resolve_endpoints(services_under_test(), regions, "sweep")
    return AwsConfig(
        "aws",
        None,
        regions[0],
        regions[-1],
        network=network,
        kind="aws",
        endpoints=endpoints,
        credential_chain=True,
        aws_profile=args.aws_profile,
        origin="sweep",
        allow_accounts=frozenset(accounts),
    )


def _ledger_keys(
    paths: Iterable[Path], regions: set[str], run_id: str | None, account: str
) -> tuple[list[LedgerKey], int]:
    """The ledgers' keys in ``regions`` (of ``run_id``); and how many were left out (other Regions)."""
    keys: list[LedgerKey] = []
    elsewhere = 0
    for path in paths:
        for key in read_created(path):
            if run_id is not None and key.run_id != run_id:
                continue
            owner = _arn_account(key.key)
            if owner is not None and owner != account:
                continue  # another account's run: not these credentials' to touch
            if key.region not in regions:
                elsewhere += 1
                continue
            keys.append(key)
    return keys, elsewhere


def main(args: argparse.Namespace) -> int:
    config = _config(args)
    budget = Budget.parse(None, None, args.max_rate).over(REAL_ACCOUNT_DEFAULTS)
    given = [Path(p) for p in args.ledger]
    if given:
        paths = ledger_files(given)
    else:
        paths = ledger_files([DEFAULT_LEDGERS]) if DEFAULT_LEDGERS.is_dir() else []
    # Before any other call: whose credentials are these?
    credentials, account = verify_account(config)
    transport = Transport(
        endpoints=config.endpoints,
        default_region=config.region,
        credentials=credentials,
        network=config.network,
        min_interval=budget.min_interval,
    )

    def send(call: Call) -> Exchange:
        return transport.send(call, role="sweep")

    regions = set(args.region)
    from_ledgers, elsewhere = _ledger_keys(paths, regions, args.run_id, account)
    found: dict[tuple[str, str], LedgerKey] = {(k.service, k.key): k for k in from_ledgers}
    by_tag = 0
    for service in SERVICES:
        if service.lifecycle is None:
            continue
        for region in sorted(regions):
            for key in service.lifecycle.tagged(send, region, RUN_TAG, args.run_id):
                ident = (service.name, key.key)
                if ident not in found:
                    by_tag += 1
                    where = arn_region(key.key) or region
                    found[ident] = LedgerKey(args.run_id or "", service.name, where, key.key)
    outcomes = schedule_deletion(found.values(), send, dry_run=args.dry_run)
    _print(outcomes, len(paths), len(from_ledgers), by_tag, elsewhere, account, transport.calls_sent)
    return 1 if any(o.outcome == "failed" for o in outcomes) else 0


def _print(
    outcomes: list[Outcome],
    ledgers: int,
    from_ledgers: int,
    by_tag: int,
    elsewhere: int,
    account: str,
    calls: int,
) -> None:
    for outcome in outcomes:
        label = "NOT SCHEDULED" if outcome.outcome == "failed" else outcome.outcome
        print(f"{label:<14} {outcome.key.service} {outcome.key.region} {outcome.key.key}: {outcome.detail}")
    names = ("scheduled", "would-schedule", "already", "gone", "failed")
    counts = {name: sum(1 for o in outcomes if o.outcome == name) for name in names}
    print(
        f"sweep of account {account}: {len(outcomes)} keys ({from_ledgers} from {ledgers} ledgers, "
        f"{by_tag} more by the {RUN_TAG} tag); scheduled {counts['scheduled']}, "
        f"would schedule {counts['would-schedule']}, already pending {counts['already']}, "
        f"gone {counts['gone']}, failed {counts['failed']}; {calls} calls"
    )
    if elsewhere:
        print(f"{elsewhere} ledger keys are in other Regions: sweep them with --region")
