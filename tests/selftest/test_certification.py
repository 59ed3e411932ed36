"""Certification of the emulator, end to end: the bundle verifies, and every tampering is caught.

One certification run per test session (the ``certified`` fixture), at settings lowered through
the test-only variable (harness.certification.settings.SELFTEST_VARIABLE) so it stays short; the
verifier is the same, given the same variable. Each tampering test edits a copy of the bundle
three ways where it applies: as is (the manifest's digests now lie), with the manifest's digests
recomputed, and as a thorough forger would, re-rendering the reports and the manifest's result
from the edited findings.json, so that only the replay of the cassette can tell.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
import pytest

from harness.certification import bundle, verify
from harness.certification.evidence import carries_tokens
from harness.certification.settings import SELFTEST_VARIABLE
from harness.certification.verdicts import verdicts
from harness.machines import STEPS
from harness.report import HARNESS_VERSION
from harness.reporting.files import write_reports
from harness.spec.catalog import default_specs_dir
from tests.selftest.suite_runner import run_suite

pytestmark = pytest.mark.selftest_network

SMALL = "examples=1,shrink_calls=20"
#: Rule tests that keep no state: dropping their calls changes no other test's findings.
STATELESS = (
    "pc.get-key.not-found:GetKey",
    "kms.key-id.not-found:DescribeKey",
    "pc.list-keys.lists-keys:ListKeys",
)


@pytest.fixture(scope="session")
def certified(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The report dir of one ``pytest --target=emulator --certify`` run (small settings)."""
    work = tmp_path_factory.mktemp("certify")
    run = run_suite(work, "--target=emulator", "--certify", env={SELFTEST_VARIABLE: SMALL})
    assert run.ret == 1, run.output[-4000:]  # moto is not conformant
    assert "certification: NOT CONFORMANT" in run.output
    return run.report_dir


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SELFTEST_VARIABLE, SMALL)


@pytest.fixture
def copy(certified: Path, tmp_path: Path, small: None) -> Path:
    """A copy of the bundle directory to tamper with."""
    target = tmp_path / bundle.DIRECTORY
    shutil.copytree(certified / bundle.DIRECTORY, target)
    return target


def _read(directory: Path, name: str) -> Any:
    return json.loads((directory / name).read_text(encoding="utf-8"))


def _write(directory: Path, name: str, document: Any) -> None:
    (directory / name).write_text(bundle.dump_json(document), encoding="utf-8")


def _lines(directory: Path) -> list[dict[str, Any]]:
    text = (directory / bundle.CASSETTE).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _write_lines(directory: Path, lines: list[dict[str, Any]]) -> None:
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    (directory / bundle.CASSETTE).write_text(text, encoding="utf-8")


def reseal(directory: Path) -> None:
    """Recompute the manifest's digests (``files``) of the files as they now are."""
    manifest = _read(directory, bundle.MANIFEST)
    manifest["files"] = {name: bundle.sha256_file(directory / name) for name in bundle.FILES}
    _write(directory, bundle.MANIFEST, manifest)


def forge(directory: Path) -> None:
    """What a thorough forger does after an edit: bind findings.json to the cassette again, render
    the reports and the manifest's result from findings.json, and reseal."""
    manifest = _read(directory, bundle.MANIFEST)
    document = _read(directory, bundle.FINDINGS)
    facts = bundle.cassette_facts(directory / bundle.CASSETTE)
    document["certification"]["cassette"] = facts
    document["summary"]["calls"] = facts["exchanges"]
    _write(directory, bundle.FINDINGS, document)
    write_reports(
        directory,
        document,
        cassettes=[directory / bundle.CASSETTE],
        specs_dir=default_specs_dir() / manifest["profile"],
    )
    manifest["result"] = verdicts(document, manifest["required_rules"], manifest["required_tests"]).to_dict()
    _write(directory, bundle.MANIFEST, manifest)
    reseal(directory)


SEALS: dict[str, Callable[[Path], None]] = {"as-is": lambda d: None, "resealed": reseal, "forged": forge}


def problem(directory: Path) -> str:
    with pytest.raises(verify.Invalid) as caught:
        verify.verify(directory)
    return str(caught.value)


def _failed_test(directory: Path) -> tuple[str, str]:
    """A rule test that failed, and its rule."""
    tests = _read(directory, bundle.FINDINGS)["summary"]["tests"]
    name = next(n for n, t in sorted(tests.items()) if t["status"] == "failed" and ":" in n)
    return name, name.rpartition(":")[0]


# -- the bundle ---------------------------------------------------------------------------------------


def test_certifying_the_emulator_writes_a_valid_bundle_of_a_target_that_is_not_conformant(
    certified: Path,
) -> None:
    tarball = certified / bundle.TARBALL
    done = subprocess.run(
        [sys.executable, "-m", "harness", "verify", str(tarball)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, SELFTEST_VARIABLE: SMALL},
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("valid certification bundle: moto 5.2.5 (vendor: not stated")
    assert next(line for line in lines if "CONFORMANT: " in line).startswith("NOT CONFORMANT: ")
    # Findings the replay cannot re-derive are only those whose check needs redacted bytes.
    document = _read(certified / bundle.DIRECTORY, bundle.FINDINGS)
    by_id = {f["id"]: f for f in document["findings"]}
    for line in (line for line in lines if line.startswith("taken from the record")):
        for fid in (word.rstrip(",") for word in line.split(": ", 1)[1].split() if word.rstrip(",") in by_id):
            assert carries_tokens(by_id[fid]["request"]), fid
    # Each failed rule is listed, with its findings; moto accepts reserved tag keys.
    manifest = _read(certified / bundle.DIRECTORY, bundle.MANIFEST)
    failed = manifest["result"]["failed"]
    assert "kms.tags.reserved-prefix" in failed
    assert [line.split()[1].rstrip(":") for line in lines if line.startswith("  failed ")] == failed
    assert done.stderr == ""


def test_the_bundle_holds_what_the_issue_asks_for(certified: Path, small: None) -> None:
    directory = certified / bundle.DIRECTORY
    assert sorted(p.name for p in directory.iterdir()) == sorted((*bundle.FILES, bundle.MANIFEST))
    manifest = _read(directory, bundle.MANIFEST)
    assert manifest["harness_version"] == HARNESS_VERSION and manifest["profile"] == "aws"
    assert manifest["hypothesis_version"] == hypothesis.__version__
    assert manifest["specs_sha256"] == bundle.specs_digest("aws")
    assert manifest["settings"] == {"seed": 1, "examples": 1, "shrink_calls": 20, "stateful_steps": STEPS}
    assert manifest["selftest"] is True
    assert manifest["required_rules"] == bundle.required_rules()
    assert manifest["required_tests"] == bundle.required_tests()
    assert manifest["files"] == {name: bundle.sha256_file(directory / name) for name in bundle.FILES}
    # The tarball holds the same files.
    with tarfile.open(certified / bundle.TARBALL) as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member)
            assert handle is not None
            assert handle.read() == (directory / Path(member.name).name).read_bytes(), member.name
    # The bundle's findings are the run's; every cassette line names its test.
    ids = {f["id"] for f in _read(certified, bundle.FINDINGS)["findings"]}
    assert {f["id"] for f in _read(directory, bundle.FINDINGS)["findings"]} == ids
    tests = set(manifest["required_tests"])
    assert all(line["test"] in tests for line in _lines(directory))
    product = (directory / bundle.PRODUCT).read_text()
    assert 'product = "moto"' in product and 'version = "5.2.5"' in product
    # The directory verifies as the tarball does.
    verified = verify.verify(directory)
    assert verified.result.to_dict() == manifest["result"]


def test_a_bundle_made_at_selftest_settings_is_not_a_certification(
    certified: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SELFTEST_VARIABLE, raising=False)
    assert (
        "not made at the certification settings: examples 1 is below the certification value 40"
        in problem(certified / bundle.DIRECTORY)
    )


# -- verdicts -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("seal", ["as-is", "resealed"])
def test_a_verdict_edited_in_junit_is_caught(copy: Path, seal: str) -> None:
    name, _ = _failed_test(copy)
    text = (copy / "junit.xml").read_text()
    start = text.index(f'<testcase name="{name}"')
    end = text.index("</testcase>", start) + len("</testcase>")
    (copy / "junit.xml").write_text(text[:start] + text[start:end].split(">", 1)[0] + " />" + text[end:])
    SEALS[seal](copy)
    expected = (
        "junit.xml does not match its SHA-256 in manifest.json"
        if seal == "as-is"
        else f"junit.xml says {name} passed, but findings.json makes it failed"
    )
    assert expected in problem(copy)


@pytest.mark.parametrize("seal", ["as-is", "resealed"])
def test_a_verdict_edited_in_findings_json_is_caught(copy: Path, seal: str) -> None:
    _, rule = _failed_test(copy)
    document = _read(copy, bundle.FINDINGS)
    document["summary"]["rules"][rule] = "passed"
    _write(copy, bundle.FINDINGS, document)
    SEALS[seal](copy)
    expected = (
        "findings.json does not match its SHA-256"
        if seal == "as-is"
        else f"summary.rules says {rule} passed, but a finding fails it"
    )
    assert expected in problem(copy)


def test_a_test_verdict_edited_in_findings_json_alone_disagrees_with_junit(copy: Path) -> None:
    document = _read(copy, bundle.FINDINGS)
    name = next(n for n in STATELESS if document["summary"]["tests"].get(n, {}).get("status") == "passed")
    document["summary"]["tests"][name]["status"] = "unchecked"
    _write(copy, bundle.FINDINGS, document)
    reseal(copy)
    assert f"junit.xml says {name} passed, but findings.json makes it unchecked" in problem(copy)


def test_a_failed_rule_rewritten_as_passed_everywhere_is_caught_by_the_replay(copy: Path) -> None:
    _, rule = _failed_test(copy)
    document = _read(copy, bundle.FINDINGS)
    dropped = sorted(f["id"] for f in document["findings"] if f["rule"] == rule)
    document["findings"] = [f for f in document["findings"] if f["rule"] != rule]
    document["summary"]["rules"][rule] = "passed"
    for test, verdict in document["summary"]["tests"].items():
        if test.rpartition(":")[0] == rule:
            verdict.update(status="passed", reason="")
    _write(copy, bundle.FINDINGS, document)
    forge(copy)
    assert f"the cassette replays to finding {dropped[0]}, which findings.json does not record" in problem(
        copy
    )


def test_failures_rewritten_as_advisories_are_caught_by_the_replay(copy: Path) -> None:
    _, rule = _failed_test(copy)
    document = _read(copy, bundle.FINDINGS)
    changed = sorted(f["id"] for f in document["findings"] if f["rule"] == rule)
    for finding in document["findings"]:
        if finding["rule"] == rule:
            finding.update(advisory=True, evidence="inferred")
    document["summary"]["rules"][rule] = "advisory"
    _write(copy, bundle.FINDINGS, document)
    forge(copy)
    assert f"finding {changed[0]}: findings.json says advisory True, the replay False" in problem(copy)


def test_a_finding_the_cassette_does_not_show_is_caught_by_the_replay(copy: Path) -> None:
    document = _read(copy, bundle.FINDINGS)
    made = dict(next(f for f in document["findings"] if not f.get("steps") and not f.get("advisory")))
    made.update(
        id=made["id"].rsplit(":", 1)[0] + ":0badc0de",
        request={"KeyId": "made-up"},
        actual={"status": 200, "error": None, "detail": "made up"},
    )
    document["findings"].append(made)
    _write(copy, bundle.FINDINGS, document)
    forge(copy)
    expected = f"findings.json records finding {made['id']}, which the cassette does not replay to"
    assert expected in problem(copy)


def test_a_passed_test_whose_calls_are_dropped_is_caught_by_the_replay(copy: Path) -> None:
    tests = _read(copy, bundle.FINDINGS)["summary"]["tests"]
    name = next(n for n in STATELESS if tests.get(n, {}).get("status") == "passed")
    _write_lines(copy, [line for line in _lines(copy) if line["test"] != name])
    forge(copy)
    assert (
        f"test {name} is recorded as passed, but no call of it in the cassette exercised its rule"
        in problem(copy)
    )


def test_a_result_edited_in_the_manifest_is_caught(copy: Path) -> None:
    manifest = _read(copy, bundle.MANIFEST)
    manifest["result"].update(conformant=True, failed=[], passed=manifest["result"]["required_rules"])
    _write(copy, bundle.MANIFEST, manifest)
    assert "manifest.json result is not the verdict of findings.json" in problem(copy)


# -- the cassette -------------------------------------------------------------------------------------


def _drop_a_created_key(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Without the line that created a key a later DescribeKey found, the replay expects that
    DescribeKey to answer NotFoundException (the run's model is complete: an unknown key does
    not exist), a finding the run did not have (its kms.key-id.not-found test passed)."""
    described = {
        (line["region"], line["request"]["KeyId"]): number
        for number, line in enumerate(lines)
        if line["operation"] == "DescribeKey" and line["status"] == 200 and set(line["request"]) == {"KeyId"}
    }
    for index, line in enumerate(lines[1:], start=1):
        key = ((line.get("response") or {}).get("KeyMetadata") or {}).get("KeyId")
        later = described.get((line["region"], key), 0) > index
        if line["operation"] == "CreateKey" and line["status"] == 200 and later:
            return lines[:index] + lines[index + 1 :]
    raise AssertionError("no created key is described later")


def _break_an_answer(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A successful answer of a passed test turned into a server error."""
    for line in lines:
        if line["test"] in STATELESS and line["status"] == 200:
            line.update(status=500, response={"__type": "InternalFailure", "message": "edited"})
            return lines
    raise AssertionError("no successful answer of a stateless test")


@pytest.mark.parametrize("seal", ["as-is", "resealed", "forged"])
@pytest.mark.parametrize("edit", ["drop", "change"])
def test_a_dropped_or_changed_cassette_line_is_caught(copy: Path, edit: str, seal: str) -> None:
    document = _read(copy, bundle.FINDINGS)
    recorded = {f["id"] for f in document["findings"]}
    assert document["summary"]["tests"]["kms.key-id.not-found:DescribeKey"]["status"] == "passed"
    lines = _lines(copy)
    _write_lines(copy, _drop_a_created_key(lines) if edit == "drop" else _break_an_answer(lines))
    SEALS[seal](copy)
    found = problem(copy)
    if seal == "as-is":
        assert "cassette.jsonl does not match its SHA-256 in manifest.json" in found
    elif seal == "resealed":
        assert "cassette.jsonl is not the cassette findings.json was written with" in found
    else:
        assert "the cassette replays to finding " in found and "which findings.json does not record" in found
        new = found.split("the cassette replays to finding ", 1)[1].split(",", 1)[0]
        assert new not in recorded


def test_a_cassette_that_leaves_list_items_out_is_not_a_certification_cassette(copy: Path) -> None:
    lines = _lines(copy)
    number = next(n for n, line in enumerate(lines, start=1) if line["operation"] == "ListKeys")
    lines[number - 1]["elided"] = {"Keys": 3}
    _write_lines(copy, lines)
    forge(copy)
    assert f"cassette.jsonl:{number} leaves list items out (elided)" in problem(copy)


# -- the other files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("seal", ["as-is", "resealed"])
def test_a_changed_report_is_caught(copy: Path, seal: str) -> None:
    for report in ("report.md", "report.html"):
        text = (copy / report).read_text()
        assert "failed" in text
        (copy / report).write_text(text.replace("failed", "passed"))
    SEALS[seal](copy)
    expected = (
        "report.md does not match its SHA-256"
        if seal == "as-is"
        else "report.md is not what findings.json and the cassette render to"
    )
    assert expected in problem(copy)


def test_a_changed_product_is_caught(copy: Path) -> None:
    text = (copy / bundle.PRODUCT).read_text()
    (copy / bundle.PRODUCT).write_text(text.replace('vendor = "not stated"', 'vendor = "Acme"'))
    reseal(copy)
    assert "PRODUCT.toml is not the product findings.json records" in problem(copy)
    document = _read(copy, bundle.FINDINGS)
    document["certification"]["product"]["vendor"] = "Acme"
    _write(copy, bundle.FINDINGS, document)
    reseal(copy)
    assert "PRODUCT.toml: vendor is 'Acme' but findings.json's target says 'not stated'" in problem(copy)


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda d: (d / "report.md").unlink(), "report.md is missing"),
        (lambda d: (d / "notes.txt").write_text("x"), "unexpected file 'notes.txt'"),
        (lambda d: (d / bundle.MANIFEST).unlink(), "manifest.json is missing"),
    ],
)
def test_a_missing_or_extra_file_is_caught(copy: Path, edit: Callable[[Path], Any], expected: str) -> None:
    edit(copy)
    assert expected in problem(copy)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("harness_version", "0.0.9", "made by harness '0.0.9'; this is harness"),
        ("specs_sha256", "0" * 64, "the specs of profile 'aws' it was judged with are not this harness's"),
        ("profile", "../aws", "spec profile '../aws' is not one this harness knows"),
        ("required_rules", ["kms.tags.too-many"], "required_rules differ from this harness's (lacks"),
    ],
)
def test_a_manifest_this_harness_does_not_know_is_invalid(
    copy: Path, key: str, value: Any, expected: str
) -> None:
    manifest = _read(copy, bundle.MANIFEST)
    manifest[key] = value
    _write(copy, bundle.MANIFEST, manifest)
    assert expected in problem(copy)


def test_a_tampered_tarball_exits_2_with_one_line(copy: Path, tmp_path: Path) -> None:
    document = _read(copy, bundle.FINDINGS)
    document["summary"]["rules"][_failed_test(copy)[1]] = "passed"
    _write(copy, bundle.FINDINGS, document)
    reseal(copy)
    tarball = tmp_path / "tampered.tar.gz"
    bundle.write_tarball(copy, tarball, mtime=0)
    done = subprocess.run(
        [sys.executable, "-m", "harness", "verify", str(tarball)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, SELFTEST_VARIABLE: SMALL},
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(
        "harness: error: invalid certification bundle: findings.json summary.rules says"
    )


# -- what --certify refuses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "refused"),
    [
        (["-k", "tags"], "-k is refused"),
        (["--deselect", "harness/suite/test_stateful.py"], "--deselect is refused"),
        (["--examples", "3"], "--examples=3 is below the certification value"),
        (["--baseline", "baseline.json"], "--baseline is refused"),
        (["--checks", "schema"], "--checks is refused"),
        (["--seed", "5"], "--seed=5 is refused"),
    ],
)
def test_certify_refuses_what_would_weaken_it_and_writes_nothing(
    tmp_path: Path, args: list[str], refused: str
) -> None:
    run = run_suite(tmp_path, "--target=emulator", "--certify", *args)
    assert run.ret == 2, run.output
    errors = [line for line in run.output.splitlines() if line.startswith("harness: error:")]
    assert len(errors) == 1 and refused in errors[0], run.output
    assert not run.report_dir.exists()


def test_certify_refuses_a_test_id(tmp_path: Path) -> None:
    from harness.plugin import SUITE_DIR

    report_dir = tmp_path / "report"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            f"{SUITE_DIR}/test_stateful.py",
            "--target=emulator",
            "--certify",
            "--report-dir",
            str(report_dir),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("harness: error: --certify runs the whole suite: test ids")
    assert not report_dir.exists()
