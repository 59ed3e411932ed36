"""PRODUCT.toml: what was certified.

For a target of the targets file (``[targets.NAME]``), its vendor metadata: ``vendor``,
``product``, ``version``, ``contact`` (all four required by ``--certify``) and
``description``. For a built-in target with no such table (the emulator), what the target
reports about itself: ``moto 5.2.5`` gives product ``moto`` and version ``5.2.5``; vendor and
contact are ``not stated``. The ``[endpoint]`` table says which endpoint answered: the target's
name and kind, its URL, Regions and reported implementation, as findings.json has them.

The product is also kept in the bundle's findings.json (``certification.product``), and
``verify`` checks that PRODUCT.toml is exactly its rendering and agrees with findings.json's
``target``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from harness.errors import UsageError

REQUIRED = ("vendor", "product", "version", "contact")
NOT_STATED = "not stated"
FROM_FILE = "targets file"
FROM_TARGET = "reported by the target"


def check_metadata(name: str, metadata: Mapping[str, str], origin: str) -> None:
    """A named target must say who answers for it before it can be certified."""
    if not metadata:
        return  # a built-in target: what it reports about itself is used
    missing = [key for key in REQUIRED if not metadata.get(key)]
    if missing:
        raise UsageError(
            f"--certify: {origin or f'target {name!r}'} lacks {', '.join(missing)} "
            "(PRODUCT.toml needs vendor, product, version and contact)"
        )


def product_of(target: Mapping[str, Any], kind_description: str) -> dict[str, Any]:
    """PRODUCT.toml's content from findings.json's ``target`` (see the module docstring)."""
    metadata: Mapping[str, Any] = target.get("metadata") or {}
    implementation = target.get("implementation")
    fields: dict[str, Any]
    if metadata:
        fields = {
            "vendor": str(metadata.get("vendor", "")),
            "product": str(metadata.get("product", "")),
            "version": str(metadata.get("version", "")),
            "description": str(metadata.get("description") or kind_description),
            "contact": str(metadata.get("contact", "")),
            "source": FROM_FILE,
        }
    else:
        product, _, version = str(implementation or target.get("name") or "").partition(" ")
        fields = {
            "vendor": NOT_STATED,
            "product": product,
            "version": version or NOT_STATED,
            "description": kind_description,
            "contact": NOT_STATED,
            "source": FROM_TARGET,
        }
    fields["endpoint"] = {
        "target": str(target.get("name", "")),
        "kind": str(target.get("kind") or target.get("name") or ""),
        "url": str(target.get("endpoint_url") or ""),
        "regions": [str(r) for r in target.get("regions") or []],
        "implementation": str(implementation or NOT_STATED),
    }
    return fields


def disagreement(product: Mapping[str, Any], target: Mapping[str, Any]) -> str | None:
    """How ``product`` disagrees with findings.json's ``target`` (None: it agrees)."""
    expected = product_of(target, str(product.get("description", "")))
    for key in (*REQUIRED, "source"):
        if product.get(key) != expected[key]:
            return f"{key} is {product.get(key)!r} but findings.json's target says {expected[key]!r}"
    if product.get("endpoint") != expected["endpoint"]:
        return "[endpoint] differs from findings.json's target"
    return None


def _toml_string(value: str) -> str:
    # JSON's string escapes are TOML's basic-string escapes; TOML also forbids a raw DEL.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def render(product: Mapping[str, Any]) -> str:
    """The text of PRODUCT.toml (deterministic: ``verify`` renders it again and compares)."""
    lines = ["# What this certification bundle certifies (python -m harness verify checks it)."]
    for key in ("vendor", "product", "version", "description", "contact", "source"):
        lines.append(f"{key} = {_toml_string(str(product.get(key, '')))}")
    endpoint: Mapping[str, Any] = product.get("endpoint") or {}
    lines += ["", "[endpoint]"]
    for key in ("target", "kind", "url", "implementation"):
        lines.append(f"{key} = {_toml_string(str(endpoint.get(key, '')))}")
    regions = ", ".join(_toml_string(str(r)) for r in endpoint.get("regions") or [])
    lines.append(f"regions = [{regions}]")
    return "\n".join(lines) + "\n"
