"""The town page in chromium: reached from a search result, years picked with the form, the
two years side by side on a desktop and stacked on a phone, the plans' evidence linked to
next year's sentence, and the unknown and ambiguous names, without a script error; and
hostile paths sent as raw bytes to the server users run (gunicorn), never a 500."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Page, expect

from bench.load import Server
from indexer import update_index
from tests import town_data as T
from tests.browser_support import DESKTOP, PHONE, open_page
from tests.conftest import ARCHIVE
from tests.test_web_attack import raw_get


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("browsertown")
    archive = root / "archive"
    T.write_town(archive)
    (archive / "samples").mkdir()
    for sample in sorted(ARCHIVE.glob("*.txt")):
        (archive / "samples" / sample.name).write_bytes(sample.read_bytes())
    assert not update_index(archive, root / "index").failed
    running = Server(root / "index", archive, workers=1)
    yield running
    running.stop()


@pytest.fixture
def page(browser):
    """conftest's page, but the unknown-town tests expect their 404."""
    context, opened, problems = open_page(browser, DESKTOP, expected_statuses=(404,))
    yield opened
    context.close()
    assert problems == [], problems


def town_url(server: Server, query: str = "") -> str:
    return f"{server.url}/town/{quote(T.TOWN)}?county={quote(T.COUNTY)}{query}"


def box(page: Page, selector: str) -> dict:
    found = page.locator(selector).first.bounding_box()
    assert found, selector
    return found


def test_a_search_result_leads_to_its_town_and_the_form_picks_two_years(page, server):
    page.goto(f"{server.url}/?q={quote('调解室')}&county={quote(T.COUNTY)}")
    page.locator(".result .place a.town-link").first.click()
    page.wait_for_url(re.compile(r"/town/"))
    expect(page.locator("h1")).to_contain_text(f"{T.TOWN} {T.COUNTY}")
    expect(page.locator("#compare-title")).to_have_text("2021 年与 2022 年逐句对比")
    expect(page.locator(".timeline-list > li")).to_have_count(3)
    page.locator("select[name=from]").select_option("2020")
    page.locator("select[name=to]").select_option("2021")
    page.locator(".pick-years button").click()
    page.wait_for_url(re.compile(r"to=2021"))
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"county": [T.COUNTY], "from": ["2020"], "to": ["2021"]}
    expect(page.locator("#compare-title")).to_have_text("2020 年与 2021 年逐句对比")
    expect(page.locator("select[name=from]")).to_have_value("2020")


def test_on_a_desktop_the_years_stand_side_by_side_with_the_changes_marked(page, server):
    page.goto(town_url(server))
    row = "#part-measures .diff-row.modified"
    old, new = box(page, f"{row} > .old"), box(page, f"{row} > .new")
    assert abs(old["y"] - new["y"]) < 1 and new["x"] >= old["x"] + old["width"] - 1
    expect(page.locator(f"{row} del")).to_have_text("二")
    expect(page.locator(f"{row} ins")).to_have_text("五")
    expect(page.locator("#part-measures .diff-row.removed del")).to_have_text(T.DROPPED)
    expect(page.locator("#part-measures .diff-row.added ins")).to_have_text(T.ADDED)
    struck = page.locator(f"{row} del").evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "line-through" in struck


def test_on_a_phone_the_years_stack_and_nothing_scrolls_sideways(phone, server):
    phone.goto(town_url(server))
    row = "#part-measures .diff-row.modified"
    old, new = box(phone, f"{row} > .old"), box(phone, f"{row} > .new")
    assert new["y"] >= old["y"] + old["height"] - 1
    expect(phone.locator(f"{row} > .old .label")).to_have_text("2021")
    expect(phone.locator("#part-measures .diff-row.removed > .new")).to_be_hidden()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]


def test_a_plans_evidence_links_to_the_sentence_of_next_year_that_takes_it_up(page, server):
    page.goto(town_url(server))
    plan = page.locator(".plans li.plan").first
    expect(plan.locator(".status")).to_have_text("已提及")
    expect(plan.locator(".sentence mark")).to_have_text("一村一法律顾问")
    plan.locator("ul.by a").first.click()
    page.wait_for_url(re.compile(r"#m\d+$"))
    target = page.locator(".measures li:target")
    expect(target).to_contain_text(T.ADDED[1])
    expect(page.locator(".plans li.plan").nth(2).locator(".status")).to_have_text("未见提及")


def test_an_unknown_name_offers_the_nearest_and_an_ambiguous_one_its_counties(page, server):
    page.goto(f"{server.url}/town/{quote('青松')}")
    expect(page.locator("h1")).to_have_text("找不到该镇/街道")
    page.goto(f"{server.url}/town/{quote(T.TOWN)}")
    expect(page.locator("h1")).to_have_text("请选择县/区")
    page.locator(".town-choices a", has_text=T.OTHER_COUNTY).click()
    page.wait_for_url(re.compile(r"county="))
    expect(page.locator("h1")).to_contain_text(T.OTHER_COUNTY)
    expect(page.locator("p.notice").first).to_contain_text("只有一份报告")


@pytest.mark.parametrize(
    "target",
    [
        b"/town/../../etc/passwd",
        b"/town/..%2f..%2fetc%2fpasswd",
        b"/town/%00",
        "/town/青松镇\\..\\x".encode(),
        b"/town/" + "镇".encode() * 2000,
        b"/town/<script>alert(1)</script>",
        b"/api/town/%ff?from=2021&to=%00",
    ],
)
def test_raw_hostile_paths_to_the_real_server_never_give_a_500(server, target):
    status, body = raw_get(server.url, target)
    assert status in (400, 404), (status, body[:200])
    assert b"Traceback" not in body and b"<script>alert" not in body
