"""Faults aimed at one rule: the proxy judges the traffic itself, so it knows what a rule decides.

:class:`RuleFaults` sits in a :class:`~harness.testing.fault_proxy.FaultProxy` with its own
:class:`~harness.engine.judge.Judge`, fed with exactly the answers the harness will see, so its
predictions are the harness's. It can

- **repair** answers into what the documentation requires (the predicted error; answers
  cleaned of what the answer rules forbid), turning an emulator that breaks many rules
  into one that conforms to them; and
- **break** the answers a given rule decides (a wrong error code, a success where an error
  is due, a corrupted answer).

A self-test then runs a rule twice, repaired and repaired-plus-broken: the two runs differ
by one fault, so the first must be silent and the second must catch it.

The proxy reconstructs what the harness knows of each request (its operation, JSON body
and, for hand-built requests, its headers and whether its SigV4 signature is right, checked
with botocore's own signer) from the bytes on the wire.
"""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from harness.engine.judge import Judge
from harness.engine.model import Model
from harness.exchange import Call, Exchange
from harness.model.matchers import JsonText, Number, OneOf, SameItems
from harness.oracle.answers import answer_rule_id
from harness.oracle.predict import ABSENT, Prediction
from harness.oracle.rules import RULES
from harness.oracle.wire import WIRE_RULES, content_type_of, operations_of, target_prefix_of
from harness.services.kms import metadata
from harness.services.payment_cryptography.model import PcModel
from harness.spec import catalog
from harness.testing.fault_proxy import Fault, ProxiedRequest, ProxiedResponse

INJECTED = "InjectedFault"
_CREDENTIAL = re.compile(r"Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request")
_SIGNED = re.compile(r"SignedHeaders=([^,\s]+)")
_SIGNATURE = re.compile(r"Signature=([0-9a-f]+)")


def _header(request: ProxiedRequest, name: str) -> str | None:
    return next((v for k, v in request.headers.items() if k.lower() == name.lower()), None)


def signature_is_valid(request: ProxiedRequest, secret: str) -> bool:
    """Recompute the request's SigV4 signature with botocore's signer and compare."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    authorization = _header(request, "Authorization") or ""
    credential, signed, given = (
        _CREDENTIAL.search(authorization),
        _SIGNED.search(authorization),
        _SIGNATURE.search(authorization),
    )
    timestamp = _header(request, "X-Amz-Date")
    if not (credential and signed and given and timestamp):
        return False
    names = signed.group(1).split(";")
    headers = {k: v for k, v in request.headers.items() if k.lower() in names}
    host = _header(request, "Host") or ""
    aws_request = AWSRequest(
        method=request.method, url=f"http://{host}{request.path}", data=request.body, headers=headers
    )
    aws_request.context["timestamp"] = timestamp
    signer = SigV4Auth(Credentials(credential.group(1), secret), credential.group(4), credential.group(3))
    canonical = signer.canonical_request(aws_request)
    expected = signer.signature(signer.string_to_sign(aws_request, canonical), aws_request)
    return hmac.compare_digest(expected, given.group(1))


def request_view(request: ProxiedRequest, *, default_region: str, secret: str) -> tuple[Call, dict[str, Any]]:
    """What the harness knows of ``request``: its call and its wire description."""
    target = _header(request, "X-Amz-Target")
    authorization = _header(request, "Authorization") or ""
    credential = _CREDENTIAL.search(authorization)
    region = credential.group(3) if credential else default_region
    if target:
        service = (
            "payment-cryptography" if target.startswith(target_prefix_of("payment-cryptography")) else "kms"
        )
    else:
        service = (
            "payment-cryptography" if credential and credential.group(4) == "payment-cryptography" else "kms"
        )
    prefix, _, name = (target or "").rpartition(".")
    if not target:
        operation = "(no X-Amz-Target)"
    elif prefix != target_prefix_of(service) or name not in operations_of(service):
        operation = "(unknown operation)"
    else:
        operation = name
    text = request.body.decode("utf-8", errors="replace")
    try:
        params = json.loads(text)
    except ValueError:
        params = None
    wire: dict[str, Any] = {
        "target": target,
        "content_type": _header(request, "Content-Type"),
        "auth": "unsigned"
        if not authorization
        else "sigv4"
        if signature_is_valid(request, secret)
        else "bad-signature",
    }
    if not isinstance(params, dict):
        wire["body"] = text
    return Call(service, operation, params if isinstance(params, dict) else {}, region), wire


def _error(service: str, code: str, status: int = 400) -> ProxiedResponse:
    member = "message" if service == "kms" else "Message"
    body: dict[str, Any] = {"__type": code, member: "rewritten by the fault proxy"}
    if code == "ResourceNotFoundException" and service != "kms":
        body = {"__type": code, "ResourceId": "rewritten-by-the-fault-proxy"}
    return ProxiedResponse(status, {"Content-Type": content_type_of(service)}, json.dumps(body).encode())


def _json_answer(service: str, body: Any, status: int = 200) -> ProxiedResponse:
    return ProxiedResponse(status, {"Content-Type": content_type_of(service)}, json.dumps(body).encode())


# --- repairs: make an answer say what the documentation requires -------------------------------


def _without_nulls(value: Any) -> Any:
    """Drop null members; a null ``Enabled`` (Payment Cryptography) becomes its documented
    default, true (rulebook rule 54), since the member is required there."""
    if isinstance(value, dict):
        cleaned = {k: _without_nulls(v) for k, v in value.items() if v is not None}
        if "Enabled" in value and value["Enabled"] is None and "KeyArn" in value:
            cleaned["Enabled"] = True
        return cleaned
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _documented_algorithms(meta: dict[str, Any]) -> None:
    usage, spec = meta.get("KeyUsage"), meta.get("KeySpec")
    for member, allowed in metadata.LIST_FOR_USAGE.items():
        if member in meta and usage != allowed:
            del meta[member]
    if isinstance(spec, str) and isinstance(usage, str):
        documented = metadata.DOCUMENTED_ALGORITHMS.get((metadata.spec_family(spec), usage))
        if documented is not None and documented[0] in meta:
            meta[documented[0]] = sorted(documented[1])


#: The code the proxy breaks error.undocumented-code with.
UNDOCUMENTED_CODE = "HarnessUndocumentedException"
_WIRE_RULE_IDS = frozenset(rule.id for rule in WIRE_RULES.values())


def _codes_open(prediction: Prediction | None) -> bool:
    """No rule names the codes of this answer (the judge's error.undocumented-code applies)."""
    if prediction is None:
        return True
    return prediction.expectation.outcome == "any-4xx" and not set(prediction.rules) & _WIRE_RULE_IDS


def _documented_code(call: Call, code: str) -> bool:
    spec = catalog.load("aws").service(call.service)
    op = spec.operations.get(call.operation)
    return op is None or code in op.errors or code in spec.common_errors


def repair_answer(call: Call, prediction: Prediction | None, response: ProxiedResponse) -> ProxiedResponse:
    """``response`` as a conforming target would have given it, where the oracle can say how."""
    service = call.service
    if prediction is not None and prediction.expectation.outcome != "success":
        expected = prediction.expectation
        body = response.json()
        code = body.get("__type") if isinstance(body, dict) else None
        conforming = 400 <= response.status < 500 and (
            expected.outcome == "any-4xx" or code in expected.errors
        )
        if not conforming:
            return _error(service, expected.errors[0] if expected.errors else "ValidationException")
    if 200 <= response.status < 300:
        op = catalog.load("aws").service(service).operations.get(call.operation)
        if op is not None and op.response_schema is None:
            # No documented response elements: "an HTTP 200 response with an empty HTTP body".
            return ProxiedResponse(response.status, {"Content-Type": content_type_of(service)}, b"")
        body = response.json()
        if not isinstance(body, dict):
            return response
        body = _without_nulls(body)
        for member in ("KeyMetadata", "ReplicaKeyMetadata"):
            if isinstance(body.get(member), dict):
                _documented_algorithms(body[member])
        for fact in prediction.facts if prediction is not None else ():
            value = _literal(fact.expected)
            if fact.pattern is None and value is not None and not fact.holds(body):
                _set(body, fact.pointer, value)
        for meta in _each_metadata(body):
            if isinstance(meta.get("KeyState"), str):
                meta["Enabled"] = meta["KeyState"] == "Enabled"  # rule 39
        if service != "kms" and call.operation == "CreateKey" and isinstance(body.get("Key"), dict):
            body["Key"].setdefault("Enabled", call.params.get("Enabled", True))  # rule 54 default
        return _json_answer(service, body)
    body = response.json()
    if not isinstance(body, dict):
        # An error must be a JSON object naming its code (rule 3); keep what code there is.
        code = (response.headers.get("X-Amzn-ErrorType") or "ValidationException").split(":")[0]
        return _error(service, code, response.status)
    if "__type" in body:
        code = str(body["__type"])
        if _codes_open(prediction) and not _documented_code(call, code):
            code = "ValidationException"  # a common error of both services
            body = {**body, "__type": code}
        if service != "kms":
            text = body.get("message", body.get("Message", ""))
            body = (
                {"__type": code, "ResourceId": text}
                if code == "ResourceNotFoundException"
                else {
                    "__type": code,
                    "Message": text,
                }
            )
        return _json_answer(service, body, response.status)
    return response


def _set(body: dict[str, Any], pointer: str, value: Any) -> None:
    """Set (or, for ABSENT, remove) the member at a JSON pointer, if its container exists."""
    parts = [p for p in pointer.split("/") if p]
    if not parts:
        return  # a fact about the whole body: nothing to set in place
    node: Any = body
    for part in parts[:-1]:
        if isinstance(node, dict) and isinstance(node.get(part), dict | list):
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return
    last = parts[-1]
    if isinstance(node, dict):
        if value is ABSENT:
            node.pop(last, None)
        else:
            node[last] = value
    elif isinstance(node, list) and last.isdigit() and int(last) < len(node) and value is not ABSENT:
        node[int(last)] = value


def _literal(expected: Any) -> Any:
    """A value a fact's expectation can be set to in an answer: the literal itself, or what a
    matcher stands for (a matcher's first option, its items, its JSON text); None when the
    expectation is not one value ("a number", "every key of the Region")."""
    if expected is ABSENT or isinstance(expected, str | int | float | bool | list | dict):
        return expected
    if isinstance(expected, OneOf):
        return expected.options[0] if expected.options else None
    if isinstance(expected, SameItems):
        return list(expected.items)
    if isinstance(expected, JsonText):
        return expected.document
    return None  # Number, ListsKeys: no single value


def _wrong(expected: Any, current: Any) -> Any:
    """A value of the same JSON type as the answer's that the expectation rejects.

    Types are kept so the broken answer still parses in any SDK: only the fact breaks.
    """
    sample = current if current is not ABSENT else _literal(expected)
    if expected is ABSENT:
        return 1700000000.0  # present where it must be absent (timestamps are the usual case)
    if isinstance(expected, Number) or isinstance(sample, bool):
        return (not sample) if isinstance(sample, bool) else "not-a-number"
    if isinstance(sample, int | float):
        return sample + 1
    if isinstance(sample, str):
        return sample + "-corrupted"
    if isinstance(sample, list):
        item = sample[0] if sample else {"TagKey": "x", "TagValue": "y"}
        if isinstance(item, dict):
            # a list of objects (tags, replicas): one more object of the same shape
            return [*sample, {k: f"corrupted-{k}" for k in item}]
        return [*sample, "corrupted"]
    return "corrupted"


# --- breaks: make the answers a rule decides wrong ---------------------------------------------

Corruptor = Callable[[Call, dict[str, Any]], bool]
"""Changes a successful answer body in place; True when it changed something."""


def _each_metadata(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [body[m] for m in ("KeyMetadata", "ReplicaKeyMetadata") if isinstance(body.get(m), dict)]


def _corrupt_metadata(change: Callable[[dict[str, Any]], bool]) -> Corruptor:
    def corrupt(call: Call, body: dict[str, Any]) -> bool:
        changed = [change(meta) for meta in _each_metadata(body)]  # every metadata, no short cut
        return any(changed)

    return corrupt


def _iso_date(meta: dict[str, Any]) -> bool:
    meta["CreationDate"] = "2024-01-01T00:00:00Z"
    return True


def _encapsulation(meta: dict[str, Any]) -> bool:
    if meta.get("KeyUsage") == "ENCAPSULATE_DECAPSULATE":
        return False
    meta["EncapsulationAlgorithms"] = ["ML_KEM"]
    return True


def _flip_enabled(meta: dict[str, Any]) -> bool:
    meta["Enabled"] = meta.get("KeyState") != "Enabled"
    return True


def _upper_key_id(meta: dict[str, Any]) -> bool:
    if meta.get("MultiRegion") is True or not isinstance(meta.get("KeyId"), str):
        return False
    meta["KeyId"] = meta["KeyId"].upper()
    return True


def _arn_region(meta: dict[str, Any]) -> bool:
    if not isinstance(meta.get("Arn"), str):
        return False
    meta["Arn"] = re.sub(r":kms:[^:]+:", ":kms:xx-nowhere-9:", meta["Arn"])
    return True


def _config_on_single_region(meta: dict[str, Any]) -> bool:
    if meta.get("MultiRegion") is not False:
        return False
    meta["MultiRegionConfiguration"] = {"MultiRegionKeyType": "PRIMARY", "ReplicaKeys": []}
    return True


def _spec_alias(meta: dict[str, Any]) -> bool:
    if "KeySpec" not in meta:
        return False
    meta["CustomerMasterKeySpec"] = "HMAC_256" if meta["KeySpec"] != "HMAC_256" else "HMAC_384"
    return True


def _pc_key_state(call: Call, body: dict[str, Any]) -> bool:
    if not isinstance(body.get("Key"), dict):
        return False
    body["Key"]["KeyState"] = "NOT_A_STATE"
    return True


ANSWER_BREAKS: dict[str, Corruptor] = {
    "kms.response.schema": _corrupt_metadata(_iso_date),
    "pc.response.schema": _pc_key_state,
    "kms.key-metadata.algorithms": _corrupt_metadata(_encapsulation),
    "kms.key-metadata.enabled-state": _corrupt_metadata(_flip_enabled),
    "kms.key-id.format": _corrupt_metadata(_upper_key_id),
    "kms.arn.format": _corrupt_metadata(_arn_region),
    "kms.key-metadata.multi-region-config": _corrupt_metadata(_config_on_single_region),
    "kms.key-metadata.spec-alias": _corrupt_metadata(_spec_alias),
}


def break_answer(
    rule: str, call: Call, prediction: Prediction | None, response: ProxiedResponse
) -> ProxiedResponse | None:
    """``response`` made wrong for ``rule``; None when ``rule`` does not decide this answer."""
    service = call.service
    ok = 200 <= response.status < 300
    if rule == answer_rule_id(service, "wire.content-type"):
        if not response.body.strip():
            return None
        return ProxiedResponse(
            response.status, {**response.headers, "Content-Type": "text/plain"}, response.body
        )
    if rule == answer_rule_id(service, "error.shape"):
        body = response.json()
        if ok or not isinstance(body, dict):
            return None
        return _json_answer(service, {k: v for k, v in body.items() if k != "__type"}, response.status)
    if rule == answer_rule_id(service, "operation.implemented"):
        if call.operation not in catalog.load("aws").service(service).operations:
            return None
        # What LocalStack answers where it does not emulate an operation.
        return _json_answer(service, {"__type": "InternalFailure", "message": "not yet emulated"}, 501)
    if rule == answer_rule_id(service, "error.undocumented-code"):
        body = response.json()
        if not 400 <= response.status < 500 or not isinstance(body, dict) or not _codes_open(prediction):
            return None
        # No operation of either service documents this code, and it is no common error.
        return _json_answer(service, {**body, "__type": UNDOCUMENTED_CODE}, response.status)
    if rule == answer_rule_id(service, "response.empty-body"):
        spec = catalog.load("aws").service(service)
        op = spec.operations.get(call.operation)
        if not ok or op is None or op.response_schema is not None:
            return None
        return _json_answer(service, ["not", "empty"])
    facts = [f for f in prediction.facts if f.rule == rule] if prediction is not None else []
    body = response.json()
    members = [f for f in facts if f.pointer.strip("/")]  # a whole-answer fact has no member to change
    if ok and members and isinstance(body, dict):
        # A rule about what the answer says: make the answer say something else.
        fact = members[0]
        value = _wrong(fact.expected, fact.value_in(body)) if fact.pattern is None else "corrupted"
        _set(body, fact.pointer, value)
        return _json_answer(service, body, response.status)
    corruptor = ANSWER_BREAKS.get(rule)
    if corruptor is not None:
        body = response.json()
        if not ok or not isinstance(body, dict) or not corruptor(call, body):
            return None
        return _json_answer(service, body, response.status)
    if prediction is None or rule not in prediction.rules or prediction.ambiguous:
        return None
    code_only_inferred = (
        prediction.evidence("wrong-error") == "inferred"
        and prediction.evidence("unexpected-success") != "inferred"
    )
    if prediction.expectation.outcome == "any-4xx" or code_only_inferred:
        # Served where a refusal is due: also where only the code is inferred, so that the fault
        # is caught at the grade of the refusal, not as an advisory about the code.
        return _json_answer(service, {})
    return _error(service, INJECTED)  # the wrong answer where success or a named error is due


class RuleFaults:
    """A proxy fault that repairs every answer and, optionally, breaks the answers of one rule."""

    def __init__(
        self,
        *,
        break_rule: str | None = None,
        profile: str = "aws",
        default_region: str = "us-east-1",
        secret: str = "testing",
    ):
        if break_rule is not None and break_rule not in RULES:
            raise ValueError(f"unknown rule {break_rule!r}")
        self.break_rule = break_rule
        self.judge = Judge(catalog.load(profile), Model(complete=True))
        self.default_region = default_region
        self.secret = secret
        self.broken = 0

    def _rewrite(self, request: ProxiedRequest, response: ProxiedResponse) -> ProxiedResponse | None:
        call, wire = request_view(request, default_region=self.default_region, secret=self.secret)
        prediction = self.judge.expect(call, call.region or self.default_region, wire)
        answer = repair_answer(call, prediction, self._unlisted(call, response))
        if self.break_rule is not None:
            broken = break_answer(self.break_rule, call, prediction, answer)
            if broken is not None:
                self.broken += 1
                answer = broken
        # The harness will judge exactly this answer: keep the proxy's model in step with it.
        self.judge.judge(_exchange(call, wire, answer))
        return answer

    def _unlisted(self, call: Call, response: ProxiedResponse) -> ProxiedResponse:
        """A listing without the keys a conforming target would never have made.

        A repaired answer turns the emulator's wrongful success into the documented error, but
        the emulator keeps what it made: a key created by a refused CreateKey would show up in
        later listings. The proxy's model knows which keys the (conforming) target has.
        """
        if (
            call.service != "payment-cryptography"
            or call.operation != "ListKeys"
            or not 200 <= response.status < 300
        ):
            return response
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("Keys"), list):
            return response
        pc_model = self.judge.model["payment-cryptography"]
        assert isinstance(pc_model, PcModel)
        known = pc_model.keys
        body["Keys"] = [k for k in body["Keys"] if isinstance(k, dict) and k.get("KeyArn") in known]
        return ProxiedResponse(response.status, response.headers, json.dumps(body).encode())

    def fault(self) -> Fault:
        name = f"repair-all+break:{self.break_rule}" if self.break_rule else "repair-all"
        return Fault(
            name,
            "answers as the oracle requires" + (f", broken for {self.break_rule}" if self.break_rule else ""),
            self._rewrite,
        )


def _exchange(call: Call, wire: Mapping[str, Any], response: ProxiedResponse) -> Exchange:
    exchange = Exchange.from_wire(
        service=call.service,
        operation=call.operation,
        region=call.region or "us-east-1",
        request=call.params,
        status=response.status,
        headers=response.headers,
        raw=response.body,
    )
    return replace(exchange, wire=dict(wire))
