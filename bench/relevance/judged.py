"""The judged queries and their grading rules (`bench/data/relevance/queries.toml`).

A query's judgements are not a list of passages some system happened to return: a rule,
written by hand, grades every passage of the archive. It names the concepts an answering
passage discusses, each a list of alternative phrases (variants the query does not use:
法治宣传 for 普法), matched on the passage's normalized text; optionally the parts of a
report the answer must sit in (a question about problems is answered in the problems part).
So the judgements are complete and reproducible, and a new corpus is judged by the same rules.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import ReportReadError
from indexer.extraction.extract import build_record
from indexer.normalize import normalize
from indexer.vocabulary import CATEGORY_BITS

QUERIES_FILE = Path(__file__).resolve().parents[1] / "data" / "relevance" / "queries.toml"
_SENTENCE_END = re.compile(r"[。!?;\n]")  # normalized text: ！？； are half-width
KINDS = ("question", "topic", "missing-word", "problems", "plans", "abbreviation", "spaced", "typo")


@dataclass(frozen=True)
class Passage:
    """A passage of the archive, keyed as search results name it: (file, position)."""

    file: str
    position: int  # its place in its report (PassageHit.position)
    text: str  # normalized
    cats: int  # CATEGORY_BITS mask

    @property
    def source(self) -> str:
        """real, samples or generated: the archive's top folder."""
        return self.file.split("/", 1)[0]


@dataclass(frozen=True)
class Query:
    id: str
    text: str
    kind: str
    note: str
    concepts: tuple[tuple[str, ...], ...]  # grade 2: every concept present
    partial: tuple[tuple[str, ...], ...]  # grade 1: these concepts present
    sections: int  # CATEGORY_BITS a grade-2 passage must sit in; 0: anywhere
    elsewhere: bool  # an answer outside those parts is about the topic (grade 1)

    def grade(self, passage: Passage) -> int:
        """2: every concept in one sentence, in the right part; 1: that in another part
        (unless `elsewhere` is false), the partial concepts, or every concept spread over
        sentences of the right part; else 0.

        One sentence, because a passage can join unrelated statements (generated reports
        recombine sentences): 学校 in one and 法律 in the next is no answer about school law
        education."""
        text = passage.text
        in_part = not self.sections or bool(passage.cats & self.sections)
        answers = any(_holds(self.concepts, s) for s in _SENTENCE_END.split(text))
        if answers and in_part:
            return 2
        if (answers and self.elsewhere) or _holds(self.partial, text):
            return 1
        return 1 if in_part and _holds(self.concepts, text) else 0


def _holds(concepts: Iterable[tuple[str, ...]], text: str) -> bool:
    return all(any(phrase in text for phrase in concept) for concept in concepts)


def _concepts(value: object, where: str) -> tuple[tuple[str, ...], ...]:
    if not (isinstance(value, list) and value and all(isinstance(c, list) and c for c in value)):
        raise ValueError(f"{where}: concepts must be a non-empty list of non-empty lists")
    return tuple(tuple(normalize(str(phrase)) for phrase in concept) for concept in value)


def load_queries(path: Path = QUERIES_FILE) -> list[Query]:
    """The judged queries, in file order; ValueError naming the file and query when malformed."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    queries, seen = [], set()
    for entry in data.get("query", []):
        where = f"{path}: query {entry.get('id', '?')}"
        missing = {"id", "text", "kind", "note", "concepts"} - entry.keys()
        if missing:
            raise ValueError(f"{where}: missing {', '.join(sorted(missing))}")
        if entry["id"] in seen:
            raise ValueError(f"{where}: the id is used twice")
        if entry["kind"] not in KINDS:
            raise ValueError(f"{where}: kind {entry['kind']!r} is not one of {', '.join(KINDS)}")
        sections = entry.get("sections", [])
        unknown = set(sections) - CATEGORY_BITS.keys()
        if unknown:
            raise ValueError(f"{where}: unknown sections {', '.join(sorted(unknown))}")
        concepts = _concepts(entry["concepts"], where)
        seen.add(entry["id"])
        queries.append(
            Query(
                id=entry["id"],
                text=entry["text"],
                kind=entry["kind"],
                note=entry["note"],
                concepts=concepts,
                partial=_concepts(entry["partial"], where) if "partial" in entry else concepts[:1],
                sections=sum(CATEGORY_BITS[name] for name in sections),
                elsewhere=bool(entry.get("elsewhere", True)),
            )
        )
    return queries


def read_passages(archive: Path) -> list[Passage]:
    """Every passage of every report under `archive`, as the product reads and indexes it.

    A report that cannot be read is named on stderr and left out, as the index leaves it out.
    """
    passages = []
    for path in sorted(p for p in archive.rglob("*") if p.suffix in (".txt", ".docx")):
        try:
            record = build_record(path, archive)
        except ReportReadError as error:
            print(f"skipped {path}: {error.reason}", file=sys.stderr)
            continue
        for position, passage in enumerate(record.passages):
            cats = sum(CATEGORY_BITS[c] for c in record.section_categories(passage.section))
            passages.append(Passage(record.file, position, normalize(passage.text), cats))
    return passages


def judge(queries: list[Query], passages: list[Passage]) -> dict[str, dict[tuple[str, int], int]]:
    """Per query id, the grade of every passage that has one (absent: 0)."""
    return {
        query.id: {(p.file, p.position): g for p in passages if (g := query.grade(p))}
        for query in queries
    }
