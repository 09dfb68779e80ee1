"""The one search function the CLI and the web app call; it returns plain data.

Matching is exact: the text index finds the passages holding each query term through its
character grams and confirms longer terms with a substring test, so the result is what grep
would find. Filters narrow the *scope*: the passages of the chosen towns, years and
sections. A report matches when its scope holds every clause of the query and no excluded
term; its passages that hold a query term are its hits. Reports are ranked by BM25 over the
query terms (a term's frequency in a report: the passages holding it), passages by how many
terms and occurrences they hold. An unquoted term found nowhere is relaxed into its jieba
words, all of which must then appear, and the results say so.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from .analysis import words
from .errors import QueryError
from .normalize import normalize
from .query import MAX_TERMS, ParsedQuery, parse_query
from .schema import folded
from .sortedsets import difference, distinct, intersect, union
from .store import ArchiveIndex, Snapshot, stored_record
from .textindex import TextIndex
from .vocabulary import (
    CATEGORIES,
    CATEGORY_ALIASES,
    CATEGORY_BITS,
    FIRST_YEAR,
    LAST_YEAR,
    MAX_RESULTS,
    SECTION_SEPARATOR,
)

SORTS = ("relevance", "year")
BM25_K1, BM25_B = 1.2, 0.75


@dataclass(frozen=True)
class SearchRequest:
    query: str = ""
    town: str | None = None
    county: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    section: str | None = None
    sort: str = "relevance"
    limit: int = 10
    offset: int = 0
    passages_per_report: int = 3


@dataclass(frozen=True)
class PassageHit:
    text: str
    section: list[str]
    categories: list[str]
    highlights: list[tuple[int, int]]  # [start, end) offsets into `text`
    position: int  # the passage's place in its report


@dataclass(frozen=True)
class ReportHit:
    file: str
    title: str | None
    town: str | None
    county: str | None
    year: int | None
    score: float
    matched_passages: int
    passages: list[PassageHit]


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int  # matching reports


@dataclass
class SearchResults:
    total_reports: int
    total_passages: int
    facets: dict[str, list[FacetValue]]
    results: list[ReportHit]
    terms: list[str] = field(default_factory=list)
    relaxed: dict[str, list[str]] = field(default_factory=dict)  # term → the words it became

    def to_json(self) -> dict:
        """What `dataclasses.asdict` gives (same keys, order and values), built directly:
        asdict deep-copies every value, which cost more than the search on a page of
        results with a thousand facet values."""
        return {
            "total_reports": self.total_reports,
            "total_passages": self.total_passages,
            "facets": {
                name: [{"value": v.value, "count": v.count} for v in values]
                for name, values in self.facets.items()
            },
            "results": [_report_json(hit) for hit in self.results],
            "terms": list(self.terms),
            "relaxed": {term: list(words) for term, words in self.relaxed.items()},
        }


def _report_json(hit: ReportHit) -> dict:
    return {
        "file": hit.file,
        "title": hit.title,
        "town": hit.town,
        "county": hit.county,
        "year": hit.year,
        "score": hit.score,
        "matched_passages": hit.matched_passages,
        "passages": [
            {
                "text": p.text,
                "section": list(p.section),
                "categories": list(p.categories),
                "highlights": [tuple(span) for span in p.highlights],
                "position": p.position,
            }
            for p in hit.passages
        ],
    }


@dataclass(frozen=True)
class SectionFilter:
    categories: tuple[str, ...] = ()
    heading_words: str | None = None


def parse_section(value: str | None) -> SectionFilter | None:
    """A category id (problems), its Chinese name (问题不足), or words of a heading."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.lower() in CATEGORIES:
        return SectionFilter(categories=(text.lower(),))
    named = {normalize(name): key for name, key in CATEGORY_ALIASES.items()}
    named.update({normalize(name): key for key, name in CATEGORIES.items()})
    if normalize(text) in named:
        return SectionFilter(categories=(named[normalize(text)],))
    return SectionFilter(heading_words=normalize(text))


def validate(request: SearchRequest) -> None:
    if request.sort not in SORTS:
        raise QueryError(f"排序方式只能是 {' 或 '.join(SORTS)}。")
    if not 1 <= request.limit <= MAX_RESULTS:
        raise QueryError(f"每页结果数应在 1 到 {MAX_RESULTS} 之间。")
    if request.offset < 0:
        raise QueryError("结果起始位置不能为负数。")
    for year in (request.year_from, request.year_to):
        if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
            raise QueryError(f"年份 {year} 不在 {FIRST_YEAR}–{LAST_YEAR} 之间。")
    if request.year_from and request.year_to and request.year_from > request.year_to:
        raise QueryError(f"年份范围 {request.year_from}–{request.year_to} 的起止颠倒了。")


def search(archive_index: ArchiveIndex, request: SearchRequest) -> SearchResults:
    """Run one search; raises QueryError with a message for the user, IndexUnavailable."""
    parsed = parse_query(request.query)
    validate(request)
    section = parse_section(request.section)
    filtered = any([request.town, request.county, request.year_from, request.year_to, section])
    if not parsed.clauses and not filtered:
        raise QueryError("请输入要查找的词，或选择镇、县、年份、章节等筛选条件。")
    with archive_index.snapshot() as snapshot:
        run = _Search(snapshot, request, section)
        results = run.results(parsed)
        relaxed = _relaxed(parsed, run) if results.total_reports == 0 else None
        if relaxed:
            results = run.results(relaxed[0])
            results.relaxed = relaxed[1]
        return results


def _relaxed(parsed: ParsedQuery, run: _Search) -> tuple[ParsedQuery, dict] | None:
    """Unquoted terms found nowhere, split into their jieba words (all of which must appear).

    Only a term standing alone is relaxed (in an OR group its alternatives may still match).
    The relaxed query keeps the parser's limit of MAX_TERMS terms: a long term can split into
    over a hundred words, so each relaxed term keeps its longest word and the other words
    compete for the remaining places, longest first (longer words say more, and are rarer),
    then in query order. `relaxed` maps each term to the words kept, in their order.
    """
    found_nowhere = [
        clause[0]
        for clause in dict.fromkeys(parsed.clauses)
        # Two words of two characters at least: shorter terms are never split (nor is jieba
        # loaded for them).
        if len(clause) == 1
        and clause[0] not in parsed.quoted
        and len(clause[0]) >= 4
        and len(run.found(clause[0])) == 0
    ]
    candidates: dict[str, list[str]] = {}
    for term in found_nowhere:
        # Single characters (的, 是, 不) would find nearly everything: only words count.
        parts = [w for w in dict.fromkeys(words(term)) if len(w) > 1 and w != term]
        if len(parts) > 1:
            candidates[term] = parts
    if not candidates:
        return None
    relaxed = _within_limit(candidates, MAX_TERMS - len(parsed.clauses) - len(parsed.excluded))
    clauses: list[tuple[str, ...]] = []
    split: set[str] = set()
    for clause in parsed.clauses:
        if len(clause) > 1 or clause[0] not in relaxed:
            clauses.append(clause)
        elif clause[0] not in split:  # a term written twice is split once, as the limit counts
            clauses.extend((word,) for word in relaxed[clause[0]])
            split.add(clause[0])
    return ParsedQuery(clauses, parsed.excluded, parsed.quoted), relaxed


def _within_limit(candidates: dict[str, list[str]], extra: int) -> dict[str, list[str]]:
    """Each term's longest word, plus `extra` more words, longest first, in query order."""
    kept = {
        (term, max(range(len(parts)), key=lambda i, parts=parts: len(parts[i])))
        for term, parts in candidates.items()
    }
    others = [(term, i) for term, parts in candidates.items() for i in range(len(parts))]
    others.sort(key=lambda key: -len(candidates[key[0]][key[1]]))  # stable: query order
    kept.update([key for key in others if key not in kept][: max(extra, 0)])
    return {
        term: [word for i, word in enumerate(parts) if (term, i) in kept]
        for term, parts in candidates.items()
    }


class _Search:
    def __init__(
        self, snapshot: Snapshot, request: SearchRequest, section: SectionFilter | None
    ) -> None:
        self.searcher = snapshot.searcher
        self.text: TextIndex = snapshot.text
        self.request = request
        self.scope = self._scope(request, section)
        self._found: dict[str, np.ndarray] = {}
        self._reports: dict[str, np.ndarray] = {}

    def _scope(self, request: SearchRequest, section: SectionFilter | None) -> np.ndarray | None:
        """The passages the filters allow, as a mask; None when nothing is filtered."""
        text = self.text
        reports = np.ones(len(text.files), dtype=bool)
        for value, names, ids in (
            (request.town, text.towns, text.report_town),
            (request.county, text.counties, text.report_county),
        ):
            if value and value.strip():
                prefix = normalize(value.strip())
                wanted = [i for i, name in enumerate(names) if name.startswith(prefix)]
                reports &= np.isin(ids, wanted)
        if request.year_from or request.year_to:
            years = np.asarray(text.report_year)
            first, last = request.year_from or FIRST_YEAR, request.year_to or LAST_YEAR
            reports &= (years >= first) & (years <= last)
        passages = reports[text.passage_report]
        if section and section.categories:
            bits = sum(CATEGORY_BITS[name] for name in section.categories)
            passages &= (np.asarray(text.passage_cats) & bits) != 0
        if section and section.heading_words:
            passages &= np.isin(text.passage_section, text.section_ids_with(section.heading_words))
        return None if passages.all() else passages

    def found(self, term: str) -> np.ndarray:
        if term not in self._found:
            self._found[term] = self.text.containing(term, self.scope)
        return self._found[term]

    def _reports_with(self, term: str) -> np.ndarray:
        """The reports (sorted) whose scope holds `term`: passages are stored report by report."""
        if term not in self._reports:
            self._reports[term] = distinct(self.text.passage_report[self.found(term)])
        return self._reports[term]

    def results(self, parsed: ParsedQuery) -> SearchResults:
        report_of = self.text.passage_report
        if parsed.clauses:
            matched = None
            for clause in parsed.clauses:
                either = union([self._reports_with(term) for term in clause])
                matched = either if matched is None else intersect(matched, either)
            hits = union([self.found(term) for term in parsed.terms])
        else:
            hits = (
                np.flatnonzero(self.scope)
                if self.scope is not None
                else np.arange(self.text.passage_count)
            )
            matched = distinct(report_of[hits])
        for term in parsed.excluded:
            matched = difference(matched, self._reports_with(term))
        kept = np.zeros(len(self.text.files), dtype=bool)
        kept[matched] = True
        hits = hits[kept[report_of[hits]]]
        order, scores = self._ranked(parsed, matched, hits)
        page = slice(self.request.offset, self.request.offset + self.request.limit)
        return SearchResults(
            total_reports=len(matched),
            total_passages=len(hits),
            facets=self._facets(matched, hits),
            results=[
                self._report_hit(int(matched[i]), round(float(scores[i]), 4), hits, parsed.terms)
                for i in order[page]
            ],
            terms=parsed.terms,
        )

    def _ranked(
        self, parsed: ParsedQuery, matched: np.ndarray, hits: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions into `matched` in result order, and each matched report's score.

        Ties go to the report with more hits, then to the file name (reports are stored in
        name order).
        """
        scores = self._bm25(parsed.terms, matched)
        hit_counts = np.bincount(self.text.passage_report[hits], minlength=len(self.text.files))
        keys = [matched, -hit_counts[matched], -scores]
        if self.request.sort == "year" or not parsed.clauses:
            keys.append(-np.asarray(self.text.report_year, dtype=np.int32)[matched])
        return np.lexsort(keys), scores

    def _bm25(self, terms: list[str], matched: np.ndarray) -> np.ndarray:
        """BM25 of each matched report, counting a term once per passage that holds it."""
        scores = np.zeros(len(matched))
        if not terms or not len(matched):
            return scores
        report_of = self.text.passage_report
        if self.scope is not None:
            in_scope = distinct(report_of[np.flatnonzero(self.scope)])
        else:
            in_scope = np.arange(len(self.text.files))
        lengths = np.asarray(self.text.report_length, dtype=np.float64)
        average = max(lengths[in_scope].mean(), 1.0)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths[matched] / average)
        for term in terms:
            frequency = np.bincount(report_of[self.found(term)], minlength=len(lengths))[matched]
            df = len(self._reports_with(term))
            idf = math.log(1 + (len(in_scope) - df + 0.5) / (df + 0.5))
            scores += idf * frequency * (BM25_K1 + 1) / (frequency + norm)
        return scores

    def _facets(self, matched: np.ndarray, hits: np.ndarray) -> dict[str, list[FacetValue]]:
        """Each facet's values with their counts, most reports first, then by value."""
        text = self.text
        years = np.asarray(text.report_year, dtype=np.int64)[matched]
        year_counts = np.bincount(years)
        year_counts[:1] = 0  # year 0 is unknown
        cats = np.asarray(text.passage_cats)[hits]
        category_counts = np.array(
            [
                len(distinct(text.passage_report[hits[(cats & bit) != 0]]))
                for bit in CATEGORY_BITS.values()
            ],
            dtype=np.int64,
        )
        return {
            "town": _facet(
                _id_counts(text.report_town, matched, text.towns),
                text.towns,
                text.name_ranks("towns"),
            ),
            "county": _facet(
                _id_counts(text.report_county, matched, text.counties),
                text.counties,
                text.name_ranks("counties"),
            ),
            "year": _facet(year_counts, None),
            "category": _facet(category_counts, list(CATEGORY_BITS)),
        }

    def _report_hit(
        self, report: int, score: float, hits: np.ndarray, terms: list[str]
    ) -> ReportHit:
        text = self.text
        first, last = text.report_passage_start[report], text.report_passage_start[report + 1]
        own = hits[np.searchsorted(hits, first) : np.searchsorted(hits, last)].tolist()

        def rank(passage: int) -> tuple:
            norm = text.passage_text(passage)
            return (-sum(t in norm for t in terms), -sum(norm.count(t) for t in terms), passage)

        best = sorted(sorted(own, key=rank)[: self.request.passages_per_report])
        record = self._stored_record(text.files[report])
        return ReportHit(
            file=record["file"],
            title=record["title"],
            town=folded(record["town"]),
            county=folded(record["county"]),
            year=record["year"],
            score=score,
            matched_passages=len(own),
            passages=[self._passage_hit(record, p, int(p - first), terms) for p in best],
        )

    def _stored_record(self, file: str) -> dict:
        """The report's record as plain JSON: a result needs five fields and a few
        passages, not a whole typed Record."""
        return stored_record(self.searcher, file)

    def _passage_hit(
        self, record: dict, passage: int, position: int, terms: list[str]
    ) -> PassageHit:
        section = self.text.passage_section[passage]
        return PassageHit(
            text=record["passages"][position]["text"],
            section=self.text.sections[section].split(SECTION_SEPARATOR) if section >= 0 else [],
            categories=[n for n, b in CATEGORY_BITS.items() if self.text.passage_cats[passage] & b],
            highlights=highlight_spans(self.text.passage_text(passage), terms),
            position=position,
        )


def _id_counts(ids: np.ndarray, matched: np.ndarray, names: list[str]) -> np.ndarray:
    """How many matched reports have each name (-1, unknown, counts for none)."""
    chosen = np.asarray(ids)[matched]
    return np.bincount(chosen[chosen >= 0], minlength=len(names))


def _facet(
    counts: np.ndarray, names: list[str] | None, ranks: np.ndarray | None = None
) -> list[FacetValue]:
    """The values with a count (names[i], or i as a string), most first, ties by value.

    Sorted in NumPy, since a facet can have a thousand towns and this runs on every search;
    `ranks` (each name's place in sorted order) spares building an array of the names.
    """
    present = np.flatnonzero(counts).tolist()
    labels = [names[i] for i in present] if names is not None else [str(i) for i in present]
    if not labels:
        return []
    tie = ranks[present] if ranks is not None else np.array(labels)
    present_counts = counts[present]
    order = np.lexsort((tie, -present_counts)).tolist()
    numbers = present_counts.tolist()
    return [FacetValue(labels[i], numbers[i]) for i in order]


def highlight_spans(norm_text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Every occurrence of every term, overlapping ones merged, in text order."""
    spans = sorted(
        (m.start(), m.start() + len(term))
        for term in terms
        if term
        for m in re.finditer(f"(?={re.escape(term)})", norm_text)
    )
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
