"""Chromium driven by Playwright, for the browser tests and the screenshots.

Playwright drives Debian's /usr/bin/chromium (bin/test installs it, with fonts-noto-cjk for
the Chinese text) and never downloads a browser of its own.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, Playwright

from tests.conftest import write_report_docx

CHROMIUM = Path("/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_MS = 15_000


def launch(playwright: Playwright) -> Browser:
    """Headless chromium from the system, quiet: no network of its own, no updates, no sync."""
    if not CHROMIUM.is_file():
        raise RuntimeError(
            f"{CHROMIUM} is missing: bin/test installs it "
            "(apt-get install --no-install-recommends chromium fonts-noto-cjk)"
        )
    args = [
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
    ]
    if os.geteuid() == 0:  # chromium's sandbox refuses to run as root
        args.append("--no-sandbox")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=args)


def build_archive(folder: Path, generated: int, seed: int = 7) -> Path:
    """The sample reports, `generated` reports of bench.corpus and one .docx of our own."""
    from bench.corpus import generate_corpus

    samples = folder / "samples"
    samples.mkdir(parents=True, exist_ok=True)
    for sample in sorted((ROOT / "archive").glob("*.txt")):
        shutil.copyfile(sample, samples / sample.name)
    generate_corpus(folder / "generated", n=generated, seed=seed)
    write_report_docx(
        folder / "青山镇" / "2019.docx",
        "城口县青山镇2019年法治政府建设情况报告",
        [
            (
                "一、主要工作",
                [
                    "全镇推行网格化调解机制，各村设立调解室，调解覆盖全部网格。",
                    "开展普法宣传十二场，小事不出村、大事不出镇。",
                ],
            ),
            ("二、存在的问题", ["基层法治力量薄弱，部分干部依法行政意识不强。"]),
            ("三、下一步打算", ["继续深化网格化调解，加强法治队伍建设。"]),
        ],
    )
    return folder


def open_page(
    browser: Browser, viewport: dict, expected_statuses: tuple[int, ...] = ()
) -> tuple[BrowserContext, Page, list[str]]:
    """A fresh context and page that records script errors, failed requests and error
    statuses (but `expected_statuses`) in the list returned: a test asserts it stays empty."""
    context = browser.new_context(viewport=viewport, accept_downloads=True, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems: list[str] = []

    def console(message) -> None:
        # "Failed to load resource" repeats a status the response handler judges.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    def status(response) -> None:
        if response.status >= 400 and response.status not in expected_statuses:
            problems.append(f"{response.url}: status {response.status}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    def failed(request) -> None:
        # The browser drops the favicon's request when the test moves on before it loads.
        if not (request.url.endswith("/favicon.svg") and request.failure == "net::ERR_ABORTED"):
            problems.append(f"{request.url}: {request.failure}")

    page.on("requestfailed", failed)
    page.on("response", status)
    return context, page, problems
