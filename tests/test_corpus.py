"""The generated corpus: deterministic, varied, sized like the samples, and extractable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.corpus import MAX_CHARS, MIN_CHARS, GeneratedReport, generate_corpus
from indexer.extraction.extract import build_record
from indexer.records import Record

N, SEED = 400, 20240601


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[GeneratedReport]:
    return generate_corpus(tmp_path_factory.mktemp("corpus") / "reports", N, SEED)


@pytest.fixture(scope="module")
def records(corpus: list[GeneratedReport]) -> list[Record]:
    return [build_record(report.path) for report in corpus]


def test_same_bytes_for_the_same_seed(corpus: list[GeneratedReport], tmp_path: Path) -> None:
    again = generate_corpus(tmp_path / "again", N, SEED)
    assert [r.path.name for r in again] == [r.path.name for r in corpus]
    assert [truth(r) for r in again] == [truth(r) for r in corpus]
    differing = [
        a.path.name
        for a, b in zip(again, corpus, strict=True)
        if a.path.read_bytes() != b.path.read_bytes()
    ]
    assert not differing, f"not reproducible: {differing}"
    other = generate_corpus(tmp_path / "other", N, SEED + 1)
    assert [r.path.read_bytes() for r in other] != [r.path.read_bytes() for r in corpus]


def truth(report: GeneratedReport) -> tuple:
    return report.town, report.county, report.year, report.title


def test_files_and_formats(corpus: list[GeneratedReport]) -> None:
    folder = corpus[0].path.parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(r.path.name for r in corpus)
    suffixes = [r.path.suffix for r in corpus]
    assert set(suffixes) == {".txt", ".docx"}
    assert 1 <= suffixes.count(".docx") <= N // 4
    assert suffixes.count(".txt") >= N * 3 // 4


def test_places_and_years_vary(corpus: list[GeneratedReport]) -> None:
    assert len({r.town for r in corpus}) >= 15
    assert len({r.year for r in corpus if r.year}) >= 6
    assert all(2015 <= r.year <= 2025 for r in corpus if r.year)
    county_of: dict[str, str] = {}
    for report in corpus:
        if report.town and report.county:
            assert county_of.setdefault(report.town, report.county) == report.county


def test_lengths_like_the_samples(corpus: list[GeneratedReport], records: list[Record]) -> None:
    outside = [
        (report.path.name, len(record.text))
        for report, record in zip(corpus, records, strict=True)
        if not MIN_CHARS <= len(record.text) <= MAX_CHARS
    ]
    assert not outside


def test_outline_survives_extraction(corpus: list[GeneratedReport], records: list[Record]) -> None:
    for report, record in zip(corpus, records, strict=True):
        top = [section for section in record.sections if section.level == 1]
        assert len(top) >= 3, (report.path.name, [s.heading for s in top])
        categories = {name for section in top for name in section.categories}
        assert {"measures", "problems", "plans"} <= categories, report.path.name
        assert not re.search("[\ue000-\ue1ff]", record.text), report.path.name


@pytest.mark.parametrize("field", ["town", "county", "year", "title"])
def test_extraction_agrees_with_ground_truth(
    corpus: list[GeneratedReport], records: list[Record], field: str
) -> None:
    mismatches = [
        (report.path.name, getattr(report, field), getattr(record, field))
        for report, record in zip(corpus, records, strict=True)
        if getattr(report, field) != getattr(record, field)
    ]
    assert len(mismatches) <= N // 10, f"{field}: (file, generated, extracted) {mismatches}"


@pytest.mark.parametrize("field", ["town", "county", "year", "title"])
def test_extraction_never_guesses_a_wrong_value(
    corpus: list[GeneratedReport], records: list[Record], field: str
) -> None:
    """A value the text does not support is unknown: a miss is allowed, a wrong value is not."""
    wrong = [
        (report.path.name, getattr(report, field), getattr(record, field))
        for report, record in zip(corpus, records, strict=True)
        if getattr(record, field) is not None and getattr(report, field) != getattr(record, field)
    ]
    assert wrong == []
