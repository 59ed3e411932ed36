"""What the three seed pages document, as data: elements, errors, headers and examples.

The pages live outside the repository (``../shared/seeds``), and CI runs on a clean
checkout without them. So ``python -m harness spec build`` extracts what they document
into ``specs/sources/seed-elements.json`` (committed), and everything else (the
``documented`` profile, the spec lint) is built from that file. A unit test re-extracts
from the pages when they are present and compares.

Every record names where it is in its page: the file, a locator (the JavaScript array
and index of an MDX table, the reStructuredText section and bullet of the boto3 page)
and the line, so a schema property or a lint entry can cite it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from harness.errors import SpecError

FORMAT = "harness seed elements 1"
SOURCES_FILE = "sources/seed-elements.json"

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


def default_seeds_dir() -> Path:
    """``$HARNESS_SEEDS``, else ``../shared/seeds`` beside the repository."""
    env = os.environ.get("HARNESS_SEEDS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "seeds"


def seed_files(seeds_dir: Path) -> list[Path]:
    """The seed pages of ``seeds_dir`` (every ``*.txt``), sorted by name."""
    return sorted(p for p in seeds_dir.glob("*.txt") if p.is_file())


def extract_page(path: Path) -> Page:
    from harness.spec import seed_mdx, seed_rst

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"seed page {path} is unreadable: {exc}") from None
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    try:
        if "export const REQUEST_PARAMETERS" in text:
            return seed_mdx.extract(path.name, digest, text)
        if ".. py:method::" in text:
            return seed_rst.extract(path.name, digest, text)
    except (KeyError, IndexError, ValueError, TypeError, AttributeError) as exc:
        # A page laid out differently from the ones the extractors know: one line, no traceback.
        raise SpecError(f"seed page {path} does not have the expected layout: {exc!r}") from None
    raise SpecError(f"seed page {path} is neither a vendor MDX page nor a boto3 reference page")


def extract(seeds_dir: Path) -> SeedSet:
    files = seed_files(seeds_dir)
    if not files:
        raise SpecError(f"no seed pages (*.txt) under {seeds_dir}")
    return SeedSet(tuple(extract_page(p) for p in files))


# --- the committed intermediate file --------------------------------------------------------


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None and v != () and v != []}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    return value


def to_json(seeds: SeedSet) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "x-source": "extracted from ../shared/seeds by harness.spec.seeds (python -m harness spec build)",
        "pages": [_drop_none(asdict(page)) for page in seeds.pages],
    }


def dumps(seeds: SeedSet) -> str:
    return json.dumps(to_json(seeds), indent=2, ensure_ascii=False) + "\n"


def _tuple(items: Any, kind: type[Any]) -> tuple[Any, ...]:
    return tuple(kind(**_tuples(i)) for i in items or ())


def _tuples(item: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if k == "enum" and v is not None else v for k, v in item.items()}


def from_json(doc: Any) -> SeedSet:
    try:
        if doc.get("format") != FORMAT:
            raise SpecError(f"{SOURCES_FILE} has format {doc.get('format')!r}, expected {FORMAT!r}")
        pages = []
        for raw in doc["pages"]:
            pages.append(
                Page(
                    file=raw["file"],
                    sha256=raw["sha256"],
                    format=raw["format"],
                    publisher=raw["publisher"],
                    service=raw["service"],
                    operation=raw["operation"],
                    headers=_tuple(raw.get("headers"), Header),
                    request=_tuple(raw.get("request"), Element),
                    response=_tuple(raw.get("response"), Element),
                    errors=_tuple(raw.get("errors"), ErrorEntry),
                    examples=_tuple(raw.get("examples"), Example),
                    notes=tuple(raw.get("notes") or ()),
                )
            )
    except (KeyError, TypeError, AttributeError) as exc:
        raise SpecError(f"{SOURCES_FILE} is malformed: {exc}") from None
    return SeedSet(tuple(pages))


def load(specs_dir: Path) -> SeedSet:
    path = specs_dir / SOURCES_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpecError(
            f"{path} is missing (run: python -m harness spec build with the seeds present)"
        ) from None
    except (OSError, ValueError) as exc:
        raise SpecError(f"{path} is unreadable: {exc}") from None
    return from_json(doc)


def current(specs_dir: Path | None = None, seeds_dir: Path | None = None) -> SeedSet:
    """The seed elements a build uses: re-extracted when the pages are here, else the committed file."""
    from harness.spec.catalog import default_specs_dir

    seeds_dir = seeds_dir or default_seeds_dir()
    if seeds_dir.is_dir() and seed_files(seeds_dir):
        return extract(seeds_dir)
    return load(specs_dir or default_specs_dir())
