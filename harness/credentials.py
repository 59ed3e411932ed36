"""Credentials: fixed test credentials for emulators, the standard AWS chain for named targets.

An emulator (or an ad-hoc loopback endpoint) gets fixed test credentials, and every botocore
session the harness builds is isolated from the user's AWS configuration (no profile, no config
or credentials file), so a real key can never reach an emulator by accident. A named target of
the targets file resolves its credentials once from the standard chain (environment, the
profile's files, SSO, credential_process) of ``aws_profile``. The instance and container
metadata providers are left out: they contact hosts the target does not name.

Secrets never appear in a repr, a message or a report: only where they came from does.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any

from harness.errors import TargetError, UsageError

#: botocore session variables that would otherwise be read from the user's environment and files.
_ISOLATED_VARS: dict[str, tuple[str | None, str | None, Any, Any]] = {
    "profile": (None, None, None, None),
    "config_file": (None, None, os.devnull, None),
    "credentials_file": (None, None, os.devnull, None),
}

#: Providers of the standard chain that contact a metadata service (169.254.169.254, a container
#: endpoint): a host no target names, so the harness never asks them.
_METADATA_PROVIDERS = ("iam-role", "container-role")


@dataclass(frozen=True, slots=True)
class Credentials:
    access_key: str
    secret_key: str = field(repr=False)
    token: str | None = field(default=None, repr=False)
    source: str = "fixed test credentials"
    real: bool = False
    """From the standard AWS chain: never sent to an emulator."""

    @classmethod
    def of(cls, value: Credentials | tuple[str, str]) -> Credentials:
        if isinstance(value, Credentials):
            return value
        return cls(value[0], value[1])


def isolated_session() -> Any:
    """A botocore session that reads nothing of the user's AWS configuration."""
    import botocore.session

    session = botocore.session.Session(session_vars=_ISOLATED_VARS)
    session.register_component("data_loader", _shared_loader())
    return session


@functools.cache
def _shared_loader() -> Any:
    """One botocore data loader for every isolated session of the process (made as the first
    one's own): it holds the service models and endpoint data it has read, which botocore only
    reads, so a new session need not parse them again. Each transport makes a session per client,
    and re-reading cost ~80 ms a client: a tenth of a second and more for every run in a process
    (the self-tests make hundreds)."""
    import botocore.session

    return botocore.session.Session(session_vars=_ISOLATED_VARS).get_component("data_loader")


def from_chain(profile: str | None, origin: str, *, instance_role: bool = False) -> Credentials:
    """Credentials from the standard AWS chain of ``profile`` (None: the default chain).

    ``origin`` names the target for messages (``harness.toml: target 'acme'``). Raises a
    one-line :class:`UsageError` or :class:`TargetError` that never contains a secret.
    """
    import botocore.session
    from botocore.exceptions import BotoCoreError, ProfileNotFound

    session = botocore.session.Session(profile=profile)
    try:
        resolver = session.get_component("credential_provider")
        if not instance_role:
            # A real account (kind ``aws``) may sign with the instance's or container's role.
            for name in _METADATA_PROVIDERS:
                resolver.remove(name)
        found = session.get_credentials()
        frozen = found.get_frozen_credentials() if found is not None else None
    except ProfileNotFound:
        raise UsageError(f"{origin}: aws_profile {profile!r} is not in the AWS config files") from None
    except BotoCoreError as exc:
        # botocore's messages name files and profiles, never secret values.
        raise TargetError(f"{origin}: cannot load AWS credentials: {exc}") from None
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        where = f"profile {profile!r}" if profile else "the environment or the default profile"
        raise TargetError(
            f"{origin}: no AWS credentials found in the standard chain ({where}); "
            "configure them with `aws configure` or set aws_profile"
        )
    label = f"profile {profile}" if profile else "the default AWS credential chain"
    return Credentials(frozen.access_key, frozen.secret_key, frozen.token, label, real=True)
