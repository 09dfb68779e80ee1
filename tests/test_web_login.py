"""The optional login through Flask's test client: what it protects, the cookie, CSRF, the
limit on failed logins, the users file and its command. (In chromium, and the limit across
gunicorn's worker processes: test_browser_login.py.)"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.security import generate_password_hash

from web import create_app
from web.auth import OPEN_ENDPOINTS, SessionKeyError, secret_key
from web.userfile import UsersFileError, read_users, write_users

from .conftest import ROOT

REPORT = "samples/002_c95c61ecb8064d92.txt"
# A value for each route argument that still answers 200 (REPORT is 庙坝镇's report).
ARGUMENTS = {"filename": "style.css", "ext": "csv", "name": "庙坝镇"}
PASSWORD = "正确的密码-correct"
# Cheap hashes for the tests that log in often; the timing test uses werkzeug's default.
FAST = "pbkdf2:sha256:1000"


def users_file(folder: Path, method: str = FAST, **users: str) -> Path:
    path = folder / "users"
    write_users(path, {name: generate_password_hash(pw, method=method) for name, pw in
                       (users or {"张三": PASSWORD, "lisi": PASSWORD}).items()})
    return path


def login_app(web_archive, tmp_path: Path, **config):
    archive, index = web_archive
    settings = {
        "INDEX_DIR": index,
        "ARCHIVE_DIR": archive,
        "USERS_FILE": config.pop("USERS_FILE", None) or users_file(tmp_path),
        "SECRET_KEY": "k" * 64,
        "LOGIN_ATTEMPTS_FILE": tmp_path / "logins.sqlite",
        **config,
    }
    return create_app(settings)


@pytest.fixture
def app(web_archive, tmp_path):
    return login_app(web_archive, tmp_path)


def token(client, url: str = "/login") -> str:
    page = client.get(url).data.decode()
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def log_in(client, name: str = "张三", password: str = PASSWORD, next_url: str = "/", **extra):
    env = extra.pop("env", None)
    data = {"name": name, "password": password, "next": next_url, "csrf_token": token(client)}
    return client.post("/login", data={**data, **extra}, environ_base=env or {})


def urls(app) -> list[tuple[str, str, str]]:
    """(endpoint, method, URL) of every route the app has, its arguments filled in."""
    found = []
    for rule in app.url_map.iter_rules():
        args = {name: ARGUMENTS.get(name, REPORT) for name in rule.arguments}
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **args)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, url))
    return found


def test_the_login_page_links_to_nothing_it_would_refuse(app):
    client = app.test_client()
    body = client.get("/login").get_data(as_text=True)
    links = re.findall(r'href="([^"]+)"', body)
    assert links and not [link for link in links if link.startswith("/api/")]
    for link in links:
        with client.get(link) as response:  # a static file's response holds it open
            assert response.status_code in (200, 302), link  # 302: back to the login


def test_without_a_users_file_nothing_changes(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert "退出登录" not in response.data.decode()
    assert "/login" not in [rule.rule for rule in client.application.url_map.iter_rules()]


def test_every_route_but_login_static_and_health_is_refused_without_a_session(app):
    client = app.test_client()
    routes = urls(app)
    assert {"pages.search_page", "pages.report", "pages.download", "api.search_json",
            "api.report_json", "pages.overview"} <= {endpoint for endpoint, _, _ in routes}
    for endpoint, method, url in routes:
        with client.open(url, method=method) as response:
            check_refused(endpoint, method, url, response)


def check_refused(endpoint: str, method: str, url: str, response) -> None:
    """Open routes answer; the API says 401 in JSON; every other route sends to /login."""
    if endpoint in OPEN_ENDPOINTS:
        assert response.status_code in (200, 400), (endpoint, method)  # 400: no CSRF token
    elif url.startswith("/api/"):
        assert response.status_code == 401, (endpoint, method)
        assert response.get_json()["error"].startswith("需要登录")
    else:
        assert response.status_code == 302, (endpoint, method)
        location = urlsplit(response.headers["Location"])
        assert location.path == "/login" and not location.netloc


def test_after_logging_in_every_page_answers_and_the_next_page_is_kept(app):
    client = app.test_client()
    assert client.get("/overview?x=1").headers["Location"] == "/login?next=/overview?x%3D1"
    response = log_in(client, next_url="/overview?x=1")
    assert response.status_code == 302 and response.headers["Location"] == "/overview?x=1"
    for endpoint, method, url in urls(app):
        if method == "GET" and endpoint != "auth.login":
            with client.get(url) as response:  # /api/search without a query: 400
                assert response.status_code in (200, 400), endpoint
    assert client.get("/api/search?q=法治").get_json()["total_reports"] > 0
    assert "退出登录" in client.get("/").data.decode()


def test_a_wrong_password_and_an_unknown_name_get_the_same_answer(app):
    client = app.test_client()
    wrong_password = log_in(client, password="wrong-password")
    unknown_name = log_in(client, name="nobody")
    for response in (wrong_password, unknown_name):
        assert response.status_code == 401
        assert "用户名或密码不正确" in response.data.decode()
    assert client.get("/").status_code == 302


def test_a_form_without_its_csrf_token_is_refused(app):
    client = app.test_client()
    client.get("/login")  # a session with a token, which the form below does not send
    response = client.post("/login", data={"name": "张三", "password": PASSWORD})
    assert response.status_code == 400 and "表单已过期或来源不明" in response.data.decode()
    assert client.get("/").status_code == 302
    response = log_in(client, csrf_token="forged")
    assert response.status_code == 400 and client.get("/").status_code == 302
    assert log_in(client).status_code == 302 and client.get("/").status_code == 200
    assert client.post("/logout").status_code == 400  # no token: still signed in
    assert client.get("/").status_code == 200
    assert client.post("/logout", data={"csrf_token": token(client, "/")}).status_code == 302
    assert client.get("/").status_code == 302


def test_the_session_cookie_is_http_only_same_site_and_expires(app, web_archive, tmp_path):
    client = app.test_client()
    cookie = log_in(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)
    hours = (time.mktime(time.strptime(expires, "%a, %d %b %Y %H:%M:%S GMT"))
             - time.mktime(time.gmtime())) / 3600
    assert 11.9 < hours <= 12.01
    secure = login_app(web_archive, tmp_path, SESSION_COOKIE_SECURE=True, LOGIN_HOURS=1)
    cookie = log_in(secure.test_client()).headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_five_failures_of_a_name_lock_it_for_a_while_not_the_others(app):
    client = app.test_client()
    for _ in range(5):
        assert log_in(client, password="wrong-password").status_code == 401
    refused = log_in(client)  # even the right password
    assert refused.status_code == 429 and "登录失败次数过多" in refused.data.decode()
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    assert client.get("/").status_code == 302
    assert log_in(client, name="lisi").status_code == 302


def test_failures_from_one_address_are_limited_whatever_the_name(web_archive, tmp_path):
    app = login_app(web_archive, tmp_path, LOGIN_FAILURES_PER_ADDRESS=3)
    client = app.test_client()
    here, there = {"REMOTE_ADDR": "10.0.0.7"}, {"REMOTE_ADDR": "10.0.0.8"}
    for name in ("a1", "a2", "a3"):
        assert log_in(client, name=name, env=here).status_code == 401
    assert log_in(client, env=here).status_code == 429
    assert log_in(client, env=there).status_code == 302


def test_a_forged_forwarded_address_counts_only_behind_a_configured_proxy(web_archive, tmp_path):
    forged = [{"HTTP_X_FORWARDED_FOR": f"10.1.0.{n}"} for n in range(4)]
    direct = login_app(web_archive, tmp_path, LOGIN_FAILURES_PER_ADDRESS=3).test_client()
    for headers in forged[:3]:
        assert log_in(direct, name="x", env=headers).status_code == 401
    assert log_in(direct, name="y", env=forged[3]).status_code == 429  # the same client
    (tmp_path / "proxied").mkdir()
    proxied = login_app(web_archive, tmp_path / "proxied", LOGIN_FAILURES_PER_ADDRESS=3,
                        PROXY_FIX=1).test_client()
    for headers in forged[:3]:
        assert log_in(proxied, name="x", env=headers).status_code == 401
    assert log_in(proxied, name="y", env=forged[3]).status_code == 401  # another office PC


def test_a_changed_password_or_a_removed_user_ends_the_session(app, tmp_path):
    client, other = app.test_client(), app.test_client()
    assert log_in(client).status_code == 302 and log_in(other, name="lisi").status_code == 302
    path = app.config["USERS_FILE"]
    users = read_users(path).users
    users["张三"] = generate_password_hash("新的密码-new", method=FAST)
    del users["lisi"]
    time.sleep(0.01)  # a new mtime
    write_users(path, users)
    assert client.get("/").status_code == 302 and other.get("/").status_code == 302
    assert log_in(client, password="新的密码-new").status_code == 302


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example/",
                                    "javascript:alert(1)", "/\x00x"])
def test_the_page_after_login_is_always_on_this_site(app, target):
    response = log_in(app.test_client(), next_url=target)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_an_unknown_name_takes_as_long_as_a_wrong_password(web_archive, tmp_path):
    """The dummy hash: a name guesser learns nothing from the time (werkzeug's scrypt)."""
    path = users_file(tmp_path, method="scrypt", 张三=PASSWORD)
    app = login_app(web_archive, tmp_path, USERS_FILE=path, LOGIN_FAILURES_PER_NAME=100)
    client = app.test_client()

    def timed(name: str) -> float:
        data = {"name": name, "password": "wrong", "csrf_token": token(client)}
        start = time.perf_counter()
        assert client.post("/login", data=data).status_code == 401
        return time.perf_counter() - start

    wrong_password = statistics.median(timed("张三") for _ in range(5))
    unknown_name = statistics.median(timed("nobody") for _ in range(5))
    assert 0.1 < unknown_name / wrong_password < 10, (unknown_name, wrong_password)


@pytest.mark.parametrize("content, reason", [
    ("张三:secret\n", "line 1: not `name:hash`"),
    ("# nobody yet\n", "no users"),
    ("a b:scrypt:1$x$y\n", "line 1: a user name holds no"),
    ("x:pbkdf2:sha256$a$b\nx:pbkdf2:sha256$c$d\n", "line 2: user 'x' is listed twice"),
])
def test_a_users_file_that_cannot_be_used_stops_the_app_naming_its_line(
    web_archive, tmp_path, content, reason
):
    path = tmp_path / "users"
    path.write_text(content, "utf-8")
    with pytest.raises(UsersFileError, match=re.escape(f"{path}") + ".*" + re.escape(reason)):
        login_app(web_archive, tmp_path, USERS_FILE=path)
    with pytest.raises(UsersFileError, match="no such users file"):
        login_app(web_archive, tmp_path, USERS_FILE=tmp_path / "missing")


def test_the_session_key_is_made_once_beside_the_index_readable_by_its_owner(tmp_path):
    path = tmp_path / "index.secret"
    first = secret_key(path)
    assert secret_key(path) == first and len(first) == 64
    assert path.stat().st_mode & 0o777 == 0o600
    app = create_app({"INDEX_DIR": tmp_path / "index", "USERS_FILE": users_file(tmp_path)})
    assert app.secret_key == first
    path.chmod(0o644)
    with pytest.raises(SessionKeyError, match="readable by others"):
        secret_key(path)


def users_command(path: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "web.users", "--file", str(path), *args],
        input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_the_users_command_adds_changes_and_removes_users(tmp_path):
    path = tmp_path / "conf" / "users"
    first, second = "一个足够长的中文密码", "another long password"
    added = users_command(path, "add", "张三", stdin=f"{first}\n{first}\n")
    assert added.returncode == 0, added.stderr
    assert first not in added.stdout + added.stderr and "Traceback" not in added.stderr
    assert path.stat().st_mode & 0o777 == 0o600 and first not in path.read_text("utf-8")
    hashed = read_users(path).users["张三"]
    assert hashed.startswith("scrypt:")
    assert users_command(path, "add", "李四", stdin=f"{second}\n{second}\n").returncode == 0
    again = users_command(path, "add", "张三", stdin=f"{first}\n{first}\n")
    assert again.returncode == 1 and "already exists" in again.stderr
    mismatch = users_command(path, "passwd", "张三", stdin=f"{second}\nother one\n" * 3)
    assert mismatch.returncode != 0 and read_users(path).users["张三"] == hashed
    short = users_command(path, "passwd", "张三", stdin="short\nshort\n")
    assert short.returncode == 1 and "at least 8" in short.stderr
    assert users_command(path, "passwd", "张三", stdin=f"{second}\n{second}\n").returncode == 0
    assert read_users(path).users["张三"] != hashed
    assert users_command(path, "remove", "李四").returncode == 0
    assert users_command(path, "list").stdout.split() == ["张三"]
    last = users_command(path, "remove", "张三")
    assert last.returncode == 1 and "last user" in last.stderr
    bad = users_command(path, "add", "a:b", stdin=f"{first}\n{first}\n")
    assert bad.returncode == 2 and "no ':'" in bad.stderr


def test_the_login_page_is_in_chinese_and_names_the_limit(app):
    page = app.test_client().get("/login").data.decode()
    assert '<html lang="zh-CN">' in page
    for words in ("用户名", "密码", "登录", "15 分钟内输错 5 次"):
        assert words in page
    assert 'href="/overview"' not in page  # no links that would only lead back here


def test_a_users_file_broken_while_serving_closes_the_app_not_opens_it(app):
    client = app.test_client()
    assert log_in(client).status_code == 302
    path = app.config["USERS_FILE"]
    path.write_text("张三:a plain password\n", "utf-8")
    page = client.get("/")
    assert page.status_code == 503 and "用户文件无法读取" in page.data.decode()
    assert client.get("/api/search?q=法治").status_code == 503
    assert client.get("/healthz").status_code == 200
