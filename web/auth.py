"""The optional login: with USERS_FILE set, every page, the API and downloads need a session.

Without USERS_FILE nothing here is registered and the app is as open as before. With it:
- One `before_request` guard, so a page or blueprint another module registers later is
  protected too: only the login page, static files and /healthz (for monitoring) stay open.
  A page without a session redirects to the login page; /api/ answers 401 JSON.
- Flask's signed session cookie (HttpOnly, SameSite=Lax, Secure when SESSION_COOKIE_SECURE
  is set for HTTPS), valid for LOGIN_HOURS; it carries a mark of the user's password hash,
  so a changed password or a removed user ends the user's sessions at their next request.
- SECRET_KEY from the config, else a random key in a file beside the index (mode 0600),
  made once and shared by every worker process.
- Flask-WTF's CSRFProtect on the login and logout forms (and any other POST).
- Failed logins limited per user name and per client address (attempts.py).
- An unknown user name costs one password hash too (a dummy), so its answer takes as long
  as a wrong password's.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import tempfile
from datetime import timedelta
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from .attempts import Limits, LoginAttempts, TooManyAttempts
from .userfile import MAX_NAME, UsersFileError, read_users

EXTENSION = "fazhi_auth"
OPEN_ENDPOINTS = {"auth.login", "static", "pages.healthz"}
LOGIN_HOURS = 12

auth = Blueprint("auth", __name__)


class Users:
    """The users file, read again when it changes (a user added or removed applies at once)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._loaded: tuple[tuple, dict[str, str]] = ((), {})
        self.current()  # a missing or broken file stops the app at start
        some_hash = next(iter(self._loaded[1].values()))
        # Same method and cost as the real hashes: an unknown name takes as long to refuse.
        self.dummy = generate_password_hash(secrets.token_hex(), method=some_hash.split("$")[0])

    def current(self) -> dict[str, str]:
        """The users; raises UsersFileError when the file went missing or broke (fail closed)."""
        try:
            stat = self.path.stat()
            stamp: tuple = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except OSError:
            stamp = ()
        if not stamp or stamp != self._loaded[0]:
            self._loaded = (stamp, read_users(self.path).users)
        return self._loaded[1]


class Login:
    """What the guard and the views share, kept in app.extensions."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        index_dir = Path(config["INDEX_DIR"])
        self.users = Users(Path(config["USERS_FILE"]).absolute())
        attempts_file = config.get("LOGIN_ATTEMPTS_FILE") or beside(index_dir, ".logins.sqlite")
        self.attempts = LoginAttempts(
            Path(attempts_file).absolute(),
            Limits(
                per_name=int(config.get("LOGIN_FAILURES_PER_NAME", Limits.per_name)),
                per_address=int(config.get("LOGIN_FAILURES_PER_ADDRESS", Limits.per_address)),
                window_seconds=int(config.get("LOGIN_WINDOW_MINUTES", 15)) * 60,
            ),
        )

    def mark(self, hashed: str) -> str:
        """A keyed digest of the user's hash: changes with the password, reveals nothing."""
        key = current_app.secret_key
        key = key.encode() if isinstance(key, str) else key
        return hmac.new(key, hashed.encode(), hashlib.sha256).hexdigest()[:32]

    def signed_in(self) -> str | None:
        name = session.get("user")
        hashed = self.users.current().get(name) if isinstance(name, str) else None
        mark = str(session.get("mark", ""))
        if hashed is None or not hmac.compare_digest(mark, self.mark(hashed)):
            return None
        return name


class SessionKeyError(Exception):
    """The session key file cannot be used; the message names it and what to do."""


def beside(index_dir: Path, suffix: str) -> Path:
    return index_dir.with_name(index_dir.name + suffix)


def register(app: Flask) -> None:
    """Turn the login on when USERS_FILE is set; raises UsersFileError for a bad users file,
    SessionKeyError for a bad key file."""
    if not app.config.get("USERS_FILE"):
        app.context_processor(lambda: {"login_user": None})
        return
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(beside(Path(app.config["INDEX_DIR"]), ".secret"))
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = app.config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    hours = float(app.config.get("LOGIN_HOURS", LOGIN_HOURS))
    app.permanent_session_lifetime = timedelta(hours=hours)
    app.extensions[EXTENSION] = Login(app)
    app.before_request(require_login)  # before the other modules' hooks: registered first
    CSRFProtect(app)
    app.register_blueprint(auth)
    app.register_error_handler(CSRFError, csrf_refused)
    app.context_processor(lambda: {"login_user": g.get("user")})


def secret_key(path: Path) -> bytes:
    """The key in `path`, made on first use: the first worker to link its file in wins."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w") as out:  # mkstemp: mode 0600
                out.write(secrets.token_hex(32))
                out.flush()
                os.fsync(out.fileno())
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass
        finally:
            os.unlink(temporary)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise SessionKeyError(
            f"{path}: the session key is readable by others (mode {mode:o}); chmod 600 {path}"
        )
    key = path.read_bytes().strip()
    if len(key) < 32:
        raise SessionKeyError(f"{path}: the session key is too short; delete the file to renew it")
    return key


def _login() -> Login:
    return current_app.extensions[EXTENSION]


def require_login() -> Response | tuple[dict, int] | None:
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    try:
        g.user = _login().signed_in()
    except UsersFileError as error:
        current_app.logger.error("login refused: %s", error)
        return _closed()
    if g.user:
        return None
    if request.path.startswith("/api/"):
        return {"error": "需要登录：请先在浏览器中登录，或使用带会话的请求。"}, 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _closed() -> tuple[dict, int] | tuple[str, int]:
    message = "登录暂不可用：用户文件无法读取，请联系管理员（原因见服务器日志）。"
    if request.path.startswith("/api/"):
        return {"error": message}, 503
    return _page(url_for("pages.search_page"), error=message), 503


def safe_next(target: str | None) -> str:
    """Only a path of this site: never another host (//evil, /\\evil, http:…)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return url_for("pages.search_page")
    if any(not c.isprintable() for c in target):
        return url_for("pages.search_page")
    return target


def _page(next_url: str, name: str = "", error: str | None = None) -> str:
    limits = _login().attempts.limits
    return render_template(
        "login.html", next=next_url, name=name, error=error, limits=limits,
        window_minutes=limits.window_seconds // 60,
    )


@auth.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    next_url = safe_next(request.values.get("next"))
    login_state = _login()
    if request.method == "GET":
        try:
            if login_state.signed_in():
                return redirect(next_url)
        except UsersFileError:
            return _closed()
        return _page(next_url)
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    try:
        row = login_state.attempts.reserve(name[: MAX_NAME + 1], request.remote_addr or "")
    except TooManyAttempts as refused:
        minutes = -(-refused.retry_after // 60)
        error = f"登录失败次数过多，请 {minutes} 分钟后再试。"
        headers = {"Retry-After": str(refused.retry_after)}
        return _page(next_url, name, error), 429, headers  # type: ignore[return-value]
    try:
        hashed = login_state.users.current().get(name)
    except UsersFileError as error:
        current_app.logger.error("login refused: %s", error)
        return _closed()
    # Hash even for an unknown name, so that its answer takes as long as a wrong password's.
    right = check_password_hash(hashed or login_state.users.dummy, password)
    if hashed is None or not right:
        current_app.logger.warning("failed login for %r from %s", name[:MAX_NAME],
                                   request.remote_addr)
        error = "用户名或密码不正确。"
        return _page(next_url, name, error), 401
    login_state.attempts.succeeded(row, name)
    session.clear()
    session.permanent = True
    session["user"] = name
    session["mark"] = login_state.mark(hashed)
    return redirect(next_url)


@auth.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("auth.login"))


def csrf_refused(error: CSRFError) -> tuple[str, int] | tuple[dict, int]:
    """A form without its token (or an expired one): refused, in Chinese, with a fresh form."""
    message = "表单已过期或来源不明，请重新提交。"
    if request.path.startswith("/api/"):
        return {"error": message}, 400
    return _page(safe_next(request.values.get("next")), error=message), 400
