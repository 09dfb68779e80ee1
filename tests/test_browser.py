"""The app in a real browser: `python -m web` (gunicorn, 2 workers) driven through chromium.

The server is the one users run, in a subprocess on a free loopback port, on a real index
built from the sample reports, generated reports and a .docx made with python-docx (the
`web_archive` fixture). Every page is checked for script errors and blocked resources.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from playwright.sync_api import Page, expect

from bench.load import Server
from indexer import update_index
from tests.browser_support import DESKTOP, PHONE, build_archive, open_page
from tests.conftest import WEB_WORD

QUERY_BOX = "form[role=search] input[name=q]"  # the year form carries q too, hidden


@pytest.fixture(scope="module")
def server(web_archive):
    archive, index = web_archive
    running = Server(index, archive, workers=2)
    yield running
    running.stop()


def params(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def totals(page: Page) -> tuple[int, int]:
    line = page.locator("p.totals").inner_text()
    found = re.fullmatch(r"共 (\d+) 份报告，(\d+) 个段落", line.strip())
    assert found, line
    return int(found[1]), int(found[2])


def result_years(page: Page) -> list[int | None]:
    years = []
    for place in page.locator(".result .place").all_inner_texts():
        found = re.search(r"(\d{4}) 年", place)
        years.append(int(found[1]) if found else None)
    return years


def api(page: Page, server: Server, query: str) -> dict:
    return page.request.get(f"{server.url}/api/search?{query}").json()


def search_for(page: Page, server: Server, words: str) -> None:
    page.goto(server.url + "/")
    page.locator(QUERY_BOX).fill(words)
    page.locator(QUERY_BOX).press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))


def test_search_shows_the_api_totals_and_marks_every_match(page, server):
    search_for(page, server, "信访")
    assert params(page)["q"] == "信访"
    expected = api(page, server, "q=信访")
    assert totals(page) == (expected["total_reports"], expected["total_passages"])
    assert page.locator(".result").count() == min(10, expected["total_reports"]) > 0
    marks = page.locator(".result mark")
    assert marks.count() > 0
    assert set(marks.all_inner_texts()) == {"信访"}
    expect(page.locator(QUERY_BOX)).to_have_value("信访")


def test_facet_click_filters_by_town(page, server):
    search_for(page, server, "法治")
    link = page.locator(".facet-town li a").first
    town = link.inner_text().strip()
    count = int(page.locator(".facet-town li .count").first.inner_text())
    link.click()
    page.wait_for_url(re.compile(r"[?&]town="))
    assert params(page)["town"] == town
    assert totals(page)[0] == count
    for place in page.locator(".result .place").all_inner_texts():
        assert place.startswith(town)


def test_year_span_limits_the_results(page, server):
    search_for(page, server, "法治")
    form = page.locator("form.year-span")
    form.locator("input[name=year_from]").fill("2018")
    form.locator("input[name=year_to]").fill("2020")
    form.locator("button").click()
    page.wait_for_url(re.compile(r"year_to=2020"))
    assert params(page)["year_from"] == "2018" and params(page)["q"] == "法治"
    expected = api(page, server, "q=法治&year_from=2018&year_to=2020")
    assert totals(page)[0] == expected["total_reports"] > 0
    assert all(2018 <= year <= 2020 for year in result_years(page))


def test_pager_and_sort_by_year(page, server):
    search_for(page, server, "法治")
    first_page = page.locator(".result h2 a").all_inner_texts()
    page.locator(".pager a[rel=next]").click()
    page.wait_for_url(re.compile(r"page=2"))
    second_page = page.locator(".result h2 a").all_inner_texts()
    assert second_page and not set(second_page) & set(first_page)
    page.locator(".sort a", has_text="年份").click()
    page.wait_for_url(re.compile(r"sort=year"))
    assert params(page)["sort"] == "year"
    years = [y for y in result_years(page) if y is not None]
    assert years == sorted(years, reverse=True) and len(years) >= 5
    expected = api(page, server, "q=法治&sort=year")
    assert years[0] == expected["results"][0]["year"]


def test_report_match_navigation_counts_and_moves(page, server, web_archive):
    search_for(page, server, WEB_WORD)
    page.locator(".result h2 a").first.click()
    page.wait_for_url(re.compile(r"/report/"))
    marks = page.locator("#report-text mark")
    total = marks.count()
    assert total >= 2
    counter = page.locator("#match-count")
    expect(counter).to_have_text(f"共 {total} 处")
    page.locator("#next-match").click()
    expect(counter).to_have_text(f"第 1 处，共 {total} 处")
    page.locator("#next-match").click()
    expect(counter).to_have_text(f"第 2 处，共 {total} 处")
    current = page.locator("#report-text mark.current")
    expect(current).to_have_count(1)
    expect(current).to_have_text(WEB_WORD)
    expect(current).to_be_in_viewport()
    page.locator("#prev-match").click()
    page.locator("#prev-match").click()
    expect(counter).to_have_text(f"第 {total} 处，共 {total} 处")  # wraps around


def test_download_gives_the_original_bytes(page, server, web_archive):
    archive, _ = web_archive
    search_for(page, server, WEB_WORD)
    page.locator(".result h2 a", has_text="青山镇2019").click()
    page.wait_for_url(re.compile(r"/report/"))
    file = unquote(urlsplit(page.url).path).removeprefix("/report/")
    assert file.endswith(".docx")
    with page.expect_download() as info:
        page.locator("a.download").click()
    download = info.value
    assert Path(download.path()).read_bytes() == (archive / file).read_bytes()
    assert download.suggested_filename == Path(file).name


def test_overview_draws_charts_and_lists_the_failed_file(page, server):
    page.goto(server.url + "/")
    page.get_by_role("link", name="查看档案概览").click()
    page.wait_for_url(re.compile(r"/overview"))
    assert page.locator("section.charts svg").count() >= 2
    failed = page.locator("section.failed")
    expect(failed).to_contain_text("damaged.docx")
    grid = page.locator("table.town-grid")
    expect(grid).to_contain_text("青山镇")
    page.locator("table.town-grid a", has_text="青山镇").click()
    page.wait_for_url(re.compile(r"town="))
    assert page.locator(".result").count() >= 2


@pytest.mark.parametrize("path", ["/?q=法治", f"/?q={WEB_WORD}", "/overview"])
def test_phone_width_has_no_sideways_scrolling(phone, server, path):
    phone.goto(server.url + path)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width} px wide"


def test_phone_report_page_fits_and_navigates(phone, server):
    search_for(phone, server, WEB_WORD)
    phone.locator(".result h2 a").first.click()
    phone.wait_for_url(re.compile(r"/report/"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.locator("#next-match").click()
    expect(phone.locator("#report-text mark.current")).to_be_in_viewport()


def test_a_reindex_is_picked_up_without_a_restart(browser, tmp_path):
    archive = build_archive(tmp_path / "archive", generated=0)
    index = tmp_path / "index"
    update_index(archive, index)
    running = Server(index, archive, workers=2)
    context, page, problems = open_page(browser, DESKTOP)
    try:
        phrase = "夜间巡逻调解队"
        search_for(page, running, f'"{phrase}"')  # as typed: no tiers
        assert totals(page) == (0, 0)
        (archive / "新增.txt").write_text(
            f"城口县红叶镇2023年法治政府建设情况报告\n一、主要工作\n组建{phrase}，化解纠纷。\n",
            encoding="utf-8",
        )
        update_index(archive, index)
        for _ in range(4):  # both workers, whichever answers
            page.reload()
            assert totals(page) == (1, 1)
            expect(page.locator(".result mark")).to_have_text(phrase)
    finally:
        context.close()
        running.stop()
    assert problems == [], problems
