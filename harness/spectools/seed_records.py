"""What a seed page documents, as records: its elements, headers, errors and examples.

A module of its own so that the page extractors (:mod:`.seed_mdx`, :mod:`.seed_rst`) and the
seed set (:mod:`.seeds`) share the records without importing each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.errors import SpecError

SOURCES_FILE = "sources/seed-elements.json"
"""Where the seed set is committed, under the specs directory."""

View = Literal["table", "syntax"]
"""``table``: an element table or parameter documentation; ``syntax``: the boto3 page's
request/response syntax block, which lists names, types and enum values but no prose."""


@dataclass(frozen=True, slots=True)
class Element:
    """One documented request or response element."""

    path: str
    """Member names from the body's root, joined by ``/`` (list items and map values are
    transparent): ``KeyMetadata/QAccountId``, ``Tags/TagKey``."""
    locator: str
    """Where in the page: ``RESPONSE_ELEMENTS[0].children[0]``, ``Response Structure > Key > KeyArn``."""
    line: int
    view: View = "table"
    type: str | None = None
    """The type as the page writes it (``string``, ``array``, ``dict``, ``datetime`` ...), if it does."""
    required: bool | None = None
    """``None`` when the page does not say."""
    enum: tuple[str, ...] | None = None
    """Values the page lists for the element (``Values: A | B``, ``'A'|'B'``)."""
    default: str | None = None
    """The default value its description names, if any."""
    description: str = ""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class Header:
    name: str
    locator: str
    line: int
    type: str | None
    required: bool | None
    value: str | None
    """The value the description prescribes (``Must be "..."``)."""


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    code: str
    locator: str
    line: int
    description: str = ""


@dataclass(frozen=True, slots=True)
class Example:
    """One example exchange shown on a page; either side may be missing."""

    id: str
    """Stable within the page: ``ApiExample#2``, ``ApiTester#1``."""
    title: str
    """The heading the example sits under."""
    locator: str
    line: int
    request: dict[str, Any] | None = None
    """``{"headers": {...}, "body": {...}}`` as the page shows it."""
    response: dict[str, Any] | None = None
    """``{"status": 200, "headers": {...}, "body": {...}}``; ``None`` when the page shows no response."""


@dataclass(frozen=True, slots=True)
class Page:
    """Everything one seed page documents."""

    file: str
    sha256: str
    format: Literal["mdx", "rst"]
    publisher: Literal["vendor", "aws"]
    """``vendor``: the Q-KMS pages (an AWS-compatible vendor); ``aws``: AWS's own boto3 reference."""
    service: str
    operation: str
    headers: tuple[Header, ...] = ()
    request: tuple[Element, ...] = ()
    response: tuple[Element, ...] = ()
    errors: tuple[ErrorEntry, ...] = ()
    examples: tuple[Example, ...] = ()
    notes: tuple[str, ...] = field(default=())
    """What the extraction could not take as data, said once (e.g. "no examples")."""

    def elements(self, direction: str, view: View | None = None) -> tuple[Element, ...]:
        found = self.request if direction == "request" else self.response
        return tuple(e for e in found if view is None or e.view == view)

    def cite(self, locator: str, line: int) -> str:
        """The provenance string of something on this page."""
        return f"seed {self.file} {locator} (line {line})"


@dataclass(frozen=True, slots=True)
class SeedSet:
    pages: tuple[Page, ...]

    def page(self, file: str) -> Page:
        for page in self.pages:
            if page.file == file:
                return page
        raise SpecError(f"no seed page {file!r} in {SOURCES_FILE}")

    def pages_for(self, service: str, operation: str | None = None) -> tuple[Page, ...]:
        return tuple(
            p for p in self.pages if p.service == service and (operation is None or p.operation == operation)
        )


# --- extraction ----------------------------------------------------------------------------

_DEFAULT = re.compile(
    r"[Tt]he default(?: value)?(?:,| is)\s+``([A-Za-z0-9_]+)``"
    r"|[Tt]he default(?: value)?(?:,| is)\s+([A-Z][A-Z0-9_]+|true|false|True|False)\b"
)


def default_in(description: str) -> str | None:
    """The default value a description names: "The default value is ENCRYPT_DECRYPT"."""
    match = _DEFAULT.search(description)
    if not match:
        return None
    return match.group(1) or match.group(2)
