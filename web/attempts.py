"""Failed logins counted per user name and per client address, shared by every worker process.

gunicorn runs several processes, so a count kept in memory would give a guesser one allowance
per worker. The count lives in a small SQLite file beside the index instead: SQLite's own
file lock serialises the workers (no server to run, unlike Flask-Limiter's shared storages,
and the standard library has it). Each attempt is recorded as a failure *before* the password
is checked and taken back when it was right, so two workers checking at once cannot both slip
under the limit.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, address TEXT NOT NULL, at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS failures_at ON failures (at);
"""


class TooManyAttempts(Exception):
    """The name or the address is past its limit; `retry_after` seconds until one expires."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed logins; retry in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Limits:
    per_name: int = 5  # failures of one user name in the window
    per_address: int = 20  # failures from one address (an office NAT hides several people)
    window_seconds: int = 15 * 60


class LoginAttempts:
    def __init__(self, path: Path, limits: Limits) -> None:
        self.path = path
        self.limits = limits
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))  # names and addresses: private
        with closing(self._connect()) as db, db:
            db.executescript(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: transactions are the explicit BEGIN IMMEDIATE below.
        return sqlite3.connect(self.path, timeout=10, isolation_level=None)

    def reserve(self, name: str, address: str) -> int:
        """Count this attempt as failed now and return its id; raises TooManyAttempts."""
        now = time.time()
        since = now - self.limits.window_seconds
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")  # one worker at a time from the count to the insert
            try:
                db.execute("DELETE FROM failures WHERE at < ?", (since,))
                waits = [
                    self._wait(db, column, value, limit, now)
                    for column, value, limit in (
                        ("name", name, self.limits.per_name),
                        ("address", address, self.limits.per_address),
                    )
                ]
                if any(waits):
                    db.execute("COMMIT")
                    raise TooManyAttempts(max(waits))
                row = db.execute(
                    "INSERT INTO failures (name, address, at) VALUES (?, ?, ?)",
                    (name, address, now),
                ).lastrowid
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        return int(row)

    def _wait(self, db: sqlite3.Connection, column: str, value: str, limit: int, now: float) -> int:
        """Seconds until `value` is under its limit again (0: it is)."""
        times = [
            at
            for (at,) in db.execute(
                f"SELECT at FROM failures WHERE {column} = ? ORDER BY at DESC LIMIT ?",
                (value, limit),
            )
        ]
        if len(times) < limit:
            return 0
        return max(1, int(times[-1] + self.limits.window_seconds - now + 0.999))

    def succeeded(self, row: int, name: str) -> None:
        """The password was right: take the attempt back, and the name's earlier failures."""
        with closing(self._connect()) as db, db:
            db.execute("DELETE FROM failures WHERE id = ? OR name = ?", (row, name))
