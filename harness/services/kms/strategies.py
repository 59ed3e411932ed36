"""Strategies for KMS requests: valid ones, and ones that break exactly one tag rule.

Valid requests draw from the combinations every source allows (see the note of rule
``kms.create-key.valid``); invalid ones start from a valid request and break one rule,
and the oracle re-checks what was drawn, so a strategy can be generous.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from harness.services.kms import rules as oracle
from harness.spec.catalog import OperationSpec
from harness.strategies.values import SAFE_TEXT, built_once, length_bounds, member, values

# Rule 34: the advisory character set, minus nothing; keys must not start with 'aws:'.
_TAG_KEY_POINTER = "/Tags/*/TagKey"
_TAG_VALUE_POINTER = "/Tags/*/TagValue"


def tag_keys(spec: OperationSpec) -> st.SearchStrategy[str]:
    return built_once(
        spec,
        ("tag keys",),
        lambda: values(member(spec.request_schema, _TAG_KEY_POINTER)).filter(
            lambda k: not oracle.is_reserved_tag_key(k)
        ),
    )


def tag_values(spec: OperationSpec) -> st.SearchStrategy[str]:
    return built_once(spec, ("tag values",), lambda: values(member(spec.request_schema, _TAG_VALUE_POINTER)))


def tags(key: str, value: str) -> dict[str, str]:
    return {"TagKey": key, "TagValue": value}


def valid_tag_lists(
    spec: OperationSpec, *, min_size: int = 0, max_size: int = oracle.MAX_TAGS_PER_KEY
) -> st.SearchStrategy[list[dict[str, str]]]:
    def build() -> st.SearchStrategy[list[dict[str, str]]]:
        pairs = st.lists(
            st.tuples(tag_keys(spec), tag_values(spec)),
            min_size=min_size,
            max_size=max_size,
            unique_by=lambda kv: kv[0],
        )
        return pairs.map(lambda kvs: [tags(k, v) for k, v in kvs])

    return built_once(spec, ("tag lists", min_size, max_size), build)


# --- tag lists that break one rule --------------------------------------------------------


@st.composite
def reserved_prefix_tag_lists(draw: st.DrawFn, spec: OperationSpec) -> list[dict[str, str]]:
    """A valid list with one key that starts 'aws:' in some letter case (rule 31)."""
    base = draw(valid_tag_lists(spec, max_size=oracle.MAX_TAGS_PER_KEY - 1))
    prefix = "".join(draw(st.sampled_from([c.lower(), c.upper()])) for c in "aws") + ":"
    _, high = length_bounds(member(spec.request_schema, _TAG_KEY_POINTER))
    suffix = draw(st.text(SAFE_TEXT, max_size=(high or 128) - len(prefix)))
    key = prefix + suffix
    base = [t for t in base if t["TagKey"] != key]
    position = draw(st.integers(0, len(base)))
    base.insert(position, tags(key, draw(tag_values(spec))))
    return base


@st.composite
def duplicate_key_tag_lists(draw: st.DrawFn, spec: OperationSpec) -> list[dict[str, str]]:
    """A valid list in which one key appears twice, with any values (rule 32)."""
    base = draw(valid_tag_lists(spec, min_size=1, max_size=oracle.MAX_TAGS_PER_KEY - 1))
    duplicated = draw(st.sampled_from(base))
    position = draw(st.integers(0, len(base)))
    base.insert(position, tags(duplicated["TagKey"], draw(tag_values(spec))))
    return base


@st.composite
def too_many_tag_lists(draw: st.DrawFn, spec: OperationSpec) -> list[dict[str, str]]:
    """51 to 60 distinct valid tags (rule 33).

    The rule is about the count, so the list is drawn from a compact description
    (count, key stem, value) rather than 51 independent tags: Hypothesis then shrinks
    a handful of choices instead of a hundred strings.
    """
    limit = oracle.MAX_TAGS_PER_KEY
    count = draw(st.integers(limit + 1, limit + 10), label="tag count")
    stem = draw(st.text(SAFE_TEXT, max_size=24).filter(lambda k: not oracle.is_reserved_tag_key(k)))
    value = draw(tag_values(spec).filter(lambda v: len(v) <= 64))
    return [tags(f"{stem}{index}", value) for index in range(count)]


@st.composite
def long_key_tag_lists(draw: st.DrawFn, spec: OperationSpec) -> list[dict[str, str]]:
    """A valid list with one key longer than the TagKey maximum (rule 30)."""
    _, high = length_bounds(member(spec.request_schema, _TAG_KEY_POINTER))
    limit = high or oracle.TAG_KEY_MAX
    base = draw(valid_tag_lists(spec, max_size=oracle.MAX_TAGS_PER_KEY - 1))
    key = draw(
        st.text(SAFE_TEXT, min_size=limit + 1, max_size=limit + 64).filter(
            lambda k: not oracle.is_reserved_tag_key(k)
        )
    )
    base.insert(draw(st.integers(0, len(base))), tags(key, draw(tag_values(spec))))
    return base


@st.composite
def empty_key_tag_lists(draw: st.DrawFn, spec: OperationSpec) -> list[dict[str, str]]:
    """A valid list with one empty key, below the TagKey minimum of 1 (rule 30)."""
    base = draw(valid_tag_lists(spec, max_size=oracle.MAX_TAGS_PER_KEY - 1))
    base.insert(draw(st.integers(0, len(base))), tags("", draw(tag_values(spec))))
    return base


@st.composite
def long_value_tag_lists(draw: st.DrawFn, spec: OperationSpec) -> list[dict[str, str]]:
    """A valid list with one value longer than the TagValue maximum (rule 30)."""
    _, high = length_bounds(member(spec.request_schema, _TAG_VALUE_POINTER))
    limit = high or oracle.TAG_VALUE_MAX
    base = draw(valid_tag_lists(spec, min_size=1, max_size=oracle.MAX_TAGS_PER_KEY))
    index = draw(st.integers(0, len(base) - 1))
    base[index] = tags(
        base[index]["TagKey"], draw(st.text(SAFE_TEXT, min_size=limit + 1, max_size=limit + 64))
    )
    return base


# --- whole requests ----------------------------------------------------------------------


def default_policy(account_id: str | None, partition: str = "aws") -> str:
    """The documented default key policy (rulebook rule 23), as a JSON string.

    Its principal is the account's root. When the account is not known yet, the
    principal is ``*``, which also allows the caller to manage the key, so the policy
    passes the lockout safety check either way (rule 22).
    """
    principal = f"arn:{partition}:iam::{account_id}:root" if account_id else "*"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        }
    )


@st.composite
def key_shapes(draw: st.DrawFn, spec: OperationSpec, *, region: str) -> dict[str, Any]:
    """KeySpec (or the deprecated CustomerMasterKeySpec) with a valid KeyUsage (rule 17)."""
    key_spec = draw(st.sampled_from(oracle.specs_available_in(region)))
    out: dict[str, Any] = {}
    legacy = set(member(spec.request_schema, "/CustomerMasterKeySpec").get("enum", ()))
    how = draw(
        st.sampled_from(
            ["KeySpec", "CustomerMasterKeySpec", "omit"]
            if key_spec == "SYMMETRIC_DEFAULT"
            else ["KeySpec", "CustomerMasterKeySpec"]
            if key_spec in legacy
            else ["KeySpec"]
        )
    )
    if how != "omit":
        out[how] = key_spec
    usages = oracle.KEY_USAGES_BY_SPEC[key_spec]
    # KeyUsage "is optional when you are creating a symmetric encryption KMS key;
    # otherwise, it is required" (CreateKeyRequest.KeyUsage doc).
    if key_spec == "SYMMETRIC_DEFAULT":
        if draw(st.booleans()):
            out["KeyUsage"] = "ENCRYPT_DECRYPT"
    else:
        out["KeyUsage"] = draw(st.sampled_from(usages))
    return out


@st.composite
def create_key_params(
    draw: st.DrawFn,
    spec: OperationSpec,
    *,
    region: str,
    account_id: str | None = None,
    multi_region: bool | None = None,
    external_origin: bool = True,
    tag_lists: st.SearchStrategy[list[dict[str, str]]] | None = None,
) -> dict[str, Any]:
    """A CreateKey request every source calls valid (unless ``tag_lists`` breaks a tag rule).

    ``multi_region=True`` forces a multi-Region primary; ``None`` lets the draw decide.
    ``external_origin=False`` keeps keys out of PendingImport, for set-up steps that
    need an Enabled key.
    """
    params = draw(key_shapes(spec, region=region))
    symmetric = oracle.effective_key_spec(params) == "SYMMETRIC_DEFAULT"
    if draw(st.booleans()):
        params["Description"] = draw(values(member(spec.request_schema, "/Description"), max_size=200))
    if tag_lists is not None:
        params["Tags"] = draw(tag_lists)
    elif draw(st.booleans()):
        params["Tags"] = draw(valid_tag_lists(spec, max_size=8))
    if multi_region is not None:
        params["MultiRegion"] = multi_region
    elif draw(st.booleans()):
        params["MultiRegion"] = draw(st.booleans())
    # Origin EXTERNAL is valid for symmetric keys by every source; the sources disagree
    # about other specs (rulebook D4), so they are not generated as valid.
    origins = ["AWS_KMS", "EXTERNAL"] if symmetric and external_origin else ["AWS_KMS"]
    if draw(st.booleans()):
        params["Origin"] = draw(st.sampled_from(origins))
    # The draw never depends on what the target told us (the account id): Hypothesis
    # replays draws and needs them to behave the same every time.
    if draw(st.booleans()):
        params["Policy"] = default_policy(account_id)
    if draw(st.booleans()):
        params["BypassPolicyLockoutSafetyCheck"] = draw(st.booleans())
    return params


@st.composite
def replicate_key_params(
    draw: st.DrawFn,
    spec: OperationSpec,
    *,
    key_id: str,
    replica_region: str,
    account_id: str | None = None,
    tag_lists: st.SearchStrategy[list[dict[str, str]]] | None = None,
) -> dict[str, Any]:
    params: dict[str, Any] = {"KeyId": key_id, "ReplicaRegion": replica_region}
    if draw(st.booleans()):
        params["Description"] = draw(values(member(spec.request_schema, "/Description"), max_size=200))
    if tag_lists is not None:
        params["Tags"] = draw(tag_lists)
    elif draw(st.booleans()):
        params["Tags"] = draw(valid_tag_lists(spec, max_size=8))
    if draw(st.booleans()):
        params["Policy"] = default_policy(account_id)
    if draw(st.booleans()):
        params["BypassPolicyLockoutSafetyCheck"] = draw(st.booleans())
    return params


#: The CreateKey parameters of a set-up key whose spec and usage do not bear on the rule under
#: test (a key to tag, describe, replicate, read the policy of). An ECC key pair: moto generates
#: an RSA-2048 key pair for every symmetric key, about 66 ms a call against 8 ms for ECC_NIST_P256
#: (issue 16's measurement), and symmetric set-up keys were a third of the default run's time.
#: The rules about key specs draw every spec themselves (create rules, the key survey, the
#: state machines), and the tests of what keys do ask for the kind they need.
SETUP_KEY: Mapping[str, str] = {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}


def key_id_of(create_key_answer: Mapping[str, Any]) -> str | None:
    metadata = create_key_answer.get("KeyMetadata")
    if isinstance(metadata, Mapping) and isinstance(metadata.get("KeyId"), str):
        return str(metadata["KeyId"])
    return None
