"""``python -m harness spec build``: regenerate ``specs/`` from its sources.

The build is a pure function from (botocore's models, the documented facts the
project encodes) to a set of files; :func:`render` returns them as text so a test
can compare the committed tree with a fresh rebuild byte for byte.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from harness.spec.shapes import SchemaBuilder, summary
from harness.spec.sources import SERVICES, ServiceSource, botocore_model, botocore_version

#: Errors every AWS JSON API may return although no operation models them. Source:
#: https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html and, for KMS
#: ValidationException, the recorded answers in rulebook rule 6.
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

COMMON_ERRORS_SOURCE = "https://docs.aws.amazon.com/kms/latest/APIReference/CommonErrors.html"

PROFILE = "aws"


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _error_entry(source: ServiceSource, model: dict[str, Any], code: str) -> dict[str, Any]:
    shape = model["shapes"][code]
    members = list(shape["members"])
    body_schema: dict[str, Any] = {
        "type": "object",
        "required": ["__type"],
        "properties": {"__type": {"type": "string"}},
    }
    builder = SchemaBuilder(source, model, "response")
    for member in members:
        body_schema["properties"][member] = builder.shape_schema(shape["members"][member]["shape"])
    entry: dict[str, Any] = {
        "fault": "server" if shape.get("fault") else "client",
        "members": members,
        "description": summary(shape.get("documentation")),
        "x-source": source.model_citation(code),
        "body": body_schema,
    }
    return entry


def _service_files(source: ServiceSource) -> dict[str, str]:
    model = botocore_model(source.name)
    meta = model["metadata"]
    requests = SchemaBuilder(source, model, "request")
    responses = SchemaBuilder(source, model, "response")
    files: dict[str, str] = {}
    operations: dict[str, Any] = {}
    error_codes: set[str] = set()
    for op_name in source.operations:
        op = model["operations"][op_name]
        input_shape = op["input"]["shape"]
        files[f"{op_name}.request.json"] = _dump(
            requests.operation_schema(input_shape, f"{source.name} {op_name} request body")
        )
        output = op.get("output")
        response_file: str | None = None
        # An operation without an output shape, or with an empty one, answers with an
        # empty HTTP body ("If the action is successful, the service sends back an HTTP
        # 200 response with an empty HTTP body", e.g. API_EnableKey.html).
        if output and model["shapes"][output["shape"]]["members"]:
            response_file = f"{op_name}.response.json"
            files[response_file] = _dump(
                responses.operation_schema(output["shape"], f"{source.name} {op_name} response body")
            )
        errors = [e["shape"] for e in op.get("errors", [])]
        error_codes.update(errors)
        operations[op_name] = {
            "doc": source.doc_url(op_name),
            "x-source": source.model_citation(op_name),
            "request": f"{op_name}.request.json",
            "response": response_file,
            "emptyResponse": response_file is None,
            "errors": errors,
        }
    common = COMMON_ERRORS[source.name]
    errors_out = {
        code: _error_entry(source, model, code)
        for code in sorted(error_codes | {c for c in common if c in model["shapes"]})
    }
    service_doc = {
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
        "commonErrors": {"codes": list(common), "x-source": COMMON_ERRORS_SOURCE},
    }
    files["service.json"] = _dump(service_doc)
    return files


def render() -> dict[str, str]:
    """Every file of ``specs/``, keyed by its path relative to ``specs/``."""
    files: dict[str, str] = {}
    for source in SERVICES.values():
        for name, text in _service_files(source).items():
            files[f"{PROFILE}/{source.name}/{name}"] = text
    return dict(sorted(files.items()))


def write(specs_dir: Path, files: dict[str, str]) -> None:
    """Replace the generated profile trees under ``specs_dir`` with ``files``, all or nothing."""
    specs_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".spec-build-", dir=specs_dir))
    try:
        for rel, text in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        for top in sorted({rel.split("/", 1)[0] for rel in files}):
            final = specs_dir / top
            old = specs_dir / f".old-{top}"
            if final.exists():
                os.replace(final, old)
            os.replace(staging / top, final)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def diff(specs_dir: Path, files: dict[str, str]) -> list[str]:
    """Paths (relative to ``specs_dir``) whose committed text differs from ``files``."""
    changed = []
    tops = {rel.split("/", 1)[0] for rel in files}
    committed = {
        p.relative_to(specs_dir).as_posix()
        for top in tops
        if (specs_dir / top).is_dir()
        for p in (specs_dir / top).rglob("*")
        if p.is_file()
    }
    for rel in sorted(committed | set(files)):
        path = specs_dir / rel
        if rel not in files:
            changed.append(f"{rel} (not generated any more)")
        elif not path.is_file():
            changed.append(f"{rel} (missing)")
        elif path.read_text(encoding="utf-8") != files[rel]:
            changed.append(rel)
    return changed
