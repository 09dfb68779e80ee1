"""The one search function the CLI and the web app call; it returns plain data.

Matching is exact: each query term finds its candidate passages through the index's
character grams (a passage holding every pair of a term's characters), and a term longer
than two characters is then confirmed with a substring test on the passage's text, so the
result is what grep would find, whatever jieba makes of the sentence. Filters narrow the
*scope*: the passages of the chosen towns, years and sections. A report matches when its
scope holds every clause of the query and no excluded term; its passages that hold a
query term are its hits. Reports are ranked by BM25 on their jieba words (Whoosh's scorer),
their passages by how many query terms and occurrences they hold.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

from whoosh import query as wq
from whoosh.searching import Searcher

from .analysis import words
from .categories import ALIASES
from .normalize import normalize
from .query import ParsedQuery, QueryError, parse_query
from .records import CATEGORIES
from .store import ArchiveIndex

SORTS = ("relevance", "year")
MAX_LIMIT = 100
MAX_CANDIDATE_GRAMS = 6
FACET_FIELDS = ("town", "county", "year", "category")


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

    def to_json(self) -> dict:
        return asdict(self)


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
    named = {normalize(name): key for name, key in ALIASES.items()}
    named.update({normalize(name): key for key, name in CATEGORIES.items()})
    if normalize(text) in named:
        return SectionFilter(categories=(named[normalize(text)],))
    return SectionFilter(heading_words=normalize(text))


def validate(request: SearchRequest) -> None:
    if request.sort not in SORTS:
        raise QueryError(f"排序方式只能是 {' 或 '.join(SORTS)}。")
    if not 1 <= request.limit <= MAX_LIMIT:
        raise QueryError(f"每页结果数应在 1 到 {MAX_LIMIT} 之间。")
    if request.offset < 0:
        raise QueryError("结果起始位置不能为负数。")
    for year in (request.year_from, request.year_to):
        if year is not None and not 1900 <= year <= 2100:
            raise QueryError(f"年份 {year} 不在 1900–2100 之间。")
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
    with archive_index.searcher() as searcher:
        return _Search(searcher, parsed, request, section).run()


class _Search:
    def __init__(
        self,
        searcher: Searcher,
        parsed: ParsedQuery,
        request: SearchRequest,
        section: SectionFilter | None,
    ) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.parsed = parsed
        self.request = request
        self.section = section
        self._texts: dict[int, str] = {}
        self._scope_query = wq.And([wq.Term("kind", "passage"), *self._filters()])
        self._scope: set[int] | None = None

    def _filters(self) -> list[wq.Query]:
        request, filters = self.request, []
        if request.town:
            filters.append(wq.Prefix("town", normalize(request.town.strip())))
        if request.county:
            filters.append(wq.Prefix("county", normalize(request.county.strip())))
        if request.year_from or request.year_to:
            filters.append(wq.NumericRange("year", request.year_from, request.year_to))
        if self.section and self.section.categories:
            filters.append(wq.Or([wq.Term("categories", c) for c in self.section.categories]))
        if self.section and self.section.heading_words:
            filters.append(_gram_query("section_grams", self.section.heading_words, self.reader))
        return filters

    def scope(self) -> set[int]:
        """Every passage the filters allow (computed only for filter-only searches)."""
        if self._scope is None:
            self._scope = self._confirmed(set(self.searcher.docs_for_query(self._scope_query)))
        return self._scope

    def _confirmed(self, docnums: set[int]) -> set[int]:
        words_ = self.section.heading_words if self.section else None
        if not words_ or len(words_) <= 2:
            return docnums
        return {
            d
            for d in docnums
            if words_ in normalize("\n".join(self.searcher.stored_fields(d)["section"]))
        }

    def exact(self, term: str) -> set[int]:
        """The passages in scope that contain `term`, exactly."""
        candidates = wq.And([self._scope_query, _gram_query("grams", term, self.reader)])
        docnums = self._confirmed(set(self.searcher.docs_for_query(candidates)))
        if len(term) <= 2:  # grams hold every 1- and 2-character string: nothing to confirm
            return docnums
        return {d for d in docnums if term in self.text(d)}

    def text(self, docnum: int) -> str:
        if docnum not in self._texts:
            self._texts[docnum] = normalize(self.searcher.stored_fields(docnum)["text"])
        return self._texts[docnum]

    def run(self) -> SearchResults:
        files = self.reader.column_reader("file")
        found = {term: self.exact(term) for term in [*self.parsed.terms, *self.parsed.excluded]}
        hits_by_report: dict[str, set[int]] = defaultdict(set)
        if self.parsed.clauses:
            terms_by_report: dict[str, set[str]] = defaultdict(set)
            for term in self.parsed.terms:
                for docnum in found[term]:
                    hits_by_report[files[docnum]].add(docnum)
                    terms_by_report[files[docnum]].add(term)
            matched = {
                file
                for file, present in terms_by_report.items()
                if all(any(t in present for t in clause) for clause in self.parsed.clauses)
            }
        else:
            for docnum in self.scope():
                hits_by_report[files[docnum]].add(docnum)
            matched = set(hits_by_report)
        excluded = {files[d] for term in self.parsed.excluded for d in found[term]}
        matched -= excluded
        hits = {file: hits_by_report[file] for file in matched}
        ranked = self._rank(hits)
        page = ranked[self.request.offset : self.request.offset + self.request.limit]
        return SearchResults(
            total_reports=len(hits),
            total_passages=sum(len(d) for d in hits.values()),
            facets=self._facets(hits),
            results=[self._report_hit(file, score, hits[file]) for file, score in page],
            terms=self.parsed.terms,
        )

    def _scores(self, files: set[str]) -> dict[str, float]:
        """BM25 of each report's jieba words against the query's words."""
        query_words = {w for term in self.parsed.terms for w in words(term)}
        if not query_words or not files:
            return {}
        column = self.reader.column_reader("file")
        any_word = wq.Or([wq.Term("words", w) for w in query_words])
        query = wq.And([wq.Term("kind", "report"), any_word])
        results = self.searcher.search(query, limit=None)
        scores = {}
        for rank in range(results.scored_length()):
            file = column[results.docnum(rank)]
            if file in files:
                scores[file] = results.score(rank)
        return scores

    def _rank(self, hits: dict[str, set[int]]) -> list[tuple[str, float]]:
        scores = self._scores(set(hits))
        years = self.reader.column_reader("year")
        year_of = {file: known_year(years[min(docnums)]) for file, docnums in hits.items()}

        def relevance(file: str) -> tuple:
            return (-scores.get(file, 0.0), -len(hits[file]), file)

        if self.request.sort == "year" or not self.parsed.clauses:
            order = sorted(hits, key=lambda f: (-(year_of[f] or 0), *relevance(f)))
        else:
            order = sorted(hits, key=relevance)
        return [(file, round(scores.get(file, 0.0), 4)) for file in order]

    def _facets(self, hits: dict[str, set[int]]) -> dict[str, list[FacetValue]]:
        counts: dict[str, Counter] = {name: Counter() for name in FACET_FIELDS}
        columns = {name: self.reader.column_reader(name) for name in ("town", "county", "year")}
        categories = self.reader.column_reader("category_key")
        for docnums in hits.values():
            first = min(docnums)
            for name, column in columns.items():
                value = known_year(column[first]) if name == "year" else column[first]
                if value:
                    counts[name][str(value)] += 1
            counts["category"].update({c for d in docnums for c in categories[d].split(",") if c})
        return {
            name: [
                FacetValue(value, count)
                for value, count in sorted(counter.items(), key=lambda item: (-item[1], item[0]))
            ]
            for name, counter in counts.items()
        }

    def _report_hit(self, file: str, score: float, docnums: set[int]) -> ReportHit:
        terms = self.parsed.terms

        def passage_rank(docnum: int) -> tuple:
            text = self.text(docnum) if terms else ""
            present = sum(term in text for term in terms)
            return (-present, -sum(text.count(term) for term in terms), docnum)

        best = sorted(docnums, key=passage_rank)[: self.request.passages_per_report]
        report = self.searcher.document(kind="report", file=file) or {}
        return ReportHit(
            file=file,
            title=report.get("title"),
            town=report.get("town"),
            county=report.get("county"),
            year=report.get("year"),
            score=score,
            matched_passages=len(docnums),
            passages=[self._passage_hit(docnum) for docnum in sorted(best)],
        )

    def _passage_hit(self, docnum: int) -> PassageHit:
        stored = self.searcher.stored_fields(docnum)
        return PassageHit(
            text=stored["text"],
            section=list(stored["section"]),
            categories=self.reader.column_reader("category_key")[docnum].split(","),
            highlights=highlight_spans(self.text(docnum), self.parsed.terms),
            position=stored["position"],
        )


def known_year(value: int) -> int | None:
    """A year column's value; a report without a year reads as the column's default."""
    return value if 1900 <= value <= 2100 else None


def _gram_query(field_name: str, term: str, reader) -> wq.Query:
    """Candidates for `term`: passages holding its character (or its rarest pairs)."""
    if len(term) == 1:
        return wq.Term(field_name, term)
    pairs = sorted(
        {term[i : i + 2] for i in range(len(term) - 1)},
        key=lambda gram: reader.doc_frequency(field_name, gram),
    )
    return wq.And([wq.Term(field_name, gram) for gram in pairs[:MAX_CANDIDATE_GRAMS]])


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
