"""Search semantics on a real index of the sample archive plus reports written for the cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.errors import QueryError
from indexer.extraction.extract import build_record
from indexer.normalize import normalize
from indexer.search import SearchRequest, search
from indexer.store import ArchiveIndex

from .conftest import samples_with

EXTRA = {
    # traditional characters, and a town that shares a county with nobody
    "trad.txt": "青山鎮2019年法治政府建設情況報告\n一、主要舉措和成效\n"
    "開展禁毒宣傳，推進信訪工作。\n二、存在的問題\n普法形式單一。\n",
    "plain.txt": "绿水镇2022年法治政府建设情况报告\n一、主要举措和成效\n"
    "开展禁毒宣传。扫黑除恶常态化。\n二、存在问题和不足\n信访积案化解不够。\n三、2023年工作打算\n继续推进普法。\n",
    # the same length; one says 公证服务 three times, the other once
    "often.txt": "一、主要举措\n公证服务进村。公证服务进社区。公证服务进企业。\n",
    "once.txt": "一、主要举措\n公证服务进村。法律服务进社区。援助服务进企业。\n",
}
EVERYTHING = {"limit": 100, "passages_per_report": 10_000}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[ArchiveIndex, dict]:
    archive, index = samples_with(tmp_path_factory.mktemp("search"), EXTRA)
    records = {p.name: build_record(p, archive) for p in sorted(archive.iterdir())}
    archive_index = ArchiveIndex(index)
    yield archive_index, records
    archive_index.close()


def hits(archive_index: ArchiveIndex, query: str = "", **filters) -> set[tuple[str, int]]:
    """The passages of the exact tier (完全匹配): what grep finds."""
    results = search(archive_index, SearchRequest(query, **EVERYTHING, **filters))
    exact = [r for r in results.results if r.tier in (1, None)]  # None: filters alone
    found = {(r.file, p.position) for r in exact for p in r.passages}
    assert len(found) == (results.tiers[0].passages if results.tiers else results.total_passages)
    return found


def scan(records: dict, term: str, keep=lambda record, passage: True) -> set[tuple[str, int]]:
    """What grep finds: every passage whose normalized text holds the normalized term."""
    term = normalize(term)
    return {
        (record.file, position)
        for record in records.values()
        for position, passage in enumerate(record.passages)
        if term in normalize(passage.text) and keep(record, passage)
    }


@pytest.mark.parametrize(
    "term",
    [
        "小事不出村",
        "法律明白人",
        "一村一法律顾问",
        "信访",
        "禁毒",
        "普法",
        "禁",
        "法",
        "镇",
        "（一）",
        "(一)",
        "1、 扛牢",
        "2021年",
        "不存在的短语",
        "禁毒宣传",
    ],
)
def test_a_phrase_finds_exactly_what_a_substring_scan_finds(corpus, term):
    archive_index, records = corpus
    assert hits(archive_index, f'"{term}"') == scan(records, term)
    assert hits(archive_index, term) == scan(records, term)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_substrings_match_the_scan(corpus, data):
    archive_index, records = corpus
    texts = [p.text for r in records.values() for p in r.passages]
    text = data.draw(st.sampled_from(texts))
    length = data.draw(st.integers(1, 12))
    start = data.draw(st.integers(0, max(0, len(text) - length)))
    term = text[start : start + length].strip()
    if not term or '"' in term:
        return
    assert hits(archive_index, f'"{term}"') == scan(records, term)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(term=st.text(alphabet="法治镇村宣传禁毒访信普xyz", min_size=3, max_size=8))
def test_strings_that_occur_nowhere_find_nothing(corpus, term):
    archive_index, records = corpus
    assert hits(archive_index, f'"{term}"') == scan(records, term)


def test_traditional_and_simplified_find_each_other(corpus):
    archive_index, records = corpus
    assert ("trad.txt", 2) in hits(archive_index, "禁毒宣传")
    assert hits(archive_index, "禁毒宣傳") == hits(archive_index, "禁毒宣传")
    assert hits(archive_index, "ＸＹ") == hits(archive_index, "xy")


def test_words_must_all_be_in_the_report(corpus):
    archive_index, records = corpus
    results = search(archive_index, SearchRequest("扫黑除恶 宣传", **EVERYTHING))
    with_both = {
        r.file for r in records.values() if "扫黑除恶" in r.text and "宣传" in normalize(r.text)
    }
    assert {r.file for r in results.results if r.tier == 1} == with_both
    for report in results.results:
        assert report.tier == 1 or report.missing  # the others say which word they lack
        for passage in report.passages:
            assert "扫黑除恶" in passage.text or "宣传" in normalize(passage.text)


def test_or_and_exclusion(corpus):
    archive_index, records = corpus
    either = {
        r.file
        for r in records.values()
        if "禁毒" in normalize(r.text) or "扫黑除恶" in normalize(r.text)
    }
    results = search(archive_index, SearchRequest("禁毒 OR 扫黑除恶", **EVERYTHING))
    assert {r.file for r in results.results} == either
    without = search(archive_index, SearchRequest("禁毒 -扫黑除恶", **EVERYTHING))
    assert {r.file for r in without.results} == {
        r.file
        for r in records.values()
        if "禁毒" in normalize(r.text) and "扫黑除恶" not in normalize(r.text)
    }
    assert without.results


def test_highlights_cover_exactly_the_matched_text(corpus):
    archive_index, _ = corpus
    results = search(archive_index, SearchRequest("信访 禁毒", **EVERYTHING))
    spans = 0
    for report in results.results:
        for passage in report.passages:
            for start, end in passage.highlights:
                assert normalize(passage.text[start:end]) in {"信访", "禁毒"}
                spans += 1
            assert sum(passage.text.count(t) for t in ("信访", "禁毒", "信訪")) == len(
                passage.highlights
            )
    assert spans >= 3


@pytest.mark.parametrize(
    ("filters", "keep"),
    [
        ({"town": "共和镇"}, lambda r, p: r.town == "共和镇"),
        ({"town": "庙坝"}, lambda r, p: r.town == "庙坝镇"),
        ({"county": "城口县"}, lambda r, p: r.county == "城口县"),
        ({"year_from": 2024, "year_to": 2024}, lambda r, p: r.year == 2024),
        ({"year_from": 2019, "year_to": 2021}, lambda r, p: 2019 <= (r.year or 0) <= 2021),
        ({"section": "problems"}, lambda r, p: "problems" in r.section_categories(p.section)),
        ({"section": "问题不足"}, lambda r, p: "problems" in r.section_categories(p.section)),
        (
            {"section": "存在的不足和原因"},
            lambda r, p: "problems" in r.section_categories(p.section),
        ),
        (
            {"section": "加强组织领导"},
            lambda r, p: "加强组织领导" in "\n".join(r.section_path(p.section)),
        ),
        (
            {"section": "plans", "year_from": 2021, "year_to": 2021},
            lambda r, p: r.year == 2021 and "plans" in r.section_categories(p.section),
        ),
    ],
)
def test_filters_with_a_query_and_alone(corpus, filters, keep):
    archive_index, records = corpus
    assert hits(archive_index, "普法", **filters) == scan(records, "普法", keep)
    alone = {(r.file, i) for r in records.values() for i, p in enumerate(r.passages) if keep(r, p)}
    assert hits(archive_index, "", **filters) == alone
    assert alone


def test_facets_count_matching_reports(corpus):
    archive_index, records = corpus
    results = search(archive_index, SearchRequest("普法", **EVERYTHING))
    matching = [r for r in records.values() if "普法" in normalize(r.text)]
    towns = {f.value: f.count for f in results.facets["town"]}
    assert towns == {t: sum(r.town == t for r in matching) for t in {r.town for r in matching} if t}
    years = {f.value: f.count for f in results.facets["year"]}
    assert years == {str(y): sum(r.year == y for r in matching) for y in {r.year for r in matching}}
    assert {f.value for f in results.facets["category"]} <= {
        "measures",
        "problems",
        "plans",
        "leadership",
        "other",
    }
    assert results.total_reports == len(matching)


def test_sort_by_year_and_paging(corpus):
    archive_index, _ = corpus
    by_year = search(archive_index, SearchRequest("法治", sort="year", limit=100))
    years = [r.year or 0 for r in by_year.results]
    assert years == sorted(years, reverse=True)
    first = search(archive_index, SearchRequest("法治", limit=2))
    second = search(archive_index, SearchRequest("法治", limit=2, offset=2))
    assert {r.file for r in first.results}.isdisjoint({r.file for r in second.results})
    assert first.total_reports == second.total_reports == len(by_year.results)


def test_relevance_puts_the_report_that_says_it_most_first(corpus):
    archive_index, _ = corpus
    results = search(archive_index, SearchRequest("公证服务"))
    assert [r.file for r in results.results[:2]] == ["often.txt", "once.txt"]
    assert [r.score for r in results.results] == sorted(
        (r.score for r in results.results), reverse=True
    )


@pytest.mark.parametrize(
    ("query", "filters", "message"),
    [
        ('"小事不出村', {}, "引号不成对"),
        ("-", {}, "排除"),
        ("OR", {}, "OR"),
        ("信访 OR", {}, "OR"),
        ("禁" * 10_000, {}, "查询太长"),
        ("信访\x00", {}, "控制字符"),
        ("", {}, "请输入"),
        ("信访", {"sort": "town"}, "排序"),
        ("信访", {"year_from": 2022, "year_to": 2020}, "颠倒"),
        ("信访", {"limit": 0}, "每页"),
    ],
)
def test_malformed_queries_get_a_message(corpus, query, filters, message):
    archive_index, _ = corpus
    with pytest.raises(QueryError, match=message):
        search(archive_index, SearchRequest(query, **filters))


def test_only_exclusions_with_a_filter_list_the_rest(corpus):
    archive_index, records = corpus
    results = search(
        archive_index, SearchRequest("-扫黑除恶", year_from=2020, year_to=2022, **EVERYTHING)
    )
    assert {r.file for r in results.results} == {
        r.file
        for r in records.values()
        if r.year and 2020 <= r.year <= 2022 and "扫黑除恶" not in r.text
    }


def test_passages_carry_their_section(corpus):
    archive_index, _ = corpus
    results = search(archive_index, SearchRequest('"小事不出村"'))
    passage = results.results[0].passages[0]
    assert passage.section == [
        "一、上一年度推进法治政府建设的主要举措和成效",
        "（四）强化工作力量，有效建强法治工作阵地。",
    ]
    assert passage.categories == ["measures"]


def test_a_missing_index_names_the_command(tmp_path: Path):
    from indexer.errors import IndexUnavailable

    with pytest.raises(IndexUnavailable, match="fazhi-index update"):
        search(ArchiveIndex(tmp_path / "none"), SearchRequest("信访"))
