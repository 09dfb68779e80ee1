"""Where the index lives on disk, and opening it safely while an update may be writing.

Whoosh never calls fsync and deletes the previous table of contents at each commit, so a
power cut during an update can leave an index that will not open. After every commit the
updater syncs the files, records their sizes and checksums (manifest.py) and keeps a *last
good* copy beside the index (lastgood.py); readers check sizes when they open a generation
and fall back to the copy. A meta file records the schema version, the text index format and
a fingerprint of normalization: an index written by another version is refused (and rebuilt
by the next update), not half-searched.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from . import normalize, textindex
from .durable import write_synced
from .errors import IndexUnavailable, UpdateInProgress
from .lastgood import last_good_dir
from .manifest import damage, manifest_path, segments_damage
from .records import Record
from .schema import SCHEMA_VERSION, build_schema
from .textindex import TextIndex, generation_path
from .vocabulary import CATEGORY_BITS

META_FILE = "fazhi-meta.json"
DEFAULT_INDEX = Path("var/index")
DEFAULT_ARCHIVE = Path("archive")
INDEX_ENV, ARCHIVE_ENV = "FAZHI_INDEX", "FAZHI_ARCHIVE"
FALLBACK_RETRY_SECONDS = 30


def default_index_dir() -> Path:
    return Path(os.environ.get(INDEX_ENV) or DEFAULT_INDEX)


def default_archive_dir() -> Path:
    return Path(os.environ.get(ARCHIVE_ENV) or DEFAULT_ARCHIVE)


def status_file(path: Path) -> Path:
    """Beside the index, not in it: a full rebuild swaps the folder, the status stays."""
    return path.with_name(path.name + ".status.json")


def expected_meta() -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "text_format": textindex.FORMAT_VERSION,
        "normalization": normalize.fingerprint(),
        "category_bits": CATEGORY_BITS,
    }


def read_meta(path: Path) -> dict | None:
    try:
        return json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_meta(path: Path) -> None:
    write_synced(path / META_FILE, json.dumps(expected_meta()).encode())


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


def open_for_reading(folder: Path) -> whoosh_index.Index:
    """The Whoosh index in `folder`, read through plain file reads, not memory maps.

    With a map, Whoosh copies every file of a segment it opens (its table of stored
    records included) into a private buffer (`BufferFile` wraps the map in a BytesIO): at
    100,000 reports, half a gigabyte of each process's own memory and a second per searcher.
    Read through the file, a searcher opens in milliseconds and reads only the records asked
    for, which the page cache shares between worker processes.
    """
    storage = FileStorage(str(folder), supports_mmap=False, readonly=True)
    return storage.open_index(schema=build_schema())


def open_readable(path: Path) -> tuple[whoosh_index.Index, TextIndex, Path]:
    """The index at `path` with its text index, or its last good copy when either fails.

    The live index is tried three times: a commit may delete the generation just listed
    between listing and loading (the next try finds the newer one, complete). The last good
    copy is opened through its link once, so a swap meanwhile changes nothing for this reader.
    """
    reasons = []
    link = last_good_dir(path)
    for candidate in (path, path, path, link, link):
        try:
            folder = candidate.resolve() if candidate == link else candidate
            opened, text = _open_generation(folder)
            return opened, text, candidate
        except _Unusable as error:
            reasons.append(f"{candidate}: {error}")
        except Exception as error:  # noqa: BLE001 - any damage means: try the copy
            reasons.append(f"{candidate}: {type(error).__name__}: {error}")
    raise IndexUnavailable(
        "no usable index (" + "; ".join(dict.fromkeys(reasons)) + "). Build or repair it "
        f"with: fazhi-index update --index {path}"
    )


class _Unusable(Exception):
    """A folder that holds no index this version can read; the message says why."""


def _open_generation(folder: Path) -> tuple[whoosh_index.Index, TextIndex]:
    if not _index_exists(folder):
        raise _Unusable("no index, or its table of contents is damaged")
    if read_meta(folder) != expected_meta():
        raise _Unusable("written by another version (schema, format or dictionary)")
    opened = open_for_reading(folder)
    opened.doc_count()  # reads the table of contents and every segment's header
    generation = opened.latest_generation()
    problems = damage(folder, generation, deep=False)
    if problems:
        raise _Unusable("damaged: " + "; ".join(problems[:3]))
    return opened, TextIndex.load(folder, generation)


def live_damage(path: Path, deep: bool = False) -> tuple[int, list[str]]:
    """The live index's generation and what is wrong with it: files that differ from its
    manifest in size (or, `deep`, in checksum), a text index that does not load, and
    (`deep`) Whoosh records that do not read. Sizes are cheap; `deep` reads the whole index.

    A generation without a manifest (a run killed between Whoosh's commit and its sync) is
    read in full too: a power cut then may have cut or zeroed any of its files (its text
    segments are compared with the checksums recorded when they were written)."""
    opened = open_for_reading(path)
    generation = opened.latest_generation()
    problems = damage(path, generation, deep)
    unsealed = not manifest_path(path, generation).exists()
    listed = generation_path(path, generation).exists()  # else: killed before publishing,
    if not problems and (deep or unsealed) and listed:  # the update writes it from the records
        problems += segments_damage(path, generation)  # against the sums written with them
        try:
            TextIndex.load(path, generation)
        except Exception as error:  # noqa: BLE001 - whatever the damage, it is reported
            problems.append(f"text-{generation}.json: {type(error).__name__}: {error}")
    if deep or unsealed:
        try:
            with opened.searcher() as searcher:
                for _ in searcher.all_stored_fields():
                    pass
                reader = searcher.reader()
                if reader.doc_count():  # the column every update reads first
                    list(reader.column_reader("content_hash"))
        except Exception as error:  # noqa: BLE001
            problems.append(f"Whoosh records: {type(error).__name__}: {error}")
    return generation, problems


@contextmanager
def update_lock(path: Path) -> Iterator[None]:
    """Hold the update lock for `path`; the kernel frees it if the process is killed.

    The lock sits beside the resolved path, so two names for one index share one lock.
    """
    resolved = path.resolve()
    lock_file = resolved.with_name(resolved.name + ".lock")
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


class Snapshot:
    """One generation of the index: the text index and Whoosh searchers that go with it.

    The text index is read-only and shared. A Whoosh searcher is not safe to share between
    threads (it seeks and reads shared files), so each thread gets its own, opened on first
    use and closed with the snapshot, or when the snapshot is dropped unclosed (a script's or
    a test's app): a searcher holds open files.
    """

    def __init__(self, index: whoosh_index.Index, text: TextIndex) -> None:
        self.text = text
        self._index = index
        self._local = threading.local()
        self._opened: list[Searcher] = []
        self._lock = threading.Lock()
        weakref.finalize(self, _close_all, self._opened)

    @property
    def searcher(self) -> Searcher:
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = self._index.searcher()
            with self._lock:
                self._opened.append(searcher)
        return searcher

    def close(self) -> None:
        with self._lock:
            _close_all(self._opened)


def _close_all(searchers: list[Searcher]) -> None:
    for searcher in searchers:
        searcher.close()
    searchers.clear()


class ArchiveIndex:
    """Snapshots for the web app and the CLI, always of the newest committed generation.

    `snapshot()` opens a new one when an update has committed since the last (never
    `refresh()`, which returns duplicates in these Whoosh versions) and closes an old one
    once the last request using it is done.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._current: _Opened | None = None

    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        opened = self._acquire()
        try:
            yield opened.snapshot
        finally:
            self._release(opened)

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        with self.snapshot() as snapshot:
            yield snapshot.searcher

    def close(self) -> None:
        with self._lock:
            if self._current:
                self._current.retired = True
                self._current.close_if_unused()
                self._current = None

    def _acquire(self) -> _Opened:
        with self._lock:
            current = self._current
            if current is None or current.stale():
                fresh = _Opened(*open_readable(self.path))
                if current:
                    current.retired = True
                    current.close_if_unused()
                self._current = current = fresh
            current.users += 1
            return current

    def _release(self, opened: _Opened) -> None:
        with self._lock:
            opened.users -= 1
            opened.close_if_unused()


class _Opened:
    def __init__(self, index: whoosh_index.Index, text: TextIndex, where: Path) -> None:
        self.index = index
        self.where = where
        self.generation = index.latest_generation()
        self.opened_at = time.monotonic()
        self.snapshot = Snapshot(index, text)
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
            self.snapshot.close()


def stored_record(searcher: Searcher, file: str) -> dict | None:
    """A report's record as stored (`Record.to_json`), by its archive-relative name; None
    when it is not indexed. Looked up through the key's first live posting
    (`document_number`), which skips the query `searcher.document` builds and runs."""
    docnum = searcher.document_number(file=file)
    return None if docnum is None else json.loads(searcher.stored_fields(docnum)["record"])


def get_record(archive_index: ArchiveIndex, file: str) -> Record | None:
    """The stored record of one report by its archive-relative name; None when not indexed."""
    with archive_index.searcher() as searcher:
        stored = stored_record(searcher, file)
    return None if stored is None else Record.from_json(stored)
