"""Natural queries: tiers, topic words, synonyms, suggestions and ranking, on a real index of
the samples plus reports written for each case; tiers are checked against a scan."""

from __future__ import annotations

import pytest

from indexer.extraction.extract import build_record
from indexer.lexicon import lexicon
from indexer.normalize import normalize
from indexer.query import MAX_TERMS, parse_query
from indexer.query_plan import _split, plan
from indexer.search import FULL_PAGE, SearchRequest, search
from indexer.store import ArchiveIndex
from indexer.vocabulary import CATEGORY_CUES

from .conftest import samples_with

REPORTS = {
    "a.txt": "青山镇2021年法治政府建设情况报告\n一、主要举措和成效\n"
    "全面加强基层普法宣传，开展送法下乡。\n二、存在的问题\n村法律顾问发挥作用不够明显。\n",
    "b.txt": "一、主要举措\n基层干部学法用法。组织普法宣传活动十次。\n",
    "c.txt": "一、主要举措\n普法宣传进校园。\n",
    "d.txt": "一、主要举措\n落实第八个五年普法规划。\n",
    "e.txt": "一、主要举措\n行政复议应诉工作规范。信访维稳工作扎实。\n",
    # the same length; the words close together in one, far apart in the other
    "near.txt": "一、主要举措\n禁毒矫正工作同步推进，另有其他事项若干项需要说明。\n",
    "far.txt": "一、主要举措\n禁毒工作同步推进，另有其他事项若干项需要说明矫正。\n",
    # the same passage; under a heading that names its topic, or not
    "heading.txt": "一、缉毒工作\n全年开展缉毒行动三次。\n",
    "plain.txt": "一、其他工作\n全年开展缉毒行动三次。\n",
    # the same sentence in the measures part and in the problems part
    "measures.txt": "一、主要举措和成效\n社区法律讲座形式多样。\n",
    "problems.txt": "一、存在的不足和原因\n社区法律讲座形式单一。\n",
}
EVERYTHING = {"limit": 100, "passages_per_report": 10_000}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[ArchiveIndex, dict]:
    archive, index = samples_with(tmp_path_factory.mktemp("tiers"), REPORTS)
    texts = {p.name: normalize(build_record(p, archive).text) for p in sorted(archive.iterdir())}
    archive_index = ArchiveIndex(index)
    yield archive_index, texts
    archive_index.close()


def tiers_by_scan(texts: dict, typed: list[str], forms: list[tuple[str, ...]], needed: int):
    """The tiers as query_plan.py defines them, by reading every text: tier 3 holds `needed`
    of the words (the search says how many it asked for; checked below)."""
    exact = {f for f, t in texts.items() if all(term in t for term in typed)}
    held = {f: sum(any(x in t for x in word) for word in forms) for f, t in texts.items()}
    everything = {f for f, n in held.items() if n == len(forms)} - exact
    most = {f for f, n in held.items() if needed <= n < len(forms)} - exact
    return [exact, everything, most], held


@pytest.mark.parametrize(
    "query",
    [
        "如何加强基层普法宣传",
        "基层普法宣传",
        "基层普法宣传进校园活动",
        "村法律顾问发挥作用不够",
        "禁毒矫正 社区",
        "怎样开展禁毒宣传教育工作",
        "八五普法",
        "网格化调解矛盾纠纷排查化解机制",
    ],
)
def test_each_tier_holds_what_a_scan_finds(corpus, query):
    archive_index, texts = corpus
    results = search(archive_index, SearchRequest(query, **EVERYTHING))
    forms = [(w, *results.also_searched.get(w, [])) for w in results.words]
    expected, held = tiers_by_scan(texts, query.split(), forms, results.needed)
    standard = plan(parse_query(query)).needed  # minimum_should_match, before lowering
    if results.needed < standard:  # lowered: one word more would leave a thin page
        fuller = {f for f, n in held.items() if n >= results.needed + 1} | expected[0]
        assert len(fuller) < FULL_PAGE
    else:
        assert results.needed == standard
    found = [{r.file for r in results.results if r.tier == n} for n in (1, 2, 3)]
    assert found == expected
    assert [t.reports for t in results.tiers] == [len(files) for files in expected]
    assert [r.tier for r in results.results] == sorted(r.tier for r in results.results)
    for hit in results.results:  # a report lacking words names them
        assert hit.missing == [
            w
            for w in results.words
            if not any(f in texts[hit.file] for f in (w, *results.also_searched.get(w, [])))
        ]


def test_words_without_a_topic_decide_nothing(corpus):
    archive_index, _ = corpus
    results = search(archive_index, SearchRequest("如何加强基层普法宣传", **EVERYTHING))
    assert results.words == ["基层", "普法宣传"]
    assert {"如何", "加强"} <= set(results.ignored)
    tier = {r.file: (r.tier, r.missing) for r in results.results}
    assert tier["a.txt"] == tier["b.txt"] == (2, [])
    assert tier["c.txt"] == (3, ["基层"])  # one word of two: shown as the archive is small
    alone = search(archive_index, SearchRequest("信访", **EVERYTHING))
    asked = search(archive_index, SearchRequest("如何 信访", **EVERYTHING))
    assert {r.file for r in asked.results} == {r.file for r in alone.results}


def test_a_query_of_common_words_only_still_searches_them(corpus):
    archive_index, _ = corpus
    results = search(archive_index, SearchRequest("如何开展"))
    assert results.words and results.total_reports


def test_the_query_as_typed_comes_first(corpus):
    archive_index, _ = corpus
    results = search(archive_index, SearchRequest("基层普法宣传", **EVERYTHING))
    tiers = {r.file: r.tier for r in results.results}
    assert (results.results[0].file, tiers["a.txt"], tiers["b.txt"]) == ("a.txt", 1, 2)
    # a tier-1 report is marked where it holds the query as typed
    passage = results.results[0].passages[0]
    assert [passage.text[s:e] for s, e in passage.highlights] == ["基层普法宣传"]


def test_quoted_phrases_excluded_terms_and_or_groups_hold_in_every_tier(corpus):
    archive_index, texts = corpus
    quoted = search(archive_index, SearchRequest('"送法下乡" 如何普法宣传进校园', **EVERYTHING))
    assert quoted.results and all("送法下乡" in texts[r.file] for r in quoted.results)
    excluded = search(archive_index, SearchRequest("基层普法宣传 -送法", **EVERYTHING))
    assert "b.txt" in {r.file for r in excluded.results}
    assert all("送法" not in texts[r.file] for r in excluded.results)
    either = search(archive_index, SearchRequest("禁毒常态化 OR 不存在的词语"))
    assert (either.total_reports, either.words) == (0, [])


# jieba splits it into 36 words of two characters or more.
LONG_TERM = (
    "法治政府建设扫黑除恶专项斗争常态化禁毒宣传教育人民调解矛盾纠纷排查化解公共法律服务体系"
    "村居法律顾问全覆盖行政执法三项制度党政主要负责人履行推进法治建设第一责任人职责述法考核"
    "依法行政能力网格化管理平安乡村建设综治中心规范化民主法治示范村创建"
)


def test_a_long_query_keeps_its_longest_words_up_to_the_limit(corpus):
    query = plan(parse_query(LONG_TERM))
    kept = [word.text for word in query.words]
    assert len(kept) == MAX_TERMS
    topic = [
        w
        for w in _split(LONG_TERM)  # the words, with the synonyms' phrases kept whole
        if len(w) > 1 and not lexicon().is_stopword(w) and w not in CATEGORY_CUES
    ]
    dropped = [w for w in topic if w not in kept]
    assert dropped and max(map(len, dropped)) <= min(map(len, kept))
    assert kept == [w for w in topic if w in kept]  # in the query's order
    # words found nowhere give way to the words inside them, within the same limit
    results = search(corpus[0], SearchRequest(LONG_TERM))
    assert results.absent and len(results.words) <= MAX_TERMS


def test_synonyms_are_searched_and_said(corpus):
    archive_index, _ = corpus
    assert "第八个五年普法" in lexicon().alternatives("八五普法")  # the shipped file
    results = search(archive_index, SearchRequest("八五普法"))
    assert "第八个五年普法" in results.also_searched["八五普法"]
    hit = next(r for r in results.results if r.file == "d.txt")
    assert hit.tier == 2
    assert [hit.passages[0].text[s:e] for s, e in hit.passages[0].highlights] == ["第八个五年普法"]


def test_a_word_found_nowhere_is_named_and_its_nearest_forms_suggested(corpus):
    archive_index, _ = corpus
    results = search(archive_index, SearchRequest("行政复意"))
    assert results.absent == ["复意"]
    assert "行政复议" in results.suggestions["行政复意"]
    typo = search(archive_index, SearchRequest("送法下相"))  # cut into single characters
    assert "送法下乡" in typo.suggestions["送法下相"]
    assert search(archive_index, SearchRequest("送法下乡")).suggestions == {}


def test_a_query_that_finds_nothing_shows_its_nearest_form_and_says_so(corpus):
    archive_index, _ = corpus
    results = search(archive_index, SearchRequest("信方维稳"))
    assert results.searched_instead == "信访维稳"
    assert "e.txt" in [r.file for r in results.results if r.tier == 1]
    assert results.suggestions == {"信方维稳": ["信访维稳"]}
    guess = search(archive_index, SearchRequest("矫政"))  # 行政 or 矫正? not for two characters
    assert guess.suggestions and guess.searched_instead is None and guess.total_reports == 0


def ranked(archive_index: ArchiveIndex, query: str, files: set[str]) -> list[str]:
    results = search(archive_index, SearchRequest(query, **EVERYTHING))
    return [r.file for r in results.results if r.file in files]


def test_passages_holding_the_words_close_together_rank_first(corpus):
    assert ranked(corpus[0], "禁毒 矫正", {"near.txt", "far.txt"}) == ["near.txt", "far.txt"]


def test_a_match_under_a_heading_that_names_it_ranks_first(corpus):
    files = {"heading.txt", "plain.txt"}
    assert ranked(corpus[0], "缉毒行动", files) == ["heading.txt", "plain.txt"]


def test_a_question_about_problems_prefers_the_problems_part(corpus):
    files = {"measures.txt", "problems.txt"}
    assert ranked(corpus[0], "社区法律讲座", files) == ["measures.txt", "problems.txt"]
    assert ranked(corpus[0], "社区法律讲座存在的问题", files) == ["problems.txt", "measures.txt"]


def test_a_report_shows_its_best_passage_first(corpus):
    archive_index, _ = corpus
    hit = search(archive_index, SearchRequest("法律顾问发挥作用", town="青山镇")).results[0]
    assert hit.file == "a.txt"
    assert "发挥作用" in hit.passages[0].text
