"""Extraction on report shapes the samples do not show: other title forms, scripts, outlines."""

from __future__ import annotations

import pytest

from indexer import ReportReadError, build_record
from indexer.extraction.overrides import read_overrides

BODY = (
    "一、主要举措和成效\n（一）加强组织领导。镇党委高度重视。\n"
    "二、存在的问题\n一是学法不够深入；二是宣传形式单一。\n"
    "三、下一步工作打算\n继续推进“八五”普法。\n"
)


@pytest.mark.parametrize(
    ("text", "title", "town", "county", "province", "year"),
    [
        (  # a title with province, county-level city and district before the town
            "四川省成都市双流区黄甲街道2019年法治政府建设工作总结\n",
            "四川省成都市双流区黄甲街道2019年法治政府建设工作总结",
            "黄甲街道",
            "双流区",
            "四川省",
            2019,
        ),
        (  # traditional characters: values are folded to simplified for filtering
            "玉湖鎮2020年度法治政府建設情況報告\n",
            "玉湖鎮2020年度法治政府建設情況報告",
            "玉湖镇",
            None,
            None,
            2020,
        ),
        (  # a redacted town in an issuer-style title
            "XX镇人民政府关于2022年度法治政府建设情况的报告\n",
            "XX镇人民政府关于2022年度法治政府建设情况的报告",
            None,
            None,
            None,
            2022,
        ),
        (  # placeholders are unknown, not guessed
            "x镇20xx年度法治政府建设情况报告\n",
            "x镇20xx年度法治政府建设情况报告",
            None,
            None,
            None,
            None,
        ),
        (  # a county before a redacted town
            "威信县**镇2021年法治建设工作总结\n",
            "威信县**镇2021年法治建设工作总结",
            None,
            "威信县",
            None,
            2021,
        ),
        (  # 市 in a town's name, full-width digits
            "新市镇２０２３年法治政府建设情况报告\n",
            "新市镇２０２３年法治政府建设情况报告",
            "新市镇",
            None,
            None,
            2023,
        ),
        (  # a year written in Chinese numerals, a 乡
            "城关乡二〇二二年度依法治乡工作总结\n",
            "城关乡二〇二二年度依法治乡工作总结",
            "城关乡",
            None,
            None,
            2022,
        ),
        (  # a title over three lines
            "中共青山镇委员会\n青山镇人民政府\n关于2020年法治政府建设情况的报告\n",
            "中共青山镇委员会青山镇人民政府关于2020年法治政府建设情况的报告",
            "青山镇",
            None,
            None,
            2020,
        ),
        (  # a county-level city directly above the town
            "晋江市安海镇2018年度法治政府建设情况报告\n",
            "晋江市安海镇2018年度法治政府建设情况报告",
            "安海镇",
            "晋江市",
            None,
            2018,
        ),
    ],
)
def test_title_forms(write_txt, text, title, town, county, province, year):
    record = build_record(write_txt(text + "2021年以来，我镇深入推进依法治镇。\n" + BODY))
    assert (record.title, record.town, record.county, record.province) == (
        title,
        town,
        county,
        province,
    )
    if year is not None or "20xx" in text:
        assert record.year == (year if year is not None else 2021)


@pytest.mark.parametrize(
    ("text", "year", "source"),
    [
        ("2024年以来，我镇坚持依法行政。\n" + BODY, 2024, "opening"),
        ("2023年，青山镇在县委的领导下推进法治建设。\n" + BODY, 2023, "opening"),
        # a plan period and the next year's plan never give the year
        (
            "今年以来，我镇落实《法治建设规划（2021年－2025年）》。\n"
            "三、2022年工作打算\n继续推进。\n",
            None,
            None,
        ),
        (
            "今年以来，我镇落实《2021年普法工作要点》和《法治建设规划（2021－2025年）》。\n"
            + BODY
            + "四、2022年工作计划\n2022年将继续推进。\n",
            2021,
            "body",
        ),
        ("今年以来，我镇在2020年和2021年开展普法。\n" + BODY, None, None),
    ],
)
def test_year_without_a_title(write_txt, text, year, source):
    record = build_record(write_txt(text))
    assert record.year == year
    assert (record.evidence["year"].source if year else "year" not in record.evidence) == (
        source or True
    )


def test_town_from_the_opening_and_not_from_prose(write_txt):
    record = build_record(
        write_txt("一年来，玉湖镇贯彻落实区委部署，大力推进依法治镇工作。\n" + BODY)
    )
    assert record.town == "玉湖镇"
    assert record.evidence["town"].phrase == "玉湖镇"
    prose = build_record(write_txt("一年来，我镇大力推进依法治县工作，推进乡村振兴。\n" + BODY))
    assert (prose.town, prose.county) == (None, None)


def test_conflicting_towns_in_document_names_stay_unknown(write_txt):
    text = "今年以来，我镇制定《青山镇普法计划》，学习《绿水镇2021年普法工作计划》。\n" + BODY
    assert build_record(write_txt(text)).town is None


def test_half_width_and_arabic_outline_levels(write_txt):
    text = (
        "青山镇2021年法治政府建设情况报告\n"
        "一、工作开展情况\n(一)强化学习。内容。\n1.组织集中学法。每月一次。\n2.开展考试。\n"
        "(二)强化宣传。内容。\n"
        "二、问题与不足\n学习不深入。\n"
    )
    record = build_record(write_txt(text))
    assert [(s.heading, s.level) for s in record.sections] == [
        ("一、工作开展情况", 1),
        ("(一)强化学习。", 2),
        ("1.组织集中学法。", 3),
        ("2.开展考试。", 3),
        ("(二)强化宣传。", 2),
        ("二、问题与不足", 1),
    ]
    assert record.sections[2].path == ("一、工作开展情况", "(一)强化学习。")


def test_only_parenthesized_headings_are_the_top_level(write_txt):
    record = build_record(write_txt("（一）强化组织领导。内容。\n（二）存在问题。内容。\n"))
    assert [(s.level, s.categories) for s in record.sections] == [
        (1, ("measures",)),
        (1, ("problems",)),
    ]


def test_subheadings_name_their_own_part_under_one_top_heading(write_txt):
    text = (
        "一、2021年工作情况\n（一）主要做法。内容。\n（二）存在问题。内容。\n"
        "（三）下一步打算。内容。\n（四）制定普法计划。内容。\n"
    )
    record = build_record(write_txt(text))
    assert [s.categories for s in record.sections] == [
        ("measures",),
        ("measures",),
        ("problems",),
        ("plans",),
        ("measures",),
    ]


def test_numbered_sentences_are_not_headings(write_txt):
    long_item = "1." + "全面推进政务公开，" * 12 + "取得实效。"
    record = build_record(write_txt("一、主要举措\n" + long_item + "\n二、存在问题\n内容。\n"))
    assert [s.heading for s in record.sections] == ["一、主要举措", "二、存在问题"]


def test_preamble_passages_belong_to_no_section(write_txt):
    record = build_record(
        write_txt("青山镇2021年法治政府建设情况报告\n今年以来成效明显。\n" + BODY)
    )
    assert [p.section for p in record.passages[:2]] == [-1, -1]
    assert record.section_categories(-1) == ("other",)
    assert record.section_path(record.passages[3].section) == (
        "一、主要举措和成效",
        "（一）加强组织领导。",
    )


def test_sidecar_corrections_win(write_txt, tmp_path):
    report = write_txt("**镇2021年法治政府建设情况报告\n" + BODY, name="r.txt")
    (tmp_path / "r.txt.meta.toml").write_text('town = "扎西镇"\nyear = 2020\ncounty = ""\n')
    record = build_record(report)
    assert (record.town, record.year, record.county) == ("扎西镇", 2020, None)
    assert record.evidence["town"].source == "override"


@pytest.mark.parametrize(
    ("sidecar", "reason"),
    [
        ("town = ", "cannot read the corrections file"),
        ('village = "x"', "unknown field(s) village"),
        ('year = "2021"', "year must be a number"),
        ("town = 3", "town must be text"),
    ],
)
def test_broken_sidecar_is_reported_by_name(write_txt, tmp_path, sidecar, reason):
    report = write_txt(BODY, name="r.txt")
    (tmp_path / "r.txt.meta.toml").write_text(sidecar)
    with pytest.raises(ReportReadError, match="r.txt.meta.toml") as caught:
        read_overrides(report)
    assert reason in caught.value.reason
    # The report itself is still read, as extracted, with the sidecar named in a warning.
    record = build_record(report)
    assert record.passages and all(e.source != "override" for e in record.evidence.values())
    assert [w for w in record.warnings if "r.txt.meta.toml" in w and reason in w]


@pytest.mark.parametrize(
    ("text", "town"),
    [
        ("某镇2021年度法治政府建设情况报告\n" + BODY, None),
        ("某乡2021年度依法治乡工作总结\n" + BODY, None),
        ("2021年以来，我镇积极推进，结合峰川镇实际情况，推进法治建设。\n" + BODY, "峰川镇"),
        ("今年以来，在青山镇党委领导下，绿水镇人民政府配合。\n" + BODY, None),  # two towns
        ("今年以来，推进乡镇政府职能转变，结合全镇实际，结合本镇实际。\n" + BODY, None),
    ],
)
def test_towns_in_the_body(write_txt, text, town):
    assert build_record(write_txt(text)).town == town
