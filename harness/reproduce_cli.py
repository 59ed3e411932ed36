"""Command-line reproductions: ``reproduce_cli``, a bash snippet per finding.

The calls go out through the AWS CLI when an SDK can make them and the CLI can show the
divergence, and through ``curl`` otherwise:

- the AWS CLI (``aws <service> <operation> --cli-input-json '...'``) for a request botocore's
  parameter validation accepts (the CLI validates and cannot turn it off from the command line)
  with no blob member (the CLI would encode base64 text a second time), when the divergence is
  one the CLI shows: a refusal with the wrong code or none (its exit status and the
  ``An error occurred (Code)`` it prints), or an unexpected refusal;
- ``curl`` for everything else: requests no SDK makes (a body that is not JSON, a member of the
  wrong JSON type, a missing or unknown X-Amz-Target, another Content-Type), unsigned ones
  (no ``--aws-sigv4``), badly signed ones (``--aws-sigv4`` with a wrong secret), requests the SDK
  would refuse before sending, and divergences in the answer's bytes the CLI parses away (a
  status class, a Content-Type, a ``null`` member, an error body). Signed requests use curl's
  ``--aws-sigv4`` (curl 7.75+), with the credentials of the environment.

Earlier steps (a stateful finding's sequence) go first, through the AWS CLI, each keeping the
resource ids later calls name in shell variables (``--query``).

The snippet's exit status is non-zero while the divergence is there, for the outcome of a call
(success or refusal, the error code, the status class), the Content-Type, a ``null`` member, an
empty body and the shape of an error body. A fact the harness's model derives from earlier
answers (kind ``invariant``) or a schema keyword other than ``null`` is not judged in shell: the
snippet prints the answer, says what to compare, and exits 0; the Python ``reproduce`` judges it.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

from harness.exchange import Exchange
from harness.findings import Finding

__all__ = ["attach", "command", "judged_in_shell", "uses_curl"]

#: Where resource ids come from in an answer (as harness.reproduce wires them).
ID_PATHS = (
    ("KeyMetadata", "KeyId"),
    ("KeyMetadata", "Arn"),
    ("ReplicaKeyMetadata", "Arn"),
    ("Key", "KeyArn"),
)

_SENTINEL = "@@shell:{}@@"  # where a shell variable goes in JSON (json.dumps leaves it as it is)
_SPLIT = re.compile("@@shell:([A-Za-z0-9_]+)@@")


@cache
def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def _operation(service: str, operation: str) -> Any | None:
    model = _model(service)
    return model.operation_model(operation) if operation in model.operation_names else None


def _has_blob(shape: Any, seen: frozenset[str] = frozenset()) -> bool:
    if shape is None or shape.name in seen:
        return False
    seen = seen | {shape.name}
    if shape.type_name == "blob":
        return True
    if shape.type_name == "structure":
        return any(_has_blob(m, seen) for m in shape.members.values())
    if shape.type_name == "list":
        return _has_blob(shape.member, seen)
    if shape.type_name == "map":
        return _has_blob(shape.value, seen)
    return False


def sdk_can_send(exchange: Exchange, request: Mapping[str, Any]) -> bool:
    """Whether the AWS CLI sends ``request`` as the run did: a modelled operation, parameters its
    validation accepts, no blob member."""
    from botocore.validate import ParamValidator

    if exchange.wire is not None:
        return False
    operation = _operation(exchange.service, exchange.operation)
    if operation is None or operation.input_shape is None or _has_blob(operation.input_shape):
        return False
    return not ParamValidator().validate(dict(request), operation.input_shape).has_errors()


_SHOWN_BY_CLI = frozenset({"unexpected-success", "wrong-error", "unexpected-error"})


def uses_curl(finding: Finding) -> bool:
    """Whether the final call goes through curl rather than the AWS CLI (see the module doc)."""
    d = finding.divergence
    if not sdk_can_send(finding.exchange, finding.request):
        return True
    if d.kind == "unexpected-error":
        return False
    # The CLI names the code it got, not the status: a refusal is judged by its code only.
    return d.kind not in _SHOWN_BY_CLI or d.expected.outcome != "error" or not d.expected.errors


def judged_in_shell(finding: Finding) -> bool:
    """Whether the snippet's exit status judges the divergence (see the module doc)."""
    return _check(finding, curl=uses_curl(finding)) is not None


# -- pieces of shell ------------------------------------------------------------------------------


def _json_with_vars(value: Any, names: Mapping[str, str]) -> str:
    """``value`` as a shell word of JSON, the ids earlier steps returned spliced in from variables."""

    def swap(node: Any) -> Any:
        if isinstance(node, str) and node in names:
            return _SENTINEL.format(names[node])
        if isinstance(node, Mapping):
            return {k: swap(v) for k, v in node.items()}
        if isinstance(node, list):
            return [swap(v) for v in node]
        return node

    text = json.dumps(swap(value))
    parts = _SPLIT.split(text)
    words = []
    for index, part in enumerate(parts):
        if index % 2:
            words.append(f'"${{{part}}}"')
        elif part:
            words.append(shlex.quote(part))
    return "".join(words) or "''"


def _cli_name(name: str) -> str:
    from botocore import xform_name

    return str(xform_name(name)).replace("_", "-")


def _aws(exchange: Exchange, request: Mapping[str, Any], names: Mapping[str, str]) -> str:
    return (
        f'aws {exchange.service} {_cli_name(exchange.operation)} --endpoint-url "$E" '
        f"--region {shlex.quote(exchange.region)} --cli-input-json {_json_with_vars(request, names)}"
    )


def _signing_name(service: str) -> str:
    model = _model(service)
    return str(model.signing_name or model.endpoint_prefix)


def _curl(exchange: Exchange, request: Mapping[str, Any], names: Mapping[str, str]) -> str:
    wire = dict(exchange.wire or {})
    model = _model(exchange.service)
    if exchange.wire is None:
        wire = {
            "target": f"{model.metadata['targetPrefix']}.{exchange.operation}",
            "content_type": f"application/x-amz-json-{model.metadata['jsonVersion']}",
            "auth": "sigv4",
        }
    parts = ['curl -sS -X POST "$E/"']
    auth = wire.get("auth", "sigv4")
    if auth != "unsigned":
        scope = f"aws:amz:{exchange.region}:{_signing_name(exchange.service)}"
        secret = "$AWS_SECRET_ACCESS_KEY" if auth == "sigv4" else "${AWS_SECRET_ACCESS_KEY}-wrong"
        parts.append(f'--aws-sigv4 {shlex.quote(scope)} --user "$AWS_ACCESS_KEY_ID:{secret}"')
        parts.append('${AWS_SESSION_TOKEN:+-H "X-Amz-Security-Token: $AWS_SESSION_TOKEN"}')
    content_type = wire.get("content_type")
    parts.append(f"-H {shlex.quote('Content-Type: ' + content_type if content_type else 'Content-Type:')}")
    if wire.get("target"):
        parts.append(f"-H {shlex.quote('X-Amz-Target: ' + str(wire['target']))}")
    body = shlex.quote(str(wire["body"])) if "body" in wire else _json_with_vars(request, names)
    parts.append(f"--data-binary {body}")
    parts.append("-w '\\n%{http_code} %{content_type}'")
    return " \\\n  ".join(parts)


def _ids_in(body: Any) -> list[tuple[tuple[str, ...], str]]:
    found: list[tuple[tuple[str, ...], str]] = []
    if isinstance(body, Mapping):
        for path in ID_PATHS:
            node: Any = body
            for part in path:
                node = node.get(part) if isinstance(node, Mapping) else None
            if isinstance(node, str):
                found.append((path, node))
    return found


def _mentions(value: Any, wanted: str) -> bool:
    if isinstance(value, str):
        return value == wanted
    if isinstance(value, Mapping):
        return any(_mentions(v, wanted) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, wanted) for v in value)
    return False


def _step_lines(
    steps: Sequence[Exchange], final_request: Mapping[str, Any], names: dict[str, str]
) -> list[str]:
    """The earlier calls, each keeping the ids a later call names in shell variables. A step may
    be refused (a sequence's calls are judged, not all succeed): the snippet goes on."""
    lines: list[str] = []
    for index, step in enumerate(steps, start=1):
        later = [s.request for s in steps[index:]] + [final_request]
        wanted = [
            (path, value)
            for path, value in _ids_in(step.body)
            if value not in names and any(_mentions(r, value) for r in later)
        ]
        variables = [f"step{index}_{'_'.join(path)}" for path, _ in wanted]
        if sdk_can_send(step, step.request):
            call = _aws(step, step.request, names)
            if wanted:
                query = "[" + ", ".join(".".join(path) for path, _ in wanted) + "]"
                lines.append(f"ids=$({call} \\\n  --query {shlex.quote(query)} --output text)")
                lines.append("set -- $ids")
                lines.extend(f"{var}=${position}" for position, var in enumerate(variables, start=1))
            else:
                lines.append(f"{call} >/dev/null")
        else:
            lines.append(f"answer=$({_curl(step, step.request, names)})")
            for (path, _), var in zip(wanted, variables, strict=True):
                getter = "".join(f"[{p!r}]" for p in path)
                lines.append(
                    f"{var}=$(printf '%s' \"$answer\" | sed '$d' | "
                    f"python3 -c 'import json,sys; print(json.load(sys.stdin){getter})')"
                )
        for (_, value), var in zip(wanted, variables, strict=True):
            names[value] = var
        if wanted:
            lines.append("echo " + " ".join(f'"{v}=${{{v}}}"' for v in variables))
    return lines


def _case(value: str, patterns: Sequence[str]) -> str:
    """Exit 0 when ``$value`` matches one of ``patterns``, else 1."""
    return f'case "${value}" in {"|".join(patterns)}) exit 0 ;; esac\nexit 1'


def _absent(pattern: str) -> str:
    """Exit 0 when the body has nothing that matches ``pattern`` (an extended regex), else 1."""
    return f"! printf '%s' \"$body\" | grep -Eq {shlex.quote(pattern)}"


def _check(finding: Finding, *, curl: bool) -> str | None:
    """Shell that exits non-zero while the divergence is there; None where shell cannot judge it."""
    d = finding.divergence
    exp = d.expected
    if not curl:
        if exp.outcome == "success":
            return '[ "$rc" -eq 0 ]'
        codes = "|".join(re.escape(code) for code in exp.errors)
        return f"[ \"$rc\" -ne 0 ] && printf '%s\\n' \"$out\" | grep -Eq 'An error occurred \\(({codes})\\)'"
    if d.kind == "wire-format" and "Content-Type" in exp.detail:
        wanted = exp.detail.split()[-1]
        return f'[ "${{ctype%%;*}}" = {shlex.quote(wanted)} ]'
    if d.kind == "wire-format" and d.signature == "body: not JSON":
        return _case("body", ["'{'*'}'"])
    if d.kind == "wire-format" and d.signature == "__type missing":
        return "printf '%s' \"$body\" | grep -q '\"__type\"'"
    if d.kind == "wire-format" and d.signature.startswith("body: "):
        return _case("body", ["''", "'{}'"])
    if d.kind == "wire-format" and d.signature.endswith(": not a string"):
        member = d.signature.split(":", 1)[0]
        return _absent(f'"{member}" *: *[^" n]')  # a number, true, false, an object or a list
    if d.kind == "response-schema" and d.signature.endswith(": null"):
        member = d.signature.rsplit(":", 1)[0].rsplit("/", 1)[-1]
        return _absent(f'"{member}" *: *null')
    if d.kind in ("response-schema", "wire-format", "invariant"):
        return None
    if d.signature.startswith("undocumented: ") and exp.detail.startswith("one of "):
        return _case("code", [shlex.quote(c) for c in exp.detail.removeprefix("one of ").split(", ")])
    if exp.outcome == "success":
        return _case("status", ["2??"])
    if exp.outcome == "any-4xx" or not exp.errors:
        return _case("status", ["4??"])
    return 'case "$status" in 4??) ;; *) exit 1 ;; esac\n' + _case(
        "code", [shlex.quote(c) for c in exp.errors]
    )


_PARSE = """status=$(printf '%s\\n' "$out" | tail -n 1 | cut -d' ' -f1)
ctype=$(printf '%s\\n' "$out" | tail -n 1 | cut -d' ' -f2-)
body=$(printf '%s\\n' "$out" | sed '$d')
code=$(printf '%s' "$body" | sed -n 's/.*"__type" *: *"\\([^"]*\\)".*/\\1/p' | sed 's/.*#//; s/:.*//')
echo "HTTP $status $ctype"
printf '%s\\n' "$body\""""


def command(
    finding: Finding, *, endpoint: str = "http://127.0.0.1:5000", from_environment: bool = False
) -> str:
    """The bash snippet that reproduces ``finding`` (see the module doc)."""
    d = finding.divergence
    curl = uses_curl(finding)
    actual = d.error or ("success" if d.status and d.status < 300 else f"HTTP {d.status}")
    where = (
        'E="${HARNESS_ENDPOINT:?set HARNESS_ENDPOINT to the endpoint of the target}"'
        if from_environment
        else f'E="${{HARNESS_ENDPOINT:-{endpoint}}}"'
    )
    lines = [
        f"# Reproduces finding {finding.id}",
        f"# expected: {d.expected.label}; the target gave: {actual} ({d.detail})".replace("\n", " "),
        "# Run with bash. Start the target; credentials come from the environment"
        + ("." if from_environment else " (the emulator takes any: testing/testing)."),
        where,
    ]
    if not from_environment:
        lines.append(': "${AWS_ACCESS_KEY_ID:=testing}" "${AWS_SECRET_ACCESS_KEY:=testing}"')
    lines.append("export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_MAX_ATTEMPTS=1 AWS_PAGER=''")
    names: dict[str, str] = {}
    lines.extend(_step_lines(finding.steps, finding.request, names))
    check = _check(finding, curl=curl)
    if curl:
        lines.append(f"out=$({_curl(finding.exchange, finding.request, names)}) || exit 2")
        lines.append(_PARSE)
    else:
        lines.append(f"out=$({_aws(finding.exchange, finding.request, names)} 2>&1); rc=$?")
        lines.append("printf '%s\\n' \"$out\"")
    if check is None:
        lines.append(
            f"# Not judged here: compare the answer with: {d.expected.label}; {d.detail}".replace("\n", " ")
        )
        lines.append("# (the Python reproduction, `reproduce`, judges it)")
    else:
        lines.append(f"# The documentation requires: {d.expected.label}")
        lines.append(check)
    return "\n".join(lines) + "\n"


def attach(finding: Finding, *, endpoint: str, from_environment: bool = False) -> Finding:
    return replace(
        finding, reproduce_cli=command(finding, endpoint=endpoint, from_environment=from_environment)
    )
