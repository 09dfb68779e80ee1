"""What the last update did, for the overview page: when it ran and which files failed.

A failed file is not in the index, so the index itself cannot say why; each update writes
this small file beside the index (atomically) and the web app reads it. A run that fails as a
whole (a full disk, an unexpected error) adds a `failed_run` beside the last success's
figures, which stay: the overview says the index is behind, why, and what searches still
find, until a later run succeeds and writes the file afresh.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .durable import write_synced
from .errors import IndexUnavailable, UpdateInProgress
from .store import open_readable, status_file, update_lock


@dataclass(frozen=True)
class FailedFile:
    file: str  # archive-relative name
    reason: str


@dataclass(frozen=True)
class IndexStatus:
    finished_at: str  # ISO 8601, UTC, of the end of the last update run
    reports: int  # reports in the index after it
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    rebuilt: bool = False
    repairs: list[str] = field(default_factory=list)  # damage the update found and repaired
    failed: list[FailedFile] = field(default_factory=list)

    def to_json(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class FailedRun:
    at: str  # ISO 8601, UTC, when the run stopped
    error: str  # the one line the command printed (after "Error: ")
    reports: int | None  # reports searches find meanwhile; None: no index opens
    from_copy: bool = False  # searches answer from the last good copy


def write_status(index_dir: Path, status: IndexStatus) -> None:
    """A successful run: its figures, and no failed run any more."""
    _write(index_dir, status.to_json())


def read_status(index_dir: Path) -> IndexStatus | None:
    """The last successful update's status; None when none has finished (or the file is
    damaged)."""
    try:
        data = _read(index_dir)
        data.pop("failed_run", None)
        failed = [FailedFile(**item) for item in data.pop("failed", [])]
        return IndexStatus(**data, failed=failed)
    except (OSError, ValueError, TypeError):
        return None


def read_failed_run(index_dir: Path) -> FailedRun | None:
    """The run that failed after the last success, if one did."""
    try:
        found = _read(index_dir).get("failed_run")
        return FailedRun(**found) if found else None
    except (OSError, ValueError, TypeError, AttributeError):
        return None


def record_failed_run(index_dir: Path, error: str) -> None:
    """Add `error` to the status, keeping the last success's figures. Best effort (the disk
    may be full), and only while no other update runs: one that started since will write its
    own outcome."""
    try:
        with update_lock(index_dir):
            reports, from_copy = _searchable(index_dir)
            try:
                data = _read(index_dir)
            except (OSError, ValueError):
                data = {}
            run = FailedRun(now_utc(), error, reports, from_copy)
            _write(index_dir, {**data, "failed_run": asdict(run)})
    except (OSError, UpdateInProgress):
        pass


def _searchable(index_dir: Path) -> tuple[int | None, bool]:
    try:
        opened, _, where = open_readable(index_dir)
    except IndexUnavailable:
        return None, False
    return opened.doc_count(), where != index_dir


def _read(index_dir: Path) -> dict:
    data = json.loads(status_file(index_dir).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("not a status object")
    return data


def _write(index_dir: Path, data: dict) -> None:
    write_synced(status_file(index_dir), json.dumps(data, ensure_ascii=False).encode())


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
