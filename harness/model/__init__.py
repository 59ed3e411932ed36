"""The reference model: key state across Regions and services, plain Python."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.exchange import Call, Exchange
from harness.model.kms import KmsModel
from harness.model.pc import PcModel
from harness.oracle.predict import Prediction


@dataclass
class Model:
    """Every service's model; routes calls and answers by service."""

    complete: bool = True
    kms: KmsModel = field(init=False)
    pc: PcModel = field(init=False)

    def __post_init__(self) -> None:
        self.kms = KmsModel(complete=self.complete)
        self.pc = PcModel(complete=self.complete)

    def predict(self, call: Call, region: str) -> Prediction | None:
        """The documented answer to ``call`` in ``region``; ``None`` when no rule decides it."""
        if call.service == "kms":
            return self.kms.predict(call, region)
        return self.pc.predict(call, region)

    def apply(self, exchange: Exchange) -> None:
        """Follow the answer of ``exchange`` (called after its prediction was checked)."""
        if exchange.service == "kms":
            self.kms.apply(exchange)
        else:
            self.pc.apply(exchange)
