"""Extract a boto3 reference page (reStructuredText) into a :class:`~harness.spectools.seeds.Page`.

The page documents one operation four times over: the **Request Syntax** block (a Python
call whose values are placeholders and ``'A'|'B'`` enums), the ``:type``/``:param``
documentation with nested ``- **Member** *(type) --* **[REQUIRED]**`` bullets, the
**Response Syntax** block and the **Response Structure** bullets, then **Exceptions**.
The syntax blocks become elements of view ``syntax``; the documentation and structure
bullets elements of view ``table``. The page has no example exchanges.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from harness.errors import SpecError
from harness.spectools.literals import Alternatives, Call, LineDict, read_at, read_keywords
from harness.spectools.seed_records import Element, ErrorEntry, Page, default_in
from harness.spectools.sources import SERVICES

_WEBAPI = re.compile(r"WebAPI/(?P<service>[a-z-]+)-\d{4}-\d{2}-\d{2}/(?P<operation>\w+)")
_TYPE = re.compile(r"^\s*:type (\w+): (\w+)\s*$")
_PARAM = re.compile(r"^\s*:param (\w+):(.*)$")
_BULLET = re.compile(r"^(?P<indent>\s*)- (?:\*\*(?P<name>\w+)\*\* )?\*\((?P<type>\w+)\) --\*(?P<rest>.*)$")
_REQUIRED = "**[REQUIRED]**"
_EXCEPTION = re.compile(r":py:class:`[\w.]+\.exceptions\.(\w+)`")
_PLACEHOLDER = "string"


# --- syntax blocks ---------------------------------------------------------------------------


def _syntax_type(value: Any) -> tuple[str, tuple[str, ...] | None]:
    """The boto3 type word and enum of one syntax value."""
    if isinstance(value, LineDict):
        return "dict", None
    if isinstance(value, list):
        return "list", None
    if isinstance(value, Alternatives):
        if all(isinstance(v, bool) for v in value.values):
            return "boolean", None
        return "string", tuple(str(v) for v in value.values)
    if isinstance(value, bool):
        return "boolean", None
    if isinstance(value, Call):
        return value.name, None  # datetime(2015, 1, 1)
    if isinstance(value, int):
        return "integer", None
    if isinstance(value, str):
        return "string", None if value == _PLACEHOLDER else (value,)
    raise SpecError(f"boto3 syntax: unexpected value {value!r}")


def _syntax_elements(value: Any, path: str, locator: str) -> list[Element]:
    """Elements under ``value``; list items and map values are transparent."""
    out: list[Element] = []
    if isinstance(value, list):
        for item in value:
            out.extend(_syntax_elements(item, path, locator))
        return out
    if not isinstance(value, LineDict):
        return out
    for key, member in value.items():
        here = value.line_of(key)
        if key == _PLACEHOLDER:  # {'string': {...}}: a map keyed by strings
            out.extend(_syntax_elements(member, path, locator))
            continue
        kind, enum = _syntax_type(member)
        child = f"{path}/{key}" if path else key
        where = f"{locator} > {key}"
        out.append(Element(path=child, locator=where, line=here, view="syntax", type=kind, enum=enum))
        out.extend(_syntax_elements(member, child, where))
    return out


def _code_after(text: str, marker: str) -> int:
    at = text.find(marker)
    if at < 0:
        raise SpecError(f"boto3 page has no {marker}")
    return at


def _request_syntax(text: str) -> list[Element]:
    at = _code_after(text, "**Request Syntax**")
    call = re.compile(r"client\.\w+\(").search(text, at)
    if not call:
        raise SpecError("boto3 page: Request Syntax has no client call")
    arguments, _ = read_keywords(text, call.end())
    return _syntax_elements(arguments, "", "Request Syntax")


def _response_syntax(text: str) -> list[Element]:
    at = _code_after(text, "**Response Syntax**")
    brace = text.find("{", at)
    value, _ = read_at(text, brace)
    return _syntax_elements(value, "", "Response Syntax")


# --- parameter documentation and response structure ------------------------------------------


@dataclass
class _Open:
    """An element being read: its bullet indentation and the description lines so far."""

    indent: int
    path: str
    locator: str
    line: int
    type: str | None
    required: bool | None
    named: bool
    description: list[str] = field(default_factory=list)


def _finish(open_: _Open, out: list[Element]) -> None:
    if not open_.named:
        return
    description = " ".join(" ".join(open_.description).split())
    out.append(
        Element(
            path=open_.path,
            locator=open_.locator,
            line=open_.line,
            type=open_.type,
            required=open_.required,
            default=default_in(description),
            description=description,
        )
    )


def _documented(lines: list[str], first: int, section: str) -> list[Element]:
    """Elements of a ``:type``/``:param`` section or a Response Structure bullet list.

    ``lines`` are the section's lines; ``first`` the page line number of ``lines[0]``.
    Nesting follows bullet indentation; unnamed bullets (``- *(dict) --*``: list items,
    map keys and values, the response root) pass their children to the parent path.
    """
    out: list[Element] = []
    stack: list[_Open] = []

    def close_to(indent: int) -> None:
        while stack and stack[-1].indent >= indent:
            _finish(stack.pop(), out)

    for offset, raw in enumerate(lines):
        number = first + offset
        type_match = _TYPE.match(raw)
        if type_match:
            close_to(-1)
            name, kind = type_match.groups()
            stack.append(_Open(-1, name, f"{section} {name}", number, kind, False, True))
            continue
        param = _PARAM.match(raw)
        if param and stack and stack[-1].path == param.group(1):
            stack[-1].required = _REQUIRED in param.group(2)
            stack[-1].locator = f":param {param.group(1)}:"
            stack[-1].line = number
            continue
        bullet = _BULLET.match(raw)
        if bullet:
            indent = len(bullet.group("indent"))
            close_to(indent)
            parent = stack[-1] if stack else None
            name = bullet.group("name")
            base = parent.path if parent else ""
            path = f"{base}/{name}" if name and base else (name or base)
            outer = parent.locator if parent else section
            locator = f"{outer} > {name}" if name else outer
            required = True if _REQUIRED in bullet.group("rest") else None
            stack.append(_Open(indent, path, locator, number, bullet.group("type"), required, bool(name)))
            continue
        text = raw.strip()
        if text and stack and not text.startswith(".."):
            stack[-1].description.append(text)
    close_to(-2)
    return out


def _section(text: str, start_marker: str, end_marker: str) -> tuple[list[str], int]:
    start = _code_after(text, start_marker)
    end = text.find(end_marker, start)
    if end < 0:
        raise SpecError(f"boto3 page: no {end_marker} after {start_marker}")
    first = text.count("\n", 0, start) + 1
    return text[start:end].splitlines(), first


def extract(file: str, digest: str, text: str) -> Page:
    link = _WEBAPI.search(text)
    if not link or link.group("service") not in SERVICES:
        raise SpecError(f"seed {file}: no AWS API Documentation link to a known service")
    service, operation = link.group("service"), link.group("operation")
    param_lines, param_first = _section(text, "  :type ", "  :rtype:")
    structure_lines, structure_first = _section(text, "**Response Structure**", "**Exceptions**")
    exceptions_at = _code_after(text, "**Exceptions**")
    errors = tuple(
        ErrorEntry(
            code=m.group(1),
            locator=f"Exceptions, item {index + 1}",
            line=text.count("\n", 0, m.start()) + 1,
        )
        for index, m in enumerate(_EXCEPTION.finditer(text, exceptions_at))
    )
    # Bullets are finished innermost first; page order reads better and is what a reader sees.
    request = _request_syntax(text) + sorted(
        _documented(param_lines, param_first, ":type"), key=lambda e: e.line
    )
    response = _response_syntax(text) + sorted(
        _documented(structure_lines, structure_first, "Response Structure"), key=lambda e: e.line
    )
    return Page(
        file=file,
        sha256=digest,
        format="rst",
        publisher="aws",
        service=service,
        operation=operation,
        request=tuple(request),
        response=tuple(response),
        errors=errors,
        notes=(
            "the page shows request and response syntax (placeholders and enum alternatives), "
            "not example exchanges: its syntax blocks are compared member by member, not validated "
            "as instances",
        ),
    )
