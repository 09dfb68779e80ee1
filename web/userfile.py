"""The users file of the optional login (`python -m web.users` keeps it).

One user a line, `name:hash`, the hash from werkzeug.security (scrypt, or pbkdf2), like an
htpasswd file: an administrator can read and diff it, and it never holds a password. A line
that is not `name:hash` with a hash werkzeug made stops the app at start with its line named,
so a password typed into the file by hand is refused, never accepted as a hash.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import flask

CONFIG_ENV = "FAZHI_WEB_CONFIG"  # as in create_app
USERS_ENV = "FAZHI_USERS"
HASH_METHODS = ("scrypt:", "pbkdf2:")
MAX_NAME = 64
MAX_FILE_BYTES = 1 << 20


class UsersFileError(Exception):
    """The users file cannot be used; the message names the file (and line) and the reason."""


@dataclass(frozen=True)
class UsersFile:
    path: Path
    users: dict[str, str]  # name → werkzeug password hash


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a user name, or None."""
    if not name or len(name) > MAX_NAME:
        return f"a user name has 1 to {MAX_NAME} characters"
    if ":" in name or any(c.isspace() or not c.isprintable() for c in name):
        return "a user name holds no ':', spaces or control characters"
    return None


def read_users(path: Path) -> UsersFile:
    """Parse the file; raises UsersFileError naming the file, the line and the reason."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise UsersFileError(f"{path}: over {MAX_FILE_BYTES // 1024} KB: not a users file")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsersFileError(
            f"{path}: no such users file; create the first user with "
            f"`python -m web.users --file {path} add NAME`"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise UsersFileError(f"{path}: cannot be read: {error}") from None
    users: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, hashed = line.partition(":")
        problem = name_problem(name)
        if problem is None and not hashed.startswith(HASH_METHODS):
            problem = "not `name:hash` with a password hash (use `python -m web.users add`)"
        if problem is None and name in users:
            problem = f"user {name!r} is listed twice"
        if problem:
            raise UsersFileError(f"{path} line {number}: {problem}")
        users[name] = hashed
    if not users:
        raise UsersFileError(
            f"{path}: no users; add one with `python -m web.users --file {path} add NAME`"
        )
    return UsersFile(path, users)


def write_users(path: Path, users: dict[str, str]) -> None:
    """Replace the file in one rename, readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(f"{name}:{hashed}\n" for name, hashed in sorted(users.items()))
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:  # mkstemp: mode 0600
            out.write("# users of the web app: name:password hash (python -m web.users)\n")
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def configured_users_file() -> Path | None:
    """USERS_FILE of the web config file ($FAZHI_WEB_CONFIG), else $FAZHI_USERS."""
    config = flask.Config(str(Path(__file__).parent))
    if os.environ.get(CONFIG_ENV):
        config.from_pyfile(os.environ[CONFIG_ENV])
    found = config.get("USERS_FILE") or os.environ.get(USERS_ENV)
    return Path(found) if found else None
