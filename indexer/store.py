"""Where the index lives on disk, and opening it safely while an update may be writing.

Whoosh never calls fsync and deletes the previous table of contents at each commit, so a
power cut during an update can leave an index that will not open. After every commit the
updater syncs the files and keeps a *last good* copy beside the index (hard links: Whoosh
never rewrites a file in place, so this costs no space); readers fall back to it. A meta file
beside the index records the schema version and the analysis fingerprint (jieba version, user
dictionary, normalization): an index written with other tokens is refused, not half-searched.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from .analysis import analysis_fingerprint
from .schema import SCHEMA_VERSION, build_schema

META_FILE = "fazhi-meta.json"
DEFAULT_INDEX = Path("var/index")
DEFAULT_ARCHIVE = Path("archive")
INDEX_ENV, ARCHIVE_ENV = "FAZHI_INDEX", "FAZHI_ARCHIVE"
FALLBACK_RETRY_SECONDS = 30


class IndexUnavailable(Exception):
    """No usable index; the message says which command builds one."""


class UpdateInProgress(Exception):
    """Another update holds the lock."""


def default_index_dir() -> Path:
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


def default_archive_dir() -> Path:
    return Path(os.environ.get(ARCHIVE_ENV) or DEFAULT_ARCHIVE)


def last_good_dir(path: Path) -> Path:
    return path.with_name(path.name + ".last-good")


def expected_meta() -> dict:
    return {"schema_version": SCHEMA_VERSION, "analysis": analysis_fingerprint()}


def read_meta(path: Path) -> dict | None:
    try:
        return json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_meta(path: Path) -> None:
    _write_synced(path / META_FILE, json.dumps(expected_meta()).encode())


def _index_exists(path: Path) -> bool:
    """Whether `path` holds a readable table of contents (a damaged one raises in Whoosh)."""
    try:
        return whoosh_index.exists_in(str(path))
    except Exception:  # noqa: BLE001 - e.g. an empty .toc left by a power cut
        return False


def is_current(path: Path) -> bool:
    """Whether `path` holds an intact index written with today's schema and tokens."""
    return _index_exists(path) and read_meta(path) == expected_meta()


def open_writable(path: Path) -> whoosh_index.Index:
    """The index at `path`, created empty when there is none."""
    path.mkdir(parents=True, exist_ok=True)
    if _index_exists(path):
        return whoosh_index.open_dir(str(path), schema=build_schema())
    created = whoosh_index.create_in(str(path), build_schema())
    write_meta(path)
    return created


def open_readable(path: Path) -> tuple[whoosh_index.Index, Path]:
    """The index at `path`, or its last good copy when it cannot be opened."""
    reasons = []
    for candidate in (path, last_good_dir(path)):
        try:
            exists = whoosh_index.exists_in(str(candidate))  # reads the table of contents
        except Exception as error:  # noqa: BLE001 - e.g. an empty .toc left by a power cut
            reasons.append(f"{candidate}: {type(error).__name__}: {error}")
            continue
        if not exists:
            reasons.append(f"{candidate}: no index")
            continue
        if read_meta(candidate) != expected_meta():
            reasons.append(f"{candidate}: written by another version (schema or dictionary)")
            continue
        try:
            opened = whoosh_index.open_dir(str(candidate), schema=build_schema(), readonly=True)
            opened.doc_count()  # reads the table of contents and every segment's header
            return opened, candidate
        except Exception as error:  # noqa: BLE001 - any damage means: try the copy
            reasons.append(f"{candidate}: {type(error).__name__}: {error}")
    raise IndexUnavailable(
        "no usable index (" + "; ".join(reasons) + f"). Build it with: fazhi-index update "
        f"--index {path}"
    )


def sync_and_keep_last_good(path: Path) -> None:
    """Make the committed generation durable, then make it the last good copy."""
    for file in path.iterdir():
        if file.is_file():
            _fsync(file)
    _fsync(path)
    target = last_good_dir(path)
    staging = target.with_name(target.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for file in path.iterdir():
        if file.is_file() and file.name != "MAIN_WRITELOCK":
            os.link(file, staging / file.name)
    _fsync(staging)
    retired = target.with_name(target.name + ".old")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        target.rename(retired)
    staging.rename(target)
    _fsync(target.parent)
    shutil.rmtree(retired, ignore_errors=True)


@contextmanager
def update_lock(path: Path) -> Iterator[None]:
    """Hold the update lock for `path`; the kernel frees it if the process is killed."""
    lock_file = path.with_name(path.name + ".lock")
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise UpdateInProgress(
                f"another update of {path} is running (lock {lock_file}); try again later"
            ) from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    _fsync(path.parent)


class ArchiveIndex:
    """Searchers for the web app and the CLI, always on the newest committed generation.

    `searcher()` opens a new searcher when an update has committed since the last one (never
    `refresh()`, which returns duplicates in these Whoosh versions) and closes an old one
    once the last request using it is done.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._current: _Snapshot | None = None

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        snapshot = self._acquire()
        try:
            yield snapshot.searcher
        finally:
            self._release(snapshot)

    def close(self) -> None:
        with self._lock:
            if self._current:
                self._current.retired = True
                self._current.close_if_unused()
                self._current = None

    def _acquire(self) -> _Snapshot:
        with self._lock:
            current = self._current
            if current is None or current.stale():
                opened, where = open_readable(self.path)
                fresh = _Snapshot(opened, where)
                if current:
                    current.retired = True
                    current.close_if_unused()
                self._current = current = fresh
            current.users += 1
            return current

    def _release(self, snapshot: _Snapshot) -> None:
        with self._lock:
            snapshot.users -= 1
            snapshot.close_if_unused()


class _Snapshot:
    def __init__(self, opened: whoosh_index.Index, where: Path) -> None:
        self.index = opened
        self.where = where
        self.generation = opened.latest_generation()
        self.opened_at = time.monotonic()
        self.searcher = opened.searcher()
        self.users = 0
        self.retired = False

    def stale(self) -> bool:
        """A newer generation was committed, or the index may be back after a fallback."""
        if self.where.name.endswith(".last-good"):  # try the index again, now and then
            return time.monotonic() - self.opened_at > FALLBACK_RETRY_SECONDS
        try:
            return self.index.latest_generation() != self.generation
        except OSError:  # the directory is being swapped by a full rebuild
            return True

    def close_if_unused(self) -> None:
        if self.retired and self.users == 0:
            self.searcher.close()
