"""Disagreements about error lists, headers, value formats and constraints in prose.

The element comparison (:mod:`harness.spectools.compare`) checks names, types, required-ness,
enums and defaults member by member. This module checks what is not a member: each
operation's error codes, the protocol headers, the form of ARNs and key ids the examples
show (against rulebook rules 8-10), prose that states a constraint botocore's shape
contradicts, and the disagreements among AWS's own sources that the schemas take a side
on (rulebook section 9).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from harness.spectools import model_view
from harness.spectools.compare import AWS, DOCUMENTED, Claim, Group, collect, model_location, model_source
from harness.spectools.disagreements import KEEP, Disagreement, Location, Resolution, Side
from harness.spectools.model_view import concept
from harness.spectools.seeds import Page, SeedSet
from harness.spectools.sources import botocore_model

RULEBOOK = "rulebook.md"


# --- errors -----------------------------------------------------------------------------------------


def _errors_table(page: Page) -> str:
    return "Special Errors table" if page.format == "mdx" else "Exceptions"


def _errors(page: Page) -> Iterator[Disagreement]:
    op = botocore_model(page.service)["operations"][page.operation]
    source = model_source(page.service)
    model = {concept(e["shape"]): e["shape"] for e in op.get("errors", [])}
    listed = {concept(e.code): e for e in page.errors}
    shapes = botocore_model(page.service)["shapes"]
    for key in sorted(set(model) | set(listed)):
        aws_code = model.get(key)
        entry = listed.get(key)
        page_code = entry.code if entry else None
        if aws_code == page_code:
            continue
        where = (
            Location(page.file, entry.locator, entry.line)
            if entry
            else Location(page.file, _errors_table(page))
        )
        sides = (
            Side(source, "model", aws_code, (Location(source, f"operations.{page.operation}.errors"),)),
            Side(page.file, "table", page_code, (where,)),
        )
        subject = f"{page.operation}.{aws_code or page_code}"
        if aws_code and page_code:
            what = f"{page.operation}: the page spells {aws_code} as {page_code}."
            follows = {
                AWS: f"{aws_code} (botocore)",
                DOCUMENTED: f"{page_code}, read as {aws_code} (service.json errorAliases); "
                f"{aws_code} also counts",
            }
            resolution = Resolution(
                "add-error", {"operation": page.operation, "code": page_code, "alias_of": aws_code}
            )
        elif page_code:
            known = " (a KMS error botocore models for other operations)" if page_code in shapes else ""
            what = (
                f"{page.operation}: the page lists {page_code}{known}; "
                "botocore's model of the operation does not."
            )
            follows = {
                AWS: f"not among {page.operation}'s errors (botocore)",
                DOCUMENTED: f"lists {page_code} among {page.operation}'s errors, as the page does",
            }
            resolution = Resolution(
                "add-error", {"operation": page.operation, "code": page_code, "alias_of": None}
            )
        else:
            what = f"{page.operation}: botocore models {aws_code}; the page does not list it."
            follows = {
                AWS: f"{aws_code} is one of {page.operation}'s errors (botocore)",
                DOCUMENTED: f"keeps {aws_code}: a page's list of special errors is not a promise "
                "that no other error comes back",
            }
            resolution = KEEP
        yield Disagreement(
            id=f"{page.service}.{subject}.error",
            topic="error",
            service=page.service,
            operations=(page.operation,),
            subject=subject,
            what=what,
            sides=sides,
            follows=follows,
            resolution=resolution,
        )


# --- headers ----------------------------------------------------------------------------------------


def _headers(page: Page) -> Iterator[Disagreement]:
    meta = botocore_model(page.service)["metadata"]
    expected = {
        "content-type": f"application/x-amz-json-{meta['jsonVersion']}",
        "x-amz-target": f"{meta['targetPrefix']}.{page.operation}",
    }
    claims: dict[str, list[Side]] = {}
    for header in page.headers:
        where = Location(page.file, header.locator, header.line)
        claims.setdefault(header.name.lower(), []).append(Side(page.file, "table", header.value, (where,)))
    for example in page.examples:
        for name, value in ((example.request or {}).get("headers") or {}).items():
            where = Location(
                page.file, f"{example.locator} request headers", example.line, example=example.id
            )
            claims.setdefault(name.lower(), []).append(Side(page.file, "examples", value, (where,)))
    source = model_source(page.service)
    for name, sides in sorted(claims.items()):
        model = expected.get(name)
        model_sides = [Side(source, "model", model, (Location(source, "metadata"),))] if model else []
        every = model_sides + sides
        if all(s.value == every[0].value for s in every):
            continue
        yield Disagreement(
            id=f"{page.service}.{page.operation}.header-{name}.format",
            topic="format",
            service=page.service,
            operations=(page.operation,),
            subject=f"{page.operation} header {name}",
            what=f"{page.operation}: the {name} header's value differs between the sources.",
            sides=tuple(every),
            follows={AWS: f"{model} (botocore)", DOCUMENTED: f"{model} (botocore), as the aws profile"},
        )


# --- value formats (KMS): ARNs and key ids ----------------------------------------------------------

_AWS_KEY_ARN = re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key/(?P<id>.+)$")
_ANY_KEY_ARN = re.compile(r"^(?P<prefix>arn:.*?):\d{12}:key/(?P<id>.+)$")
AWS_ARN_FORM = "arn:<partition>:kms:<region>:<account>:key/<key-id>"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_MRK = re.compile(r"^mrk-(?P<hex>[0-9a-f]+)$")


def arn_form(value: str) -> str:
    """``arn:verenc:111122223333:key/1234...`` -> ``arn:verenc:<account>:key/<key-id>``."""
    if _AWS_KEY_ARN.match(value):
        return AWS_ARN_FORM
    match = _ANY_KEY_ARN.match(value)
    return f"{match.group('prefix')}:<account>:key/<key-id>" if match else value


def arn_pattern(forms: list[str]) -> str:
    """A JSON Schema pattern accepting the vendor ARN forms (``<account>`` is 12 digits, as every
    example shows)."""
    prefixes = sorted({f.split(":<account>:", 1)[0] for f in forms})
    body = "|".join(re.escape(p) for p in prefixes)
    return f"^(?:{body}):[0-9]{{12}}:key/.+$" if len(prefixes) > 1 else f"^{body}:[0-9]{{12}}:key/.+$"


def key_id_form(value: str) -> str:
    if _UUID.match(value):
        return "<uuid>"
    mrk = _MRK.match(value)
    if mrk:
        return f"mrk-<{len(mrk.group('hex'))} hex>"
    return value


def _valued(groups: dict[tuple[str, ...], Group], service: str, shape: str) -> list[tuple[Claim, str]]:
    out = []
    for group in groups.values():
        if group.service != service or group.model is None or group.model.shape != shape:
            continue
        for claim in group.claims:
            if claim.has_value and isinstance(claim.value, str):
                out.append((claim, claim.value))
    return sorted(
        out, key=lambda cv: (cv[0].page.file, cv[0].location.example or "", cv[0].location.path or "")
    )


def _sides(pairs: list[tuple[Claim, str]], view: str = "examples") -> list[Side]:
    buckets: dict[tuple[str, str], list[Location]] = {}
    for claim, form in pairs:
        buckets.setdefault((claim.page.file, form), []).append(claim.location)
    return [Side(file, view, form, tuple(locs)) for (file, form), locs in sorted(buckets.items())]


def _arns(groups: dict[tuple[str, ...], Group]) -> Iterator[Disagreement]:
    arns = _valued(groups, "kms", "ArnType")
    forms = [(claim, arn_form(value)) for claim, value in arns]
    vendor = sorted({form for _, form in forms if form != AWS_ARN_FORM})
    if not vendor:
        return
    rulebook = Side(
        RULEBOOK, "docs", AWS_ARN_FORM, (Location(RULEBOOK, "rule 8 (developerguide concepts.html)"),)
    )
    pattern = arn_pattern(vendor)
    yield Disagreement(
        id="kms.ArnType.format",
        topic="format",
        service="kms",
        operations=tuple(sorted({c.page.operation for c, _ in forms})),
        subject="ArnType (KeyMetadata.Arn, MultiRegionKey.Arn)",
        what=f"Key ARNs: the pages show {', '.join(vendor)}; AWS's form is {AWS_ARN_FORM}.",
        sides=(rulebook, *_sides(forms)),
        follows={
            AWS: "AWS's form; the schema has no pattern (botocore ArnType: length 20..2048), the model "
            "learns and checks ARNs (rulebook rule 8)",
            DOCUMENTED: f"the pages' form: pattern {pattern} on every key ARN in answers",
        },
        resolution=Resolution("pattern", {"shape": "ArnType", "pattern": pattern}),
    )


def _key_ids(groups: dict[tuple[str, ...], Group]) -> Iterator[Disagreement]:
    """Multi-Region key ids (``mrk-``...) against AWS's form; single-Region UUIDs all agree."""
    ids = [(claim, key_id_form(value)) for claim, value in _valued(groups, "kms", "KeyIdType")]
    for claim, value in _valued(groups, "kms", "ArnType"):
        match = _ANY_KEY_ARN.match(value)
        if match:
            ids.append((claim, key_id_form(match.group("id"))))
    aws = "mrk-<32 hex>"
    ids = [(claim, form) for claim, form in ids if form.startswith("mrk-")]
    odd = sorted({form for _, form in ids if form != aws})
    if not odd:
        return
    where = Location(RULEBOOK, "rule 9 (API_ReplicateKey.html KeyId example)")
    rulebook = Side(RULEBOOK, "docs", aws, (where,))
    yield Disagreement(
        id="kms.KeyIdType.format",
        topic="format",
        service="kms",
        operations=tuple(sorted({c.page.operation for c, _ in ids})),
        subject="KeyIdType (key ids in KeyId and in key ARNs)",
        what="Multi-Region key ids: AWS's are mrk- and 32 hex digits; the pages also show "
        + ", ".join(odd)
        + ".",
        sides=(rulebook, *_sides(ids)),
        follows={
            AWS: "no pattern in the schema (botocore KeyIdType: length 1..2048); the oracle's rule for "
            "mrk- ids follows AWS (rulebook rule 9)",
            DOCUMENTED: "no pattern in the schema either: the vendor pages show two mrk- forms and state "
            "no rule, so the profile accepts both (botocore KeyIdType's length 1..2048 only)",
        },
    )


def _replica_arns(seeds: SeedSet) -> Iterator[Disagreement]:
    found: list[Location] = []
    operations = set()
    for page in seeds.pages_for("kms"):
        for example in page.examples:
            body = (example.response or {}).get("body")
            for pointer, config in _find_key(body, "MultiRegionConfiguration"):
                primary = config.get("PrimaryKey") or {}
                for i, replica in enumerate(config.get("ReplicaKeys") or []):
                    if replica.get("Arn") == primary.get("Arn") and replica.get("Region") != primary.get(
                        "Region"
                    ):
                        operations.add(page.operation)
                        found.append(
                            Location(
                                page.file,
                                f"{example.locator} response body",
                                example.line,
                                path=f"{pointer}/ReplicaKeys/{i}/Arn",
                                example=example.id,
                                part="response",
                                value=replica.get("Arn"),
                            )
                        )
    if not found:
        return
    yield Disagreement(
        id="kms.MultiRegionKey.Arn.format",
        topic="format",
        service="kms",
        operations=tuple(sorted(operations)),
        subject="MultiRegionKey.Arn (replica vs primary)",
        what="A replica's ARN equals its primary's although their Regions differ: the vendor's ARN has "
        "no Region, so related keys in two Regions share one ARN.",
        sides=(
            Side(
                RULEBOOK,
                "docs",
                "the primary's ARN with the Region changed",
                (Location(RULEBOOK, "rule 10 (developerguide multi-region-keys-overview)"),),
            ),
            Side(found[0].file, "examples", "the primary's ARN, unchanged", tuple(found)),
        ),
        follows={
            AWS: "AWS's rule, held by the model (rulebook rule 10), not by the schema",
            DOCUMENTED: "not in the schema: nothing in a single answer's shape can say it",
        },
    )


def _find_key(body: Any, name: str, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(body, dict):
        for key, value in body.items():
            if key == name and isinstance(value, dict):
                yield f"{pointer}/{key}", value
            yield from _find_key(value, name, f"{pointer}/{key}")
    elif isinstance(body, list):
        for i, item in enumerate(body):
            yield from _find_key(item, name, f"{pointer}/{i}")


_AWS_PRINCIPAL = re.compile(r"arn:aws:iam::\d{12}:\w+")


def _policy_principals(groups: dict[tuple[str, ...], Group]) -> Iterator[Disagreement]:
    """A vendor page whose key ARNs are not AWS's but whose example policy names an AWS principal."""
    arn_forms: dict[str, set[str]] = {}
    for claim, value in _valued(groups, "kms", "ArnType"):
        arn_forms.setdefault(claim.page.file, set()).add(arn_form(value))
    principals = [
        (claim, "arn:aws:iam::<account>:" + match.split(":")[-1])
        for claim, value in _valued(groups, "kms", "PolicyType")
        if arn_forms.get(claim.page.file, {AWS_ARN_FORM}) != {AWS_ARN_FORM}
        for match in _AWS_PRINCIPAL.findall(value)
    ]
    if not principals:
        return
    files = sorted({c.page.file for c, _ in principals})
    arn_sides = [
        Side(file, "examples", sorted(arn_forms[file])[0], (Location(file, "key ARNs in the examples"),))
        for file in files
    ]
    yield Disagreement(
        id="kms.PolicyType.format",
        topic="format",
        service="kms",
        operations=tuple(sorted({c.page.operation for c, _ in principals})),
        subject="PolicyType (principal ARNs in example policies)",
        what="The example key policy names an AWS IAM principal (arn:aws:iam::...) on a page whose "
        "key ARNs use the vendor's form: the page does not say how principals are named.",
        sides=(*arn_sides, *_sides(principals)),
        follows={
            AWS: "not in the schema (a policy is a string); AWS principals are AWS's",
            DOCUMENTED: "not in the schema: the page documents no principal form to follow",
        },
    )


# --- constraints in prose -----------------------------------------------------------------------------

_EMPTY_VALUE = re.compile(r"(\w+) value can be an empty", re.I)


def _empty_values(seeds: SeedSet) -> Iterator[Disagreement]:
    for page in seeds.pages:
        for direction in ("request", "response"):
            root = model_view.operation_root(page.service, page.operation, direction)
            if root is None:
                continue
            index = model_view.members(page.service, root)
            for element in page.elements(direction, "table"):
                match = _EMPTY_VALUE.search(element.description)
                member, _ = model_view.resolve(index, element.path)
                if not match or member is None:
                    continue
                for child in index.values():
                    if child.parent_path != member.path or not child.name.endswith("Value"):
                        continue
                    if not child.min_length:
                        continue
                    source = model_source(page.service)
                    where = Location(page.file, element.locator, element.line, path=element.path)
                    yield Disagreement(
                        id=f"{page.service}.{child.shape}.constraint",
                        topic="constraint",
                        service=page.service,
                        operations=(page.operation,),
                        subject=f"{child.parent}.{child.name} (shape {child.shape})",
                        what=f"{element.path}: the page says the {match.group(1).lower()} value can be "
                        f"an empty string; botocore's {child.shape} has minimum length {child.min_length} "
                        "(rulebook D7).",
                        sides=(
                            Side(source, "model", child.min_length, (model_location(page.service, child),)),
                            Side(page.file, "prose", 0, (where,)),
                        ),
                        follows={
                            AWS: f"minLength {child.min_length} (botocore {child.shape})",
                            DOCUMENTED: "minLength 0: the page's text allows an empty value",
                        },
                        resolution=Resolution("min-length", {"shape": child.shape, "minLength": 0}),
                    )


# --- AWS's own sources ----------------------------------------------------------------------------------


def _range(service: str, shape: str) -> str:
    spec = botocore_model(service)["shapes"][shape]
    low, high = spec.get("min"), spec.get("max")
    return f"{low}..{high}"


def _aws_sources() -> Iterator[Disagreement]:
    """Where botocore and AWS's documentation disagree and the schemas take a side (rulebook
    section 9, D1-D3)."""
    kms = model_source("kms")
    cases = (
        (
            "ScheduleKeyDeletionRequest",
            "PendingWindowInDays",
            "PendingWindowInDaysType",
            "7..30",
            'API_ScheduleKeyDeletion.html and the member\'s doc ("must be between 7 and 30"); rulebook D1',
            "7..30: an allOf keyword at the request root (the property keeps botocore's range); "
            "kms.schedule-deletion.window decides the answer",
        ),
        (
            "ListResourceTagsRequest",
            "Limit",
            "LimitType",
            "1..50",
            'API_ListResourceTags.html and the member\'s doc ("must be between 1 and 50"); rulebook D2',
            "1..50: an allOf keyword at the request root (the property keeps botocore's range); "
            "kms.list-resource-tags.limit decides the answer",
        ),
        (
            "CreateKeyRequest",
            "Policy",
            "PolicyType",
            "at most 32768 bytes",
            "developerguide resource-limits.html (key policy document size, 32 KB); rulebook rule 21, D3",
            "botocore's maxLength (the wire limit); the 32 KB quota and its LimitExceededException "
            "are the oracle's (kms.policy.size)",
        ),
    )
    for structure, member, shape, documented, where, follows in cases:
        yield Disagreement(
            id=f"kms.{structure}.{member}.constraint",
            topic="constraint",
            service="kms",
            operations=(structure.removesuffix("Request"),),
            subject=f"{structure}.{member}",
            what=f"{structure}.{member}: botocore allows {_range('kms', shape)}, "
            f"AWS's documentation {documented}.",
            sides=(
                Side(
                    kms,
                    "model",
                    _range("kms", shape),
                    (Location(kms, f"{structure}.{member} (shape {shape})"),),
                ),
                Side("AWS documentation", "docs", documented, (Location("AWS documentation", where),)),
            ),
            follows={AWS: follows, DOCUMENTED: follows},
        )


def disagreements(seeds: SeedSet) -> list[Disagreement]:
    groups = collect(seeds)
    out: list[Disagreement] = []
    for page in seeds.pages:
        out += list(_errors(page))
        out += list(_headers(page))
    out += list(_arns(groups))
    out += list(_key_ids(groups))
    out += list(_replica_arns(seeds))
    out += list(_policy_principals(groups))
    out += list(_empty_values(seeds))
    out += list(_aws_sources())
    return out
