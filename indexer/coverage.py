"""Which town's report for which year the archive holds: the overview's town × year grid.

Search facets count reports per value of one field at a time; the grid needs the
(town, county, year) of every report together, which the text index's report tables hold
directly, so one pass over them answers what would otherwise take a search per town.
"""

from __future__ import annotations

from dataclasses import dataclass

from .store import ArchiveIndex


@dataclass(frozen=True)
class ReportKey:
    file: str
    town: str | None
    county: str | None
    year: int | None


def archive_reports(archive_index: ArchiveIndex) -> list[ReportKey]:
    """Every indexed report's town, county and year (None when unknown), in file order."""
    with archive_index.snapshot() as snapshot:
        text = snapshot.text
        towns, counties = text.report_town.tolist(), text.report_county.tolist()
        years = text.report_year.tolist()
        return [
            ReportKey(
                file=file,
                town=text.towns[town] if town >= 0 else None,
                county=text.counties[county] if county >= 0 else None,
                year=year or None,
            )
            for file, town, county, year in zip(text.files, towns, counties, years, strict=True)
        ]
