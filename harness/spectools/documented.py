"""The ``documented`` profile: the vendor pages' API, built over the ``aws`` profile.

A vendor can be certified against its own documentation as well as against AWS. The
profile starts from the ``aws`` files and applies, for each disagreement the spec lint
finds (:mod:`harness.spectools.compare`), the resolution it records, so the lint's "which one
each profile follows" is exactly what this module does:

- spellings the pages use for a member (``QAccountId``, ``AccountId``) are added beside
  AWS's (``memberAliases`` in service.json names the AWS member each stands for);
- enum values the pages use are added (``valueAliases``: ``ENABLED`` -> ``Enabled``);
- value formats the pages document replace AWS's (the vendor's key ARN form);
- error codes the pages list are added to the operation (``errorAliases``:
  ``KMSNotFoundException`` -> ``NotFoundException``);
- lengths the pages' text allows are relaxed (an empty Payment Cryptography tag value).

Where a page is silent (a member botocore has and the page does not mention), the
profile keeps AWS's member: silence is not a contradiction. Where pages contradict each
other, the profile accepts every documented variant rather than guessing. Every property
a page documents cites it (file, element, line) in ``x-source``.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from typing import Any

from harness.spectools import comparison
from harness.spectools.build import Files, error_body, error_entry
from harness.spectools.disagreements import Disagreement
from harness.spectools.seeds import SOURCES_FILE, Page, SeedSet
from harness.spectools.sources import SERVICES, botocore_model

PROFILE = "documented"

_SOURCE = re.compile(r"botocore \S+ (?P<parent>\w+)\.(?P<member>\w+) \(shape (?P<shape>\w+)\)")


def _shape_of(prop: dict[str, Any]) -> tuple[str, str] | None:
    """(structure, shape) of a property, from the ``x-source`` the aws build wrote."""
    match = _SOURCE.search(str(prop.get("x-source", "")))
    return (match.group("parent"), match.group("shape")) if match else None


def _objects(schema: Any) -> Iterator[dict[str, Any]]:
    """Every object schema with ``properties`` (not the constraint entries of ``allOf``)."""
    if not isinstance(schema, dict):
        return
    if isinstance(schema.get("properties"), dict):
        yield schema
        for prop in schema["properties"].values():
            yield from _objects(prop)
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from _objects(schema[key])


def _properties(files: Files) -> Iterator[dict[str, Any]]:
    for name, doc in files.items():
        if name == "service.json":
            continue
        for node in _objects(doc):
            yield from node["properties"].values()


def _with_shape(files: Files, shape: str) -> Iterator[dict[str, Any]]:
    for prop in _properties(files):
        found = _shape_of(prop)
        if found and found[1] == shape:
            yield prop


def _append_source(node: dict[str, Any], text: str) -> None:
    node["x-source"] = f"{node['x-source']}; {text}" if node.get("x-source") else text


def _pages_of(fact: Disagreement) -> str:
    return ", ".join(sorted({s.source for s in fact.sides if s.on_page}))


# --- resolutions --------------------------------------------------------------------------------


def _add_member(files: Files, fact: Disagreement, service: dict[str, Any]) -> None:
    params = fact.resolution.params
    like = params.get("like")
    if like is None:
        _add_page_member(files, fact)
        return
    for doc_name, doc in files.items():
        if doc_name == "service.json":
            continue
        for node in _objects(doc):
            props = node["properties"]
            model = props.get(like)
            if model is None or (_shape_of(model) or ("",))[0] != params["parent"]:
                continue
            rebuilt: dict[str, Any] = {}
            for name, prop in props.items():
                rebuilt[name] = prop
                if name != like:
                    continue
                for alias in params["names"]:
                    added = copy.deepcopy(model)
                    added["x-source"] = (
                        f"the vendor pages' spelling of {like} ({_pages_of(fact)}; lint {fact.id}); "
                        + str(model["x-source"])
                    )
                    added["x-spelling-of"] = like
                    rebuilt[alias] = added
            props.clear()
            props.update(rebuilt)
    aliases = service.setdefault("memberAliases", {})
    for alias in params["names"]:
        aliases[alias] = like


def _add_page_member(files: Files, fact: Disagreement) -> None:
    """A member only a page documents, added to the structure that page puts it in."""
    params = fact.resolution.params
    (name,) = params["names"]
    for doc_name, doc in files.items():
        if doc_name == "service.json":
            continue
        for node in _objects(doc):
            props = node["properties"]
            parents = {(_shape_of(p) or ("",))[0] for p in props.values()}
            if params["parent"] not in parents or name in props:
                continue
            added: dict[str, Any] = {
                "x-source": f"{params['source']} (lint {fact.id}); not a botocore member"
            }
            if params.get("type"):
                added["type"] = params["type"]
            props[name] = added


def _extend_enum(files: Files, fact: Disagreement, service: dict[str, Any]) -> None:
    params = fact.resolution.params
    for prop in _with_shape(files, params["shape"]):
        target = prop["items"] if prop.get("type") == "array" else prop
        target["enum"] = list(target["enum"]) + [v for v in params["values"] if v not in target["enum"]]
        _append_source(prop, f"values {', '.join(params['values'])}: {_pages_of(fact)} (lint {fact.id})")
    if params["aliases"]:
        values = service.setdefault("valueAliases", {})
        for member in params["members"]:
            values.setdefault(member, {}).update(params["aliases"])


def _pattern(files: Files, fact: Disagreement, service: dict[str, Any]) -> None:
    params = fact.resolution.params
    for prop in _with_shape(files, params["shape"]):
        prop["pattern"] = params["pattern"]
        _append_source(prop, f"pattern: the form {_pages_of(fact)} show (lint {fact.id})")


def _min_length(files: Files, fact: Disagreement, service: dict[str, Any]) -> None:
    params = fact.resolution.params
    for prop in _with_shape(files, params["shape"]):
        prop["minLength"] = params["minLength"]
        _append_source(
            prop, f"minLength {params['minLength']}: the text of {_pages_of(fact)} (lint {fact.id})"
        )


def _add_error(files: Files, fact: Disagreement, service: dict[str, Any]) -> None:
    params = fact.resolution.params
    code, alias_of, operation = params["code"], params["alias_of"], params["operation"]
    page_side = next(s for s in fact.sides if s.on_page)
    citation = f"seed {page_side.source} {page_side.where[0].element} (line {page_side.where[0].line})"
    errors = service["operations"][operation]["errors"]
    if code not in errors:
        errors.append(code)
    table = service["errors"]
    if code not in table:
        if alias_of:
            entry = copy.deepcopy(table[alias_of])
            entry["x-source"] = (
                f"{citation}: the page's spelling of {alias_of} (lint {fact.id}); {entry['x-source']}"
            )
        else:
            entry = _error_entry(fact.service, code, citation, fact.id)
        table[code] = entry
        service["errors"] = dict(sorted(table.items()))
    if alias_of:
        service.setdefault("errorAliases", {})[code] = alias_of


def _error_entry(service: str, code: str, citation: str, fact_id: str) -> dict[str, Any]:
    source = SERVICES[service]
    model = botocore_model(service)
    if code in model["shapes"]:
        entry = error_entry(source, model, code)
        entry["x-source"] = f"{citation} (lint {fact_id}); {entry['x-source']}"
        return entry
    message = "message" if service == "kms" else "Message"
    return {
        "fault": "client",
        "members": [message],
        "description": None,
        "x-source": f"{citation} (lint {fact_id})",
        "body": error_body({message: {"type": "string"}}),
    }


_APPLY = {
    "add-member": _add_member,
    "extend-enum": _extend_enum,
    "pattern": _pattern,
    "min-length": _min_length,
    "add-error": _add_error,
}


# --- citations of the pages ------------------------------------------------------------------------


def _node_at(schema: dict[str, Any], path: str) -> dict[str, Any] | None:
    node: Any = schema
    for part in path.split("/"):
        while isinstance(node, dict) and "properties" not in node:
            if isinstance(node.get("items"), dict):
                node = node["items"]
            elif isinstance(node.get("additionalProperties"), dict):
                node = node["additionalProperties"]
            else:
                return None
        node = node["properties"].get(part) if isinstance(node, dict) else None
        if node is None:
            return None
    return node if isinstance(node, dict) else None


def _cite_page(files: Files, page: Page) -> None:
    service = files["service.json"]
    operation = service["operations"][page.operation]
    operation.setdefault("documentedBy", []).append(page.file)
    for direction in ("request", "response"):
        name = operation.get(direction)
        if not name:
            continue
        schema = files[name]
        _append_source(schema, f"seed {page.file} ({page.operation} page)")
        cited: dict[str, list[str]] = {}
        for element in page.elements(direction):
            cited.setdefault(element.path, []).append(page.cite(element.locator, element.line))
        for path, citations in cited.items():
            node = _node_at(schema, path)
            if node is not None:
                node["x-source"] = "; ".join([*citations, str(node.get("x-source", ""))])
    for header in page.headers:
        entry = operation["headers"].get(header.name)
        if entry is not None:
            _append_source(entry, page.cite(header.locator, header.line))
    sources = operation.setdefault("errorSources", {})
    for error in page.errors:
        sources[error.code] = page.cite(error.locator, error.line)
    operation["errorSources"] = dict(sorted(sources.items()))


def build(aws: dict[str, Files], seeds: SeedSet) -> dict[str, Files]:
    """The ``documented`` profile: service -> file name -> document."""
    facts = comparison.disagreements(seeds)
    out: dict[str, Files] = {}
    for service_name, aws_files in aws.items():
        files = copy.deepcopy(aws_files)
        service = files["service.json"]
        for fact in facts:
            if fact.service == service_name and fact.resolution.action in _APPLY:
                _APPLY[fact.resolution.action](files, fact, service)
        for page in seeds.pages_for(service_name):
            _cite_page(files, page)
        for name, doc in files.items():
            if name != "service.json":
                doc["title"] = f"{doc['title']} (documented profile)"
        pages = sorted(p.file for p in seeds.pages_for(service_name))
        service["profile"] = PROFILE
        service["x-source"] = (
            f"{service['x-source']}; the seed pages {', '.join(pages)} ({SOURCES_FILE}), "
            "as reports/spec-lint/lint.md lists them"
        )
        for key in ("errorAliases", "memberAliases", "valueAliases"):
            if key in service:
                service[key] = _sorted(service[key])
        out[service_name] = files
    return out


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(v) for k, v in sorted(value.items())}
    return value
