"""``python -m harness verify BUNDLE``: check a certification bundle with no endpoint.

BUNDLE is a bundle directory or its ``.tar.gz``. A tarball is read member by member into a
private temporary directory: only regular files named ``certification/<a bundle file>`` are
taken; a link, a device, a path outside that directory, a duplicate or an oversized member makes
the bundle invalid, and nothing is extracted anywhere else.

The checks, in order; the first that fails names the inconsistency (exit 2):

1. every bundle file is there, no other, and each matches its SHA-256 in manifest.json;
2. the harness version is this one, the spec profile is known and its specs' digest is this
   harness's, the settings are at least the certification settings, and the required rules
   and tests are exactly this harness's;
3. findings.json keeps its contract, says what the manifest says (version, profile, seed,
   settings) and binds the cassette (its SHA-256 and number of exchanges, ``summary.calls``);
   PRODUCT.toml is the rendering of its product, which agrees with its target;
4. every required test has a verdict in findings.json and every required rule is in
   ``summary.rules`` (``failed`` exactly when a finding fails it) and in junit.xml, whose every
   verdict is the one findings.json gives; junit.xml, report.md and report.html are exactly what
   this harness renders from findings.json and the cassette; the manifest's result is the
   verdict of findings.json (harness.certification.verdicts);
5. the cassette replays offline through the judge to exactly the recorded findings (same ids,
   rules, kinds, advisories); every test recorded as passed has a call in the cassette that
   exercised its rule, every state machine recorded as run has calls, and none recorded as not
   run has any; every test recorded as not applicable met an operation the replay shows is not
   implemented.

Then exit 0 when the target is conformant (every required rule passed, every state machine
ran), else 1 with the rules that failed or could not run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import tarfile
import tempfile
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.certification import bundle as bundles
from harness.certification import product as products
from harness.certification.evidence import carries_tokens, replay
from harness.certification.settings import Settings, required
from harness.certification.verdicts import NOT_RUN, STATEFUL, TEST_STATUSES, Result, verdicts
from harness.errors import HarnessError, UsageError
from harness.report import HARNESS_VERSION, validate
from harness.reporting.files import write_reports
from harness.reporting.outcomes import rule_outcomes
from harness.spec import catalog

#: A member larger than this is refused (a certification cassette is tens of megabytes).
MAX_MEMBER_BYTES = 1 << 30


class Invalid(HarnessError):
    """The bundle is not a valid certification bundle: tampered, incomplete or inconsistent."""

    def __init__(self, problem: str):
        super().__init__(f"invalid certification bundle: {problem}")


@dataclass(frozen=True)
class Verified:
    result: Result
    manifest: Mapping[str, Any]
    product: Mapping[str, Any]
    exchanges: int
    record_only: list[str] = field(default_factory=list)
    """Verdicts the replay could not re-derive: their checks need bytes (signatures, plaintexts)
    the cassette keeps only as length and digest (harness.redaction)."""

    def lines(self) -> list[str]:
        p = self.product
        m = self.manifest
        settings = m.get("settings") or {}
        head = (
            f"valid certification bundle: {p.get('product')} {p.get('version')} "
            f"(vendor: {p.get('vendor')}; contact: {p.get('contact')}), profile {m.get('profile')}, "
            f"harness {m.get('harness_version')}, seed {settings.get('seed')}, "
            f"{self.exchanges} exchanges replayed"
        )
        verdict = "CONFORMANT" if self.result.conformant else "NOT CONFORMANT"
        lines = self.result.lines()
        out = [head]
        if self.record_only:
            shown = ", ".join(self.record_only[:3]) + (" ..." if len(self.record_only) > 3 else "")
            out.append(
                f"taken from the record, not re-derived offline ({len(self.record_only)}; their checks "
                f"need bytes the cassette keeps only as digests): {shown}"
            )
        return [*out, f"{verdict}: {lines[0]}", *lines[1:]]


# -- reading a bundle -----------------------------------------------------------------------------


@contextlib.contextmanager
def opened(path: Path) -> Iterator[Path]:
    """The bundle directory at ``path``, or the tarball at ``path`` extracted safely."""
    if path.is_symlink():
        raise UsageError(f"verify: {path} is a symbolic link; give the bundle itself")
    if path.is_dir():
        yield path
        return
    if not path.is_file():
        raise UsageError(f"verify: {path}: no such bundle (a certification directory or its .tar.gz)")
    work = Path(tempfile.mkdtemp(prefix="harness-verify-"))
    try:
        _extract(path, work)
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _extract(path: Path, into: Path) -> None:
    allowed = {*bundles.FILES, bundles.MANIFEST}
    try:
        tar = tarfile.open(path, mode="r:gz")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise UsageError(f"verify: {path} is neither a bundle directory nor a .tar.gz ({exc})") from None
    seen: set[str] = set()
    try:
        with tar:
            for member in tar:
                name = member.name
                if member.isdir() and name.rstrip("/") == bundles.DIRECTORY:
                    continue
                top, slash, base = name.partition("/")
                if top != bundles.DIRECTORY or not slash or base not in allowed:
                    raise Invalid(f"{path.name}: member {name!r} is not a file of a bundle's certification/")
                if not member.isreg():
                    raise Invalid(f"{path.name}: member {name!r} is not a regular file (links are refused)")
                if base in seen:
                    raise Invalid(f"{path.name}: member {name!r} appears twice")
                if member.size > MAX_MEMBER_BYTES:
                    raise Invalid(f"{path.name}: member {name!r} is larger than {MAX_MEMBER_BYTES} bytes")
                seen.add(base)
                source = tar.extractfile(member)
                if source is None:
                    raise Invalid(f"{path.name}: member {name!r} cannot be read")
                with source, (into / base).open("xb") as out:
                    shutil.copyfileobj(source, out)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise Invalid(f"{path.name} is a corrupt tarball ({exc})") from None


def _json(directory: Path, name: str) -> Any:
    try:
        return json.loads((directory / name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise Invalid(f"{name} is not JSON ({exc})") from None


# -- the checks -----------------------------------------------------------------------------------


def _files(directory: Path) -> dict[str, Any]:
    entries = {p.name: p for p in directory.iterdir()}
    if bundles.MANIFEST not in entries:
        raise Invalid(f"{bundles.MANIFEST} is missing")
    for name, entry in sorted(entries.items()):
        if entry.is_symlink() or not entry.is_file():
            raise Invalid(f"{name} is not a regular file (links and directories are refused)")
    manifest = _json(directory, bundles.MANIFEST)
    if not isinstance(manifest, dict):
        raise Invalid(f"{bundles.MANIFEST} is not a JSON object")
    if manifest.get("format") != bundles.FORMAT:
        raise Invalid(f"{bundles.MANIFEST}: format {manifest.get('format')!r} is not {bundles.FORMAT!r}")
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        raise Invalid(f"{bundles.MANIFEST} has no files")
    for name in bundles.FILES:
        if name not in listed:
            raise Invalid(f"{bundles.MANIFEST} does not list {name}")
        if name not in entries:
            raise Invalid(f"{name} is missing")
    for name in sorted(set(listed) - set(bundles.FILES)):
        raise Invalid(f"{bundles.MANIFEST} lists {name!r}, which is not a bundle file")
    for name in sorted(set(entries) - {*bundles.FILES, bundles.MANIFEST}):
        raise Invalid(f"unexpected file {name!r} (not in {bundles.MANIFEST})")
    for name in bundles.FILES:
        if bundles.sha256_file(directory / name) != listed[name]:
            raise Invalid(
                f"{name} does not match its SHA-256 in {bundles.MANIFEST} (changed after the bundle was made)"
            )
    return manifest


def _harness(manifest: Mapping[str, Any]) -> tuple[str, Settings, list[str], list[str]]:
    version = manifest.get("harness_version")
    if version != HARNESS_VERSION:
        raise Invalid(
            f"made by harness {version!r}; this is harness {HARNESS_VERSION} (verify it with that version)"
        )
    profile = str(manifest.get("profile"))
    if not re.fullmatch(r"[a-z][a-z0-9-]*", profile) or not (catalog.default_specs_dir() / profile).is_dir():
        raise Invalid(f"spec profile {profile!r} is not one this harness knows")
    if manifest.get("specs_sha256") != bundles.specs_digest(profile):
        raise Invalid(
            f"the specs of profile {profile!r} it was judged with are not this harness's "
            "(specs_sha256 differs)"
        )
    raw = manifest.get("settings")
    try:
        settings = Settings(**{k: int(raw[k]) for k in Settings.__slots__})  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        raise Invalid(
            f"{bundles.MANIFEST}: settings {raw!r} are not seed, examples, shrink_calls, stateful_steps"
        ) from None
    weaker = settings.below(required())
    if weaker:
        raise Invalid(f"not made at the certification settings: {weaker}")
    rules, tests = bundles.required_rules(), bundles.required_tests()
    for key, mine in (("required_rules", rules), ("required_tests", tests)):
        theirs = manifest.get(key)
        if theirs != mine:
            theirs = theirs if isinstance(theirs, list) else []
            missing = [x for x in mine if x not in theirs]
            extra = [x for x in theirs if x not in mine]
            what = (
                f"lacks {missing[0]!r}"
                if missing
                else (f"adds {extra[0]!r}" if extra else "is in another order")
            )
            raise Invalid(f"{bundles.MANIFEST} {key} differ from this harness's ({what})")
    return profile, settings, rules, tests


def _findings(directory: Path, manifest: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    document = _json(directory, bundles.FINDINGS)
    if not isinstance(document, dict):
        raise Invalid(f"{bundles.FINDINGS} is not a JSON object")
    try:
        validate(document)
    except HarnessError as exc:
        raise Invalid(f"{bundles.FINDINGS}: {str(exc).removeprefix('internal error: ')}") from None
    for key, expected in (
        ("harness_version", manifest.get("harness_version")),
        ("profile", manifest.get("profile")),
        ("seed", settings.seed),
    ):
        if document.get(key) != expected:
            raise Invalid(
                f"{bundles.FINDINGS} says {key} {document.get(key)!r}, {bundles.MANIFEST} {expected!r}"
            )
    cert = document.get("certification")
    if not isinstance(cert, dict):
        raise Invalid(f"{bundles.FINDINGS} has no certification member")
    if cert.get("settings") != settings.to_dict():
        raise Invalid(
            f"{bundles.FINDINGS} records settings {cert.get('settings')!r}, "
            f"{bundles.MANIFEST} {settings.to_dict()!r}"
        )
    facts = bundles.cassette_facts(directory / bundles.CASSETTE)
    recorded = cert.get("cassette") or {}
    if recorded.get("sha256") != facts["sha256"]:
        raise Invalid(
            f"{bundles.CASSETTE} is not the cassette {bundles.FINDINGS} was written with "
            "(its SHA-256 differs)"
        )
    if (
        recorded.get("exchanges") != facts["exchanges"]
        or (document.get("summary") or {}).get("calls") != facts["exchanges"]
    ):
        raise Invalid(
            f"{bundles.CASSETTE} holds {facts['exchanges']} exchanges; {bundles.FINDINGS} records "
            f"{recorded.get('exchanges')} (certification.cassette) and "
            f"{(document.get('summary') or {}).get('calls')} calls (summary.calls)"
        )
    return document


def _product(directory: Path, document: Mapping[str, Any]) -> Mapping[str, Any]:
    product = (document.get("certification") or {}).get("product")
    if not isinstance(product, dict):
        raise Invalid(f"{bundles.FINDINGS} has no certification.product")
    text = (directory / bundles.PRODUCT).read_text(encoding="utf-8", errors="replace")
    try:
        tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise Invalid(f"{bundles.PRODUCT} is not TOML ({exc})") from None
    if text != products.render(product):
        raise Invalid(f"{bundles.PRODUCT} is not the product {bundles.FINDINGS} records")
    problem = products.disagreement(product, document.get("target") or {})
    if problem:
        raise Invalid(f"{bundles.PRODUCT}: {problem}")
    return product


def _junit_verdicts(directory: Path) -> dict[str, str]:
    try:
        root = ET.parse(directory / "junit.xml").getroot()
    except (ET.ParseError, OSError) as exc:
        raise Invalid(f"junit.xml is not XML ({exc})") from None
    out: dict[str, str] = {}
    for case in root.iter("testcase"):
        name = str(case.get("name"))
        failure, skipped = case.find("failure"), case.find("skipped")
        status = (
            "failed"
            if failure is not None
            else (str(skipped.get("type")) if skipped is not None else "passed")
        )
        if name in out:
            raise Invalid(f"junit.xml has testcase {name} twice")
        out[name] = status
    return out


def _verdicts(directory: Path, document: Mapping[str, Any], rules: list[str], tests: list[str]) -> None:
    summary: Mapping[str, Any] = document.get("summary") or {}
    recorded: Mapping[str, Any] = summary.get("tests") or {}
    for name in tests:
        value = recorded.get(name)
        status = value.get("status") if isinstance(value, Mapping) else None
        if status not in TEST_STATUSES:
            raise Invalid(f"{bundles.FINDINGS} gives required test {name} no verdict ({status!r})")
    for name in sorted(set(recorded) - set(tests)):
        raise Invalid(f"{bundles.FINDINGS} has a verdict for {name}, which is not a required test")
    failing = {str(f.get("rule")) for f in document.get("findings") or [] if not f.get("advisory")}
    by_rule: Mapping[str, Any] = summary.get("rules") or {}
    for rule in rules:
        if rule not in by_rule:
            raise Invalid(f"{bundles.FINDINGS} summary.rules lacks required rule {rule}")
        if (by_rule[rule] == "failed") != (rule in failing):
            because = "a finding fails it" if rule in failing else "no finding fails it"
            raise Invalid(f"{bundles.FINDINGS} summary.rules says {rule} {by_rule[rule]}, but {because}")
    junit = _junit_verdicts(directory)
    expected = {o.name: o.status for o in rule_outcomes(document)}
    for name, status in expected.items():
        if name not in junit:
            raise Invalid(f"junit.xml lacks testcase {name}")
        if junit[name] != status:
            raise Invalid(f"junit.xml says {name} {junit[name]}, but findings.json makes it {status}")
    for name in sorted(set(junit) - set(expected)):
        raise Invalid(f"junit.xml has testcase {name}, which findings.json does not have")
    in_junit = {name.rpartition(":")[0] for name in junit}
    for rule in rules:
        if rule not in in_junit:
            raise Invalid(f"junit.xml has no testcase of required rule {rule}")


def _rendered(directory: Path, document: Mapping[str, Any], profile: str) -> None:
    work = Path(tempfile.mkdtemp(prefix="harness-verify-render-"))
    try:
        written = write_reports(
            work,
            document,
            cassettes=[directory / bundles.CASSETTE],
            specs_dir=catalog.default_specs_dir() / profile,
        )
        for name in bundles.REPORTS:
            if written[name].read_bytes() != (directory / name).read_bytes():
                raise Invalid(f"{name} is not what {bundles.FINDINGS} and the cassette render to")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _replayed(directory: Path, document: Mapping[str, Any], profile: str, tests: list[str]) -> list[str]:
    """Replay the cassette against the recorded verdicts; what only the record shows (the checks
    that need bytes a cassette keeps as digests) is returned, anything else that differs is
    :class:`Invalid`."""
    try:
        evidence = replay(directory / bundles.CASSETTE, catalog.load(profile))
    except HarnessError as exc:
        raise Invalid(f"the cassette does not replay: {str(exc).replace(str(directory) + '/', '')}") from None
    if evidence.elided is not None:
        raise Invalid(
            f"{bundles.CASSETTE}:{evidence.elided} leaves list items out (elided): a certification "
            "cassette keeps every answer whole"
        )
    recorded = {str(f.get("id")): f for f in document.get("findings") or []}
    replayed = {f.id: f for f in evidence.findings}
    for fid in sorted(set(replayed) - set(recorded)):
        raise Invalid(f"the cassette replays to finding {fid}, which {bundles.FINDINGS} does not record")
    record_only: list[str] = []
    for fid in sorted(set(recorded) - set(replayed)):
        mine = recorded[fid]
        if not carries_tokens([mine.get("request"), mine.get("steps"), mine.get("actual")]):
            raise Invalid(f"{bundles.FINDINGS} records finding {fid}, which the cassette does not replay to")
        # Its check needed bytes the cassette keeps only as digests (harness.redaction): a replay
        # cannot apply it, so the finding stands as the run recorded it.
        record_only.append(f"finding {fid}")
    for fid, finding in sorted(replayed.items()):
        mine = recorded[fid]
        for key, value in (
            ("rule", finding.rule),
            ("kind", finding.divergence.kind),
            ("operation", finding.divergence.operation),
            ("advisory", finding.advisory),
        ):
            if bool(mine.get(key)) != value if key == "advisory" else mine.get(key) != value:
                raise Invalid(
                    f"finding {fid}: {bundles.FINDINGS} says {key} {mine.get(key)!r}, the replay {value!r}"
                )
    known = set(tests)
    for test, number in sorted(evidence.lines_of.items(), key=lambda item: item[1]):
        if test not in known:
            raise Invalid(f"{bundles.CASSETTE}:{number} names test {test!r}, which is not a required test")
    summary_tests: Mapping[str, Any] = (document.get("summary") or {}).get("tests") or {}
    for name in tests:
        status = str((summary_tests.get(name) or {}).get("status"))
        if name.startswith(STATEFUL):
            ran = name in evidence.lines_of
            if status in NOT_RUN and ran:
                line = evidence.lines_of[name]
                raise Invalid(
                    f"{name} is recorded as {status}, but {bundles.CASSETTE}:{line} is one of its calls"
                )
            if status not in NOT_RUN and not ran:
                raise Invalid(f"{name} is recorded as {status}, but the cassette holds no call of it")
        elif status == "passed" and name not in evidence.exercised:
            if name not in evidence.redacted:
                raise Invalid(
                    f"test {name} is recorded as passed, but no call of it in the cassette exercised its rule"
                )
            record_only.append(f"test {name} passed")
        elif status == "not-applicable":
            operation = name.rpartition(":")[2]
            if operation != "any" and not any(op == operation for _, op in evidence.not_implemented):
                raise Invalid(
                    f"test {name} is recorded as not applicable, but the replay met no unimplemented "
                    f"{operation}"
                )
    return record_only


def verify_directory(directory: Path) -> Verified:
    """Check the bundle in ``directory``; :class:`Invalid` names the first inconsistency."""
    manifest = _files(directory)
    profile, settings, rules, tests = _harness(manifest)
    document = _findings(directory, manifest, settings)
    product = _product(directory, document)
    _verdicts(directory, document, rules, tests)
    _rendered(directory, document, profile)
    result = verdicts(document, rules, tests)
    if manifest.get("result") != result.to_dict():
        raise Invalid(f"{bundles.MANIFEST} result is not the verdict of {bundles.FINDINGS}")
    record_only = _replayed(directory, document, profile, tests)
    exchanges = int((document.get("certification") or {}).get("cassette", {}).get("exchanges", 0))
    return Verified(result, manifest, product, exchanges, record_only)


def verify(path: Path) -> Verified:
    with opened(path) as directory:
        return verify_directory(directory)


def main(args: argparse.Namespace) -> int:
    verified = verify(Path(args.bundle))
    for line in verified.lines():
        print(line)
    return 0 if verified.result.conformant else 1


__all__ = ["Invalid", "Verified", "main", "opened", "verify", "verify_directory"]
