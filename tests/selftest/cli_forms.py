"""What a finding's command-line reproduction (``reproduce_cli``) exercises of its generator
(harness.reproduce_cli), read from the snippet's text, and the cheapest sample of a run's findings
whose snippets exercise all of it.

A snippet is built from a few pieces, each a branch of the generator: the final call through the
AWS CLI or curl; for curl, its signing (signed, wrongly signed, unsigned; each service's signing
name), its Content-Type and X-Amz-Target headers (each service's prefix, an unknown operation, none)
and ids of earlier steps spliced into its body; each earlier step through the AWS CLI (keeping
ids with ``--query`` or not) or curl (keeping ids through python3 or not); the AWS CLI's name for
each operation it is run with; and the check that judges the answer (its exit status), or none.
The features read here are those pieces, plus each kind of finding in each form (AWS CLI or curl,
with steps or not) and each wire and auth rule, whose requests only curl can send.

Running one snippet per feature runs every branch the run's findings reach, instead of the same
branch dozens of times: most of a snippet's cost is the AWS CLI (about 0.35 CPU s an invocation).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

Feature = tuple[Any, ...]

#: Every check harness.reproduce_cli._check writes, by the shell it is made of. A check none of
#: these matches fails :func:`features`, so a new branch of the generator cannot go unsampled.
CHECKS = (
    ("aws: success", re.compile(r'\[ "\$rc" -eq 0 \]')),
    ("aws: error code", re.compile(r'\[ "\$rc" -ne 0 \] && .*An error occurred')),
    ("curl: Content-Type", re.compile(r'\[ "\$\{ctype%%;\*\}" = ')),
    ("curl: body not JSON", re.compile(r"case \"\$body\" in '\{'\*'\}'\)")),
    ("curl: __type missing", re.compile(r"grep -q '\"__type\"'")),
    ("curl: body empty", re.compile(r"case \"\$body\" in ''\|'\{\}'\)")),
    ("curl: member not a string", re.compile(r"grep -Eq '\"[^\"]+\" \*: \*\[\^")),
    ("curl: member null", re.compile(r"grep -Eq '\"[^\"]+\" \*: \*null")),
    (
        "curl: status and code",
        re.compile(r'case "\$status" in 4\?\?\) ;; \*\) exit 1 ;; esac\ncase "\$code"'),
    ),
    ("curl: one of the codes", re.compile(r'^case "\$code" in', re.M)),
    ("curl: 2xx", re.compile(r'case "\$status" in 2\?\?\)')),
    ("curl: 4xx", re.compile(r'case "\$status" in 4\?\?\) exit 0')),
    ("not judged", re.compile(r"^# Not judged here", re.M)),
)
AWS = re.compile(r"\baws (\S+) (\S+) --endpoint-url")


@cache
def _operations(service: str) -> frozenset[str]:
    import botocore.session

    return frozenset(botocore.session.get_session().get_service_model(service).operation_names)


def _curl(block: str, service: str) -> Iterator[Feature]:
    scope = re.search(r"--aws-sigv4 \S*:(\S+)", block)
    auth = "unsigned" if scope is None else "bad signature" if "-wrong" in block else "signed"
    yield ("curl signing", auth, scope.group(1) if scope else None)
    content_type = re.search(r"-H 'Content-Type:([^']*)'", block)
    yield ("curl Content-Type", content_type.group(1).strip() if content_type else None)
    target = re.search(r"-H 'X-Amz-Target: ([^']*)'", block)
    if target is None:
        yield ("curl X-Amz-Target", None)
    else:
        prefix, _, operation = target.group(1).partition(".")
        yield ("curl X-Amz-Target", prefix, "modelled" if operation in _operations(service) else "unknown")
    yield ("curl ids spliced", "${step" in block)


def features(finding: dict[str, Any]) -> set[Feature]:
    """The pieces of the generator ``finding``'s snippet is made of (see the module doc)."""
    lines = finding["reproduce_cli"].split("\n")
    final_at = next(i for i, line in enumerate(lines) if line.startswith("out=$("))
    steps, rest = "\n".join(lines[:final_at]), "\n".join(lines[final_at:])
    found: set[Feature] = {("aws operation", *m.groups()) for m in AWS.finditer(finding["reproduce_cli"])}
    for block in re.split(r"\n(?=\S)", steps):  # one shell command (and its continuation lines)
        if block.startswith("ids=$(aws "):
            found.add(("step", "aws keeping ids"))
        elif block.startswith("aws "):
            found.add(("step", "aws"))
        elif block.startswith("answer=$(curl "):
            found.add(("step", "curl"))
            found.update(_curl(block, finding["service"]))
        elif block.startswith("step") and "python3 -c" in block:
            found.add(("step", "curl keeping ids"))
    curl = rest.startswith("out=$(curl ")
    if curl:
        found.update(_curl(rest.split("|| exit 2", 1)[0], finding["service"]))
    else:
        found.add(("aws ids spliced", "${step" in rest.split("\n", 1)[0]))
    judged = rest.split("# The documentation requires", 1)[-1]
    shape = next((name for name, pattern in CHECKS if pattern.search(judged)), None)
    if shape is None:
        raise AssertionError(f"{finding['id']}: a check this sample does not know:\n{judged}")
    found.add(("check", shape))
    found.add(("kind", finding["kind"], "curl" if curl else "aws", bool(finding["steps"])))
    if ".wire." in finding["rule"] or ".auth." in finding["rule"]:
        found.add(("wire or auth rule", finding["rule"]))
    return found


def cost(finding: dict[str, Any]) -> int:
    """A snippet's cost in curl calls: an AWS CLI invocation costs about three."""
    text: str = finding["reproduce_cli"]
    return text.count("curl ") + 3 * len(AWS.findall(text))


def sample(findings: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings whose snippets have every feature any finding's has, chosen greedily (most new
    features per cost, the earlier finding on a tie), in the run's order."""
    each = [features(f) for f in findings]
    wanted: set[Feature] = set().union(*each)
    chosen: set[int] = set()
    while wanted:
        best = max(
            range(len(findings)), key=lambda i: (len(each[i] & wanted) / max(cost(findings[i]), 1), -i)
        )
        chosen.add(best)
        wanted -= each[best]
    return [findings[i] for i in sorted(chosen)]
