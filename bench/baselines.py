"""The two baselines the product is measured against, on the same extracted passages.

- `scan`: every normalized passage text in a Python list, each query term found with `in`.
  It implements the product's documented semantics exactly (README, "Searching"), so it is
  the reference the other systems' result counts are compared with.
- `fts5`: SQLite FTS5 with the trigram tokenizer, one row per passage (normalized text plus
  unindexed file, position, town, county, year and category columns for filters). A term is
  matched as a quoted phrase; AND/OR/NOT work per passage, not per report as in the product;
  terms under three characters find nothing (a property of the trigram tokenizer).
- `fts5+like`: the same database, with terms under three characters found by `instr()` over
  every row in scope instead: what an FTS5 deployment would need to answer them at all.

Each system does the work the product's search does: counts, town and year facets, and the
top ten reports with their best three passages and highlights (`snippet()` for FTS5).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from indexer.query import ParsedQuery
from indexer.vocabulary import CATEGORY_BITS, FIRST_YEAR, LAST_YEAR

from .queries import Query

TOP_REPORTS, TOP_PASSAGES = 10, 3
MIN_TRIGRAM = 3


@dataclass
class Report:
    """A report as every system reads it: normalized metadata and passage texts."""

    file: str
    town: str | None
    county: str | None
    year: int | None
    passages: list[str]  # normalized
    cats: list[int]  # category bits per passage


def outcome(reports: int, passages: int, facets: dict, top: list) -> dict:
    return {"reports": reports, "passages": passages, "facets": facets, "top": top}


def highlight_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    spans = []
    for term in terms:
        start = text.find(term)
        while start >= 0:
            spans.append((start, start + len(term)))
            start = text.find(term, start + 1)
    return sorted(spans)


# ---------------------------------------------------------------------------------------------
# Substring scan: the reference.


class ScanIndex:
    def __init__(self, reports: list[Report]) -> None:
        self.texts: list[str] = []
        self.report_of: list[int] = []
        self.position: list[int] = []
        self.cats: list[int] = []
        self.files = [r.file for r in reports]
        self.towns = [r.town for r in reports]
        self.years = [r.year for r in reports]
        for index, report in enumerate(reports):
            self.texts.extend(report.passages)
            self.report_of.extend([index] * len(report.passages))
            self.position.extend(range(len(report.passages)))
            self.cats.extend(report.cats)

    def _scope(self, query: Query) -> list[int] | range:
        """The passage ids the filters allow (the same rules as the product's)."""
        reports = set(range(len(self.files)))
        if query.town:
            reports = {r for r in reports if self.towns[r] and self.towns[r].startswith(query.town)}
        if query.year_from or query.year_to:
            low, high = query.year_from or FIRST_YEAR, query.year_to or LAST_YEAR
            reports = {r for r in reports if self.years[r] and low <= self.years[r] <= high}
        if not (query.town or query.year_from or query.year_to or query.section):
            return range(len(self.texts))
        bits = CATEGORY_BITS[query.section] if query.section else 0
        return [
            i
            for i, report in enumerate(self.report_of)
            if report in reports and (not bits or self.cats[i] & bits)
        ]

    def search(self, query: Query, parsed: ParsedQuery) -> dict:
        scope = self._scope(query)
        texts, report_of = self.texts, self.report_of
        found = {term: [i for i in scope if term in texts[i]] for term in parsed.terms}
        if parsed.clauses:
            matched: set[int] | None = None
            for clause in parsed.clauses:
                either = {report_of[i] for term in clause for i in found[term]}
                matched = either if matched is None else matched & either
            hits = {i for term in parsed.terms for i in found[term]}
        else:
            hits = set(scope)
            matched = {report_of[i] for i in hits}
        for term in parsed.excluded:
            matched -= {report_of[i] for i in scope if term in texts[i]}
        hits = sorted(i for i in hits if report_of[i] in matched)
        facets = {
            "town": Counter(self.towns[r] for r in matched if self.towns[r]),
            "year": Counter(str(self.years[r]) for r in matched if self.years[r]),
        }
        per_report: dict[int, list[int]] = {}
        for i in hits:
            per_report.setdefault(report_of[i], []).append(i)
        ranked = sorted(matched, key=lambda r: (-len(per_report.get(r, ())), self.files[r]))
        top = [self._top_passages(r, per_report.get(r, []), parsed.terms) for r in ranked[:10]]
        return outcome(len(matched), len(hits), {k: dict(v) for k, v in facets.items()}, top)

    def _top_passages(self, report: int, hits: list[int], terms: list[str]) -> dict:
        def rank(i: int) -> tuple:
            text = self.texts[i]
            return (-sum(t in text for t in terms), -sum(text.count(t) for t in terms), i)

        best = sorted(sorted(hits, key=rank)[:TOP_PASSAGES])
        return {
            "file": self.files[report],
            "passages": [[self.position[i], highlight_spans(self.texts[i], terms)] for i in best],
        }

    def text_bytes(self) -> int:
        """What the passage texts take in memory, as Python strings."""
        import sys

        return sum(sys.getsizeof(t) for t in self.texts)


# ---------------------------------------------------------------------------------------------
# SQLite FTS5, trigram tokenizer.

_CREATE = (
    "CREATE VIRTUAL TABLE passages USING fts5(text, file UNINDEXED, position UNINDEXED, "
    "town UNINDEXED, county UNINDEXED, year UNINDEXED, cats UNINDEXED, "
    "tokenize='trigram case_sensitive 1')"
)


def fts5_available() -> str | None:
    """Why FTS5 with the trigram tokenizer cannot be used here, or None when it can."""
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return f"SQLite {sqlite3.sqlite_version} is older than 3.34 (no trigram tokenizer)"
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute(_CREATE)
    except sqlite3.OperationalError as error:
        return f"FTS5 trigram tokenizer unavailable: {error}"
    finally:
        connection.close()
    return None


def build_fts5(db: Path, reports: list[Report]) -> None:
    """One row per passage (text normalized by the product's normalize, via `Report`)."""
    for stale in (db, db.with_name(db.name + "-journal")):
        stale.unlink(missing_ok=True)
    connection = sqlite3.connect(db)
    try:
        with connection:
            connection.execute(_CREATE)
            connection.executemany(
                "INSERT INTO passages(text, file, position, town, county, year, cats) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (text, r.file, position, r.town, r.county, r.year, cats)
                    for r in reports
                    for position, (text, cats) in enumerate(zip(r.passages, r.cats, strict=True))
                ),
            )
            connection.execute("INSERT INTO passages(passages) VALUES ('optimize')")
    finally:
        connection.close()


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _term_condition(term: str) -> tuple[str, str]:
    """fts5+like: a short term by instr() over the rows, a longer one by its own MATCH."""
    if len(term) < MIN_TRIGRAM:
        return "instr(text, ?) > 0", term
    return "rowid IN (SELECT rowid FROM passages WHERE passages MATCH ?)", _phrase(term)


class Fts5Index:
    """Queries on a database `build_fts5` wrote; `like=True` is the fts5+like variant."""

    def __init__(self, db: Path, like: bool = False) -> None:
        self.connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        self.like = like

    def close(self) -> None:
        self.connection.close()

    def _where(self, query: Query, parsed: ParsedQuery) -> tuple[list[str], list, bool]:
        """SQL conditions, their parameters, and whether the first one is a MATCH."""
        conditions: list[str] = []
        params: list = []
        short = self.like and any(len(t) < MIN_TRIGRAM for t in parsed.terms + parsed.excluded)
        if parsed.clauses and not short:
            expression = " AND ".join(
                "(" + " OR ".join(_phrase(t) for t in clause) + ")" for clause in parsed.clauses
            )
            for term in parsed.excluded:
                expression = f"({expression}) NOT {_phrase(term)}"
            conditions.append("passages MATCH ?")
            params.append(expression)
        elif short:
            for clause in parsed.clauses:
                either = [_term_condition(term) for term in clause]
                conditions.append("(" + " OR ".join(sql for sql, _ in either) + ")")
                params += [param for _, param in either]
            for term in parsed.excluded:
                sql, param = _term_condition(term)
                conditions.append(f"NOT {sql}")
                params.append(param)
        if query.town:
            conditions.append("substr(town, 1, ?) = ?")
            params += [len(query.town), query.town]
        if query.year_from or query.year_to:
            conditions.append("year BETWEEN ? AND ?")
            params += [query.year_from or FIRST_YEAR, query.year_to or LAST_YEAR]
        if query.section:
            conditions.append("(cats & ?) != 0")
            params.append(CATEGORY_BITS[query.section])
        matching = bool(conditions) and conditions[0] == "passages MATCH ?"
        return conditions or ["1"], params, matching

    def search(self, query: Query, parsed: ParsedQuery) -> dict:
        conditions, params, matching = self._where(query, parsed)
        where = " AND ".join(conditions)
        run = self.connection.execute
        passages, reports = run(
            f"SELECT COUNT(*), COUNT(DISTINCT file) FROM passages WHERE {where}", params
        ).fetchone()
        facets = {
            name: {
                str(value): count
                for value, count in run(
                    f"SELECT {name}, COUNT(DISTINCT file) FROM passages WHERE {where} "
                    f"AND {name} IS NOT NULL GROUP BY {name}",
                    params,
                )
            }
            for name in ("town", "year")
        }
        order = "SUM(rank), file" if matching else "COUNT(*) DESC, file"
        files = [
            row[0]
            for row in run(
                f"SELECT file FROM passages WHERE {where} GROUP BY file ORDER BY {order} "
                f"LIMIT {TOP_REPORTS}",
                params,
            )
        ]
        return outcome(reports, passages, facets, self._top(files, where, params, matching, parsed))

    def _top(self, files: list[str], where: str, params: list, matching: bool, parsed) -> list:
        if not files:
            return []
        marks = ",".join("?" * len(files))
        if matching:
            sql = (
                "SELECT file, position, snippet(passages, 0, '[', ']', '…', 16) FROM passages "
                f"WHERE {where} AND file IN ({marks}) ORDER BY rank"
            )
        else:
            sql = (
                f"SELECT file, position, text FROM passages WHERE {where} "
                f"AND file IN ({marks}) ORDER BY position"
            )
        best: dict[str, list] = {file: [] for file in files}
        for file, position, text in self.connection.execute(sql, [*params, *files]):
            if len(best[file]) < TOP_PASSAGES:
                shown = text if matching else highlight_spans(text, parsed.terms)
                best[file].append([position, shown])
        return [{"file": file, "passages": best[file]} for file in files]

    @staticmethod
    def disk_bytes(db: Path) -> int:
        return db.stat().st_size
