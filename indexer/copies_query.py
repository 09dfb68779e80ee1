"""Questions asked of the copied-text tables: which reports share a report's sentences, and
which pairs share the most. The web app, its JSON twin and the CLI ask the same functions,
so they answer the same."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .copies import COMMON_REPORTS, KIND_PREVIOUS_YEAR, KINDS, MIN_SHARED, Copies
from .normalize import normalize
from .sentence_keys import MIN_CHARS
from .textindex import TextIndex

PAIR_SORTS = ("share", "sentences", "year")
PAIR_KINDS = ("", "town", "year")  # all, other towns only, previous years only

RULE = {
    "split": "。！？；",
    "min_chars": MIN_CHARS,
    "common_reports": COMMON_REPORTS,
    "min_shared": MIN_SHARED,
}


@dataclass
class ReportRef:
    """A report as a list of copies names it (values as the text index folds them)."""

    file: str
    town: str | None
    county: str | None
    year: int | None

    def to_json(self) -> dict:
        return {"file": self.file, "town": self.town, "county": self.county, "year": self.year}


def report_ref(text: TextIndex, report: int) -> ReportRef:
    town, county = int(text.report_town[report]), int(text.report_county[report])
    return ReportRef(
        file=text.files[report],
        town=text.towns[town] if town >= 0 else None,
        county=text.counties[county] if county >= 0 else None,
        year=int(text.report_year[report]) or None,
    )


@dataclass
class Pair:
    a: ReportRef
    b: ReportRef
    kind: str  # "other town" or "previous year"
    sentences: int  # distinct sentences the two share
    share_a: float  # of a's counted text, held by b too
    share_b: float
    chars_a: int
    chars_b: int

    def seen_from(self, file: str) -> Pair:
        """The pair with `file` as a: the report page's point of view."""
        if self.a.file == file:
            return self
        return Pair(
            self.b, self.a, self.kind, self.sentences, self.share_b, self.share_a,
            self.chars_b, self.chars_a,
        )  # fmt: skip

    def to_json(self) -> dict:
        return {
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "kind": self.kind,
            "sentences": self.sentences,
            "share_a": round(self.share_a, 4),
            "share_b": round(self.share_b, 4),
            "chars_a": self.chars_a,
            "chars_b": self.chars_b,
        }


def _pair(copies: Copies, text: TextIndex, row: int) -> Pair:
    share_a, share_b = copies.share(row)
    return Pair(
        a=report_ref(text, int(copies.pair_a[row])),
        b=report_ref(text, int(copies.pair_b[row])),
        kind=KINDS[int(copies.pair_kind[row])],
        sentences=int(copies.pair_sentences[row]),
        share_a=share_a,
        share_b=share_b,
        chars_a=int(copies.pair_chars_a[row]),
        chars_b=int(copies.pair_chars_b[row]),
    )


@dataclass
class PairList:
    total: int
    pairs: list[Pair]

    def to_json(self) -> dict:
        return {"rule": RULE, "total": self.total, "pairs": [p.to_json() for p in self.pairs]}


def list_pairs(
    copies: Copies,
    text: TextIndex,
    county: str = "",
    year: int | None = None,
    kind: str = "",
    sort: str = "share",
    offset: int = 0,
    limit: int = 50,
) -> PairList:
    """The pairs where either report is of `county` (the start of its name) and of `year`,
    of `kind` ("town": other towns, "year": the town's previous year), sorted by the larger
    share (or the shared sentences, or the newer report's year), most first."""
    a, b = np.asarray(copies.pair_a), np.asarray(copies.pair_b)
    keep = np.ones(len(a), dtype=bool)
    if county:
        wanted = normalize(county)
        ids = np.array([i for i, c in enumerate(text.counties) if c.startswith(wanted)], dtype=int)
        counties = np.asarray(text.report_county)
        keep &= np.isin(counties[a], ids) | np.isin(counties[b], ids)
    years = np.asarray(text.report_year).astype(np.int64)
    if year is not None:
        keep &= (years[a] == year) | (years[b] == year)
    if kind:
        previous = np.asarray(copies.pair_kind) == KIND_PREVIOUS_YEAR
        keep &= previous if kind == "year" else ~previous
    rows = np.flatnonzero(keep)
    if sort == "sentences":
        rows = rows[np.argsort(-np.asarray(copies.pair_sentences)[rows], kind="stable")]
    elif sort == "year":
        newer = np.maximum(years[a], years[b])[rows]
        rows = rows[np.argsort(-newer, kind="stable")]
    shown = rows[offset : offset + limit].tolist()
    return PairList(total=len(rows), pairs=[_pair(copies, text, row) for row in shown])


@dataclass
class SharedSentence:
    begin: int  # characters into the passage
    end: int
    reports: int  # reports holding it, this one included
    common: bool  # in more than COMMON_REPORTS reports: common wording, not a copy
    others: list[int]  # the other reports holding it (report ids), unless common


@dataclass
class PassageCopies:
    position: int  # the passage's place in its report
    sentences: list[SharedSentence]
    others: list[ReportRef] = field(default_factory=list)  # every other report, not common
    towns: int = 0  # the towns among them (unknown towns counted as one each)

    @property
    def copied(self) -> list[SharedSentence]:
        return [s for s in self.sentences if not s.common]

    @property
    def common(self) -> list[SharedSentence]:
        return [s for s in self.sentences if s.common]


@dataclass
class ReportCopies:
    passages: list[PassageCopies]  # those with a sentence another report holds
    pairs: list[Pair]  # the listed pairs this report is in, most shared first

    def to_json(self, passage_texts: list[str]) -> dict:
        """With the report's passage texts (as written) to quote the sentences."""
        return {
            "rule": RULE,
            "passages": [
                {
                    "position": p.position,
                    "also_in": [ref.to_json() for ref in p.others],
                    "towns": p.towns,
                    "sentences": [
                        {
                            "begin": s.begin,
                            "end": s.end,
                            "text": passage_texts[p.position][s.begin : s.end],
                            "reports": s.reports,
                            "common": s.common,
                        }
                        for s in p.sentences
                    ],
                }
                for p in self.passages
            ],
            "pairs": [pair.to_json() for pair in self.pairs],
        }


def report_copies(copies: Copies, text: TextIndex, file: str) -> ReportCopies | None:
    """What of `file` other reports hold too; None when it is not in the index."""
    try:
        report = copies.files.index(file)
    except ValueError:
        return None
    first = int(text.report_passage_start[report])
    by_passage: dict[int, PassageCopies] = {}
    for sentence in copies.report_sentences(report):
        holders = int(copies.sentence_reports[sentence])
        if holders < 2:
            continue
        common = holders > COMMON_REPORTS
        others: list[int] = []
        if not common:
            passages = copies.sentence_passage[copies.holders(sentence)]
            held_by = np.asarray(text.passage_report)[passages]
            others = sorted({int(r) for r in held_by} - {report})
        position = int(copies.sentence_passage[sentence]) - first
        entry = by_passage.setdefault(position, PassageCopies(position, []))
        entry.sentences.append(
            SharedSentence(
                int(copies.sentence_begin[sentence]),
                int(copies.sentence_end[sentence]),
                holders,
                common,
                others,
            )
        )
    for entry in by_passage.values():
        ids = sorted({r for s in entry.sentences for r in s.others})
        entry.others = sorted(
            (report_ref(text, r) for r in ids), key=lambda ref: (ref.town or "", ref.year or 0)
        )
        entry.towns = len({ref.town or ref.file for ref in entry.others})
    rows = np.flatnonzero((copies.pair_a == report) | (copies.pair_b == report)).tolist()
    return ReportCopies(
        passages=[by_passage[p] for p in sorted(by_passage)],
        pairs=[_pair(copies, text, row).seen_from(file) for row in rows],
    )


def shared_with(copies: Copies, text: TextIndex, file: str, other: str) -> dict[int, list]:
    """The sentences of `file` that `other` holds too, as (begin, end) spans by passage
    position; empty when either is not in the index or the key is common wording."""
    try:
        report, partner = copies.files.index(file), copies.files.index(other)
    except ValueError:
        return {}
    first = int(text.report_passage_start[report])
    found: dict[int, list] = {}
    for sentence in copies.report_sentences(report):
        holders = int(copies.sentence_reports[sentence])
        if not 2 <= holders <= COMMON_REPORTS:
            continue
        passages = copies.sentence_passage[copies.holders(sentence)]
        if partner in np.asarray(text.passage_report)[passages]:
            position = int(copies.sentence_passage[sentence]) - first
            span = (int(copies.sentence_begin[sentence]), int(copies.sentence_end[sentence]))
            found.setdefault(position, []).append(span)
    return found


def find_pair(copies: Copies, text: TextIndex, file: str, other: str) -> Pair | None:
    """The listed pair of the two reports, seen from `file`; None when they are not one."""
    try:
        a, b = copies.files.index(file), copies.files.index(other)
    except ValueError:
        return None
    low, high = min(a, b), max(a, b)
    rows = np.flatnonzero((copies.pair_a == low) & (copies.pair_b == high))
    return _pair(copies, text, int(rows[0])).seen_from(file) if len(rows) else None
