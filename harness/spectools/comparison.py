"""Every disagreement between the documents, merged from the two comparisons.

:mod:`.compare` compares the documented elements (presence, types, requirement, defaults,
enums); :mod:`.compare_values` the values the pages and AWS give them; :mod:`.prose` what the
pages' overview paragraphs and parameter descriptions claim. Both feed the spec lint
and the ``documented`` profile.
"""

from __future__ import annotations

from harness.errors import SpecError
from harness.spectools import compare, compare_values, prose
from harness.spectools.disagreements import Disagreement
from harness.spectools.seeds import SeedSet


def disagreements(seeds: SeedSet) -> tuple[Disagreement, ...]:
    """Every disagreement, sorted by id; ids are unique."""
    found = [
        *compare.element_disagreements(seeds),
        *compare_values.disagreements(seeds),
        *prose.disagreements(seeds),
    ]
    ids = [d.id for d in found]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SpecError(f"spec lint: two disagreements share the id(s) {', '.join(duplicates)}")
    return tuple(sorted(found, key=lambda d: d.id))
