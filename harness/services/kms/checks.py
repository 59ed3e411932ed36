"""The KMS answer check: every KeyMetadata a successful answer shows agrees with itself."""

from __future__ import annotations

from harness.checks import Answer, Divergence, check, divergence
from harness.oracle.rules import RULES, Expectation
from harness.services.kms import metadata


@check("kms.key-metadata", service="kms", order=20)
def check_key_metadata(answer: Answer) -> list[Divergence]:
    """Every KeyMetadata in a successful KMS answer agrees with itself (harness.services.kms.metadata).

    Reads the canonical view (AWS's member names and values). A profile other than ``aws``
    documents its own id and ARN formats (its schemas check those), so the rules about AWS's
    formats are left out for it.
    """
    exchange = answer.canonical
    aws_formats = answer.spec.profile == "aws"
    if not exchange.ok or not isinstance(exchange.body, dict):
        return []
    found = []
    replica_region = exchange.request.get("ReplicaRegion")
    for member, region in (("KeyMetadata", exchange.region), ("ReplicaKeyMetadata", replica_region)):
        meta = exchange.body.get(member)
        if not isinstance(meta, dict) or not isinstance(region, str):
            continue
        for problem in metadata.problems(meta, pointer=f"/{member}", region=region):
            if not aws_formats and problem.rule in metadata.AWS_FORMAT_RULES:
                continue
            found.append(
                divergence(
                    problem.rule,
                    "invariant",
                    exchange,
                    Expectation("success", detail=RULES[problem.rule].title),
                    f"{problem.pointer}: {problem.detail}",
                    f"{problem.pointer}: {problem.name}",
                )
            )
    return found
