from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The five sample reports and a careful reader's values for them (copied from the corpus
# beside the project, so a clone alone passes); archive/ is the user's folder, not the tests'.
ARCHIVE = ROOT / "tests" / "data" / "samples"
EXPECTED = ROOT / "tests" / "data" / "expected.json"


def expected_records() -> list[dict]:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive folder holding the five sample reports."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for sample in sorted(ARCHIVE.glob("*.txt")):
        shutil.copy(sample, folder / sample.name)
    return folder


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def write_txt(tmp_path: Path):
    """Write a report as a UTF-8 .txt file and return its path."""

    def write(text: str, name: str = "report.txt", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


# The web app's archive: the sample reports, generated ones (so results run over several
# pages), and hand-made reports whose contents the web tests know exactly.
WEB_WORD = "网格化调解"  # in the hand-made reports only


def samples_with(root: Path, reports: dict[str, str]) -> tuple[Path, Path]:
    """The sample archive plus `reports` (file name → text) in root/archive, indexed into
    root/index: (archive, index)."""
    from indexer import update_index

    archive = root / "archive"
    shutil.copytree(ARCHIVE, archive)
    for name, text in reports.items():
        (archive / name).write_text(text, encoding="utf-8")
    assert not update_index(archive, root / "index").failed
    return archive, root / "index"


def write_report_docx(path: Path, title: str, parts: list[tuple[str, list[str]]]) -> Path:
    """A report as Word writes it: a title paragraph, Heading 1 parts, body paragraphs."""
    import docx

    document = docx.Document()
    document.add_paragraph(title)
    for heading, paragraphs in parts:
        document.add_paragraph(heading, style="Heading 1")
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def _report_text(title: str, town: str, year: int, extra: str = "") -> str:
    return "\n".join(
        [
            title,
            f"{year}年以来，{town}坚持以习近平法治思想为指导，扎实推进法治政府建设。",
            "一、主要工作",
            f"（一）推进{WEB_WORD}。全镇推行{WEB_WORD}机制，各村设立调解室，{WEB_WORD}覆盖全部网格。",
            f"（二）加强普法宣传。开展法治宣传活动十二场。{extra}",
            "二、存在的问题",
            "基层法治力量薄弱，部分干部依法行政意识不强。",
            "三、下一步打算",
            f"继续深化{WEB_WORD}，加强法治队伍建设。",
        ]
    )


@pytest.fixture(scope="session")
def web_archive(tmp_path_factory: pytest.TempPathFactory):
    """(archive folder, index folder) built once per session with `update_index`."""
    from bench.corpus import generate_corpus
    from indexer import update_index

    root = tmp_path_factory.mktemp("web")
    archive, index = root / "archive", root / "index"
    (archive / "samples").mkdir(parents=True)
    for sample in sorted(ARCHIVE.glob("*.txt")):
        (archive / "samples" / sample.name).write_bytes(sample.read_bytes())
    generate_corpus(archive / "generated", n=40, seed=7)
    own = archive / "青山镇"
    write_report_docx(
        own / "2019.docx",
        "城口县青山镇2019年法治政府建设情况报告",
        [
            ("一、主要工作", [f"全镇推行{WEB_WORD}机制，{WEB_WORD}覆盖全部网格。"]),
            ("二、存在的问题", ["基层法治力量薄弱。"]),
            ("三、下一步打算", [f"继续深化{WEB_WORD}。"]),
        ],
    )
    title = "城口县青山镇2021年法治政府建设情况报告"
    (own / "青山镇2021年报告.txt").write_text(_report_text(title, "青山镇", 2021), "utf-8")
    title = "城口县白石镇2022年法治政府建设情况报告"
    script = "宣传栏上写着<script>alert(1)</script>的字样。"
    (archive / "白石镇2022.txt").write_text(_report_text(title, "白石镇", 2022, script), "utf-8")
    corrected = archive / "corrected.txt"
    corrected.write_text(_report_text("", "我镇", 2017), "utf-8")  # no title
    corrected.with_name("corrected.txt.meta.toml").write_text(
        'town = "红叶镇"\ncounty = "城口县"\n', "utf-8"
    )
    (archive / "damaged.docx").write_bytes(b"this is not a zip file")
    index.parent.mkdir(parents=True, exist_ok=True)
    update_index(archive, index)
    return archive, index


@pytest.fixture(scope="session")
def web_app(web_archive):
    """The Flask app on the web archive's index (one per session: it opens the index)."""
    from web import create_app

    archive, index = web_archive
    return create_app({"INDEX_DIR": index, "ARCHIVE_DIR": archive, "TESTING": True})


@pytest.fixture
def client(web_app):
    return web_app.test_client()


@pytest.fixture(scope="module")
def archive_index(web_archive):
    """The web tests' index, opened as the app opens it."""
    from indexer import ArchiveIndex

    opened = ArchiveIndex(web_archive[1])
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's chromium under Playwright, one per test module (the browser tests')."""
    from playwright.sync_api import sync_playwright

    from tests.browser_support import launch

    with sync_playwright() as playwright:
        opened = launch(playwright)
        yield opened
        opened.close()


def _checked_page(browser, viewport: dict):
    from tests.browser_support import open_page

    context, opened, problems = open_page(browser, viewport)
    yield opened
    context.close()
    assert problems == [], problems


@pytest.fixture
def page(browser):
    """A desktop page of its own; the test fails on a script error or an error status."""
    from tests.browser_support import DESKTOP

    yield from _checked_page(browser, DESKTOP)


@pytest.fixture
def phone(browser):
    """The same at a phone's width (390 px)."""
    from tests.browser_support import PHONE

    yield from _checked_page(browser, PHONE)
