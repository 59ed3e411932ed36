"""Strategies for Payment Cryptography requests."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from harness.services.payment_cryptography import rules as oracle
from harness.spec.catalog import OperationSpec
from harness.strategies.values import built_once, member, values


@st.composite
def key_attributes(draw: st.DrawFn) -> dict[str, Any]:
    """A KeyAttributes structure from a documented valid row (rulebook rule 56)."""
    row = draw(st.sampled_from(oracle.VALID_ROWS))
    return {
        "KeyUsage": row.usage,
        "KeyClass": row.key_class,
        "KeyAlgorithm": draw(st.sampled_from(row.algorithms)),
        "KeyModesOfUse": oracle.modes_of_use(draw(st.sampled_from(row.modes))),
    }


@st.composite
def valid_tag_lists(
    draw: st.DrawFn, spec: OperationSpec, *, min_size: int = 0, max_size: int = 8
) -> list[dict[str, str]]:
    # Value min length 1 in the model although the docs allow an empty value (D7):
    # a valid call uses a non-empty value, which both sources accept.
    def build() -> st.SearchStrategy[list[tuple[str, str]]]:
        keys = values(member(spec.request_schema, "/Tags/*/Key"), max_size=64).filter(
            lambda k: not k.lower().startswith("aws:")
        )
        return st.lists(
            st.tuples(keys, values(member(spec.request_schema, "/Tags/*/Value"), max_size=64)),
            min_size=min_size,
            max_size=max_size,
            unique_by=lambda kv: kv[0],
        )

    pairs = draw(built_once(spec, ("tag pairs", min_size, max_size), build))
    return [{"Key": k, "Value": v} for k, v in pairs]


@st.composite
def create_key_params(draw: st.DrawFn, spec: OperationSpec) -> dict[str, Any]:
    attributes = draw(key_attributes())
    params: dict[str, Any] = {
        "KeyAttributes": attributes,
        "Exportable": draw(st.booleans()),
    }
    if draw(st.booleans()):
        params["Enabled"] = draw(st.booleans())
    kcv = oracle.kcv_algorithm_for(attributes["KeyAlgorithm"])
    if kcv is not None and draw(st.booleans()):
        params["KeyCheckValueAlgorithm"] = kcv
    if attributes["KeyUsage"] == "TR31_K3_ASYMMETRIC_KEY_FOR_KEY_AGREEMENT" and draw(st.booleans()):
        # DeriveKeyUsage applies to ECC K3 key pairs (rule 58).
        params["DeriveKeyUsage"] = draw(values(member(spec.request_schema, "/DeriveKeyUsage")))
    if draw(st.booleans()):
        params["Tags"] = draw(valid_tag_lists(spec))
    return params
