"""Operation handlers: how a service model routes a call or an answer to its operation.

A service model names its handlers ``_predict_<Operation>(params, region)`` and
``_apply_<Operation>(request, body, region, expected)``; an operation without a handler is
one the model makes no claim about (no prediction, no state change). Operations that differ
only by name (GenerateDataKey and its WithoutPlaintext form, say) share one pair of handlers
through ``shared_handlers``, which then take the operation's name first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, ClassVar, Protocol

from harness.exchange import Call, Exchange
from harness.oracle.predict import Prediction


class ServiceModel(Protocol):
    """What the engine needs of a service's model (harness.engine.model.Model routes to it)."""

    complete: bool

    def predict(self, call: Call, region: str) -> Prediction | None: ...

    def apply(self, exchange: Exchange, predicted: Prediction | None) -> None:
        """Follow the answer of ``exchange``. ``predicted`` is what :meth:`predict` said of its
        call just before (the judge's prediction, made on the state the answer now changes)."""
        ...

    def state_free(self, call: Call) -> bool:
        """Whether what the documents require of ``call`` depends on the request alone, so that
        an identical request judged before may be judged from its answers (harness.engine.memo)."""
        ...


class OperationHandlers:
    service: ClassVar[str]
    shared_handlers: ClassVar[Mapping[str, str]] = {}
    """Operation -> stem, for operations served by ``_predict_<stem>(operation, params, region)``
    and ``_apply_<stem>(operation, request, body, region, expected)``."""

    def _handler(self, kind: str, operation: str) -> Callable[..., Any] | None:
        stem = self.shared_handlers.get(operation)
        if stem is None:
            found: Callable[..., Any] | None = getattr(self, f"_{kind}_{operation}", None)
            return found
        return partial(getattr(self, f"_{kind}_{stem}"), operation)

    STATE_FREE: ClassVar[frozenset[str]] = frozenset()
    """Operations whose prediction and answer depend on the request alone (a create that makes a
    new resource whatever exists): the run's memo may judge an identical repeat without sending
    it (harness.engine.memo). A model narrows this per call by overriding :meth:`state_free`."""

    def state_free(self, call: Call) -> bool:
        return call.operation in self.STATE_FREE

    def predict(self, call: Call, region: str) -> Prediction | None:
        """The documented answer to ``call`` in ``region``; ``None`` when no rule decides it."""
        handler = self._handler("predict", call.operation)
        if handler is None:
            return None
        result: Prediction | None = handler(call.params, region)
        return result

    def _follow(self, exchange: Exchange, body: dict[str, Any], predicted: Prediction | None) -> None:
        """Follow a successful answer, telling its handler whether the model predicted the success.

        A success the model did not predict is still followed (the target says the call took
        effect), but the handler may trust the model's own facts less. ``predicted`` is the
        judge's prediction of the call, not made again here: :meth:`predict` is a pure function
        of the state, which no answer has changed since, and predicting every call twice was a
        sixth of judging it (benchmarks/RESULTS.md, "Harness calls per second").
        """
        handler = self._handler("apply", exchange.operation)
        if handler is None:
            return
        expected = predicted is not None and predicted.expectation.outcome == "success"
        handler(exchange.request, body, exchange.region, expected)
