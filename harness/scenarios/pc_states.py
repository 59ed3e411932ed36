"""Scenarios for the pc_states rules (harness.oracle.pc_states)."""

from __future__ import annotations
