"""AWS KMS: CreateKey, ReplicateKey and the key's lifecycle across Regions.

Everything the harness knows of KMS lives in this folder:

- ``about``: the service's identity (operations covered, documentation, protocol facts);
- ``rules``, ``state_rules``, ``metadata``: its documented rules and their predicates;
- ``model``, ``keys``, ``facts``: the reference model of keys across Regions;
- ``strategies``, ``scenarios``, ``create_scenarios``, ``state_scenarios``, ``bases``: how its
  rules are exercised;
- ``checks``: its answer check (KeyMetadata agrees with itself);
- ``machine``: its state machine; ``faults``: its fault catalogue for self-tests.

Importing the folder registers all of it (see harness.services).
"""

from __future__ import annotations

from harness.scenarios import constraints, register_answer_tests, wire
from harness.services import Service, register
from harness.services.kms import (
    about,
    bases,
    checks,  # noqa: F401 - registers the KMS answer check
    create_scenarios,
    key_use_machine,
    key_use_scenarios,
    lifecycle,
    machine,
    model,
    scenarios,
    state_scenarios,
)

#: Rules about answers, beyond the generic ones of every service.
ANSWER_RULES = (
    "kms.key-metadata.algorithms",
    "kms.key-metadata.enabled-state",
    "kms.key-metadata.multi-region-config",
    "kms.key-metadata.spec-alias",
    "kms.key-id.format",
    "kms.arn.format",
    "kms.create-key.answer",
    "kms.replicate-key.answer",
)


def _register() -> Service:
    scenarios.register()
    create_scenarios.register()
    state_scenarios.register()
    constraints.register(about.NAME, bases.BASES)
    wire.register(about.NAME)
    register_answer_tests(
        about.NAME, scenarios.ANSWER_MIX, scenarios.key_survey, ANSWER_RULES, scenarios.ANSWER_REFUSALS
    )
    key_use_scenarios.register()
    return register(
        Service.described(
            about,
            model=lambda complete: model.KmsModel(complete=complete),
            by_nature=frozenset({"CurrentKeyMaterialId", "NextMarker"}),
            machines=(machine.MACHINE, key_use_machine.MACHINE),
            lifecycle=lifecycle.LIFECYCLE,
        )
    )


SERVICE = _register()
