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

from harness.oracle.rules import Grade

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
    """Request members (JSON pointers) that name a key (or a key's policy) -> the rule a name
    that names nothing breaks. A malformed name also names nothing: the docs fix no order
    between the two checks, so either answer is accepted."""
    owned_elsewhere: frozenset[tuple[str, str]] = frozenset()
    """(JSON pointer pattern, keyword) whose bounds a more specific rule of the service owns."""
    undecided: frozenset[tuple[str, str]] = frozenset()
    """(JSON pointer pattern, keyword) whose bounds the documents contradict (the model says
    one thing, the pages another): breaking one may be accepted or rejected, so a request that
    does is never judged by it (harness.oracle.constraints.scan)."""
    grades: Mapping[str, Grade] = field(default_factory=dict)
    """Generic rule name (``validation.enum``) -> its grade for this service, where the service's
    own evidence differs from the generic default (a recording of the code, say)."""

    def grade(self, name: str, default: Grade) -> Grade:
        """The grade of this service's generic rule ``name``."""
        return self.grades.get(name, default)

    @property
    def content_type(self) -> str:
        return f"application/x-amz-json-{self.json_version}"

    @property
    def protocol_url(self) -> str:
        return SMITHY_AWS_JSON.format(dashed=self.json_version.replace(".", "_"))

    @property
    def common_errors_url(self) -> str:
        """The service's API Reference page of the errors every operation may return."""
        return f"{self.empty_body_example.rsplit('/', 1)[0]}/CommonErrors.html"

    @property
    def common_errors_source(self) -> str:
        return f"{self.common_errors_url} (the spec's commonErrors)"

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
