"""Keep the index in step with the archive folder: the re-index command cron runs.

Files are compared by content (a hash of the report and its corrections file), so a touched
but unchanged file costs a read, not a re-index. Work is committed in batches: a run that is
killed keeps what it committed, and the next run does the rest, since only committed files
carry their hash. A rebuild (asked for, or forced by a new schema or dictionary) is written
beside the live index and swapped in at the end, so readers keep the old index meanwhile.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from .errors import ReportReadError
from .extract import build_record
from .overrides import sidecar_path
from .reading import is_report
from .schema import record_documents
from .store import (
    is_current,
    last_good_dir,
    open_writable,
    sync_and_keep_last_good,
    update_lock,
)

BATCH_FILES = 500

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

    def line(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged, {len(self.failed)} failed"
            + (" (full rebuild)" if self.rebuilt else "")
        )


def archive_files(archive: Path) -> dict[str, Path]:
    """Report files below `archive` by their archive-relative name."""
    if not archive.is_dir():
        raise FileNotFoundError(f"archive folder {archive} does not exist")
    return {
        path.relative_to(archive).as_posix(): path
        for path in sorted(archive.rglob("*"))
        if path.is_file() and is_report(path)
    }


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
        changed = _apply(open_writable(target), archive, files, summary, report, batch_files)
        if beside:
            _swap_in(target, index_dir)
        if changed or rebuild or not last_good_dir(index_dir).exists():
            sync_and_keep_last_good(index_dir)
        return summary


def _apply(
    ix: whoosh_index.Index,
    archive: Path,
    files: dict[str, Path],
    summary: UpdateSummary,
    report: ProgressCallback,
    batch_files: int,
) -> bool:
    """Write the changes in batches; whether anything changed (else nothing is committed)."""
    with ix.searcher() as searcher:
        indexed = {
            fields["file"]: fields["content_hash"] for fields in searcher.documents(kind="report")
        }
    writer = ix.writer()
    try:
        for name in sorted(set(indexed) - set(files)):
            writer.delete_by_term("file", name)
            summary.removed.append(name)
            report(name, "removed")
        pending = 0
        for name, path in files.items():
            outcome = _index_file(writer, archive, path, indexed.get(name), summary)
            report(name, outcome)
            if outcome in ("added", "updated"):
                pending += 1
            if pending >= batch_files:
                writer.commit()
                writer, pending = ix.writer(), 0
    except BaseException:
        writer.cancel()
        raise
    changed = bool(summary.added or summary.updated or summary.removed)
    if changed:
        writer.commit()
    else:
        writer.cancel()
    return changed


def _index_file(
    writer: SegmentWriter, archive: Path, path: Path, old_hash: str | None, summary: UpdateSummary
) -> str:
    name = path.relative_to(archive).as_posix()
    try:
        new_hash = content_hash(path)
        if new_hash == old_hash:
            summary.unchanged += 1
            return "unchanged"
        documents = record_documents(build_record(path, archive), new_hash)
    except ReportReadError as error:
        summary.failed.append((name, error.reason))
        return "failed"
    except OSError as error:
        summary.failed.append((name, f"cannot read file: {error.strerror or error}"))
        return "failed"
    if old_hash is not None:
        writer.delete_by_term("file", name)
    for document in documents:
        writer.add_document(**document)
    (summary.updated if old_hash is not None else summary.added).append(name)
    return "updated" if old_hash is not None else "added"


def _swap_in(rebuilt: Path, live: Path) -> None:
    """Replace the live index by the rebuilt one; readers meanwhile use the last good copy."""
    retired = live.with_name(live.name + ".retired")
    shutil.rmtree(retired, ignore_errors=True)
    live.rename(retired)
    rebuilt.rename(live)
    shutil.rmtree(retired, ignore_errors=True)
