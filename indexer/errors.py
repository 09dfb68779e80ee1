"""The error types callers act on; their messages are safe to show to a user."""

from __future__ import annotations

from pathlib import Path


class ReportReadError(Exception):
    """A report file could not be read; the caller skips it and reports `path` and `reason`."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class QueryError(ValueError):
    """A query that cannot be read; the message is safe to show and says how to fix it."""


class IndexUnavailable(Exception):
    """No usable index; the message says which command builds one."""


class UpdateInProgress(Exception):
    """Another update holds the lock."""


class DiskFull(Exception):
    """The disk (or a quota or file size limit) refused a write of the index; the message says
    what was being written, what searches see meanwhile and what to do."""
