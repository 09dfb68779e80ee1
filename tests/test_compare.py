"""Compare: one part of many reports, through the library, the web app and the CLI.

The archive is the sample reports plus four of our own (three towns of 云溪县 in 2021, one of
them without a 存在的问题 part, and one town again in 2022), indexed for real; the
passages a comparison keeps are checked against the search's own section filter.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bench.attack_bounds import CASES
from indexer import ArchiveIndex, QueryError, SearchRequest, search
from indexer.cli import main
from indexer.compare import MAX_TOWNS, CompareRequest, compare
from tests.conftest import samples_with
from tests.web_support import page, text

COUNTY = "云溪县"
PROBLEMS = "基层法治力量薄弱，部分干部依法行政意识不强。"
DISPUTES = "矛盾纠纷多元化解机制还不健全，矛盾纠纷排查不够及时。"


def _report(town: str, year: int, problems: list[str] | None) -> str:
    lines = [
        f"{COUNTY}{town}{year}年法治政府建设情况报告",
        f"{year}年以来，{town}坚持以习近平法治思想为指导，扎实推进法治政府建设。",
        "一、主要工作",
        "（一）推进网格化调解。全镇推行网格化调解机制，各村设立调解室。",
        "（二）加强普法宣传。开展法治宣传活动十二场。",
    ]
    if problems is not None:
        lines += ["二、存在的问题", *problems, "三、下一步打算"]
    else:
        lines += ["二、下一步打算"]
    lines.append("继续深化网格化调解，加强法治队伍建设。")
    return "\n".join(lines)


REPORTS = {
    "青山镇2021.txt": _report("青山镇", 2021, [PROBLEMS]),
    "白石镇2021.txt": _report("白石镇", 2021, None),
    "红叶镇2021.txt": _report("红叶镇", 2021, [PROBLEMS, DISPUTES]),
    "青山镇2022.txt": _report("青山镇", 2022, [DISPUTES]),
}


@pytest.fixture(scope="module")
def own_index(tmp_path_factory):
    archive, index = samples_with(tmp_path_factory.mktemp("compare"), REPORTS)
    opened = ArchiveIndex(index)
    yield opened, archive, index
    opened.close()


@pytest.fixture(scope="module")
def own_client(own_index):
    from web import create_app

    _, archive, index = own_index
    return create_app({"INDEX_DIR": index, "ARCHIVE_DIR": archive, "TESTING": True}).test_client()


def _rows(comparison) -> list[tuple]:
    return [(r.town, r.year, r.file) for r in comparison.reports]


def test_a_county_year_gives_every_town_with_its_whole_part(own_index):
    opened = own_index[0]
    comparison = compare(
        opened, CompareRequest(section="problems", county=COUNTY, year_from=2021, year_to=2021)
    )
    assert comparison.section == "存在的不足和原因"
    assert comparison.category == "problems"
    assert not comparison.cut
    # by town (code point order), unknown last; a town's years together
    assert _rows(comparison) == [
        ("白石镇", 2021, "白石镇2021.txt"),
        ("红叶镇", 2021, "红叶镇2021.txt"),
        ("青山镇", 2021, "青山镇2021.txt"),
    ]
    lacking, both, one = comparison.reports
    assert not lacking.has_section and lacking.passages == [] and lacking.matches == 0
    assert [p.text for p in both.passages] == ["二、存在的问题", PROBLEMS, DISPUTES]
    assert all(p.section == ["二、存在的问题"] for p in both.passages)
    assert [p.text for p in one.passages] == ["二、存在的问题", PROBLEMS]
    assert one.county == COUNTY and one.title == f"{COUNTY}青山镇2021年法治政府建设情况报告"


def test_heading_words_and_chinese_names_choose_the_same_passages(own_index):
    opened = own_index[0]
    by_id = compare(opened, CompareRequest(section="problems", county=COUNTY))
    by_name = compare(opened, CompareRequest(section="问题不足", county=COUNTY))
    assert by_id == by_name
    by_heading = compare(opened, CompareRequest(section="下一步打算", county=COUNTY))
    assert by_heading.section == "标题含“下一步打算”" and by_heading.category is None
    assert {r.file: [p.text for p in r.passages] for r in by_heading.reports} == {
        name: [heading, "继续深化网格化调解，加强法治队伍建设。"]
        for name, heading in (
            ("白石镇2021.txt", "二、下一步打算"),
            ("红叶镇2021.txt", "三、下一步打算"),
            ("青山镇2021.txt", "三、下一步打算"),
            ("青山镇2022.txt", "三、下一步打算"),
        )
    }


@pytest.mark.parametrize("section", ["problems", "plans", "measures", "打算", "工作"])
def test_the_passages_are_those_the_search_filter_finds(archive_index, section):
    """Every report of the web archive: the compared passages are exactly the passages a
    filter-only search of that part holds (the text index decides those, not the record)."""
    comparison = compare(archive_index, CompareRequest(section=section))
    assert comparison.total_reports == len(comparison.reports) > 40
    found = search(
        archive_index,
        SearchRequest(section=section, limit=100, passages_per_report=10_000),
    )
    positions = {hit.file: sorted(p.position for p in hit.passages) for hit in found.results}
    for report in comparison.reports:
        assert [p.position for p in report.passages] == positions.get(report.file, [])
    assert sum(r.has_section for r in comparison.reports) == found.total_reports


def test_sort_by_year_then_town(own_index):
    comparison = compare(
        own_index[0], CompareRequest(section="problems", county=COUNTY, sort="year")
    )
    assert [(r.year, r.town) for r in comparison.reports] == [
        (2021, "白石镇"),
        (2021, "红叶镇"),
        (2021, "青山镇"),
        (2022, "青山镇"),
    ]


def test_several_towns_each_a_name_or_its_start(own_index):
    comparison = compare(own_index[0], CompareRequest(section="problems", towns=("红叶", "青山镇")))
    assert _rows(comparison) == [
        ("红叶镇", 2021, "红叶镇2021.txt"),
        ("青山镇", 2021, "青山镇2021.txt"),
        ("青山镇", 2022, "青山镇2022.txt"),
    ]


def test_the_query_marks_and_counts_but_drops_no_report(own_index):
    comparison = compare(
        own_index[0], CompareRequest(section="problems", county=COUNTY, query="矛盾纠纷")
    )
    assert comparison.terms == ["矛盾纠纷"]
    matches = {r.file: r.matches for r in comparison.reports}
    assert matches == {
        "白石镇2021.txt": 0,
        "红叶镇2021.txt": 2,
        "青山镇2021.txt": 0,
        "青山镇2022.txt": 2,
    }
    for report in comparison.reports:
        for passage in report.passages:
            assert [passage.text[s:e] for s, e in passage.highlights] == ["矛盾纠纷"] * len(
                passage.highlights
            )


def test_a_comparison_is_cut_at_its_limit_and_says_so(own_index):
    comparison = compare(own_index[0], CompareRequest(section="problems", county=COUNTY, limit=2))
    assert comparison.cut and comparison.total_reports == 4 and len(comparison.reports) == 2
    assert comparison.to_json()["cut"] is True


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (CompareRequest(section=" "), "请选择要对比的部分"),
        (CompareRequest(section="problems", year_from=2022, year_to=2020), "起止颠倒"),
        (CompareRequest(section="problems", year_from=1200), "不在"),
        (CompareRequest(section="problems", sort="score"), "排列方式"),
        (CompareRequest(section="problems", limit=0), "报告数"),
        (CompareRequest(section="problems", query='"未闭合'), "引号"),
        (CompareRequest(section="x" * 101), "太长"),
        (CompareRequest(section="problems", towns=tuple(f"镇{i}" for i in range(101))), "最多"),
    ],
)
def test_a_request_that_cannot_be_read_says_why(own_index, request_, message):
    with pytest.raises(QueryError, match=message):
        compare(own_index[0], request_)


# --- through Flask ---------------------------------------------------------------------


def test_the_api_returns_what_the_library_returns(own_client, own_index):
    request = CompareRequest(section="problems", county=COUNTY, query="矛盾纠纷")
    expected = json.loads(json.dumps(compare(own_index[0], request).to_json()))
    response = own_client.get(f"/api/compare?section=problems&county={COUNTY}&q=矛盾纠纷")
    assert response.status_code == 200
    assert response.get_json() == expected
    assert list(response.get_json()) == list(expected)  # the key order too


def test_the_page_is_a_town_by_year_grid(own_client):
    html = page(own_client, f"/compare?section=problems&county={COUNTY}&q=矛盾纠纷")
    assert [text(th) for th in html.xpath("//table[@class='compare']/thead//th")] == [
        "镇/街道",
        "2021 年",
        "2022 年",
    ]
    rows = html.xpath("//table/tbody/tr")
    assert [text(row.xpath("th/a")[0]) for row in rows] == ["白石镇", "红叶镇", "青山镇"]
    baishi, hongye, qingshan = rows
    assert "本报告没有“存在的不足和原因”部分" in text(baishi)
    assert text(baishi.xpath("td")[1]).split() == ["2022", "年", "无报告"]
    assert [text(m) for m in hongye.xpath(".//mark")] == ["矛盾纠纷", "矛盾纠纷"]
    assert PROBLEMS in text(hongye) and DISPUTES in text(hongye)
    # the part's heading once, as the report has it, and no path line repeating it
    assert [text(p) for p in hongye.xpath(".//p[contains(@class, 'heading-line')]")] == [
        "二、存在的问题"
    ]
    assert not hongye.xpath(".//p[@class='section-path']")
    # the row header leads to the search of that town in that part
    search = hongye.xpath("th/a/@href")[0]
    assert "section=problems" in search and "town=" in search and "county=" in search
    assert len(qingshan.xpath(".//article")) == 2
    # each report links to its page, the query carried for its highlights
    link = hongye.xpath(".//article/p[@class='source']/a")[0].get("href")
    assert link.startswith("/report/") and "q=" in link
    assert own_client.get(link).status_code == 200
    # the exports carry the comparison
    exports = [a.get("href") for a in html.xpath("//p[@class='exports']/a")]
    assert [e.split("?")[0] for e in exports] == [
        "/export/compare.docx",
        "/export/compare.xlsx",
        "/export/compare.csv",
    ]
    assert all("section=problems" in e and "q=" in e for e in exports)


def test_by_year_the_rows_are_years_and_the_columns_towns(own_client):
    html = page(own_client, f"/compare?section=problems&county={COUNTY}&sort=year")
    head = [text(th) for th in html.xpath("//table/thead//th")]
    assert head == ["年份", "白石镇", "红叶镇", "青山镇"]
    assert [text(th) for th in html.xpath("//tbody/tr/th")] == ["2021 年", "2022 年"]


def test_the_page_and_its_export_say_when_they_are_cut(own_client, monkeypatch):
    monkeypatch.setattr("web.tools.MAX_COMPARED", 2)
    html = page(own_client, f"/compare?section=problems&county={COUNTY}")
    assert len(html.xpath("//article")) == 2
    notice = text(html.xpath("//p[@class='notice cut']")[0])
    assert "只列出前 2 份报告" in notice and "其余 2 份未列出" in notice
    exported = own_client.get(f"/export/compare.csv?section=problems&county={COUNTY}")
    assert "导出已截断" in exported.data.decode("utf-8-sig").splitlines()[1]


def test_without_a_part_the_page_offers_them(own_client):
    html = page(own_client, "/compare")
    parts = [text(a) for a in html.xpath("//p[@class='parts']/a")]
    assert "存在的不足和原因" in parts
    assert not html.xpath("//table")


@pytest.mark.parametrize(
    "query",
    [
        "section=没有这种标题",
        "section=problems&year_from=abc",
        "section=problems&year_from=2030&year_to=2020",
        "section=problems&year_from=99999",
        "section=problems&sort=<b>x</b>",
        "section=<script>alert(1)</script>&town=<b>镇</b>&county=<i>县",
        "section=problems&" + "&".join(f"town=镇{i}" for i in range(50)),
        "section=problems&" + "&".join(f"town=镇{i}" for i in range(MAX_TOWNS + 1)),
        "section=" + "问" * 600,
        "section=problems&q=%22unclosed",
        "section=problems&town=%00",
    ],
)
def test_hostile_input_is_never_a_500(own_client, query):
    for path in ("/compare", "/api/compare", "/export/compare.csv"):
        response = own_client.get(f"{path}?{query}")
        assert response.status_code in (200, 400), (path, query, response.status_code)
        body = response.data.decode("utf-8", "replace")
        if path == "/compare":  # the page escapes what it shows
            assert "<script>alert" not in body and "<b>镇" not in body
        if path == "/api/compare" and response.status_code == 400:
            assert response.get_json()["error"]


def test_an_unknown_part_lists_every_report_as_lacking_it(own_client):
    data = own_client.get(f"/api/compare?section=没有这种标题&county={COUNTY}").get_json()
    assert data["total_reports"] == 4
    assert [r["has_section"] for r in data["reports"]] == [False] * 4


def test_fifty_towns_are_a_comparison_not_an_error(own_client):
    towns = "&".join(f"town=镇{i}" for i in range(48))
    html = page(own_client, f"/compare?section=problems&{towns}&town=青山镇&town=红叶镇")
    assert len(html.xpath("//tbody/tr")) == 2
    # one chip for the long list, so every link stays short
    assert "50 个镇" in text(html.xpath("//p[@class='chosen-all']")[0])


def test_the_search_page_and_the_overview_lead_to_the_comparison(own_client):
    html = page(own_client, f"/?q=矛盾纠纷&county={COUNTY}")
    link = html.xpath("//a[@class='to-compare']")[0].get("href")
    assert link.startswith("/compare?section=problems") and "county=" in link and "q=" in link
    assert own_client.get(link).status_code == 200
    overview = page(own_client, "/overview")
    links = [a.get("href") for a in overview.xpath("//tr[@class='county']//a[@class='to-compare']")]
    # the county's latest year: where its summary starts
    county = "county=%E4%BA%91%E6%BA%AA%E5%8E%BF&year_from=2022&year_to=2022"
    assert [href for href in links if county in href]
    welcome = page(own_client, "/")
    assert welcome.xpath("//a[@href='/compare?section=problems']")


# --- the CLI -----------------------------------------------------------------------------


def test_the_cli_prints_the_api_object(own_index, own_client):
    _, _, index = own_index
    result = CliRunner().invoke(
        main,
        ["compare", "--section", "problems", "--county", COUNTY, "--query", "矛盾纠纷"]
        + ["--json", "--index", str(index)],
    )
    assert result.exit_code == 0, result.output
    api = own_client.get(f"/api/compare?section=problems&county={COUNTY}&q=矛盾纠纷")
    assert json.loads(result.output) == api.get_json()


def test_the_cli_text_marks_matches_and_names_a_missing_part(own_index):
    _, _, index = own_index
    result = CliRunner().invoke(
        main,
        ["compare", "--section", "问题不足", "--town", "白石镇,红叶镇", "--year", "2021"]
        + ["--query", "矛盾纠纷", "--index", str(index)],
    )
    assert result.exit_code == 0, result.output
    assert "(no 存在的不足和原因 section)" in result.output
    assert "【矛盾纠纷】多元化解机制" in result.output
    assert result.output.index("白石镇") < result.output.index("红叶镇")


def test_the_cli_refuses_what_it_cannot_do(own_index, tmp_path):
    _, _, index = own_index
    runner = CliRunner()
    reversed_years = runner.invoke(
        main, ["compare", "--section", "problems", "--years", "2022-2020", "--index", str(index)]
    )
    assert reversed_years.exit_code == 1 and "颠倒" in reversed_years.output
    no_section = runner.invoke(main, ["compare", "--index", str(index)])
    assert no_section.exit_code == 2
    bad_file = runner.invoke(
        main,
        ["compare", "--section", "problems", "--export", str(tmp_path / "x.pdf")]
        + ["--index", str(index)],
    )
    assert bad_file.exit_code == 2 and ".docx, .csv or .xlsx" in bad_file.output
    missing = runner.invoke(
        main, ["compare", "--section", "problems", "--index", str(tmp_path / "none")]
    )
    assert missing.exit_code == 1 and "fazhi-index update" in missing.output


@pytest.mark.parametrize("case", list(CASES))
def test_the_attack_queries_get_an_answer_from_the_tools(client, case):
    """bench/attack_bounds.py's hostile queries (the search routes' bounds) on the tools'
    routes: marked, exported or refused with the parser's reason, never a 500."""
    for route in (
        "/compare?section=problems&q=",
        "/api/compare?section=problems&q=",
        "/export/compare.csv?section=problems&q=",
        "/export/search.csv?q=",
    ):
        response = client.get(route + CASES[case])
        assert response.status_code in (200, 400), (case, route, response.status_code)
        if route.startswith("/api/") and response.status_code == 400:
            assert response.get_json()["error"]
