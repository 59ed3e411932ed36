"""One findings.json from several: the parts of one run split over workers or machines.

A run split with ``--shard I/N`` (one machine per shard) or ``-n N`` (pytest-xdist workers on
one machine) writes one report directory per part, each with its own findings.json and its own
cassette (which replays to that part's findings). :func:`merge_documents` joins their
findings.json documents into the document a single process would have written: the union of
the findings by id (a finding seen by several parts keeps the best example: Hypothesis's shrunk
one, else the smallest; its occurrences add up), the calls added up, a rule failed if any part
failed it, passed if any passed it, and a baseline entry stale when some part ran its rule and
no part found it.

Works from data only (the documents), never from live objects, so ``python -m harness merge``
can join directories copied from many machines. Members it does not know are kept when every
part agrees on them and dropped otherwise (the ``merged_from`` member lists the parts).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.report import validate, write_json_atomic
from harness.reporting.files import write_reports
from harness.spec.catalog import default_specs_dir

#: Members of the summary this module computes; any other summary member is kept only when
#: every part agrees on it.
_COMPUTED = frozenset(
    {
        "calls",
        "findings",
        "new_findings",
        "known_findings",
        "rules_checked",
        "rules_failed",
        "rules",
        "throttled_retries",
        "memo_replayed",
        "unchecked",
        "stale_baseline",
        "unapplied_checks",
        "example_db",
        "advisories",
        "tests",
        "causes",
    }
)

#: A rule's status in the whole run from its statuses in the parts: the first that any part has.
_PRECEDENCE = ("failed", "advisory", "passed", "not-applicable", "unchecked")


def _size(finding: Mapping[str, Any]) -> tuple[int, int]:
    """How big a finding's example is (harness.findings.Finding.size, from data)."""
    return (len(finding.get("steps") or []), len(json.dumps(finding.get("request"), sort_keys=True)))


def _better(candidate: Mapping[str, Any], current: Mapping[str, Any]) -> bool:
    if bool(candidate.get("shrunk")) != bool(current.get("shrunk")):
        return bool(candidate.get("shrunk"))
    return _size(candidate) < _size(current)


def _merge_findings(documents: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    by_id: dict[str, dict[str, Any]] = {}
    for document in documents:
        for finding in document.get("findings", []):
            current = by_id.get(finding["id"])
            if current is None:
                by_id[finding["id"]] = dict(finding)
                continue
            occurrences = int(current.get("occurrences", 1)) + int(finding.get("occurrences", 1))
            kept = dict(finding) if _better(finding, current) else current
            kept["occurrences"] = occurrences
            by_id[finding["id"]] = kept
    return [by_id[fid] for fid in sorted(by_id)]


def _merge_rules(documents: Sequence[Mapping[str, Any]]) -> tuple[dict[str, str], dict[str, str]]:
    """A rule's status from the parts that ran its tests (``summary.tests``), when any did; a part
    that only saw the rule's divergences in other tests' calls says less about it."""
    statuses: dict[str, set[str]] = {}
    own: dict[str, set[str]] = {}
    reasons: dict[str, str] = {}
    for document in documents:
        summary = document.get("summary", {})
        ran = {name.split(":", 1)[0] for name in summary.get("tests", {}) if ":" in name}
        for rule, status in summary.get("rules", {}).items():
            statuses.setdefault(rule, set()).add(status)
            if rule in ran:
                own.setdefault(rule, set()).add(status)
        for rule, reason in summary.get("unchecked", {}).items():
            reasons.setdefault(rule, reason)
    statuses.update(own)
    rules: dict[str, str] = {}
    for rule, seen in statuses.items():
        rules[rule] = next((s for s in _PRECEDENCE if s in seen), "unchecked")
    unchecked = {rule: reasons.get(rule, "") for rule, s in rules.items() if s == "unchecked"}
    return dict(sorted(rules.items())), dict(sorted(unchecked.items()))


def _member(document: Mapping[str, Any], path: Sequence[str]) -> Any:
    value: Any = document
    for name in path:
        value = value.get(name) if isinstance(value, Mapping) else None
    return value


def _agreed(values: Sequence[Any]) -> tuple[bool, Any]:
    first = values[0]
    return all(v == first for v in values[1:]), first


def merge_documents(documents: Sequence[Mapping[str, Any]], *, parts: Sequence[str] = ()) -> dict[str, Any]:
    """The findings.json of the whole run whose parts wrote ``documents``.

    The parts must be of one run: the same target name, profile and seed (a :class:`UsageError`
    says which differs). ``parts`` names them (e.g. their directories) for ``merged_from``.
    """
    if not documents:
        raise UsageError("merge: no findings.json to merge")
    for member, path in (("target name", ("target", "name")), ("profile", ("profile",)), ("seed", ("seed",))):
        read = [_member(d, path) for d in documents]
        same, _ = _agreed(read)
        if not same:
            values = ", ".join(sorted({repr(v) for v in read}))
            raise UsageError(f"merge: the parts are not of one run: their {member} differs ({values})")
    findings = _merge_findings(documents)
    rules, unchecked = _merge_rules(documents)
    # A rule with a finding failed, whatever a part said; advisories (inferred expectations,
    # harness.report) never fail a rule.
    # (As harness.report does: an unchecked rule stays unchecked.)
    hard = [f for f in findings if not f.get("advisory")]
    hard_rules = {f["rule"] for f in hard}
    for finding in findings:
        rule = finding["rule"]
        current = rules.get(rule)
        if rule in hard_rules:
            if current in (None, "passed", "advisory"):
                rules[rule] = "failed"
        elif current in (None, "passed", "failed"):
            rules[rule] = "advisory"
    summaries = [d.get("summary", {}) for d in documents]
    new = sum(1 for f in hard if f.get("baseline") != "known")
    summary: dict[str, Any] = {
        "calls": sum(int(s.get("calls", 0)) for s in summaries),
        "findings": len(findings),
        "new_findings": new,
        "known_findings": len(hard) - new,
        "rules_checked": sum(1 for s in rules.values() if s in ("passed", "failed", "advisory")),
        "rules_failed": sum(1 for s in rules.values() if s == "failed"),
        "rules": rules,
        "throttled_retries": sum(int(s.get("throttled_retries", 0)) for s in summaries),
    }
    memo = sum(int(s.get("memo_replayed", 0)) for s in summaries)
    if memo:
        summary["memo_replayed"] = memo  # each part's memo judged its own repeats
    if any("advisories" in s for s in summaries):
        summary["advisories"] = len(findings) - len(hard)
    if unchecked:
        summary["unchecked"] = unchecked
    tests = {name: t for s in summaries for name, t in s.get("tests", {}).items()}
    if tests:
        summary["tests"] = dict(sorted(tests.items()))  # each test ran in one part
    if any("cause" in f for f in findings):
        summary["causes"] = len({f.get("cause") for f in findings})
    # Stale: an entry of a rule some part ran that no part found (as a single run counts it,
    # over the rules it ran). A part lists only entries of the rules it ran itself, so an entry
    # missing from one part's list was not run there rather than found there: what was found is
    # in the findings. An advisory finding keeps no entry alive (harness.engine.session.finish).
    found = {f["id"] for f in findings if not f.get("advisory")}
    stale = sorted(set().union(*(s.get("stale_baseline", []) for s in summaries)) - found)
    if stale:
        summary["stale_baseline"] = stale
    unapplied = sorted({c for s in summaries for c in s.get("unapplied_checks", [])})
    if unapplied:
        summary["unapplied_checks"] = unapplied
    replayed = [s["example_db"] for s in summaries if isinstance(s.get("example_db"), dict)]
    if replayed:
        summary["example_db"] = {
            key: sum(int(r.get(key, 0)) for r in replayed) for key in sorted({k for r in replayed for k in r})
        }
    for key in sorted({k for s in summaries for k in s} - _COMPUTED):
        same, value = _agreed([s.get(key) for s in summaries])
        if same:
            summary[key] = value
    target = dict(documents[0].get("target", {}))
    same_url, _ = _agreed([d.get("target", {}).get("endpoint_url") for d in documents])
    if not same_url:
        target["endpoint_url"] = None  # one instance per part (e.g. one emulator per worker)
    merged: dict[str, Any] = {}
    for key in sorted({k for d in documents for k in d} - {"target", "summary", "findings"}):
        same, value = _agreed([d.get(key) for d in documents])
        if same:
            merged[key] = value
    merged.update(
        {
            "target": target,
            "started_at": min(d["started_at"] for d in documents),
            "finished_at": max(d["finished_at"] for d in documents),
            "summary": summary,
            "findings": findings,
        }
    )
    if parts:
        merged["merged_from"] = list(parts)
    return merged


def read_document(directory: Path) -> dict[str, Any]:
    path = directory / "findings.json"
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"merge: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UsageError(f"merge: {path} is not JSON ({exc})") from None
    validate(document)
    return document


def merge_directories(directories: Sequence[Path], out: Path, *, copy_cassettes: bool = True) -> Path:
    """Merge the findings.json of ``directories`` into ``out/findings.json``, with the reports
    (junit.xml, report.md, report.html) of the whole run beside it.

    Each part's cassette stays a cassette of its own (it replays to that part's findings):
    with ``copy_cassettes`` it is copied to ``out/cassettes/<n>-<directory name>.jsonl``. The
    reports' spec coverage counts the exchanges of every part's cassette.
    """
    documents = [read_document(d) for d in directories]
    merged = merge_documents(documents, parts=[str(d) for d in directories])
    out.mkdir(parents=True, exist_ok=True)
    if copy_cassettes:
        cassettes = out / "cassettes"
        for number, directory in enumerate(directories, start=1):
            source = directory / "cassette.jsonl"
            if source.is_file():
                cassettes.mkdir(exist_ok=True)
                shutil.copyfile(source, cassettes / f"{number}-{directory.resolve().name}.jsonl")
    validate(merged)
    path = write_json_atomic(out / "findings.json", merged)
    profile = str(merged.get("profile") or "aws")
    write_reports(
        out,
        merged,
        cassettes=[d / "cassette.jsonl" for d in directories],
        specs_dir=default_specs_dir() / profile,
    )
    return path
