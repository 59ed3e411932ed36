"""The certification settings: what every certification run uses, whatever the target.

A certification is comparable between vendors only if every run draws the same calls with the
same budgets, so the settings are fixed here and recorded in each bundle's manifest.json;
``python -m harness verify`` refuses a bundle made with less.

- ``seed`` 1: the seed the CI main job pins, so a certification of the emulator finds the ids
  the shipped emulator baseline already explains;
- ``examples`` 40 draws per rule test (the default run draws 25), after each test's coverage
  phase;
- ``shrink_calls`` 150 calls to shrink each divergence (the default; a bound in calls, not
  seconds, so a slow endpoint gets the same findings);
- ``stateful_steps``: each state-machine sequence takes harness.machines.STEPS (10) steps, and a
  machine draws ``examples / 2.5`` sequences (harness.engine.state_machines), so 16 of them.

Certifying moto 5.2.5 (177 rules) sends 8,198 calls and takes 163 s of CPU (7 min 18 s of wall
time on two cores shared with other work at a load of 7-8); ``verify`` of its bundle, 11 s of CPU.

The project's own self-tests certify the emulator with smaller settings through
:data:`SELFTEST_VARIABLE`; a bundle made so says it in manifest.json and never verifies as a
certification (its settings are below these) unless the verifier is given the same variable.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

from harness.errors import UsageError
from harness.machines import STEPS


@dataclass(frozen=True, slots=True)
class Settings:
    seed: int
    examples: int
    shrink_calls: int
    stateful_steps: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def below(self, other: Settings) -> str | None:
        """How ``self`` is weaker than ``other`` (a different seed, a smaller budget), or None."""
        if self.seed != other.seed:
            return f"seed {self.seed} is not the certification seed {other.seed}"
        for name in ("examples", "shrink_calls", "stateful_steps"):
            mine, due = getattr(self, name), getattr(other, name)
            if mine < due:
                return f"{name} {mine} is below the certification value {due}"
        return None


CERTIFICATION = Settings(seed=1, examples=40, shrink_calls=150, stateful_steps=STEPS)

#: Test-only: ``examples=N,shrink_calls=N`` lowers the settings of both
#: ``--certify`` and ``verify`` in this process (the project's self-tests; see the module doc).
SELFTEST_VARIABLE = "HARNESS_CERTIFICATION_SELFTEST"


def required() -> Settings:
    """The settings a certification run uses and ``verify`` requires (see :data:`SELFTEST_VARIABLE`)."""
    text = os.environ.get(SELFTEST_VARIABLE)
    if not text:
        return CERTIFICATION
    values: dict[str, Any] = CERTIFICATION.to_dict()
    for part in text.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in ("examples", "shrink_calls") or not value.strip().isdigit() or int(value) < 1:
            raise UsageError(f"{SELFTEST_VARIABLE}: expected examples=N,shrink_calls=N, got {text!r}")
        values[name] = int(value)
    return Settings(**values)


def is_selftest() -> bool:
    return bool(os.environ.get(SELFTEST_VARIABLE))
