"""What the KMS model knows of one key in one Region (harness.services.kms.model keeps them).

A module of its own so that the facts (harness.services.kms.facts) and the model can both
read a key without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.services.kms import state_rules as states


@dataclass
class KmsKey:
    """What the model knows of one key in one Region (``None``: not known)."""

    key_id: str
    arn: str
    """The documented ARN (for a replica: the primary's with the Region changed, rule 10)."""
    region: str
    key_spec: str = "SYMMETRIC_DEFAULT"
    key_usage: str = "ENCRYPT_DECRYPT"
    origin: str = "AWS_KMS"
    multi_region: bool = False
    state: str | None = states.ENABLED
    settles_to: str | None = None
    """For a transient state (Creating, Updating): the state it becomes (rulebook rules 48, 53)."""
    pending_window: int | None = None
    description: str | None = ""
    tags: dict[str, str] | None = field(default_factory=dict)
    policy: Any = None
    """The key policy as a parsed JSON document; ``None`` when not known."""
    primary_region: str | None = None
    """For a multi-Region key, the Region of the family's primary."""
    family_known: bool = True
    """Whether the model knows every Region holding a key of the family."""
    shared: dict[str, Any] = field(default_factory=dict)
    """The family's shared properties as the primary's CreateKey answer gave them (rule 50)."""
    causes: dict[str, str] = field(default_factory=dict)
    """For ``state``, ``description``, ``tags``, ``policy``: the operation that set it. Part of
    fact names, so a finding says which operation's effect the target got wrong."""
    maybe: bool = False
    """The key may or may not exist: a call that would have made it got no answer or a server
    error. Nothing is predicted of it until an answer shows whether it exists."""
    rotation_enabled: bool | None = None
    """Automatic rotation (shared by a multi-Region set, rulebook rule 50); ``None``: not known.
    CreateKey and ReplicateKey set it (harness.services.kms.key_use_model)."""
    rotation_period: int | None = None
    """The RotationPeriodInDays EnableKeyRotation gave; ``None``: the default (365); 0: not known."""
    on_demand_rotations: int | None = None
    """RotateKeyOnDemand calls that succeeded (a quota of 25, and ListKeyRotations lists them)."""

    @property
    def key_state(self) -> states.KeyState | None:
        if self.state is None:
            return None
        return states.KeyState(self.state, self.settles_to)

    @property
    def is_primary(self) -> bool:
        return self.multi_region and self.primary_region == self.region

    def set(self, prop: str, value: Any, cause: str) -> None:
        setattr(self, prop, value)
        self.causes[prop] = cause

    def forget(self, *props: str) -> None:
        """The target did something the documentation does not describe: stop predicting these."""
        for prop in props:
            setattr(self, prop, None)
            self.causes.pop(prop, None)
            if prop == "state":
                self.settles_to = None
                self.pending_window = None
