"""The one search function the CLI and the web app call; it returns plain data.

Matching is exact: the text index finds the passages holding each string through its
character grams and confirms longer ones with a substring test, so what a tier holds is what
grep would find. Filters narrow the *scope*: the passages of the chosen towns, years and
sections. A query's unquoted terms are matched in tiers (query_plan.py): reports holding
every term as typed, then every topic word, then most of them; quoted phrases, OR groups and
excluded terms hold exactly in every tier. Within a tier reports are ranked by their passages'
BM25 over the query's words, with proximity, headings and the part asked for (ranking.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from .errors import QueryError
from .normalize import normalize
from .query import parse_query
from .query_plan import TIER_NAMES, QueryPlan, plan, without_absent
from .ranking import RERANKED, RERANKED_PASSAGES, Scorer, Unit, combined, idf, report_scores
from .schema import folded
from .sortedsets import distinct, union
from .store import ArchiveIndex, Snapshot, stored_record
from .suggest import nearest_phrases
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
MAX_SUGGESTED_WORDS = 3  # words absent from the archive that get suggestions
FULL_PAGE = 10  # reports: tier 3 asks for fewer words until the tiers fill a page
# A query that finds nothing is run again with its first suggestion when what it replaces is
# this long: one character off in four is a typo; in two (矫政: 行政? 矫正?) it is a guess.
CORRECTED_CHARS = 4


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
    passages: list[PassageHit]  # the best first
    tier: int | None = None  # 1 完全匹配, 2 包含全部词语, 3 包含部分词语; None without a query
    missing: list[str] = field(default_factory=list)  # topic words the report lacks (tier 3)


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int  # matching reports


@dataclass(frozen=True)
class TierCount:
    tier: int
    name: str
    reports: int
    passages: int  # tier 1: holding a term as typed; tiers 2, 3: holding a word or synonym


@dataclass
class SearchResults:
    total_reports: int
    total_passages: int
    facets: dict[str, list[FacetValue]]
    results: list[ReportHit]
    terms: list[str] = field(default_factory=list)  # every string highlighted
    tiers: list[TierCount] = field(default_factory=list)  # empty without a query
    words: list[str] = field(default_factory=list)  # the topic words of the unquoted terms
    ignored: list[str] = field(default_factory=list)  # words that decided nothing
    also_searched: dict[str, list[str]] = field(default_factory=dict)  # word → synonyms
    absent: list[str] = field(default_factory=list)  # topic words found nowhere in scope
    needed: int = 0  # topic words a report of tier 3 holds at least
    suggestions: dict[str, list[str]] = field(default_factory=dict)  # absent word → nearest
    searched_instead: str | None = None  # the query run instead, when this one found nothing

    @property
    def inexact(self) -> bool:
        """Whether some report holds the query's words but not the query as typed: only
        then are tiers worth showing."""
        return any(t.reports for t in self.tiers[1:])

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
            "tiers": [
                {"tier": t.tier, "name": t.name, "reports": t.reports, "passages": t.passages}
                for t in self.tiers
            ],
            "words": list(self.words),
            "ignored": list(self.ignored),
            "also_searched": {word: list(alts) for word, alts in self.also_searched.items()},
            "absent": list(self.absent),
            "needed": self.needed,
            "suggestions": {word: list(near) for word, near in self.suggestions.items()},
            "searched_instead": self.searched_instead,
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
        "tier": hit.tier,
        "missing": list(hit.missing),
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
        results = _Search(snapshot, request, section).results(plan(parsed))
        subject, nearest = next(iter(results.suggestions.items()), ("", []))
        if results.total_reports or len(subject) < CORRECTED_CHARS:
            return results
        # Nothing at all, but a near form occurs: search that instead, and say so.
        instead = replace(request, query=with_replaced(request.query, subject, nearest[0]))
        corrected = _Search(snapshot, instead, section).results(plan(parse_query(instead.query)))
        if not corrected.total_reports:
            return results
        corrected.searched_instead = instead.query
        corrected.absent, corrected.suggestions = results.absent, results.suggestions
        return corrected


def with_replaced(query: str, subject: str, near: str) -> str:
    """The query as typed with `subject` (normalized, as suggestions are keyed) replaced by
    `near`: normalization keeps every offset, so the rest stays as the user wrote it."""
    at = normalize(query).find(subject)
    return query if at < 0 else query[:at] + near + query[at + len(subject) :]


class _Search:
    def __init__(
        self, snapshot: Snapshot, request: SearchRequest, section: SectionFilter | None
    ) -> None:
        self.searcher = snapshot.searcher
        self.text: TextIndex = snapshot.text
        self.request = request
        self.scope = self._scope(request, section)
        # the same passages as sorted ids, for the steps that walk them rather than mask
        self.in_scope = None if self.scope is None else np.flatnonzero(self.scope)
        # by form, and by the forms asked for together: a word's forms are asked for again
        # and again (tiers, hits, scoring), and their union costs a pass over the passages
        self._found: dict[tuple[str, ...], np.ndarray] = {}
        self._reports: dict[tuple[str, ...], np.ndarray] = {}

    def _scope(self, request: SearchRequest, section: SectionFilter | None) -> np.ndarray | None:
        """The passages the filters allow, as a mask; None when nothing is filtered."""
        text = self.text
        places = [
            (normalize(value.strip()), names, ids)
            for value, names, ids in (
                (request.town, text.towns, text.report_town),
                (request.county, text.counties, text.report_county),
            )
            if value and value.strip()
        ]
        dated = bool(request.year_from or request.year_to)
        if not (places or dated or section):
            return None  # spares a pass over every passage (1.6 million at 100,000 reports)
        reports = np.ones(len(text.files), dtype=bool)
        for prefix, names, ids in places:
            wanted = [i for i, name in enumerate(names) if name.startswith(prefix)]
            reports &= np.isin(ids, wanted)
        if dated:
            years = np.asarray(text.report_year)
            first, last = request.year_from or FIRST_YEAR, request.year_to or LAST_YEAR
            reports &= (years >= first) & (years <= last)
        passages = reports[text.passage_report]
        if section and section.categories:
            bits = sum(CATEGORY_BITS[name] for name in section.categories)
            passages &= (np.asarray(text.passage_cats) & bits) != 0
        if section and section.heading_words:
            # a table over the sections (its last entry for -1, none) rather than np.isin,
            # which sorts the 1.6 million passages' sections at 100,000 reports
            chosen = np.zeros(text.section_count + 1, dtype=bool)
            chosen[text.section_ids_with(section.heading_words)] = True
            passages &= chosen[text.passage_section]
        return None if passages.all() else passages

    def found(self, *forms: str) -> np.ndarray:
        """The passages in scope (sorted) holding any of `forms`."""
        if forms not in self._found:
            for form in forms:
                if (form,) not in self._found:
                    self._found[form,] = self.text.containing(form, self.scope)
            found = [self._found[form,] for form in dict.fromkeys(forms)]
            self._found[forms] = union(found, self.text.passage_count)
        return self._found[forms]

    def _reports_with(self, *forms: str) -> np.ndarray:
        """The reports (sorted) whose scope holds any of `forms`: passages are stored report
        by report, so a passage list maps to a sorted report list."""
        if forms not in self._reports:
            for form in forms:
                if (form,) not in self._reports:
                    self._reports[form,] = distinct(self.text.passage_report[self.found(form)])
            found = [self._reports[form,] for form in dict.fromkeys(forms)]
            self._reports[forms] = union(found, len(self.text.files))
        return self._reports[forms]

    def results(self, query: QueryPlan) -> SearchResults:
        absent = [w.text for w in query.words if not len(self._reports_with(*w.forms))]
        contexts = [w.context for w in query.words if w.text in absent]
        if absent:
            query = without_absent(query, absent)
        tiers, needed = self._tiers(query)
        tier_of = np.zeros(len(self.text.files), dtype=np.int8)
        for number, reports in enumerate(tiers, 1):
            tier_of[reports] = number
        matched = union(tiers, len(self.text.files))
        exact, loose = self._hits(query, tier_of)
        hits = _merged(exact, loose)
        scorer = self._scorer(query)
        ranked = _Ranked(hits, scorer.base(hits), self.text.passage_report[hits])
        order, scores = self._ranked(query, scorer, matched, tier_of, ranked)
        page = order[self.request.offset : self.request.offset + self.request.limit]
        words = [(w.text, self._reports_with(*w.forms)) for w in query.words]
        return SearchResults(
            total_reports=len(matched),
            total_passages=len(hits),
            facets=self._facets(matched, ranked),
            results=[
                self._report_hit(
                    int(matched[i]),
                    round(float(scores[i]), 4),
                    int(tier_of[matched[i]]) if query.required or query.free else None,
                    ranked,
                    scorer,
                    query,
                    [text for text, reports in words if not _holds(reports, matched[i])],
                )
                for i in page
            ],
            terms=query.highlighted,
            tiers=self._tier_counts(query, tiers, tier_of, ranked),
            words=[w.text for w in query.words],
            ignored=query.ignored,
            also_searched=query.also_searched,
            absent=absent,
            needed=needed,
            suggestions=self._suggestions(query, contexts),
        )

    def _tiers(self, query: QueryPlan) -> tuple[list[np.ndarray], int]:
        """The reports of each tier (sorted), and the words tier 3 asks for; one list,
        every report in scope that no excluded term rules out, without a query."""
        report_of = self.text.passage_report
        allowed = np.zeros(len(self.text.files), dtype=bool)
        if self.in_scope is None:
            allowed[:] = True
        else:  # a report with no passage in scope is not a result
            allowed[report_of[self.in_scope]] = True
        for term in query.excluded:
            allowed[self._reports_with(term)] = False
        if not query.required and not query.free:
            return [np.flatnonzero(allowed)], 0
        for clause in query.required:
            holds = np.zeros_like(allowed)
            holds[self._reports_with(*clause)] = True
            allowed &= holds
        exact = allowed.copy()
        for term in query.free:
            holds = np.zeros_like(allowed)
            holds[self._reports_with(term)] = True
            exact &= holds
        if not query.tiered:
            return [np.flatnonzero(exact)], 0
        counts = np.zeros(len(allowed), dtype=np.int32)
        for word in query.words:
            counts[self._reports_with(*word.forms)] += 1
        counts[~allowed | exact] = 0
        all_words = counts == len(query.words)
        needed = query.needed
        # A thin page lowers the bar one word at a time, down to one word.
        while needed > 1 and exact.sum() + (counts >= needed).sum() < FULL_PAGE:
            needed -= 1
        most = (counts >= needed) & ~all_words
        tiers = [np.flatnonzero(exact), np.flatnonzero(all_words), np.flatnonzero(most)]
        return tiers, needed

    def _hits(self, query: QueryPlan, tier_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The passages shown and counted: in reports of tier 1 those holding a term as
        typed (what grep finds), in tiers 2 and 3 those holding a word or a synonym."""
        report_of = self.text.passage_report
        required = [term for clause in query.required for term in clause]
        if not query.required and not query.free:
            exact = (
                self.in_scope if self.in_scope is not None else np.arange(self.text.passage_count)
            )
            return exact[tier_of[report_of[exact]] == 1], exact[:0]
        exact = self.found(*query.typed)
        # Tier 1's reports hold a term as typed: when they are all the reports that do, every
        # such passage is in one (a lone term, no exclusion) and none need be looked at.
        if np.count_nonzero(tier_of == 1) < len(self._reports_with(*query.typed)):
            exact = exact[tier_of[report_of[exact]] == 1]
        if not query.tiered or not np.any(tier_of > 1):
            return exact, exact[:0]
        forms = [form for word in query.words for form in word.forms]
        loose = self.found(*required, *forms)
        return exact, loose[tier_of[report_of[loose]] > 1]

    def _scorer(self, query: QueryPlan) -> Scorer:
        text = self.text
        if self.in_scope is not None:
            in_scope = self.in_scope
            total = len(in_scope)
            lengths = text.passage_start[in_scope + 1] - text.passage_start[in_scope] - 1
            average = float(lengths.mean()) if total else 1.0
        else:
            total = text.passage_count
            average = text.average_length
        units = [tuple(clause) for clause in query.required]
        units += [w.forms for w in query.words]
        units += [(term,) for term in query.free if (term,) not in units]
        bits = sum(CATEGORY_BITS[name] for name in query.categories)
        return Scorer(
            text,
            [
                Unit(forms, self.found(*forms), idf(len(self.found(*forms)), total))
                for forms in units
            ],
            total,
            average,
            bits,
        )

    def _ranked(
        self,
        query: QueryPlan,
        scorer: Scorer,
        matched: np.ndarray,
        tier_of: np.ndarray,
        hits: _Ranked,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Positions into `matched` of the first offset + limit reports in result order, and
        each matched report's score.

        Tiers first; within a tier, the score (or the year, newest first, when sorting by
        year), then the report with more hits, then the file name (by its rank: report ids
        follow the text index's segments). The first RERANKED reports are scored again on
        their passages' text. Only the reports that can reach the page are sorted
        (`_first`): a sort of every matched report cost more than the rest of a search.
        """
        scores = np.zeros(len(matched))
        hit_counts = np.zeros(len(matched), dtype=np.int64)
        at = np.searchsorted(matched, hits.reports)
        scores[at] = report_scores(hits.base, hits.starts)
        hit_counts[at] = np.diff(hits.starts)
        tiers = tier_of[matched]
        by_year = self.request.sort == "year" or not (query.required or query.free)
        ints = [tiers]
        if by_year:
            ints.append(-np.asarray(self.text.report_year, dtype=np.int64)[matched])
        names = self.text.file_ranks()[matched]
        shown = self.request.offset + self.request.limit
        if by_year or not len(hits.passages):
            return _first(ints, scores, -hit_counts, names, shown), scores
        # The reranked reports can only move among themselves and the next `shown`.
        first = _first(ints, scores, -hit_counts, names, shown + RERANKED)
        for i in first[:RERANKED]:
            best = hits.best(int(matched[i]), RERANKED_PASSAGES)
            scores[i] = combined([scorer.full(p) for p in best])
        again = np.lexsort([names[first], -hit_counts[first], -scores[first], tiers[first]])
        return first[again[:shown]], scores

    def _tier_counts(
        self, query: QueryPlan, tiers: list[np.ndarray], tier_of: np.ndarray, hits: _Ranked
    ) -> list[TierCount]:
        """Each tier's reports and passages: the hits of a tier's reports are its passages
        (tier 1's hold a term as typed, the others' a word), so they are counted report by
        report from the hits' runs, not passage by passage."""
        if not query.required and not query.free:
            return []
        passages = np.bincount(
            tier_of[hits.reports], weights=np.diff(hits.starts), minlength=len(tiers) + 1
        )
        return [
            TierCount(number, TIER_NAMES[number], len(reports), int(passages[number]))
            for number, reports in enumerate(tiers, 1)
        ]

    def _suggestions(self, query: QueryPlan, contexts: list[str]) -> dict[str, list[str]]:
        """The archive's nearest strings (行政复议) for what occurs nowhere: a short term
        jieba could not cut into words, as a whole (扫黑除饿), and each word found nowhere in
        its context (行政复意), keyed by the string of the query they would replace."""
        subjects = [term for term in query.fragmented if not len(self._reports_with(term))]
        subjects += [c for c in contexts if not any(c in term for term in subjects)]
        return {
            subject: found
            for subject in list(dict.fromkeys(subjects))[:MAX_SUGGESTED_WORDS]
            if (found := nearest_phrases(self.text, subject))
        }

    def _facets(self, matched: np.ndarray, hits: _Ranked) -> dict[str, list[FacetValue]]:
        """Each facet's values with their counts, most reports first, then by value."""
        text = self.text
        years = np.asarray(text.report_year, dtype=np.int64)[matched]
        year_counts = np.bincount(years)
        year_counts[:1] = 0  # year 0 is unknown
        # A report counts for a category when one of its hits lies in it: OR the hits'
        # masks report by report (each report's hits are a run), once.
        passages = hits.passages
        cats = text.passage_cats[passages]
        masks = np.bitwise_or.reduceat(cats, hits.starts[:-1]) if len(passages) else cats
        category_counts = np.array(
            [np.count_nonzero(masks & bit) for bit in CATEGORY_BITS.values()], dtype=np.int64
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
        self,
        report: int,
        score: float,
        tier: int | None,
        hits: _Ranked,
        scorer: Scorer,
        query: QueryPlan,
        missing: list[str],
    ) -> ReportHit:
        """A result: its best passages first (scored on their text); a report of tier 1 is
        marked where it holds the query as typed, others where they hold its words."""
        shown = self.request.passages_per_report
        candidates = hits.best(report, max(shown, RERANKED_PASSAGES))
        best = sorted(candidates, key=lambda p: (-scorer.full(p), p))[:shown]
        first = self.text.report_passage_start[report]
        marked = query.typed if tier == 1 else query.highlighted
        record = stored_record(self.searcher, self.text.files[report])
        return ReportHit(
            file=record["file"],
            title=record["title"],
            town=folded(record["town"]),
            county=folded(record["county"]),
            year=record["year"],
            score=score,
            matched_passages=hits.count(report),
            passages=[self._passage_hit(record, p, int(p - first), marked) for p in best],
            tier=tier,
            missing=missing,
        )

    def _passage_hit(
        self, record: dict, passage: int, position: int, terms: list[str]
    ) -> PassageHit:
        section = self.text.passage_section[passage]
        return PassageHit(
            text=record["passages"][position]["text"],
            section=self.text.section(section).split(SECTION_SEPARATOR) if section >= 0 else [],
            categories=[n for n, b in CATEGORY_BITS.items() if self.text.passage_cats[passage] & b],
            highlights=highlight_spans(self.text.passage_text(passage), terms),
            position=position,
        )


class _Ranked:
    """The hits (sorted passages) with their scores from the postings, by report: hits are
    stored report by report, so each report's are a run, from `starts[i]` to `starts[i + 1]`
    for `reports[i]`."""

    def __init__(self, passages: np.ndarray, base: np.ndarray, report_of: np.ndarray):
        self.passages = passages
        self.base = base
        bounds = np.flatnonzero(report_of[1:] != report_of[:-1]) + 1
        self.starts = np.concatenate(([0], bounds, [len(passages)])) if len(passages) else [0]
        self.starts = np.asarray(self.starts, dtype=np.int64)
        self.reports = report_of[self.starts[:-1]]

    def _span(self, report: int) -> tuple[int, int]:
        at = int(np.searchsorted(self.reports, report))
        if at == len(self.reports) or self.reports[at] != report:
            return 0, 0
        return int(self.starts[at]), int(self.starts[at + 1])

    def count(self, report: int) -> int:
        begin, end = self._span(report)
        return end - begin

    def best(self, report: int, count: int) -> list[int]:
        """The report's `count` hits with the best scores from the postings."""
        begin, end = self._span(report)
        if end - begin <= count:
            return self.passages[begin:end].tolist()
        top = np.argsort(-self.base[begin:end], kind="stable")[:count]
        return self.passages[begin:end][top].tolist()


def _first(
    ints: list[np.ndarray],
    scores: np.ndarray,
    fewer_hits: np.ndarray,
    names: np.ndarray,
    count: int,
) -> np.ndarray:
    """The positions of the `count` first reports ordered by `ints` (tier, maybe year), the
    score (highest first), `fewer_hits`, then `names`: what np.lexsort of them all gives.

    A coarse key, monotone in that order (the ints folded into one, then the score), picks
    the candidates in linear time: every report whose coarse key is at most the count-th
    smallest, ties included; only those are sorted on the exact keys.
    """
    chosen = np.arange(len(names))
    if count < len(names):
        coarse = np.zeros(len(names), dtype=np.int64)
        for key in ints:
            low = int(key.min())
            coarse = coarse * (int(key.max()) - low + 1) + (key - low)
        high = float(scores.max())
        ordered = coarse * (high - float(scores.min()) + 1) + (high - scores)
        chosen = np.flatnonzero(ordered <= np.partition(ordered, count - 1)[count - 1])
    keys = [names[chosen], fewer_hits[chosen], -scores[chosen], *(k[chosen] for k in ints[::-1])]
    return chosen[np.lexsort(keys)[:count]]


def _merged(exact: np.ndarray, loose: np.ndarray) -> np.ndarray:
    """The hits, sorted: tier 1's and the other tiers' lie in different reports, so the two
    sorted lists never share a passage, and a stable sort merges the two runs it finds in
    linear time (a union would sort and look for duplicates)."""
    if not len(loose):
        return exact
    hits = np.concatenate([exact, loose])
    hits.sort(kind="stable")
    return hits


def _holds(reports: np.ndarray, report: int) -> bool:
    at = np.searchsorted(reports, report)
    return bool(at < len(reports) and reports[at] == report)


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
    present = np.flatnonzero(counts)
    if not len(present):
        return []
    labels = names if names is not None else {i: str(i) for i in present.tolist()}
    tie = ranks[present] if ranks is not None else np.array([labels[i] for i in present.tolist()])
    ordered = present[np.lexsort((tie, -counts[present]))].tolist()
    numbers = counts[ordered].tolist()
    return [FacetValue(labels[i], n) for i, n in zip(ordered, numbers, strict=True)]


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
