"""Compare the seed pages with botocore and with each other: every disagreement, once.

Element facts are grouped by the botocore structure that holds the member and the
member's concept (see :mod:`harness.spectools.model_view`), across pages and operations: the
``KeyMetadata`` of CreateKey's answer and of ReplicateKey's are the same structure, so
what one page says of it and the other page says differently is one page-vs-page
disagreement. For each group the sides are botocore's member, each page's element table
(and the boto3 page's syntax block), and the values its examples show. A page that
documents a structure but not one of its members says the member is absent; an example
that leaves an optional member out says nothing (examples need not show every member).

Value formats (ARNs, key ids), error lists, headers and the page's prose are compared in
:mod:`harness.spectools.compare_values`. Each disagreement carries the resolution the
``documented`` profile applies, and the text saying which claim each profile follows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.spectools import model_view
from harness.spectools.disagreements import KEEP, Disagreement, Location, Resolution, Side, Topic, agree
from harness.spectools.model_view import Member, concept
from harness.spectools.seeds import Element, Example, Page, SeedSet, default_in
from harness.spectools.sources import service_source

DOCUMENTED = "documented"
AWS = "aws"


def model_source(service: str) -> str:
    source = service_source(service)
    return f"botocore {source.name}/{source.api_version}"


def model_location(service: str, member: Member) -> Location:
    return Location(model_source(service), f"{member.parent}.{member.name}")


# --- claims: what each page says about each member --------------------------------------------


@dataclass(frozen=True, slots=True)
class Claim:
    """One page's statement about one member: its spelling (``None``: absent) and where."""

    page: Page
    view: str
    direction: str
    name: str | None
    location: Location
    element: Element | None = None
    value: Any = None
    """The value an example shows."""
    has_value: bool = False


@dataclass
class Group:
    """Everything said about one member concept of one structure."""

    service: str
    parent: str
    concept: str
    model: Member | None = None
    operations: set[str] = field(default_factory=set)
    claims: list[Claim] = field(default_factory=list)

    @property
    def subject(self) -> str:
        name = self.model.name if self.model else self.concept
        return f"{self.parent}.{name}"


def _table_name(page: Page, direction: str, view: str) -> str:
    if page.format == "mdx":
        return "REQUEST_PARAMETERS" if direction == "request" else "RESPONSE_ELEMENTS"
    if view == "syntax":
        return "Request Syntax" if direction == "request" else "Response Syntax"
    return ":type/:param" if direction == "request" else "Response Structure"


def _example_values(
    index: dict[str, Member], body: Any, prefix: str = "", pointer: str = ""
) -> Iterator[tuple[str, str, str, Any, Member | None]]:
    """(names path, spelling, JSON pointer, value, botocore member) of every member an example
    body shows; the path is botocore's where the member is one (matched by concept).

    List items and map values are transparent, as in the pages' element paths."""
    if not isinstance(body, dict):
        return
    kids = model_view.children(index)
    parent_model = index.get(prefix)
    for key, value in body.items():
        if parent_model is not None and parent_model.kind == "map":
            # Map keys are data (Region names), not member names.
            yield from _example_values(index, value, prefix, f"{pointer}/{key}")
            continue
        member = kids.get(prefix, {}).get(concept(key))
        path = member.path if member else (f"{prefix}/{key}" if prefix else key)
        here = f"{pointer}/{key}"
        yield path, key, here, value, member
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, dict):
                step = f"{here}/{i}" if isinstance(value, list) else here
                yield from _example_values(index, item, path, step)


def _structure(
    service: str, index: dict[str, Member], root: str, parent_path: str | None, fallback: str
) -> str:
    """The botocore structure at ``parent_path`` (``""``: the body itself), or ``fallback``."""
    if parent_path is None:
        return fallback
    if parent_path == "":
        return root
    return model_view.inner_shape(service, index[parent_path].shape)


def collect(seeds: SeedSet) -> dict[tuple[str, ...], Group]:
    """Every member group of every page, with the claims each page makes about it."""
    groups: dict[tuple[str, ...], Group] = {}

    def group(service: str, parent: str, name: str, model: Member | None) -> Group:
        key = (service, parent, concept(name))
        found = groups.get(key)
        if found is None:
            found = groups[key] = Group(service, parent, concept(name))
        if model is not None and found.model is None:
            found.model = model
        return found

    for page in seeds.pages:
        for direction in ("request", "response"):
            root = model_view.operation_root(page.service, page.operation, direction)
            if root is None:
                continue
            index = model_view.members(page.service, root)

            def parent_shape(parent_path: str | None, fallback: str) -> str:
                return _structure(page.service, index, root, parent_path, fallback)  # noqa: B023

            for view in ("table", "syntax"):
                elements = page.elements(direction, view)
                if not elements:
                    continue
                documented: set[str] = set()
                located: dict[str, Element] = {}
                for element in elements:
                    member, parent_path = model_view.resolve(index, element.path)
                    fallback = f"{page.operation}{direction.title()}:{element.path.rsplit('/', 1)[0]}"
                    shape = member.parent if member else parent_shape(parent_path, fallback)
                    g = group(page.service, shape, element.name, member)
                    g.operations.add(page.operation)
                    location = Location(page.file, element.locator, element.line, path=element.path)
                    g.claims.append(Claim(page, view, direction, element.name, location, element))
                    if member is not None:
                        documented.add(member.path)
                        located[member.path] = element
                table = _table_name(page, direction, view)
                for member in index.values():
                    parent = member.parent_path
                    if member.path in documented or (parent and parent not in documented):
                        continue
                    holder = located.get(parent)
                    where = (
                        Location(page.file, holder.locator, holder.line, path=member.path)
                        if holder
                        else Location(page.file, table, path=member.path)
                    )
                    g = group(page.service, member.parent, member.name, member)
                    g.operations.add(page.operation)
                    g.claims.append(Claim(page, view, direction, None, where))
            for example in page.examples:
                part = getattr(example, direction)
                if not part or part.get("body") is None:
                    continue
                for path, name, pointer, value, member in _example_values(index, part["body"]):
                    parent_path = path.rsplit("/", 1)[0] if "/" in path else ""
                    if member is not None:
                        shape = member.parent
                    elif parent_path == "" or parent_path in index:
                        shape = parent_shape(parent_path, "")
                    else:
                        shape = f"{page.operation}{direction.title()}:{parent_path}"
                    g = group(page.service, shape, name, member)
                    g.operations.add(page.operation)
                    where = Location(
                        page.file,
                        f"{example.locator} {direction} body",
                        example.line,
                        path=pointer,
                        example=example.id,
                        part=direction,
                        value=_shown(value),
                    )
                    g.claims.append(
                        Claim(page, "examples", direction, name, where, value=value, has_value=True)
                    )
    return groups


def _shown(value: Any) -> Any:
    """An example value as a lint entry shows it: scalars as they are, aggregates by kind."""
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, list):
        return f"[{len(value)} items]"
    if isinstance(value, str) and len(value) > 80:
        return value[:77] + "..."
    return value


def _sides_by(claims: list[Claim], key: Any) -> list[Side]:
    """Claims folded into sides: one per (page, view, claimed value)."""
    buckets: dict[tuple[str, str, str], tuple[Any, list[Location]]] = {}
    for claim in claims:
        value = key(claim)
        bucket = (claim.page.file, claim.view, repr(value))
        buckets.setdefault(bucket, (value, []))[1].append(claim.location)
    return [
        Side(file, view, value, tuple(sorted(set(locs), key=_loc_order)))
        for (file, view, _), (value, locs) in sorted(buckets.items())
    ]


def _loc_order(location: Location) -> tuple[Any, ...]:
    return (location.file, location.line or 0, location.element, location.path or "", location.example or "")


def _about(
    group: Group,
    topic: Topic,
    *,
    what: str,
    sides: tuple[Side, ...],
    follows: Mapping[str, str],
    resolution: Resolution = KEEP,
) -> Disagreement:
    """A disagreement about one member group; its id, service, operations and subject are the group's."""
    return Disagreement(
        id=_fact_id(group.service, group.subject, topic),
        topic=topic,
        service=group.service,
        operations=tuple(sorted(group.operations)),
        subject=group.subject,
        what=what,
        sides=sides,
        follows=follows,
        resolution=resolution,
    )


def _model_side(group: Group, value: Any) -> list[Side]:
    if group.model is None:
        return []
    return [Side(model_source(group.service), "model", value, (model_location(group.service, group.model),))]


def _differs(sides: list[Side]) -> bool:
    return any(not agree(a.value, b.value) for i, a in enumerate(sides) for b in sides[i + 1 :])


def _fact_id(service: str, subject: str, topic: str) -> str:
    return f"{service}.{subject}.{topic}"


def _pages(claims: list[Claim]) -> str:
    return ", ".join(sorted({c.page.file for c in claims}))


# --- presence and names --------------------------------------------------------------------------


def _presence(group: Group) -> Disagreement | None:
    shown = [c for c in group.claims if c.view != "examples" or c.name is not None]
    if group.model is not None:
        model_sides = _model_side(group, group.model.name)
    else:  # botocore's side of a member only a page has: absent from the structure
        source = model_source(group.service)
        model_sides = [Side(source, "model", None, (Location(source, f"{group.parent} (no such member)"),))]
    sides = model_sides + _sides_by(shown, lambda c: c.name)
    if not _differs(sides):
        return None
    spellings = sorted({s.value for s in sides if s.value is not None})
    model = group.model
    absent_on = sorted({s.source for s in sides if s.value is None and s.on_page})
    if len(spellings) > 1:
        others = [n for n in spellings if not model or n != model.name]
        like = model.name if model else spellings[0]
        return _about(
            group,
            "name",
            what=f"{group.parent}: one member, {len(spellings)} spellings: {', '.join(spellings)}.",
            sides=tuple(sides),
            follows={
                AWS: f"{model.name} (botocore)" if model else "none of them (not a botocore member)",
                DOCUMENTED: "accepts every documented spelling ("
                + ", ".join(spellings)
                + "), each typed as botocore's member; none is required, because no page says "
                "which one an answer carries",
            },
            resolution=Resolution(
                "add-member", {"parent": group.parent, "names": others, "like": like if model else None}
            ),
        )
    name = spellings[0]
    in_examples_only = [
        s.source
        for s in sides
        if s.view == "examples" and any(t.source == s.source and t.value is None for t in sides)
    ]
    if model is None:
        kind = "request" if all(c.direction == "request" for c in group.claims) else "response"
        return _about(
            group,
            "presence",
            what=f"{name} is documented on {_pages(group.claims)} but is not a botocore member "
            f"of {group.parent}.",
            sides=tuple(sides),
            follows={
                AWS: "not a member: "
                + (
                    "requests reject it (additionalProperties false)"
                    if kind == "request"
                    else "answers may carry it"
                ),
                DOCUMENTED: f"adds {name} as the page documents it",
            },
            resolution=Resolution(
                "add-member",
                {
                    "parent": group.parent,
                    "names": [name],
                    "like": None,
                    "type": _json_type(group),
                    "source": "; ".join(
                        c.page.cite(c.element.locator, c.element.line) for c in group.claims if c.element
                    ),
                },
            ),
        )
    if in_examples_only:
        what = (
            f"{group.subject} is used in the examples of {', '.join(sorted(set(in_examples_only)))} "
            "but not documented in its element table"
            + (
                f"; also not documented on {', '.join(p for p in absent_on if p not in in_examples_only)}"
                if [p for p in absent_on if p not in in_examples_only]
                else ""
            )
            + "."
        )
        documented = f"keeps {name} from botocore: the page's own example uses it"
    else:
        what = f"{group.subject} is a botocore member not documented on {', '.join(absent_on)}."
        documented = (
            f"keeps {name} from botocore: the page is silent about it, and silence is not a contradiction "
            "(the pages document an AWS-compatible API)"
        )
    return _about(
        group,
        "presence",
        what=what,
        sides=tuple(sides),
        follows={AWS: f"botocore: {name} is a member", DOCUMENTED: documented},
    )


# --- types ----------------------------------------------------------------------------------------

_PAGE_TYPES = {
    "string": "string",
    "boolean": "boolean",
    "array": "array",
    "list": "array",
    "dict": "object",
    "object": "object",
    "datetime": "timestamp",
    "integer": "integer",
    "long": "integer",
    "number": "number",
    "blob": "string",
    "bytes": "string",
}
_MODEL_TYPES = {
    "structure": "object",
    "map": "object",
    "list": "array",
    "string": "string",
    "blob": "string",
    "boolean": "boolean",
    "integer": "integer",
    "long": "integer",
    "float": "number",
    "double": "number",
    "timestamp": "timestamp",
}


def _json_type(group: Group) -> str | None:
    """The JSON type a page gives a member botocore does not have (its table, else its examples)."""
    for claim in group.claims:
        if claim.element is not None and claim.element.type:
            category = _PAGE_TYPES.get(claim.element.type)
            return "number" if category == "timestamp" else category
    for claim in group.claims:
        if claim.has_value:
            return _json_category(claim.value, None)
    return None


def _json_category(value: Any, model: Member | None) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        # An epoch number is how awsJson sends a timestamp.
        if model is not None and model.kind == "timestamp":
            return "timestamp"
        return "integer" if isinstance(value, int) else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _type(group: Group) -> Disagreement | None:
    typed = [c for c in group.claims if (c.element is not None and c.element.type) or c.has_value]

    def category(claim: Claim) -> str:
        if claim.has_value:
            return _json_category(claim.value, group.model)
        assert claim.element is not None and claim.element.type is not None
        return _PAGE_TYPES.get(claim.element.type, claim.element.type)

    model_type = _MODEL_TYPES[group.model.kind] if group.model else None
    sides = (_model_side(group, model_type) if model_type else []) + _sides_by(typed, category)
    if len(sides) < 2 or not _differs(sides):
        return None
    timestamps = model_type == "timestamp"
    return _about(
        group,
        "type",
        what=(
            f"{group.subject} is a timestamp, which awsJson sends as epoch seconds (a JSON number); "
            f"{_pages(typed)} show{'s' if len({c.page.file for c in typed}) == 1 else ''} "
            + ", ".join(sorted({category(c) for c in typed if category(c) != "timestamp"}))
            + " values."
            if timestamps
            else f"{group.subject} has different types: "
            + ", ".join(f"{s.source} {s.view}: {s.value}" for s in sides)
            + "."
        ),
        sides=tuple(sides),
        follows={
            AWS: f"{model_type} (botocore)" + (": epoch seconds, a JSON number" if timestamps else ""),
            DOCUMENTED: (
                "epoch seconds as well: response schemas keep the wire format of an AWS-compatible "
                "JSON API, which AWS SDKs parse (issue 3: responses keep epoch numbers). The examples "
                "that show ISO 8601 strings fail the documented schema; see the examples section"
                if timestamps
                else f"{model_type} (botocore), as the aws profile"
            ),
        },
    )


# --- required -------------------------------------------------------------------------------------


def _required(group: Group) -> Disagreement | None:
    if group.model is None:
        return None
    said = [c for c in group.claims if c.element is not None and c.element.required is not None]
    sides = _model_side(group, group.model.required) + _sides_by(said, lambda c: c.element.required)
    if len(sides) < 2 or not _differs(sides):
        return None
    return _about(
        group,
        "required",
        what=f"Whether {group.subject} is required: botocore says {group.model.required}, "
        f"{_pages(said)} differ.",
        sides=tuple(sides),
        follows={
            AWS: "botocore",
            DOCUMENTED: "botocore, as the aws profile (required-ness decides valid calls)",
        },
    )


# --- deprecation ------------------------------------------------------------------------------------


def _deprecation(group: Group) -> Disagreement | None:
    """botocore deprecates a member that a page documents without saying so."""
    if group.model is None or not group.model.deprecated:
        return None
    silent = [
        c
        for c in group.claims
        if c.element is not None and c.name is not None and "deprecat" not in c.element.description.lower()
    ]
    if not silent:
        return None
    sides = _model_side(group, "deprecated") + _sides_by(silent, lambda c: "documented, not deprecated")
    return _about(
        group,
        "deprecation",
        what=f"botocore deprecates {group.subject}; {_pages(silent)} documents it as current"
        + (" and does not document its replacement" if group.model.name == "CustomerMasterKeySpec" else "")
        + ".",
        sides=tuple(sides),
        follows={
            AWS: "a member, marked deprecated (botocore); a deprecated member is still valid",
            DOCUMENTED: "a member, marked deprecated as in botocore: the page's preference changes no "
            "answer's validity",
        },
    )


# --- enums and defaults ---------------------------------------------------------------------------


def _edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (adjacent transpositions count once)."""
    rows = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


def _normal(value: str) -> str:
    return value.replace("_", "").replace("-", "").casefold()


def alias_for(value: str, enum: tuple[str, ...], hints: dict[str, str]) -> str | None:
    """The AWS value a page's spelling stands for: same letters (``ENABLED``/``Enabled``),
    a near miss (``SYNCRHONIZED``), or what the page's own default shows (``QKMS``)."""
    for aws in enum:
        if _normal(aws) == _normal(value):
            return aws
    near = [aws for aws in enum if _edit_distance(value, aws) <= 2]
    if len(near) == 1:
        return near[0]
    return hints.get(value)


_TOKEN = re.compile(r"``([A-Z][A-Z0-9_]+)``")


def _prose_tokens(element: Element, enum: tuple[str, ...]) -> list[str]:
    """Near-miss spellings of enum values in an element's description (``SYNCRHONIZED``)."""
    out = []
    for token in _TOKEN.findall(element.description):
        if token not in enum and any(_edit_distance(token, v) <= 2 for v in enum):
            out.append(token)
    return out


def _enums(groups: dict[tuple[str, ...], Group], hints: dict[str, dict[str, str]]) -> list[Disagreement]:
    by_shape: dict[tuple[str, str], list[tuple[Group, Claim]]] = {}
    models: dict[tuple[str, str], Member] = {}
    for group in groups.values():
        if group.model is None or group.model.enum_shape is None:
            continue
        key = (group.service, group.model.enum_shape)
        models.setdefault(key, group.model)
        for claim in group.claims:
            by_shape.setdefault(key, []).append((group, claim))
    out = []
    for (service, shape), pairs in sorted(by_shape.items()):
        model = models[(service, shape)]
        enum = model.enum or ()
        model_side = Side(
            model_source(service), "model", list(enum), (Location(model_source(service), shape),)
        )
        sides: list[Side] = [model_side]
        listed = [c for _, c in pairs if c.element is not None and c.element.enum is not None]
        sides += _sides_by(listed, lambda c: list(c.element.enum))
        shown: list[tuple[Claim, Any]] = []
        for _, claim in pairs:
            if claim.has_value:
                values = claim.value if isinstance(claim.value, list) else [claim.value]
                shown.extend((claim, v) for v in values if isinstance(v, str))
        prose: list[tuple[Claim, str]] = [
            (c, token)
            for _, c in pairs
            if c.element is not None and c.element.description
            for token in _prose_tokens(c.element, enum)
        ]
        sides += _value_sides(shown, "examples") + _value_sides(prose, "prose")
        if not _differs(sides):
            continue
        new = sorted(
            {
                v
                for s in sides[1:]
                for v in (s.value if isinstance(s.value, list) else [s.value])
                if v not in enum
            }
        )
        aliases = {v: a for v in new if (a := alias_for(v, enum, hints.get(shape, {}))) is not None}
        members = sorted({g.model.name for g, _ in pairs if g.model})
        operations = sorted({op for g, _ in pairs for op in g.operations})
        alias_text = ", ".join(f"{k} = {v}" for k, v in sorted(aliases.items()))
        out.append(
            Disagreement(
                id=_fact_id(service, shape, "enum"),
                topic="enum",
                service=service,
                operations=tuple(operations),
                subject=f"{shape} ({', '.join(members)})",
                what=f"Values of {', '.join(members)} ({shape}): the pages use {', '.join(new)}, "
                "which botocore's enum does not have.",
                sides=tuple(sides),
                follows={
                    AWS: "botocore's enum: " + ", ".join(enum),
                    DOCUMENTED: "botocore's enum plus "
                    + ", ".join(new)
                    + (
                        f", each read as the AWS value it spells ({alias_text}; service.json valueAliases)"
                        if aliases
                        else ""
                    ),
                },
                resolution=Resolution(
                    "extend-enum", {"shape": shape, "members": members, "values": new, "aliases": aliases}
                ),
            )
        )
    return out


def _value_sides(pairs: list[tuple[Claim, Any]], view: str) -> list[Side]:
    buckets: dict[tuple[str, str], list[Location]] = {}
    for claim, value in pairs:
        buckets.setdefault((claim.page.file, value), []).append(claim.location)
    return [
        Side(file, view, value, tuple(sorted(set(locs), key=_loc_order)))
        for (file, value), locs in sorted(buckets.items())
    ]


def _norm_default(value: str | None) -> str | None:
    if value is None:
        return None
    return value.lower() if value.lower() in ("true", "false") else value


def _defaults(
    seeds: SeedSet, groups: dict[tuple[str, ...], Group]
) -> tuple[list[Disagreement], dict[str, dict[str, str]]]:
    """Defaults a page's table names vs botocore's doc and vs what its examples answer.

    Returns the disagreements and alias hints: a value an example answers where the table's
    default is due (``QKMS`` where ``AWS_KMS`` is the default) is the page's spelling of it."""
    out: list[Disagreement] = []
    hints: dict[str, dict[str, str]] = {}
    for group in sorted(groups.values(), key=lambda g: g.subject):
        model = group.model
        for claim in group.claims:
            element = claim.element
            if element is None or element.default is None or claim.direction != "request" or model is None:
                continue
            page = claim.page
            sides = [
                Side(
                    model_source(group.service),
                    "docs",
                    _norm_default(default_in(model.doc)),
                    (model_location(group.service, model),),
                ),
                Side(page.file, claim.view, _norm_default(element.default), (claim.location,)),
            ]
            shown = _answered_defaults(page, element.name)
            sides += _value_sides(
                [(_example_claim(page, ex, path, value), value) for ex, path, value in shown], "examples"
            )
            sides = [s for s in sides if s.value is not None]
            if not _differs(sides):
                continue
            for side in sides[2:]:
                if (
                    model.enum_shape
                    and side.value not in (model.enum or ())
                    and element.default in (model.enum or ())
                ):
                    hints.setdefault(model.enum_shape, {})[side.value] = element.default
            alias = [s.value for s in sides[2:]]
            out.append(
                Disagreement(
                    id=_fact_id(group.service, group.subject, "default"),
                    topic="default",
                    service=group.service,
                    operations=(page.operation,),
                    subject=group.subject,
                    what=f"Default of {element.name}: {page.file}'s table says {element.default}, "
                    + (
                        f"but its examples that omit {element.name} answer {', '.join(map(str, alias))}."
                        if alias
                        else f"botocore's documentation says {sides[0].value}."
                    ),
                    sides=tuple(sides),
                    follows={
                        AWS: f"{sides[0].value} (botocore's documentation)",
                        DOCUMENTED: f"{element.default}, the table's default"
                        + (
                            f"; the examples' {', '.join(map(str, alias))} is accepted as the page's "
                            f"spelling of it (see {group.service}.{model.enum_shape}.enum)"
                            if alias and model.enum_shape
                            else ""
                        ),
                    },
                )
            )
    return out, hints


def _example_claim(page: Page, example: Example, pointer: str, value: Any) -> Claim:
    where = Location(
        page.file,
        f"{example.locator} response body",
        example.line,
        path=pointer,
        example=example.id,
        part="response",
        value=_shown(value),
    )
    return Claim(page, "examples", "response", None, where, value=value, has_value=True)


def _answered_defaults(page: Page, name: str) -> list[tuple[Example, str, Any]]:
    """Values an example answers for ``name`` when its request left ``name`` out."""
    out = []
    for example in page.examples:
        if not example.request or not example.response or not isinstance(example.request.get("body"), dict):
            continue
        if name in example.request["body"]:
            continue
        for pointer, value in _find(example.response.get("body"), name):
            out.append((example, pointer, value))
    return out


def _find(body: Any, name: str, pointer: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(body, dict):
        for key, value in body.items():
            if key == name and not isinstance(value, dict | list):
                yield f"{pointer}/{key}", value
            yield from _find(value, name, f"{pointer}/{key}")
    elif isinstance(body, list):
        for i, item in enumerate(body):
            yield from _find(item, name, f"{pointer}/{i}")


# --- everything ------------------------------------------------------------------------------------


def element_disagreements(seeds: SeedSet) -> list[Disagreement]:
    groups = collect(seeds)
    out: list[Disagreement] = []
    for group in sorted(groups.values(), key=lambda g: (g.service, g.subject)):
        for check in (_presence, _type, _required, _deprecation):
            found = check(group)
            if found is not None:
                out.append(found)
    defaults, hints = _defaults(seeds, groups)
    out += defaults
    out += _enums(groups, hints)
    return out
