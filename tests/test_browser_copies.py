"""Copied text in a real browser: `python -m web` (gunicorn) on an index where one report
copies another, driven through chromium, on a desktop and a phone."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from bench.load import Server
from tests.browser_support import DESKTOP, PHONE
from tests.conftest import samples_with
from tests.test_web_copies import COPIER, SOURCE, _report

TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    archive, index = samples_with(
        tmp_path_factory.mktemp("browser-copies"),
        {
            SOURCE: _report("青岗镇", "青岗镇村级法律顾问作用发挥得还不够充分。"),
            COPIER: _report("白沙镇", "白沙镇执法人员的业务培训次数偏少，需要加强。"),
        },
    )
    running = Server(index, archive, workers=2)
    yield running
    running.stop()


def _page(browser, viewport: dict):
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: m.type == "error" and problems.append(m.text))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"{r.url}: {r.status}"))
    return context, page, problems


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_from_the_list_to_a_report_and_on_to_its_copy(browser, server, viewport) -> None:
    context, page, problems = _page(browser, viewport)
    page.goto(f"{server.url}/")
    page.get_by_role("link", name="相同文字").click()
    page.wait_for_url(re.compile(r"/copies$"))
    row = page.locator("table.pairs tbody tr").filter(has_text="青岗镇").filter(has_text="白沙镇")
    expect(row).to_have_count(1)
    row.get_by_role("link", name=re.compile("青岗镇")).click()
    page.wait_for_url(re.compile(quote(SOURCE)))
    copied = page.locator("#report-text span.copied")
    assert copied.count() >= 3
    assert "<script>alert(1)</script>" in " ".join(copied.all_inner_texts())  # as text
    note = page.locator("aside.copy-note").filter(has_text="也见于 1 份报告")
    expect(note).to_be_visible()
    note.get_by_role("link", name=re.compile("白沙镇")).click()
    page.wait_for_url(re.compile(quote(COPIER)))
    expect(page.locator("#report-text span.copied").first).to_be_visible()
    # Nothing wider than the screen: the list of pairs fits a phone.
    page.goto(f"{server.url}/copies")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], width
    context.close()
    assert problems == [], problems


def test_the_filters_narrow_the_list(browser, server) -> None:
    context, page, problems = _page(browser, DESKTOP)
    page.goto(f"{server.url}/copies")
    form = page.locator("form.copies-filter")
    form.locator("select[name=year]").select_option("2021")
    form.locator("select[name=kind]").select_option("year")
    form.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"kind=year"))
    expect(page.locator("table.pairs tbody tr").filter(has_text="白沙镇")).to_have_count(0)
    form = page.locator("form.copies-filter")
    form.locator("select[name=kind]").select_option("town")
    form.get_by_role("button", name="筛选").click()
    page.wait_for_url(re.compile(r"kind=town"))
    expect(page.locator("table.pairs tbody tr").filter(has_text="白沙镇")).to_have_count(1)
    context.close()
    assert problems == [], problems
