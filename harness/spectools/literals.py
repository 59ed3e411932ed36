"""A small reader for the object literals the seed pages are written in.

The vendor pages (MDX) hold their element tables and examples as JavaScript object
literals (``export const REQUEST_PARAMETERS = [...]``, ``request={{...}}``); the boto3
reference page (reStructuredText) shows its request and response syntax as Python
literals with alternatives (``'CMAC'|'ANSI_X9_24'``) and placeholders
(``datetime(2015, 1, 1)``). One recursive-descent reader covers both, so the pages are
read as data, never executed. Objects remember the line they start on, which is how
every extracted element names its place in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.errors import SpecError


@dataclass(frozen=True, slots=True)
class Alternatives:
    """``'A'|'B'|'C'`` in a syntax block: one of these values (an enum)."""

    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Call:
    """``name(args)`` in a syntax block, e.g. ``datetime(2015, 1, 1)``: a typed placeholder."""

    name: str
    args: tuple[Any, ...]


class LineDict(dict[str, Any]):
    """A parsed object literal that remembers the (1-based) line it starts on, and each key's."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        lines: dict[str, int] = getattr(self, "key_lines", {})
        return lines.get(key, self.line)


_IDENT_START = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$")
_IDENT = _IDENT_START | set("0123456789")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "/": "/", "\\": "\\", '"': '"', "'": "'"}
_WORDS: dict[str, Any] = {
    "true": True,
    "false": False,
    "null": None,
    "True": True,
    "False": False,
    "None": None,
}


class Reader:
    """Reads one literal from ``text`` starting at ``pos``."""

    def __init__(self, text: str, pos: int = 0, *, first_line: int = 1) -> None:
        self.text = text
        self.pos = pos
        self.first_line = first_line

    # -- positions ---------------------------------------------------------------------

    def line_at(self, pos: int) -> int:
        return self.first_line + self.text.count("\n", 0, pos)

    def _fail(self, what: str) -> SpecError:
        snippet = self.text[self.pos : self.pos + 30].replace("\n", " ")
        return SpecError(f"seed literal: {what} at line {self.line_at(self.pos)} near {snippet!r}")

    def _skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            char = text[self.pos]
            if char.isspace():
                self.pos += 1
            elif text.startswith("//", self.pos):
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            elif text.startswith("/*", self.pos):
                end = text.find("*/", self.pos)
                if end < 0:
                    raise self._fail("unterminated comment")
                self.pos = end + 2
            else:
                return

    def _peek(self) -> str:
        self._skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _expect(self, char: str) -> None:
        if self._peek() != char or not char:
            raise self._fail(f"expected {char!r}")
        self.pos += 1

    # -- values ------------------------------------------------------------------------

    def value(self) -> Any:
        """One value, with ``|`` alternatives folded into :class:`Alternatives`."""
        first = self._single()
        options = [first]
        while self._peek() == "|":
            self.pos += 1
            options.append(self._single())
        return first if len(options) == 1 else Alternatives(tuple(options))

    def _single(self) -> Any:
        char = self._peek()
        if not char:
            raise self._fail("unexpected end of text")
        if char == "{":
            return self._object()
        if char == "[":
            return self._array()
        if char in "\"'":
            return self._string()
        if char == "-" or char.isdigit():
            return self._number()
        if char in _IDENT_START:
            word = self._identifier()
            if self._peek() == "(":
                return Call(word, self._arguments())
            if word in _WORDS:
                return _WORDS[word]
            raise self._fail(f"unknown word {word!r}")
        raise self._fail("expected a value")

    def _object(self) -> LineDict:
        start = self.pos
        self._expect("{")
        out = LineDict()
        out.line = self.line_at(start)
        out.key_lines = {}
        while self._peek() != "}":
            out.key_lines[self._key_peek()] = self.line_at(self.pos)
            key = self._key()
            self._expect(":")
            out[key] = self.value()
            if self._peek() == ",":
                self.pos += 1
            elif self._peek() != "}":
                raise self._fail("expected ',' or '}'")
        self.pos += 1
        return out

    def _key_peek(self) -> str:
        """The next key, without consuming it (for its line number)."""
        saved = self.pos
        try:
            return self._key()
        finally:
            self.pos = saved

    def _key(self) -> str:
        char = self._peek()
        if not char:
            raise self._fail("unexpected end of text")
        if char in "\"'":
            return self._string()
        if char in _IDENT_START:
            return self._identifier()
        raise self._fail("expected a key")

    def _array(self) -> list[Any]:
        self._expect("[")
        out: list[Any] = []
        while self._peek() != "]":
            out.append(self.value())
            if self._peek() == ",":
                self.pos += 1
            elif self._peek() != "]":
                raise self._fail("expected ',' or ']'")
        self.pos += 1
        return out

    def _arguments(self) -> tuple[Any, ...]:
        self._expect("(")
        out: list[Any] = []
        while self._peek() != ")":
            out.append(self.value())
            if self._peek() == ",":
                self.pos += 1
        self.pos += 1
        return tuple(out)

    def _identifier(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in _IDENT:
            self.pos += 1
        return self.text[start : self.pos]

    def _string(self) -> str:
        quote = self.text[self.pos]
        self.pos += 1
        parts: list[str] = []
        while True:
            if self.pos >= len(self.text):
                raise self._fail("unterminated string")
            char = self.text[self.pos]
            if char == quote:
                self.pos += 1
                return "".join(parts)
            if char == "\\":
                nxt = self.text[self.pos + 1]
                if nxt == "u":
                    parts.append(chr(int(self.text[self.pos + 2 : self.pos + 6], 16)))
                    self.pos += 6
                    continue
                parts.append(_ESCAPES.get(nxt, nxt))
                self.pos += 2
                continue
            parts.append(char)
            self.pos += 1

    def _number(self) -> int | float:
        start = self.pos
        if self.text[self.pos] == "-":
            self.pos += 1
        while self.pos < len(self.text) and (self.text[self.pos].isdigit() or self.text[self.pos] in ".eE+-"):
            self.pos += 1
        token = self.text[start : self.pos]
        try:
            return int(token)
        except ValueError:
            try:
                return float(token)
            except ValueError:
                raise self._fail(f"bad number {token!r}") from None


def read_at(text: str, pos: int) -> tuple[Any, int]:
    """The literal that starts at ``text[pos]`` and the position just after it."""
    reader = Reader(text, pos)
    value = reader.value()
    return value, reader.pos


def read_keywords(text: str, pos: int) -> tuple[LineDict, int]:
    """``name=value, ...)`` (a Python call's keyword arguments, from just after ``(``)."""
    reader = Reader(text, pos)
    out = LineDict()
    out.line = reader.line_at(pos)
    out.key_lines = {}
    while reader._peek() != ")":
        out.key_lines[reader._key_peek()] = reader.line_at(reader.pos)
        name = reader._identifier()
        if not name:
            raise reader._fail("expected a keyword argument")
        reader._expect("=")
        out[name] = reader.value()
        if reader._peek() == ",":
            reader.pos += 1
    return out, reader.pos + 1
