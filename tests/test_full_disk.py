"""A full disk during an update: one clear line, the live index untouched, and the next run
with space finishes the job.

Real processes and real refused writes: `fazhi-index update` under RLIMIT_FSIZE (a write past
the limit fails with EFBIG; any user), and, where the tests may mount one (root), on a small
tmpfs whose size is set so that the update runs out of space at each of its steps (ENOSPC).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.extraction.extract import build_record
from indexer.lastgood import last_good_dir
from indexer.search import SearchRequest, search
from indexer.store import ArchiveIndex, open_readable

from .conftest import ARCHIVE, ROOT

SAMPLES = sorted(ARCHIVE.glob("*.txt"))
FIRST = range(20)  # indexed before the disk fills
ADDED = range(20, 40)  # added to the archive; the update that indexes them hits the limit
FULL = re.compile(
    r"Error: (?P<problem>no space left on device|a file reached the file size limit "
    r"\(ulimit -f\)) while writing (?P<what>the [^/]+) of \S+: (free space|raise the limit) "
    r"and run the update again \((?P<seen>searches use the index as it was before this batch|"
    r"this batch is committed and searchable; the next run finishes the rest)\)"
)


def write_reports(archive: Path, numbers: range) -> None:
    archive.mkdir(exist_ok=True)
    for number in numbers:
        text = SAMPLES[number % len(SAMPLES)].read_text(encoding="utf-8")
        (archive / f"r{number:03d}.txt").write_text(f"{text}\n第{number}号补充说明。\n", "utf-8")


def run_update(archive: Path, index_dir: Path, limit: int | None = None):
    """`fazhi-index update`, with writes past `limit` bytes per file refused (EFBIG)."""

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else the kernel kills the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "indexer", "update", "--archive", archive, "--index", index_dir],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limited if limit else None,
    )


def refusal(run: subprocess.CompletedProcess) -> re.Match:
    """The one line a full disk gets: status 1, no traceback, the reason and what to do."""
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and run.stderr.rstrip().endswith(errors[0]), run.stderr
    found = FULL.fullmatch(errors[0])
    assert found, errors[0]
    return found


def answers(index_dir: Path) -> dict[str, tuple[str, list[str], int]]:
    """What searches get from the live index (not its last good copy), report by report: the
    stored record, the text index's passages, and how many reports its own phrase finds."""
    ix, text, where = open_readable(index_dir)
    assert where == index_dir
    with ix.searcher() as searcher:
        records = {fields["file"]: fields["record"] for fields in searcher.all_stored_fields()}
    entries = text.entries()
    assert set(entries) == set(records)
    archive_index = ArchiveIndex(index_dir)
    try:
        found = {name: phrase_hits(archive_index, name) for name in records}
    finally:
        archive_index.close()
    return {name: (records[name], entries[name].passages, found[name]) for name in records}


def phrase_hits(archive_index: ArchiveIndex, name: str) -> int:
    """Reports holding the phrase only report `name` (r007.txt) was written with."""
    request = SearchRequest(query=f'"第{int(name[1:4])}号补充说明"')
    return search(archive_index, request).total_reports


def assert_holds_the_archive(archive: Path, index_dir: Path) -> None:
    """Every report indexed as extraction reads it, found by its own phrase; the last good
    copy is of the live generation; nothing of the interrupted runs is left."""
    got = answers(index_dir)
    assert sorted(got) == sorted(path.name for path in archive.iterdir())
    for name, (record, _, found) in got.items():
        assert json.loads(record) == build_record(archive / name, archive).to_json()
        assert found == 1
    ix, _, _ = open_readable(index_dir)
    assert last_good_dir(index_dir).resolve().name.endswith(f".g{ix.latest_generation()}")
    assert leftovers(index_dir.parent) == []


def files_beside(index_dir: Path) -> list[str]:
    """Every file of the index, its last good copies, lock, status and cache."""
    root = index_dir.parent
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.name != "archive" and "archive" not in path.relative_to(root).parts
    )


def leftovers(root: Path) -> list[str]:
    return sorted(
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.name.endswith((".tmp", ".rebuild", ".link-tmp"))
    )


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
@pytest.mark.parametrize(
    "limit, what",
    [
        pytest.param(20_000, "the index", id="Whoosh-while-adding"),
        pytest.param(150_000, "the text index", id="text-index"),
    ],
)
def test_a_file_size_limit_stops_the_update_cleanly_and_the_next_run_finishes(
    tmp_path, limit, what
):
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    write_reports(archive, FIRST)
    assert run_update(archive, index_dir).returncode == 0
    before, files = answers(index_dir), files_beside(index_dir)
    write_reports(archive, ADDED)

    refused = refusal(run_update(archive, index_dir, limit))

    assert refused["problem"].startswith("a file reached the file size limit")
    assert refused["what"] == what
    assert refused["seen"].startswith("searches use the index as it was")
    assert answers(index_dir) == before
    assert files_beside(index_dir) == files  # the failed run took nothing and left nothing

    finished = run_update(archive, index_dir)
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith(f"{len(ADDED)} added, 0 updated, 0 removed")
    assert_holds_the_archive(archive, index_dir)


@pytest.fixture
def small_disk(tmp_path):
    """A tmpfs mounted for the test, resized with `resize(bytes)`; skipped where mounting is
    not permitted (not root, or a container without CAP_SYS_ADMIN)."""
    folder = tmp_path / "disk"
    folder.mkdir()
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
        )
    except FileNotFoundError:
        pytest.skip("no mount command")
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")

    def resize(size: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(folder)], check=True)

    try:
        yield folder, resize
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def used(folder: Path) -> int:
    stats = os.statvfs(folder)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_a_full_disk_at_each_step_of_an_update_then_space_finishes_it(tmp_path, small_disk):
    disk, resize = small_disk
    archive, index_dir = tmp_path / "archive", disk / "index"
    write_reports(archive, FIRST)
    assert run_update(archive, index_dir).returncode == 0
    before, files, taken = answers(index_dir), files_beside(index_dir), used(disk)
    write_reports(archive, ADDED)

    # Room for this share of the index's size, growing: the update runs out of space while
    # writing the text index, then Whoosh's segment, then the manifest and last good copy.
    # Measured on 20 + 20 sample reports: the text index fails below 0.77, Whoosh to 0.91,
    # the copy to about 1.7; more lets it finish.
    stages, committed = [], False
    for share in (0.1, 0.5, 0.8, 0.85, 0.9, 1.0, 1.3, 1.6):
        resize(taken + int(share * taken))
        run = run_update(archive, index_dir)
        if run.returncode == 0:
            break
        refused = refusal(run)
        assert refused["problem"] == "no space left on device"
        stages.append(refused["what"])
        committed = committed or refused["seen"].startswith("this batch is committed")
        if not committed:  # the live index is as it was, and so is the disk
            assert answers(index_dir) == before
            assert files_beside(index_dir) == files
            assert used(disk) == taken
        else:  # the batch is in, complete: the next run only finishes the copy
            assert sorted(answers(index_dir)) == sorted(p.name for p in archive.iterdir())
            assert leftovers(disk) == []
    assert {"the text index", "the Whoosh index"} <= set(stages)
    assert any("last good copy" in stage for stage in stages), stages

    resize(64 << 20)
    finished = run_update(archive, index_dir)
    assert finished.returncode == 0, finished.stderr
    assert_holds_the_archive(archive, index_dir)


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_the_next_run_removes_what_an_interrupted_run_left(tmp_path):
    """What a run killed mid-write leaves (staging folders, the text index and segment of a
    generation Whoosh never committed) takes space and serves nobody: the next run removes
    it, even when it has nothing to commit."""
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    write_reports(archive, FIRST)
    assert run_update(archive, index_dir).returncode == 0
    before, files = answers(index_dir), files_beside(index_dir)
    text = next(index_dir.glob("seg-*"))
    segment = next(index_dir.glob("MAIN_*.seg"))
    planted = [
        index_dir / "seg-7-0.tmp",
        index_dir / "seg-9-0",  # a segment of a generation never committed
        index_dir / "MAIN.tmp",
        tmp_path / "index.last-good.g9.tmp",
        tmp_path / "index.rebuild",
    ]
    for folder in planted:
        shutil.copytree(text, folder)
    shutil.copy(segment, index_dir / "MAIN_0123456789abcdef.seg")
    (index_dir / "text-9.json").write_text(
        '{"version": 3, "segments": [{"id": "9-0", "deleted": []}]}'
    )
    (tmp_path / "index.last-good.link-tmp").symlink_to("index.last-good.g9.tmp")
    for file in ["manifest-9.json.tmp", "_MAIN_9.toc.1764400000.5", "fazhi-meta.json.tmp"]:
        (index_dir / file).write_bytes(b"half")
    (tmp_path / "index.status.json.tmp").write_bytes(b"half")

    finished = run_update(archive, index_dir)

    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.startswith("0 added, 0 updated, 0 removed, 20 unchanged")
    cache = "index.statcache"  # written now that no file is newer than the run's start
    assert [f for f in files_beside(index_dir) if f != cache] == [f for f in files if f != cache]
    assert answers(index_dir) == before
