"""The built specs as an OpenAPI 3.1 description Schemathesis can read.

awsJson services have one URL and name the operation in the ``X-Amz-Target`` header (rulebook
rules 1-2), which OpenAPI cannot describe: two operations may not share a method and path. So
each operation gets its own path, ``POST /<service>/<Operation>``, and the signing proxy
(:mod:`.proxy`) turns the path back into the header. The request body is the operation's request
schema from the catalog (``harness.spec.catalog``) and the 200 answer its response schema, both
JSON Schema 2020-12, which OpenAPI 3.1 takes as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from harness.errors import UsageError
from harness.spec.catalog import OperationSpec, Spec

OPENAPI_VERSION = "3.1.0"


def path_of(service: str, operation: str) -> str:
    return f"/{service}/{operation}"


def _schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A spec schema fit for a Schema Object: the document-level ``$schema`` dropped (OpenAPI
    3.1's dialect is 2020-12 already); every ``x-`` member is an allowed extension."""
    copied: dict[str, Any] = json.loads(json.dumps(schema))
    copied.pop("$schema", None)
    return copied


def _operation(op: OperationSpec, content_type: str) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": "success"}
    if op.response_schema is not None:
        # Answers carry the service's awsJson type (rulebook rules 1-2); the request is plain JSON
        # to Schemathesis, and the proxy gives it that type.
        ok["content"] = {content_type: {"schema": _schema(op.response_schema)}}
    return {
        "operationId": f"{op.service}.{op.name}",
        "summary": f"{op.service} {op.name}",
        "externalDocs": {"url": op.doc_url},
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _schema(op.request_schema)}},
        },
        "responses": {
            "200": ok,
            "4XX": {"description": f"a documented client error: {', '.join(op.errors) or 'common errors'}"},
        },
    }


def selected(spec: Spec, chosen: Iterable[str] = ()) -> list[OperationSpec]:
    """The operations ``chosen`` names (``service:Operation``), every operation when it names none.

    An unknown name is a :class:`UsageError` (one line, exit 2).
    """
    names = list(chosen)
    if not names:
        return [op for service in spec.services.values() for op in service.operations.values()]
    out = []
    for name in names:
        service, sep, operation = name.partition(":")
        if not sep:
            raise UsageError(f"--operation {name!r}: write it service:Operation, e.g. kms:DescribeKey")
        out.append(spec.operation(service, operation))
    return out


def export(spec: Spec, operations: Iterable[OperationSpec] | None = None) -> dict[str, Any]:
    """The OpenAPI document of ``operations`` (every operation of ``spec`` by default)."""
    ops = list(operations) if operations is not None else selected(spec)
    paths = {
        path_of(op.service, op.name): {"post": _operation(op, spec.service(op.service).content_type)}
        for op in ops
    }
    services = sorted({op.service for op in ops})
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": f"{', '.join(services)} ({spec.profile} profile), one path per operation",
            "version": "1",
            "description": (
                "Exported by python -m harness schemathesis from the harness's built specs. Every "
                "operation is POST /<service>/<Operation>; the harness's loopback proxy sends it as "
                "an awsJson call (X-Amz-Target, Content-Type) signed with SigV4."
            ),
        },
        "paths": dict(sorted(paths.items())),
    }
