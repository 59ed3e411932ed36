"""Runnable reproductions: a standalone boto3 script per finding.

The script replays the steps and the diverging call against ``$HARNESS_ENDPOINT``,
wires resource ids from earlier answers into later requests, prints the raw answer
and ends with an assertion of what the documentation requires, so it exits non-zero
while the divergence is there and zero once it is fixed.
"""

from __future__ import annotations

import pprint
from collections.abc import Mapping
from dataclasses import replace
from functools import cache
from typing import Any

from harness.exchange import Exchange
from harness.findings import Finding

_HEADER = '''\
"""Reproduces finding {fid}
rule: {rule} ({source})
expected: {expected}; the target gave: {actual}

{how_to_run}
"""
import base64
import hashlib
import json
import os
import re

import boto3
from botocore import xform_name
from botocore.config import Config
from botocore.exceptions import ClientError

ENDPOINT = os.environ.get("HARNESS_ENDPOINT", "{endpoint}"){no_endpoint}
CONFIG = Config(parameter_validation=False, retries={{"total_max_attempts": 1}})
TEXT = [""]  # the raw body of the last answer

# The run kept no plaintext, ciphertext or key material: a "<redacted N bytes sha256:...>" token
# is sent as N stand-in bytes derived from it (a ciphertext an earlier step returned is wired in).
TOKEN = re.compile(r"^<redacted ([0-9]+) (?:bytes|chars) sha256:[0-9a-f]{{64}}>$")


def blob(shape, value):
    """Blobs travel as base64 text in this script, as on the wire; botocore wants bytes."""
    if shape is None:
        return value
    if shape.type_name == "blob" and isinstance(value, str):
        found = TOKEN.match(value)
        if found:
            return hashlib.shake_256(value.encode()).digest(max(int(found.group(1)), 1))
        return base64.b64decode(value)
    if shape.type_name == "structure" and isinstance(value, dict):
        return {{k: blob(shape.members.get(k), v) for k, v in value.items()}}
    if shape.type_name == "list" and isinstance(value, list):
        return [blob(shape.member, v) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {{k: blob(shape.value, v) for k, v in value.items()}}
    return value


def call(service, region, operation, params):
    """Send one call; return (status, content type, raw JSON body or None)."""
    raw = {{}}
    client = boto3.client(
        service, region_name=region, endpoint_url=ENDPOINT, config=CONFIG,
{credentials}
    )
    client.meta.events.register("before-parse", lambda response_dict, **_: raw.update(response_dict))
    params = blob(client.meta.service_model.operation_model(operation).input_shape, params)
    try:
        getattr(client, xform_name(operation))(**params)
    except ClientError:
        pass
    body = raw["body"].decode()
    TEXT[:] = [body]
    try:
        parsed = json.loads(body) if body.strip() else None
    except ValueError:
        parsed = None
    return raw["status_code"], raw["headers"].get("content-type"), parsed


'''

_ID_PATHS = (
    ("KeyMetadata", "KeyId"),
    ("KeyMetadata", "Arn"),
    ("ReplicaKeyMetadata", "Arn"),
    ("Key", "KeyArn"),
    # Blobs a later step sends back (their tokens name them): the earlier answer's own bytes.
    ("CiphertextBlob",),
    ("PrivateKeyCiphertextBlob",),
    ("Signature",),
    ("Mac",),
    ("ImportToken",),
)


def _ids_in(body: Any) -> list[str]:
    found = []
    if isinstance(body, Mapping):
        for path in _ID_PATHS:
            node: Any = body
            for part in path:
                node = node.get(part) if isinstance(node, Mapping) else None
            if isinstance(node, str):
                found.append(node)
    return found


def _expr(value: Any, names: Mapping[str, str]) -> str:
    """Python source for ``value`` with known resource ids replaced by variable names."""
    if isinstance(value, str) and value in names:
        return names[value]
    if isinstance(value, Mapping):
        inner = ", ".join(f"{k!r}: {_expr(v, names)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_expr(v, names) for v in value) + "]"
    return pprint.pformat(value, width=10_000)


def _assertion(finding: Finding, profile: str) -> str:
    d = finding.divergence
    exp = d.expected
    if d.kind == "invariant":
        return _judged_assertion(finding, profile)
    if d.kind == "response-schema":
        # The spec's own validator: the same check the harness ran.
        return (
            "from harness.spec.catalog import load\n"
            f"op = load({profile!r}).operation({d.service!r}, {d.operation!r})\n"
            "errors = sorted(e.message for e in op.response_validator.iter_errors(body))\n"
            "assert not errors, errors"
        )
    if d.kind == "wire-format" and "Content-Type" in exp.detail:
        wanted = exp.detail.split()[-1]
        return f"assert (ctype or '').split(';')[0].strip() == {wanted!r}, ctype"
    if d.kind == "wire-format":
        return _wire_assertion(d.signature, d.detail)
    if d.signature.startswith("undocumented: ") and exp.detail.startswith("one of "):
        documented = exp.detail.removeprefix("one of ").split(", ")
        return (
            "code = (body or {}).get('__type', '').rsplit('#', 1)[-1].split(':')[0]\n"
            f"assert code in {documented!r}, (status, code)"
        )
    if exp.outcome == "success":
        return "assert 200 <= status < 300, (status, body)"
    if exp.outcome == "any-4xx":
        return "assert 400 <= status < 500, (status, body)"
    codes = repr(list(exp.errors))
    return (
        "code = (body or {}).get('__type', '').rsplit('#', 1)[-1].split(':')[0]\n"
        f"assert 400 <= status < 500 and code in {codes}, (status, body)"
    )


_LOCAL_RUN = """Start the target, then: HARNESS_ENDPOINT={endpoint} python this_file.py
(for the emulator: python -m moto.server -H 127.0.0.1 -p 5000)"""
_LOCAL_CREDENTIALS = '        aws_access_key_id="testing", aws_secret_access_key="testing",'
#: A real account: credentials from the environment (boto3's standard chain), AWS's own endpoints.
_ACCOUNT_RUN = """Against a real AWS account: python this_file.py, with credentials in the environment
(boto3's standard chain: AWS_PROFILE, AWS_ACCESS_KEY_ID, ...). It creates keys: schedule their
deletion afterwards (python -m harness sweep, README "Nightly runs against a real account")."""
_ACCOUNT_CREDENTIALS = "        # credentials: boto3's standard chain (the environment), never written here"


def script(
    finding: Finding,
    *,
    endpoint: str = "http://127.0.0.1:5000",
    profile: str = "aws",
    from_environment: bool = False,
) -> str:
    """The reproduction of ``finding``; ``from_environment``: for a real account (credentials
    and endpoints from boto3's chain, nothing of the run's own)."""
    d = finding.divergence
    actual = d.error or ("success" if d.status and d.status < 300 else f"HTTP {d.status}")
    lines = [
        _HEADER.format(
            fid=finding.id,
            rule=d.rule,
            source=d.source,
            expected=d.expected.label,
            actual=f"{actual} ({d.detail})".replace('"""', "'''"),
            endpoint="" if from_environment else endpoint,
            no_endpoint=" or None  # None: AWS's own endpoint of each Region" if from_environment else "",
            how_to_run=_ACCOUNT_RUN if from_environment else _LOCAL_RUN.format(endpoint=endpoint),
            credentials=_ACCOUNT_CREDENTIALS if from_environment else _LOCAL_CREDENTIALS,
        )
    ]
    if any(e.wire is not None for e in (*finding.steps, finding.exchange)):
        lines.append(_RAW_CALL)
    names: dict[str, str] = {}
    for index, step in enumerate(finding.steps, start=1):
        lines.append(_call_line(step, names, f"step{index}"))
        for value in _ids_in(step.body):
            if value not in names:
                path = _path_to(step.body, value)
                names[value] = f"step{index}{path}"
    lines.append(_call_line(finding.exchange, names, "final", request=finding.request))
    lines.append("status, ctype, body = final")
    lines.append("print(status, ctype, json.dumps(body)[:2000])")
    lines.append(_assertion(finding, profile))
    return "\n".join(lines) + "\n"


def _path_to(body: Any, value: str) -> str:
    for path in _ID_PATHS:
        node: Any = body
        for part in path:
            node = node.get(part) if isinstance(node, Mapping) else None
        if node == value:
            return "[2]" + "".join(f"[{p!r}]" for p in path)
    return ""


def _wire_assertion(signature: str, detail: str) -> str:
    """What an answer's bytes must be (harness.checks: empty bodies, error bodies)."""
    if signature == "body: not JSON":
        return "assert isinstance(body, dict), TEXT[0][:200]  # an error body is a JSON object"
    if signature == "__type missing":
        return "assert isinstance((body or {}).get('__type'), str), TEXT[0][:200]"
    if signature.endswith(": not a string"):
        member = signature.split(":", 1)[0]
        return f"assert isinstance((body or {{}}).get({member!r}, ''), (str, type(None))), body"
    if signature.startswith("body: "):
        return "assert TEXT[0].strip() in ('', '{}'), TEXT[0][:200]  # an empty body"
    return f"assert False, 'see the finding: ' + {detail!r}"


def _call_line(exchange: Exchange, names: Mapping[str, str], var: str, request: Any = None) -> str:
    params = _expr(request if request is not None else exchange.request, names)
    if exchange.wire is not None:
        return _raw_line(exchange, params, var)
    return f"{var} = call({exchange.service!r}, {exchange.region!r}, {exchange.operation!r}, {params})"


_RAW_CALL = """import http.client
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def signing_credentials():
    \"\"\"For requests built by hand: the environment's credentials (boto3's chain: AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, a profile), else the emulator's test ones.\"\"\"
    found = boto3.session.Session().get_credentials()
    return found.get_frozen_credentials() if found else Credentials("testing", "testing")


def raw_call(service, region, signing_name, target, content_type, body, auth):
    \"\"\"Send a request built by hand, as the run sent it, outside boto3: no SDK sends it (a body
    that is not JSON, a member of the wrong JSON type, a missing or unknown X-Amz-Target, another
    Content-Type), or it is unsigned (auth "unsigned") or signed with a wrong secret key
    ("bad-signature"); "sigv4" signs it with botocore's SigV4 as boto3 would.
    Return (status, content type, raw JSON body or None), like call().\"\"\"
    endpoint = ENDPOINT or boto3.client(service, region_name=region).meta.endpoint_url
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if target is not None:
        headers["X-Amz-Target"] = target
    request = AWSRequest(method="POST", url=endpoint.rstrip("/") + "/", data=body, headers=headers)
    if auth != "unsigned":
        own = signing_credentials()
        secret = own.secret_key if auth == "sigv4" else own.secret_key + "-wrong"
        SigV4Auth(Credentials(own.access_key, secret, own.token), signing_name, region).add_auth(request)
    prepared = request.prepare()
    url = urlsplit(prepared.url)
    connection = (http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection)(
        url.netloc, timeout=60
    )
    # http.client adds only Host, Accept-Encoding: identity and Content-Length of its own.
    connection.request("POST", url.path or "/", body=body, headers=dict(prepared.headers))
    answer = connection.getresponse()
    text = answer.read().decode("utf-8", errors="replace")
    connection.close()
    TEXT[:] = [text]
    try:
        parsed = json.loads(text) if text.strip() else None
    except ValueError:
        parsed = None
    return answer.status, answer.getheader("content-type"), parsed

"""


@cache
def _signing_name(service: str) -> str:
    import botocore.session

    model = botocore.session.get_session().get_service_model(service)
    return str(model.signing_name or model.endpoint_prefix)


#: Where an answer names the resource its call created.
_CREATED = (
    ("KeyMetadata", "Arn"),
    ("KeyMetadata", "KeyId"),
    ("ReplicaKeyMetadata", "Arn"),
    ("Key", "KeyArn"),
)


def _strings(value: Any) -> list[str]:
    """Every string in ``value``, in document order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


class Creations:
    """Which call of the run created each resource (learnt from the answers), so that a finding
    whose answer lists resources that none of its own steps created -- a ListKeys of a rule test
    showing keys that earlier tests made -- starts by creating one of them, on a fresh target too.
    """

    def __init__(self) -> None:
        self.by_id: dict[str, Exchange] = {}

    def learn(self, exchange: Exchange) -> None:
        if not exchange.ok or exchange.wire is not None or not isinstance(exchange.body, Mapping):
            return
        named = set(_strings(exchange.request))
        for path in _CREATED:
            node: Any = exchange.body
            for part in path:
                node = node.get(part) if isinstance(node, Mapping) else None
            if isinstance(node, str) and node not in named:
                self.by_id.setdefault(node, exchange)

    def _chain(self, value: str, depth: int = 0) -> list[Exchange]:
        creator = self.by_id.get(value)
        if creator is None or depth > 5:
            return []
        before = next((self._chain(s, depth + 1) for s in _strings(creator.request) if s in self.by_id), [])
        return [*before, creator]

    def context(self, finding: Finding) -> Finding:
        """``finding`` with, when it has no steps and its answer lists a resource its request does
        not name, the calls that created the first such resource as its steps."""
        if finding.steps:
            return finding
        named = set(_strings(finding.request))
        for value in _strings(finding.exchange.body):
            if value in self.by_id and value not in named and self.by_id[value] is not finding.exchange:
                return replace(finding, steps=tuple(self._chain(value)))
        return finding


def _raw_line(exchange: Exchange, params: str, var: str) -> str:
    """A call of ``raw_call``: the request as the run sent it (harness.transport.RawRequest)."""
    wire = exchange.wire or {}
    body = repr(str(wire["body"]).encode()) if "body" in wire else f"json.dumps({params}).encode()"
    return (
        f"{var} = raw_call({exchange.service!r}, {exchange.region!r}, {_signing_name(exchange.service)!r}, "
        f"{wire.get('target')!r}, {wire.get('content_type')!r}, {body}, {wire.get('auth', 'sigv4')!r})"
    )


def attach(
    finding: Finding, *, endpoint: str, profile: str = "aws", from_environment: bool = False
) -> Finding:
    return replace(
        finding,
        reproduce=script(finding, endpoint=endpoint, profile=profile, from_environment=from_environment),
    )


def _step_names(finding: Finding) -> list[tuple[str, Exchange, Any]]:
    """(variable, exchange, request) of each call of the script, ids wired as :func:`script` does."""
    names: dict[str, str] = {}
    out: list[tuple[str, Exchange, Any]] = []
    for index, step in enumerate(finding.steps, start=1):
        out.append((f"step{index}", step, _expr(step.request, names)))
        for value in _ids_in(step.body):
            if value not in names:
                names[value] = f"step{index}{_path_to(step.body, value)}"
    out.append(("final", finding.exchange, _expr(finding.request, names)))
    return out


def _judged_assertion(finding: Finding, profile: str) -> str:
    """For a fact the model predicted (kind ``invariant``): judge every answer again, in order.

    Such a fact depends on what came before (a state, a description, the tags a key was
    given), so the script feeds each step's answer to the harness's own judge and reference
    model, as the run did, and asserts that the final answer no longer shows the divergence.
    """
    d = finding.divergence
    calls = ",\n".join(
        f"    ({exchange.service!r}, {exchange.region!r}, {exchange.operation!r}, {request}, {var})"
        for var, exchange, request in _step_names(finding)
    )
    return (
        "from harness.exchange import Exchange\n"
        "from harness.engine.judge import Judge\n"
        "from harness.engine.model import Model\n"
        "from harness.spec.catalog import load\n"
        "from botocore.session import get_session\n"
        "\n\n"
        "def as_sent(service, operation, params):\n"
        '    """The request as call() sent it: blob tokens as the stand-in bytes sent (base64), so\n'
        '    the judge checks signatures and MACs against the bytes the target saw."""\n'
        "    shape = get_session().get_service_model(service).operation_model(operation).input_shape\n"
        "\n"
        "    def text(value):\n"
        "        if isinstance(value, bytes):\n"
        "            return base64.b64encode(value).decode()\n"
        "        if isinstance(value, dict):\n"
        "            return {k: text(v) for k, v in value.items()}\n"
        "        if isinstance(value, list):\n"
        "            return [text(v) for v in value]\n"
        "        return value\n"
        "\n"
        "    return text(blob(shape, params))\n"
        "\n\n"
        f"judge = Judge(load({profile!r}), Model(complete=True))\n"
        f"ANSWERS = [\n{calls},\n]\n"
        "for service, region, operation, params, (status_, ctype_, body_) in ANSWERS:\n"
        "    raw = json.dumps(body_).encode() if body_ is not None else b''\n"
        "    judged = judge.judge(Exchange.from_wire(service=service, operation=operation, region=region,\n"
        "        request=as_sent(service, operation, params), status=status_,\n"
        "        headers={'content-type': ctype_ or ''}, raw=raw))\n"
        "seen = {(x.rule, x.signature) for x in judged.divergences}\n"
        f"assert ({d.rule!r}, {d.signature!r}) not in seen, {d.detail!r}"
    )
