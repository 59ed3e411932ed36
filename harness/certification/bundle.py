"""The certification bundle: ``<report-dir>/certification/`` and ``certification.tar.gz``.

The bundle holds, flat in one directory (named ``certification/`` inside the tarball too):

- ``PRODUCT.toml``: what was certified (harness.certification.product);
- ``findings.json``: the run's, with each state machine's verdict in ``summary.tests``, plus a
  ``certification`` member binding it to the bundle (the product, the settings, and the SHA-256
  and number of exchanges of the cassette);
- ``junit.xml``, ``report.md``, ``report.html``: rendered from that findings.json and the
  cassette, as every run renders them;
- ``cassette.jsonl``: every exchange of the run, in order; each line names the test that sent it
  (``"test"``), so ``verify`` can replay it to the recorded verdicts;
- ``manifest.json``: the format, harness version, the Hypothesis version that drew the calls
  (a seed draws the same calls only with the same Hypothesis: constraints.txt pins it), spec
  profile and the SHA-256 of its specs, the settings, the required rules and tests, the result,
  and ``files``: the SHA-256 of every other file.

The tarball is deterministic: members sorted, regular files only, mode 0644, owner 0, the run's
start time as every mtime, and a gzip header with no name or time. Both are written beside the
run's reports through temporary names and moved into place, so a reader never sees half a
bundle, and a failure leaves none.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import hypothesis

from harness.certification import product as products
from harness.certification.settings import Settings
from harness.certification.verdicts import Result, machine_test, verdicts
from harness.errors import HarnessError
from harness.report import HARNESS_VERSION, validate
from harness.reporting.files import write_reports
from harness.spec.catalog import default_specs_dir

FORMAT = "kms-harness-certification/1"
DIRECTORY = "certification"
TARBALL = "certification.tar.gz"
MANIFEST = "manifest.json"
PRODUCT = "PRODUCT.toml"
FINDINGS = "findings.json"
CASSETTE = "cassette.jsonl"
REPORTS = ("junit.xml", "report.md", "report.html")
#: Every file of a bundle but the manifest, in the order the manifest lists them.
FILES = (PRODUCT, FINDINGS, *REPORTS, CASSETTE)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def specs_digest(profile: str, root: Path | None = None) -> str:
    """SHA-256 over every file of the profile's specs: each relative path and its content's SHA-256."""
    base = (root or default_specs_dir()) / profile
    if not base.is_dir():
        raise HarnessError(f"no specs for profile {profile!r} under {base.parent}")
    digest = hashlib.sha256()
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(base).as_posix()}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def required_tests() -> list[str]:
    """Every test a certification runs: each rule test, then each state machine."""
    from harness.engine.tests import rule_tests, state_machines

    return [t.name for t in rule_tests()] + [machine_test(m.name) for m in state_machines()]


def required_rules() -> list[str]:
    """Every rule this harness checks (each has a rule test: tests/unit/test_rule_tests.py)."""
    from harness.oracle.rules import RULES
    from harness.services import load

    load()
    return sorted(rule.id for rule in RULES)


def cassette_facts(path: Path) -> dict[str, Any]:
    """The cassette's SHA-256 and its number of exchanges (non-empty lines)."""
    exchanges = 0
    with path.open("rb") as handle:
        for line in handle:
            exchanges += bool(line.strip())
    return {"sha256": sha256_file(path), "exchanges": exchanges}


def dump_json(document: Any) -> str:
    """JSON as the harness writes it (findings.json's layout)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class Bundle:
    directory: Path
    tarball: Path
    result: Result
    manifest: Mapping[str, Any]


def bundle_document(
    document: Mapping[str, Any],
    *,
    product: Mapping[str, Any],
    settings: Settings,
    cassette: Path,
    machines: Mapping[str, tuple[str, str]] | None = None,
) -> dict[str, Any]:
    """The bundle's findings.json: the run's, with each state machine's verdict in
    ``summary.tests`` (``stateful <name>``) and the ``certification`` member."""
    out = {k: v for k, v in document.items() if k != "certification"}
    if machines:
        summary = dict(out.get("summary") or {})
        tests = dict(summary.get("tests") or {})
        for name, (status, reason) in machines.items():
            tests[machine_test(name)] = {"status": status, "reason": reason}
        summary["tests"] = dict(sorted(tests.items()))
        out["summary"] = summary
    out["certification"] = {
        "product": dict(product),
        "settings": settings.to_dict(),
        "cassette": cassette_facts(cassette),
    }
    return out


def manifest_of(
    directory: Path,
    *,
    profile: str,
    settings: Settings,
    selftest: bool,
    rules: Iterable[str],
    tests: Iterable[str],
    result: Result,
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "harness_version": HARNESS_VERSION,
        "hypothesis_version": hypothesis.__version__,
        "profile": profile,
        "specs_sha256": specs_digest(profile),
        "settings": settings.to_dict(),
        "selftest": selftest,
        "required_rules": list(rules),
        "required_tests": list(tests),
        "result": result.to_dict(),
        "files": {name: sha256_file(directory / name) for name in FILES},
    }


def _mtime(document: Mapping[str, Any]) -> int:
    try:
        stamp = str(document.get("started_at", "")).replace("Z", "+00:00")
        return max(0, int(datetime.fromisoformat(stamp).timestamp()))
    except ValueError:
        return 0


def write_tarball(directory: Path, target: Path, *, mtime: int) -> None:
    """``directory``'s bundle files as ``certification/<name>``, deterministically (see module doc)."""
    raw = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.USTAR_FORMAT) as tar,
    ):
        for name in sorted((*FILES, MANIFEST)):
            info = tarfile.TarInfo(f"{DIRECTORY}/{name}")
            info.size = (directory / name).stat().st_size
            info.mtime = mtime
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with (directory / name).open("rb") as handle:
                tar.addfile(info, handle)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(raw.getvalue())
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)


def write_bundle(
    report_dir: Path,
    document: Mapping[str, Any],
    cassette: Path,
    *,
    profile: str,
    settings: Settings,
    selftest: bool,
    kind_description: str,
    machines: Mapping[str, tuple[str, str]] | None = None,
) -> Bundle:
    """Write ``report_dir/certification/`` and ``report_dir/certification.tar.gz`` (see module doc)."""
    work = Path(tempfile.mkdtemp(prefix=".certification.", dir=report_dir))
    packed = report_dir / f".{TARBALL}.{os.getpid()}.partial"
    final = report_dir / DIRECTORY
    try:
        product = products.product_of(document.get("target") or {}, kind_description)
        shutil.copyfile(cassette, work / CASSETTE)
        bundled = bundle_document(
            document, product=product, settings=settings, cassette=work / CASSETTE, machines=machines
        )
        validate(bundled)
        (work / FINDINGS).write_text(dump_json(bundled), encoding="utf-8")
        write_reports(work, bundled, cassettes=[work / CASSETTE], specs_dir=default_specs_dir() / profile)
        (work / PRODUCT).write_text(products.render(product), encoding="utf-8")
        rules, tests = required_rules(), required_tests()
        result = verdicts(bundled, rules, tests)
        manifest = manifest_of(
            work,
            profile=profile,
            settings=settings,
            selftest=selftest,
            rules=rules,
            tests=tests,
            result=result,
        )
        (work / MANIFEST).write_text(dump_json(manifest), encoding="utf-8")
        for path in work.iterdir():
            os.chmod(path, 0o644)
        os.chmod(work, 0o755)
        write_tarball(work, packed, mtime=_mtime(document))
        # Both in place by renames, one right after the other: never half a bundle.
        if final.exists():
            old = Path(tempfile.mkdtemp(prefix=".certification.old.", dir=report_dir))
            os.replace(final, old / DIRECTORY)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(work, final)
        os.replace(packed, report_dir / TARBALL)
    except OSError as exc:
        shutil.rmtree(work, ignore_errors=True)
        packed.unlink(missing_ok=True)
        raise HarnessError(f"cannot write the certification bundle in {report_dir}: {exc}") from None
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        packed.unlink(missing_ok=True)
        raise
    return Bundle(final, report_dir / TARBALL, result, manifest)
