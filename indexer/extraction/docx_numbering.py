"""Word list numbers: a .docx stores "一、" or "（二）" as a list definition, not as text.

Reports in this genre number their headings that way, so the reader recomputes the numbers
(and the outline level they imply) in document order, the way Word renders them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from docx.oxml.ns import nsmap, qn
from lxml import etree

_MAX_LEVELS = 9
_NOT_OUTLINE_FORMATS = {"", "bullet", "none"}


def wxpath(query: str) -> etree.XPath:
    """Compile `query` with the `w:` prefix; python-docx's own `xpath` misses plain elements."""
    return etree.XPath(query, namespaces={"w": nsmap["w"]})


_ABSTRACT_NUMS = wxpath("w:abstractNum")
_NUMS = wxpath("w:num")
_LEVELS = wxpath("w:lvl")
_OVERRIDES = wxpath("w:lvlOverride")
_VAL = {name: wxpath(f"w:{name}/@w:val") for name in ("numFmt", "lvlText", "start")}
_ABSTRACT_ID = wxpath("w:abstractNumId/@w:val")
_START_OVERRIDE = wxpath("w:startOverride/@w:val")
_IS_LEGAL = wxpath("w:isLgl")


def to_int(value: object, default: int) -> int:
    """Parse an XML attribute; malformed files must fall back, not fail."""
    try:
        return int(str(value))
    except ValueError:
        return default


@dataclass(frozen=True)
class _Level:
    fmt: str
    template: str
    start: int
    legal: bool

    @property
    def is_outline(self) -> bool:
        return self.fmt not in _NOT_OUTLINE_FORMATS and "%" in self.template


def _first(values: list[str], default: str = "") -> str:
    return values[0] if values else default


def _read_level(lvl: etree._Element) -> _Level:
    return _Level(
        fmt=_first(_VAL["numFmt"](lvl), "decimal"),
        template=_first(_VAL["lvlText"](lvl)),
        start=to_int(_first(_VAL["start"](lvl), "1"), 1),
        legal=bool(_IS_LEGAL(lvl)),
    )


def _read_definitions(numbering: etree._Element) -> dict[str, dict[int, _Level]]:
    """Resolve each numId to its levels, applying the num's own overrides."""
    abstract = {
        a.get(qn("w:abstractNumId")): {
            to_int(lvl.get(qn("w:ilvl")), -1): _read_level(lvl) for lvl in _LEVELS(a)
        }
        for a in _ABSTRACT_NUMS(numbering)
    }
    definitions = {}
    for num in _NUMS(numbering):
        levels = dict(abstract.get(_first(_ABSTRACT_ID(num)), {}))
        for override in _OVERRIDES(num):
            ilvl = to_int(override.get(qn("w:ilvl")), -1)
            if lvl := _LEVELS(override):
                levels[ilvl] = _read_level(lvl[0])
            if (start := _START_OVERRIDE(override)) and ilvl in levels:
                levels[ilvl] = replace(levels[ilvl], start=to_int(start[0], 1))
        definitions[num.get(qn("w:numId"))] = levels
    return definitions


_DIGITS = "〇一二三四五六七八九"
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_ROMAN = [
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
]


def _chinese(n: int, digits: str, ten: str) -> str | None:
    if not 0 <= n < 100:
        return None
    tens, ones = divmod(n, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + ten + (digits[ones] if ones else "")


def _roman(n: int) -> str | None:
    if not 0 < n < 4000:
        return None
    out = ""
    for value, numeral in _ROMAN:
        count, n = divmod(n, value)
        out += numeral * count
    return out


def format_number(n: int, fmt: str) -> str | None:
    """Render `n` as Word's numFmt `fmt` would; None for formats this reader does not know."""
    if fmt == "decimal":
        return str(n)
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt.startswith("decimalFullWidth"):
        return str(n).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "japaneseCounting",
        "taiwaneseCounting",
    ):
        return _chinese(n, _DIGITS, "十")
    if fmt == "chineseLegalSimplified":
        return _chinese(n, _LEGAL_DIGITS, "拾")
    if fmt == "ideographTraditional":
        return _STEMS[(n - 1) % 10] if n > 0 else None
    if fmt.startswith("decimalEnclosedCircle"):
        return chr(0x2460 + n - 1) if 0 < n <= 20 else None
    if fmt in ("upperLetter", "lowerLetter") and n > 0:
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        roman = _roman(n)
        return roman.lower() if roman and fmt == "lowerRoman" else roman
    return None


class ListNumbering:
    """Counts list paragraphs per numId in document order, as Word does when it renders them."""

    def __init__(self, numbering: etree._Element | None) -> None:
        self._levels = {} if numbering is None else _read_definitions(numbering)
        self._counters: dict[str, list[int | None]] = {}

    def advance(self, num_id: str, ilvl: int) -> tuple[int | None, str]:
        """Count one paragraph of list `num_id` at `ilvl`; return (outline level, number text).

        Bullets and undefined lists are body text: (None, ""). A heading-like list whose
        format cannot be rendered keeps its level with an empty number.
        """
        levels = self._levels.get(num_id, {})
        level = levels.get(ilvl)
        if level is None or not level.is_outline or not 0 <= ilvl < _MAX_LEVELS:
            return None, ""
        counters = self._counters.setdefault(num_id, [None] * _MAX_LEVELS)
        current = counters[ilvl]
        counters[ilvl] = level.start if current is None else current + 1
        counters[ilvl + 1 :] = [None] * (_MAX_LEVELS - ilvl - 1)
        return ilvl + 1, _render(level, levels, counters)


def _render(level: _Level, levels: dict[int, _Level], counters: list[int | None]) -> str:
    parts = re.split(r"%([1-9])", level.template)
    for i in range(1, len(parts), 2):
        n = int(parts[i]) - 1
        other = levels.get(n)
        count = counters[n]
        if count is None:  # a parent level not used yet: Word shows its start value
            count = other.start if other else 1
        fmt = "decimal" if level.legal or other is None else other.fmt
        rendered = format_number(count, fmt)
        if rendered is None:
            return ""
        parts[i] = rendered
    number = "".join(parts)
    # Word follows the number with a tab by default; keep "1" from running into the text.
    return number + " " if number[-1:].isascii() and number[-1:].isalnum() else number
