"""What happens to a command's output on the way out: `|` filters and the pager.

Filters match with RE2, whose time grows with the text and never with the pattern's
backtracking: a `| include ^M(\\w*\\s*)*!` typed at privilege 1 cannot stall the unit."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

FILTERS = ("begin", "exclude", "grep", "include")
MORE = "<--- More --->"
ERASE_MORE = "\r" + " " * len(MORE) + "\r"


@dataclass(frozen=True)
class Filter:
    kind: str
    pattern: Any              # a compiled RE2 pattern
    invert: bool = False

    def apply(self, lines: list[str]) -> list[str]:
        if self.kind == "begin":
            for i, line in enumerate(lines):
                if self.pattern.search(line):
                    return lines[i:]
            return []
        keep = self.kind == "include" or (self.kind == "grep" and not self.invert)
        return [line for line in lines if bool(self.pattern.search(line)) == keep]


class FilterError(Exception):
    def __init__(self, kind: str, position: int):
        super().__init__(kind)
        self.kind = kind
        self.position = position


@functools.cache
def _re2() -> tuple[Any, Any]:
    """RE2 and its options, loaded when a filter is first typed (a unit that never sees one,
    a containerlab node say, keeps the memory)."""
    import re2

    options = re2.Options()
    options.log_errors = False
    return re2, options


def split_filter(line: str) -> tuple[str, Filter | None]:
    """``show run | include host`` → ("show run", Filter); raises FilterError for a bad one."""
    bar = line.find("|")
    if bar < 0:
        return line, None
    command, rest = line[:bar], line[bar + 1:]
    words = rest.split(None, 1)
    word_at = bar + 1 + (len(rest) - len(rest.lstrip()))
    if not words:
        raise FilterError("incomplete", len(line))
    kinds = [k for k in FILTERS if k.startswith(words[0].lower())]
    if len(kinds) != 1:
        raise FilterError("invalid", word_at)
    kind, expr = kinds[0], (words[1] if len(words) > 1 else "")
    invert = False
    if kind == "grep" and expr.startswith("-v "):
        invert, expr = True, expr[3:].lstrip()
    if not expr:
        raise FilterError("incomplete", len(line))
    re2, options = _re2()
    try:
        pattern = re2.compile(expr, options)
    except re2.error:
        raise FilterError("invalid", len(line) - len(expr)) from None
    return command, Filter(kind, pattern, invert)


class Pager:
    """`pager lines N`: show N lines, then ``<--- More --->`` and wait for a key."""

    def __init__(self) -> None:
        self.pending: list[str] = []

    @property
    def active(self) -> bool:
        return bool(self.pending)

    def start(self, lines: list[str], page: int) -> str:
        if page <= 0 or len(lines) <= page:
            return _join(lines)
        self.pending = lines[page:]
        return _join(lines[:page]) + MORE

    def key(self, ch: str, page: int) -> str:
        """Space: next page; Return: next line; q or Ctrl-C: stop; anything else: next page."""
        if ch in "\n\x00":
            return ""      # the second half of a CR LF already handled
        if ch in "qQ\x03":
            self.pending = []
            return ERASE_MORE
        count = 1 if ch == "\r" else page
        shown, self.pending = self.pending[:count], self.pending[count:]
        return ERASE_MORE + _join(shown) + (MORE if self.pending else "")


def _join(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)
