"""Hostile requests: queries past every bound, and paths that try to leave the archive.

The queries are bench/attack_bounds.py's cases (that script times them; here their answers
are checked). The paths are sent twice: through Flask's test client, and as raw bytes to the
server users run (gunicorn), so no client tidies a `..`, a backslash or a NUL on the way.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

import lxml.html
import pytest

from bench.attack_bounds import CASES, ROUTES
from bench.load import Server
from indexer import update_index
from tests.web_support import text
from web import create_app

REPORT = "samples/002_c95c61ecb8064d92.txt"
REFUSED = {  # what the parser says about the queries it refuses
    "1000 nested parentheses": "查询太长（2002 个字符）",
    "10,000 characters": "查询太长（10000 个字符）",
    "200 terms": "查询词太多",
    "200 terms with OR": "查询词太多",
    "100 negations": "查询词太多",
    "control characters": "控制字符",
    "NUL": "控制字符",
    "unbalanced quotes and parentheses": "引号不成对",
}


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_query_gets_a_clear_answer_on_every_route(client, case):
    value = CASES[case]
    refused = REFUSED.get(case)
    for route in ROUTES:
        response = client.get(route.format(file=REPORT) + value)
        body = response.data.decode()
        assert "Traceback" not in body and 'File "' not in body, (case, route)
        if route.startswith("/api/"):
            assert response.content_type == "application/json"
            if refused:
                assert response.status_code == 400 and refused in response.get_json()["error"]
            else:
                assert response.status_code == 200, (case, body[:300])
                assert isinstance(response.get_json()["total_reports"], int)
            continue
        doc = lxml.html.fromstring(body)
        if route.startswith("/report/"):  # the report shows; a query it cannot mark is said
            assert response.status_code == 200 and doc.xpath("//article|//main")
            notices = [text(p) for p in doc.xpath("//p[contains(@class, 'error')]")]
            assert len(notices) == (1 if refused else 0), (case, notices)
            if refused:
                assert notices[0].startswith("无法标出“") and refused in notices[0]
            continue
        if refused:
            assert response.status_code == 400, case
            assert refused in text(doc.xpath("//div[contains(@class, 'error')]")[0])
        else:
            assert response.status_code == 200, (case, body[:300])
            assert doc.xpath("//p[@class='totals']"), case


def test_bytes_that_are_not_utf8_are_kept_as_escapes_not_refused(client):
    """Werkzeug keeps a byte that is not UTF-8 as its %XX escape: searched and shown as such."""
    doc = lxml.html.fromstring(client.get("/?q=" + CASES["invalid UTF-8"]).data.decode())
    box = doc.xpath("//form[@role='search']//input[@name='q']/@value")[0]
    assert box == "%FF%FE%C3(法"


def test_long_filter_values_are_refused_by_name(client):
    for name in ("town", "county", "section", "year_from", "page"):
        response = client.get(f"/api/search?q=法治&{name}=" + "镇" * 10_000)
        assert response.status_code == 400, name
        assert name in response.get_json()["error"] or "年份" in response.get_json()["error"]


# Path traversal: an archive with a report, a symbolic link that leads outside (refused when
# indexed), and two indexed names that are swapped for links outside after the update (a
# file, a folder): the index still holds them, so only the server's own check stops them.
SECRET = "SECRET-OUTSIDE-THE-ARCHIVE"
# Indexed, then made a link outside (a file; a folder): their pages show what was indexed.
SWAPPED = ("swap.txt", "sub/inner.txt")
GOOD = "城口县青山镇2021年法治政府建设情况报告\n一、主要工作\n推行网格化调解。\n"


@pytest.fixture(scope="module")
def traversal(tmp_path_factory):
    root = tmp_path_factory.mktemp("traversal")
    archive, outside = root / "archive", root / "outside"
    (archive / "sub").mkdir(parents=True)
    outside.mkdir()
    for name in ("secret.txt", "swap.txt", "inner.txt"):
        (outside / name).write_text(f"城口县{SECRET}镇2020年报告\n{SECRET}\n", "utf-8")
    for name in ("good.txt", "swap.txt", "sub/inner.txt"):
        (archive / name).write_text(GOOD, "utf-8")
    (archive / "link.txt").symlink_to(outside / "secret.txt")
    update_index(archive, root / "index")
    (archive / "swap.txt").unlink()
    (archive / "swap.txt").symlink_to(outside / "swap.txt")
    shutil.rmtree(archive / "sub")
    (archive / "sub").symlink_to(outside, target_is_directory=True)
    return archive, root / "index", outside


def _attacks(outside: Path) -> list[str]:
    """What follows /report/, /file/, /api/report/ or /static/ in the URL, as sent."""
    return [
        "../outside/secret.txt",
        "..%2foutside%2fsecret.txt",
        "%2e%2e/outside/secret.txt",
        "%2e%2e%2foutside%2fsecret.txt",
        "%252e%252e%252foutside%252fsecret.txt",
        "..%5coutside%5csecret.txt",
        "..\\outside\\secret.txt",
        "good.txt/../../outside/secret.txt",
        "....//....//outside/secret.txt",
        "../../../../../../../../etc/passwd",
        "..%2f..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        quote(str(outside / "secret.txt")),
        "good.txt%00",
        "good.txt%00../outside/secret.txt",
        "link.txt",  # a link outside: never indexed
        *SWAPPED,
    ]


def _refused(status: int, prefix: str, attack: str) -> bool:
    """Not served: only the index's own pages of a swapped report may answer."""
    if attack in SWAPPED and prefix in ("/report/", "/api/report/"):
        return status == 200
    return status in (308, 400, 404)


def _leaks(body: bytes) -> bool:
    return SECRET.encode() in body or b"root:x:0:0" in body


def test_only_archive_files_are_served_through_the_app(traversal):
    archive, index, outside = traversal
    client = create_app({"INDEX_DIR": index, "ARCHIVE_DIR": archive}).test_client()
    with client.get("/file/good.txt") as good:  # the control: the routes do serve a report
        assert good.status_code == 200 and good.data == GOOD.encode()
    assert client.get("/report/good.txt").status_code == 200
    with client.get("/static/style.css") as style:
        assert style.status_code == 200
    for attack in _attacks(outside):
        for prefix in ("/report/", "/file/", "/api/report/", "/static/"):
            response = client.get(prefix + attack)
            assert _refused(response.status_code, prefix, attack), (prefix, attack)
            assert not _leaks(response.data), (prefix, attack)
            response.close()


def test_the_index_holds_the_swapped_names_so_the_server_must_check(traversal):
    archive, index, _ = traversal
    client = create_app({"INDEX_DIR": index, "ARCHIVE_DIR": archive}).test_client()
    assert client.get("/api/report/swap.txt").status_code == 200  # the record is there
    with client.get("/file/swap.txt") as response:
        assert response.status_code == 404 and not _leaks(response.data)
        assert "不在档案文件夹中" in response.data.decode()


@pytest.fixture(scope="module")
def traversal_server(traversal):
    archive, index, _ = traversal
    running = Server(index, archive, workers=1)
    yield running
    running.stop()


def raw_get(url: str, target: bytes) -> tuple[int, bytes]:
    """GET `target` exactly as given (no quoting, no tidying) and the status and body."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as connection:
        connection.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\n"
                           b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_only_archive_files_are_served_by_the_real_server(traversal, traversal_server):
    _, _, outside = traversal
    url = traversal_server.url
    assert raw_get(url, b"/file/good.txt") == (200, GOOD.encode())
    raw = [attack.encode() for attack in _attacks(outside)]
    raw += [b"good.txt\x00", b"..\x00/outside/secret.txt", b"%ff%fe/../outside/secret.txt",
            b"\xff\xfe.txt"]
    for attack in raw:
        for prefix in (b"/report/", b"/file/", b"/api/report/", b"/static/"):
            status, body = raw_get(url, prefix + attack)
            assert _refused(status, prefix.decode(), attack.decode("latin-1")), (prefix, attack)
            assert not _leaks(body), (prefix, attack)
            assert b"Traceback" not in body


GUNICORN_REFUSES = {  # what gunicorn answers before the app sees the request
    "10,000 characters": b"Request Line is too large",
    "raw bytes": b"Invalid HTTP request line",
    "raw DEL": b"Invalid HTTP request line",
}


def test_hostile_queries_reach_the_real_server_and_get_an_answer(traversal_server):
    """The same cases through gunicorn, and bytes no client would send unencoded. A query
    of 10,000 characters (some 90 kB encoded) is past gunicorn's longest request line (8190
    bytes, which the 500 characters the parser allows fit in), and bytes that are not ASCII
    are not HTTP: gunicorn answers those itself, with a 4xx that names the reason."""
    url = traversal_server.url
    raw = {name: value.encode() for name, value in CASES.items()}
    raw |= {"raw bytes": b"\xff\xfe\xe6\xb3\x95", "raw DEL": b"\x7f"}
    for name, value in raw.items():
        for route in ("/?q=", "/api/search?q=", "/report/good.txt?q="):
            status, body = raw_get(url, route.encode() + value)
            assert b"Traceback" not in body, (name, route)
            if name in GUNICORN_REFUSES:
                assert 400 <= status < 500 and GUNICORN_REFUSES[name] in body, (name, status)
            elif route.startswith("/report/"):
                assert status == 200, (name, status)
            else:
                assert status in (200, 400) and body, (name, route, status)
                assert (status == 400) == (name in REFUSED), (name, route)


def test_the_bounds_script_times_every_case_on_every_route(web_archive):
    """bench/attack_bounds.py runs (the README quotes its figures) and covers every case."""
    archive, index = web_archive
    done = subprocess.run(
        [sys.executable, "-m", "bench.attack_bounds", "--index", str(index), "--repeat", "1"],
        capture_output=True, text=True, check=True, timeout=300,
    )
    lines = done.stdout.splitlines()
    assert len(lines) == 2 + len(CASES) * len(ROUTES) and lines[-1].startswith("worst: ")
    for name in CASES:
        assert sum(line[:34].rstrip() == name for line in lines) == len(ROUTES), name
