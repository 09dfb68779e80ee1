"""What the archive holds: counts per year and county, the town × year grid, the last update.

All of it comes from one pass over the index's report table (`archive_reports`) and the
status file the last update wrote (with the run that failed since, if one did); nothing here
reads report files.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from indexer import ArchiveIndex, IndexStatus, ReportKey, archive_reports, read_status
from indexer.status import FailedRun, read_failed_run

from .charts import BarChart, bar_chart
from .state import fresh_search_url, report_path

CHART_COUNTIES = 25  # the chart shows the largest counties; the grid shows every town
UNKNOWN_COUNTY = "县/区不明"


@dataclass
class Cell:
    year: int
    files: list[str]
    state: str  # "have", "gap" (missing within the town's span) or "out"

    @property
    def href(self) -> str | None:
        return report_path(self.files[0]) if self.files else None


@dataclass
class TownRow:
    town: str
    cells: list[Cell]
    reports: int

    @property
    def href(self) -> str:
        return fresh_search_url(town=self.town)


@dataclass
class CountyGroup:
    county: str
    towns: list[TownRow] = field(default_factory=list)


@dataclass
class Overview:
    reports: int
    towns: int
    counties: int
    years: list[int]
    no_year: int
    no_town: int
    no_county: int
    year_chart: BarChart
    county_chart: BarChart
    more_counties: int
    grid: list[CountyGroup]
    status: IndexStatus | None
    updated_local: str | None
    failed_run: FailedRun | None = None  # the last run failed: the index is behind
    failed_local: str | None = None


def build_overview(archive_index: ArchiveIndex, index_dir: Path) -> Overview:
    reports = archive_reports(archive_index)
    known_years = sorted({r.year for r in reports if r.year})
    years = list(range(known_years[0], known_years[-1] + 1)) if known_years else []
    per_year = Counter(r.year for r in reports if r.year)
    per_county = Counter(r.county for r in reports if r.county)
    year_chart = bar_chart(
        "各年份报告数",
        [
            (
                f"{year} 年",
                per_year[year],
                fresh_search_url(year_from=year, year_to=year),
            )
            for year in years
        ],
    )
    county_chart = bar_chart(
        "各县/区报告数",
        [
            (county, n, fresh_search_url(county=county))
            for county, n in sorted(per_county.items(), key=lambda kv: (-kv[1], kv[0]))[
                :CHART_COUNTIES
            ]
        ],
    )
    status = read_status(index_dir)
    failed_run = read_failed_run(index_dir)
    return Overview(
        reports=len(reports),
        towns=len({r.town for r in reports if r.town}),
        counties=len(per_county),
        years=years,
        no_year=sum(r.year is None for r in reports),
        no_town=sum(r.town is None for r in reports),
        no_county=sum(r.county is None for r in reports),
        year_chart=year_chart,
        county_chart=county_chart,
        more_counties=max(len(per_county) - CHART_COUNTIES, 0),
        grid=town_grid(reports, years),
        status=status,
        updated_local=local_time(status.finished_at) if status else None,
        failed_run=failed_run,
        failed_local=local_time(failed_run.at) if failed_run else None,
    )


def town_grid(reports: list[ReportKey], years: list[int]) -> list[CountyGroup]:
    """Towns grouped by county (a town's most frequent county), a cell per year: a gap is a
    year missing between the town's first and last report."""
    files: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    counties: dict[str, Counter] = defaultdict(Counter)
    totals: Counter = Counter()
    for report in reports:
        if not report.town:
            continue
        totals[report.town] += 1
        if report.year:
            files[report.town][report.year].append(report.file)
        counties[report.town][report.county or UNKNOWN_COUNTY] += 1
    groups: dict[str, CountyGroup] = {}
    for town in sorted(totals):
        county = _most_common(counties[town])
        held = files[town]
        first, last = (min(held), max(held)) if held else (0, -1)
        cells = [
            Cell(year, held.get(year, []), _cell_state(year, held, first, last)) for year in years
        ]
        groups.setdefault(county, CountyGroup(county)).towns.append(
            TownRow(town, cells, totals[town])
        )
    return sorted(groups.values(), key=lambda g: (g.county == UNKNOWN_COUNTY, g.county))


def _most_common(counts: Counter) -> str:
    known = [(n, county) for county, n in counts.items() if county != UNKNOWN_COUNTY]
    return min(known, key=lambda item: (-item[0], item[1]))[1] if known else UNKNOWN_COUNTY


def _cell_state(year: int, held: dict[int, list[str]], first: int, last: int) -> str:
    if year in held:
        return "have"
    return "gap" if first < year < last else "out"


def local_time(iso_utc: str) -> str:
    """The server's local time with its zone, e.g. 2026-11-29 10:35 UTC+08:00 (CST)."""
    try:
        moment = datetime.fromisoformat(iso_utc).astimezone()
    except ValueError:
        return iso_utc
    offset = moment.strftime("%z")
    zone = f"UTC{offset[:3]}:{offset[3:]}"
    name = moment.tzname() or ""
    return f"{moment:%Y-%m-%d %H:%M} {zone}" + (f" ({name})" if not name.startswith("UTC") else "")
