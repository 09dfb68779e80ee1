"""Copied text for the pages: a report's blocks with the sentences other reports hold marked,
and the list of pairs read from the URL. Plain data; the templates escape every piece."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from indexer import QueryError
from indexer.copies import COMMON_REPORTS, load_for
from indexer.copies_query import (
    PAIR_KINDS,
    PAIR_SORTS,
    Pair,
    PairList,
    PassageCopies,
    ReportCopies,
    ReportRef,
    find_pair,
    list_pairs,
    report_copies,
    report_ref,
    shared_with,
)
from indexer.store import stored_record

from .index import archive_index
from .outline import Outline

PAGE_SIZE = 50
MAX_PAGE = 1000
_ANCHOR = re.compile(r"p(\d+)")
_YEAR = re.compile(r"\d{4}")

CopiedPiece = tuple[str, bool, str]  # text, is a match of the query, "copied" | "common" | ""


@dataclass
class BlockCopies:
    pieces: list[CopiedPiece]
    note: PassageCopies | None = None  # after the last block of a passage with copies


@dataclass
class ReportCopiesView:
    computed: bool
    blocks: list[BlockCopies] = field(default_factory=list)  # aligned with outline.blocks
    found: ReportCopies | None = None
    common_reports: int = COMMON_REPORTS

    @property
    def passages(self) -> int:
        return len([p for p in self.found.passages if p.copied]) if self.found else 0


def report_view(file: str, outline: Outline) -> ReportCopiesView:
    """The report's outline blocks cut again where its shared sentences begin and end."""
    with archive_index().snapshot() as snapshot:
        copies = load_for(snapshot.text)
        found = report_copies(copies, snapshot.text, file) if copies else None
    if found is None:
        return ReportCopiesView(computed=copies is not None)
    return ReportCopiesView(True, mark_blocks(outline, found), found)


def mark_blocks(outline: Outline, found: ReportCopies) -> list[BlockCopies]:
    by_position = {p.position: p for p in found.passages}
    blocks: list[BlockCopies] = []
    last_block: dict[int, int] = {}
    position, offset = -1, 0
    for number, block in enumerate(outline.blocks):
        anchor = next((m for i in block.ids if (m := _ANCHOR.fullmatch(i))), None)
        if anchor:  # a passage's first block; a heading's paragraph continues it
            position, offset = int(anchor.group(1)), 0
        passage = by_position.get(position)
        sentences = passage.sentences if passage else []
        spans = [(s.begin, s.end, "common" if s.common else "copied") for s in sentences]
        pieces: list[CopiedPiece] = []
        for text, is_match in block.pieces:
            pieces.extend(_cut(text, is_match, offset, spans))
            offset += len(text)
        blocks.append(BlockCopies(pieces))
        last_block[position] = number
    for position, number in last_block.items():
        if position in by_position:
            blocks[number].note = by_position[position]
    return blocks


def _cut(
    text: str, is_match: bool, offset: int, spans: list[tuple[int, int, str]]
) -> list[CopiedPiece]:
    """`text` (at `offset` in its passage) cut at the sentence spans that cross it."""
    cuts = {0, len(text)}
    for begin, end, _ in spans:
        cuts.update(min(max(x - offset, 0), len(text)) for x in (begin, end))
    points = sorted(cuts)
    pieces = []
    for start, stop in zip(points, points[1:], strict=False):
        middle = offset + start
        kind = next((k for b, e, k in spans if b <= middle < e), "")
        pieces.append((text[start:stop], is_match, kind))
    return pieces


@dataclass(frozen=True)
class PairState:
    county: str = ""
    year: int | None = None
    kind: str = ""
    sort: str = "share"
    page: int = 1

    def params(self, **changes: object) -> dict[str, object]:
        """This list's parameters with `changes`, for links (back to page 1 unless given)."""
        values = {"county": self.county, "year": self.year, "kind": self.kind, "sort": self.sort}
        values.update(changes)
        return {k: v for k, v in values.items() if v not in ("", None, "share", 1)}


def read_pairs_state(args: Mapping[str, str]) -> PairState:
    """The list the query string asks for; QueryError (status 400) for a value it cannot read."""
    county = (args.get("county") or "").strip()[:100]
    year_text = (args.get("year") or "").strip()
    kind = (args.get("kind") or "").strip()
    sort = (args.get("sort") or "share").strip()
    page_text = (args.get("page") or "1").strip()
    if year_text and not _YEAR.fullmatch(year_text):
        raise QueryError(f"年份“{year_text[:20]}”不是四位数字，如 2021。")
    if kind not in PAIR_KINDS:
        raise QueryError("种类只能是 town（不同乡镇）或 year（同一乡镇的上一年）。")
    if sort not in PAIR_SORTS:
        raise QueryError("排序只能是 share（相同比例）、sentences（相同句数）或 year（年份）。")
    if not page_text.isdigit() or not 1 <= int(page_text) <= MAX_PAGE:
        raise QueryError(f"页码“{page_text[:20]}”无效，应为 1 到 {MAX_PAGE} 之间的整数。")
    return PairState(county, int(year_text) if year_text else None, kind, sort, int(page_text))


@dataclass
class PairsPage:
    found: PairList | None  # None: not computed yet
    counties: list[str]  # for the filter
    years: list[int]


def pairs_page(state: PairState) -> PairsPage:
    """The page of pairs the state asks for, and the values its filters offer."""
    with archive_index().snapshot() as snapshot:
        text = snapshot.text
        copies = load_for(text)
        found = None
        if copies is not None:
            found = list_pairs(
                copies,
                text,
                county=state.county,
                year=state.year,
                kind=state.kind,
                sort=state.sort,
                offset=(state.page - 1) * PAGE_SIZE,
                limit=PAGE_SIZE,
            )
        years = sorted({int(y) for y in text.report_year.tolist() if y}, reverse=True)
        return PairsPage(found, sorted(text.counties), years)


@dataclass
class PairView:
    sides: tuple[Side, Side]
    pair: Pair | None  # None when the two are not a listed pair (the same town, years apart)


@dataclass
class Side:
    ref: ReportRef
    title: str | None
    passages: list[tuple[int, list[tuple[str, bool]]]]  # position, pieces (text, shared)


def side_by_side(a: str, b: str) -> PairView | None:
    """Both reports' passages that hold a sentence the other holds, the sentences marked;
    None when either report is not indexed or the copies are not computed."""
    with archive_index().snapshot() as snapshot:
        text = snapshot.text
        copies = load_for(text)
        records = [stored_record(snapshot.searcher, file) for file in (a, b)]
        if copies is None or None in records or a not in copies.files or b not in copies.files:
            return None
        sides = []
        for (file, other), record in zip(((a, b), (b, a)), records, strict=True):
            spans = shared_with(copies, text, file, other)
            texts = [p["text"] for p in record["passages"]]
            passages = [
                (position, _marked(texts[position], spans[position]))
                for position in sorted(spans)
                if position < len(texts)
            ]
            ref = report_ref(text, copies.files.index(file))
            sides.append(Side(ref, record.get("title"), passages))
        return PairView((sides[0], sides[1]), find_pair(copies, text, a, b))


def _marked(passage: str, spans: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    pieces = _cut(passage, False, 0, [(begin, end, "shared") for begin, end in spans])
    return [(text, bool(kind)) for text, _, kind in pieces]
