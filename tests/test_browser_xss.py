"""Script in reports, file names, corrections and queries never runs: checked in chromium.

A hostile archive (built in tmp_path) carries HTML and script in a report's text and
headings, in file and folder names, in a sidecar's town, county and title, in a file that
fails to index and in a broken sidecar's value; the queries carry them too. Every page that
shows them is opened in chromium WITH the Content-Security-Policy bypassed, so that the
escaping alone is under test (the policy is a second wall, tested in test_web_app.py): an
injected `<script>`, `onerror=` or `javascript:` link would run and call `alert`, which the
dialog handler records. Each page is also searched for elements only an injection makes,
and must show the hostile text as text.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
from playwright.sync_api import Page

from bench.load import Server
from indexer import update_index
from tests.browser_support import DESKTOP

TIMEOUT_MS = 15_000
WORD = "夜巡调解"  # in every hostile report, to find them all
SCRIPT = "<script>alert('xss-script')</script>"
IMG = "\"><img src=x onerror=alert('xss-img')>"
JS = "javascript:alert('xss-js')"
SVG = "'><svg onload=alert('xss-svg')>"
PAYLOADS = (SCRIPT, IMG, JS, SVG)
# What only an injection puts in a page: an inline script, an element with an event
# handler, a link or form that runs script.
INJECTED = (
    "script:not([src]), [onerror], [onload], [onclick], [onmouseover], "
    "a[href^='javascript:' i], form[action^='javascript:' i], iframe, object, embed"
)


def _body(town: str, extra: str = "") -> str:
    return "\n".join([
        f"一、{WORD}工作{SCRIPT}",
        f"{town}推行{WORD}，{WORD}覆盖全部网格，信访维稳工作有力。链接 {JS} 与 {IMG} 照录。",
        f"二、存在的问题{SVG}",
        f"队伍薄弱。{extra}",
    ])


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """(archive, index, the hostile file names) of an archive built to attack the pages."""
    root = tmp_path_factory.mktemp("xss")
    archive = root / "archive"
    folder = archive / "<svg onload=alert('xss-folder')>"
    folder.mkdir(parents=True)
    files = {
        "text": "城口县青山镇2021年法治政府建设情况报告.txt",
        "name": f"{IMG}{SVG}.txt",  # no title line: the name stands for it
        "folder": f"{folder.name}/白石镇2020.txt",
        "sidecar": "corrected.txt",
        "broken sidecar": "broken.txt",
    }
    (archive / files["text"]).write_text(
        "城口县青山镇2021年法治政府建设情况报告\n" + _body("青山镇", SCRIPT + IMG), "utf-8"
    )
    (archive / files["name"]).write_text(_body("我镇"), "utf-8")
    (archive / files["folder"]).write_text(
        "城口县白石镇2020年法治政府建设情况报告\n" + _body("白石镇"), "utf-8"
    )
    (archive / files["sidecar"]).write_text(_body("我镇"), "utf-8")
    sidecar = {"town": f"{IMG}镇", "county": f"{SCRIPT}县", "title": f"{SVG}{JS}", "year": 2019}
    (archive / "corrected.txt.meta.toml").write_text(
        "".join(f"{k} = {json.dumps(v, ensure_ascii=False)}\n" for k, v in sidecar.items()),
        "utf-8",
    )
    (archive / files["broken sidecar"]).write_text(_body("我镇"), "utf-8")
    (archive / "broken.txt.meta.toml").write_text(f"year = {json.dumps(SCRIPT)}\n", "utf-8")
    (archive / "<img src=x onerror=alert('xss-failed')>.docx").write_bytes(b"not a zip")
    update_index(archive, root / "index")
    return archive, root / "index", files


@pytest.fixture(scope="module")
def server(hostile):
    archive, index, _ = hostile
    running = Server(index, archive, workers=1)
    yield running
    running.stop()


class Watched:
    """A page that records every dialog (what `alert` opens) and script error."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.ran: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.ran.append(f"page error: {error}"))

    def _dialog(self, dialog) -> None:
        self.ran.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def open(self, url: str, status: int | tuple[int, ...] = 200) -> str:
        """Go to `url`, check that nothing ran or was injected; the page's visible text."""
        response = self.page.goto(url)
        statuses = status if isinstance(status, tuple) else (status,)
        assert response is not None and response.status in statuses, (url, response.status)
        self.page.wait_for_load_state("load")
        assert self.ran == [], (url, self.ran)
        injected = self.page.locator(INJECTED)
        assert injected.count() == 0, (url, injected.first.evaluate("e => e.outerHTML"))
        return self.page.inner_text("body")


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    yield Watched(context.new_page())
    context.close()


def test_the_payloads_would_run_if_a_page_let_them_in(watched, server):
    """The check can fail: with the CSP bypassed, the same payloads injected into a page of
    the app do run, and the injection is found."""
    watched.open(server.url + "/")
    watched.page.evaluate("html => document.body.insertAdjacentHTML('beforeend', html)", IMG)
    watched.page.wait_for_function("() => document.querySelector('img[onerror]')")
    watched.page.wait_for_timeout(200)  # the image's error fires asynchronously
    assert watched.ran == ["dialog: xss-img"]


def test_results_highlights_file_names_and_corrections_show_as_text(watched, server):
    shown = watched.open(f"{server.url}/?{urlencode({'q': WORD})}")
    assert "共 5 份报告" in shown
    for payload in (SCRIPT, IMG, JS, SVG, f"{IMG}镇", f"{SCRIPT}县", f"{IMG}{SVG}.txt"):
        assert payload in shown, payload
    assert watched.page.locator(".result mark", has_text=WORD).count() >= 5


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_hostile_query_shows_as_text(watched, server, payload):
    for words in (payload, f"{WORD} {payload}", f"信方维稳 {payload}"):
        shown = watched.open(f"{server.url}/?{urlencode({'q': words})}", (200, 400))
        assert watched.page.locator("form[role=search] input[name=q]").input_value() == words
        assert watched.page.title().startswith(words)
        for link in watched.page.locator("a").all():
            assert (link.get_attribute("href") or "").startswith(("/", "#")), words
        # The "did you mean" links carry the rest of the query along (an odd quote: refused).
        if words.startswith("信方维稳") and words.count('"') % 2 == 0:
            suggestion = watched.page.locator(".suggestions a").first
            assert "信访维稳" in suggestion.inner_text() and "是不是要找" in shown
            suggestion.click()
            watched.page.wait_for_load_state("load")
            assert watched.ran == []
            query = watched.page.locator("form[role=search] input[name=q]").input_value()
            assert query == f"信访维稳 {payload}"


def test_hostile_filters_and_a_query_error_show_as_text(watched, server):
    shown = watched.open(f"{server.url}/?{urlencode({'q': WORD, 'town': IMG + '镇'})}")
    assert f"{IMG}镇" in shown and "共 1 份报告" in shown
    shown = watched.open(f"{server.url}/?{urlencode({'q': WORD, 'county': SCRIPT})}")
    assert SCRIPT in shown
    shown = watched.open(f"{server.url}/?{urlencode({'q': chr(34) + SCRIPT})}", status=400)
    assert "无法检索" in shown and f'"{SCRIPT[:15]}' in shown  # the query is cut short
    shown = watched.open(f"{server.url}/?{urlencode({'q': WORD, 'year_from': IMG})}", 400)
    assert "无法检索" in shown and IMG[:20] in shown


def test_report_pages_show_hostile_text_names_and_corrections_as_text(watched, server, hostile):
    _, _, files = hostile
    for kind, file in files.items():
        for query in (WORD, SCRIPT, IMG):
            shown = watched.open(f"{server.url}/report/{quote(file)}?{urlencode({'q': query})}")
            assert SCRIPT in shown and JS in shown, (kind, query)
        if kind == "sidecar":
            assert f"{IMG}镇" in shown and f"{SCRIPT}县" in shown and f"{SVG}{JS}" in shown
        download = watched.page.locator("a.download")
        assert download.get_attribute("href").startswith("/file/")


def test_a_missing_report_named_with_script_is_a_plain_404(watched, server):
    for name in (SCRIPT, IMG, JS):
        shown = watched.open(f"{server.url}/report/{quote(name)}", status=404)
        assert name in shown
        watched.open(f"{server.url}/file/{quote(name)}", status=404)


def test_the_overview_lists_hostile_failures_and_values_as_text(watched, server):
    shown = watched.open(server.url + "/overview")
    failed = watched.page.locator("section.failed").inner_text()
    assert "<img src=x onerror=alert('xss-failed')>.docx" in failed
    assert "broken.txt.meta.toml" in failed and SCRIPT in failed
    assert f"{SCRIPT}县" in shown  # a bar of the county chart, and the town grid
    assert watched.page.locator("section.charts svg text", has_text=SCRIPT).count() >= 1


def test_the_json_api_is_json_whatever_it_carries(watched, server, hostile):
    _, _, files = hostile
    urls = [
        f"/api/search?{urlencode({'q': SCRIPT})}",
        f"/api/search?{urlencode({'q': WORD, 'town': IMG + '镇'})}",
        f"/api/report/{quote(files['name'])}",
        f"/api/report/{quote(SCRIPT)}",
        f"/api/search?{urlencode({'q': chr(34) + SCRIPT})}",
    ]
    for url, status in zip(urls, (200, 200, 200, 404, 400), strict=True):
        response = watched.page.goto(server.url + url)
        assert response.status == status, url
        assert response.headers["content-type"] == "application/json", url
        assert response.headers["x-content-type-options"] == "nosniff"
        assert watched.ran == [] and watched.page.locator(INJECTED).count() == 0, url
