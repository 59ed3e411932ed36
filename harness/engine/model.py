"""The reference model of a run: every registered service's model, routed by service."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.exchange import Call, Exchange
from harness.model.handlers import ServiceModel
from harness.oracle.predict import Prediction
from harness.services import SERVICES


@dataclass
class Model:
    """Every service's model; routes calls and answers by service.

    ``complete``: the model has seen every call the target ever got, so a key it does not
    know does not exist (a fresh emulator); otherwise unknown keys are learned, not judged.
    """

    complete: bool = True
    services: dict[str, ServiceModel] = field(init=False)

    def __post_init__(self) -> None:
        self.services = {s.name: s.model(self.complete) for s in SERVICES}

    def __getitem__(self, service: str) -> ServiceModel:
        return self.services[service]

    def predict(self, call: Call, region: str) -> Prediction | None:
        """The documented answer to ``call`` in ``region``; ``None`` when no rule decides it."""
        model = self.services.get(call.service)
        return model.predict(call, region) if model is not None else None

    def state_free(self, call: Call) -> bool:
        """Whether ``call``'s service declares its answer to depend on the request alone."""
        model = self.services.get(call.service)
        return model.state_free(call) if model is not None else False

    def apply(self, exchange: Exchange, predicted: Prediction | None) -> None:
        """Follow the answer of ``exchange`` (called after its prediction was checked);
        ``predicted`` is :meth:`predict`'s for its call, made before the answer."""
        model = self.services.get(exchange.service)
        if model is not None:
            model.apply(exchange, predicted)
