"""AWS Payment Cryptography: CreateKey and the key's lifecycle.

Everything the harness knows of Payment Cryptography lives in this folder, laid out as the KMS
folder is (see harness.services.kms): ``about``, ``rules`` and ``state_rules``, ``model``,
``strategies``, ``scenarios``, ``state_scenarios`` and ``bases``, ``machine`` and ``faults``.
Importing the folder registers all of it (see harness.services).
"""

from __future__ import annotations

from harness.scenarios import constraints, register_answer_tests, wire
from harness.services import Service, register
from harness.services.payment_cryptography import (
    about,
    bases,
    lifecycle,
    machine,
    model,
    scenarios,
    state_scenarios,
)


def _register() -> Service:
    scenarios.register()
    state_scenarios.register()
    constraints.register(about.NAME, bases.BASES)
    wire.register(about.NAME)
    register_answer_tests(
        about.NAME, scenarios.ANSWER_MIX, scenarios.key_survey, refusals=scenarios.ANSWER_REFUSALS
    )
    return register(
        Service.described(
            about,
            model=lambda complete: model.PcModel(complete=complete),
            by_nature=frozenset({"KeyCheckValue", "NextToken"}),
            machines=(machine.MACHINE,),
            lifecycle=lifecycle.LIFECYCLE,
            # ListKeys answers a page of at most 50 keys (rulebook rule 64): whether a target
            # pages depends on how many keys the service's earlier tests made.
            one_part=True,
        )
    )


SERVICE = _register()
