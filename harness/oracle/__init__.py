"""The oracle: documented rules as data, and the answers they require.

Service-independent here: the rule registry (:mod:`.rules`), predictions (:mod:`.predict`),
and the rules every AWS JSON service shares (answers, member constraints, wire and auth),
which a service folder registers for itself with :func:`register_generic_rules`. A service's own
rules live in its folder (``harness/services/<service>/rules.py``).
"""

from __future__ import annotations

from harness.oracle import answers, constraints, wire
from harness.oracle.service_facts import ServiceFacts, record


def register_generic_rules(facts: ServiceFacts) -> ServiceFacts:
    """Record a service's facts and register the generic rules for it."""
    record(facts)
    answers.register(facts)
    constraints.register(facts)
    wire.register(facts)
    return facts


__all__ = ["ServiceFacts", "register_generic_rules"]
