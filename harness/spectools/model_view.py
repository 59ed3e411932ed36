"""botocore's shapes seen the way the seed pages document them: members by name path.

A page names a member by its path of member names from the body's root
(``ReplicaKeyMetadata/MultiRegionConfiguration/ReplicaKeys/Arn``); list items and map
values have no name of their own. :func:`members` lists an operation's request or
response members the same way, so a page element and a botocore member can be matched.

Names are matched by *concept*: the vendor pages prefix some names (``QAccountId``,
``KMSNotFoundException``) where AWS writes ``AWSAccountId`` or ``NotFoundException``.
:func:`concept` drops those prefixes, so differently spelt names of one member meet and
the lint reports one naming disagreement instead of a missing and an extra member.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from harness.spectools.sources import botocore_model, service_source

_PREFIX = re.compile(r"^(?:AWS|KMS|Q)(?=[A-Z])")
_TAG = re.compile(r"<[^>]+>")


def concept(name: str) -> str:
    """``QAccountId``, ``AWSAccountId`` and ``AccountId`` -> ``AccountId``."""
    return _PREFIX.sub("", name)


def doc_text(documentation: str | None) -> str:
    """A botocore doc string as plain text."""
    return " ".join(html.unescape(_TAG.sub(" ", documentation or "")).split())


@dataclass(frozen=True, slots=True)
class Member:
    """One member of an operation's request or response, as botocore models it."""

    path: str
    parent: str
    """The structure shape that holds it."""
    name: str
    shape: str
    kind: str
    """botocore type of ``shape``: structure, list, map, string, timestamp ..."""
    required: bool
    enum_shape: str | None
    """The shape whose enum constrains the member's values (its own, or its list items')."""
    enum: tuple[str, ...] | None
    min_length: int | None
    doc: str
    deprecated: bool = False

    @property
    def parent_path(self) -> str:
        return self.path.rsplit("/", 1)[0] if "/" in self.path else ""

    def citation(self, service: str) -> str:
        return f"{service_source(service).model_citation(self.parent, self.name)} (shape {self.shape})"


def inner_shape(service: str, name: str) -> str:
    """The shape of a member's items or values, through lists and maps."""
    return _value_shape(botocore_model(service)["shapes"], name)


def _value_shape(shapes: dict[str, Any], name: str) -> str:
    """Step through lists and maps to the shape of the items or values."""
    shape = shapes[name]
    while shape["type"] in ("list", "map"):
        name = shape["member" if shape["type"] == "list" else "value"]["shape"]
        shape = shapes[name]
    return name


@cache
def members(service: str, root: str) -> dict[str, Member]:
    """Every member under the structure ``root``, by name path."""
    shapes: dict[str, Any] = botocore_model(service)["shapes"]
    out: dict[str, Member] = {}

    def walk(structure: str, prefix: str, seen: tuple[str, ...]) -> None:
        shape = shapes[structure]
        required = set(shape.get("required", ()))
        for name, member in shape["members"].items():
            path = f"{prefix}/{name}" if prefix else name
            target = shapes[member["shape"]]
            inner = _value_shape(shapes, member["shape"])
            enum_shape = inner if "enum" in shapes[inner] else None
            out[path] = Member(
                path=path,
                parent=structure,
                name=name,
                shape=member["shape"],
                kind=target["type"],
                required=name in required,
                enum_shape=enum_shape,
                enum=tuple(shapes[inner]["enum"]) if enum_shape else None,
                min_length=shapes[inner].get("min") if shapes[inner]["type"] == "string" else None,
                doc=doc_text(member.get("documentation") or target.get("documentation")),
                deprecated=bool(member.get("deprecated") or target.get("deprecated")),
            )
            if shapes[inner]["type"] == "structure" and inner not in seen:
                walk(inner, path, (*seen, inner))

    walk(root, "", (root,))
    return out


def operation_root(service: str, operation: str, direction: str) -> str | None:
    op = botocore_model(service)["operations"][operation]
    ref = op.get("input" if direction == "request" else "output")
    return ref["shape"] if ref else None


def children(index: dict[str, Member]) -> dict[str, dict[str, Member]]:
    """parent path -> concept -> member."""
    out: dict[str, dict[str, Member]] = {}
    for member in index.values():
        out.setdefault(member.parent_path, {})[concept(member.name)] = member
    return out


def resolve(index: dict[str, Member], path: str) -> tuple[Member | None, str | None]:
    """The member a page path names (matching names by concept), and the model path of its
    parent; ``(None, parent)`` for an unknown member under a known parent, ``(None, None)``
    when the parent is unknown too."""
    kids = children(index)
    current = ""
    parts = path.split("/")
    for depth, part in enumerate(parts):
        found = kids.get(current, {}).get(concept(part))
        if found is None:
            return None, (current if depth == len(parts) - 1 else None)
        if depth == len(parts) - 1:
            return found, current
        current = found.path
    return None, None
