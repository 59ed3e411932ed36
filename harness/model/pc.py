"""Reference model of Payment Cryptography keys (rulebook section 8)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.exchange import Call, Exchange
from harness.oracle import pc as oracle
from harness.oracle.predict import Prediction, Violation, predict

SERVICE = "payment-cryptography"


@dataclass
class PcKey:
    arn: str
    region: str
    attributes: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    exportable: bool = False
    state: str = "CREATE_COMPLETE"
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class PcModel:
    complete: bool = True
    keys: dict[str, PcKey] = field(default_factory=dict)
    """key ARN -> key (ARNs carry their Region)."""

    def predict(self, call: Call, region: str) -> Prediction | None:
        handler = getattr(self, f"_predict_{call.operation}", None)
        if handler is None:
            return None
        result: Prediction | None = handler(call.params, region)
        return result

    def _missing(self) -> Prediction | None:
        if self.complete:
            return predict(None, [Violation(oracle.KEY_NOT_FOUND.id, "/KeyIdentifier")])
        return None

    def _predict_CreateKey(self, params: Mapping[str, Any], region: str) -> Prediction:
        return predict(oracle.VALID_CREATE_KEY.id, oracle.create_key_violations(params))

    def _predict_GetKey(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        if params.get("KeyIdentifier") not in self.keys:
            return self._missing()
        return predict(oracle.VALID_GET_KEY.id, [])

    def _predict_TagResource(self, params: Mapping[str, Any], region: str) -> Prediction | None:
        if params.get("ResourceArn") not in self.keys:
            return self._missing()
        return predict(oracle.VALID_TAG_RESOURCE.id, [])

    def apply(self, exchange: Exchange) -> None:
        if not exchange.ok or not isinstance(exchange.body, dict):
            return
        request = exchange.request
        if exchange.operation in ("CreateKey", "GetKey"):
            key = exchange.body.get("Key")
            if isinstance(key, dict) and isinstance(key.get("KeyArn"), str):
                known = self.keys.setdefault(key["KeyArn"], PcKey(arn=key["KeyArn"], region=exchange.region))
                if exchange.operation == "CreateKey":
                    known.attributes = dict(request.get("KeyAttributes") or {})
                    known.enabled = request.get("Enabled", True) is not False
                    known.exportable = bool(request.get("Exportable"))
                    known.tags = _tag_dict(request.get("Tags"))
        elif exchange.operation == "TagResource":
            key = self.keys.get(str(request.get("ResourceArn")))
            if key is not None:
                key.tags.update(_tag_dict(request.get("Tags")))


def _tag_dict(tags: Any) -> dict[str, str]:
    if not isinstance(tags, list):
        return {}
    return {
        t["Key"]: str(t.get("Value", ""))
        for t in tags
        if isinstance(t, dict) and isinstance(t.get("Key"), str)
    }
