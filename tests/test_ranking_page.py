"""Only the reports that can reach the page are sorted (search.py `_first`): any page must be
that slice of the whole ranking, ties broken by file name, whatever the segments."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import update_index
from indexer.ranking import RERANKED
from indexer.search import SearchRequest, _first, search
from indexer.store import ArchiveIndex

from .conftest import samples_with


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.integers(1, 3),  # tier
            st.integers(2015, 2018),  # year
            st.sampled_from([0.0, 1e-12, 0.5, 0.5 + 1e-15, 2.25, 7.0]),  # score, with ties
            st.integers(1, 3),  # hits
        ),
        min_size=1,
        max_size=60,
    ),
    count=st.integers(1, 70),
    by_year=st.booleans(),
    seed=st.integers(0, 1000),
)
def test_first_is_the_head_of_the_full_sort(rows, count, by_year, seed) -> None:
    tiers, years, scores, hits = (np.array(column) for column in zip(*rows, strict=True))
    names = np.array(random.Random(seed).sample(range(len(rows)), len(rows)))
    ints = [tiers, -years] if by_year else [tiers]
    keys = [names, -hits, -scores, *ints[::-1]]
    expected = np.lexsort(keys)[:count]
    assert _first(ints, scores, -hits, names, count).tolist() == expected.tolist()


def _report(i: int) -> str:
    # five kinds of report: those of one kind score the same, and only their names decide
    uses = "开展普法宣传活动。" * (i % 5 + 1)
    return f"一、主要举措\n{uses}\n二、其他工作\n落实安全生产责任制第{i % 7}项。\n"


@pytest.fixture(scope="module")
def paged(tmp_path_factory) -> ArchiveIndex:
    """70 reports over two segments, written in shuffled order (report ids follow the
    segments, not the names)."""
    order = random.Random(7).sample(range(70), 70)
    first = {f"r{i:02d}.txt": _report(i) for i in order[:40]}
    archive, index = samples_with(tmp_path_factory.mktemp("paged"), first)
    for i in order[40:]:
        (archive / f"r{i:02d}.txt").write_text(_report(i), encoding="utf-8")
    assert not update_index(archive, index).failed
    archive_index = ArchiveIndex(index)
    yield archive_index
    archive_index.close()


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest("普法宣传", limit=100),
        SearchRequest("普法宣传 安全生产", limit=100),
        SearchRequest("普法宣传", sort="year", limit=100),
        SearchRequest(section="measures", limit=100),
    ],
)
def test_every_page_is_a_slice_of_the_whole_ranking(paged, request_) -> None:
    whole = search(paged, request_).to_json()["results"]
    assert len(whole) > RERANKED  # pages past the reranked reports too
    for offset in range(0, len(whole), 7):
        page = search(paged, SearchRequest(**{**request_.__dict__, "offset": offset, "limit": 7}))
        assert page.to_json()["results"] == whole[offset : offset + 7]


def test_equal_reports_come_by_name(paged) -> None:
    results = search(paged, SearchRequest("普法宣传", limit=100)).results
    tied = [
        (a.file, b.file)
        for a, b in zip(results, results[1:], strict=False)
        if (a.tier, a.score, a.matched_passages) == (b.tier, b.score, b.matched_passages)
    ]
    assert len(tied) > 40  # reports of one kind score the same: their names decide
    assert all(a < b for a, b in tied)
