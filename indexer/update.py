"""Keep the index in step with the archive folder: the re-index command cron runs.

Files are compared by content (a hash of the report and its corrections file), so a touched
but unchanged file costs a read, not a re-index. Reports are read in worker processes, one
per core. Whoosh work is committed in batches: a run that is killed keeps what it committed
(only committed files carry their hash), and the next run does the rest and rebuilds the
text index of the generation it finds without one. A rebuild (asked for, or forced by a new
schema) is written beside the live index and swapped in at the end, so readers keep the old
index meanwhile.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from whoosh import index as whoosh_index

from .errors import ReportReadError
from .extract import build_record
from .overrides import sidecar_path
from .reading import is_report
from .schema import entry_from_document, report_document, report_entry
from .status import FailedFile, IndexStatus, now_utc, write_status
from .store import (
    is_current,
    last_good_dir,
    open_writable,
    sync_and_keep_last_good,
    update_lock,
)
from .textindex import ReportEntry, TextIndex, existing_generations, text_dir, write_text_index

BATCH_FILES = 5000  # each commit rewrites the text index: a few seconds per 10,000 reports
_POOL_THRESHOLD = 16  # fewer files than this are read in-process: a pool costs more

# Called once per file with its archive-relative name and what happened to it:
# "added", "updated", "unchanged", "removed" or "failed".
ProgressCallback = Callable[[str, str], None]


@dataclass
class UpdateSummary:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    rebuilt: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def line(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged, {len(self.failed)} failed"
            + (" (full rebuild)" if self.rebuilt else "")
        )

    def status(self, reports: int) -> IndexStatus:
        return IndexStatus(
            finished_at=now_utc(),
            reports=reports,
            added=len(self.added),
            updated=len(self.updated),
            removed=len(self.removed),
            unchanged=self.unchanged,
            rebuilt=self.rebuilt,
            failed=[FailedFile(name, reason) for name, reason in self.failed],
        )


def archive_files(archive: Path) -> dict[str, Path]:
    """Report files below `archive` by their archive-relative name, in name order."""
    if not archive.is_dir():
        raise FileNotFoundError(f"archive folder {archive} does not exist")
    found = {}
    for folder, _, names in os.walk(archive):
        for name in names:
            path = Path(folder, name)
            if is_report(path):
                found[path.relative_to(archive).as_posix()] = path
    return dict(sorted(found.items()))


def content_hash(path: Path) -> str:
    """What decides whether a report needs re-indexing: its bytes and its corrections."""
    digest = hashlib.sha256(path.read_bytes())
    sidecar = sidecar_path(path)
    if sidecar.is_file():
        digest.update(b"\0corrections\0" + sidecar.read_bytes())
    return digest.hexdigest()


def update_index(
    archive: Path,
    index_dir: Path,
    full: bool = False,
    progress: ProgressCallback | None = None,
    batch_files: int = BATCH_FILES,
) -> UpdateSummary:
    """Add new reports, re-index changed ones, drop deleted ones; raises UpdateInProgress."""
    report = progress or (lambda name, outcome: None)
    with update_lock(index_dir):
        files = archive_files(archive)
        rebuild = full or not is_current(index_dir)
        # A rebuild of a live (or damaged) index is written beside it, then swapped in.
        beside = rebuild and index_dir.exists()
        target = index_dir.with_name(index_dir.name + ".rebuild") if beside else index_dir
        if rebuild:
            shutil.rmtree(target, ignore_errors=True)
        summary = UpdateSummary(rebuilt=rebuild)
        writing = _Writing(open_writable(target), target, keep_last_good=not beside)
        _apply(writing, archive, files, summary, report, batch_files)
        if not text_dir(target, writing.ix.latest_generation()).exists():
            writing.publish()
        reports = writing.ix.doc_count()
        if beside:
            _swap_in(target, index_dir)
            sync_and_keep_last_good(index_dir)
        elif not last_good_dir(index_dir).exists():
            sync_and_keep_last_good(index_dir)
        write_status(index_dir, summary.status(reports))
        return summary


class _Writing:
    """The index being written and the text index entries of every report it holds.

    Each commit is published with its own text index, synced, and (unless a rebuild is
    written beside the live index) kept as the last good copy: whatever is committed is
    searchable, even if the run is killed right after.
    """

    def __init__(self, ix: whoosh_index.Index, path: Path, keep_last_good: bool) -> None:
        self.ix = ix
        self.path = path
        self.keep_last_good = keep_last_good

    @cached_property
    def entries(self) -> dict[str, ReportEntry]:
        """Loaded on first use: an update that changes nothing never needs them."""
        return _indexed_entries(self.ix, self.path)

    def commit(self, writer) -> None:
        writer.commit()
        self.publish()

    def publish(self) -> None:
        ordered = [self.entries[name] for name in sorted(self.entries)]
        write_text_index(self.path, self.ix.latest_generation(), ordered)
        if self.keep_last_good:
            sync_and_keep_last_good(self.path)


def _indexed_hashes(ix: whoosh_index.Index) -> dict[str, str]:
    with ix.searcher() as searcher:
        reader = searcher.reader()
        if reader.doc_count() == 0:
            return {}
        files = reader.column_reader("file")
        hashes = reader.column_reader("content_hash")
        return {files[d]: hashes[d] for d in reader.all_doc_ids()}


def _indexed_entries(ix: whoosh_index.Index, path: Path) -> dict[str, ReportEntry]:
    """The entries of the reports in the index: from its text index when it has the current
    generation's, else rebuilt from Whoosh's stored records (after a killed run)."""
    generation = ix.latest_generation()
    if generation in existing_generations(path):
        return TextIndex.load(text_dir(path, generation)).entries()
    with ix.searcher() as searcher:
        return {d["file"]: entry_from_document(d) for d in searcher.all_stored_fields()}


def _apply(
    writing: _Writing,
    archive: Path,
    files: dict[str, Path],
    summary: UpdateSummary,
    report: ProgressCallback,
    batch_files: int,
) -> None:
    """Write the changes, committing after `batch_files` reports or more, and at the end."""
    indexed = _indexed_hashes(writing.ix)
    pending: list[tuple[str, str]] = []
    for name, path in files.items():
        try:
            new_hash = content_hash(path)
        except OSError as error:
            summary.failed.append((name, f"cannot read file: {error.strerror or error}"))
            report(name, "failed")
            continue
        if new_hash == indexed.get(name):
            summary.unchanged += 1
            report(name, "unchanged")
        else:
            pending.append((name, new_hash))
    writer = writing.ix.writer()
    uncommitted = False
    try:
        for name in sorted(set(indexed) - set(files)):
            writer.delete_by_term("file", name)
            writing.entries.pop(name, None)
            summary.removed.append(name)
            report(name, "removed")
            uncommitted = True
        since_commit = 0
        for name, outcome in _read_all(archive, pending):
            if isinstance(outcome, str):
                summary.failed.append((name, outcome))
                report(name, "failed")
                continue
            document, entry = outcome
            if name in indexed:  # replaces the old version; a new file needs no lookup
                writer.update_document(**document)
            else:
                writer.add_document(**document)
            writing.entries[name] = entry
            (summary.updated if name in indexed else summary.added).append(name)
            report(name, "updated" if name in indexed else "added")
            since_commit += 1
            uncommitted = True
            # Each commit rewrites the whole text index: batches grow with the index, so a
            # first build of N reports rewrites it about log N times, not N / batch times.
            if since_commit >= max(batch_files, len(writing.entries) // 2):
                writing.commit(writer)
                writer, uncommitted, since_commit = writing.ix.writer(), False, 0
    except BaseException:
        writer.cancel()
        raise
    if uncommitted:
        writing.commit(writer)
    else:
        writer.cancel()


Outcome = tuple[dict, ReportEntry] | str  # the documents, or why the file failed


def _read_all(archive: Path, pending: list[tuple[str, str]]) -> Iterator[tuple[str, Outcome]]:
    """Read the pending reports, in worker processes when there are many."""
    jobs = [(archive, name, new_hash) for name, new_hash in pending]
    if len(jobs) < _POOL_THRESHOLD or (os.cpu_count() or 1) < 2:
        yield from map(_read_one, jobs)
        return
    # Not fork: a forked worker would inherit the update lock and, if this process were
    # killed, keep holding it (and wait forever on the work queue).
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=os.cpu_count(),
        mp_context=context,
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    ) as pool:
        yield from pool.map(_read_one, jobs, chunksize=16)


def _exit_with_parent(parent: int) -> None:
    """In a worker: end when the update that started it is gone (killed, say)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _read_one(job: tuple[Path, str, str]) -> tuple[str, Outcome]:
    archive, name, new_hash = job
    try:
        record = build_record(archive / name, archive)
    except ReportReadError as error:
        return name, error.reason
    except OSError as error:
        return name, f"cannot read file: {error.strerror or error}"
    return name, (report_document(record, new_hash), report_entry(record))


def _swap_in(rebuilt: Path, live: Path) -> None:
    """Replace the live index by the rebuilt one; readers meanwhile use the last good copy."""
    retired = live.with_name(live.name + ".retired")
    shutil.rmtree(retired, ignore_errors=True)
    live.rename(retired)
    rebuilt.rename(live)
    shutil.rmtree(retired, ignore_errors=True)
