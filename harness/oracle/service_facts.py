"""What the generic rules need to know of a service, registered by the service's own folder.

The answer, member-constraint and wire rules are the same for every AWS JSON service; only a
few facts differ (the rule prefix, the awsJson version, the X-Amz-Target prefix, where each
is documented). A service folder states them once in a :class:`ServiceFacts` and calls
:func:`harness.oracle.register_generic_rules`, which registers those generic rules for it; the
generic modules then look the facts up here instead of naming services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

SMITHY_AWS_JSON = "https://smithy.io/2.0/aws/protocols/aws-json-{dashed}-protocol.html"


@dataclass(frozen=True, slots=True)
class ServiceFacts:
    name: str
    """The botocore model name (``kms``, ``payment-cryptography``)."""
    rule_prefix: str
    label: str
    json_version: str
    """``1.1`` or ``1.0``: the awsJson protocol version (rulebook rules 1-2)."""
    target_prefix: str
    """What X-Amz-Target starts with (``TrentService``)."""
    protocol_rule: str
    """The rulebook rule that states the protocol."""
    empty_body_example: str
    """The API Reference page of an operation documented to answer with an empty body."""
    error_members: str
    """How its error bodies spell their members, for the error-shape rule's title."""
    validation_source: str
    """Where ValidationException for a broken member constraint is documented."""
    identifiers: Mapping[str, str] = field(default_factory=dict)
    """Request members (JSON pointers) that name a key -> the rule a key that does not exist
    breaks. A malformed name also names no key: the docs fix no order between the two."""
    owned_elsewhere: frozenset[tuple[str, str]] = frozenset()
    """(JSON pointer pattern, keyword) whose bounds a more specific rule of the service owns."""

    @property
    def content_type(self) -> str:
        return f"application/x-amz-json-{self.json_version}"

    @property
    def protocol_url(self) -> str:
        return SMITHY_AWS_JSON.format(dashed=self.json_version.replace(".", "_"))

    @property
    def protocol_source(self) -> str:
        return f"{self.protocol_rule}; {self.protocol_url}"


FACTS: dict[str, ServiceFacts] = {}


def facts_of(service: str) -> ServiceFacts:
    return FACTS[service]


def record(facts: ServiceFacts) -> ServiceFacts:
    if facts.name in FACTS:
        raise ValueError(f"service facts of {facts.name!r} registered twice")
    FACTS[facts.name] = facts
    return facts
