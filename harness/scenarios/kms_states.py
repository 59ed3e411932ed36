"""Scenarios for the kms_states rules (harness.oracle.kms_states)."""

from __future__ import annotations
