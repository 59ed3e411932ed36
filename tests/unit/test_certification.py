"""Certification, offline: settings, what --certify refuses, verdicts, PRODUCT.toml, safe reading.

The bundle of a real certification run, and every way of tampering with it, is in
tests/selftest/test_certification.py.
"""

from __future__ import annotations

import io
import json
import tarfile
import tomllib
from pathlib import Path
from typing import Any

import pytest

from harness import cli
from harness.certification import bundle, product, settings, verdicts, verify
from harness.certification.run import REFUSED, certification_options
from harness.errors import HarnessError, UsageError
from harness.machines import STEPS
from harness.options import RunOptions
from harness.targets import resolve

# -- settings ------------------------------------------------------------------------------------


def test_the_certification_settings_are_fixed_unless_the_selftest_variable_lowers_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(settings.SELFTEST_VARIABLE, raising=False)
    assert settings.required() == settings.CERTIFICATION
    assert not settings.is_selftest()
    monkeypatch.setenv(settings.SELFTEST_VARIABLE, "examples=2")
    lowered = settings.required()
    assert (lowered.seed, lowered.examples) == (1, 2)
    assert lowered.shrink_calls == settings.CERTIFICATION.shrink_calls
    assert lowered.stateful_steps == settings.CERTIFICATION.stateful_steps == STEPS
    # A bundle made so never passes for a certification.
    assert lowered.below(settings.CERTIFICATION) == "examples 2 is below the certification value 40"
    for bad in ("seed=2", "examples=0", "examples=x", "stateful_steps=3"):
        monkeypatch.setenv(settings.SELFTEST_VARIABLE, bad)
        with pytest.raises(UsageError, match=settings.SELFTEST_VARIABLE):
            settings.required()


def test_below_names_a_different_seed_and_every_smaller_budget() -> None:
    due = settings.CERTIFICATION
    assert due.below(due) is None
    assert (
        settings.Settings(due.seed, due.examples + 5, due.shrink_calls, due.stateful_steps).below(due) is None
    )
    assert "seed 2" in str(settings.Settings(2, 99, 999, 99).below(due))
    assert "shrink_calls 1 " in str(settings.Settings(due.seed, 99, 1, 99).below(due))
    assert "stateful_steps 1 " in str(settings.Settings(due.seed, 99, 999, 1).below(due))


# -- what --certify refuses -------------------------------------------------------------------------


def _options(**metadata: str) -> RunOptions:
    from dataclasses import replace

    target = resolve("emulator")
    if metadata:
        target = replace(target, name="acme", metadata=metadata, origin="harness.toml: target 'acme'")
    return RunOptions(target=target, report_dir=Path("unused"), seed=99, examples=3, shrink_calls=5)


def _given(**values: Any) -> Any:
    return lambda dest: values.get(dest)


@pytest.mark.parametrize(("dest", "flag"), REFUSED)
def test_certify_refuses_every_option_that_would_run_or_judge_less(dest: str, flag: str) -> None:
    with pytest.raises(UsageError, match=f"{flag} is refused"):
        certification_options(_options(), _given(**{dest: "x"}))


def test_certify_refuses_test_ids_another_seed_and_smaller_budgets() -> None:
    with pytest.raises(UsageError, match="test ids"):
        certification_options(_options(), _given(), ["harness/suite/test_rules.py::test_rule"])
    with pytest.raises(UsageError, match="--seed=7 is refused"):
        certification_options(_options(), _given(conformance_seed="7"))
    with pytest.raises(UsageError, match="--examples=39 is below the certification value 40"):
        certification_options(_options(), _given(conformance_examples="39"))
    with pytest.raises(UsageError, match="--shrink-calls=10 is below"):
        certification_options(_options(), _given(conformance_shrink_calls="10"))
    with pytest.raises(UsageError, match="--examples takes an integer"):
        certification_options(_options(), _given(conformance_examples="many"))


def test_certify_takes_the_certification_settings_or_larger_budgets() -> None:
    options, chosen = certification_options(
        _options(), _given(conformance_seed="1", conformance_examples="60")
    )
    due = settings.CERTIFICATION
    assert chosen == settings.Settings(due.seed, 60, due.shrink_calls, due.stateful_steps)
    assert (options.seed, options.examples, options.shrink_calls) == (due.seed, 60, due.shrink_calls)
    assert options.baseline.path is None and not options.baseline.knows("anything")
    assert options.checks is None
    assert options.bound_lists is False  # every answer whole: the cassette replays to the verdicts
    # Defaults below the certification values (here 3 and 5) give way to them.
    options, _ = certification_options(_options(), _given())
    assert (options.examples, options.shrink_calls) == (due.examples, due.shrink_calls)


def test_a_named_target_must_say_who_answers_for_it() -> None:
    with pytest.raises(UsageError, match="lacks version, contact"):
        certification_options(_options(vendor="Acme", product="Acme KMS"), _given())
    full = {"vendor": "Acme", "product": "Acme KMS", "version": "2.1", "contact": "kms@acme.example"}
    options, _ = certification_options(_options(**full), _given())
    assert dict(options.target.metadata) == full


# -- verdicts -------------------------------------------------------------------------------------


def _document(findings: list[dict[str, Any]], tests: dict[str, str]) -> dict[str, Any]:
    return {
        "summary": {"tests": {name: {"status": status, "reason": "why"} for name, status in tests.items()}},
        "findings": findings,
    }


def test_a_rule_fails_on_a_hard_finding_and_is_not_run_when_a_test_of_it_could_not_run() -> None:
    rules = ["a.one", "a.two", "a.three", "a.four"]
    tests = ["a.one:X", "a.two:X", "a.two:Y", "a.three:X", "a.four:X", "stateful m"]
    document = _document(
        [
            {"id": "f1", "rule": "a.one"},
            {"id": "f2", "rule": "a.three", "advisory": True},
        ],
        {"a.one:X": "failed", "a.two:X": "passed", "a.two:Y": "not-applicable", "a.three:X": "advisory"},
    )
    result = verdicts.verdicts(document, rules, tests)
    assert {r: v.verdict for r, v in result.rules.items()} == {
        "a.one": "failed",
        "a.two": "not-run",  # one of its tests could not run
        "a.three": "passed",  # advisories never fail a certification
        "a.four": "not-run",  # its test is missing from summary.tests
    }
    assert result.rules["a.three"].advisories == 1
    assert "a.two:Y not-applicable (why)" in result.rules["a.two"].detail
    assert result.machines_not_run == {"m": "stateful m is missing from findings.json"}
    assert not result.conformant
    assert result.to_dict()["failed"] == ["a.one"]
    assert (
        result.lines()[0] == "1 of 4 required rules passed, 1 failed, 2 not run, 1 state machine(s) not run"
    )


def test_every_rule_passed_and_every_machine_ran_is_conformant() -> None:
    document = _document([], {"a.one:X": "passed", "stateful m": "passed"})
    result = verdicts.verdicts(document, ["a.one"], ["a.one:X", "stateful m"])
    assert result.conformant and result.to_dict()["passed"] == 1
    # A rule no required test checks cannot pass.
    assert not verdicts.verdicts(document, ["a.one", "a.untested"], ["a.one:X"]).conformant


# -- PRODUCT.toml ---------------------------------------------------------------------------------


def test_product_of_a_built_in_target_is_what_it_reports_about_itself() -> None:
    target = {
        "name": "emulator",
        "kind": "emulator",
        "endpoint_url": "http://127.0.0.1:5000",
        "regions": ["us-east-1", "us-west-2"],
        "implementation": "moto 5.2.5",
    }
    made = product.product_of(target, "moto on 127.0.0.1")
    assert (made["product"], made["version"], made["vendor"]) == ("moto", "5.2.5", product.NOT_STATED)
    parsed = tomllib.loads(product.render(made))
    assert parsed["endpoint"]["implementation"] == "moto 5.2.5"
    assert product.disagreement(made, target) is None
    assert "version" in str(product.disagreement(made, {**target, "implementation": "moto 5.2.6"}))


def test_product_toml_carries_any_text_of_the_targets_file_verbatim() -> None:
    odd = 'Acme "KMS"\n\t\\ \x7f \x01 é ☃'
    metadata = {"vendor": odd, "product": "P", "version": "1", "contact": "c", "description": "d"}
    target = {"name": "acme", "kind": "endpoint", "metadata": metadata, "implementation": None}
    made = product.product_of(target, "unused")
    parsed = tomllib.loads(product.render(made))
    assert parsed["vendor"] == odd and parsed["source"] == product.FROM_FILE
    assert "vendor" in str(product.disagreement({**made, "vendor": "Other"}, target))


# -- reading bundles safely -----------------------------------------------------------------------


def _tarball(path: Path, members: list[tarfile.TarInfo], data: bytes = b"x") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for info in members:
            if info.isreg():
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return path


def _member(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


@pytest.mark.parametrize(
    ("member", "problem"),
    [
        (_member("certification/../escape.txt"), "is not a file of a bundle"),
        (_member("/etc/cron.d/evil"), "is not a file of a bundle"),
        (_member("certification/sub/findings.json"), "is not a file of a bundle"),
        (_member("other/findings.json"), "is not a file of a bundle"),
        (_member("certification/findings.json", tarfile.SYMTYPE, "/etc/passwd"), "links are refused"),
        (_member("certification/findings.json", tarfile.LNKTYPE, "certification/PRODUCT.toml"), "links"),
        (_member("certification/findings.json", tarfile.CHRTYPE), "not a regular file"),
    ],
)
def test_a_tarball_member_outside_the_bundle_or_not_a_regular_file_is_refused(
    tmp_path: Path, member: tarfile.TarInfo, problem: str
) -> None:
    path = _tarball(tmp_path / "bundle.tar.gz", [member])
    with pytest.raises(verify.Invalid, match=problem):
        verify.verify(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bundle.tar.gz"]  # nothing extracted here


def test_a_duplicate_member_is_refused(tmp_path: Path) -> None:
    path = _tarball(
        tmp_path / "b.tar.gz", [_member("certification/report.md"), _member("certification/report.md")]
    )
    with pytest.raises(verify.Invalid, match="appears twice"):
        verify.verify(path)


def test_a_bundle_directory_holding_a_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / bundle.MANIFEST).write_text("{}")
    (tmp_path / bundle.PRODUCT).symlink_to("/etc/hostname")
    with pytest.raises(verify.Invalid, match=r"PRODUCT\.toml is not a regular file"):
        verify.verify(tmp_path)


def test_a_tarball_without_manifest_is_invalid(tmp_path: Path) -> None:
    path = _tarball(
        tmp_path / "b.tar.gz", [_member("certification", tarfile.DIRTYPE), _member("certification/report.md")]
    )
    with pytest.raises(verify.Invalid, match=r"manifest\.json is missing"):
        verify.verify(path)


def test_the_tarball_is_deterministic(tmp_path: Path) -> None:
    for name in (*bundle.FILES, bundle.MANIFEST):
        (tmp_path / name).write_text(f"content of {name}\n")
    first, second = tmp_path / "one.tar.gz", tmp_path / "two.tar.gz"
    bundle.write_tarball(tmp_path, first, mtime=1_700_000_000)
    (tmp_path / bundle.PRODUCT).touch()  # a newer mtime on disk changes nothing
    bundle.write_tarball(tmp_path, second, mtime=1_700_000_000)
    assert first.read_bytes() == second.read_bytes()
    with tarfile.open(first) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == sorted(f"certification/{n}" for n in (*bundle.FILES, bundle.MANIFEST))
    assert {(m.mtime, m.uid, m.gid, m.mode, m.type) for m in members} == {
        (1_700_000_000, 0, 0, 0o644, tarfile.REGTYPE)
    }


@pytest.mark.parametrize("make", ["missing", "not-a-tarball"])
def test_verify_of_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, make: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bundle.tar.gz"
    if make == "not-a-tarball":
        path.write_text("hello")
    assert cli.main(["verify", str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("harness: error: verify: ")


def test_invalid_is_a_harness_error_with_one_line() -> None:
    error = verify.Invalid("findings.json does not match\nits digest")
    assert isinstance(error, HarnessError)
    assert str(error) == "invalid certification bundle: findings.json does not match its digest"
    assert json.dumps(str(error)).count("\\n") == 0


# -- the run's watcher ----------------------------------------------------------------------------


def _report(outcome: str, *, xfail: bool = False) -> pytest.TestReport:
    longrepr = (
        ("suite.py", 1, "Skipped: kms.x:CreateKey could not be exercised: no draw") if outcome else None
    )
    report = pytest.TestReport("id", ("suite.py", 1, "t"), {}, outcome, longrepr, "call")
    if xfail:
        report.wasxfail = "advisory only"
    return report


def _drive(report: pytest.TestReport, params: dict[str, Any]) -> pytest.TestReport:
    from types import SimpleNamespace

    from harness.certification.run import Certification

    watcher = Certification(_options(), settings.CERTIFICATION, lambda: None, "unused")
    item = SimpleNamespace(callspec=SimpleNamespace(params=params))
    hook = watcher.pytest_runtest_makereport(item, SimpleNamespace(when="call"))  # type: ignore[arg-type]
    next(hook)
    with pytest.raises(StopIteration) as done:
        hook.send(report)
    result: pytest.TestReport = done.value.value
    return result


def test_a_rule_test_that_could_not_run_fails_a_certification_run() -> None:
    rule_test = {"rule_test": type("T", (), {"name": "kms.x:CreateKey"})()}
    failed = _drive(_report("skipped"), rule_test)
    assert failed.outcome == "failed"
    assert (
        failed.longrepr
        == "kms.x:CreateKey could not be exercised: no draw (a test that could not run is not passed)"
    )
    # Advisories stay xfails; a skip of something that is not a conformance test stays a skip.
    assert _drive(_report("skipped", xfail=True), rule_test).outcome == "skipped"
    assert _drive(_report("skipped"), {}).outcome == "skipped"
    assert _drive(_report("passed"), rule_test).outcome == "passed"
