"""Differential runs: every call also goes to a second target, and the two answers are compared.

``--compare-target NAME`` mirrors each call a run makes (set-up steps, calls under test,
controls, raw requests, state-machine steps) to a second target, in the same order, so both
targets see the same history. Values that differ by nature between two correct
implementations are compared by reference, never by value:

- identifiers (key ids, ARNs, account ids): the first time both targets answer the same call
  successfully, each identifier of one answer is paired with the one at the same place in the
  other (:class:`References`); later requests are translated (the same key maps to each side's
  own id) and the other's answers are read back in this target's ids;
- timestamps (members the response schema marks ``x-wire: epoch-seconds``), blobs (``contentEncoding:
  base64``: ciphertexts, data keys, signatures, public keys) and what a service declares random
  (``Service.by_nature``: key check values, key material ids, page tokens): compared by presence
  and type only;
- lists: compared as multisets (order is not documented); error messages: not compared (free
  text); the HTTP status: by class; an empty success body and ``{}`` alike (both documented).

Two answers that should not exist (both targets served a request the documentation refuses) are
not compared member by member: their outcome is the finding, on each side.

Every difference is a finding of kind ``difference`` (one per operation and place) that carries
both answers (``actual`` and ``other``) and says which side, if either, agrees with the
documentation: each side's answer is judged by its own judge and reference model. A difference
both answers are allowed by the documentation is an advisory (no document fixes it).

A call that names a key only this target has (one the other target refused to create) is still
sent, but not compared: its difference is the refusal's, already reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from harness.checks import Divergence
from harness.engine.judge import Judge, Judgement
from harness.exchange import Call, Exchange
from harness.findings import Finding, FindingsLog, make_finding
from harness.oracle.answers import answer_rule_id
from harness.oracle.rules import RULES, Evidence, Expectation
from harness.services import SERVICES
from harness.spec.catalog import Spec
from harness.transport import RawRequest, Transport

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: A multi-Region key id: ``mrk-`` and 32 hex digits (AWS, LocalStack) or a UUID (moto).
_MRK = rf"mrk-(?:[0-9a-f]{{32}}|{_UUID})"
_ARN = re.compile(r"^arn:(aws[\w-]*):([\w-]+):([\w-]*):(\d{12})?:(.+)$")
#: An identifier: an ARN, a key id (a UUID, a multi-Region ``mrk-`` id) or an account id.
REFERENCE = re.compile(rf"^(arn:aws[\w-]*:[\w-]+:[\w-]*:\d{{0,12}}:.+|{_UUID}|{_MRK}|\d{{12}})$")
#: Identifiers inside a longer text (a key policy): ARNs and key ids, never a bare run of digits.
_EMBEDDED = re.compile(rf"arn:aws[\w-]*:[\w-]+:[\w-]*:\d{{12}}:[\w/:.+=@-]+|{_MRK}|{_UUID}")
#: Where an answer's ids are shown once they are read back in this target's ids.
UNPAIRED = "<an identifier this target never answered>"


def _resource_id(resource: str) -> str | None:
    """The key id of an ARN's resource part (``key/<id>``), if it names one."""
    kind, _, rest = resource.partition("/")
    return rest if kind and rest and "/" not in rest else None


@dataclass
class References:
    """Identifiers of this target paired with the other target's: the same thing on both sides."""

    forward: dict[str, str] = field(default_factory=dict)
    """This target's identifier -> the other's."""
    backward: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    """Identifiers this target answered (a request naming one the other lacks is not compared)."""

    def pair(self, mine: str, theirs: str) -> None:
        """``mine`` and ``theirs`` name the same thing (equal ones too: both sides say so)."""
        if mine in self.forward or theirs in self.backward:
            return
        self.forward[mine] = theirs
        self.backward[theirs] = mine
        a, b = _ARN.match(mine), _ARN.match(theirs)
        if a and b:
            if a.group(4) and b.group(4):
                self.pair(a.group(4), b.group(4))  # the accounts
            ra, rb = _resource_id(a.group(5)), _resource_id(b.group(5))
            if ra and rb:
                self.pair(ra, rb)  # the key ids

    def learn(self, mine: Any, theirs: Any) -> None:
        """Pair the identifiers at the same places of two successful answers to the same call."""
        for value in _strings(mine):
            if REFERENCE.match(value):
                self.seen.add(value)
        if isinstance(mine, dict) and isinstance(theirs, dict):
            for key in mine.keys() & theirs.keys():
                self.learn(mine[key], theirs[key])
        elif isinstance(mine, list) and isinstance(theirs, list) and len(mine) == len(theirs) == 1:
            self.learn(mine[0], theirs[0])
        elif isinstance(mine, str) and isinstance(theirs, str) and _both_references(mine, theirs):
            self.pair(mine, theirs)

    def to_other(self, value: Any) -> tuple[Any, bool]:
        """``value`` (a request) in the other target's identifiers; False when it names an
        identifier this target answered and the other never did."""
        complete = True

        def translate(text: str) -> str:
            nonlocal complete
            out = _mapped(text, self.forward)
            if out == text and text in self.seen and text not in self.forward:
                complete = False
            return out

        return _walk(value, translate), complete

    def to_mine(self, value: Any) -> Any:
        """The other target's answer read back in this target's identifiers."""

        def translate(text: str) -> str:
            out = _mapped(text, self.backward)
            if out == text and text not in self.backward and REFERENCE.match(text) and not text.isdigit():
                return UNPAIRED
            return out

        return _walk(value, translate)


def _both_references(mine: str, theirs: str) -> bool:
    return bool(REFERENCE.match(mine) and REFERENCE.match(theirs))


def _mapped(text: str, mapping: Mapping[str, str]) -> str:
    """``text`` with every paired identifier replaced: whole, as an ARN's parts, or inside a text
    (a key policy names its account's ARNs)."""
    if text in mapping:
        return mapping[text]
    arn = _ARN.match(text)
    if arn:
        partition, service, region, account, resource = arn.groups()
        key = _resource_id(resource)
        if key is not None and key in mapping:
            resource = resource[: -len(key)] + mapping[key]
        account = mapping.get(account or "", account or "")
        return f"arn:{partition}:{service}:{region}:{account}:{resource}"
    if len(text) > 36:
        # Only what looks like an identifier is replaced: drawn text may hold any digits.
        return _EMBEDDED.sub(lambda m: _mapped(m.group(0), mapping), text)
    return text


def _walk(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {k: _walk(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, change) for v in value]
    if isinstance(value, str):
        return change(value)
    return value


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


# -- comparing two answers ---------------------------------------------------------------


def _by_nature_members(spec: Spec, service: str) -> frozenset[str]:
    """Members any response schema of ``service`` marks as epoch-seconds timestamps or blobs."""
    names: set[str] = set()

    def visit(schema: Any) -> None:
        if isinstance(schema, dict):
            for name, sub in (schema.get("properties") or {}).items():
                if isinstance(sub, dict) and (
                    sub.get("x-wire") == "epoch-seconds" or sub.get("contentEncoding") == "base64"
                ):
                    names.add(name)
            for sub in schema.values():
                visit(sub)
        elif isinstance(schema, list):
            for sub in schema:
                visit(sub)

    for operation in spec.service(service).operations.values():
        visit(operation.response_schema)
    return frozenset(names)


def _masked(value: Any, incomparable: frozenset[str]) -> Any:
    """``value`` with every member that differs by nature replaced by its JSON type."""
    if isinstance(value, dict):
        return {
            key: f"<{type(item).__name__}>" if key in incomparable else _masked(item, incomparable)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_masked(v, incomparable) for v in value]
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


#: A member one answer does not have (shown as "absent", not as JSON null).
_ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "absent"})()


@dataclass(frozen=True, slots=True)
class Difference:
    where: str
    """A JSON pointer of the answer body, ``outcome`` or ``content-type``."""
    what: str
    """Stable: the class of the difference (never drawn data)."""
    mine: Any
    theirs: Any


def body_differences(mine: Any, theirs: Any, pointer: str = "") -> list[Difference]:
    """Where two (normalised) bodies differ; lists are compared as multisets."""
    if isinstance(mine, dict) and isinstance(theirs, dict):
        found: list[Difference] = []
        for key in sorted(mine.keys() | theirs.keys()):
            at = f"{pointer}/{key}"
            if key not in theirs:
                found.append(Difference(at, "absent on the other target", mine[key], _ABSENT))
            elif key not in mine:
                found.append(Difference(at, "absent on this target", _ABSENT, theirs[key]))
            else:
                found.extend(body_differences(mine[key], theirs[key], at))
        return found
    if isinstance(mine, list) and isinstance(theirs, list):
        if sorted(map(_canonical, mine)) == sorted(map(_canonical, theirs)):
            return []
        return [Difference(pointer or "/", "different items", mine, theirs)]
    if mine == theirs and type(mine) is type(theirs):
        return []
    if type(mine) is not type(theirs):
        return [Difference(pointer or "/", "different JSON types", mine, theirs)]
    return [Difference(pointer or "/", "different values", mine, theirs)]


def _label(exchange: Exchange) -> str:
    if exchange.status is None:
        return "no answer"
    if exchange.ok:
        return "success"
    return exchange.error_code or f"HTTP {exchange.status}"


def _media(exchange: Exchange) -> str | None:
    value = exchange.content_type
    return value.split(";", 1)[0].strip().lower() if value else None


def differences(
    mine: Exchange, theirs: Exchange, refs: References, incomparable: frozenset[str]
) -> list[Difference]:
    """How two answers to the same call differ, once what differs by nature is set aside."""
    if _label(mine) != _label(theirs) or (mine.status or 0) // 100 != (theirs.status or 0) // 100:
        status = f"HTTP {mine.status} {_label(mine)}", f"HTTP {theirs.status} {_label(theirs)}"
        return [Difference("outcome", f"{_label(mine)} vs {_label(theirs)}", *status)]
    found = []
    if mine.raw_body.strip() and theirs.raw_body.strip() and _media(mine) != _media(theirs):
        side = "success" if mine.ok else "error"
        media = _media(mine), _media(theirs)
        found.append(Difference("content-type", f"{side}: {media[0]} vs {media[1]}", *media))
    if mine.ok:
        # An empty body and an empty object are both documented answers of an empty response.
        a = _masked(mine.body if mine.body is not None else {}, incomparable)
        b = _masked(refs.to_mine(theirs.body) if theirs.body is not None else {}, incomparable)
        found.extend(body_differences(a, b))
    return found


# -- the mirror ---------------------------------------------------------------------------


@dataclass
class Mirror:
    """The second target of a differential run: its transport, its own judge, the references."""

    name: str
    transport: Transport
    judge: Judge
    spec: Spec
    this_name: str
    refs: References = field(default_factory=References)
    calls: int = 0
    uncompared: int = 0
    """Calls sent but not compared: they named a key only this target has."""
    _incomparable: dict[str, frozenset[str]] = field(default_factory=dict)

    def incomparable(self, service: str) -> frozenset[str]:
        if service not in self._incomparable:
            declared = SERVICES[service].by_nature if service in SERVICES else frozenset()
            self._incomparable[service] = declared | _by_nature_members(self.spec, service)
        return self._incomparable[service]

    def compare(self, judged: Judgement, sent: Call | RawRequest) -> list[Finding]:
        """Send ``sent`` to the other target, judge its answer, and return the differences."""
        if isinstance(sent, RawRequest):
            text, complete = self.refs.to_other(sent.body.decode("utf-8", errors="replace"))
            translated = replace(sent, body=str(text).encode())
            signing = self.spec.service(sent.service).signing_name
            theirs = self.transport.send_raw(translated, signing_name=signing)
        else:
            params, complete = self.refs.to_other(dict(sent.params))
            theirs = self.transport.send(replace(sent, params=params), role=judged.exchange.role)
        self.calls += 1
        other = self.judge.judge(theirs)
        mine = judged.exchange
        if mine.ok and theirs.ok:
            self.refs.learn(mine.body, theirs.body)
        elif mine.ok:
            self.refs.learn(mine.body, None)
        if not complete:
            self.uncompared += 1
            return []
        if mine.ok and theirs.ok and _served_wrongly(judged) and _served_wrongly(other):
            return []  # both answers should not exist: each side's outcome finding says so
        found = differences(mine, theirs, self.refs, self.incomparable(mine.service))
        return [self._finding(judged, other, d) for d in found]

    def _finding(self, judged: Judgement, other: Judgement, difference: Difference) -> Finding:
        mine, theirs = judged.exchange, other.exchange
        this_ok, other_ok = _agrees(judged, difference), _agrees(other, difference)
        agrees = {
            (True, True): "both answers",
            (True, False): f"this target ({self.this_name})",
            (False, True): f"the other target ({self.name})",
            (False, False): "neither answer",
        }[(this_ok, other_ok)]
        prediction = judged.prediction or other.prediction
        rule = prediction.rule if prediction is not None else answer_rule_id(mine.service, "response.schema")
        expected = prediction.expectation if prediction is not None else Expectation("success")
        shown = _brief(difference.mine), _brief(difference.theirs)
        detail = (
            f"{difference.where}: {difference.what} ({self.this_name} {shown[0]}, {self.name} {shown[1]}); "
            f"the documentation agrees with {agrees}"
        )
        divergence = Divergence(
            rule=rule,
            kind="difference",
            service=mine.service,
            operation=mine.operation,
            expected=Expectation(expected.outcome, expected.errors, f"documented answer; agrees: {agrees}"),
            detail=detail,
            signature=f"{difference.where}: {difference.what}",
            status=mine.status,
            error=mine.error_code,
            message=mine.error_message,
            # Both answers documented: no document says which is right, so it cannot fail a run.
            evidence="inferred" if this_ok and other_ok else _evidence(rule),
        )
        other_answer = {
            "target": self.name,
            "status": theirs.status,
            "error": theirs.error_code,
            "message": theirs.error_message,
            "detail": f"{difference.where}: {shown[1]}; judged against the documentation: "
            + ("; ".join(d.detail for d in other.divergences)[:300] or "no divergence"),
            "request": json.loads(json.dumps(theirs.request)),
        }
        return replace(make_finding(divergence, mine, ()), other=other_answer)


def _agrees(judged: Judgement, difference: Difference) -> bool:
    """Whether one side's answer agrees with the documentation where the two answers differ: its
    outcome, its content type, or the member at ``difference.where``, as its judge saw it."""
    if judged.outcome is not None or judged.not_implemented is not None:
        return False  # an answer the documentation does not allow agrees with it nowhere
    if difference.where == "outcome":
        return True
    if difference.where == "content-type":
        return not any(d.rule.endswith(".wire.content-type") for d in judged.divergences)
    pointer = difference.where if difference.where != "/" else ""
    for divergence in judged.divergences:
        if divergence.kind == "response-schema" and not pointer:
            return False
        if pointer and (pointer in divergence.signature or pointer in divergence.detail):
            return False
    return True


def _served_wrongly(judged: Judgement) -> bool:
    outcome = judged.outcome
    return outcome is not None and outcome.kind in ("unexpected-success", "auth")


def _evidence(rule: str) -> Evidence:
    return RULES[rule].evidence if rule in RULES else "documented"


def _brief(value: Any) -> str:
    if value is _ABSENT:
        return "absent"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if len(text) <= 100 else text[:97] + "..."


def record(findings: FindingsLog, found: list[Finding], counts: Callable[[str], bool]) -> None:
    for finding in found:
        if counts(finding.rule):
            findings.record(finding)
