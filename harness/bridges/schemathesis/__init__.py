"""``python -m harness schemathesis``: Schemathesis's malformed-input breadth, judged by the harness.

- :mod:`.openapi` exports the built specs as one OpenAPI description, an operation per path;
- :mod:`.proxy` is the loopback proxy that turns each path into a signed awsJson call;
- :mod:`.run` runs Schemathesis through it for a time budget and turns every 5xx and every
  request that got no answer into a ``server-error`` finding of a findings.json.
"""
