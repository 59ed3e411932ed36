"""The engine: one run's session, the rule and state-machine runners, replay, and the judge.

It knows no service by name: services come from the registry (harness.services), targets from
theirs (harness.targets), checks from theirs (harness.checks). Data flows one way through it:
a scenario or machine draws a call, the session sends it, the judge (model + checks) decides,
:mod:`.execution` records what diverges, and the session writes the reports.
"""
