"""Payment Cryptography key states (rulebook section 8, rules 60-64)."""

from __future__ import annotations
