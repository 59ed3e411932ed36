"""A run's budgets: how many keys it may create, how many calls it may send, how fast.

Budgets are checked *before* a request leaves (see :mod:`harness.engine.accounting`). A real
account (``--target=aws``) has defaults (:data:`REAL_ACCOUNT_DEFAULTS`); every other target
runs unbounded unless the command line gives a budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.errors import UsageError


@dataclass(frozen=True, slots=True)
class Budget:
    max_keys: int | None = None
    """Keys the run may create, replicas included (``--max-keys``); None: no bound."""
    max_calls: int | None = None
    """Requests the run may send, throttled retries included (``--max-calls``)."""
    max_rate: float | None = None
    """Requests per second at most (``--max-rate``)."""

    @property
    def min_interval(self) -> float:
        """Seconds between two requests at least."""
        return 1.0 / self.max_rate if self.max_rate else 0.0

    def over(self, defaults: Budget) -> Budget:
        """This budget, each unset bound taken from ``defaults``."""
        return Budget(
            self.max_keys if self.max_keys is not None else defaults.max_keys,
            self.max_calls if self.max_calls is not None else defaults.max_calls,
            self.max_rate if self.max_rate is not None else defaults.max_rate,
        )

    def to_dict(self) -> dict[str, int | float | None]:
        return {"max_keys": self.max_keys, "max_calls": self.max_calls, "max_rate": self.max_rate}

    @classmethod
    def parse(cls, max_keys: str | None, max_calls: str | None, max_rate: str | None) -> Budget:
        """From the command line's text; a bad value is a one-line :class:`UsageError`."""

        def number(
            option: str, text: str | None, kind: type[int] | type[float], minimum: float
        ) -> float | None:
            if text is None:
                return None
            try:
                value = kind(text)
            except ValueError:
                raise UsageError(f"{option}={text!r} is not a number") from None
            if value < minimum or value != value:  # NaN
                raise UsageError(f"{option}={text!r} must be at least {minimum:g}")
            return value

        keys = number("--max-keys", max_keys, int, 0)
        calls = number("--max-calls", max_calls, int, 1)
        rate = number("--max-rate", max_rate, float, 0.01)
        return cls(
            int(keys) if keys is not None else None,
            int(calls) if calls is not None else None,
            rate,
        )


#: The budgets of a real account when the command line gives none (README, "Nightly runs").
REAL_ACCOUNT_DEFAULTS = Budget(max_keys=25, max_calls=3000, max_rate=10.0)
