"""Reports a maintainer can act on, computed from a run's data alone.

Everything here works from DATA, never from the harness's live objects: a findings.json
document as a dict (shared/contracts/findings.schema.json), a cassette as an iterable of
dicts (shared/contracts/cassette.schema.json) and the spec files of a profile. So a report
can be rebuilt from the files of any earlier run, and these modules do not move when the
engine does.

- :mod:`harness.reporting.causes`: findings grouped into root causes (one fault, many doors);
- :mod:`harness.reporting.coverage`: what of the documented surface the cassette exercised;
- :mod:`harness.reporting.outcomes`: the rule x operation results every report shows;
- :mod:`harness.reporting.junit`, :mod:`harness.reporting.markdown`,
  :mod:`harness.reporting.html`: the three renderings;
- :mod:`harness.reporting.files`: writes them beside findings.json in one call.
"""

from __future__ import annotations
