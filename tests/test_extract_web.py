"""Extraction on the shapes real published reports take (made-up texts of the same shape).

Each test is one rule of the genre: page furniture around the text, titles among it, towns
and counties as officials write them, years that are not the report's, folders as evidence.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indexer import build_record
from indexer.cli import main

BODY = (
    "一、主要举措和成效\n（一）加强组织领导。镇党委高度重视。\n"
    "二、存在的问题\n一是学法不够深入；二是宣传形式单一。\n"
    "三、下一步工作打算\n继续推进“八五”普法。\n"
)
PAGE = (
    "青山县人民政府\n"
    "您当前所在位置: 首页 > 信息公开 > 法定主动公开内容\n"
    "- 索 引 号:530000/2026-00012\n"
    "-\n"
    "发布机构青山县绿水镇人民政府\n"
    "发布日期:2026-01-21   浏览次数:\n"
    "大 中 小  打印  分享:\n"
)


def _values(record):
    return record.title, record.town, record.county, record.year


def test_page_furniture_is_neither_title_nor_passage(write_txt):
    record = build_record(write_txt(PAGE + "绿水镇2025年度法治政府建设情况报告\n" + BODY))
    assert _values(record) == ("绿水镇2025年度法治政府建设情况报告", "绿水镇", "青山县", 2025)
    texts = [p.text for p in record.passages] + [s.heading for s in record.sections]
    assert not any(word in text for text in texts for word in ("索 引 号", "首页", "浏览次数"))
    assert record.text.startswith("绿水镇2025年度")
    # The county was read from the publisher field, outside the report's text.
    assert (record.evidence["county"].source, record.evidence["county"].start) == ("page", -1)


def test_a_column_name_or_site_name_is_not_the_title(write_txt):
    text = "工作报告\n当前位置: 首页 > 工作报告\n2020年青山区法治政府建设情况报告\n" + BODY
    assert build_record(write_txt(text)).title == "2020年青山区法治政府建设情况报告"
    site = "青山县人民政府\n绿水镇人民政府关于2022年法治政府建设工作情况报告\n" + BODY
    assert build_record(write_txt(site)).title == "绿水镇人民政府关于2022年法治政府建设工作情况报告"


def test_issuers_over_several_lines_and_a_title_printed_twice(write_txt):
    text = (
        "中共青山县绿水镇委员会\n青山县绿水镇人民政府\n关于2025年法治政府建设情况的报告\n"
        "发布时间:2026-01-19 11:09\n"
        "关于2025年法治政府建设情况的报告\n" + BODY + BODY.splitlines()[0] + "\n"
    )
    record = build_record(write_txt(text))
    assert _values(record) == (
        "中共青山县绿水镇委员会青山县绿水镇人民政府关于2025年法治政府建设情况的报告",
        "绿水镇",
        "青山县",
        2025,
    )
    # The title's own line is a passage; the page's second print of it is not.
    assert [p.text for p in record.passages].count("关于2025年法治政府建设情况的报告") == 1


def test_a_line_printed_twice_in_a_row_is_one_heading(write_txt):
    record = build_record(write_txt("一、强化党的领导\n一、强化党的领导\n内容。\n二、存在问题\n"))
    assert [s.heading for s in record.sections] == ["一、强化党的领导", "二、存在问题"]


@pytest.mark.parametrize(
    ("title", "town", "county"),
    [
        (
            "昆明市盘龙区人民政府金龙街道办事处关于2022年法治政府建设情况的报告",
            "金龙街道",
            "盘龙区",
        ),
        ("西山街道办事处2022年法治政府建设工作报告", "西山街道", None),
        ("青山瑶族乡2025年度法治政府建设情况报告", "青山瑶族乡", None),
        ("中共绿水县县委 绿水县人民政府关于2024年法治政府建设情况的报告", None, "绿水县"),
        ("中共杭州市青山区绿水街道党工委2022年法治建设工作报告", "绿水街道", "青山区"),
    ],
)
def test_names_as_officials_write_them(write_txt, title, town, county):
    record = build_record(write_txt(title + "\n" + BODY))
    assert (record.town, record.county) == (town, county)


@pytest.mark.parametrize(
    ("opening", "town", "county"),
    [
        ("2022年，在区委的领导下，我镇坚持依法行政。会上，组织镇党委班子成员学法。", None, None),
        ("一年来，各乡镇认真落实，推进法治建设。", None, None),
        ("2020年,绿水鎮(zhèn)深入貫徹法治思想。", "绿水镇", None),
        ("在新征程上，青山街街道办事处坚持以法治思想为指导。", "青山街街道", None),
        ("2022年，青山区深入学习贯彻法治思想。", None, "青山区"),
    ],
)
def test_the_opening_names_the_town_or_county(write_txt, opening, town, county):
    record = build_record(write_txt(opening + "\n" + BODY))
    assert (record.town, record.county) == (town, county)


def test_a_body_sentence_opening_on_year_and_town(write_txt):
    text = "一、主要举措\n积极开展执法。2022年绿水镇组织开展检查220余次。\n"
    assert build_record(write_txt(text)).town == "绿水镇"
    prose = "一、主要举措\n积极开展执法。2022年组织镇村干部学法。\n"
    assert build_record(write_txt(prose)).town is None


def test_superiors_name_a_towns_county_only(write_txt):
    town = "中共青山市委、市人民政府:\n2022年来,绿水乡在市委的领导下推进法治建设。\n" + BODY
    record = build_record(write_txt(town))
    assert (record.town, record.county, record.evidence["county"].source) == (
        "绿水乡",
        "青山市",
        "addressee",
    )
    # A county's report is addressed to its prefecture: that is not its county.
    county = "中共青山市委、市人民政府:\n2022年来,我县在市委的领导下推进法治建设。\n" + BODY
    assert build_record(write_txt(county)).county is None
    court = "2021年，绿水乡深入推进依法治乡，并邀请青山縣人民法院法官授课。\n" + BODY
    assert build_record(write_txt(court)).county == "青山县"


def test_a_publisher_named_only_as_a_city_is_not_the_county(write_txt):
    text = "来源:青山市\n2022年，绿水镇坚持依法行政。\n" + BODY
    assert build_record(write_txt(text)).county is None


@pytest.mark.parametrize(
    ("text", "year"),
    [
        # the title's second year is the plan's
        ("乡镇依法行政工作年度总结和2024年工作思路\n一、xxxx年工作总结\n内容。\n", None),
        # the opening's first sentence is a preamble
        ("法治是治国的基石。2022年，在县委领导下，我县推进法治建设。\n" + BODY, 2022),
        # a publication date is not the year; a page filed under 2021年度 is
        ("发布日期:2026年01月21日\n当前位置: 首页 > 年度报告 > 2021年度\n我镇推进法治。\n", 2021),
    ],
)
def test_years_that_are_not_the_reports(write_txt, text, year):
    assert build_record(write_txt(text)).year == year


def test_a_report_on_one_line(write_txt):
    text = (
        "2016年乡依法行政工作总结报告 2016年以来，*乡依法行政工作坚持以法治思想为指导，"
        + "紧紧围绕全乡中心工作，强化组织领导。" * 16
        + " 一、2016年主要工作 (一)健全制度、强化领导。乡政府高度重视。 1、领导重视。内容。"
        + " 二、存在问题 学法不深。"
    )
    record = build_record(write_txt(text))
    assert record.title == "2016年乡依法行政工作总结报告"
    assert (record.town, record.year) == (None, 2016)
    assert [(s.heading, s.level) for s in record.sections] == [
        ("一、2016年主要工作", 1),
        ("(一)健全制度、强化领导。", 2),
        ("1、领导重视。", 3),
        ("二、存在问题", 1),
    ]


def test_folders_and_file_names_are_evidence(tmp_path):
    folder = tmp_path / "archive" / "威信县" / "2021"
    folder.mkdir(parents=True)
    path = folder / "庙坝镇.txt"
    path.write_text("今年以来，我镇推进依法行政。\n" + BODY, encoding="utf-8")
    record = build_record(path, tmp_path / "archive")
    assert (record.town, record.county, record.year) == ("庙坝镇", "威信县", 2021)
    assert {record.evidence[n].source for n in ("town", "county", "year")} == {"path"}


def test_path_and_text_that_disagree_leave_the_value_unknown(tmp_path):
    path = tmp_path / "青山镇2021年报告.txt"
    path.write_text("绿水镇2021年法治政府建设情况报告\n" + BODY, encoding="utf-8")
    record = build_record(path, tmp_path)
    assert (record.town, record.year) == (None, 2021)
    assert any("绿水镇" in w and "青山镇" in w for w in record.warnings)


def test_a_hash_in_a_file_name_is_no_year(tmp_path):
    path = tmp_path / "001_4f2019a8.txt"
    path.write_text("我镇推进依法行政。\n" + BODY, encoding="utf-8")
    assert build_record(path, tmp_path).year is None


def _folder(tmp_path):
    folder = tmp_path / "archive" / "威信县"
    folder.mkdir(parents=True)
    (folder / "庙坝镇2021年.txt").write_text("我镇推进依法行政。\n" + BODY, encoding="utf-8")
    (folder / "绿水镇.txt").write_text(
        "青山镇2022年法治政府建设情况报告\n" + BODY, encoding="utf-8"
    )
    (folder / "坏.docx").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    return tmp_path / "archive"


def test_inspect_a_folder_prints_a_table(tmp_path):
    result = CliRunner().invoke(main, ["inspect", str(_folder(tmp_path))])
    assert result.exit_code == 1  # the broken file
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["file", "title", "town", "county", "year", "sections", "warnings"]
    assert lines[1].split()[:5] == ["威信县/庙坝镇2021年.txt", "-", "庙坝镇", "威信县", "2021"]
    assert "town unknown: the text says 青山镇" in lines[2]
    assert "坏.docx" in result.stderr


def test_inspect_a_folder_as_json_lines(tmp_path):
    result = CliRunner().invoke(main, ["inspect", str(_folder(tmp_path)), "--json"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["file"], r["town"], r["county"], r["year"]) for r in rows] == [
        ("威信县/庙坝镇2021年.txt", "庙坝镇", "威信县", 2021),
        ("威信县/绿水镇.txt", None, "威信县", 2022),
    ]
    assert rows[0]["evidence"]["town"] == "path"


def test_words_of_page_controls_inside_the_report_stay(write_txt):
    text = (
        "加大字体 缩小字体 收藏 打印\n"
        "一、主要举措\n（一）举办法治分享会\n分享经验做法\n满意率>95%，投诉率<1%，回访率>90%。\n"
    )
    record = build_record(write_txt(text))
    assert [s.heading for s in record.sections] == ["一、主要举措", "（一）举办法治分享会"]
    assert [p.text for p in record.passages][-2:] == [
        "分享经验做法",
        "满意率>95%，投诉率<1%，回访率>90%。",
    ]
    assert "收藏" not in record.text


def test_superiors_listed_from_the_province_down_name_the_county(write_txt):
    text = "2020年，绿水镇全面落实省委、青山市委和白云市委的部署。\n" + BODY
    record = build_record(write_txt(text))
    assert (record.county, record.evidence["county"].source) == ("白云市", "superiors")
    county = "2020年，白云市全面落实省委、青山市委和白云市委的部署。\n" + BODY
    assert build_record(write_txt(county)).county is None  # no town: not a town's superiors


def test_a_title_with_a_bracketed_note(write_txt):
    text = "绿水镇2022年法治政府建设情况报告（公开版）\n" + BODY
    assert build_record(write_txt(text)).title == "绿水镇2022年法治政府建设情况报告（公开版）"


def test_a_subheading_that_lost_its_opening_marker(write_txt):
    text = (
        "一、主要举措\n（一）加强组织领导\n内容。\n)落实政务公开\n内容。\n"
        "二、存在问题\n)内容。\n"
    )
    record = build_record(write_txt(text))
    assert [(s.heading, s.level) for s in record.sections] == [
        ("一、主要举措", 1),
        ("（一）加强组织领导", 2),
        (")落实政务公开", 2),
        ("二、存在问题", 1),
    ]


def test_superiors_that_disagree_leave_the_county_unknown(write_txt):
    text = (
        "中共青山县委、县人民政府:\n2021年，绿水乡深入推进依法治乡，邀请白云县人民法院法官授课。\n"
        + BODY
    )
    assert build_record(write_txt(text)).county is None


@pytest.mark.parametrize("above", ["青山县人民政府网", "2023-01-12 11:02", "责任编辑：张三"])
def test_a_site_name_or_date_right_above_the_title_is_not_part_of_it(write_txt, above):
    record = build_record(write_txt(f"{above}\n绿水镇2022年法治政府建设工作报告\n" + BODY))
    assert (record.title, record.town, record.county) == (
        "绿水镇2022年法治政府建设工作报告",
        "绿水镇",
        None,
    )


@pytest.mark.parametrize("area", ["青山开发区", "两江新区", "绿水社区"])
def test_an_area_named_qu_is_no_county(write_txt, area):
    record = build_record(write_txt(f"2022年，{area}深入学习贯彻法治思想。\n" + BODY))
    assert record.county is None
