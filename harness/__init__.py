"""A property-based conformance harness for AWS KMS and Payment Cryptography compatible endpoints.

Run it with ``pytest --target=emulator`` (or ``kms-harness run``). This module is the surface
for extending it; ARCHITECTURE.md says how to add a rule, a check, a target or a service:

- rules: :class:`Rule`, :class:`Expectation` (:func:`error`, :func:`any_4xx`, :data:`SUCCESS`),
  registered in :data:`RULES`; their predicates return :class:`Violation` and :class:`Fact`;
- rule tests: :data:`SCENARIOS` (:class:`RuleTest`), scenarios of a :class:`Driver` returning
  an :class:`Attempt`, raising :class:`SetupFailed` when a set-up step fails;
- answer checks: :func:`check` registers one in :data:`CHECKS` (an :class:`Answer` in,
  :class:`Divergence` records out);
- targets: :func:`register_target` with a :class:`TargetKind`;
- services: :func:`register` a :class:`Service` (in :data:`SERVICES`), with its
  :class:`ServiceFacts` (:func:`register_generic_rules`) and its :class:`StatefulTest`.

Names are imported on first use, so importing ``harness`` (which the pytest plugin does in
every pytest run of the environment) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module that defines it.
_EXPORTS = {
    "Rule": "harness.oracle.rules",
    "RULES": "harness.oracle.rules",
    "Expectation": "harness.oracle.rules",
    "SUCCESS": "harness.oracle.rules",
    "error": "harness.oracle.rules",
    "any_4xx": "harness.oracle.rules",
    "Violation": "harness.oracle.predict",
    "Fact": "harness.oracle.predict",
    "Prediction": "harness.oracle.predict",
    "ServiceFacts": "harness.oracle.service_facts",
    "register_generic_rules": "harness.oracle",
    "SCENARIOS": "harness.scenarios.base",
    "RuleTest": "harness.scenarios.base",
    "Attempt": "harness.scenarios.base",
    "Driver": "harness.scenarios.base",
    "SetupFailed": "harness.scenarios.base",
    "CHECKS": "harness.checks",
    "Answer": "harness.checks",
    "Divergence": "harness.checks",
    "check": "harness.checks",
    "TargetKind": "harness.targets.base",
    "TargetConfig": "harness.targets.base",
    "TargetRequest": "harness.targets.base",
    "ActiveTarget": "harness.targets.base",
    "register_target": "harness.targets",
    "Service": "harness.services",
    "SERVICES": "harness.services",
    "register": "harness.services",
    "StatefulTest": "harness.machines",
    "MachineContext": "harness.machines",
    "HarnessError": "harness.errors",
    "__version__": "harness.report",
}

__all__ = [
    "CHECKS",
    "RULES",
    "SCENARIOS",
    "SERVICES",
    "SUCCESS",
    "ActiveTarget",
    "Answer",
    "Attempt",
    "Divergence",
    "Driver",
    "Expectation",
    "Fact",
    "HarnessError",
    "MachineContext",
    "Prediction",
    "Rule",
    "RuleTest",
    "Service",
    "ServiceFacts",
    "SetupFailed",
    "StatefulTest",
    "TargetConfig",
    "TargetKind",
    "TargetRequest",
    "Violation",
    "__version__",
    "any_4xx",
    "check",
    "error",
    "register",
    "register_generic_rules",
    "register_target",
]


_REGISTRIES = frozenset({"RULES", "SCENARIOS", "CHECKS", "SERVICES"})


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'harness' has no attribute {name!r}")
    if name in _REGISTRIES:
        # A registry is complete once every service folder has registered into it.
        importlib.import_module("harness.services").load()
    attribute = "HARNESS_VERSION" if name == "__version__" else name
    return getattr(importlib.import_module(module), attribute)


def __dir__() -> list[str]:
    return sorted(__all__)
