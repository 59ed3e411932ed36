"""``endpoint``: any running endpoint given by URL (loopback only, until a target allows more)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
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
)


class EndpointTarget:
    name = "endpoint"
    description = "a running endpoint given by --endpoint-url (loopback only)"

    def configure(self, request: TargetRequest) -> TargetConfig:
        if not request.endpoint_url:
            raise UsageError("--target=endpoint needs --endpoint-url URL")
        parts = urlsplit(request.endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"--endpoint-url={request.endpoint_url!r} is not an http(s) URL")
        config = TargetConfig(
            self.name,
            request.endpoint_url.rstrip("/"),
            request.region,
            request.replica_region,
            credentials=(
                os.environ.get("HARNESS_ACCESS_KEY_ID", LOCAL_CREDENTIALS[0]),
                os.environ.get("HARNESS_SECRET_ACCESS_KEY", LOCAL_CREDENTIALS[1]),
            ),
        )
        # Refuse before anything else happens, not at the first send.
        config.network.check_url(config.endpoint_url or "")
        return config

    @contextmanager
    def activate(self, config: TargetConfig, log_dir: Path | None) -> Iterator[ActiveTarget]:
        assert config.endpoint_url is not None
        check_reachable(config.endpoint_url)
        yield ActiveTarget(config, MappingProxyType({"kms": config.endpoint_url}), None)


class RealAccountTarget:
    """``aws``: reserved for the opt-in real-account target (budgets, tagging, cleanup)."""

    name = "aws"
    description = "a real AWS account (not available yet)"

    def configure(self, request: TargetRequest) -> TargetConfig:
        raise UsageError(
            "target 'aws' (a real account) is not available yet: it needs the opt-in, "
            "budget and cleanup of the real-account issue; use --target=emulator or endpoint"
        )

    def activate(self, config: TargetConfig, log_dir: Path | None) -> AbstractContextManager[ActiveTarget]:
        raise UsageError("target 'aws' is not available yet")


register_target(EndpointTarget())
register_target(RealAccountTarget())
