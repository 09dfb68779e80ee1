"""The relevance benchmark's parts: the measures on hand-made rankings, the grading rules, the
BM25 baseline, the position mapping against a real index, and the judged query set itself
on the evaluation archive built from the repository's own copies of its reports."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from bench.relevance.archive import build_archive, check_against_index
from bench.relevance.judged import KINDS, Passage, judge, load_queries, read_passages
from bench.relevance.metrics import Scores, evaluate, ideal_gains, ndcg_at, precision_at
from bench.relevance.systems import Bm25, load_recorded, product_ranking
from indexer import ArchiveIndex, update_index
from indexer.normalize import normalize
from indexer.vocabulary import CATEGORY_BITS

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "data" / "real"
SAMPLES = ROOT / "tests" / "data" / "samples"
RECORDED = ROOT / "bench" / "data" / "relevance" / "today.json"


def test_precision_counts_empty_slots_as_misses():
    assert precision_at([2, 1, 0, 2, 2, 0, 2]) == 4 / 5
    assert precision_at([2, 2]) == 2 / 5  # a short page is not rewarded
    assert precision_at([]) == 0.0


def test_ndcg_against_the_ideal_ranking():
    assert ndcg_at([2, 2, 1], ideal=[1, 2, 2]) == pytest.approx(1.0)
    # 1/log2(2) + 2/log2(3) over 2/log2(2) + 1/log2(3)
    expected = (1 + 2 / math.log2(3)) / (2 + 1 / math.log2(3))
    assert ndcg_at([1, 2], ideal=[2, 1]) == pytest.approx(expected)
    assert ndcg_at([0, 0, 2], ideal=[2]) == pytest.approx(0.5)  # 2/log2(4) over 2/log2(2)
    assert ndcg_at([0] * 10 + [2], ideal=[2]) == 0.0  # past rank 10
    assert ndcg_at([1], ideal=[]) == 0.0


def test_scores_use_the_grade_of_the_passage_shown():
    grades = {("a.txt", 3): 2, ("a.txt", 0): 1, ("b.txt", 1): 1}
    assert sorted(ideal_gains(grades)) == [1, 2]
    shown_well = Scores([("a.txt", 3), ("b.txt", 1)], grades, ideal_gains(grades))
    shown_badly = Scores([("a.txt", 0), ("b.txt", 5)], grades, ideal_gains(grades))
    assert shown_well.ndcg == pytest.approx(1.0) and shown_well.precision == 2 / 5
    assert shown_badly.precision == 1 / 5 and shown_badly.ndcg < 0.5
    assert Scores([], grades, [2, 1]).results == 0


def test_evaluate_scores_a_source_on_its_own_reports():
    query = load_queries()[0]
    grades = {query.id: {("real/1.txt", 0): 2, ("generated/9.txt", 0): 2}}
    ranking = [("generated/9.txt", 0), ("generated/8.txt", 0), ("real/1.txt", 0)]
    rankings = {"x": {query.id: ranking}}
    everywhere = evaluate([query], grades, rankings)["x"][0]
    real = evaluate([query], grades, rankings, lambda f: f.startswith("real/"))["x"][0]
    assert everywhere.ndcg < 1.0 and real.ndcg == pytest.approx(1.0) and real.results == 1
    assert evaluate([query], grades, rankings, lambda f: f.startswith("samples/"))["x"] == []


def _query(tmp_path: Path, body: str):
    path = tmp_path / "queries.toml"
    path.write_text(
        '[[query]]\nid = "q"\ntext = "t"\nkind = "problems"\nnote = "n"\n' + body, "utf-8"
    )
    return load_queries(path)[0]


def test_grades_follow_the_rule(tmp_path):
    query = _query(
        tmp_path,
        'concepts = [["法律顾问"], ["不够", "不足"]]\nsections = ["problems"]\n',
    )
    problems, measures = CATEGORY_BITS["problems"], CATEGORY_BITS["measures"]

    def grade(text: str, cats: int = problems) -> int:
        return query.grade(Passage("f.txt", 0, normalize(text), cats))  # as read_passages

    assert grade("一是法律顾问作用发挥不够。") == 2
    assert grade("一是法律顾问作用发挥不够。", measures) == 1  # the right words, the wrong part
    assert grade("聘请了法律顾问。宣传力度不够。") == 1  # not one statement
    assert grade("聘请了法律顾问；宣传力度不够。") == 1  # ； (; once normalized) ends one too
    assert grade("一是法律顧問作用發揮不夠。") == 2  # traditional characters, folded
    assert grade("宣传力度不够。") == 0


def test_partial_and_elsewhere(tmp_path):
    query = _query(
        tmp_path,
        'concepts = [["普法"]]\nsections = ["plans"]\nelsewhere = false\n'
        'partial = [["普法"], ["不够"]]\n',
    )
    plans, measures = CATEGORY_BITS["plans"], CATEGORY_BITS["measures"]
    assert query.grade(Passage("f", 0, "加大普法力度。", plans)) == 2
    assert query.grade(Passage("f", 0, "加大普法力度。", measures)) == 0
    assert query.grade(Passage("f", 0, "普法力度不够。", measures)) == 1


def test_a_malformed_rule_names_the_file_and_the_query(tmp_path):
    with pytest.raises(ValueError, match=r"queries\.toml: query q: concepts"):
        _query(tmp_path, 'concepts = ["普法"]\n')
    with pytest.raises(ValueError, match="unknown sections"):
        _query(tmp_path, 'concepts = [["普法"]]\nsections = ["problem"]\n')


def test_bm25_ranks_passages_and_keeps_one_result_per_report():
    passages = [
        Passage("a.txt", 0, "开展安全生产检查。", 0),
        Passage("a.txt", 1, "开展安全生产执法检查,执法人员持证上岗。", 0),
        Passage("b.txt", 0, "组织普法宣传。", 0),
        Passage("c.txt", 0, "安全生产宣传月。", 0),
    ]
    bm25 = Bm25(passages)
    try:
        ranking = bm25.ranking("安全生产执法检查")
        assert ranking[0] == ("a.txt", 1)
        assert [file for file, _ in ranking] == ["a.txt", "c.txt"]
        assert bm25.ranking("如何") == []
    finally:
        bm25.close()


def test_positions_from_the_product_point_at_the_judged_passages(archive, index_dir):
    update_index(archive, index_dir)
    passages = read_passages(archive)
    texts = {(p.file, p.position): p.text for p in passages}
    archive_index = ArchiveIndex(index_dir)
    try:
        check_against_index(passages, archive_index)
        ranking = product_ranking(archive_index, "法律顾问")
        with pytest.raises(SystemExit, match="differ"):
            check_against_index(passages[1:], archive_index)
    finally:
        archive_index.close()
    assert len(ranking) >= 2
    assert all("法律顾问" in texts[hit] for hit in ranking)


def test_a_recorded_run_must_fit_the_queries(tmp_path):
    queries = load_queries()
    data = json.loads(RECORDED.read_text(encoding="utf-8"))
    commit, rankings = load_recorded(RECORDED, queries, data["archive"])
    assert commit == "4333525" and set(rankings) == {q.id for q in queries}
    stale = tmp_path / "today.json"
    data["queries"][queries[0].id]["query"] = "别的词"
    stale.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match=queries[0].id):
        load_recorded(stale, queries, data["archive"])
    with pytest.raises(ValueError, match="another archive"):
        load_recorded(RECORDED, queries, {**data["archive"], "passages": 1})


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_the_judged_set_on_the_evaluation_archive(tmp_path):
    """At least 60 queries of every kind, each with a passage of grade ≥ 1 in the archive
    the bench builds (here from the repository's copies of the real reports and samples)."""
    queries = load_queries()
    assert len(queries) >= 60 and len({q.id for q in queries}) == len(queries)
    assert {q.kind for q in queries} == set(KINDS)
    archive = build_archive(tmp_path, REAL, SAMPLES)
    passages = read_passages(archive)
    assert {p.source for p in passages} == {"real", "samples", "generated"}
    grades = judge(queries, passages)
    unanswered = [q.id for q in queries if not grades[q.id]]
    assert unanswered == []
