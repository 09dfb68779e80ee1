"""The app as a whole: configuration, health, the unavailable index, errors, headers."""

from __future__ import annotations

import shutil
from urllib.parse import quote, urlencode

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer import update_index
from tests.web_support import text
from web import create_app
from web.security import HEADERS

PAGES = [
    "/",
    "/?q=法治",
    "/?q=%22",
    "/report/samples/002_c95c61ecb8064d92.txt?q=法治",
    "/overview",
    "/nowhere",
    "/api/search?q=法治",
    "/api/report/nothing",
    "/healthz",
    "/static/style.css",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_response_carries_the_security_headers(client, url):
    with client.get(url) as response:
        for name, value in HEADERS.items():
            assert response.headers[name] == value


def test_the_policy_allows_only_the_apps_own_files(client):
    policy = HEADERS["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "unsafe-inline" not in policy
    for url in PAGES[:5]:
        doc = lxml.html.fromstring(client.get(url).data.decode())
        assert all(script.get("src") for script in doc.xpath("//script"))  # no inline script
        assert not doc.xpath("//@style") and not doc.xpath("//style")
        assert not [a for a in doc.xpath("//@*[starts-with(name(), 'on')]")]
        for link in doc.xpath("//link/@href | //script/@src"):
            assert link.startswith("/static/")  # nothing from another site


def test_static_files_are_served(client):
    for name in ("style.css", "app.js", "favicon.svg"):
        with client.get(f"/static/{name}") as response:
            assert response.status_code == 200 and response.data


def test_health_check(client):
    response = client.get("/healthz")
    assert (response.status_code, response.data) == (200, b"ok")


def test_an_unknown_page_is_a_chinese_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404
    doc = lxml.html.fromstring(response.data.decode())
    assert text(doc.xpath("//h1")[0]) == "找不到该页面"


def test_a_post_is_refused_in_chinese(client):
    response = client.post("/")
    assert response.status_code == 405
    assert "不支持该请求方式" in response.data.decode()
    api = client.post("/api/search")
    assert api.status_code == 405 and api.get_json()["error"]


def test_an_unexpected_error_is_a_plain_500_page(web_archive):
    archive, index = web_archive
    app = create_app({"INDEX_DIR": index, "ARCHIVE_DIR": archive})

    def broken() -> str:
        raise RuntimeError("a bug")

    app.add_url_rule("/broken", view_func=broken)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    body = response.data.decode()
    assert "服务器内部错误" in body and "a bug" not in body and "Traceback" not in body
    assert response.headers["X-Frame-Options"] == "DENY"


def test_a_missing_index_answers_503_until_it_is_built(web_archive, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    shutil.copy(next(web_archive[0].glob("samples/*.txt")), archive / "one.txt")
    index = tmp_path / "index"
    app = create_app({"INDEX_DIR": index, "ARCHIVE_DIR": archive})
    client = app.test_client()
    for url in ("/", "/?q=法治", "/report/one.txt", "/file/one.txt", "/overview"):
        response = client.get(url)
        assert response.status_code == 503, url
        doc = lxml.html.fromstring(response.data.decode())
        assert text(doc.xpath("//h1")[0]) == "索引暂不可用"
        assert f"fazhi-index update --archive {archive} --index {index}" in text(doc)
    api = client.get("/api/search?q=法治")
    assert api.status_code == 503 and "索引" in api.get_json()["error"]
    assert client.get("/healthz").status_code == 503
    update_index(archive, index)
    assert client.get("/healthz").status_code == 200  # no restart needed
    assert client.get("/?q=法治").status_code == 200


def test_settings_come_from_the_environment_then_a_file_then_the_caller(
    web_archive, tmp_path, monkeypatch
):
    archive, index = web_archive
    monkeypatch.setenv("FAZHI_INDEX", str(index))
    monkeypatch.setenv("FAZHI_ARCHIVE", str(tmp_path))
    assert create_app().config["INDEX_DIR"] == index
    assert create_app().config["ARCHIVE_DIR"] == tmp_path
    settings = tmp_path / "web.cfg"
    settings.write_text(f"ARCHIVE_DIR = {str(archive)!r}\nSEARCH_TITLE = 'x'\n", "utf-8")
    monkeypatch.setenv("FAZHI_WEB_CONFIG", str(settings))
    app = create_app()
    assert app.config["ARCHIVE_DIR"] == archive and app.config["SEARCH_TITLE"] == "x"
    assert create_app({"ARCHIVE_DIR": tmp_path}).config["ARCHIVE_DIR"] == tmp_path


def test_relative_folders_are_taken_from_the_current_directory(web_archive, monkeypatch):
    archive, index = web_archive
    monkeypatch.chdir(archive.parent)
    app = create_app({"INDEX_DIR": index.name, "ARCHIVE_DIR": archive.name})
    assert app.config["ARCHIVE_DIR"] == archive
    with app.test_client().get("/file/samples/002_c95c61ecb8064d92.txt") as response:
        assert response.status_code == 200


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.dictionaries(
        st.sampled_from(
            ["q", "town", "county", "year_from", "year_to", "section", "sort", "page", "x"]
        ),
        st.text(max_size=30),
        max_size=5,
    )
)
def test_no_query_string_gets_a_500(client, values):
    query = urlencode(values)
    for prefix in ("/", "/api/search"):
        assert client.get(f"{prefix}?{query}").status_code in (200, 400), query


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.text(min_size=1, max_size=40))
def test_no_report_path_gets_a_500(client, path):
    for prefix in ("/report/", "/file/", "/api/report/"):
        response = client.get(prefix + quote(path), follow_redirects=True)
        assert response.status_code in (200, 404), path
        response.close()


def test_an_empty_archive_has_pages_too(tmp_path):
    (tmp_path / "archive").mkdir()
    update_index(tmp_path / "archive", tmp_path / "index")
    app = create_app({"INDEX_DIR": tmp_path / "index", "ARCHIVE_DIR": tmp_path / "archive"})
    client = app.test_client()
    welcome = lxml.html.fromstring(client.get("/").data.decode())
    assert "共有 0 份报告" in text(welcome.xpath("//p[@class='lead']")[0])
    for url in ("/?q=法治", "/?section=problems", "/overview"):
        assert client.get(url).status_code == 200
    overview = lxml.html.fromstring(client.get("/overview").data.decode())
    assert "还没有知道镇名的报告" in text(overview)
