"""What the last update did, for the overview page: when it ran and which files failed.

A failed file is not in the index, so the index itself cannot say why; each update writes
this small file beside the index (atomically) and the web app reads it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .durable import write_synced
from .store import status_file


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


def write_status(index_dir: Path, status: IndexStatus) -> None:
    write_synced(status_file(index_dir), json.dumps(status.to_json(), ensure_ascii=False).encode())


def read_status(index_dir: Path) -> IndexStatus | None:
    """The last update's status; None when no update has finished (or the file is damaged)."""
    try:
        data = json.loads(status_file(index_dir).read_text(encoding="utf-8"))
        failed = [FailedFile(**item) for item in data.pop("failed", [])]
        return IndexStatus(**data, failed=failed)
    except (OSError, ValueError, TypeError):
        return None


def now_utc() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
