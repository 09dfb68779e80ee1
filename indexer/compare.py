"""One part of many reports side by side: how a county collects every town's 存在的不足.

A search finds passages; a county writing its yearly summary wants, for each town and year,
the whole of one part (all its passages, under their headings), and to see which town has
none. `compare` picks the reports by town, county and years from the text index's report
tables (no search needed), reads each one's stored record, and keeps the passages of the
chosen part, as the section filter of a search would (a category, or words of a heading).
A query only marks its matches here and counts them: a town whose part does not mention it
is still a row. The page, the API and the CLI all call `compare`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .errors import QueryError
from .normalize import normalize
from .query import parse_query
from .query_plan import plan
from .records import Record
from .schema import folded
from .search import SearchRequest, SectionFilter, highlight_spans, parse_section, validate
from .store import ArchiveIndex, stored_record
from .textindex import TextIndex
from .vocabulary import CATEGORIES, FIRST_YEAR, LAST_YEAR, SECTION_SEPARATOR

COMPARE_SORTS = ("town", "year")  # rows by town then year, or by year then town
MAX_COMPARED = 120  # reports in one comparison: a page of whole parts stays readable
MAX_TOWNS = 100  # town= values: a county has some 30 towns, a city under 100
_TOWN_SEPARATORS = re.compile(r"[\s,，、;；]+")


@dataclass(frozen=True)
class CompareRequest:
    section: str  # a part (problems, 存在的不足和原因, 问题不足) or words of a heading
    towns: tuple[str, ...] = ()  # each a town or the start of its name, as search's filter
    county: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    query: str = ""  # only marked and counted: it never drops a report
    sort: str = "town"
    limit: int = MAX_COMPARED


@dataclass(frozen=True)
class ComparedPassage:
    text: str
    section: list[str]  # its heading path
    highlights: list[tuple[int, int]]  # [start, end) of the query's matches in `text`
    position: int  # the passage's place in its report (the report page's anchor)


@dataclass(frozen=True)
class ComparedReport:
    file: str
    title: str | None
    town: str | None
    county: str | None
    year: int | None
    passages: list[ComparedPassage]  # in report order; empty: the report has no such part
    matches: int  # the query's matches in these passages

    @property
    def has_section(self) -> bool:
        return bool(self.passages)


@dataclass(frozen=True)
class Comparison:
    section: str  # what was compared, as staff read it: 存在的不足和原因, or 标题含“…”
    category: str | None  # the part's id, or None for heading words
    terms: list[str]  # the strings marked
    total_reports: int  # reports in scope; more than len(reports) when cut at the limit
    reports: list[ComparedReport]

    @property
    def cut(self) -> bool:
        return self.total_reports > len(self.reports)

    def to_json(self) -> dict:
        return {
            "section": self.section,
            "category": self.category,
            "terms": list(self.terms),
            "total_reports": self.total_reports,
            "cut": self.cut,
            "reports": [
                {
                    "file": r.file,
                    "title": r.title,
                    "town": r.town,
                    "county": r.county,
                    "year": r.year,
                    "has_section": r.has_section,
                    "matches": r.matches,
                    "passages": [
                        {
                            "text": p.text,
                            "section": list(p.section),
                            "highlights": [list(span) for span in p.highlights],
                            "position": p.position,
                        }
                        for p in r.passages
                    ],
                }
                for r in self.reports
            ],
        }


def town_values(values: list[str]) -> tuple[str, ...]:
    """The towns named by `town=` values, each of which may list several (青山镇，白石镇)."""
    towns = (t for value in values for t in _TOWN_SEPARATORS.split(value) if t)
    return tuple(dict.fromkeys(towns))


def compare(archive_index: ArchiveIndex, request: CompareRequest) -> Comparison:
    """The part `request.section` of every report in scope, sorted and cut at the limit.
    Raises QueryError (a message for the user) for a request that cannot be read."""
    section = _check(request)
    terms = plan(parse_query(request.query)).highlighted if request.query.strip() else []
    with archive_index.snapshot() as snapshot:
        keys = _in_scope(snapshot.text, request)
        keys.sort(key=_sort_key(request.sort))
        reports = []
        for _, _, _, file in keys[: request.limit]:
            stored = stored_record(snapshot.searcher, file)
            if stored is not None:
                reports.append(_compared(Record.from_json(stored), section, terms))
    label = CATEGORIES[section.categories[0]] if section.categories else None
    return Comparison(
        section=label or f"标题含“{request.section.strip()}”",
        category=section.categories[0] if section.categories else None,
        terms=terms,
        total_reports=len(keys),
        reports=reports,
    )


Key = tuple[str | None, str | None, int | None, str]  # town, county, year, file


def _in_scope(text: TextIndex, request: CompareRequest) -> list[Key]:
    """The reports of the towns, county and years asked for, from the index's report tables:
    names match by their start and unknown years are out of a span, as in search."""
    chosen = np.ones(len(text.files), dtype=bool)
    for values, names, ids in (
        (request.towns, text.towns, text.report_town),
        ((request.county,) if request.county else (), text.counties, text.report_county),
    ):
        prefixes = tuple(normalize(v.strip()) for v in values if v.strip())
        if prefixes:
            chosen &= np.isin(ids, [i for i, name in enumerate(names) if name.startswith(prefixes)])
    years = np.asarray(text.report_year)
    if request.year_from or request.year_to:
        first, last = request.year_from or FIRST_YEAR, request.year_to or LAST_YEAR
        chosen &= (years >= first) & (years <= last)
    towns, counties = text.report_town.tolist(), text.report_county.tolist()
    return [
        (
            text.towns[towns[r]] if towns[r] >= 0 else None,
            text.counties[counties[r]] if counties[r] >= 0 else None,
            int(years[r]) or None,
            text.files[r],
        )
        for r in np.flatnonzero(chosen).tolist()
    ]


def _check(request: CompareRequest) -> SectionFilter:
    if not request.section or not request.section.strip():
        raise QueryError("请选择要对比的部分，如“存在的不足和原因”，或填写标题中的词。")
    if len(request.section) > 100:
        raise QueryError(f"部分名称太长（{len(request.section)} 个字符）。")
    if request.sort not in COMPARE_SORTS:
        raise QueryError("对比的排列方式只能是按镇（town）或按年份（year）。")
    if not 1 <= request.limit <= MAX_COMPARED:
        raise QueryError(f"对比的报告数应在 1 到 {MAX_COMPARED} 之间。")
    if len(request.towns) > MAX_TOWNS:
        raise QueryError(f"一次最多对比 {MAX_TOWNS} 个镇，现有 {len(request.towns)} 个。")
    # the year checks (range, order) are the search's own
    validate(SearchRequest(year_from=request.year_from, year_to=request.year_to))
    section = parse_section(request.section)
    assert section is not None  # the section is not blank
    return section


def _sort_key(sort: str):
    """Unknown towns and years last; then the county and the file name, so the order is
    stable (a town's reports stay together when only some of them name the county)."""

    def key(item: Key) -> tuple:
        town, county, year, file = item
        by_town = (town is None, town or "")
        by_year = (year is None, year or 0)
        first, then = (by_town, by_year) if sort == "town" else (by_year, by_town)
        return (*first, *then, county is None, county or "", file)

    return key


def _compared(record: Record, section: SectionFilter, terms: list[str]) -> ComparedReport:
    """The record's passages in the part: its categories hold the part's, or its heading
    path holds the words (normalized), exactly as the index decides for search's filter."""
    passages = []
    for position, passage in enumerate(record.passages):
        path = record.section_path(passage.section)
        if section.categories:
            inside = section.categories[0] in record.section_categories(passage.section)
        else:
            inside = section.heading_words in normalize(SECTION_SEPARATOR.join(path))
        if inside:
            spans = highlight_spans(normalize(passage.text), terms) if terms else []
            passages.append(ComparedPassage(passage.text, list(path), spans, position))
    return ComparedReport(
        file=record.file,
        title=record.title,
        town=folded(record.town),
        county=folded(record.county),
        year=record.year,
        passages=passages,
        matches=sum(len(p.highlights) for p in passages),
    )
