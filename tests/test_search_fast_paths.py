"""The cheaper paths of a search request give what the plain ones gave: the JSON object is
`dataclasses.asdict`'s, a cached term answers like a fresh lookup, a replaced report is read
in its new version, facets sort by count then value, and links encode like `urlencode`."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest
from flask import Flask

from indexer import textindex
from indexer.search import SearchRequest, search
from indexer.store import ArchiveIndex
from indexer.update import update_index
from web.state import url_with

from .conftest import samples_with

EXTRA = {
    "a.txt": "青山镇2019年法治政府建设情况报告\n一、主要举措\n开展禁毒宣传，推进信访工作。\n"
    "二、存在问题\n普法形式单一，禁毒宣传不足。\n",
    "b.txt": "绿水镇2021年法治政府建设情况报告\n一、主要举措\n开展禁毒宣传。\n",
    "c.txt": "白云镇2021年法治政府建设情况报告\n一、主要举措\n推进信访工作。\n",
}


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> tuple[Path, Path]:
    return samples_with(tmp_path_factory.mktemp("fast"), EXTRA)


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest("禁毒宣传 信访", limit=100, passages_per_report=100),
        SearchRequest("禁毒常态化"),  # matched in tiers, by its jieba words
        SearchRequest("", year_from=2021, year_to=2021),
        SearchRequest("不存在的词语"),
    ],
)
def test_to_json_is_asdict(indexed, request_: SearchRequest) -> None:
    archive_index = ArchiveIndex(indexed[1])
    try:
        results = search(archive_index, request_)
    finally:
        archive_index.close()
    assert results.to_json() == asdict(results)
    assert list(results.to_json()) == list(asdict(results))
    assert [list(r) for r in results.to_json()["results"]] == [
        list(r) for r in asdict(results)["results"]
    ]


def test_facets_sort_by_count_then_value(indexed) -> None:
    archive_index = ArchiveIndex(indexed[1])
    try:
        results = search(archive_index, SearchRequest("法治"))
    finally:
        archive_index.close()
    assert len(results.facets["town"]) > 2
    for values in results.facets.values():
        keys = [(-v.count, v.value) for v in values]
        assert keys == sorted(keys)
        assert all(v.count > 0 for v in values)
        assert all(type(v.count) is int for v in values)


def test_cached_term_answers_like_a_fresh_lookup(indexed, monkeypatch) -> None:
    archive_index = ArchiveIndex(indexed[1])
    try:
        with archive_index.snapshot() as snapshot:
            text = snapshot.text
            first, second = text._containing("禁毒宣传", None), text._containing("信访", None)
            # room for either list, not both: caching the second evicts the first
            monkeypatch.setattr(textindex, "TERM_CACHE_IDS", len(first) + len(second) - 1)
            scope = np.zeros(text.passage_count, dtype=bool)
            scope[::2] = True
            for term in ("禁毒宣传", "信访", "禁", "法治政府", "禁毒宣传", "信访"):
                fresh = text._containing(term, None)
                assert np.array_equal(text.containing(term, None), fresh)
                assert np.array_equal(text.containing(term, scope), fresh[scope[fresh]])
                assert np.array_equal(text.containing(term, scope), text._containing(term, scope))
                assert text._terms_ids <= textindex.TERM_CACHE_IDS
            assert list(text._terms) == ["信访"]
            with pytest.raises(ValueError):
                text.containing("信访", None)[0] = 0  # a cached array cannot be changed
    finally:
        archive_index.close()


def test_a_replaced_report_is_read_in_its_new_version(indexed, tmp_path) -> None:
    archive, index = tmp_path / "archive", tmp_path / "index"
    shutil.copytree(indexed[0], archive)
    shutil.copytree(indexed[1], index)
    (archive / "b.txt").write_text(
        "绿水镇2021年法治政府建设情况报告\n一、主要举措\n开展禁毒宣传，新版本。\n", encoding="utf-8"
    )
    assert not update_index(archive, index).failed
    archive_index = ArchiveIndex(index)
    try:
        results = search(archive_index, SearchRequest("新版本"))
    finally:
        archive_index.close()
    assert [r.file for r in results.results] == ["b.txt"]
    assert results.results[0].passages[0].text == "开展禁毒宣传，新版本。"


@pytest.mark.parametrize(
    ("query", "changes"),
    [
        ("?q=禁毒+宣传&town=青山&page=3", {"town": "绿水 镇"}),
        ("?q=a%26b&page=2", {"page": 4}),
        ("?q=x&county=&year_from=2019", {"year_to": 2021, "year_from": None}),
        ("?section=problems&sort=year", {"q": "“法治”/&=?"}),
        ("", {}),
    ],
)
def test_links_encode_like_urlencode(query: str, changes: dict) -> None:
    app = Flask(__name__)
    app.add_url_rule("/", "pages.search_page", lambda: "")
    with app.test_request_context("/" + query):
        from web.state import current_params

        params: dict[str, object] = current_params()
        if "page" not in changes:
            params.pop("page", None)
        for name, value in changes.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = value
        expected = "/" + ("?" + urlencode(params) if params else "")
        assert url_with(**changes) == expected


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_request_cpu_script_prints_figures(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    # --no-term-cache changes the module's limit: restored after the test
    monkeypatch.setattr(textindex, "TERM_CACHE_IDS", textindex.TERM_CACHE_IDS)

    from bench.corpus import generate_corpus
    from bench.request_cpu import main

    archive, index = tmp_path / "archive", tmp_path / "index"
    generate_corpus(archive, 30, 1)
    assert not update_index(archive, index).failed
    args = ["--index", str(index), "--archive", str(archive), "--mix", "14", "--repeat", "1"]
    for extra in ([], ["--no-term-cache", "--profile", "3"]):
        result = CliRunner().invoke(main, args + extra)
        assert result.exit_code == 0, result.output
        lines = result.output.splitlines()
        assert lines[0].startswith("api   14 requests: ") and "ms CPU per request" in lines[0]
        assert lines[1].startswith("page  14 requests: ")
        assert ("function calls" in result.output) == bool(extra)
