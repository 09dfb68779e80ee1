"""A stored record laid out as its outline: headings, paragraphs, table of contents, marks.

The index keeps passages (paragraphs) and sections (headings with offsets into the text);
a heading is usually the start of its own passage ("（一）强化宣传。一是……"), and inline
enumerations (一是、二是) sit inside a paragraph. So a passage that starts with its section's
heading becomes a heading element followed by the rest as a paragraph, and a section that
starts inside a paragraph is reached through that paragraph's anchor.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from indexer import Record

from .highlight import Piece, match_spans, pieces

TOC_LEVELS = 2  # 一、 and （一）: deeper levels are mostly inline enumerations


@dataclass
class Block:
    kind: str  # "heading" or "paragraph"
    level: int  # heading level, 1 = top; 0 for paragraphs
    ids: list[str]
    pieces: list[Piece]


@dataclass
class TocEntry:
    heading: str
    level: int
    anchor: str


@dataclass
class Outline:
    blocks: list[Block] = field(default_factory=list)
    toc: list[TocEntry] = field(default_factory=list)
    matches: int = 0


def passage_anchor(position: int) -> str:
    return f"p{position}"


def build_outline(record: Record, terms: list[str]) -> Outline:
    """The record's blocks in document order, with every occurrence of `terms` marked."""
    starts = [passage.start for passage in record.passages]
    heading_of: dict[int, int] = {}  # passage → the section whose heading starts it
    home: dict[int, int] = {}  # section → the passage holding its heading
    for number, section in enumerate(record.sections):
        position = max(bisect_right(starts, section.start) - 1, 0)
        home[number] = position
        if (
            position not in heading_of
            and record.passages
            and record.passages[position].text.startswith(section.heading)
        ):
            heading_of[position] = number
    outline = Outline()
    for position, passage in enumerate(record.passages):
        spans = match_spans(passage.text, terms)
        ids = [passage_anchor(position)]
        rest = 0
        if position in heading_of:
            number = heading_of[position]
            section = record.sections[number]
            rest = len(section.heading)
            outline.blocks.append(
                Block(
                    "heading",
                    section.level,
                    [f"s{number}", *ids],
                    pieces(passage.text, spans, 0, rest),
                )
            )
            ids = []
        if rest < len(passage.text):
            outline.blocks.append(Block("paragraph", 0, ids, pieces(passage.text, spans, rest)))
    for number, section in enumerate(record.sections):
        if section.level <= TOC_LEVELS:
            anchor = (
                f"s{number}"
                if heading_of.get(home[number]) == number
                else passage_anchor(home[number])
            )
            outline.toc.append(TocEntry(section.heading, section.level, anchor))
    outline.matches = sum(marked for block in outline.blocks for _, marked in block.pieces)
    return outline
