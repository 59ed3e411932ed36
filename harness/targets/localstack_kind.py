"""``localstack``: LocalStack's own KMS on 127.0.0.1, provisioned, started and stopped by the harness.

The server, its separate Python 3.12+ environment and how it is kept on loopback are
:mod:`harness.targets.localstack`; this module makes it a target kind of the registry, so
``--target=localstack`` (and ``--compare-target=localstack``, and ``kind = "localstack"`` in a
targets file) go the way every target goes. LocalStack gets fixed test credentials, like moto.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.errors import UsageError
from harness.targets import localstack
from harness.targets.base import ActiveTarget, TargetConfig, TargetRequest, register_target, serving


class LocalStackTarget:
    name = "localstack"
    description = (
        f"LocalStack {localstack.LOCALSTACK_VERSION} (its own KMS) on 127.0.0.1, in its own Python, "
        "started and stopped by the harness"
    )
    #: Only the common keys: started here, on loopback, with fixed test credentials.
    file_keys: frozenset[str] = frozenset()
    usual_endpoint = "http://127.0.0.1:4566"
    """What reproduction scripts name (LocalStack's usual port); a run uses a free one."""

    def configure(self, request: TargetRequest) -> TargetConfig:
        if request.endpoint_url:
            raise UsageError("--endpoint-url is for --target=endpoint; LocalStack picks its own port")
        return TargetConfig(self.name, None, request.region, request.replica_region)

    @contextmanager
    def activate(self, config: TargetConfig, log_dir: Path | None) -> Iterator[ActiveTarget]:
        log = log_dir / "localstack.log" if log_dir else None
        with serving(config, localstack.LocalStackServer(log_path=log)) as active:
            yield active

    def ready(self) -> tuple[bool, str]:
        return localstack.readiness()

    def install(self) -> list[str]:
        """``python -m harness targets install localstack``: provision (or confirm) its environment."""
        started = time.monotonic()
        was_ready, _ = localstack.readiness()
        folder = localstack.install()
        seconds = time.monotonic() - started
        done = "already installed" if was_ready else f"installed in {seconds:.0f} s"
        return [
            f"localstack {localstack.LOCALSTACK_VERSION}: {done} ({folder})",
            "run it with: pytest --target=localstack",
        ]


register_target(LocalStackTarget())
