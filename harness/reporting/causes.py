"""Root causes: the same fault seen through many doors is one thing to fix.

A run against moto has about 210 findings, but a maintainer has a few dozen things to fix:
moto types every success answer ``text/html`` (one finding per operation and service), writes
``null`` for absent members (one finding per member and operation), serves requests that break
any member constraint (one finding per constraint kind and operation). A *cause* groups the
findings that are the same wrong answer to the same kind of request.

The key is a function of ONE finding, never of the other findings of the run, so a cause id
is the same in every run that meets the fault, whatever else that run found (a grouping by
connected components would renumber causes when a new finding bridges two groups). It never
reads drawn data (request values, key ids, messages): only the rule id, the kind, the expected
outcome and codes, the actual status and code, and the finding's signature, which
:mod:`harness.checks` already keeps free of drawn data. The key has four parts:

``scope``
    the service, or ``*`` for the protocol-level rule areas (``wire``, ``auth``, ``validation``,
    ``response``, ``error``). Both services speak the same awsJson protocol, and an
    implementation parses, validates, authenticates and serializes them in one shared layer, so
    ``kms.wire.content-type`` and ``pc.wire.content-type`` breaking the same way is one fault.
    Rules about a service's own semantics (tags, key states, CreateKey combinations) keep
    their service: KMS and Payment Cryptography are separate handlers.
``request class``
    what kind of request it was: the rule's area (``kms.tags.key-too-long`` -> ``tags``,
    ``kms.update-primary-region.disabled`` -> ``update-primary-region``), because the rules of
    an area are checks of one handler or one constraint family, which an implementation
    performs (or forgets) in one place. Two kinds of rule are finer: each ``wire`` rule is a
    different malformation (a body that is not JSON, a member of the wrong JSON type, an unknown
    X-Amz-Target), so it is its own class; and an ``invariant`` is a fact about one rule's
    answers, so its class is the rule.
``kind``
    the finding's kind (``unexpected-success``, ``server-error``, ...).
``answer``
    the wrong answer, described so that the same fault gives the same text at every door:

    - served (``unexpected-success``, ``auth``): ``success`` -- which refusal was due (e.g.
      TagException or ValidationException) does not change the fault, which is not checking;
    - ``server-error``: ``HTTP <status>`` (and its error code, if any), whatever was expected: a
      crash in a handler is one fault for its valid and invalid requests alike;
    - ``wrong-error`` / ``unexpected-error``: the codes that were due and the code that came;
    - ``response-schema``: the signature (blanked pointer and keyword), except a ``null``
      member, which is one serializer fault at whichever member it shows, so the pointer is
      dropped;
    - ``invariant``: the fact that failed (the signature without its pointer: the same fact
      failing in ``KeyMetadata`` and ``ReplicaKeyMetadata`` is one fault);
    - anything else: the signature.

On the moto run of seed 1 this gives 53 causes for 210 findings; the largest are
"serves requests that break the validation rules" (28 findings over 13 operations of both
services), "Content-Type text/html on success answers" (19) and "serves requests that break
the kms tags rules" (18).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["PROTOCOL_AREAS", "Cause", "annotate", "cause_key", "cause_of", "group"]

PROTOCOL_AREAS = frozenset({"wire", "auth", "validation", "response", "error"})
"""Rule areas that the awsJson protocol defines alike for every service (see module doc)."""

_SERVED = frozenset({"unexpected-success", "auth"})
_WRONG_CODE = frozenset({"wrong-error", "unexpected-error"})


def _split_rule(rule: str) -> tuple[str, str, str]:
    """``kms.tags.key-too-long`` -> (``kms``, ``tags``, ``tags.key-too-long``)."""
    service, _, name = rule.partition(".")
    if not name:
        return "", rule, rule
    area = name.rpartition(".")[0] or name
    return service, area.split(".", 1)[0], name


def _status(actual: Mapping[str, Any]) -> str:
    status = actual.get("status")
    if not isinstance(status, int) or status == 0:
        return "no answer"
    error = actual.get("error")
    return f"HTTP {status} {error}" if isinstance(error, str) and error else f"HTTP {status}"


def _expected(expected: Mapping[str, Any]) -> str:
    outcome = str(expected.get("outcome", ""))
    errors = expected.get("errors")
    if outcome == "error" and isinstance(errors, list) and errors:
        return " or ".join(sorted(str(e) for e in errors))
    return "a 4xx" if outcome == "any-4xx" else outcome


def _answer(finding: Mapping[str, Any], kind: str) -> str:
    actual: Mapping[str, Any] = finding.get("actual") or {}
    expected: Mapping[str, Any] = finding.get("expected") or {}
    signature = str(finding.get("signature") or "")
    if kind in _SERVED:
        return "success"
    if kind == "server-error":
        return _status(actual)
    if kind in _WRONG_CODE:
        error = actual.get("error")
        got = error if isinstance(error, str) and error else _status(actual)
        return f"{_expected(expected)} -> {got}"
    if kind == "response-schema" and signature.endswith(": null"):
        return "null member"
    if kind == "invariant":
        return signature.split(": ", 1)[1] if ": " in signature else signature
    if kind == "difference":
        other: Mapping[str, Any] = finding.get("other") or {}
        return f"{_status(actual)} vs {other.get('target', 'other')} {_status(other)}"
    if kind == "not-implemented":
        return "not implemented"
    if not signature:
        # Older documents carry no signature: the actual answer is the next stable thing.
        return _status(actual)
    return signature


def cause_key(finding: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """(scope, request class, kind, answer) of one finding; see the module docstring."""
    rule = str(finding.get("rule", ""))
    kind = str(finding.get("kind", ""))
    service, area, name = _split_rule(rule)
    service = str(finding.get("service") or service)
    scope = "*" if area in PROTOCOL_AREAS else service
    if kind == "invariant" or area == "wire":
        request_class = name
    elif kind == "not-implemented":
        request_class = "service"
    else:
        request_class = area
    return scope, request_class, kind, _answer(finding, kind)


def _cause_id(key: tuple[str, str, str, str]) -> str:
    scope, request_class, kind, _ = key
    digest = hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:8]
    prefix = "" if scope == "*" else f"{scope}."
    return f"{prefix}{request_class}:{kind}:{digest}"


def _what(scope: str, request_class: str) -> str:
    if "." in request_class:  # one rule (an invariant, a wire malformation)
        return f"the {request_class} rules" if scope == "*" else f"the {scope} rule {request_class}"
    return f"the {request_class} rules" if scope == "*" else f"the {scope} {request_class} rules"


def _title(key: tuple[str, str, str, str]) -> str:
    scope, request_class, kind, answer = key
    what = _what(scope, request_class)
    if kind == "unexpected-success":
        return f"Serves requests that break {what} instead of refusing them"
    if kind == "auth":
        return f"Serves requests that {what} must refuse (authentication is not checked)"
    if kind == "server-error":
        shown = "no answer" if answer == "no answer" else f"{answer} (a server error)"
        return f"Answers {shown} to requests under {what}"
    if kind == "wrong-error":
        due, _, got = answer.partition(" -> ")
        return f"Answers {got} where {what} require {due}"
    if kind == "unexpected-error":
        _, _, got = answer.partition(" -> ")
        return f"Refuses valid requests under {what} with {got}"
    if kind == "response-schema":
        if answer == "null member":
            return "Answers carry null members where a value or absence is required"
        return f"Success bodies break the response schema at {answer}"
    if kind == "wire-format" and request_class.endswith("content-type") and ": " in answer:
        outcome, _, media = answer.partition(": ")
        return f"Content-Type {media} on {outcome} answers, not the service's awsJson type"
    if kind == "wire-format" and request_class == "response":
        body = answer.removeprefix("body: ")
        return f"Operations with no documented response elements answer {body!r}, not an empty body"
    if kind == "wire-format" and request_class == "error":
        if answer == "body: not JSON":
            return "Error answers whose body is not a JSON object"
        return f"Error bodies are not shaped as modelled: {answer}"
    if kind == "wire-format":
        return f"Wire format breaks {what}: {answer}"
    if kind == "invariant":
        return f"Answers contradict {what}: {answer}"
    if kind == "not-implemented":
        return f"Operations of {scope} are not implemented"
    if kind == "difference":
        return f"Answers differ under {what}: {answer}"
    return f"{kind} under {what}: {answer}"


def cause_of(finding: Mapping[str, Any]) -> tuple[str, str]:
    """The (id, one-line title) of a finding's cause; both depend on that finding alone."""
    key = cause_key(finding)
    return _cause_id(key), _title(key)


def _counts_as_new(finding: Mapping[str, Any]) -> bool:
    return finding.get("baseline") != "known" and not finding.get("advisory")


@dataclass(frozen=True, slots=True)
class Cause:
    """One root cause and the findings that show it, new ones first, then by id."""

    id: str
    title: str
    key: tuple[str, str, str, str]
    findings: tuple[Mapping[str, Any], ...]

    @property
    def kind(self) -> str:
        return self.key[2]

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(sorted({str(f.get("rule", "")) for f in self.findings}))

    @property
    def operations(self) -> tuple[tuple[str, str], ...]:
        """(service, operation) pairs it touches, sorted."""
        return tuple(
            sorted({(str(f.get("service", "")), str(f.get("operation", ""))) for f in self.findings})
        )

    @property
    def services(self) -> tuple[str, ...]:
        return tuple(sorted({str(f.get("service", "")) for f in self.findings}))

    @property
    def new(self) -> int:
        """Findings that fail the run: not in the baseline (or expired there), not advisory."""
        return sum(1 for f in self.findings if _counts_as_new(f))

    @property
    def status(self) -> str:
        """``new`` when any finding is new, else ``advisory`` when all are, else ``known``."""
        if self.new:
            return "new"
        if all(f.get("advisory") for f in self.findings):
            return "advisory"
        return "known"


def group(findings: Iterable[Mapping[str, Any]]) -> list[Cause]:
    """The causes of ``findings``: new causes first, then by size (largest first), then by id."""
    by_key: dict[tuple[str, str, str, str], list[Mapping[str, Any]]] = {}
    for finding in findings:
        by_key.setdefault(cause_key(finding), []).append(finding)
    causes = [
        Cause(
            _cause_id(k),
            _title(k),
            k,
            tuple(sorted(v, key=lambda f: (not _counts_as_new(f), str(f.get("id"))))),
        )
        for k, v in by_key.items()
    ]
    order = {"new": 0, "known": 1, "advisory": 2}
    return sorted(causes, key=lambda c: (order[c.status], -len(c.findings), c.id))


def annotate(document: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a findings.json document whose findings carry ``cause`` and ``cause_title``,
    and whose summary counts ``causes``; the input is not modified."""
    findings = []
    for finding in document.get("findings") or []:
        cid, title = cause_of(finding)
        findings.append({**finding, "cause": cid, "cause_title": title})
    summary = dict(document.get("summary") or {})
    summary["causes"] = len({f["cause"] for f in findings})
    return {**document, "summary": summary, "findings": findings}
