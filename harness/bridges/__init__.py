"""Bridges to other testing tools: they drive the same targets and report in the same findings.json.

A bridge sits beside certification, above the engine: it starts a target, lets another tool send
the requests, and judges what came back through the engine's own judge, so its findings have the
ids, the kinds and the report of a harness run. It knows no service by name.
"""
