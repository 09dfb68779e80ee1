"""`inspect` on a folder: one row per report, so staff see at a glance what needs a sidecar."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from .records import Record

COLUMNS = ("file", "title", "town", "county", "year", "sections", "warnings")
TITLE_WIDTH = 36


def row(record: Record) -> dict[str, object]:
    """What the table shows of a record, as JSON values (null for unknown)."""
    return {
        "file": record.file,
        "title": record.title,
        "town": record.town,
        "county": record.county,
        "province": record.province,
        "year": record.year,
        "sections": len(record.sections),
        "warnings": record.warnings,
        "evidence": {name: ev.source for name, ev in record.evidence.items()},
    }


def table(rows: Iterable[dict[str, object]]) -> str:
    """The rows as aligned text; Chinese characters count two columns, as terminals show them."""
    cells = [list(COLUMNS)]
    for item in rows:
        cells.append([_cell(name, item[name]) for name in COLUMNS])
    widths = [max(_width(line[i]) for line in cells) for i in range(len(COLUMNS) - 1)]
    return "\n".join(
        "  ".join([*(_pad(c, w) for c, w in zip(line, widths, strict=False)), line[-1]]).rstrip()
        for line in cells
    )


def _cell(name: str, value: object) -> str:
    if value is None:
        return "-"
    if name == "warnings":
        return "; ".join(value) if isinstance(value, list) else str(value)
    text = str(value)
    if name == "title" and _width(text) > TITLE_WIDTH:
        while _width(text) > TITLE_WIDTH - 1:
            text = text[:-1]
        text += "…"
    return text


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
