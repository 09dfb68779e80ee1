"""The optional login on the server users run (gunicorn, two worker processes), in chromium.

The limit on failed logins must hold across the workers: each failure below is sent over a
connection that the test has matched to a given worker process (through /proc: the server
side of the connection is a socket held by exactly one worker), alternating between them,
so neither worker alone sees five failures.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import Page
from werkzeug.security import generate_password_hash

from bench.load import Server
from tests.browser_support import DESKTOP
from web.auth import OPEN_ENDPOINTS
from web.userfile import write_users

TIMEOUT_MS = 15_000
NAME, PASSWORD = "张三", "正确的密码-correct"
GUESSED = "王五"  # the name the limit test locks


@pytest.fixture(scope="module")
def login_server(web_archive, tmp_path_factory):
    """`python -m web` with two workers and USERS_FILE set, on a copy of the web index (its
    session key and failed-login file are made beside it)."""
    archive, index = web_archive
    root = tmp_path_factory.mktemp("login")
    shutil.copytree(index, root / "index", symlinks=True)
    hashed = generate_password_hash(PASSWORD)
    write_users(root / "users", {NAME: hashed, GUESSED: hashed})
    config = root / "web.cfg"
    config.write_text(f"USERS_FILE = {str(root / 'users')!r}\n", "utf-8")
    before = os.environ.get("FAZHI_WEB_CONFIG")
    os.environ["FAZHI_WEB_CONFIG"] = str(config)  # the server's environment, at its start
    try:
        running = Server(root / "index", archive, workers=2)
    finally:
        if before is None:
            del os.environ["FAZHI_WEB_CONFIG"]
        else:
            os.environ["FAZHI_WEB_CONFIG"] = before
    yield running, root
    running.stop()


def workers(server: Server) -> list[int]:
    pid = server.process.pid
    return [int(n) for n in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def serving_worker(server: Server, connection: http.client.HTTPConnection) -> int | None:
    """The worker process holding the server side of `connection` (after one request)."""
    server_port = urlsplit(server.url).port
    client_port = connection.sock.getsockname()[1]
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == \
                client_port:
            inode = fields[9]
    for pid in workers(server):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    return None


def connection_to(server: Server, pid: int) -> http.client.HTTPConnection:
    """A kept-alive connection that the worker `pid` accepted (a worker still starting, e.g.
    loading jieba's dictionary, accepts none yet: keep trying for a while)."""
    host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        if serving_worker(server, connection) == pid:
            return connection
        connection.close()
        time.sleep(0.05)
    raise AssertionError(f"no connection reached worker {pid} in 60 s")


def post_login(connection: http.client.HTTPConnection, cookie: str, csrf: str,
               password: str) -> http.client.HTTPResponse:
    body = urlencode({"name": GUESSED, "password": password, "csrf_token": csrf, "next": "/"})
    connection.request("POST", "/login", body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
    })
    response = connection.getresponse()
    response.read()
    return response


def test_failed_logins_are_counted_across_the_worker_processes(login_server):
    server, root = login_server
    pids = workers(server)
    assert len(pids) == 2
    first = connection_to(server, pids[0])
    first.request("GET", "/login")
    response = first.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    seen = []
    for attempt in range(5):  # worker A, B, A, B, A: three failures in one, two in the other
        connection = connection_to(server, pids[attempt % 2])
        seen.append(post_login(connection, cookie, csrf, "wrong-password").status)
        connection.close()
    assert seen == [401] * 5
    for pid in pids:  # the sixth, in either worker, is refused: even with the right password
        connection = connection_to(server, pid)
        refused = post_login(connection, cookie, csrf, PASSWORD)
        connection.close()
        assert refused.status == 429 and int(refused.getheader("Retry-After")) > 0
    assert (root / "index.logins.sqlite").stat().st_mode & 0o777 == 0o600
    assert (root / "index.secret").stat().st_mode & 0o777 == 0o600
    first.close()


@pytest.fixture
def page(browser, login_server):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(str(error)))
    yield opened
    context.close()
    assert problems == []


def fill_login(page: Page, name: str, password: str) -> None:
    page.locator("#login-name").fill(name)
    page.locator("#login-password").fill(password)
    page.locator(".login-form button[type=submit]").click()
    page.wait_for_load_state()


def test_in_the_browser_a_page_asks_for_the_login_then_opens(page, login_server):
    server, _ = login_server
    page.goto(f"{server.url}/overview")
    assert urlsplit(page.url).path == "/login"
    assert page.locator("h1").inner_text() == "登录"
    assert page.locator("header nav").count() == 0
    fill_login(page, NAME, "wrong-password-但是长")
    assert page.locator(".notice.error").inner_text() == "用户名或密码不正确。"
    assert page.locator("#login-name").input_value() == NAME  # kept; the password is not
    assert page.locator("#login-password").input_value() == ""
    fill_login(page, NAME, PASSWORD)
    assert urlsplit(page.url).path == "/overview"
    assert page.locator("h1").inner_text() == "档案概览"
    assert page.locator("form.logout .user").inner_text() == NAME
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and not cookie["secure"]
    assert page.evaluate("document.cookie") == ""  # script cannot read the session
    assert page.evaluate("fetch('/api/search?q=法治').then(r => r.status)") == 200
    page.locator("form.logout button").click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(f"{server.url}/?q=法治")
    assert urlsplit(page.url).path == "/login"
    assert page.evaluate("fetch('/api/search?q=法治').then(r => r.status)") == 401


def test_in_the_browser_a_form_without_its_token_is_refused(page, login_server):
    server, _ = login_server
    page.goto(f"{server.url}/login")
    page.evaluate("document.querySelector('input[name=csrf_token]').remove()")
    fill_login(page, NAME, PASSWORD)
    assert page.locator(".notice.error").inner_text().startswith("表单已过期或来源不明")
    page.goto(f"{server.url}/")
    assert urlsplit(page.url).path == "/login"


def test_every_route_is_refused_by_the_real_server_without_a_session(login_server, tmp_path):
    """The url_map walked again (a route added later is in it), over HTTP to gunicorn."""
    from tests.test_web_login import urls
    from web import create_app

    server, root = login_server
    app = create_app({"INDEX_DIR": root / "index", "USERS_FILE": root / "users",
                      "SECRET_KEY": "k" * 64, "LOGIN_ATTEMPTS_FILE": tmp_path / "logins"})
    split = urlsplit(server.url)
    for endpoint, method, url in urls(app):
        connection = http.client.HTTPConnection(split.hostname, split.port, timeout=30)
        connection.request(method, url)
        response = connection.getresponse()
        body = response.read()
        connection.close()
        if endpoint in OPEN_ENDPOINTS:
            assert response.status in (200, 400), (endpoint, method)  # 400: no CSRF token
        elif url.startswith("/api/"):
            assert response.status == 401 and b"error" in body, (endpoint, method)
        else:
            assert response.status == 302, (endpoint, method)
            assert urlsplit(response.getheader("Location")).path == "/login"
