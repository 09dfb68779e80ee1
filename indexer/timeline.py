"""One town across years: its reports as a timeline, two years compared part by part, and
year N's plans checked against year N+1's measures.

The town page, its JSON twin and `fazhi-index town` all call `town_view`. A town is the name
as the index stores it, compared normalized (繁简, width); two towns of the same name in
different counties are different towns, so a name held in several counties needs a county
(`TownAmbiguous` lists them). Reports whose county is unknown join the town only when it has
no more than one known county. The parts of a report are the five categories of its
sections (vocabulary.CATEGORIES): a part's text is every passage under a heading of that
category, in document order.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np

from .normalize import normalize
from .promises import PromiseCheck, check_plans
from .records import Record
from .sentences import (
    ADDED,
    MODIFIED,
    REMOVED,
    SAME,
    DiffRow,
    Sentence,
    diff_sentences,
    sentence_key,
    split_sentences,
)
from .store import ArchiveIndex, stored_record
from .vocabulary import CATEGORIES, CATEGORY_CUES

NEAREST_TOWNS = 8
MAX_NAME_CHARS = 100  # a longer name is no town's; it is not compared character by character


class TownError(LookupError):
    """A town page that cannot be shown as asked; the message says why, in Chinese."""


class TownNotFound(TownError):
    def __init__(self, name: str, nearest: list[TownChoice]) -> None:
        self.name, self.nearest = name, nearest
        super().__init__(f"档案中没有名为“{name[:MAX_NAME_CHARS]}”的镇/街道。")


class TownAmbiguous(TownError):
    """The name is held in several counties: which one is meant."""

    def __init__(self, name: str, choices: list[TownChoice], unplaced: list[str]) -> None:
        self.name, self.choices, self.unplaced = name, choices, unplaced
        counties = "、".join(choice.county or "县/区不明" for choice in choices)
        super().__init__(f"“{name}”在多个县/区都有（{counties}），请选择县/区。")


class TownYearError(TownError):
    """A year asked for that the town has no report for."""


@dataclass(frozen=True)
class TownChoice:
    town: str
    county: str | None
    reports: int

    def to_json(self) -> dict:
        return {"town": self.town, "county": self.county, "reports": self.reports}


@dataclass(frozen=True)
class YearEntry:
    """A report of the timeline: what a reader sees before opening it."""

    file: str
    title: str | None
    year: int | None
    county: str | None
    parts: tuple[str, ...]  # the categories its sections have, in CATEGORIES order
    characters: int
    sentences: int

    def to_json(self) -> dict:
        return {
            "file": self.file,
            "title": self.title,
            "year": self.year,
            "county": self.county,
            "parts": list(self.parts),
            "characters": self.characters,
            "sentences": self.sentences,
        }


@dataclass
class PartComparison:
    """One part of the report in the two years, as a diff."""

    category: str
    rows: list[DiffRow]

    @property
    def name(self) -> str:
        return CATEGORIES[self.category]

    def count(self, kind: str) -> int:
        return sum(row.kind == kind for row in self.rows)

    def to_json(self) -> dict:
        return {
            "category": self.category,
            "name": self.name,
            "counts": {kind: self.count(kind) for kind in (SAME, MODIFIED, REMOVED, ADDED)},
            "rows": [row.to_json() for row in self.rows],
        }


@dataclass
class Promises:
    """Year N's plans beside year N+1's measures; `missing` says why there is no check."""

    plan_year: int
    plan_file: str
    next_file: str | None = None
    check: PromiseCheck | None = None
    missing: str | None = None

    @property
    def next_year(self) -> int:
        return self.plan_year + 1

    def to_json(self) -> dict:
        result: dict = {
            "plan_year": self.plan_year,
            "next_year": self.next_year,
            "plan_file": self.plan_file,
            "next_file": self.next_file,
            "missing": self.missing,
        }
        if self.check:
            result["followed"] = self.check.followed
            result["plans"] = [
                {
                    "text": item.plan.text,
                    "taken_up": item.taken_up,
                    "words": list(item.words),
                    "by": [self.check.measures[at].text for at, _ in item.matches],
                }
                for item in self.check.plans
            ]
            result["measures"] = [
                {"text": sentence.text, "takes_up": self.check.taken_up_by.get(at, [])}
                for at, sentence in enumerate(self.check.measures)
            ]
        return result


@dataclass
class TownView:
    town: str
    county: str | None
    reports: list[YearEntry]
    old: YearEntry | None = None
    new: YearEntry | None = None
    parts: list[PartComparison] = field(default_factory=list)
    promises: Promises | None = None
    # every year N with a report for N+1 → its plans checked against that report
    followed: dict[int, Promises] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict, repr=False)

    @property
    def years(self) -> list[int]:
        return sorted({entry.year for entry in self.reports if entry.year})

    def to_json(self) -> dict:
        """What `fazhi-index town --json` prints and /api/town/<name> returns."""
        return {
            "town": self.town,
            "county": self.county,
            "reports": [
                {**entry.to_json(), "plans_taken_up": self._taken_up(entry)}
                for entry in self.reports
            ],
            "compared": [self.old.year, self.new.year] if self.old and self.new else None,
            "parts": [part.to_json() for part in self.parts],
            "promises": self.promises.to_json() if self.promises else None,
        }

    def _taken_up(self, entry: YearEntry) -> list[int] | None:
        """[plan sentences taken up by next year's report, plan sentences], or None."""
        promises = self.followed.get(entry.year or 0)
        if promises is None or promises.check is None or promises.plan_file != entry.file:
            return None
        return [promises.check.followed, len(promises.check.plans)]


def town_view(
    archive_index: ArchiveIndex,
    name: str,
    county: str | None = None,
    years: tuple[int, int] | None = None,
    plan_year: int | None = None,
) -> TownView:
    """The town's timeline, its reports of `years` (default: its last two years) compared,
    and the plans of `plan_year` checked against the next year's report (default: the
    earlier compared year when the year after it has a report, else the latest year that
    has a report the year after, else the earlier compared year).

    Raises TownNotFound, TownAmbiguous, or TownYearError for a year without a report."""
    with archive_index.snapshot() as snapshot:
        town, county, files = _town_files(snapshot.text, name, county)
        stored = [stored_record(snapshot.searcher, file) for file in files]
    records = {data["file"]: Record.from_json(data) for data in stored if data}
    entries = sorted(
        (_entry(record) for record in records.values()),
        key=lambda e: (e.year is None, e.year or 0, e.file),
    )
    view = TownView(town, county, entries, records=records)
    by_year = {}
    for entry in reversed(entries):  # a year with two reports: the first by file name
        if entry.year:
            by_year[entry.year] = entry
    pair = _pair(by_year, years)
    if pair:
        view.old, view.new = by_year[pair[0]], by_year[pair[1]]
        view.parts = _compare(records[view.old.file], records[view.new.file])
    view.followed = {
        year: _promises(records, records[entry.file], by_year[year + 1])
        for year, entry in sorted(by_year.items())
        if year + 1 in by_year
    }
    if plan_year is not None and plan_year not in by_year:
        raise TownYearError(f"没有 {plan_year} 年的报告，无法对照其计划。")
    plan_year = plan_year or _default_plan_year(by_year, pair)
    if plan_year:
        view.promises = view.followed.get(plan_year) or _promises(
            records, records[by_year[plan_year].file], None
        )
    return view


def _default_plan_year(by_year: dict[int, YearEntry], pair: tuple[int, int] | None) -> int | None:
    followed = [year for year in by_year if year + 1 in by_year]
    if pair and pair[0] + 1 in by_year:
        return pair[0]
    if followed:
        return max(followed)
    return pair[0] if pair else next(iter(by_year), None)


def _town_files(text, name: str, county: str | None) -> tuple[str, str | None, list[str]]:
    """The town's name as stored, its county, and its reports' files."""
    wanted = normalize(name.strip())
    town_ids = [i for i, town in enumerate(text.towns) if normalize(town) == wanted]
    reports = np.flatnonzero(np.isin(text.report_town, town_ids)).tolist() if town_ids else []
    if not reports:
        raise TownNotFound(name, _nearest(text, wanted))
    county_of = {r: _name(text.counties, int(text.report_county[r])) for r in reports}
    known = sorted({c for c in county_of.values() if c})
    stored_town = text.towns[int(text.report_town[reports[0]])]
    if county and county.strip():
        chosen = [c for c in known if normalize(c) == normalize(county.strip())]
        if not chosen:
            choices = _choices(text, stored_town, reports, unknown=len(known) < 2)
            raise TownNotFound(f"{name}（{county}）", choices)
        county = chosen[0]
        keep = {county} | ({None} if len(known) == 1 else set())
    elif len(known) > 1:
        unplaced = [text.files[r] for r in reports if county_of[r] is None]
        raise TownAmbiguous(stored_town, _choices(text, stored_town, reports), unplaced)
    else:
        county = known[0] if known else None
        keep = {county, None}
    return stored_town, county, [text.files[r] for r in reports if county_of[r] in keep]


def _name(table: list[str], index: int) -> str | None:
    return table[index] if index >= 0 else None


def _choices(text, town: str, reports: list[int], unknown: bool = False) -> list[TownChoice]:
    """The town in each of its counties; with `unknown`, also as its reports of unknown
    county (a link without a county shows them when the name is in one county at most)."""
    counts: dict[str | None, int] = {}
    for r in reports:
        county = _name(text.counties, int(text.report_county[r]))
        counts[county] = counts.get(county, 0) + 1
    known = sorted((c for c in counts if c), key=str)
    choices = [TownChoice(town, c, counts[c]) for c in known]
    if unknown and None in counts:
        choices.append(TownChoice(town, None, counts[None]))
    return choices


def _nearest(text, wanted: str) -> list[TownChoice]:
    """Towns whose name holds the one asked for or is held in it, then the most similar
    names (difflib), each with its county and number of reports."""
    wanted = wanted[:MAX_NAME_CHARS]
    names = {normalize(town): i for i, town in enumerate(text.towns)}
    holding = [n for n in names if wanted and (wanted in n or (len(n) > 1 and n in wanted))]
    close = difflib.get_close_matches(wanted, list(names), n=NEAREST_TOWNS, cutoff=0.5)
    picked = list(dict.fromkeys(sorted(holding, key=len) + close))[:NEAREST_TOWNS]
    counts: dict[tuple[str, str | None], int] = {}
    for normalized in picked:
        for r in np.flatnonzero(text.report_town == names[normalized]).tolist():
            key = (text.towns[names[normalized]], _name(text.counties, int(text.report_county[r])))
            counts[key] = counts.get(key, 0) + 1
    return [TownChoice(town, county, n) for (town, county), n in counts.items()]


def _entry(record: Record) -> YearEntry:
    present = {c for p in record.passages for c in record.section_categories(p.section)}
    return YearEntry(
        file=record.file,
        title=record.title,
        year=record.year,
        county=record.county,
        parts=tuple(c for c in CATEGORIES if c in present),
        characters=len(record.text),
        sentences=sum(len(split_sentences(p.text)) for p in record.passages),
    )


def _pair(by_year: dict[int, YearEntry], years: tuple[int, int] | None) -> tuple[int, int] | None:
    """The two years to compare, earlier first; None when the town has a single year."""
    if years is None:
        known = sorted(by_year)
        return (known[-2], known[-1]) if len(known) >= 2 else None
    missing = [str(y) for y in years if y not in by_year]
    if missing:
        held = "、".join(str(y) for y in sorted(by_year)) or "无"
        raise TownYearError(f"没有 {'、'.join(missing)} 年的报告（有报告的年份：{held}）。")
    if years[0] == years[1]:
        raise TownYearError("请选择两个不同的年份。")
    first, second = sorted(years)
    return first, second


def part_sentences(record: Record, category: str, titles: bool = True) -> list[Sentence]:
    """The sentences of every passage under a heading of `category`, in document order;
    without `titles`, not the headings that only name the part (三、下一年度工作打算)."""
    cues = [cue for cue, part in CATEGORY_CUES.items() if part == category]
    sentences = []
    for position, passage in enumerate(record.passages):
        if category not in record.section_categories(passage.section):
            continue
        heading = record.sections[passage.section].heading if passage.section >= 0 else None
        for sentence in split_sentences(passage.text, position):
            key = sentence_key(sentence.text)
            if not titles and heading and key == sentence_key(heading):
                if any(cue in key for cue in cues):
                    continue
            sentences.append(sentence)
    return sentences


def _compare(old: Record, new: Record) -> list[PartComparison]:
    """Each part either report has, as a sentence diff from the old year to the new."""
    parts = []
    for category in CATEGORIES:
        before, after = part_sentences(old, category), part_sentences(new, category)
        if before or after:
            parts.append(PartComparison(category, diff_sentences(before, after)))
    return parts


def _promises(records: dict[str, Record], plans: Record, following: YearEntry | None) -> Promises:
    assert plans.year is not None
    result = Promises(plan_year=plans.year, plan_file=plans.file)
    plan_sentences = part_sentences(plans, "plans", titles=False)
    if not plan_sentences:
        result.missing = f"{plans.year} 年的报告没有“下一年度工作打算”部分。"
        return result
    if following is None:
        result.missing = f"没有 {plans.year + 1} 年的报告，无法对照 {plans.year} 年的计划。"
        return result
    result.next_file = following.file
    measures = part_sentences(records[following.file], "measures", titles=False)
    if not measures:
        result.missing = f"{plans.year + 1} 年的报告没有“主要举措和成效”部分。"
        return result
    result.check = check_plans(plan_sentences, measures)
    return result
