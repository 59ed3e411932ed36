"""Records of the spec lint: one :class:`Disagreement` per fact the sources do not agree on.

A disagreement is about one fact (the name of a member, its type, an enum, a default,
an error code, a value format) and lists every source's claim about it as a
:class:`Side`: botocore, AWS's documentation or the rulebook, a page's element table,
its syntax block, its examples, its prose. Grouping by fact is what lists each
disagreement once: the account-id member spelt three ways on two pages is one entry,
not five. Its kinds (page vs AWS, page vs page, within a page) follow from which sides
differ. Its :class:`Resolution` is what the ``documented`` profile does about it, so
what the lint says a profile follows is what the build does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Topic = Literal[
    "presence",
    "name",
    "type",
    "required",
    "deprecation",
    "enum",
    "default",
    "format",
    "error",
    "constraint",
    "prose",
]

#: Views of a page's sides (anything else is an AWS-side view: ``model``, ``docs``).
PAGE_VIEWS = frozenset({"table", "syntax", "examples", "prose"})

KIND_ORDER = ("page-vs-aws", "page-vs-page", "within-page", "aws-vs-aws")


@dataclass(frozen=True, slots=True)
class Location:
    """Where a claim is made: a file (seed page or botocore model) and an element in it."""

    file: str
    element: str
    line: int | None = None
    path: str | None = None
    """The member path (``KeyMetadata/Arn``) the claim is about, when there is one."""
    example: str | None = None
    """The example id, for a value shown in an example."""
    part: str | None = None
    """``request`` or ``response``, for an example."""
    value: Any = None
    """The value the example shows there."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"file": self.file, "element": self.element}
        for key in ("line", "path", "example", "part", "value"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class Side:
    """One source's claim about the fact."""

    source: str
    """A seed file name, or an AWS-side source (``botocore kms/2014-11-01``, ``rulebook``)."""
    view: str
    """``table``, ``syntax``, ``examples``, ``prose`` (a page), or ``model``, ``docs`` (AWS)."""
    value: Any
    """The claim: a name, a type, a list of values (an enum), a value; ``None`` = absent."""
    where: tuple[Location, ...]

    @property
    def on_page(self) -> bool:
        return self.view in PAGE_VIEWS

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "view": self.view,
            "value": self.value,
            "where": [w.to_json() for w in self.where],
        }


def agree(a: Any, b: Any) -> bool:
    """Two claims agree: equal, or a value and a list (an enum) that contains it."""
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    if isinstance(a, list):
        return b in a
    if isinstance(b, list):
        return a in b
    return bool(a == b)


def _kind(a: Side, b: Side) -> str:
    if a.on_page and b.on_page:
        return "within-page" if a.source == b.source else "page-vs-page"
    if a.on_page or b.on_page:
        return "page-vs-aws"
    return "aws-vs-aws"


@dataclass(frozen=True, slots=True)
class Resolution:
    """What the ``documented`` profile does about a disagreement.

    ``keep``: nothing (it follows the ``aws`` profile); ``add-member``: a member the pages
    name differently or add; ``extend-enum``: values the pages add, with their AWS
    spelling; ``pattern``: a value format the pages document; ``add-error``: an error code
    the page lists; ``min-length``: a length the page's text allows.
    """

    action: Literal["keep", "add-member", "extend-enum", "pattern", "add-error", "min-length"]
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, **dict(self.params)}


KEEP = Resolution("keep")


@dataclass(frozen=True, slots=True)
class Disagreement:
    id: str
    """Stable: ``<service>.<subject>.<topic>``."""
    topic: Topic
    service: str
    operations: tuple[str, ...]
    subject: str
    """What the fact is about: ``KeyMetadata.AWSAccountId``, ``ReplicateKey errors``."""
    what: str
    """One sentence."""
    sides: tuple[Side, ...]
    follows: Mapping[str, str]
    """Profile -> which claim it follows, and how."""
    resolution: Resolution = KEEP

    @property
    def kinds(self) -> tuple[str, ...]:
        found = {
            _kind(a, b)
            for i, a in enumerate(self.sides)
            for b in self.sides[i + 1 :]
            if not agree(a.value, b.value)
        }
        return tuple(k for k in KIND_ORDER if k in found)

    @property
    def locations(self) -> tuple[Location, ...]:
        return tuple(w for side in self.sides for w in side.where)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "topic": self.topic,
            "kinds": list(self.kinds),
            "service": self.service,
            "operations": list(self.operations),
            "subject": self.subject,
            "what": self.what,
            "sides": [s.to_json() for s in self.sides],
            "follows": dict(sorted(self.follows.items())),
            "documented-profile": self.resolution.to_json(),
        }
