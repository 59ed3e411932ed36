"""``python -m harness spec build``: regenerate ``specs/`` from its sources.

The build is a pure function from (botocore's models, the seed pages' elements, the
documented facts the project encodes) to a set of files; :func:`render` returns them as
text so a test can compare the committed tree with a fresh rebuild byte for byte:

- ``aws/<service>/``: AWS's documented API, from botocore plus the cross-field
  constraints of :mod:`harness.spectools.constraints`;
- ``documented/<service>/``: the vendor pages' API (:mod:`harness.spectools.documented`);
- ``sources/seed-elements.json``: what the seed pages document
  (:mod:`harness.spectools.seeds`), re-extracted when the pages are present, else carried over.
"""

from __future__ import annotations

import json
from typing import Any

from harness.spectools import constraints
from harness.spectools.shapes import SchemaBuilder, summary
from harness.spectools.sources import ServiceSource, botocore_model, botocore_version

#: Errors every AWS JSON API may return although no operation models them. Source: the
#: service's CommonErrors page and, for KMS ValidationException, the recorded answers in
#: rulebook rule 6.
COMMON_ERRORS: dict[str, tuple[str, ...]] = {
    "kms": (
        "AccessDeniedException",
        "IncompleteSignature",
        "InvalidSignatureException",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "SerializationException",
        "ThrottlingException",
        "UnknownOperationException",
        "UnrecognizedClientException",
        "ValidationException",
    ),
    "payment-cryptography": (
        "IncompleteSignature",
        "InvalidSignatureException",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "SerializationException",
        "UnknownOperationException",
        "UnrecognizedClientException",
    ),
}

#: The message member of an error no shape models: lower-case on KMS (recorded
#: ValidationException bodies, rulebook rules 3 and 6), capitalised on Payment Cryptography,
#: whose modelled errors all spell it so (rulebook rule 3).
UNMODELLED_MESSAGE = {"kms": "message", "payment-cryptography": "Message"}

PROFILE = "aws"

Files = dict[str, dict[str, Any]]
"""One service's spec files: file name -> JSON document."""


def common_errors_source(source: ServiceSource) -> str:
    return f"{source.doc_base}CommonErrors.html"


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def error_body(members: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """An error's wire body: ``__type`` plus its members; other members allowed."""
    return {
        "type": "object",
        "required": ["__type"],
        "properties": {"__type": {"type": "string"}, **members},
    }


def error_entry(source: ServiceSource, model: dict[str, Any], code: str) -> dict[str, Any]:
    shape = model["shapes"][code]
    builder = SchemaBuilder(source, model, "response")
    members = {name: builder.shape_schema(m["shape"]) for name, m in shape["members"].items()}
    return {
        "fault": "server" if shape.get("fault") else "client",
        "members": list(members),
        "description": summary(shape.get("documentation")),
        "x-source": source.model_citation(code),
        "body": error_body(members),
    }


def _unmodelled_error_entry(source: ServiceSource, code: str) -> dict[str, Any]:
    message = UNMODELLED_MESSAGE[source.name]
    return {
        "fault": "client",
        "members": [message],
        "description": "A common error of every AWS JSON API; no botocore shape models it.",
        "x-source": f"{common_errors_source(source)}; message member: rulebook rules 3 and 6",
        "body": error_body({message: {"type": "string"}}),
    }


def _headers(source: ServiceSource, meta: dict[str, Any], operation: str) -> dict[str, Any]:
    citation = f"botocore {source.name}/{source.api_version} metadata"
    return {
        "Content-Type": {
            "value": f"application/x-amz-json-{meta['jsonVersion']}",
            "x-source": f"{citation} jsonVersion",
        },
        "X-Amz-Target": {
            "value": f"{meta['targetPrefix']}.{operation}",
            "x-source": f"{citation} targetPrefix",
        },
    }


def aws_files(source: ServiceSource) -> Files:
    """The ``aws`` profile of one service: file name -> document."""
    model = botocore_model(source.name)
    meta = model["metadata"]
    requests = SchemaBuilder(source, model, "request")
    responses = SchemaBuilder(source, model, "response")
    files: Files = {}
    operations: dict[str, Any] = {}
    error_codes: set[str] = set()
    for op_name in source.operations:
        op = model["operations"][op_name]
        input_shape = op["input"]["shape"]
        request = requests.operation_schema(input_shape, f"{source.name} {op_name} request body")
        files[f"{op_name}.request.json"] = constraints.apply(source.name, op_name, request)
        output = op.get("output")
        response_file: str | None = None
        # An operation without an output shape, or with an empty one, answers with an
        # empty HTTP body ("If the action is successful, the service sends back an HTTP
        # 200 response with an empty HTTP body", e.g. API_EnableKey.html).
        if output and model["shapes"][output["shape"]]["members"]:
            response_file = f"{op_name}.response.json"
            files[response_file] = responses.operation_schema(
                output["shape"], f"{source.name} {op_name} response body"
            )
        errors = [e["shape"] for e in op.get("errors", [])]
        error_codes.update(errors)
        operations[op_name] = {
            "doc": source.doc_url(op_name),
            "x-source": source.model_citation(op_name),
            "headers": _headers(source, meta, op_name),
            "request": f"{op_name}.request.json",
            "response": response_file,
            "emptyResponse": response_file is None,
            "errors": errors,
        }
    common = COMMON_ERRORS[source.name]
    errors_out = {
        code: error_entry(source, model, code)
        if code in model["shapes"]
        else _unmodelled_error_entry(source, code)
        for code in sorted(error_codes | set(common))
    }
    files["service.json"] = {
        "service": source.name,
        "profile": PROFILE,
        "x-source": f"botocore {botocore_version()} {source.name}/{source.api_version} service-2",
        "protocol": {
            "jsonVersion": meta["jsonVersion"],
            "contentType": f"application/x-amz-json-{meta['jsonVersion']}",
            "targetPrefix": meta["targetPrefix"],
            "signingName": meta.get("signingName", meta["endpointPrefix"]),
            "endpointPrefix": meta["endpointPrefix"],
        },
        "operations": operations,
        "errors": errors_out,
        "commonErrors": {"codes": list(common), "x-source": common_errors_source(source)},
    }
    return files
