"""Extract a vendor page (Docusaurus MDX) into a :class:`~harness.spectools.seeds.Page`.

The page keeps its element tables in ``export const HEADER_PARAMETERS / REQUEST_PARAMETERS
/ RESPONSE_ELEMENTS = [...]`` arrays (``children`` nest), its examples in ``<ApiExample
request={{...}} response={{...}} />`` and ``<ApiTester exampleResponse={{...}} />``, and its
errors in the Markdown table under ``## Special Errors`` (seeds/README.md).
"""

from __future__ import annotations

import re
from typing import Any

from harness.errors import SpecError
from harness.spectools.literals import LineDict, read_at
from harness.spectools.seed_records import Element, ErrorEntry, Example, Header, Page, default_in
from harness.spectools.sources import SERVICES, botocore_model

_EXPORT = re.compile(r"^export const (\w+) = ", re.M)
_VALUES = re.compile(r"Values:\s*([A-Za-z0-9_]+(?:\s*\|\s*[A-Za-z0-9_]+)+)")
_MUST_BE = re.compile(r'Must be "([^"]+)"')
_COMPONENT = re.compile(r"<(ApiExample|ApiTester)\b")
_HEADING = re.compile(r"^#+ (.+)$", re.M)


def _line(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1


def _exports(text: str) -> dict[str, tuple[Any, int]]:
    out = {}
    for match in _EXPORT.finditer(text):
        value, _ = read_at(text, match.end())
        out[match.group(1)] = (value, _line(text, match.start()))
    return out


def _elements(items: list[Any], array: str, parent: str = "", locator: str = "") -> list[Element]:
    out: list[Element] = []
    for index, item in enumerate(items):
        if not isinstance(item, LineDict) or not isinstance(item.get("name"), str):
            raise SpecError(f"seed {array}: entry {index} has no name")
        here = f"{locator}.children[{index}]" if locator else f"{array}[{index}]"
        path = f"{parent}/{item['name']}" if parent else item["name"]
        description = str(item.get("description", ""))
        values = _VALUES.search(description)
        out.append(
            Element(
                path=path,
                locator=here,
                line=item.line,
                type=item.get("type"),
                required=item.get("required"),
                enum=tuple(v.strip() for v in values.group(1).split("|")) if values else None,
                default=default_in(description),
                description=description,
            )
        )
        out.extend(_elements(item.get("children") or [], array, path, here))
    return out


def _headers(items: list[Any]) -> tuple[Header, ...]:
    out = []
    for index, item in enumerate(items):
        must = _MUST_BE.search(str(item.get("description", "")))
        out.append(
            Header(
                name=item["name"],
                locator=f"HEADER_PARAMETERS[{index}]",
                line=item.line,
                type=item.get("type"),
                required=item.get("required"),
                value=must.group(1) if must else None,
            )
        )
    return tuple(out)


def _errors(text: str) -> tuple[ErrorEntry, ...]:
    start = text.find("## Special Errors")
    if start < 0:
        return ()
    out: list[ErrorEntry] = []
    for offset, raw in enumerate(text[start:].splitlines()):
        row = raw.strip()
        if not row.startswith("|"):
            if out and row.startswith("#"):
                break
            continue
        cells = [c.strip() for c in row.strip("|").split("|")]
        if cells[0] in ("Error Code", "") or set(cells[0]) <= set("-: "):
            continue
        out.append(
            ErrorEntry(
                code=cells[0],
                locator=f"Special Errors table, row {len(out) + 1}",
                line=_line(text, start) + offset,
                description=cells[1] if len(cells) > 1 else "",
            )
        )
    return tuple(out)


def _prop(text: str, start: int, end: int, name: str) -> Any:
    """The ``name={{...}}`` object of the component between ``start`` and ``end``."""
    match = re.compile(rf"\b{name}=\{{").search(text, start, end)
    if not match:
        return None
    value, _ = read_at(text, match.end())
    return value


def _component_end(text: str, start: int) -> int:
    end = text.find("/>", start)
    # An object literal may contain '/>' only inside strings; none of the pages does, and a
    # wrong end only truncates the search window for the component's own props.
    return len(text) if end < 0 else end


def _examples(text: str) -> tuple[Example, ...]:
    out = []
    counts: dict[str, int] = {}
    for match in _COMPONENT.finditer(text):
        kind = match.group(1)
        start = match.start()
        end = _component_end(text, start)
        headings = list(_HEADING.finditer(text, 0, start))
        title = headings[-1].group(1).strip() if headings else ""
        if kind == "ApiExample":
            request = _prop(text, start, end, "request")
            response = _prop(text, start, end, "response")
        else:
            request = None
            response = _prop(text, start, end, "exampleResponse")
            # The tester's example response is a body, not a whole HTTP answer.
            response = {"body": response} if response is not None else None
        if request is None and not response:
            continue
        counts[kind] = counts.get(kind, 0) + 1
        out.append(
            Example(
                id=f"{kind}#{counts[kind]}",
                title=title,
                locator=f"<{kind}> under '{title}'",
                line=_line(text, start),
                request={"headers": request.get("headers", {}), "body": request.get("body")}
                if request
                else None,
                # ``response={{}}`` shows nothing: no response for this example.
                response=dict(response) if response else None,
            )
        )
    return tuple(out)


def _operation(headers: tuple[Header, ...]) -> tuple[str, str]:
    target = next((h.value for h in headers if h.name.lower() == "x-amz-target"), None)
    if not target or "." not in target:
        raise SpecError("vendor seed page names no X-Amz-Target operation")
    prefix, operation = target.split(".", 1)
    for name in SERVICES:
        if botocore_model(name)["metadata"]["targetPrefix"] == prefix:
            return name, operation
    raise SpecError(f"vendor seed page targets unknown service prefix {prefix!r}")


def extract(file: str, digest: str, text: str) -> Page:
    exports = _exports(text)
    try:
        header_items, _ = exports["HEADER_PARAMETERS"]
        request_items, _ = exports["REQUEST_PARAMETERS"]
        response_items, _ = exports["RESPONSE_ELEMENTS"]
    except KeyError as exc:
        raise SpecError(f"seed {file}: no {exc.args[0]} array") from None
    headers = _headers(header_items)
    service, operation = _operation(headers)
    examples = _examples(text)
    notes = [f"{e.id} ({e.locator}, line {e.line}) shows no response" for e in examples if e.response is None]
    return Page(
        file=file,
        sha256=digest,
        format="mdx",
        publisher="vendor",
        service=service,
        operation=operation,
        headers=headers,
        request=tuple(_elements(request_items, "REQUEST_PARAMETERS")),
        response=tuple(_elements(response_items, "RESPONSE_ELEMENTS")),
        errors=_errors(text),
        examples=examples,
        notes=tuple(notes),
    )
