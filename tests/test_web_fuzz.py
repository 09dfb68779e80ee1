"""Generated requests on every route of the app (hypothesis): never a 500, never a traceback,
every answer within BOUND_SECONDS.

The routes come from the app's url_map, so a page added later is fuzzed too. A request
carries generated query parameters: the search page's own (q, the filters, sort, page),
repeated, unknown names, huge and negative numbers, control characters, lone surrogates and
bytes that are not UTF-8 (percent-encoded, as a browser would send them), HTML; a route with
a path argument gets real report names and generated paths. The login (with USERS_FILE) gets
generated forms. Deterministic (derandomize) and bounded for CI; a larger run:

    FAZHI_FUZZ_EXAMPLES=2000 bin/test tests/test_web_fuzz.py -s

prints how many requests ran and the slowest.
"""

from __future__ import annotations

import os
import re
import time
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.security import generate_password_hash

from web import create_app
from web.state import PARAMS
from web.userfile import write_users

EXAMPLES = int(os.environ.get("FAZHI_FUZZ_EXAMPLES", "40"))  # per route
BOUND_SECONDS = 2.0  # the tests' index: ~50 reports (README: the bound on 10,000 reports)
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
REPORTS = ["samples/002_c95c61ecb8064d92.txt", "青山镇/2019.docx", "白石镇2022.txt"]
HTML = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</textarea><svg onload=alert(1)>",
    "javascript:alert(1)",
    "&lt;&amp;&#0;",
    "{{ 7*7 }}{% raw %}",
]
TIMES: list[tuple[float, str]] = []  # (seconds, URL) of every request sent


def _routes() -> list[tuple[str, str]]:
    """(endpoint, rule) of every GET route; the app is built without an index for this."""
    app = create_app({"INDEX_DIR": "/nonexistent/fazhi-fuzz-index"})
    return sorted(
        (rule.endpoint, rule.rule) for rule in app.url_map.iter_rules() if "GET" in rule.methods
    )


ROUTES = _routes()

surrogates = st.integers(0xD800, 0xDFFF).map(chr)
controls = st.integers(0, 0x1F).map(chr) | st.sampled_from("\x7f\x85\u2028\u202e\ufeff\ufffe")
texts = st.text(st.characters() | surrogates | controls, max_size=40)
# A value as the bytes to percent-encode: text (surrogates as CESU-8), raw bytes, numbers.
values = st.one_of(
    texts.map(lambda s: s.encode("utf-8", "surrogatepass")),
    st.binary(max_size=20),
    st.integers(-(10**40), 10**40).map(lambda n: str(n).encode()),
    st.sampled_from(["-1", "0", "99999999999999999999", "1e9", "NaN", " 2021 ", "2021-"])
    .map(str.encode),
    st.sampled_from(HTML).map(str.encode),
    st.sampled_from(["法治", "调解", "信访 OR 上访", '"法治 宣传"', "-禁毒 普法", "((("])
    .map(str.encode),
)
names = st.sampled_from([*PARAMS, "x", "q[]", "", "page ", "Q"]) | st.text(max_size=8).map(
    lambda s: s.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
)
pairs = st.lists(st.tuples(names, values), max_size=8)  # repeated names included
paths = st.one_of(
    st.sampled_from(REPORTS),
    texts.map(lambda s: s.encode("utf-8", "surrogatepass")).map(lambda b: quote(b, safe="/")),
    st.sampled_from(["../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "a/../../x", "/etc/passwd"]),
)


def query_string(items: list[tuple[str, bytes]]) -> str:
    return "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in items)


def fill(rule: str, path: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", lambda _: path, rule)


def check(client, url: str, **request) -> None:
    start = time.perf_counter()
    with client.open(url, **request) as response:
        body = response.get_data()
    took = time.perf_counter() - start
    TIMES.append((took, url))
    assert response.status_code < 500, (url, response.status_code)
    assert b"Traceback" not in body and b'File "' not in body, url
    if response.mimetype == "text/html":
        assert b"<script>alert(1)" not in body and b"<img src=x" not in body, url
    assert took < BOUND_SECONDS, (url, took)


@pytest.fixture(scope="module", autouse=True)
def fuzz_summary():
    """Print how many requests ran and the slowest (seen with -s)."""
    yield
    if TIMES:
        took, url = max(TIMES)
        print(f"\nfuzz: {len(TIMES)} requests, slowest {took * 1000:.0f} ms: {url[:120]}")


@pytest.mark.parametrize("endpoint, rule", ROUTES, ids=[endpoint for endpoint, _ in ROUTES])
def test_generated_requests_never_fail_on_any_route(web_app, endpoint, rule):
    client = web_app.test_client()

    @FUZZ
    @given(path=paths, items=pairs)
    def fuzz(path: str, items: list[tuple[str, bytes]]) -> None:
        check(client, fill(rule, path) + "?" + query_string(items))

    fuzz()


def test_generated_login_forms_never_fail(web_archive, tmp_path):
    archive, index = web_archive
    users = tmp_path / "users"
    write_users(users, {"张三": generate_password_hash("正确的密码-correct", "pbkdf2:sha256:1000")})
    app = create_app({
        "INDEX_DIR": index, "ARCHIVE_DIR": archive, "USERS_FILE": users, "SECRET_KEY": "k" * 64,
        "LOGIN_ATTEMPTS_FILE": tmp_path / "logins.sqlite", "LOGIN_FAILURES_PER_NAME": 10**6,
        "LOGIN_FAILURES_PER_ADDRESS": 10**6,
    })
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    fields = st.sampled_from(["name", "password", "next", "csrf_token", "x"])

    @FUZZ
    @given(form=st.lists(st.tuples(fields, values), max_size=6), with_token=st.booleans(),
           items=pairs)
    def fuzz(form: list[tuple[str, bytes]], with_token: bool, items) -> None:
        if with_token:
            form = [*form, ("csrf_token", csrf.encode())]
        body = query_string(form)
        check(client, "/login?" + query_string(items), method="POST", data=body,
              content_type="application/x-www-form-urlencoded")
        check(client, "/logout", method="POST", data=body,
              content_type="application/x-www-form-urlencoded")

    fuzz()
