"""``python -m harness spec lint``: every disagreement of the documents, once, with its place.

Writes ``reports/spec-lint/lint.json`` and ``lint.md`` (committed; a unit test fails when a
rerun differs). The report lists:

- each disagreement between a seed page and botocore / AWS, between the seed pages, and
  within a page (its examples or syntax against its own element table), grouped by fact
  (:mod:`harness.spectools.compare`), with every side's value and location and which claim each
  profile follows;
- every example request and response of the pages validated against both profiles'
  schemas, each failure naming the disagreement that explains it;
- what the pages' prose claims (overview paragraphs, parameter descriptions) where AWS says
  otherwise or more (:mod:`harness.spectools.prose`);
- the documented elements no example shows (coverage, not disagreement).

The output is a pure function of ``specs/sources/seed-elements.json`` (or the pages, when
present), botocore's models and the committed schemas: sorted, byte-identical on rerun.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import SpecError
from harness.spec import catalog
from harness.spectools import comparison, seeds
from harness.spectools.disagreements import KIND_ORDER, Disagreement, Location, Side
from harness.spectools.seeds import Example, Page, SeedSet
from harness.spectools.sources import botocore_version

FORMAT = "harness spec lint 1"
PROFILES = ("aws", "documented")


def default_out_dir() -> Path:
    """``reports/spec-lint/`` of the checkout: the lint report is committed beside the code."""
    return Path(__file__).resolve().parents[2] / "reports" / "spec-lint"


# --- examples against the schemas -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    """One way an example body fails a profile's schema."""

    pointer: str
    keyword: str
    message: str


@dataclass(frozen=True, slots=True)
class ExampleCheck:
    file: str
    operation: str
    example: str
    part: str
    profile: str
    failures: tuple[Failure, ...]


def _pointer(path: Any) -> str:
    return "".join(f"/{p}" for p in path)


def failures(validator: Any, body: Any) -> tuple[Failure, ...]:
    """Every failure of ``body``, located at the member it is about.

    ``additionalProperties`` and ``required`` are reported at the member they name, so they
    meet the lint's locations; ``if``/``then`` at the root, as the schema says."""
    out: set[Failure] = set()
    for error in validator.iter_errors(body):
        at = _pointer(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set((error.schema or {}).get("properties") or {})
            for name in sorted(set(error.instance) - known):
                out.add(Failure(f"{at}/{name}", "additionalProperties", f"{name} is not a member"))
        elif error.validator == "required" and isinstance(error.instance, dict):
            for name in error.validator_value:
                if name not in error.instance:
                    out.add(Failure(f"{at}/{name}", "required", f"{name} is required"))
        else:
            message = " ".join(str(error.message).split())
            out.add(Failure(at, str(error.validator), message[:160]))
    return tuple(sorted(out, key=lambda f: (f.pointer, f.keyword, f.message)))


def check_examples(seed_set: SeedSet, specs_dir: Path | None = None) -> list[ExampleCheck]:
    """Every example body of every page against both profiles' schemas."""
    out = []
    for page in seed_set.pages:
        for profile in PROFILES:
            spec = catalog.load(profile, specs_dir)
            operation = spec.operation(page.service, page.operation)
            for example in page.examples:
                for part in ("request", "response"):
                    shown = getattr(example, part)
                    if not shown or shown.get("body") is None:
                        continue
                    validator = (
                        operation.request_validator if part == "request" else operation.response_validator
                    )
                    if validator is None:
                        raise SpecError(
                            f"{page.operation} documents no response body, yet {page.file} shows one"
                        )
                    out.append(
                        ExampleCheck(
                            page.file,
                            page.operation,
                            example.id,
                            part,
                            profile,
                            failures(validator, shown["body"]),
                        )
                    )
    return out


_INDEX = re.compile(r"/\d+(?=/|$)")


#: The topics of disagreement that can explain a failing schema keyword.
_EXPLAINS = {
    "type": {"type", "format"},
    "enum": {"enum", "default"},
    "const": {"enum", "default"},
    "pattern": {"format"},
    "minLength": {"constraint", "format"},
    "maxLength": {"constraint", "format"},
    "additionalProperties": {"presence", "name"},
    "required": {"presence", "name", "required"},
}


def covering(found: tuple[Disagreement, ...], check: ExampleCheck, failure: Failure) -> list[str]:
    """Ids of the disagreements about the member ``failure`` is at (same example, same member),
    of a topic that explains the failing keyword."""
    topics = _EXPLAINS.get(failure.keyword)
    ids = []
    for fact in found:
        if topics is not None and fact.topic not in topics:
            continue
        for where in fact.locations:
            if (
                where.file == check.file
                and where.example == check.example
                and where.part == check.part
                and where.path == failure.pointer
            ):
                ids.append(fact.id)
                break
    return ids


def _unexplained(check: ExampleCheck, failure: Failure, page: Page, example: Example) -> Disagreement:
    """A failure no element, value or format disagreement explains: it becomes its own entry."""
    where = Location(
        check.file,
        f"{example.locator} {check.part} body",
        example.line,
        path=failure.pointer,
        example=check.example,
        part=check.part,
    )
    slug = _INDEX.sub("/*", failure.pointer).strip("/").replace("/", ".") or "root"
    return Disagreement(
        id=f"{page.service}.{page.operation}.{check.example}.{check.part}.{slug}.{failure.keyword}",
        topic="constraint",
        service=page.service,
        operations=(page.operation,),
        subject=f"{page.operation} {check.example} {check.part} {failure.pointer or '/'}",
        what=f"{check.example} of {check.file} fails the {check.profile} schema at {failure.pointer or '/'}: "
        f"{failure.message}.",
        sides=(
            Side(
                f"specs/{check.profile}",
                "model",
                failure.keyword,
                (Location(f"specs/{check.profile}", failure.pointer),),
            ),
            Side(check.file, "examples", failure.message, (where,)),
        ),
        follows={check.profile: f"the schema ({failure.keyword})"},
    )


# --- the report ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Report:
    seed_set: SeedSet
    disagreements: tuple[Disagreement, ...]
    examples: tuple[ExampleCheck, ...]
    explained: dict[tuple[str, str, str, str, str, str], list[str]]
    """(file, example, part, profile, pointer, keyword) -> disagreement ids."""


def run(seed_set: SeedSet | None = None, specs_dir: Path | None = None) -> Report:
    seed_set = seed_set or seeds.current(specs_dir)
    found = list(comparison.disagreements(seed_set))
    checks = check_examples(seed_set, specs_dir)
    explained: dict[tuple[str, str, str, str, str, str], list[str]] = {}
    for check in checks:
        page = seed_set.page(check.file)
        example = next(e for e in page.examples if e.id == check.example)
        for failure in check.failures:
            ids = covering(tuple(found), check, failure)
            if not ids:
                extra = _unexplained(check, failure, page, example)
                if extra.id not in {d.id for d in found}:
                    found.append(extra)
                ids = [extra.id]
            key = (check.file, check.example, check.part, check.profile, failure.pointer, failure.keyword)
            explained[key] = sorted(ids)
    return Report(seed_set, tuple(sorted(found, key=lambda d: d.id)), tuple(checks), explained)


def _coverage(page: Page) -> list[str]:
    """Documented elements that no example of the page shows."""
    if not page.examples:
        return ["(the page has no examples)"]
    shown: set[str] = set()
    for example in page.examples:
        for part in ("request", "response"):
            body = (getattr(example, part) or {}).get("body")
            shown |= {f"{part}:{p}" for p in _paths(body)}
    missing = []
    for direction in ("request", "response"):
        for element in page.elements(direction, "table"):
            if f"{direction}:{element.path}" not in shown:
                missing.append(f"{direction} {element.path} ({element.locator}, line {element.line})")
    return missing


def _paths(body: Any, prefix: str = "") -> set[str]:
    out: set[str] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            path = f"{prefix}/{key}" if prefix else key
            out.add(path)
            out |= _paths(value, path)
    elif isinstance(body, list):
        for item in body:
            out |= _paths(item, prefix)
    return out


def to_json(report: Report) -> dict[str, Any]:
    found = report.disagreements
    by_kind = Counter(k for d in found for k in d.kinds)
    by_topic = Counter(d.topic for d in found)
    by_page = Counter(s for d in found for s in sorted({side.source for side in d.sides if side.on_page}))
    examples = []
    for check in report.examples:
        examples.append(
            {
                "file": check.file,
                "operation": check.operation,
                "example": check.example,
                "part": check.part,
                "profile": check.profile,
                "valid": not check.failures,
                "failures": [
                    {
                        "pointer": f.pointer,
                        "keyword": f.keyword,
                        "message": f.message,
                        "lint": report.explained[
                            (check.file, check.example, check.part, check.profile, f.pointer, f.keyword)
                        ],
                    }
                    for f in check.failures
                ],
            }
        )
    return {
        "format": FORMAT,
        "x-source": "python -m harness spec lint (harness/spec/lint.py)",
        "inputs": {
            "seed-elements": seeds.SOURCES_FILE,
            "botocore": botocore_version(),
            "pages": [
                {"file": p.file, "sha256": p.sha256, "service": p.service, "operation": p.operation}
                for p in report.seed_set.pages
            ],
        },
        "summary": {
            "disagreements": len(found),
            "by-kind": {k: by_kind[k] for k in KIND_ORDER if by_kind[k]},
            "by-topic": dict(sorted(by_topic.items())),
            "by-page": dict(sorted(by_page.items())),
            "examples-validated": len(report.examples),
            "examples-failing": sum(1 for c in report.examples if c.failures),
            "examples-failing-by-profile": {
                p: sum(1 for c in report.examples if c.failures and c.profile == p) for p in PROFILES
            },
        },
        "disagreements": [d.to_json() for d in found],
        "examples": examples,
        "coverage": {
            p.file: {"documented-not-shown-in-any-example": _coverage(p)} for p in report.seed_set.pages
        },
        "notes": {p.file: list(p.notes) for p in report.seed_set.pages if p.notes},
    }


# --- Markdown -----------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return "(absent)"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text.replace("|", "\\|").replace("\n", " ")


def _where(location: dict[str, Any]) -> str:
    parts = [location["file"], location["element"]]
    if "line" in location:
        parts.append(f"line {location['line']}")
    if "path" in location:
        parts.append(location["path"])
    text = ", ".join(str(p) for p in parts)
    if "value" in location:
        text += f" = {_cell(location['value'])}"
    return text


_TOPIC_TITLES = {
    "name": "Names",
    "presence": "Members documented on one side only",
    "type": "Types",
    "required": "Required members",
    "deprecation": "Deprecated members",
    "enum": "Enum values",
    "default": "Defaults",
    "format": "Value formats",
    "error": "Error codes",
    "constraint": "Constraints",
    "prose": "Prose: overview paragraphs and parameter descriptions",
}


def to_markdown(doc: dict[str, Any]) -> str:
    summary = doc["summary"]
    lines = [
        "# Spec lint: where the seed pages, botocore and AWS's documentation disagree",
        "",
        "Generated by `python -m harness spec lint` from "
        f"`specs/{doc['inputs']['seed-elements']}` and botocore {doc['inputs']['botocore']}; "
        "do not edit (a unit test compares it with a rerun).",
        "",
        "Each entry is one fact the sources do not agree on, listed once with every source's claim "
        "(its *sides*) and where each claim is made. *Kinds*: `page-vs-aws` (a page against botocore, "
        "AWS's documentation or the rulebook), `page-vs-page` (the two vendor pages against each "
        "other), `within-page` (a page's examples, syntax block or prose against its own element "
        "table), `aws-vs-aws` (botocore against AWS's documentation, where the schemas take a side). "
        "*Follows* says what each spec profile does: `aws` (AWS's documented API) and `documented` "
        "(the vendor pages, `--profile documented`). An optional member an example leaves out is not "
        "a disagreement; the coverage section lists those.",
        "",
        f"**{summary['disagreements']} disagreements.**",
        "",
        "| count by | |",
        "|---|---|",
        "| kind | " + ", ".join(f"{k} {v}" for k, v in summary["by-kind"].items()) + " |",
        "| topic | " + ", ".join(f"{k} {v}" for k, v in summary["by-topic"].items()) + " |",
        "| page | " + ", ".join(f"{k} {v}" for k, v in summary["by-page"].items()) + " |",
        f"| examples | {summary['examples-validated']} bodies validated against a profile, "
        f"{summary['examples-failing']} fail ("
        + ", ".join(f"{k} {v}" for k, v in summary["examples-failing-by-profile"].items())
        + "; each failure names its entry below) |",
        "",
    ]
    entries = doc["disagreements"]
    for topic, title in _TOPIC_TITLES.items():
        chosen = [e for e in entries if e["topic"] == topic]
        if not chosen:
            continue
        lines += [f"## {title} ({len(chosen)})", ""]
        for entry in chosen:
            lines += [
                f"### `{entry['id']}`",
                "",
                entry["what"],
                "",
                f"Kinds: {', '.join(entry['kinds']) or '-'}. Operations: {', '.join(entry['operations'])}.",
                "",
                "| source | view | value | where |",
                "|---|---|---|---|",
            ]
            for side in entry["sides"]:
                where = "<br>".join(_cell(_where(w)) for w in side["where"])
                lines.append(
                    f"| {_cell(side['source'])} | {side['view']} | {_cell(side['value'])} | {where} |"
                )
            lines.append("")
            for profile, text in entry["follows"].items():
                lines.append(f"- **{profile}** follows: {text}")
            lines.append("")
    lines += [
        "## Examples against the schemas",
        "",
        "| page | example | part | profile | result |",
        "|---|---|---|---|---|",
    ]
    for check in doc["examples"]:
        if check["valid"]:
            result = "valid"
        else:
            result = "<br>".join(
                f"{f['pointer'] or '/'} {f['keyword']}: {', '.join('`' + i + '`' for i in f['lint'])}"
                for f in check["failures"]
            )
        cells = (check["file"], check["example"], check["part"], check["profile"], _cell(result))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "## Documented elements no example shows", ""]
    for file, cover in doc["coverage"].items():
        missing = cover["documented-not-shown-in-any-example"]
        lines.append(f"- {file}: " + ("; ".join(missing) if missing else "none"))
    lines += ["", "## Extraction notes", ""]
    for file, notes in doc["notes"].items():
        for note in notes:
            lines.append(f"- {file}: {note}")
    return "\n".join(lines) + "\n"


def render(seed_set: SeedSet | None = None, specs_dir: Path | None = None) -> dict[str, str]:
    """``{"lint.json": text, "lint.md": text}``."""
    doc = to_json(run(seed_set, specs_dir))
    return {
        "lint.json": json.dumps(doc, indent=2, ensure_ascii=False) + "\n",
        "lint.md": to_markdown(doc),
    }


def write(out_dir: Path, files: dict[str, str]) -> None:
    """Write both files or neither (each through a temporary file and a rename)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = []
    try:
        for name, text in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=out_dir)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            staged.append((tmp, out_dir / name))
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            if os.path.exists(tmp):
                os.unlink(tmp)


def main(args: argparse.Namespace) -> int:
    specs_dir = Path(args.specs) if getattr(args, "specs", None) else None
    out_dir = Path(args.out) if getattr(args, "out", None) else default_out_dir()
    files = render(specs_dir=specs_dir)
    try:
        write(out_dir, files)
    except OSError as exc:
        raise SpecError(f"cannot write the lint report to {out_dir}: {exc}") from None
    summary = json.loads(files["lint.json"])["summary"]
    print(
        f"wrote {out_dir / 'lint.json'} and lint.md: {summary['disagreements']} disagreements "
        f"({', '.join(f'{k} {v}' for k, v in summary['by-kind'].items())}); "
        f"{summary['examples-failing']} of {summary['examples-validated']} example bodies "
        "fail a profile's schema"
    )
    return 0
