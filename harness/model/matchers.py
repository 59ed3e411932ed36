"""Expected values of facts that are not a single literal.

A :class:`~harness.oracle.predict.Fact` compares the value at its pointer with ``expected``
by ``==``. The answer's values are JSON (dicts, lists, strings, numbers), whose ``__eq__``
gives way to the matcher's (Python's reflected comparison), so a matcher can say "one of
these", "these items in any order" or "a JSON document equal to this one" where the
documentation leaves order, timing or formatting open. Matchers are frozen and hashable like
every other part of a prediction, and their ``repr`` is what a finding's detail shows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


def canonical(value: Any) -> str:
    """A value as sorted JSON text: equal JSON values, equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


class Matcher:
    """Base of the expected values below; subclasses define :meth:`matches`."""

    def matches(self, value: Any) -> bool:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return self.matches(other)

    def __ne__(self, other: object) -> bool:
        return not self.matches(other)

    def __hash__(self) -> int:
        return hash((type(self).__name__, repr(self)))


@dataclass(frozen=True, eq=False)
class OneOf(Matcher):
    """Any of ``options`` (e.g. a replica that may still be Creating or already Enabled)."""

    options: tuple[Any, ...]

    def matches(self, value: Any) -> bool:
        return any(value is option or value == option for option in self.options)

    def __repr__(self) -> str:
        return "one of " + ", ".join(repr(o) for o in self.options)


@dataclass(frozen=True, eq=False)
class SameItems(Matcher):
    """A list holding exactly ``items``, in any order (the docs give no order)."""

    items: tuple[Any, ...]

    @classmethod
    def of(cls, items: Iterable[Any]) -> SameItems:
        return cls(tuple(sorted(items, key=canonical)))

    def matches(self, value: Any) -> bool:
        if not isinstance(value, list):
            return False
        return sorted(map(canonical, value)) == sorted(map(canonical, self.items))

    def __repr__(self) -> str:
        return f"in any order {list(self.items)!r}"


@dataclass(frozen=True, eq=False)
class Page(Matcher):
    """A whole answer that is one page of a paginated list (``member``): no more items than the
    page allows (``limit``: the request's Limit/MaxResults, else the documented default), each
    one of ``allowed`` (when the model knows them), and when ``more`` says a page follows, a
    ``marker`` to fetch it. A page may hold fewer items than the limit ("it might return fewer")."""

    member: str
    limit: int
    allowed: tuple[Any, ...] | None = None
    more: str | None = None
    """The member that says more items follow (KMS ``Truncated``), if the service has one."""
    marker: str = "NextMarker"

    def problems(self, value: Any) -> list[str]:
        if not isinstance(value, Mapping) or not isinstance(value.get(self.member), list):
            return []  # not such an answer at all: the response-schema rule's finding
        items = value[self.member]
        found = []
        if len(items) > self.limit:
            found.append(f"{len(items)} {self.member} on a page of at most {self.limit}")
        if self.allowed is not None:
            known = {canonical(item) for item in self.allowed}
            strays = [item for item in items if canonical(item) not in known]
            found.extend(f"{item!r} is not one of the listed resource's {self.member}" for item in strays)
        if self.more is not None and value.get(self.more) is True and not value.get(self.marker):
            found.append(f"{self.more} is true but there is no {self.marker} to fetch the rest")
        return found

    def matches(self, value: Any) -> bool:
        return not self.problems(value)

    def __repr__(self) -> str:
        return f"a page of at most {self.limit} {self.member}"


@dataclass(frozen=True, eq=False)
class Number(Matcher):
    """Any JSON number (a timestamp whose value the model cannot know)."""

    def matches(self, value: Any) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    def __repr__(self) -> str:
        return "a number"


@dataclass(frozen=True, eq=False)
class JsonText(Matcher):
    """A string holding a JSON document equal to ``document`` (given as canonical text)."""

    document: str

    @classmethod
    def of(cls, document: Any) -> JsonText:
        return cls(canonical(document))

    def matches(self, value: Any) -> bool:
        if not isinstance(value, str):
            return False
        try:
            return canonical(json.loads(value)) == self.document
        except ValueError:
            return False

    def __repr__(self) -> str:
        return f"JSON text equal to {self.document}"


@dataclass(frozen=True, eq=False)
class ListsKeys(Matcher):
    """A whole ListKeys answer that shows each known key (by ARN) with an allowed state.

    ``expected`` maps ARN -> the KeyState values the key may show; ``enabled`` maps ARN -> the
    Enabled value it must show (when known). Keys not in ``expected`` are ignored (the target may
    hold keys the harness did not make). On a last page (no NextToken), every key of
    ``required`` must be listed; ``only_state`` is the request's KeyState filter, which every
    listed key must match.
    """

    expected: tuple[tuple[str, tuple[str, ...]], ...]
    enabled: tuple[tuple[str, bool], ...] = ()
    required: tuple[str, ...] = ()
    only_state: str | None = None

    def problems(self, value: Any) -> list[str]:
        if not isinstance(value, Mapping) or not isinstance(value.get("Keys"), list):
            return []  # not a ListKeys answer at all: the response-schema rule's finding
        states = dict(self.expected)
        enabled = dict(self.enabled)
        found: list[str] = []
        listed: set[str] = set()
        for item in value["Keys"]:
            if not isinstance(item, Mapping):
                found.append("an item is not an object")
                continue
            arn, state = item.get("KeyArn"), item.get("KeyState")
            if isinstance(arn, str):
                listed.add(arn)
            if self.only_state is not None and state != self.only_state:
                found.append(f"a key in state {state!r} under the filter {self.only_state!r}")
            if arn in states and state not in states[arn]:
                found.append(f"{arn} is {state!r}, not {' or '.join(states[arn])}")
            # A null Enabled is the response-schema rule's finding: one fault, one finding.
            if arn in enabled and item.get("Enabled") is not None and item.get("Enabled") is not enabled[arn]:
                found.append(f"{arn} has Enabled {item.get('Enabled')!r}, not {enabled[arn]!r}")
        if not value.get("NextToken"):
            found.extend(f"{arn} is missing" for arn in self.required if arn not in listed)
        return found

    def matches(self, value: Any) -> bool:
        return not self.problems(value)

    def __repr__(self) -> str:
        scope = f" in state {self.only_state}" if self.only_state else ""
        return f"every known key{scope} with its state and Enabled ({len(self.expected)} known)"
