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

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from whoosh import index as whoosh_index

from .archive import content_hash, scan_archive, shown_name
from .errors import ReportReadError
from .overrides import read_overrides, sidecar_path
from .schema import entry_from_document
from .store import (
    is_current,
    last_good_dir,
    open_writable,
    sync_and_keep_last_good,
    update_lock,
)
from .textindex import ReportEntry, TextIndex, existing_generations, text_dir, write_text_index
from .workers import read_all

BATCH_FILES = 5000  # each commit rewrites the text index: a few seconds per 10,000 reports

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
        scan = scan_archive(archive)
        files = scan.files
        rebuild = full or not is_current(index_dir)
        # A rebuild of a live (or damaged) index is written beside it, then swapped in.
        beside = rebuild and index_dir.exists()
        target = index_dir.with_name(index_dir.name + ".rebuild") if beside else index_dir
        if rebuild:
            shutil.rmtree(target, ignore_errors=True)
        summary = UpdateSummary(rebuilt=rebuild)
        summary.failed.extend(scan.refused)
        writing = _Writing(open_writable(target), target, keep_last_good=not beside)
        _apply(writing, archive, files, scan.held, summary, report, batch_files)
        if not text_dir(target, writing.ix.latest_generation()).exists():
            writing.publish()
        if beside:
            _swap_in(target, index_dir)
            sync_and_keep_last_good(index_dir)
        elif not last_good_dir(index_dir).exists():
            sync_and_keep_last_good(index_dir)
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
    held: set[str],
    summary: UpdateSummary,
    report: ProgressCallback,
    batch_files: int,
) -> None:
    """Write the changes, committing after `batch_files` reports or more, and at the end.

    Reports in `held` are not in `files` but keep their indexed version.
    """
    indexed = _indexed_hashes(writing.ix)
    pending: list[tuple[str, str]] = []
    for name, path in files.items():
        try:
            new_hash = content_hash(path)
        except ReportReadError as error:
            summary.failed.append((name, error.reason))
            report(name, "failed")
            continue
        _check_sidecar(archive, path, summary)
        if new_hash == indexed.get(name):
            summary.unchanged += 1
            report(name, "unchanged")
        else:
            pending.append((name, new_hash))
    writer = writing.ix.writer()
    uncommitted = False
    try:
        for name in sorted(set(indexed) - set(files) - held):
            writer.delete_by_term("file", name)
            writing.entries.pop(name, None)
            summary.removed.append(name)
            report(name, "removed")
            uncommitted = True
        since_commit = 0
        for name, outcome in read_all(archive, pending):
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


def _check_sidecar(archive: Path, report: Path, summary: UpdateSummary) -> None:
    """Name a broken sidecar as failed at every run until it is fixed: its report is indexed
    without it (and, its hash unchanged, not read again), so only this check remembers it."""
    try:
        read_overrides(report)
    except ReportReadError as error:
        reason = f"corrections file ignored, {report.name} is indexed without it: {error.reason}"
        summary.failed.append((shown_name(sidecar_path(report), archive), reason))


def _swap_in(rebuilt: Path, live: Path) -> None:
    """Replace the live index by the rebuilt one; readers meanwhile use the last good copy."""
    retired = live.with_name(live.name + ".retired")
    shutil.rmtree(retired, ignore_errors=True)
    live.rename(retired)
    rebuilt.rename(live)
    shutil.rmtree(retired, ignore_errors=True)
