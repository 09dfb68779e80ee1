"""Exactness on a generated corpus larger than the samples: .docx, GB18030, traditional text."""

from __future__ import annotations

import random

import pytest

from bench.corpus import generate_corpus
from indexer.extraction.extract import build_record
from indexer.normalize import normalize
from indexer.search import SearchRequest, search
from indexer.store import ArchiveIndex
from indexer.update import update_index
from indexer.vocabulary import FIRST_YEAR, LAST_YEAR

REPORTS = 60


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    root = tmp_path_factory.mktemp("generated")
    generate_corpus(root / "archive", REPORTS, seed=3)
    summary = update_index(root / "archive", root / "index")
    assert not summary.failed and len(summary.added) == REPORTS
    records = [build_record(p, root / "archive") for p in sorted((root / "archive").iterdir())]
    archive_index = ArchiveIndex(root / "index")
    yield archive_index, records
    archive_index.close()


def test_random_substrings_and_absent_strings_match_a_scan(generated):
    archive_index, records = generated
    passages = [(r.file, i, normalize(p.text)) for r in records for i, p in enumerate(r.passages)]
    rng = random.Random(11)
    terms = []
    for _ in range(150):
        _, _, text = rng.choice(passages)
        length = rng.randint(1, 12)
        start = rng.randint(0, max(0, len(text) - length))
        terms.append(text[start : start + length].strip())
    terms += ["".join(rng.choice("法治镇村宣传禁毒信访普") for _ in range(6)) for _ in range(30)]
    for term in filter(None, dict.fromkeys(t for t in terms if '"' not in t)):
        expected = {(file, i) for file, i, text in passages if term in text}
        results = search(
            archive_index, SearchRequest(f'"{term}"', limit=100, passages_per_report=10_000)
        )
        found = {(r.file, p.position) for r in results.results for p in r.passages}
        assert found == expected, term
        assert results.total_passages == len(expected)


def test_facets_agree_with_the_records(generated):
    archive_index, records = generated
    results = search(archive_index, SearchRequest("法治", limit=100))
    matching = [r for r in records if "法治" in normalize(r.text)]
    assert results.total_reports == len(matching)
    years = {f.value: f.count for f in results.facets["year"]}
    assert sum(years.values()) == sum(1 for r in matching if r.year)


def test_reports_without_a_year_sort_last(generated):
    archive_index, records = generated
    assert any(r.year is None for r in records)
    results = search(archive_index, SearchRequest("法治", sort="year", limit=100))
    years = [r.year for r in results.results]
    known = [y for y in years if y is not None]
    assert known == sorted(known, reverse=True)
    assert years[len(known) :] == [None] * (len(years) - len(known))
    assert all(FIRST_YEAR <= int(f.value) <= LAST_YEAR for f in results.facets["year"])
