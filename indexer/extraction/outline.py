"""The section outline: which lines are headings, at which level, and what they span.

Reports number their outline in a few schemes, most senior first: 一、, (一), 1、/1., (1), ①.
A document uses some of them; a scheme's level is its rank among the schemes the document
uses, so a report whose only headings are (一) still has a level 1. Two exceptions come from
real files: a lost Word auto-number leaves `1、` where `一、` belongs (the next top heading is
`二、`), and inline enumerations (一是… 二是…) inside a paragraph form one level more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .numbering import CHINESE_NUMERAL, CIRCLED, ordinal

# Patterns run on normalized text, where （ is ( and ． is .
_SCHEMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "chinese",
        re.compile(rf"^(?:第({CHINESE_NUMERAL}+)(?:部分|章)|({CHINESE_NUMERAL}+)\s*[、.,，])"),
    ),
    ("chinese_paren", re.compile(rf"^\(({CHINESE_NUMERAL}+)\)")),
    ("arabic", re.compile(r"^(\d{1,2})\s*(?:[、,，]|\.(?!\d))")),
    ("arabic_paren", re.compile(r"^\((\d{1,2})\)")),
    ("circled", re.compile(f"^([{CIRCLED}])")),
)
# What a numbered line can start with, besides a digit (\d): 第, a Chinese numeral, (, ①.
_NUMBER_STARTS = frozenset("第一二三四五六七八九十(" + CIRCLED)
_SCHEME_RANK = {name: rank for rank, (name, _) in enumerate(_SCHEMES)}
_INLINE = re.compile(rf"(?:^|(?<=[。；;：:！？!?\s]))(?:({CHINESE_NUMERAL}+)是|([{CIRCLED}]))")
_HEADING_END = re.compile(r"[。；;：:！？!?]")
MAX_HEADING_CHARS = 80
MAX_INLINE_HEADING_CHARS = 50


@dataclass(frozen=True)
class Line:
    """A non-empty line of the cleaned report and its place in the record's text."""

    text: str
    norm: str
    start: int
    level: int | None = None  # declared by the file format (a .docx heading style or list)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int
    start: int
    line: int | None  # index of the heading's line; None for an inline enumeration


def heading_text(line: str, limit: int = MAX_HEADING_CHARS) -> str:
    """The heading part of a line that may run on into its paragraph: up to the first 。."""
    end = _HEADING_END.search(line)
    if end and end.end() <= limit:
        return line[: end.end()]
    return line if len(line) <= limit else ""


def _inline_heading(run: str) -> str:
    """一是… up to its sentence's end, or its first clause when the sentence runs long."""
    text = heading_text(run, MAX_INLINE_HEADING_CHARS)
    if text:
        return text
    comma = re.search(r"[，,]", run)
    return run[: comma.end()] if comma and comma.end() <= MAX_INLINE_HEADING_CHARS else run[:20]


def numbering_scheme(norm: str) -> tuple[str, int] | None:
    """The outline scheme and number a line starts with, such as ("chinese_paren", 2)."""
    first = norm[:1]
    if first not in _NUMBER_STARTS and not first.isdecimal():  # most lines: nothing to try
        return None
    for name, pattern in _SCHEMES:
        match = pattern.match(norm)
        if match:
            value = ordinal(next(group for group in match.groups() if group))
            if value:
                return name, value
    return None


def _numbered_lines(lines: list[Line]) -> dict[int, tuple[str, int]]:
    numbered = {}
    last_paren = 0  # the last (一) number seen: a line opening on a bare `)` is the next one
    for index, line in enumerate(lines):
        found = numbering_scheme(line.norm)
        if not found and last_paren and line.norm.startswith(")"):
            found = ("chinese_paren", last_paren + 1)  # `(二` lost, as converters do
        if found and heading_text(line.text):
            numbered[index] = found
            if found[0] == "chinese_paren":
                last_paren = found[1]
            elif found[0] == "chinese":
                last_paren = 0
    _promote_lost_autonumbers(numbered)
    return numbered


def _promote_lost_autonumbers(numbered: dict[int, tuple[str, int]]) -> None:
    """Read `1、` as `一、` where the Chinese top-level sequence is missing exactly that number.

    `numbered` is in line order, so one pointer into the top-level headings finds each
    line's neighbours: linear, where searching them per line was quadratic in large reports.
    """
    top = [(index, value) for index, (name, value) in numbered.items() if name == "chinese"]
    top_values = {value for _, value in top}
    after = 0  # top[after] is the first top-level heading below the current line
    for index, (name, value) in list(numbered.items()):
        while after < len(top) and top[after][0] <= index:
            after += 1
        if name != "arabic" or value in top_values:
            continue
        following = top[after][1] if after < len(top) else None
        preceding = top[after - 1][1] if after else None
        if following == value + 1 and (preceding is None or preceding == value - 1):
            numbered[index] = ("chinese", value)
            top_values.add(value)


def find_headings(lines: list[Line]) -> list[Heading]:
    """Headings in document order, each with its level (1 = top)."""
    numbered = _numbered_lines(lines)
    schemes = sorted({name for name, _ in numbered.values()}, key=_SCHEME_RANK.get)
    # Levels a .docx declares on unnumbered lines sit above every textual scheme.
    declared = {line.level for i, line in enumerate(lines) if line.level and i not in numbered}
    headings = []
    for index, line in enumerate(lines):
        text = heading_text(line.text)
        if line.level and text:
            headings.append(Heading(text, line.level, line.start, index))
        elif index in numbered:
            level = schemes.index(numbered[index][0]) + 1 + len(declared)
            headings.append(Heading(text, level, line.start, index))
    return _with_inline(lines, headings)


def _with_inline(lines: list[Line], headings: list[Heading]) -> list[Heading]:
    """Add 一是…二是… runs as one level below the deepest numbered heading (at least level 3)."""
    level = max([2, *(h.level for h in headings)]) + 1
    heading_lines = {h.line: h for h in headings}
    result: list[Heading] = []
    expected = 1
    for index, line in enumerate(lines):
        if index in heading_lines:
            result.append(heading_lines[index])
            expected = 1
        for match in _INLINE.finditer(line.norm):
            value = ordinal(match.group(1) or match.group(2))
            if value == 1 or value == expected:
                # Only the heading's length of the line matters: copying the rest made
                # one long line with many enumerations quadratic.
                run = line.text[match.start() : match.start() + MAX_INLINE_HEADING_CHARS + 1]
                text = _inline_heading(run)
                result.append(Heading(text, level, line.start + match.start(), None))
                expected = value + 1
    return result
