"""One town's reports over three years, written by the tests with known differences.

青松镇 of 城口县: 2020 (.txt, no plans part), 2021 (.docx), 2022 (.txt). From 2021 to 2022
the measures keep one sentence, edit one (十二场 → 十五场), drop one and add three; two of
2021's three plans are taken up by 2022's measures. A second 青松镇, in 巫溪县, makes the
name ambiguous without a county.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import write_report_docx

TOWN, COUNTY, OTHER_COUNTY = "青松镇", "城口县", "巫溪县"

KEPT = "全镇推行网格化调解机制，各村设立调解室。"
EDITED_2021, EDITED_2022 = "开展法治宣传活动十二场。", "开展法治宣传活动十五场。"
DROPPED = "建成法治文化广场一处。"
ADDED = [
    "新建公共法律服务工作站三个。",
    "全镇十二个村全部聘请一村一法律顾问。",
    "举办行政执法人员培训班两期。",
]
PLANS_2021 = [
    "推行一村一法律顾问制度，实现村居全覆盖。",  # taken up: 一村一法律顾问
    "组织行政执法人员培训两次。",  # taken up: 行政执法
    "修缮村史馆并布置禁毒展板。",  # not taken up
]
PROBLEM = "基层法治力量薄弱。"
PROBLEM_2022 = "部分村法律明白人作用发挥不够。"


def title(year: int, county: str = COUNTY) -> str:
    return f"{county}{TOWN}{year}年法治政府建设情况报告"


def write_town(archive: Path) -> Path:
    """The four reports under archive/青松镇/; returns the folder."""
    folder = archive / TOWN
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "2020.txt").write_text(
        "\n".join(
            [
                title(2020),
                "2020年以来，青松镇扎实推进法治政府建设。",
                "一、主要举措和成效",
                f"{KEPT}{EDITED_2021}",
                "二、存在的不足和原因",
                PROBLEM,
            ]
        ),
        encoding="utf-8",
    )
    write_report_docx(
        folder / "2021.docx",
        title(2021),
        [
            ("一、主要举措和成效", [KEPT, EDITED_2021 + DROPPED]),
            ("二、存在的不足和原因", [PROBLEM]),
            ("三、下一年度工作打算", PLANS_2021),
        ],
    )
    (folder / "2022.txt").write_text(
        "\n".join(
            [
                title(2022),
                "一、主要举措和成效",
                KEPT,
                EDITED_2022 + ADDED[0],
                *ADDED[1:],
                "二、存在的不足和原因",
                PROBLEM + PROBLEM_2022,
                "三、下一年度工作打算",
                "深化网格化调解，培养村级法律明白人。",
            ]
        ),
        encoding="utf-8",
    )
    (archive / "巫溪县青松镇2022.txt").write_text(
        "\n".join([title(2022, OTHER_COUNTY), "一、主要举措和成效", "巫溪县的青松镇另有其事。"]),
        encoding="utf-8",
    )
    return folder
