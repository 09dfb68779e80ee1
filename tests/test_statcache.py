"""The stat cache against real files and a real index: what a no-op update reads, and when a
stat is not trusted. Reads are observed through Python's audit hook ("open" events), not by
mocking our code.

On Linux 6.13+ (ext4, xfs, btrfs, tmpfs: multigrain timestamps) a change made right after a
stat always gets a new timestamp, so a racy edit (same stat, new bytes) cannot be staged from
user space here; the rule that guards against it is tested on real stats instead.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from whoosh import index as whoosh_index

from indexer.archive import content_hash
from indexer.cli import main
from indexer.statcache import (
    FIELDS,
    RACY_MARGIN_NS,
    UNTRUSTED,
    StatCache,
    cache_path,
    changed_since,
    read_cache,
    states,
)
from indexer.update import update_index

from .test_update import SAMPLES, UPDATE_WITH, report_files, stored, town

_opened: list[str] | None = None  # the paths opened while `reads` is active
_hooked = False


def _audit(event: str, args: tuple) -> None:
    if _opened is not None and event == "open" and isinstance(args[0], str | bytes):
        _opened.append(os.fsdecode(args[0]))


@contextmanager
def reads(archive: Path) -> Iterator[list[str]]:
    """The archive-relative names of the files opened in this process meanwhile."""
    global _opened, _hooked
    if not _hooked:  # an audit hook cannot be removed: one for the session, idle when unused
        sys.addaudithook(_audit)
        _hooked = True
    root = os.path.realpath(archive)
    names: list[str] = []
    _opened = []
    try:
        yield names
    finally:
        opened, _opened = _opened, None
        for path in opened:
            full = os.path.realpath(path)
            if full.startswith(root + os.sep):
                names.append(os.path.relpath(full, root))


def trusted(index_dir: Path, archive: Path) -> dict[str, np.ndarray]:
    """The reports whose stat the cache vouches for, with that stat (report, then sidecar)."""
    table = read_cache(index_dir, archive)
    assert table is not None
    return {
        name: row
        for name, row in zip(table.names, table.states, strict=True)
        if row[0] != UNTRUSTED
    }


def state(path: Path) -> np.ndarray:
    """The state row of a report without a sidecar, as an update takes it."""
    return states(path.parent, {path.name: path.stat()}, set())


def settle() -> None:
    """Wait until what was just written is older than the racy margin: ctime cannot be set
    back, so only time makes a new file trustworthy."""
    time.sleep(RACY_MARGIN_NS / 1e9 + 0.1)


@pytest.fixture
def settled(archive: Path, index_dir: Path) -> Path:
    """The sample archive, one sidecar, indexed by a run that found every file settled."""
    (archive / f"{SAMPLES[1].name}.meta.toml").write_text('town = "青山镇"\n', "utf-8")
    settle()
    first = update_index(archive, index_dir)
    assert len(first.added) == 5 and first.hashed == 5
    assert set(trusted(index_dir, archive)) == {path.name for path in SAMPLES}
    return index_dir


def test_a_no_op_run_reads_no_report_and_leaves_the_cache_as_it_was(archive, settled):
    before = cache_path(settled).stat()
    with reads(archive) as opened:
        summary = update_index(archive, settled)
    assert summary.unchanged == 5 and summary.hashed == 0 and not summary.changed
    assert opened == [f"{SAMPLES[1].name}.meta.toml"]  # checked for errors at every run
    assert cache_path(settled).stat().st_mtime_ns == before.st_mtime_ns  # not rewritten

    with reads(archive) as opened:  # the hook does see reads: --verify reads every report
        verified = update_index(archive, settled, verify=True)
    assert verified.unchanged == 5 and verified.hashed == 5
    assert {path.name for path in SAMPLES} <= set(opened)


def test_a_touched_file_is_read_again_and_found_unchanged(archive, settled):
    touched = archive / SAMPLES[0].name
    later = time.time() + 100
    os.utime(touched, (later, later))
    with reads(archive) as opened:
        summary = update_index(archive, settled)
    assert summary.hashed == 1 and summary.unchanged == 5 and not summary.changed
    assert touched.name in opened and SAMPLES[2].name not in opened


@pytest.mark.parametrize("how", ["rewritten-in-place", "replaced-by-rename"])
def test_new_bytes_under_the_same_size_and_mtime_are_caught(archive, settled, how):
    path = archive / SAMPLES[3].name
    before = path.stat()
    text = path.read_text(encoding="utf-8").replace("法治", "德治", 1)  # same byte count
    if how == "rewritten-in-place":
        path.write_text(text, encoding="utf-8")
    else:  # as rsync and editors save: a new file renamed over the old one
        temporary = archive / "incoming.tmp"
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))

    # Size and mtime are what they were: only the inode or the ctime tells the change.
    cached_state = trusted(settled, archive)[path.name]
    now = state(path)
    assert (now[0, :2] == cached_state[:2]).all() and (now[0] != cached_state).any()
    without_inode_and_ctime = now.copy()
    without_inode_and_ctime[0, 2:4] = cached_state[2:4]
    cache = StatCache(settled, archive, started_ns=time.time_ns())
    [cached_hash] = cache.lookup([path.name], without_inode_and_ctime)  # would miss it
    assert cached_hash is not None and cached_hash.startswith(content_hash(SAMPLES[3]))
    assert cache.lookup([path.name], now) == [None]

    summary = update_index(archive, settled)
    assert summary.updated == [path.name] and summary.unchanged == 4
    assert any("德治" in p["text"] for p in _passages(settled, path.name))


def test_a_changed_or_new_sidecar_re_indexes_its_report(archive, settled):
    sidecar = archive / f"{SAMPLES[1].name}.meta.toml"
    sidecar.write_text('town = "白石镇"\n', "utf-8")  # same size, new bytes
    (archive / f"{SAMPLES[4].name}.meta.toml").write_text('town = "绿水镇"\n', "utf-8")
    summary = update_index(archive, settled)
    assert sorted(summary.updated) == sorted([SAMPLES[1].name, SAMPLES[4].name])
    assert town(stored(settled, file=SAMPLES[1].name)[0]) == "白石镇"
    assert town(stored(settled, file=SAMPLES[4].name)[0]) == "绿水镇"


def test_a_dangling_sidecar_link_is_never_trusted(archive, settled):
    dangling = archive / f"{SAMPLES[2].name}.meta.toml"
    dangling.symlink_to(archive / "nowhere.toml")
    settle()
    for _ in range(2):
        summary = update_index(archive, settled)
        assert summary.hashed == 1 and dangling.name in dict(summary.failed)
    assert SAMPLES[2].name not in trusted(settled, archive)


def test_a_file_written_just_before_a_run_is_not_cached_by_it(archive, settled):
    """A file could change again within the clock tick in which the run read it and keep its
    stat (git's "racy" entries): what changed after the run's start, less the margin, is read
    again by the next run, which caches it once it is older."""
    fresh = archive / "青山镇2021.txt"
    fresh.write_text(SAMPLES[0].read_text(encoding="utf-8") + "\n补充。\n", "utf-8")
    first = update_index(archive, settled)
    assert first.added == [fresh.name]
    assert fresh.name not in trusted(settled, archive)
    assert SAMPLES[0].name in trusted(settled, archive)

    with reads(archive) as opened:
        second = update_index(archive, settled)
    assert second.hashed == 1 and fresh.name in opened and not second.changed

    settle()
    third = update_index(archive, settled)
    assert third.hashed == 1 and fresh.name in trusted(settled, archive)
    assert update_index(archive, settled).hashed == 0


def test_the_racy_rule_on_real_stats(tmp_path):
    started = time.time_ns()
    path = tmp_path / "report.txt"
    path.write_text("内容", encoding="utf-8")
    assert changed_since(state(path), started - RACY_MARGIN_NS)  # changed within the run: racy
    assert not changed_since(state(path), time.time_ns() + 1)
    os.utime(path, (1_000_000_000, 1_000_000_000))  # an old mtime, but a new ctime
    assert state(path)[0, 1] == 1_000_000_000_000_000_000
    assert changed_since(state(path), started - RACY_MARGIN_NS)
    sidecar = tmp_path / "report.txt.meta.toml"  # an old report with a sidecar written now
    sidecar.write_text('town = "青山镇"\n', encoding="utf-8")
    os.utime(path, (1_000_000_000, 1_000_000_000))
    both = states(tmp_path, {path.name: path.stat()}, {path.name})
    assert both[0, FIELDS] == sidecar.stat().st_size
    assert changed_since(both, started - RACY_MARGIN_NS)


def _lie(archive: Path, index_dir: Path, path: Path) -> None:
    """Leave the cache a share whose server keeps stats unchanged would: `path`'s new stat
    with its old hash, which the index holds too. (A real run leaves a file edited just now
    out, as racy: this writes what a run "started" after the edit would have written.)"""
    table = read_cache(index_dir, archive)
    assert table is not None
    rows = table.states.copy()
    rows[table.names.index(path.name)] = state(path)[0]
    lying = StatCache(index_dir, archive, started_ns=time.time_ns() + RACY_MARGIN_NS + 10**9)
    held = dict(zip(table.names, table.held, strict=True))
    lying.save(table.token, held, table.names, rows, rows[:, 0] != UNTRUSTED)


def _edit_under_a_lying_stat(archive: Path, index_dir: Path) -> Path:
    path = archive / SAMPLES[0].name
    path.write_text(path.read_text(encoding="utf-8") + "\n独有的新句子。\n", "utf-8")
    _lie(archive, index_dir, path)
    return path


def test_verify_names_a_file_whose_content_changed_under_a_trusted_stat(archive, settled):
    path = _edit_under_a_lying_stat(archive, settled)
    trusting = update_index(archive, settled)
    assert trusting.hashed == 0 and trusting.unchanged == 5  # the cache really is trusted

    _lie(archive, settled, path)  # the trusting run left the racy edit out
    verified = update_index(archive, settled, verify=True)
    assert verified.updated == [path.name] and verified.hashed == 5
    [repair] = verified.repairs
    assert repair.startswith("1 file(s) changed without a change of size, mtime, inode or ctime")
    assert path.name in repair
    assert any("独有的新句子" in p["text"] for p in _passages(settled, path.name))
    again = update_index(archive, settled)  # the edit is new: read again, found unchanged
    assert again.unchanged == 5 and not again.changed and again.repairs == []


def test_the_command_line_verify_reads_every_report_and_says_what_it_found(archive, settled):
    path = _edit_under_a_lying_stat(archive, settled)
    command = ["update", "--archive", str(archive), "--index", str(settled)]
    with reads(archive) as opened:
        result = CliRunner().invoke(main, [*command, "--verify"])
    assert result.exit_code == 0, result.output
    assert {p.name for p in SAMPLES} <= set(opened)
    assert f"updated: {path.name}" in result.stderr
    assert "repaired: 1 file(s) changed without a change of size, mtime, inode or ctime" in (
        result.stderr
    )
    assert result.stdout.strip().endswith("0 added, 1 updated, 0 removed, 4 unchanged, 0 failed")


def _damage(path: Path, how: str, tmp_path: Path) -> None:
    data = path.read_bytes()
    if how == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif how == "byte-flipped":
        position = len(data) - 40  # in the stats, after the header and the names
        path.write_bytes(data[:position] + bytes([data[position] ^ 1]) + data[position + 1 :])
    elif how == "not-json":
        path.write_bytes(b"\x00\xff garbage \n" + os.urandom(64))
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "another-index":  # a valid cache, made for the same archive and another index
        other = tmp_path / "other-index"
        update_index(path.parent / "archive", other)
        shutil.copy(cache_path(other), path)


@pytest.mark.parametrize("how", ["truncated", "byte-flipped", "not-json", "empty", "another-index"])
def test_a_damaged_or_foreign_cache_is_ignored_and_replaced(archive, settled, tmp_path, how):
    cache = cache_path(settled)
    _damage(cache, how, tmp_path)
    assert read_cache(settled, archive) is None

    summary = update_index(archive, settled)
    assert summary.hashed == 5 and summary.unchanged == 5
    assert (summary.failed, summary.repairs) == ([], [])
    assert update_index(archive, settled).hashed == 0


def test_a_cache_of_another_archive_is_ignored(archive, settled, tmp_path):
    moved = tmp_path / "moved"
    archive.rename(moved)
    summary = update_index(moved, settled)
    assert summary.hashed == 5 and summary.unchanged == 5 and not summary.changed


KILLED_RUN = """
import os, signal, sys
from pathlib import Path
from indexer.update import update_index

def progress(name, outcome):
    if outcome == "updated":
        os.kill(os.getpid(), signal.SIGKILL)
update_index(Path(sys.argv[1]), Path(sys.argv[2]), batch_files=1, progress=progress)
"""


def test_a_run_killed_midway_leaves_a_cache_the_next_run_can_trust(archive, settled):
    cached = cache_path(settled).read_bytes()
    changed = [archive / SAMPLES[1].name, archive / SAMPLES[3].name]
    for path in changed:
        path.write_text(path.read_text(encoding="utf-8") + "\n新增说明。\n", "utf-8")

    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, str(archive), str(settled)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert cache_path(settled).read_bytes() == cached  # the old cache, whole

    summary = update_index(archive, settled)  # the killed run committed nothing
    assert sorted(summary.updated) == sorted(path.name for path in changed)
    for path in changed:
        assert any("新增说明" in p["text"] for p in _passages(settled, path.name))
    assert report_files(settled) == {path.name: 1 for path in SAMPLES}


def _passages(index_dir: Path, name: str) -> list[dict]:
    import json

    return [p for f in stored(index_dir, file=name) for p in json.loads(f["record"])["passages"]]


@pytest.mark.parametrize("how", ["index-deleted", "full-rebuild"])
def test_the_cache_vouches_only_for_hashes_the_index_holds(archive, settled, how):
    """The cache outlives the index beside it: an index made anew holds none of its hashes,
    so every file is read and added, though every stat is unchanged."""
    if how == "index-deleted":
        shutil.rmtree(settled)
    summary = update_index(archive, settled, full=how == "full-rebuild")
    assert sorted(summary.added) == sorted(path.name for path in SAMPLES)
    assert summary.hashed == 5 and summary.unchanged == 0
    assert report_files(settled) == {path.name: 1 for path in SAMPLES}
    assert update_index(archive, settled).hashed == 0


def test_changed_extraction_rules_read_every_report_again_whatever_the_cache(
    tmp_path, archive, settled
):
    package = tmp_path / "code" / "indexer"
    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "indexer", package, ignore=shutil.ignore_patterns("__pycache__"))
    rules = package / "extraction" / "metadata.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# a new rule\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-c", UPDATE_WITH, str(archive), str(settled)],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(package.parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "5 updated" in done.stdout and "extraction rules changed" in done.stdout


def test_a_no_op_run_takes_what_the_index_holds_from_the_cache_not_from_whoosh(archive, settled):
    with reads(settled) as opened:
        summary = update_index(archive, settled)
    assert summary.unchanged == 5 and not summary.changed
    assert not [name for name in opened if name.endswith(".seg")]  # Whoosh's segments

    with reads(settled) as opened:  # --verify trusts nothing: it reads Whoosh's hashes
        update_index(archive, settled, verify=True)
    assert [name for name in opened if name.endswith(".seg")]


def test_a_cache_of_another_generation_does_not_stand_for_the_index(archive, settled):
    """A run killed after its commit and before it wrote the cache leaves the cache of the
    generation before: what that says the index holds is no longer true, and must not be
    believed (here it would take the file restored to its old bytes for unchanged)."""
    path = archive / SAMPLES[2].name
    original = path.read_bytes()
    old_cache = cache_path(settled).read_bytes()
    path.write_bytes(original + "\n后来补充的句子。\n".encode())
    assert update_index(archive, settled).updated == [path.name]
    cache_path(settled).write_bytes(old_cache)  # as if killed before the cache was written

    path.write_bytes(original)
    with reads(settled) as opened:
        summary = update_index(archive, settled)
    assert summary.updated == [path.name] and summary.unchanged == 4
    assert [name for name in opened if name.endswith(".seg")]
    assert not any("后来补充" in p["text"] for p in _passages(settled, path.name))
    assert not update_index(archive, settled).changed  # and the cache is of this generation
    assert read_cache(settled, archive).token.split()[0] == str(_generation(settled))


def _generation(index_dir: Path) -> int:
    return whoosh_index.open_dir(str(index_dir)).latest_generation()


def test_a_rebuilt_index_is_another_generation_even_with_the_same_number(archive, settled):
    """The cache names the generation by its Whoosh segments too: an index rebuilt from
    scratch may reach the same number with other contents."""
    table = read_cache(settled, archive)
    assert table is not None
    shutil.rmtree(settled)
    (archive / SAMPLES[4].name).unlink()
    assert len(update_index(archive, settled).added) == 4
    rebuilt = read_cache(settled, archive)
    assert rebuilt is not None and rebuilt.token != table.token
    assert rebuilt.token.split()[0] == table.token.split()[0]  # the same generation number
    assert SAMPLES[4].name not in rebuilt.names
