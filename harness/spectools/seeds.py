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
from dataclasses import asdict
from pathlib import Path
from typing import Any

from harness.errors import SpecError
from harness.spectools import seed_mdx, seed_rst
from harness.spectools.seed_records import (
    SOURCES_FILE,
    Element,
    ErrorEntry,
    Example,
    Header,
    Page,
    SeedSet,
    View,
    default_in,
)

FORMAT = "harness seed elements 1"


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
        "x-source": "extracted from ../shared/seeds by harness.spectools.seeds "
        "(python -m harness spec build)",
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


# The records are re-exported: a seed set is read and written through this module.
__all__ = [
    "FORMAT",
    "SOURCES_FILE",
    "Element",
    "ErrorEntry",
    "Example",
    "Header",
    "Page",
    "SeedSet",
    "View",
    "current",
    "default_in",
    "default_seeds_dir",
    "dumps",
    "extract",
    "extract_page",
    "from_json",
    "load",
    "seed_files",
    "to_json",
]
