"""junit.xml and the rule-test outcomes it is built from, on small hand-made documents."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from harness.reporting.junit import junit_xml
from harness.reporting.outcomes import (
    WHOLE_RULE,
    actual_text,
    expected_text,
    matrix,
    redact,
    reproduction_hint,
    rule_outcomes,
    run_facts,
    summary_counts,
)
from tests.unit.test_reporting_causes import crash, make_document, make_finding, served


def _document() -> dict[str, Any]:
    new = served(
        "kms.tags.reserved-prefix", "CreateKey", ["TagException"], reproduce_cli="aws kms create-key ..."
    )
    known = make_finding("kms.wire.content-type", "DescribeKey", baseline="known")
    advisory = {
        **served("kms.create-key.sm2-outside-china", "CreateKey"),
        "advisory": True,
        "baseline": "new",
    }
    expired = crash("kms.update-primary-region.disabled", "UpdatePrimaryRegion")
    expired["baseline"] = "expired"
    return make_document(
        [new, known, advisory, expired],
        summary={
            "calls": 10,
            "findings": 4,
            "tests": {
                "kms.tags.reserved-prefix:CreateKey": "failed",
                "kms.tags.reserved-prefix:TagResource": "passed",
                "kms.wire.content-type:CreateKey": {"status": "failed", "reason": ""},
                "kms.describe-key.valid:DescribeKey": "passed",
            },
            "rules": {"kms.arn.format": "passed", "kms.tags.reserved-prefix": "failed"},
            "unchecked": {"pc.get-key.valid": "no key could be created"},
        },
        not_applicable=[
            {"rule": "kms.create-key.xks-key-id", "operation": "CreateKey", "reason": "no XKS store"}
        ],
    )


def _cases(xml: str) -> dict[str, ET.Element]:
    root = ET.fromstring(xml)
    return {case.attrib["name"]: case for case in root.iter("testcase")}


def test_outcomes_follow_findings_then_the_run_then_the_rule() -> None:
    outcomes = {o.name: o for o in rule_outcomes(_document())}
    assert outcomes["kms.tags.reserved-prefix:CreateKey"].status == "failed"
    assert outcomes["kms.tags.reserved-prefix:TagResource"].status == "passed"
    assert outcomes["kms.wire.content-type:DescribeKey"].status == "known"
    # Its test through CreateKey failed on a DescribeKey answer seen in set-up: known, not red.
    assert outcomes["kms.wire.content-type:CreateKey"].status == "known"
    assert outcomes["kms.create-key.sm2-outside-china:CreateKey"].status == "advisory"
    assert outcomes["kms.update-primary-region.disabled:UpdatePrimaryRegion"].status == "failed"
    assert outcomes["kms.create-key.xks-key-id:CreateKey"].status == "not-applicable"
    assert outcomes[f"kms.arn.format:{WHOLE_RULE}"].status == "passed"
    unchecked = outcomes[f"pc.get-key.valid:{WHOLE_RULE}"]
    assert (unchecked.status, unchecked.reason, unchecked.service) == (
        "unchecked",
        "no key could be created",
        "payment-cryptography",
    )
    # A rule with outcomes by operation gets no whole-rule line.
    assert f"kms.tags.reserved-prefix:{WHOLE_RULE}" not in outcomes


def test_the_matrix_has_one_table_per_service_with_the_whole_rule_column_last() -> None:
    kms, pc = matrix(rule_outcomes(_document()))
    assert (kms.service, pc.service) == ("kms", "payment-cryptography")
    assert kms.operations[-1] == WHOLE_RULE
    assert kms.cells[("kms.tags.reserved-prefix", "CreateKey")].status == "failed"
    assert ("kms.tags.reserved-prefix", "DescribeKey") not in kms.cells
    assert kms.counts()["failed"] == 2


def test_one_testcase_per_rule_test_named_like_pytest() -> None:
    xml = junit_xml(_document())
    cases = _cases(xml)
    assert set(cases) == {o.name for o in rule_outcomes(_document())}
    assert (
        cases["kms.tags.reserved-prefix:CreateKey"].attrib["classname"]
        == "conformance.kms.tags.reserved-prefix"
    )
    root = ET.fromstring(xml)
    assert root.attrib["tests"] == str(len(cases))
    assert root.attrib["failures"] == "2"
    suites = {s.attrib["name"]: s for s in root.iter("testsuite")}
    assert set(suites) == {"kms-conformance.kms", "kms-conformance.payment-cryptography"}
    props = {p.attrib["name"]: p.attrib["value"] for p in suites["kms-conformance.kms"].iter("property")}
    assert props["implementation"] == "moto 5.2.5" and props["seed"] == "1"


def test_a_new_finding_fails_with_expected_actual_and_both_reproductions() -> None:
    case = _cases(junit_xml(_document()))["kms.tags.reserved-prefix:CreateKey"]
    failure = case.find("failure")
    assert failure is not None
    assert failure.attrib["type"] == "unexpected-success"
    assert failure.attrib["message"] == (
        "expected error TagException (HTTP 4xx); got HTTP 200 success: what differs"
    )
    text = failure.text or ""
    assert "kms.tags.reserved-prefix:CreateKey:unexpected-success:" in text
    assert "cause:    kms.tags:unexpected-success:" in text
    assert "aws kms create-key ..." in text and "print('repro')" in text
    assert '"KeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"' in text
    # An expired baseline entry fails like a new finding.
    assert (
        _cases(junit_xml(_document()))["kms.update-primary-region.disabled:UpdatePrimaryRegion"].find(
            "failure"
        )
        is not None
    )


def test_known_advisory_and_not_applicable_are_skipped_with_their_reason() -> None:
    cases = _cases(junit_xml(_document()))
    known = cases["kms.wire.content-type:DescribeKey"].find("skipped")
    assert known is not None and known.attrib["type"] == "known"
    assert known.attrib["message"].startswith(
        "known divergence: kms.wire.content-type:DescribeKey:wire-format:"
    )
    assert "print('repro')" in (known.text or "")
    advisory = cases["kms.create-key.sm2-outside-china:CreateKey"].find("skipped")
    assert advisory is not None and advisory.attrib["type"] == "advisory"
    na = cases["kms.create-key.xks-key-id:CreateKey"].find("skipped")
    assert na is not None and (na.attrib["type"], na.attrib["message"]) == ("not-applicable", "no XKS store")
    passed = cases["kms.tags.reserved-prefix:TagResource"]
    assert list(passed) == []


def test_text_from_the_target_cannot_break_the_xml() -> None:
    finding = served("kms.tags.reserved-prefix", "CreateKey", ["TagException"])
    finding["actual"]["message"] = 'bad\x00\x1b[31m</failure><testcase name="x"/>\ud800 & <![CDATA[ ]]>'
    finding["actual"]["detail"] = "quote \" and ' and \x07 bell"
    xml = junit_xml(make_document([finding]))
    (case,) = _cases(xml).values()  # it parses, and the injected testcase is text
    failure = case.find("failure")
    assert failure is not None
    assert '</failure><testcase name="x"/>' in (failure.text or "")
    assert "\\x00" in (failure.text or "") and "\\x07" in failure.attrib["message"]


def test_requests_are_shown_with_secrets_masked() -> None:
    finding = served("kms.tags.reserved-prefix", "CreateKey", ["TagException"])
    finding["request"] = {"Plaintext": "c2VjcmV0", "Tags": [{"TagKey": "aws:x", "Password": "hunter2"}]}
    text = junit_xml(make_document([finding]))
    assert "c2VjcmV0" not in text and "hunter2" not in text
    assert redact({"KeyMaterial": "x", "Nested": [{"plaintext": 1}]}) == {
        "KeyMaterial": "<redacted>",
        "Nested": [{"plaintext": "<redacted>"}],
    }


def test_texts_say_what_was_due_and_what_came_once() -> None:
    finding = served("kms.tags.reserved-prefix", "CreateKey", ["TagException"])
    finding["actual"]["detail"] = "expected TagException (HTTP 4xx), got HTTP 200 success"
    assert expected_text(finding) == "error TagException (HTTP 4xx)"
    assert actual_text(finding) == "HTTP 200 success"
    schema = make_finding(expected={"outcome": "success", "detail": "body matches"}, status=200, error=None)
    schema["actual"]["detail"] = "/KeyMetadata/KeyUsage: null where a value or absence is required"
    assert expected_text(schema) == "success (HTTP 2xx): body matches"
    assert actual_text(schema).endswith(
        "success: /KeyMetadata/KeyUsage: null where a value or absence is required"
    )
    assert actual_text({"actual": {"status": None}}) == "no answer"
    assert reproduction_hint({"id": "x", "reproduce": "s", "reproduce_cli": "c"}) == (
        "`reproduce` (Python) and `reproduce_cli` (command line) of finding x in findings.json"
    )


def test_headline_numbers_and_run_facts() -> None:
    document = _document()
    document["summary"]["stale_baseline"] = ["a", "b"]
    document["versions"] = {"botocore": "1.44.5"}
    counts = summary_counts(document, rule_outcomes(document))
    assert (counts["findings"], counts["new"], counts["known"], counts["advisory"], counts["stale"]) == (
        4,
        2,
        1,
        1,
        2,
    )
    assert (counts["tests_failed"], counts["tests_passed"], counts["tests_not-applicable"]) == (2, 3, 1)
    facts = dict(run_facts(document))
    assert facts["implementation"] == "moto 5.2.5" and facts["botocore"] == "1.44.5" and facts["seed"] == "1"
