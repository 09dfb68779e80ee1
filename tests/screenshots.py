"""Screenshots of the pages for the README: `python -m tests.screenshots [FOLDER]`.

Builds an archive in a temporary folder (the sample reports, 60 generated ones, a .docx and
a damaged file, so the overview lists a failure), serves it with `python -m web`, and
captures the search page (a query with its highlights), a report (the match navigation on
its second match), the overview, a natural query (its tiers), the comparison of the
largest county's 存在的不足 over its two busiest years, the list of reports sharing text, its
first pair side by side, a report with its copied sentences marked and one town across years
(its two last years compared, then its plans against the next year's measures) at desktop
(1280 px) and phone (390 px) width into docs/screenshots/; then, with a failed update
recorded, the overview again, and the login page of a server with USERS_FILE set. Look at
every picture after a
change to the pages.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import Page, sync_playwright
from werkzeug.security import generate_password_hash

from bench.load import Server
from indexer import ArchiveIndex, archive_reports, update_index
from indexer.status import record_failed_run
from tests import town_data
from tests.browser_support import DESKTOP, PHONE, ROOT, build_archive, launch
from web.userfile import write_users

QUERY = "矛盾纠纷 调解"
NATURAL = "基层普法宣传活动怎么开展"  # tiers, words not counted, the reports' missing words
FAILED_RUN = (  # the line `fazhi-index update` prints when the disk fills (test_full_disk.py)
    "no space left on device while writing the text index of {index}: free space and run "
    "the update again (searches use the index as it was before this batch)"
)


def compare_query(index: Path) -> str:
    """The comparison staff make most: the county with most reports in one year, that year
    and the one before, 存在的不足, with 普法 (in most reports' 不足) marked."""
    opened = ArchiveIndex(index)
    counts = Counter((r.county, r.year) for r in archive_reports(opened) if r.county and r.year)
    opened.close()
    (county, year), _ = counts.most_common(1)[0]
    return urlencode(
        {
            "section": "problems",
            "county": county,
            "year_from": year - 1,
            "year_to": year,
            "q": "普法",
        }
    )


def capture(page: Page, url: str, folder: Path, width: str, compared: str) -> list[Path]:
    shots = []

    def shot(name: str) -> None:
        path = folder / f"{name}-{width}.png"
        page.screenshot(path=str(path))
        shots.append(path)

    page.goto(f"{url}/")
    page.locator("form[role=search] input[name=q]").fill(QUERY)
    page.locator("form[role=search] input[name=q]").press("Enter")
    page.wait_for_url(re.compile(r"[?&]q="))
    shot("search")
    page.locator(".result h2 a").first.click()
    page.wait_for_url(re.compile(r"/report/"))
    page.locator("#next-match").click()
    page.locator("#next-match").click()
    page.wait_for_timeout(300)  # the scroll to the match
    shot("report")
    page.goto(f"{url}/overview")
    shot("overview")
    page.goto(f"{url}/?q={NATURAL}")
    shot("natural")
    page.goto(f"{url}/compare?{compared}")
    shot("compare")
    page.goto(f"{url}/copies")
    shot("copies")
    page.locator("table.pairs tbody tr td a[title=对照]").first.click()
    page.wait_for_url(re.compile(r"/copies/pair"))
    shot("copies-pair")
    page.goto(f"{url}/copies")
    page.locator("table.pairs tbody tr td a").first.click()
    page.wait_for_url(re.compile(r"/report/"))
    page.locator("aside.copy-note").first.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 200)")  # the marked sentences above the note
    shot("report-copies")
    town = f"{url}/town/{town_data.TOWN}?county={town_data.COUNTY}"
    page.goto(town if width == "desktop" else f"{town}#compare-title")  # a phone: the diff
    shot("town")
    page.goto(f"{town}#promises-title")
    shot("town-plans")
    return shots


def capture_after(page: Page, url: str, login_url: str, folder: Path, width: str) -> list[Path]:
    """The overview with a failed update recorded, and the login page."""
    page.goto(f"{url}/overview")
    page.screenshot(path=str(folder / f"overview-failed-{width}.png"))
    page.goto(f"{login_url}/")
    page.wait_for_url(re.compile(r"/login"))
    page.screenshot(path=str(folder / f"login-{width}.png"))
    return [folder / f"overview-failed-{width}.png", folder / f"login-{width}.png"]


def login_server(index: Path, archive: Path, scratch: Path) -> Server:
    """The same index served with USERS_FILE set (one user)."""
    write_users(scratch / "users", {"张三": generate_password_hash("screenshots-only")})
    (scratch / "web.cfg").write_text(f"USERS_FILE = {str(scratch / 'users')!r}\n", "utf-8")
    os.environ["FAZHI_WEB_CONFIG"] = str(scratch / "web.cfg")  # read by the server at start
    try:
        return Server(index, archive, workers=1)
    finally:
        del os.environ["FAZHI_WEB_CONFIG"]


def main(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="fazhi-screens-") as scratch:
        archive = build_archive(Path(scratch) / "archive", generated=60)
        (archive / "损坏的报告.docx").write_bytes(b"not a zip file")
        town_data.write_town(archive)
        index = Path(scratch) / "index"
        update_index(archive, index)
        compared = compare_query(index)
        server = Server(index, archive, workers=2)
        protected = login_server(index, archive, Path(scratch))
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright)
                for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                    context = browser.new_context(viewport=viewport, locale="zh-CN")
                    for path in capture(context.new_page(), server.url, folder, width, compared):
                        print(path)
                    context.close()
                record_failed_run(index, FAILED_RUN.format(index=index))
                for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                    context = browser.new_context(viewport=viewport, locale="zh-CN")
                    page = context.new_page()
                    for path in capture_after(page, server.url, protected.url, folder, width):
                        print(path)
                    context.close()
                browser.close()
        finally:
            server.stop()
            protected.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots")
