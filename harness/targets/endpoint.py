"""``endpoint``: a running endpoint, given by ``--endpoint-url`` (loopback only) or named in the
targets file (a vendor's own endpoint: its non-loopback host needs ``allow_remote = true``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from urllib.parse import urlsplit

from harness.errors import UsageError
from harness.targets.base import (
    LOCAL_CREDENTIALS,
    ActiveTarget,
    TargetConfig,
    TargetRequest,
    check_reachable,
    register_target,
    remote_policy,
)
from harness.targets.file import ENDPOINT_KEYS


class EndpointTarget:
    name = "endpoint"
    description = "a running endpoint: --endpoint-url (loopback), or a named target of the targets file"
    file_keys = ENDPOINT_KEYS

    def configure(self, request: TargetRequest) -> TargetConfig:
        named = request.named
        endpoints = dict(named.endpoints) if named else {}
        url = request.endpoint_url or next(iter(endpoints.values()), None)
        if not url:
            raise UsageError(
                f"{named.origin}: key 'endpoint_url' (or endpoints) is missing"
                if named
                else "--target=endpoint needs --endpoint-url URL"
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--endpoint-url={url!r} is not an http(s) URL")
        url = url.rstrip("/")
        network = remote_policy(request, [url, *endpoints.values()])
        if named is None:
            # An ad-hoc loopback endpoint: fixed test credentials unless the environment names others.
            return TargetConfig(
                self.name,
                url,
                request.region,
                request.replica_region,
                credentials=(
                    os.environ.get("HARNESS_ACCESS_KEY_ID", LOCAL_CREDENTIALS[0]),
                    os.environ.get("HARNESS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS[1]),
                ),
                network=network,
            )
        verify: bool | str | None = None if named.verify else False
        if named.ca_bundle is not None:
            verify = str(named.ca_bundle)
        # A named target is a vendor's (or a platform's) endpoint: its credentials are the
        # user's own, from the standard AWS chain, resolved when the run starts.
        return TargetConfig(
            request.name,
            url,
            request.region,
            request.replica_region,
            network=network,
            kind=self.name,
            endpoints=MappingProxyType(endpoints),
            credential_chain=True,
            aws_profile=named.aws_profile,
            verify=verify,
            origin=named.origin,
        )

    def ready(self) -> tuple[bool, str]:
        return True, "give --endpoint-url URL, or name it in a targets file"

    @contextmanager
    def activate(self, config: TargetConfig, log_dir: Path | None) -> Iterator[ActiveTarget]:
        assert config.endpoint_url is not None
        for url in {config.endpoint_url, *config.endpoints.values()}:
            check_reachable(url)
        yield ActiveTarget(config, config.service_endpoints(config.endpoint_url), None)


register_target(EndpointTarget())
