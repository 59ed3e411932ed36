"""junit.xml: the run as test cases, so CI systems show divergences natively.

One ``<testcase>`` per rule test, named ``<rule>:<operation>`` like the pytest id of
``test_rule``, in one ``<testsuite>`` per service; ``classname`` is ``conformance.<rule>`` so
that tree views (Jenkins, GitLab, GitHub test reporters) fold a rule's operations together.

- A test with a new finding (or one whose baseline entry expired) is a ``<failure>``: its
  ``message`` is the first finding's expected vs actual in one line (what a CI summary shows),
  and its text gives every finding of the test with the finding id, cause, expected, actual,
  the minimal request or steps, and both reproductions.
- A test whose findings are all known (in the baseline) is ``<skipped type="known">`` whose
  ``message`` names the known findings. Why skipped and not a failure marked known: CI systems
  count every ``<failure>`` as red and most show no attribute that would say "known", so a
  green run (exit 0) would read as 85 failures; and the harness itself runs a known divergence
  as pytest xfail, which pytest's own junit writer reports as ``<skipped type="pytest.xfail">``.
  Every system lists skipped cases with their message, so the known divergence stays visible
  without turning the build red.
- Advisory findings (inferred evidence, never failing) are ``<skipped type="advisory">``.
- A rule that could not apply is ``<skipped type="not-applicable">``, with the reason;
  one not checked is ``<skipped type="unchecked">``.

Text from the target (codes, messages, details) goes into the XML through ElementTree, which
escapes markup; characters XML 1.0 cannot carry at all (control characters) are replaced first,
since ElementTree would write them and produce a file no CI can parse.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

from harness.reporting.causes import cause_of
from harness.reporting.outcomes import (
    Outcome,
    actual_text,
    expected_text,
    finding_state,
    redact,
    rule_outcomes,
)

__all__ = ["junit_xml"]

_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    """``text`` with every character XML 1.0 forbids shown as ``\\xNN`` instead."""
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _finding_text(finding: Mapping[str, Any]) -> str:
    cause, title = (finding.get("cause"), finding.get("cause_title"))
    if not cause:
        cause, title = cause_of(finding)
    lines = [
        f"finding {finding.get('id')} ({finding_state(finding)})",
        f"cause:    {cause} -- {title}",
        f"rule:     {finding.get('rule')} ({finding.get('source', '')})",
        f"expected: {expected_text(finding)}",
        f"actual:   {actual_text(finding)}",
    ]
    message = (finding.get("actual") or {}).get("message")
    if message:
        lines.append(f"message:  {message}")
    lines.append(f"request ({finding.get('region', '')}): {json.dumps(redact(finding.get('request') or {}))}")
    for n, step in enumerate(finding.get("steps") or [], start=1):
        status = step.get("status")
        answer = step.get("error") or ("success" if isinstance(status, int) and status < 300 else status)
        lines.append(
            f"  step {n}: {step.get('operation')} {json.dumps(redact(step.get('request') or {}))} -> {answer}"
        )
    if finding.get("reproduce_cli"):
        lines += ["", "reproduce (command line):", str(finding["reproduce_cli"])]
    if finding.get("reproduce"):
        lines += ["", "reproduce (Python script):", str(finding["reproduce"])]
    return "\n".join(lines)


def _one_line(finding: Mapping[str, Any]) -> str:
    return f"expected {expected_text(finding)}; got {actual_text(finding)}"


def _case(parent: ET.Element, outcome: Outcome) -> None:
    case = ET.SubElement(
        parent,
        "testcase",
        name=_clean(outcome.name),
        classname=_clean(f"conformance.{outcome.rule}"),
        time="0",
    )
    findings = outcome.findings
    if outcome.status == "failed" and findings:
        failing = [f for f in findings if finding_state(f) in ("new", "expired")]
        others = [f for f in findings if f not in failing]
        head = failing[0]
        more = f" (+{len(failing) - 1} more)" if len(failing) > 1 else ""
        failure = ET.SubElement(
            case, "failure", message=_clean(_one_line(head) + more), type=str(head.get("kind", ""))
        )
        failure.text = _clean("\n\n".join(_finding_text(f) for f in [*failing, *others]))
    elif outcome.status == "failed":
        failure = ET.SubElement(case, "failure", message=_clean(outcome.reason or "failed"), type="failed")
    elif outcome.status in ("known", "advisory"):
        ids = ", ".join(str(f.get("id")) for f in findings) or outcome.reason
        label = "known divergence" if outcome.status == "known" else "advisory (inferred evidence)"
        skipped = ET.SubElement(case, "skipped", message=_clean(f"{label}: {ids}"), type=outcome.status)
        skipped.text = _clean("\n\n".join(_finding_text(f) for f in findings))
    elif outcome.status in ("not-applicable", "unchecked"):
        ET.SubElement(case, "skipped", message=_clean(outcome.reason or outcome.status), type=outcome.status)


def _counts(outcomes: Sequence[Outcome]) -> dict[str, str]:
    failed = sum(1 for o in outcomes if o.status == "failed")
    skipped = sum(1 for o in outcomes if o.status not in ("failed", "passed"))
    return {"tests": str(len(outcomes)), "failures": str(failed), "errors": "0", "skipped": str(skipped)}


def junit_xml(document: Mapping[str, Any], *, name: str = "kms-conformance") -> str:
    """The JUnit XML text of a findings.json document (see the module docstring)."""
    outcomes = rule_outcomes(document)
    target = document.get("target") or {}
    root = ET.Element("testsuites", {"name": _clean(name), **_counts(outcomes)})
    by_service: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_service.setdefault(outcome.service, []).append(outcome)
    for service, cases in sorted(by_service.items()):
        attributes = {
            "name": _clean(f"{name}.{service}"),
            "timestamp": _clean(str(document.get("started_at", ""))),
            "hostname": _clean(str(target.get("name", ""))),
            **_counts(cases),
        }
        suite = ET.SubElement(root, "testsuite", attributes)
        props = ET.SubElement(suite, "properties")
        for key, value in (
            ("target", target.get("name")),
            ("implementation", target.get("implementation")),
            ("profile", document.get("profile")),
            ("seed", document.get("seed")),
            ("harness_version", document.get("harness_version")),
        ):
            ET.SubElement(props, "property", name=key, value=_clean(str(value)))
        for outcome in cases:
            _case(suite, outcome)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
