"""The systems compared: the product's search (live or a recorded run) and a plain BM25.

Every system answers a query with a ranking of reports, each with the passage it shows first:
(file, position), the position being the passage's place in its report, as in PassageHit.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.query import Or, Term

from indexer import ArchiveIndex, SearchRequest, search
from indexer.analysis import words
from indexer.vocabulary import MAX_RESULTS

from .judged import Passage, Query

Ranking = list[tuple[str, int]]


def product_ranking(archive_index: ArchiveIndex, text: str) -> Ranking:
    """The product's whole ranking (every page), as `SearchRequest(text, limit=10)` orders
    it: the page size does not change the order, and deeper results let a source be scored
    on its own reports."""
    ranking: Ranking = []
    while True:
        request = SearchRequest(query=text, limit=MAX_RESULTS, offset=len(ranking))
        results = search(archive_index, request)
        ranking += [(hit.file, hit.passages[0].position) for hit in results.results]
        if not results.results or len(ranking) >= results.total_reports:
            return ranking


def search_commit() -> str:
    """The commit of the search code this checkout runs: the last one that changed indexer/.

    Refuses uncommitted changes there, since a recorded run must name the code it ran."""
    repo = Path(__file__).resolve().parents[2]

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=repo)

    if git("diff", "--quiet", "HEAD", "--", "indexer").returncode != 0:
        raise ValueError("indexer/ has uncommitted changes: commit them before recording")
    return git("log", "-1", "--format=%h", "--", "indexer").stdout.strip() or "unknown"


def record(index_dir: Path, queries: list[Query], out: Path, archive: dict) -> None:
    """Run the product on every query and write its rankings, with the commit of its code."""
    commit = search_commit()
    archive_index = ArchiveIndex(index_dir)
    try:
        runs = {
            q.id: {"query": q.text, "ranking": product_ranking(archive_index, q.text)}
            for q in queries
        }
    finally:
        archive_index.close()
    # One line per query, so that a new recording's diff shows the queries whose ranking moved.
    head = json.dumps({"commit": commit, "archive": archive}, ensure_ascii=False)[:-1]
    lines = [json.dumps({qid: run}, ensure_ascii=False)[1:-1] for qid, run in runs.items()]
    out.write_text(head + ', "queries": {\n' + ",\n".join(lines) + "\n}}\n", encoding="utf-8")


def load_recorded(
    path: Path, queries: list[Query], archive: dict
) -> tuple[str, dict[str, Ranking]]:
    """The commit and rankings of a recorded run; ValueError when it does not fit the queries
    or the archive (a query was added or reworded since: record again)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data["archive"] != archive:
        raise ValueError(f"{path}: recorded on another archive ({data['archive']})")
    runs = data["queries"]
    stale = [q.id for q in queries if runs.get(q.id, {}).get("query") != q.text]
    if stale:
        raise ValueError(f"{path}: no recorded run of {', '.join(stale)}")
    return data["commit"], {q.id: [tuple(hit) for hit in runs[q.id]["ranking"]] for q in queries}


class JiebaTokenizer(Tokenizer):
    """Whoosh tokens from the product's jieba words (its user dictionary, its normalization)."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for place, word in enumerate(words(value)):
            token.text, token.boost, token.stopped = word, 1.0, False
            if positions:
                token.pos = start_pos + place
            yield token


class Bm25:
    """Plain BM25 (Whoosh's default BM25F) over jieba words, one document per passage, the
    query's words OR-ed; a report's result is its best-scoring passage."""

    def __init__(self, passages: list[Passage]) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="relevance-bm25-")
        schema = Schema(
            file=ID(stored=True), position=STORED, content=TEXT(analyzer=JiebaTokenizer())
        )
        self._index = FileStorage(self._folder.name).create_index(schema)
        with self._index.writer() as writer:
            for passage in passages:
                writer.add_document(
                    file=passage.file, position=passage.position, content=passage.text
                )
        self._searcher = self._index.searcher()

    def ranking(self, text: str) -> Ranking:
        terms = [Term("content", word) for word in dict.fromkeys(words(text))]
        if not terms:
            return []
        shown: dict[str, int] = {}
        for hit in self._searcher.search(Or(terms), limit=None):
            shown.setdefault(hit["file"], hit["position"])
        return list(shown.items())

    def close(self) -> None:
        self._searcher.close()
        self._index.close()
        self._folder.cleanup()
