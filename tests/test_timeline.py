"""One town across years in the library and the CLI: sentences, the diff, the plans check,
finding the town, and the passages an export of the view holds; on a real index of reports
(.txt and .docx) written here with known differences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer import ArchiveIndex, update_index
from indexer.cli import main
from indexer.export import ExportPassage
from indexer.promises import check_plans, topic_words
from indexer.sentences import (
    ADDED,
    MODIFIED,
    MODIFIED_RATIO,
    REMOVED,
    SAME,
    diff_sentences,
    sentence_key,
    split_sentences,
)
from indexer.timeline import TownAmbiguous, TownNotFound, TownYearError, town_view
from indexer.town_export import town_passages
from tests import town_data as T


@pytest.fixture(scope="module")
def town_index(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("town")
    T.write_town(root / "archive")
    assert not update_index(root / "archive", root / "index").failed
    return root / "index"


@pytest.fixture(scope="module")
def opened(town_index):
    archive_index = ArchiveIndex(town_index)
    yield archive_index
    archive_index.close()


def texts(sentences) -> list[str]:
    return [s.text for s in sentences]


# Sentences and the diff


def test_sentences_end_at_each_terminator_and_at_line_ends():
    text = "一、主要工作\n推行调解。开展宣传！效果如何？还要努力；最后一句”引文。”\n  无标点的行"
    assert texts(split_sentences(text)) == [
        "一、主要工作",
        "推行调解。",
        "开展宣传！",
        "效果如何？",
        "还要努力；",
        "最后一句”引文。”",
        "无标点的行",
    ]
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text


def test_half_width_terminators_split_too_and_punctuation_alone_is_no_sentence():
    assert texts(split_sentences("甲乙!丙丁?戊己;。。\n；")) == ["甲乙!", "丙丁?", "戊己;。。"]


def test_the_same_sentence_in_traditional_full_width_or_with_other_final_punctuation():
    assert sentence_key("加强队伍建设。") == sentence_key("加強隊伍建設；")
    assert sentence_key("ＡＢ 调解") == sentence_key("ab调解")
    assert sentence_key("加强队伍建设") != sentence_key("加强法治队伍建设")


def test_the_diff_marks_kept_removed_added_and_modified_sentences():
    old = split_sentences("保留的一句。开展宣传十二场。删去的一句话在这里。")
    new = split_sentences("保留的一句。開展宣傳十五場。完全不同的新内容出现了。")
    rows = diff_sentences(old, new)
    assert [(r.kind, r.old and r.old.text, r.new and r.new.text) for r in rows] == [
        (SAME, "保留的一句。", "保留的一句。"),
        (MODIFIED, "开展宣传十二场。", "開展宣傳十五場。"),
        (REMOVED, "删去的一句话在这里。", None),
        (ADDED, None, "完全不同的新内容出现了。"),
    ]
    modified = rows[1]
    assert [modified.old.text[a:b] for a, b in modified.old_changes] == ["二"]
    assert [modified.new.text[a:b] for a, b in modified.new_changes] == ["五"]
    assert rows[1].to_json()["similarity"] >= MODIFIED_RATIO


def test_a_sentence_changed_past_the_threshold_is_removed_and_added():
    old, new = split_sentences("推行网格化调解。"), split_sentences("推行一村一法律顾问。")
    assert [r.kind for r in diff_sentences(old, new)] == [REMOVED, ADDED]


def test_modified_pairs_keep_their_order_and_new_sentences_before_them_are_added():
    old = split_sentences("开展宣传十二场。")
    new = split_sentences("新建工作站三个。开展宣传十五场。")
    assert [r.kind for r in diff_sentences(old, new)] == [ADDED, MODIFIED]


# Plans against the next year's measures


def test_topic_words_leave_out_stopwords_generic_words_numbers_and_enumerations():
    words = topic_words("一是加强法治建设，2022年推行一村一法律顾问制度。")
    assert "一村一法律顾问" in words
    assert not words & {"一是", "加强", "法治", "建设", "2022", "法治建设"}


def test_a_plan_is_taken_up_by_a_shared_word_of_three_characters_or_three_words():
    plans = split_sentences(
        "推行一村一法律顾问制度。修缮村史馆。组织群众接受培训。强化对权力的制约和监督。"
    )
    measures = split_sentences(
        "十二个村聘请一村一法律顾问。群众自觉接受法治培训。权力受到监督和制约。"
    )
    check = check_plans(plans, measures)
    # 培训 alone is two short words at most; 权力, 制约, 监督 are three
    assert [p.taken_up for p in check.plans] == [True, False, False, True]
    assert check.plans[0].words == ("一村一法律顾问",)
    assert check.taken_up_by == {0: [0], 2: [3]}
    assert check.followed == 2


# The town, its timeline and its comparison


def test_the_timeline_lists_the_towns_reports_year_by_year(opened):
    view = town_view(opened, T.TOWN, T.COUNTY)
    assert (view.town, view.county) == (T.TOWN, T.COUNTY)
    assert [(e.year, e.file) for e in view.reports] == [
        (2020, "青松镇/2020.txt"),
        (2021, "青松镇/2021.docx"),
        (2022, "青松镇/2022.txt"),
    ]
    assert [e.title for e in view.reports] == [T.title(2020), T.title(2021), T.title(2022)]
    assert view.reports[0].parts == ("measures", "problems", "other")  # no plans in 2020
    assert view.reports[1].parts == ("measures", "problems", "plans", "other")
    assert all(e.characters > 50 and e.sentences > 5 for e in view.reports)


def test_same_named_towns_of_different_counties_are_never_mixed(opened):
    with pytest.raises(TownAmbiguous) as asked:
        town_view(opened, T.TOWN)
    assert {c.county for c in asked.value.choices} == {T.COUNTY, T.OTHER_COUNTY}
    other = town_view(opened, T.TOWN, T.OTHER_COUNTY)
    assert [e.file for e in other.reports] == ["巫溪县青松镇2022.txt"]
    assert all(e.county == T.COUNTY for e in town_view(opened, T.TOWN, T.COUNTY).reports)


def test_an_unknown_town_names_the_nearest_ones(opened):
    with pytest.raises(TownNotFound) as missing:
        town_view(opened, "青松")
    assert {(c.town, c.county) for c in missing.value.nearest} == {
        (T.TOWN, T.COUNTY),
        (T.TOWN, T.OTHER_COUNTY),
    }
    with pytest.raises(TownNotFound):
        town_view(opened, T.TOWN, "不存在县")


def test_a_name_is_matched_normalized_as_stored(opened):
    assert town_view(opened, " 青鬆鎮 ", T.COUNTY).town == T.TOWN  # traditional, spaces


def test_by_default_the_last_two_years_are_compared_sentence_by_sentence(opened):
    view = town_view(opened, T.TOWN, T.COUNTY)
    assert (view.old.year, view.new.year) == (2021, 2022)
    measures = {p.category: p for p in view.parts}["measures"]
    assert [(r.kind, r.old and r.old.text, r.new and r.new.text) for r in measures.rows] == [
        (SAME, "一、主要举措和成效", "一、主要举措和成效"),
        (SAME, T.KEPT, T.KEPT),
        (MODIFIED, T.EDITED_2021, T.EDITED_2022),
        (REMOVED, T.DROPPED, None),
        *[(ADDED, None, sentence) for sentence in T.ADDED],
    ]
    problems = {p.category: p for p in view.parts}["problems"]
    assert [(r.kind, r.new.text) for r in problems.rows if r.kind != SAME] == [
        (ADDED, T.PROBLEM_2022)
    ]


def test_any_two_years_can_be_compared_and_a_missing_year_is_an_error(opened):
    view = town_view(opened, T.TOWN, T.COUNTY, (2022, 2020))
    assert (view.old.year, view.new.year) == (2020, 2022)
    plans = {p.category: p for p in view.parts}["plans"]
    assert all(r.kind == ADDED for r in plans.rows)  # 2020 has no plans part
    with pytest.raises(TownYearError, match="2019"):
        town_view(opened, T.TOWN, T.COUNTY, (2019, 2022))
    with pytest.raises(TownYearError):
        town_view(opened, T.TOWN, T.COUNTY, (2021, 2021))


def test_the_plans_of_2021_are_checked_against_the_measures_of_2022(opened):
    promises = town_view(opened, T.TOWN, T.COUNTY).promises
    assert (promises.plan_year, promises.next_year, promises.missing) == (2021, 2022, None)
    plans = promises.check.plans
    assert [p.plan.text for p in plans] == T.PLANS_2021  # the part's heading is not a plan
    assert [p.taken_up for p in plans] == [True, True, False]
    assert "一村一法律顾问" in plans[0].words and "行政执法" in plans[1].words
    by = [promises.check.measures[at].text for at, _ in plans[0].matches]
    assert by == [T.ADDED[1]]
    assert T.KEPT in [m.text for m in promises.check.measures]


def test_a_year_without_plans_or_without_a_next_report_says_so(opened):
    view = town_view(opened, T.TOWN, T.COUNTY, plan_year=2020)
    assert view.promises.check is None
    assert "2020 年的报告没有" in view.promises.missing
    view = town_view(opened, T.TOWN, T.COUNTY, plan_year=2022)
    assert view.promises.missing == "没有 2023 年的报告，无法对照 2022 年的计划。"
    with pytest.raises(TownYearError):
        town_view(opened, T.TOWN, T.COUNTY, plan_year=2019)


def test_the_json_says_what_each_year_planned_and_what_followed(opened):
    data = town_view(opened, T.TOWN, T.COUNTY).to_json()
    assert list(data) == ["town", "county", "reports", "compared", "parts", "promises"]
    assert [r["plans_taken_up"] for r in data["reports"]] == [None, [2, 3], None]
    assert data["compared"] == [2021, 2022]
    measures = data["parts"][0]
    assert measures["counts"] == {"same": 2, "modified": 1, "removed": 1, "added": 3}
    assert measures["rows"][2] == {
        "kind": "modified",
        "old": T.EDITED_2021,
        "new": T.EDITED_2022,
        "similarity": measures["rows"][2]["similarity"],
        "old_changes": [[9, 10]],
        "new_changes": [[9, 10]],
    }
    assert [p["taken_up"] for p in data["promises"]["plans"]] == [True, True, False]


def test_the_export_holds_the_passages_shown_with_the_changes_highlighted(opened):
    passages = town_passages(town_view(opened, T.TOWN, T.COUNTY))
    assert all(isinstance(p, ExportPassage) for p in passages)
    dropped = next(p for p in passages if p.year == 2021 and T.DROPPED in p.text)
    assert [dropped.text[a:b] for a, b in dropped.highlights] == ["二", T.DROPPED]
    assert dropped.section == ["一、主要举措和成效"]
    assert (dropped.town, dropped.county, dropped.file) == (T.TOWN, T.COUNTY, "青松镇/2021.docx")
    kept = next(p for p in passages if p.year == 2022 and p.text == T.KEPT)
    assert kept.highlights == []
    in_diff, in_promises = [p for p in passages if p.text == T.PLANS_2021[0]]
    assert in_diff.highlights == [(0, len(T.PLANS_2021[0]))]  # removed in 2022's plans
    assert [in_promises.text[a:b] for a, b in in_promises.highlights] == ["一村一法律顾问"]


# The CLI


def test_the_cli_exports_what_the_page_exports(town_index, tmp_path):
    import csv

    out = tmp_path / "青松镇.csv"
    args = ["town", T.TOWN, "--county", T.COUNTY, "--index", str(town_index), "--export", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out}: ")
    rows = list(csv.reader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0][0].startswith(f"历年对比 · {T.TOWN}（{T.COUNTY}）")
    opened = ArchiveIndex(town_index)
    try:
        shown = [p.text for p in town_passages(town_view(opened, T.TOWN, T.COUNTY))]
    finally:
        opened.close()
    assert [row[6] for row in rows[3:]] == shown
    refused = CliRunner().invoke(main, [*args[:-1], str(tmp_path / "x.pdf")])
    assert refused.exit_code == 2


def test_the_cli_prints_the_timeline_the_diff_and_the_plans(town_index):
    result = CliRunner().invoke(
        main, ["town", T.TOWN, "--county", T.COUNTY, "--index", str(town_index)]
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{T.TOWN} ({T.COUNTY}): 3 reports"
    assert f"  {T.KEPT}" in lines and f"- {T.DROPPED}" in lines
    assert "~ 开展法治宣传活动十[-二-]场。" in lines and "~ 开展法治宣传活动十{+五+}场。" in lines
    assert "  taken up: 2 of 3" in lines
    assert f"  ✗ {T.PLANS_2021[2]}" in lines


def test_the_cli_json_is_the_api_object(town_index, opened):
    args = ["town", T.TOWN, "--county", T.COUNTY, "--years", "2020", "2021", "--json"]
    result = CliRunner().invoke(main, [*args, "--index", str(town_index)])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == town_view(opened, T.TOWN, T.COUNTY, (2020, 2021)).to_json()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([T.TOWN], "--county 城口县"),
        (["青松"], "nearest: 青松镇"),
        ([T.TOWN, "--county", T.COUNTY, "--years", "2019", "2022"], "没有 2019 年的报告"),
    ],
)
def test_the_cli_says_what_is_wrong_with_status_1(town_index, args, message):
    result = CliRunner().invoke(main, ["town", *args, "--index", str(town_index)])
    assert result.exit_code == 1
    assert message in result.output


def test_the_cli_without_an_index_says_so(tmp_path):
    result = CliRunner().invoke(main, ["town", T.TOWN, "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Error:" in result.output


def test_reports_of_unknown_county_join_a_town_of_one_county_and_are_named_otherwise(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    body = "\n一、主要举措和成效\n推行网格化调解。"
    (archive / "a.txt").write_text("城口县红叶镇2020年法治政府建设情况报告" + body, "utf-8")
    (archive / "b.txt").write_text("红叶镇2021年法治政府建设情况报告" + body, "utf-8")
    assert not update_index(archive, tmp_path / "index").failed
    opened = ArchiveIndex(tmp_path / "index")
    try:
        view = town_view(opened, "红叶镇")
        assert view.county == "城口县"
        with pytest.raises(TownNotFound) as missing:
            town_view(opened, "红叶镇", "巫山县")
        assert [(c.county, c.reports) for c in missing.value.nearest] == [("城口县", 1), (None, 1)]
        assert [(e.file, e.county) for e in view.reports] == [("a.txt", "城口县"), ("b.txt", None)]
        (archive / "c.txt").write_text("巫山县红叶镇2022年法治政府建设情况报告" + body, "utf-8")
        assert not update_index(archive, tmp_path / "index").failed
        with pytest.raises(TownAmbiguous) as asked:
            town_view(opened, "红叶镇")
        assert asked.value.unplaced == ["b.txt"]
        assert [e.file for e in town_view(opened, "红叶镇", "城口县").reports] == ["a.txt"]
    finally:
        opened.close()


def test_the_cli_says_when_there_is_nothing_to_compare_or_check(town_index):
    args = ["town", T.TOWN, "--county", T.OTHER_COUNTY, "--index", str(town_index)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "fewer than two years: nothing to compare" in result.output
    assert "2022 年的报告没有“下一年度工作打算”部分。" in result.output
