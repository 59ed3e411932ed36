"""Certification: ``pytest --certify`` writes a bundle anyone can check with ``python -m harness verify``.

- :mod:`~harness.certification.settings`: the fixed certification settings;
- :mod:`~harness.certification.run`: what ``--certify`` refuses, and the run's options;
- :mod:`~harness.certification.verdicts`: each required rule's verdict from findings.json;
- :mod:`~harness.certification.product`: PRODUCT.toml;
- :mod:`~harness.certification.bundle`: the bundle directory, its manifest and its tarball;
- :mod:`~harness.certification.evidence`: the replay of the cassette, test by test;
- :mod:`~harness.certification.verify`: ``python -m harness verify BUNDLE``.

It sits between the plugin and the engine (pyproject.toml's layers): it runs nothing itself,
and knows no service by name.
"""
