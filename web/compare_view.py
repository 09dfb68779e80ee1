"""A comparison as the page lays it out: a grid of towns and years, each cell a report's part.

Rows are towns and columns years (`sort=town`), or the reverse (`sort=year`): the county's
yearly summary reads down one year's column of towns, a town's record across a row. On a
phone the same table folds into one block per row (CSS), each cell labelled.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import url_for

from indexer.compare import ComparedReport, CompareRequest, Comparison
from indexer.export import headings_to_show
from indexer.vocabulary import SECTION_SEPARATOR

from .highlight import pieces
from .outline import passage_anchor

UNKNOWN_TOWN = "镇不明"
UNKNOWN_YEAR = "年份不明"


@dataclass
class Row:
    label: str
    detail: str | None  # the county of a town row
    href: str | None  # the search of that town or year, in the part compared
    cells: list[list[dict]] = field(default_factory=list)  # per column, its reports


@dataclass
class Grid:
    columns: list[str]
    rows: list[Row]
    lacking: int  # reports without the part
    matching: int  # reports whose part holds a match


def compare_grid(comparison: Comparison, compared: CompareRequest) -> Grid:
    by_town = compared.sort == "town"
    keys = _town_keys(comparison.reports)
    town_keys = list(dict.fromkeys(keys))
    year_keys = sorted({r.year for r in comparison.reports}, key=lambda y: (y is None, y or 0))
    if not by_town:  # columns in town order, whatever year a town first appears in
        town_keys.sort(key=lambda k: (k[0] is None, k[0] or "", k[1] is None, k[1] or ""))
    row_keys, column_keys = (town_keys, year_keys) if by_town else (year_keys, town_keys)
    rows = [_row(key, by_town, compared) for key in row_keys]
    place = {key: i for i, key in enumerate(row_keys)}
    column = {key: i for i, key in enumerate(column_keys)}
    for row in rows:
        row.cells = [[] for _ in column_keys]
    for report, town in zip(comparison.reports, keys, strict=True):
        year = report.year
        r, c = (place[town], column[year]) if by_town else (place[year], column[town])
        rows[r].cells[c].append(_report_view(report, compared.query))
    shared = {town for town, _ in town_keys if sum(t == town for t, _ in town_keys) > 1}
    return Grid(
        columns=[_year_label(k) if by_town else _town_label(k, shared) for k in column_keys],
        rows=rows,
        lacking=sum(not r.has_section for r in comparison.reports),
        matching=sum(r.matches > 0 for r in comparison.reports),
    )


def _town_keys(reports: list[ComparedReport]) -> list[tuple[str | None, str | None]]:
    """Each report's (town, county): a report that names no county goes with its town's
    reports when they all name one county; towns of one name in two counties stay apart."""
    counties: dict[str | None, set[str]] = {}
    for report in reports:
        counties.setdefault(report.town, set()).update([report.county] if report.county else [])
    keys = []
    for report in reports:
        known = counties[report.town]
        only = next(iter(known)) if len(known) == 1 else None
        keys.append((report.town, report.county or only))
    return keys


def _year_label(year: int | None) -> str:
    return f"{year} 年" if year else UNKNOWN_YEAR


def _town_label(key: tuple[str | None, str | None], shared: Collection[str | None] = ()) -> str:
    """The town, with its county when another town of that name is compared too."""
    town, county = key
    label = town or UNKNOWN_TOWN
    return f"{label}（{county or '县不明'}）" if town in shared else label


def _row(key, by_town: bool, compared: CompareRequest) -> Row:
    """A row's header, leading to the search of that town (or year) in the part compared."""
    search = url_for("pages.search_page")
    part = {"section": compared.section, "q": compared.query}
    if by_town:
        town, county = key
        href = f"{search}?{_query(town=town, county=county, **part)}" if town else None
        return Row(_town_label(key), county, href)
    href = f"{search}?{_query(year_from=key, year_to=key, county=compared.county, **part)}"
    return Row(_year_label(key), None, href if key else None)


def _query(**params: object) -> str:
    return urlencode({k: v for k, v in params.items() if v})


def _report_view(report: ComparedReport, query: str) -> dict:
    """The report's passages cut into pieces for <mark>, under their headings, each once."""
    shown = headings_to_show([(p.section, p.text) for p in report.passages])
    passages = [
        {
            "path": SECTION_SEPARATOR.join(path),
            "heading": bool(passage.section) and passage.text == passage.section[-1],
            "pieces": pieces(passage.text, passage.highlights),
        }
        for passage, path in zip(report.passages, shown, strict=True)
    ]
    first = report.passages[0].position if report.passages else None
    return {
        "report": report,
        "href": url_for(
            "pages.report",
            file=report.file,
            q=query.strip() or None,
            _anchor=passage_anchor(first) if first is not None else None,
        ),
        "passages": passages,
    }
