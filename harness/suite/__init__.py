"""The conformance suite: collected by ``pytest --target=...`` (see pyproject testpaths)."""
