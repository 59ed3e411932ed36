"""``aws``: a real AWS account, opted in explicitly, with budgets and cleanup.

A real account costs money per key and per call, throttles, and keeps a key for at least 7
days after its deletion is scheduled, so this kind refuses unless everything is explicit:

- ``--allow-aws-account ID`` (repeatable; ``allow_accounts`` in the targets file) must name the
  account the credentials belong to. STS ``GetCallerIdentity`` checks it before any KMS or
  Payment Cryptography call (:func:`verify_account`); another account is refused with exit 2.
- ``--region`` and ``--replica-region`` must both be given (``harness.targets.base.resolve``
  refuses a default for a kind with ``explicit_regions``).
- Credentials come from the standard AWS chain only (environment, ``--aws-profile`` or the
  file's ``aws_profile``, SSO, the instance's or container's role): never from the harness's
  own files, and the chain is read for this kind only, so they never reach another target.
- The network policy allows exactly AWS's endpoints of the two Regions, for the services under
  test and STS. The standard ``AWS_ENDPOINT_URL`` (and ``AWS_ENDPOINT_URL_<SERVICE>``) may
  replace them with a loopback stand-in, which is how the self-tests run against moto; a
  non-loopback replacement is refused.

The run's budgets, ledger, tags and cleanup are the engine's (harness.engine.accounting); this
kind says it needs them (``accounts_for_keys``) and gives the budgets' defaults.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from harness.budget import REAL_ACCOUNT_DEFAULTS
from harness.credentials import Credentials, isolated_session
from harness.errors import TargetError, UsageError
from harness.netguard import NetworkPolicy, is_loopback_host
from harness.targets.base import (
    ActiveTarget,
    TargetConfig,
    TargetRequest,
    credentials_for,
    register_target,
)

ACCOUNT = re.compile(r"^\d{12}$")
#: The service that says whose credentials these are; contacted before anything else.
STS = "sts"


@dataclass(frozen=True, slots=True)
class AwsConfig(TargetConfig):
    """A real-account target: the accounts it may use beside everything a target has.

    ``endpoints`` holds ``<service>@<region>`` for every service and both Regions (and STS),
    plus ``<service>`` for the primary Region; the transport picks the one of each call's Region.
    """

    allow_accounts: frozenset[str] = frozenset()


def services_under_test() -> tuple[str, ...]:
    """The services under test: those the specs describe (the spec catalog names them)."""
    from harness.spec.catalog import default_specs_dir

    root = default_specs_dir() / "aws"
    return tuple(sorted(p.name for p in root.iterdir() if p.is_dir()))


def _client_url(session: Any, service: str, region: str, *, configured: bool) -> str:
    from botocore.config import Config

    client = session.create_client(
        service,
        region_name=region,
        aws_access_key_id="resolve-only",
        aws_secret_access_key="resolve-only",  # never sent: no request is made
        config=Config(ignore_configured_endpoint_urls=not configured),
    )
    url: str = client.meta.endpoint_url
    return url.rstrip("/")


def resolve_endpoints(
    services: Iterable[str], regions: Iterable[str], origin: str
) -> tuple[Mapping[str, str], NetworkPolicy]:
    """Each service's endpoint in each Region, and the policy that allows exactly AWS's own.

    botocore resolves them (no request is made). ``AWS_ENDPOINT_URL`` may stand a loopback
    server in for AWS; a non-loopback replacement of an AWS endpoint is refused.
    """
    session = isolated_session()
    regions = tuple(regions)
    endpoints: dict[str, str] = {}
    aws_hosts: set[str] = set()
    for service in (*services, STS):
        for region in regions:
            own = _client_url(session, service, region, configured=False)
            used = _client_url(session, service, region, configured=True)
            aws_hosts.add((urlsplit(own).hostname or "").lower())
            host = urlsplit(used).hostname or ""
            if used != own and not is_loopback_host(host):
                raise UsageError(
                    f"{origin}: refused: AWS_ENDPOINT_URL names {host!r} for {service}, which is neither "
                    "AWS's endpoint nor loopback (only a loopback stand-in may replace AWS)"
                )
            endpoints[f"{service}@{region}"] = used
        endpoints.setdefault(service, endpoints[f"{service}@{regions[0]}"])
    reason = (
        f"target 'aws' allows only AWS's endpoints of {' and '.join(regions)} "
        f"({', '.join(sorted(aws_hosts))}) besides loopback"
    )
    return MappingProxyType(endpoints), NetworkPolicy.allowing(aws_hosts, reason)


def caller_account(config: TargetConfig, credentials: Credentials, region: str | None = None) -> str:
    """The account ``credentials`` belong to, from STS GetCallerIdentity (through the guard)."""
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError

    region = region or config.region
    url = config.endpoints.get(f"{STS}@{region}") or config.endpoints[STS]
    client = boto3.session.Session(botocore_session=isolated_session()).client(
        STS,
        region_name=region,
        endpoint_url=url,
        aws_access_key_id=credentials.access_key,
        aws_secret_access_key=credentials.secret_key,
        aws_session_token=credentials.token,
        config=Config(
            retries={"total_max_attempts": 3, "mode": "standard"}, connect_timeout=10, read_timeout=30
        ),
    )
    config.network.install(client)
    origin = config.origin or f"--target={config.name}"
    try:
        answer = client.get_caller_identity()
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "an error")
        raise TargetError(
            f"{origin}: STS GetCallerIdentity refused the credentials ({code}; from {credentials.source})"
        ) from None
    except BotoCoreError as exc:
        raise TargetError(f"{origin}: STS GetCallerIdentity failed ({type(exc).__name__})") from None
    account = answer.get("Account")
    if not isinstance(account, str) or not ACCOUNT.match(account):
        raise TargetError(f"{origin}: STS GetCallerIdentity named no account")
    return account


def verify_account(config: TargetConfig) -> tuple[Credentials, str]:
    """The credentials of ``config`` and their account, refused unless the account is allowed."""
    allowed: frozenset[str] = getattr(config, "allow_accounts", frozenset())
    credentials = credentials_for(config)
    account = caller_account(config, credentials)
    if account not in allowed:
        origin = config.origin or f"--target={config.name}"
        raise UsageError(
            f"{origin}: refused: the credentials ({credentials.source}) belong to account {account}, "
            f"which is not allowed (allowed: {', '.join(sorted(allowed))}; add --allow-aws-account {account} "
            "only if this is the account to test)"
        )
    return credentials, account


class AwsTarget:
    """``aws``: a real AWS account (README, "Nightly runs against a real account")."""

    name = "aws"
    description = "a real AWS account: --allow-aws-account ID, --region and --replica-region required"
    file_keys = frozenset({"aws_profile", "allow_accounts"})
    explicit_regions = True
    """harness.targets.base.resolve refuses default Regions for this kind."""
    instance_role = True
    """The credential chain may use the instance's or container's role."""
    accounts_for_keys = True
    """The run keeps a ledger, tags what it creates, and schedules every key's deletion."""
    budget_defaults = REAL_ACCOUNT_DEFAULTS
    reproduce_from_environment = True
    """Reproductions read credentials and endpoints from the environment (boto3's chain)."""

    def configure(self, request: TargetRequest) -> AwsConfig:
        named = request.named
        origin = request.origin
        if request.endpoint_url or (named is not None and (named.endpoint_url or named.endpoints)):
            raise UsageError(
                f"{origin}: an endpoint URL does not apply to a real account (its endpoints are AWS's; "
                "a test stand-in is set with AWS_ENDPOINT_URL on loopback)"
            )
        accounts = [*request.allow_accounts, *(named.allow_accounts if named else ())]
        if not accounts:
            where = " (or allow_accounts in its table)" if named else ""
            raise UsageError(
                f"{origin}: refused: a real account needs --allow-aws-account ID{where}, naming the "
                "12-digit account its credentials belong to"
            )
        bad = [a for a in accounts if not ACCOUNT.match(a)]
        if bad:
            raise UsageError(f"--allow-aws-account {bad[0]!r} is not a 12-digit AWS account id")
        regions = (request.region, request.replica_region)
        endpoints, network = resolve_endpoints(services_under_test(), regions, origin)
        return AwsConfig(
            request.name,
            None,
            request.region,
            request.replica_region,
            network=network,
            kind=self.name,
            endpoints=endpoints,
            credential_chain=True,
            aws_profile=request.aws_profile or (named.aws_profile if named else None),
            origin=origin if named else "",
            allow_accounts=frozenset(accounts),
        )

    def preflight(self, config: TargetConfig) -> str:
        """Before the run starts: the credentials' account, refused unless allowed."""
        return verify_account(config)[1]

    def ready(self) -> tuple[bool, str]:
        return True, "needs --allow-aws-account ID, --region and --replica-region (README, nightly runs)"

    @contextmanager
    def activate(self, config: TargetConfig, log_dir: Path | None) -> Iterator[ActiveTarget]:
        # Again, right before the first call: nothing reaches KMS or Payment Cryptography
        # unless STS has just said the credentials are the allowed account's.
        _, account = verify_account(config)
        yield ActiveTarget(config, config.endpoints, f"AWS account {account}")


register_target(AwsTarget())
