"""The staff tools in a real browser: the comparison page and the downloads.

The server is `python -m web` (gunicorn) on the web tests' archive, driven through chromium;
every page is checked for script errors and failed requests (tests/test_browser.py's page).
"""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlsplit

import docx
import openpyxl
import pytest
from playwright.sync_api import expect

from bench.load import Server
from tests.browser_support import DESKTOP, PHONE
from tests.test_browser import search_for

COUNTY = "城口县"


@pytest.fixture(scope="module")
def server(web_archive):
    archive, index = web_archive
    running = Server(index, archive, workers=2)
    yield running
    running.stop()


def _params(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_from_a_search_to_the_comparison_of_its_county(page, server):
    search_for(page, server, "法治")
    page.locator(".facet-county li a", has_text=COUNTY).click()
    page.wait_for_url(re.compile(r"county="))
    page.locator("a.to-compare").click()
    page.wait_for_url(re.compile(r"/compare\?"))
    assert _params(page.url)["section"] == ["problems"]
    assert _params(page.url)["county"] == [COUNTY]
    api = page.request.get(f"{server.url}/api/compare?section=problems&county={COUNTY}&q=法治")
    data = api.json()
    cells = page.locator("table.compare article.compared")
    expect(cells).to_have_count(len(data["reports"]))
    assert page.locator("table.compare mark").count() == sum(r["matches"] for r in data["reports"])
    assert set(page.locator("table.compare mark").all_inner_texts()) == {"法治"}
    lacking = [r for r in data["reports"] if not r["has_section"]]
    expect(page.locator("article.lacking")).to_have_count(len(lacking))


def test_the_form_adds_a_town_and_a_chip_removes_it(page, server):
    page.goto(f"{server.url}/compare?section=problems&town=青山镇")
    expect(page.locator("tbody th[scope=row] > a")).to_have_text(["青山镇"])
    page.locator("input[name=town]:not([type=hidden])").fill("白石镇")
    page.locator("form.compare-form button").click()
    page.wait_for_url(re.compile(r"town=.*town="))
    assert sorted(_params(page.url)["town"]) == ["白石镇", "青山镇"]
    expect(page.locator("tbody th[scope=row] > a")).to_have_text(["白石镇", "青山镇"])
    page.get_by_role("link", name="去掉白石镇").click()
    page.wait_for_url(re.compile(r"^(?!.*%E7%99%BD).*$"))  # 白 gone from the URL
    expect(page.locator("tbody th[scope=row] > a")).to_have_text(["青山镇"])


def test_the_layout_switches_between_towns_and_years(page, server):
    page.goto(f"{server.url}/compare?section=problems&town=青山镇&town=白石镇")
    expect(page.locator("thead th")).to_have_text(["镇/街道", "2019 年", "2021 年", "2022 年"])
    page.locator(".sort a", has_text="每行一年").click()
    page.wait_for_url(re.compile(r"sort=year"))
    expect(page.locator("thead th")).to_have_text(["年份", "白石镇", "青山镇"])
    expect(page.locator("tbody th[scope=row] > a")).to_have_text(["2019 年", "2021 年", "2022 年"])


def test_the_word_download_has_the_chinese_name_and_the_pages_text(page, server):
    page.goto(f"{server.url}/compare?section=problems&county={COUNTY}&q=法治")
    with page.expect_download() as info:
        page.locator(".exports a", has_text="Word").click()
    download = info.value
    assert download.suggested_filename == "对比“存在的不足和原因”_县：城口县_标出“法治”.docx"
    document = docx.Document(download.path())
    bold = [r.text for p in document.paragraphs for r in p.runs if r.bold]
    assert bold and set(bold) == {"法治"}
    assert len(bold) == page.locator("table.compare mark").count()
    with page.expect_download() as info:
        page.locator(".exports a", has_text="Excel").click()
    sheet = openpyxl.load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    assert sheet["A1"].value == "对比“存在的不足和原因” · 县：城口县 · 标出“法治”"


def test_the_search_downloads_as_a_spreadsheet(page, server):
    search_for(page, server, "网格化调解")
    with page.expect_download() as info:
        page.locator(".summary .exports a", has_text="CSV").click()
    download = info.value
    assert download.suggested_filename == "检索“网格化调解”.csv"
    body = download.path().read_text(encoding="utf-8-sig")
    assert body.splitlines()[0] == "检索“网格化调解”"


def test_a_phone_reads_the_comparison_as_blocks(phone, server):
    phone.goto(f"{server.url}/compare?section=problems&town=青山镇&town=白石镇&q=法治")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # the form folds away (app.js, as for the search filters): the first town shows at once
    expect(phone.locator("form.compare-form")).to_be_hidden()
    expect(phone.locator("tbody th[scope=row]").first).to_be_in_viewport()
    phone.locator("details.compare-filters > summary").click()
    expect(phone.locator("form.compare-form")).to_be_visible()
    expect(phone.locator("table.compare thead")).to_be_hidden()
    labels = phone.locator("td .cell-label")
    expect(labels.first).to_be_visible()
    assert labels.all_inner_texts()[:3] == ["2019 年", "2021 年", "2022 年"]
    row = phone.locator("tbody th[scope=row]").first
    cell = phone.locator("tbody td").first
    assert row.bounding_box()["y"] < cell.bounding_box()["y"]  # stacked, not side by side
    assert cell.bounding_box()["width"] > PHONE["width"] * 0.8


def test_a_desktop_shows_the_years_side_by_side(page, server):
    page.goto(f"{server.url}/compare?section=problems&town=青山镇")
    cells = page.locator("tbody tr").first.locator("td")
    boxes = [cells.nth(i).bounding_box() for i in range(cells.count())]
    assert len(boxes) >= 2 and len({round(b["y"]) for b in boxes}) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


def test_many_columns_scroll_inside_the_table_and_keep_their_width(page, server):
    page.goto(f"{server.url}/compare?section=problems&sort=year")  # every town a column
    table = page.locator("table.compare")
    expect(table).to_have_class(re.compile(r"\bwide\b"))
    assert page.locator("thead th").count() > 5
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
    scroller = page.locator(".compare-scroll")
    assert scroller.evaluate("e => e.scrollWidth > e.clientWidth")
    widths = [box["width"] for box in (c.bounding_box() for c in page.locator("td").all()[:6])]
    assert min(widths) > 250  # 17rem of text, not a sliver
    page.locator("p.hint a").click()  # the hint offers the other layout
    page.wait_for_url(re.compile(r"^(?!.*sort=year)"))
