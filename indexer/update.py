"""Keep the index in step with the archive folder: the re-index command cron runs.

Files are compared by content (a hash of the report and its corrections file), so a touched
but unchanged file costs a read, not a re-index; a file whose stat has not changed since the
last run read it is not read at all, and what the index holds is taken from that run's record
while the index is at the generation it left (statcache.py), unless `verify` asks to read
every file and Whoosh's hashes.
Reports are read in worker processes, one per core. Whoosh work is committed in batches: a
run that is killed keeps what it committed (only committed files carry their hash), and the
next run does the rest and rebuilds the text index of the generation it finds without one. A
rebuild (asked for, or forced by a new schema) is written beside the live index and swapped
in at the end, so readers keep the old index meanwhile. A full disk stops the run with
DiskFull: what it had begun writing is removed (and what a killed run left, at the next
start), so the next run, with space, finishes the job.
"""

from __future__ import annotations

import errno
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index
from whoosh.index import clean_files
from whoosh.writing import SegmentWriter

from . import merge
from .archive import ArchiveScan, content_hash, scan_archive, shown_name
from .copies import update_copies
from .durable import fsync_path
from .errors import DiskFull, IndexUnavailable, ReportReadError
from .extraction.overrides import read_overrides, sidecar_path
from .extraction_version import extraction_fingerprint
from .lastgood import drop_previous_copies, keep_last_good, last_good_dir
from .manifest import generation_files, only_text_index, read_manifest, write_manifest
from .merge import SegmentSize, plan_merges, plan_optimize
from .schema import entry_from_document
from .segment import ReportEntry, Segment, new_segment_id, segment_dir, write_segment
from .statcache import StatCache, cache_path, states
from .status import FailedFile, IndexStatus, now_utc, write_status
from .store import (
    is_current,
    live_damage,
    open_writable,
    read_meta,
    status_file,
    update_lock,
)
from .textindex import (
    SegmentRef,
    drop_older_text_indexes,
    drop_unlisted_segments,
    existing_generations,
    generation_path,
    read_generation,
    write_generation,
)
from .workers import read_all

# What a refused write means, by its errno: the disk, a quota or `ulimit -f` is full.
NO_ROOM = {
    errno.ENOSPC: ("no space left on device", "free space"),
    errno.EDQUOT: ("disk quota exceeded", "free space or raise the quota"),
    errno.EFBIG: ("a file reached the file size limit (ulimit -f)", "raise the limit"),
}
BATCH_FILES = 500  # a killed first build keeps all but its last batch (batches double)

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
    repairs: list[str] = field(default_factory=list)  # damage found and what was done
    reextracted: bool = False  # the extraction rules changed: every report is read again
    hashed: int = 0  # files read to compare their content (the others: their stat unchanged)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def line(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged, {len(self.failed)} failed"
            + (" (full rebuild)" if self.rebuilt else "")
            + (" (extraction rules changed: every report read again)" if self.reextracted else "")
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
            repairs=self.repairs,
            failed=[FailedFile(name, reason) for name, reason in self.failed],
        )


def update_index(
    archive: Path,
    index_dir: Path,
    full: bool = False,
    progress: ProgressCallback | None = None,
    batch_files: int = BATCH_FILES,
    verify: bool = False,
) -> UpdateSummary:
    """Add new reports, re-index changed ones, drop deleted ones; raises UpdateInProgress.

    A damaged index is repaired on the way: a damaged text index is rebuilt from Whoosh's
    stored records, a damaged Whoosh index from the archive. `verify` compares every index
    file's checksum, not only its size, and reads every report, whatever its stat says.
    """
    report = progress or (lambda name, outcome: None)
    with update_lock(index_dir):
        _drop_leftovers(index_dir)
        try:
            with _room_for("the index", index_dir, committed=False):
                return _update(archive, index_dir, full, report, batch_files, verify)
        except DiskFull:
            _drop_leftovers(index_dir)  # give back the space this run took
            with suppress(Exception):  # best effort: the next start does it again
                _drop_uncommitted(whoosh_index.open_dir(str(index_dir)), index_dir)
            raise


def _update(
    archive: Path,
    index_dir: Path,
    full: bool,
    report: ProgressCallback,
    batch_files: int,
    verify: bool,
) -> UpdateSummary:
    """update_index under its lock."""
    cache = StatCache(index_dir, archive, started_ns=time.time_ns())  # before any stat
    scan = scan_archive(archive)
    summary = UpdateSummary()
    summary.rebuilt = full or _needs_rebuild(index_dir, summary, verify)
    # A rebuild of a live (or damaged) index is written beside it, then swapped in.
    beside = summary.rebuilt and index_dir.exists()
    target = index_dir.with_name(index_dir.name + ".rebuild") if beside else index_dir
    if summary.rebuilt:
        shutil.rmtree(target, ignore_errors=True)
    summary.failed.extend(scan.refused)
    writing = _Writing(open_writable(target), target, not beside, batch_files)
    _drop_uncommitted(writing.ix, target)
    if _documents(writing.ix) and not _has_text_index(writing):
        writing.publish()  # a damaged text index is rebuilt before anything is committed
    seen = _apply(writing, archive, scan, summary, report, cache, verify)
    generation = writing.ix.latest_generation()
    token = generation_token(writing.ix)
    if not _has_text_index(writing):
        writing.publish()
    elif read_manifest(target, generation) is None:
        writing.seal(generation)  # a run killed between its commit and the manifest
    reports = _documents(writing.ix)
    if beside:
        _swap_in(target, index_dir)
    if beside or not _copy_holds(index_dir, generation):  # or a full disk stopped the copy
        with _room_for("the last good copy", index_dir, committed=True):
            sums = read_manifest(index_dir, generation) or write_manifest(index_dir, generation)
            keep_last_good(index_dir, generation, sums)
    # What readers that opened during the run might still have needed: gone at rest.
    drop_older_text_indexes(index_dir, generation + 1)
    drop_previous_copies(index_dir)
    with _room_for("the update's status and stat cache", index_dir, committed=True):
        write_status(index_dir, summary.status(reports))
        cache.save(token, seen.held, seen.names, seen.states, seen.vouched)
    with _room_for("the copied-text tables", index_dir, committed=True):
        update_copies(index_dir, generation)  # last: a failure loses no report, no stat
    return summary


def _needs_rebuild(index_dir: Path, summary: UpdateSummary, verify: bool) -> bool:
    """Whether the live index must be rebuilt from the archive; repairs what it can."""
    if not is_current(index_dir):
        if read_meta(index_dir) is not None:
            summary.repairs.append(
                "the index would not open or was written by another version: rebuilt in full"
            )
        return True
    generation, problems = live_damage(index_dir, deep=verify)
    if not problems:
        return False
    listed = "; ".join(problems[:5])
    if only_text_index(problems):
        generation_path(index_dir, generation).unlink()
        summary.repairs.append(f"text index damaged ({listed}): rebuilt from the stored records")
        return False
    summary.repairs.append(f"index damaged ({listed}): rebuilt in full from the archive")
    return True


class _Writing:
    """The index being written: the Whoosh writer, and the text segments of its latest
    generation with where each live report sits in them.

    Each commit writes a text segment holding the batch (the reports added or changed since
    the last commit), the deletions from older segments, the merges the policy asks for
    (merge.py) and the generation's list of segments, then commits Whoosh, syncs the
    generation, records its checksums and (unless a rebuild is written beside the live
    index) copies it as the last good copy: whatever is committed is searchable, even if the
    run is killed right after, and a reader that sees a generation always finds its text
    index. Older segments are never rewritten, so a commit costs what it changed.
    """

    def __init__(
        self, ix: whoosh_index.Index, path: Path, keep_last_good: bool, batch_files: int
    ) -> None:
        self.ix = ix
        self.path = path
        self.keep_last_good = keep_last_good
        self.batch_files = batch_files
        self._writer: SegmentWriter | None = None
        self._batch: dict[str, ReportEntry] = {}
        self._batch_bytes = 0
        self._gone: set[str] = set()  # deleted or replaced since the last commit
        self._loaded: dict[str, Segment] = {}

    @cached_property
    def _indexed(self) -> int:
        return self.ix.doc_count()

    @cached_property
    def layout(self) -> _Layout:
        """Loaded on first use: an update that changes nothing never needs it."""
        return self._layout_of(self.ix.latest_generation())

    def _layout_of(self, generation: int) -> _Layout:
        if not generation_path(self.path, generation).exists():
            return _Layout([], {})
        refs = read_generation(self.path, generation)
        where = {}
        for ref in refs:
            deleted = set(ref.deleted)
            for local, file in enumerate(self.segment(ref.id).files):
                if local not in deleted:
                    where[file] = (ref.id, local)
        return _Layout(refs, where)

    def segment(self, segment: str) -> Segment:
        if segment not in self._loaded:
            self._loaded[segment] = Segment.load(segment_dir(self.path, segment))
        return self._loaded[segment]

    def put(self, document: dict, entry: ReportEntry, replacing: bool) -> None:
        """Add a report, or replace its old version; commits when the batch is full."""
        writer = self._open_writer()
        if replacing:
            writer.update_document(**document)
            self._gone.add(entry.file)
        else:  # a new file needs no lookup of an old version
            writer.add_document(**document)
            self._indexed += 1
        self._batch[entry.file] = entry
        self._batch_bytes += entry.size
        # Batches double with the index (a killed first build keeps all but its last
        # batch), up to a segment's size.
        if len(self._batch) >= max(self.batch_files, self._indexed - len(self._batch)) or (
            self._batch_bytes >= merge.MAX_SEGMENT_BYTES
        ):
            self.commit()

    def delete(self, name: str) -> None:
        self._open_writer().delete_by_term("file", name)
        self._gone.add(name)
        self._indexed -= 1
        if self._batch.pop(name, None) is not None:
            self._batch_bytes = sum(e.size for e in self._batch.values())

    def commit(self, merges: list[list[str]] | None = None) -> None:
        """Commit what was put or deleted since the last commit, if anything, with the
        merges the policy asks for (or `merges`, for optimize: then a commit of nothing)."""
        if self._writer is None and merges is None:
            return
        writer = self._open_writer()
        self._writer = None
        try:
            with _room_for("the text index", self.path, committed=False):
                layout = self._next_layout(writer.generation, merges)
            with _room_for("the Whoosh index", self.path, committed=False):
                writer.commit()
        except BaseException:
            _abandon(writer)
            raise
        self.layout = layout
        self._batch, self._batch_bytes, self._gone = {}, 0, set()
        # A rebuild written beside the live index is not searched before it is swapped in.
        committed = self.keep_last_good
        with _room_for("the manifest and the last good copy", self.path, committed):
            self.seal(writer.generation)

    def _next_layout(self, generation: int, merges: list[list[str]] | None) -> _Layout:
        """Write the batch's segment, the deletions and the merges as `generation`."""
        layout = self.layout
        where = dict(layout.where)
        deleted = {ref.id: set(ref.deleted) for ref in layout.refs}
        for name in self._gone:
            if name in where:
                segment, local = where.pop(name)
                deleted[segment].add(local)
        refs = [SegmentRef(ref.id, tuple(sorted(deleted[ref.id]))) for ref in layout.refs]
        if self._batch:
            refs.append(
                self._written(generation, [self._batch[n] for n in sorted(self._batch)], where)
            )
        if merges is None:
            merges = plan_merges([self._size(ref) for ref in refs])
        for group in merges:
            refs = self._merged(generation, refs, group, where)
        write_generation(self.path, generation, refs)
        return _Layout(refs, where)

    def _written(self, generation: int, entries: list[ReportEntry], where: dict) -> SegmentRef:
        """A new segment of `entries`, recorded in `where`."""
        segment = new_segment_id(self.path, generation)
        write_segment(self.path, segment, entries)
        for local, entry in enumerate(entries):
            where[entry.file] = (segment, local)
        return SegmentRef(segment)

    def _size(self, ref: SegmentRef) -> SegmentSize:
        sizes = self.segment(ref.id).report_bytes()
        deleted = int(sizes[list(ref.deleted)].sum()) if ref.deleted else 0
        return SegmentSize(ref.id, int(sizes.sum()) - deleted, deleted)

    def _merged(
        self, generation: int, refs: list[SegmentRef], group: list[str], where: dict
    ) -> list[SegmentRef]:
        """`refs` with the segments of `group` replaced by one holding their live reports
        (read back from the segments, in file name order), where the first of them was."""
        members = [ref for ref in refs if ref.id in group]
        entries = []
        for ref in members:
            deleted = set(ref.deleted)
            live = [i for i in range(len(self.segment(ref.id).files)) if i not in deleted]
            entries.extend(self.segment(ref.id).entries(live))
        entries.sort(key=lambda e: e.file)
        merged = [self._written(generation, entries, where)] if entries else []
        at = refs.index(members[0])
        kept = [ref for ref in refs if ref.id not in group]
        return kept[:at] + merged + kept[at:]

    def sizes(self) -> list[SegmentSize]:
        """The live and deleted bytes of each segment of the latest generation."""
        return [self._size(ref) for ref in self.layout.refs]

    def cancel(self) -> None:
        if self._writer is not None:
            _abandon(self._writer)
            self._writer = None

    def _open_writer(self) -> SegmentWriter:
        if self._writer is None:
            self._writer = self.ix.writer()
        return self._writer

    def publish(self) -> None:
        """Write the text index of the committed generation from Whoosh's stored records
        (missing after a repair, or for an empty index), in segments of bounded size."""
        generation = self.ix.latest_generation()
        refs: list[SegmentRef] = []
        where: dict[str, tuple[int, int]] = {}
        batch: list[ReportEntry] = []
        size = 0
        with self.ix.searcher() as searcher:
            for document in searcher.all_stored_fields():
                batch.append(entry_from_document(document))
                size += batch[-1].size
                if size >= merge.MAX_SEGMENT_BYTES:
                    refs.append(self._written(generation, batch, where))
                    batch, size = [], 0
        if batch:
            refs.append(self._written(generation, batch, where))
        write_generation(self.path, generation, refs)
        self.layout = _Layout(refs, where)
        self.seal(generation)

    def seal(self, generation: int) -> None:
        drop_older_text_indexes(self.path, generation)
        # What the previous manifest lists was synced before it was written, and files are
        # never rewritten: only this commit's are synced (a few, not the whole index).
        synced = read_manifest(self.path, generation - 1) or {}
        for file in generation_files(self.path, generation):
            if file not in synced:
                fsync_path(self.path / file)
        fsync_path(self.path)
        sums = write_manifest(self.path, generation)
        if self.keep_last_good:
            keep_last_good(self.path, generation, sums)


@dataclass
class _Layout:
    """A generation's segments and, for each live report, its segment and place in it."""

    refs: list[SegmentRef]
    where: dict[str, tuple[int, int]]


def optimize_index(index_dir: Path) -> list[str]:
    """Merge the text index down to the fewest segments the size cap allows (merge.py);
    what it did, one line each. Published like a commit, under the update lock."""
    with update_lock(index_dir):
        _drop_leftovers(index_dir)
        if not is_current(index_dir):
            raise IndexUnavailable(
                f"no usable index at {index_dir}: build or repair it with: "
                f"fazhi-index update --index {index_dir}"
            )
        writing = _Writing(open_writable(index_dir), index_dir, True, BATCH_FILES)
        _drop_uncommitted(writing.ix, index_dir)
        if not generation_path(index_dir, writing.ix.latest_generation()).exists():
            writing.publish()
        before = writing.sizes()
        plan = plan_optimize(before)
        if not plan:
            return [f"{len(before)} segment(s): nothing to merge"]
        with _room_for("the index", index_dir, committed=False):
            writing.commit(merges=plan)
        generation = writing.ix.latest_generation()
        drop_older_text_indexes(index_dir, generation + 1)
        drop_previous_copies(index_dir)
        with _room_for("the copied-text tables", index_dir, committed=True):
            update_copies(index_dir, generation)  # the new generation's: passage ids moved
        after = writing.sizes()
        lines = [
            f"merged {len(group)} segment(s) ({_mb(before, group)}) into one" for group in plan
        ]
        lines.append(f"{len(before)} segment(s) before, {len(after)} after: {_mb(after)}")
        return lines


def _mb(sizes: list[SegmentSize], ids: list[str] | None = None) -> str:
    chosen = [s for s in sizes if ids is None or s.id in ids]
    live = sum(s.live for s in chosen) / 1e6
    deleted = sum(s.deleted for s in chosen) / 1e6
    return f"{live:.1f} MB of text" + (f", {deleted:.1f} MB deleted" if deleted else "")


def _abandon(writer: SegmentWriter) -> None:
    """Cancel a writer whose batch failed, releasing its lock even when the cancel cannot
    flush (a full disk): its half-written segment files go at the next start."""
    try:
        writer.cancel()
    except Exception:  # noqa: BLE001 - the error that stopped the batch is the one to report
        if writer.writelock:
            writer.writelock.release()


@contextmanager
def _room_for(what: str, index_dir: Path, committed: bool) -> Iterator[None]:
    """Turn a write the disk refused into DiskFull, saying what was written and what
    searches see: the index as it was, or (`committed`) this batch, complete."""
    try:
        yield
    except OSError as error:
        if error.errno not in NO_ROOM:
            raise
        problem, remedy = NO_ROOM[error.errno]
        seen = (
            "this batch is committed and searchable; the next run finishes the rest"
            if committed
            else "searches use the index as it was before this batch"
        )
        raise DiskFull(
            f"{problem} while writing {what} of {index_dir}: {remedy} and run the update again "
            f"({seen})"
        ) from error


def _drop_leftovers(index_dir: Path) -> None:
    """Remove what an interrupted run was writing: it takes space and no reader uses it.
    Whoosh's segment files and uncommitted text indexes go in _drop_uncommitted."""
    link = last_good_dir(index_dir.resolve())  # copies are named by the resolved path
    found = [
        *index_dir.glob("*.tmp"),  # text-N.tmp, Whoosh's MAIN.tmp, a manifest's temporary
        *index_dir.glob("_MAIN_*.toc.*"),  # Whoosh's table of contents being written
        *(p.with_name(p.name + ".tmp") for p in (status_file(index_dir), cache_path(index_dir))),
        *link.parent.glob(link.name + ".g*.tmp"),  # a last good copy being staged
        link.with_name(link.name + ".link-tmp"),
        index_dir.with_name(index_dir.name + ".rebuild"),
    ]
    for path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _drop_uncommitted(ix: whoosh_index.Index, path: Path) -> None:
    """Delete segment files no generation lists and text indexes of generations Whoosh never
    committed (a writer that failed or was killed left them): Whoosh deletes its files only
    at its next commit, and a run may have nothing to commit."""
    generation = ix.latest_generation()
    # Whoosh's own cleanup, as its commit calls it (_segments: the generation's segments).
    clean_files(ix.storage, ix.indexname, generation, ix._segments())
    for uncommitted in existing_generations(path):
        if uncommitted > generation:
            generation_path(path, uncommitted).unlink(missing_ok=True)
    drop_unlisted_segments(path)


def _copy_holds(index_dir: Path, generation: int) -> bool:
    """Whether the last good copy is of `generation` (a full disk may have stopped it)."""
    link = last_good_dir(index_dir.resolve())
    return link.exists() and link.resolve().name == f"{link.name}.g{generation}"


def _indexed_hashes(ix: whoosh_index.Index) -> dict[str, str]:
    with ix.searcher() as searcher:
        reader = searcher.reader()
        if reader.doc_count() == 0:
            return {}
        files = reader.column_reader("file")
        hashes = reader.column_reader("content_hash")
        return {files[d]: hashes[d] for d in reader.all_doc_ids()}


def generation_token(ix: whoosh_index.Index) -> str:
    """What tells the committed generation from any other: a rebuilt index may reach the
    same number, never with the same (random) segment ids."""
    ids = ",".join(sorted(segment.segment_id() for segment in ix._segments()))
    return f"{ix.latest_generation()} {_documents(ix)} {ids}"


def _documents(ix: whoosh_index.Index) -> int:
    """The number of reports the index holds, from its table of contents (Index.doc_count
    opens every segment: a twentieth of a second at 100,000 reports)."""
    return sum(segment.doc_count() for segment in ix._segments())


def _has_text_index(writing: _Writing) -> bool:
    return generation_path(writing.path, writing.ix.latest_generation()).exists()


@dataclass
class _Seen:
    """What a run leaves for the stat cache: the hash of every report the index holds after
    it, and the archive's reports (`names`, their `states`) whose state vouches for it."""

    held: dict[str, str]
    names: list[str]
    states: np.ndarray
    vouched: np.ndarray


def _apply(
    writing: _Writing,
    archive: Path,
    scan: ArchiveScan,
    summary: UpdateSummary,
    report: ProgressCallback,
    cache: StatCache,
    verify: bool,
) -> _Seen:
    """Delete what left the archive, write what is new or changed, commit in batches; return
    what the index then holds, and which files' states vouch for it.

    Reports in `scan.held` are not in `scan.stats` but keep their indexed version.
    """
    indexed = _held(writing, cache, verify or summary.rebuilt)
    names, rows = list(scan.stats), states(scan.root, scan.stats, scan.sidecars)
    hits = cache.lookup(names, rows)
    pending, vouched = _changed(archive, scan, indexed, hits, summary, report, verify)
    seen = _Seen(dict(indexed), names, rows, vouched)
    position = {name: at for at, name in enumerate(names)} if pending else {}
    new_hashes = dict(pending)
    try:
        for name in sorted(set(indexed) - set(scan.stats) - scan.held):
            writing.delete(name)
            del seen.held[name]
            summary.removed.append(name)
            report(name, "removed")
        for name, outcome in read_all(archive, pending):
            if isinstance(outcome, str):
                summary.failed.append((name, outcome))
                report(name, "failed")
                continue
            writing.put(*outcome, replacing=name in indexed)
            seen.held[name] = new_hashes[name]
            seen.vouched[position[name]] = True
            (summary.updated if name in indexed else summary.added).append(name)
            report(name, "updated" if name in indexed else "added")
        writing.commit()
    except BaseException:
        writing.cancel()
        raise
    return seen


def _held(writing: _Writing, cache: StatCache, verify: bool) -> dict[str, str]:
    """The hash of every report the index holds: as the last run recorded it when the index
    is still at that run's generation (reading Whoosh's column costs seconds at 100,000
    reports), else (and for `verify`) from Whoosh."""
    if not verify:
        held = cache.held(generation_token(writing.ix))
        if held is not None and len(held) == _documents(writing.ix):
            return held
    return _indexed_hashes(writing.ix)


def _changed(
    archive: Path,
    scan: ArchiveScan,
    indexed: dict[str, str],
    hits: list[str | None],
    summary: UpdateSummary,
    report: ProgressCallback,
    verify: bool,
) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The files whose content, sidecar or extraction rules differ from what is indexed,
    with their new hash, and which of the archive's files (in name order) the index holds as
    they are now; counts the unchanged ones and reports the unreadable ones.

    A file is read unless the cache `hits` holds, for its exact state, the hash the index
    holds (with today's extraction rules); with `verify` every file is read, and one whose
    content changed under an unchanged stat is named.
    """
    rules = f":{extraction_fingerprint()}"
    summary.reextracted = any(not h.endswith(rules) for h in indexed.values())
    pending: list[tuple[str, str]] = []
    vouched = np.zeros(len(hits), dtype=bool)
    missed = []
    sidecars = scan.sidecars
    for at, (name, cached) in enumerate(zip(scan.stats, hits, strict=True)):
        # The extraction rules are part of what a report was indexed with.
        trusted = cached is not None and cached == indexed.get(name) and cached.endswith(rules)
        if trusted and not verify:
            if name in sidecars:
                _check_sidecar(archive, scan.path(name), summary)
            summary.unchanged += 1
            report(name, "unchanged")
            vouched[at] = True
            continue
        path = scan.path(name)
        try:
            content = content_hash(path)
        except ReportReadError as error:
            summary.failed.append((name, error.reason))
            report(name, "failed")
            continue
        summary.hashed += 1
        if name in sidecars:
            _check_sidecar(archive, path, summary)
        new_hash = f"{content}{rules}"
        if trusted and new_hash != cached:
            missed.append(name)
        if new_hash == indexed.get(name):
            summary.unchanged += 1
            report(name, "unchanged")
            vouched[at] = True
        else:
            pending.append((name, new_hash))
    if missed:
        summary.repairs.append(
            f"{len(missed)} file(s) changed without a change of size, mtime, inode or ctime, "
            f"which an update without --verify trusts (is the archive on a network share?): "
            f"re-indexed: {', '.join(missed[:5])}"
        )
    return pending, vouched


def _check_sidecar(archive: Path, report: Path, summary: UpdateSummary) -> None:
    """Name a broken sidecar as failed at every run until it is fixed: its report is indexed
    without it (and, its hash unchanged, not read again), so only this check remembers it.
    Only reports the scan saw a sidecar entry beside are checked: the others have none."""
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
