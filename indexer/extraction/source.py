"""What a reader hands to extraction: a report's lines, before any interpretation."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceLine:
    """One paragraph of the file.

    `level` is an outline level (1 = top) that the file format itself declares, as a .docx
    heading style or list numbering does; plain text never has one.
    """

    text: str
    level: int | None = None


@dataclass(frozen=True)
class SourceDocument:
    """A report file read into paragraphs; `encoding` is how a .txt was decoded."""

    lines: list[SourceLine]
    encoding: str | None = None
    warnings: list[str] = field(default_factory=list)
