"""Crashes and power loss: `fazhi-index update` killed at random moments, and the files it had
not synced lost below the process, then the index compared with the archive file by file.

Real processes on a real generated archive (`.txt` and `.docx`). A kill is SIGKILL at a
random moment: a third of the time after a random one of the child's progress lines (while
it reads), else at a random delay after its last one, so kills land while it writes the text
index, commits Whoosh, writes the manifest and copies the last good copy (each kill is
classified by what it left on disk). A power loss is simulated the way Lucene's
MockDirectoryWrapper.crash() does it: the child logs every fsync; after the kill, every file
written since its last sync is cut to a random length, zeroed or removed.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.corpus import generate_corpus
from indexer.archive import content_hash
from indexer.extraction.extract import build_record
from indexer.extraction_version import extraction_fingerprint
from indexer.lastgood import last_good_dir
from indexer.search import SearchRequest, search
from indexer.store import ArchiveIndex, open_readable

from .conftest import ROOT, write_report_docx

# Whoosh leaves a damaged file it failed to read for the garbage collector to close (at once,
# in CPython: it warns, it does not leak).
WHOOSH_LEAVES_DAMAGED_FILES_TO_GC = pytest.mark.filterwarnings(
    "ignore:unclosed file:ResourceWarning"
)
DIGITS = "甲乙丙丁戊己庚辛壬癸"
KILLS = 21  # the issue asks for at least 20
POWER_LOSSES = 6


def phrase(number: int) -> str:
    """A phrase found in one report only: fixed length and closed, so none contains another."""
    return "核验码" + "".join(DIGITS[int(d)] for d in f"{number:05d}") + "号"


@dataclass
class Archive:
    """The archive the test changes between runs, and what it expects the index to hold."""

    folder: Path
    rng: random.Random
    base: dict[str, str] = field(default_factory=dict)  # UTF-8 .txt report → its first text
    phrases: dict[str, str] = field(default_factory=dict)  # report → the phrase it holds now
    gone: list[str] = field(default_factory=list)  # phrases of reports deleted or rewritten
    serial: int = 0

    @classmethod
    def generated(cls, folder: Path, count: int, seed: int) -> Archive:
        generate_corpus(folder, n=count, seed=seed)
        archive = cls(folder, random.Random(seed))
        for path in sorted(folder.glob("*.txt")):
            try:  # the reports in GBK or UTF-16 are left as they are
                archive.base[path.name] = path.read_bytes().decode("utf-8")
            except UnicodeDecodeError:
                continue
        return archive

    def names(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir())

    def mutate(self) -> str:
        """Add, change and delete a few reports (at least one of them); says what it did."""
        rng = self.rng
        adds, changes, deletes = rng.randint(1, 6), rng.randint(0, 6), rng.randint(0, 3)
        for _ in range(adds):
            self.serial += 1
            marker = phrase(self.serial)
            if rng.random() < 0.3:  # a real Word file
                name = f"new{self.serial:05d}.docx"
                write_report_docx(
                    self.folder / name,
                    f"城口县新{DIGITS[self.serial % 10]}镇2023年法治政府建设情况报告",
                    [("一、主要工作", [f"推行{marker}制度，开展法治宣传。"])],
                )
            else:
                name = f"new{self.serial:05d}.txt"
                source = self.base[rng.choice(sorted(self.base))]
                self.base[name] = source
                (self.folder / name).write_text(f"{source}\n{marker}的补充说明。\n", "utf-8")
            self.phrases[name] = marker
        for name in rng.sample(sorted(self.base), min(changes, len(self.base))):
            self.serial += 1
            if name in self.phrases:
                self.gone.append(self.phrases[name])
            self.phrases[name] = phrase(self.serial)
            text = f"{self.base[name]}\n{self.phrases[name]}的补充说明。\n"
            (self.folder / name).write_text(text, "utf-8")
        for name in rng.sample(self.names(), deletes):
            (self.folder / name).unlink()
            self.base.pop(name, None)
            if name in self.phrases:
                self.gone.append(self.phrases.pop(name))
        return f"+{adds} ~{changes} -{deletes}"

    def expected_hashes(self) -> dict[str, str]:
        """Each report's content hash as the index stores it."""
        rules = extraction_fingerprint()
        return {name: f"{content_hash(self.folder / name)}:{rules}" for name in self.names()}


def indexed_state(index_dir: Path) -> tuple[dict[str, str], Path]:
    """What a reader opening the index now sees: each report's stored hash, and where from
    (the live index or its last good copy). Raises if a report is there twice."""
    opened, _, where = open_readable(index_dir)
    with opened.searcher() as searcher:
        files = [fields["file"] for fields in searcher.all_stored_fields()]
        hashes = {f["file"]: f["content_hash"] for f in searcher.all_stored_fields()}
    assert [f for f, n in Counter(files).items() if n > 1] == []
    return hashes, where


def assert_before_or_after(archive: Archive, index_dir: Path, before: dict, after: dict) -> None:
    """What readers see is whole: the index as it was before the run, or as after it, and
    each changed report's phrase found exactly where that state puts it."""
    hashes, where = indexed_state(index_dir)
    assert hashes in (before, after), where
    for name, marker in archive.phrases.items():
        expected = [name] if hashes.get(name) == after.get(name) else []
        assert reports_with(index_dir, marker) == expected, (where, marker)


def reports_with(index_dir: Path, text: str) -> list[str]:
    """The reports a search for `text`, as typed, finds (through the text index)."""
    archive_index = ArchiveIndex(index_dir)
    try:
        found = search(archive_index, SearchRequest(query=f'"{text}"', limit=50))
        if found.searched_instead:  # nothing found as typed; these are another query's
            return []
        assert found.total_reports == len(found.results)
        return sorted(hit.file for hit in found.results)
    finally:
        archive_index.close()


def reports_holding(index_dir: Path, text: str) -> int:
    archive_index = ArchiveIndex(index_dir)
    try:
        return search(archive_index, SearchRequest(query=f'"{text}"')).total_reports
    finally:
        archive_index.close()


def update_command(archive: Path, index_dir: Path) -> list[str]:
    script = Path(sys.executable).with_name("fazhi-index")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "indexer"]
    return [*command, "update", "--archive", str(archive), "--index", str(index_dir)]


def run_update(archive: Path, index_dir: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(
        update_command(archive, index_dir), cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def assert_holds_exactly(archive: Archive, index_dir: Path) -> None:
    """The index holds the archive, file by file: each report's record and content hash,
    its passages in Whoosh's record and in the text index, and each changed report's phrase
    (only in that report; the phrases of deleted or rewritten versions nowhere)."""
    hashes, where = indexed_state(index_dir)
    assert where == index_dir
    assert hashes == archive.expected_hashes()
    opened, text, _ = open_readable(index_dir)
    entries = text.entries()
    assert sorted(entries) == archive.names()
    with opened.searcher() as searcher:
        for name in archive.names():
            stored = json.loads(searcher.document(file=name)["record"])
            fresh = build_record(archive.folder / name, archive.folder)
            assert stored["file"] == name and stored["title"] == fresh.title, name
            assert len(stored["passages"]) == len(fresh.passages) == len(entries[name].passages)
    for name, marker in archive.phrases.items():
        assert reports_with(index_dir, marker) == [name], marker
    for marker in archive.gone:
        assert reports_with(index_dir, marker) == [], marker


def where_killed(index_dir: Path, generation_before: int, started_ns: int) -> str:
    """What the kill interrupted, read from what it left on disk."""
    staged = [*index_dir.glob("seg-*.tmp"), *index_dir.glob("text-*.json.tmp")]
    if any(p.stat().st_mtime_ns >= started_ns for p in staged):
        return "writing the text index"
    generation = latest_generation(index_dir)
    if generation <= generation_before:
        return "reading, before the commit"
    if not (index_dir / f"manifest-{generation}.json").exists():
        return "after Whoosh's commit, before the manifest"
    link = last_good_dir(index_dir)
    if any(link.parent.glob(link.name + ".g*.tmp")):
        return "copying the last good copy"
    if os.readlink(link) != f"{link.name}.g{generation}":
        return "after the manifest, before the copy"
    return "after the copy (cleanup, status, stat cache)"


def latest_generation(index_dir: Path) -> int:
    tocs = [int(p.stem.rsplit("_", 1)[1]) for p in index_dir.glob("_MAIN_*.toc")]
    return max(tocs, default=-1)


def start_and_kill(command: list[str], after_lines: int, delay: float) -> tuple[bool, float]:
    """Run `command`; SIGKILL it `delay` seconds after its `after_lines`-th progress line (a
    file read, added or removed). Returns whether the kill found it running, and when it
    was not, the time from its last progress line to its exit (commit, sync, copy)."""
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    reached = threading.Event()
    lines: list[str] = []
    last_line = time.monotonic()

    def read() -> None:
        nonlocal last_line
        for line in child.stderr:
            last_line = time.monotonic()
            lines.append(line.decode("utf-8", "replace"))
            if len(lines) >= after_lines:
                reached.set()
        reached.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reached.wait(timeout=120)
    killed = False
    try:
        child.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        killed = True
    child.wait()
    exited = time.monotonic()
    reader.join()
    child.stderr.close()
    if not killed:
        assert child.returncode == 0, "".join(lines)[-3000:]
    return killed, exited - last_line


def kill_moment(rng: random.Random, pending: int, tail: float) -> tuple[int, float]:
    """When to kill a run that will report `pending` files: a third of the time while it
    reads them, else from its last read to its end (commit, manifest, last good copy)."""
    if rng.random() < 1 / 3:
        return rng.randint(1, max(1, pending)), rng.uniform(0, 0.02)
    return pending, rng.uniform(0, tail * 1.2)


def pending_files(archive: Archive, indexed: dict[str, str]) -> int:
    """The files an update will report: added, changed or removed since `indexed`."""
    expected = archive.expected_hashes()
    return len(set(indexed) ^ set(expected)) + sum(
        indexed[name] != value for name, value in expected.items() if name in indexed
    )


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_an_update_killed_at_random_moments_loses_nothing(tmp_path):
    began = time.monotonic()
    archive = Archive.generated(tmp_path / "archive", 200, seed=11)
    index_dir = tmp_path / "index"
    command = update_command(archive.folder, index_dir)
    rng = archive.rng
    places: Counter[str] = Counter()
    # The first build, killed while it reads, then finished: it gives the first tail.
    killed, _ = start_and_kill(command, rng.randint(1, 150), 0)
    assert killed and where_killed(index_dir, 0, 0) == "reading, before the commit"  # gen 0
    archive.mutate()
    _, tail = start_and_kill(command, 10**6, 600)
    indexed, _ = indexed_state(index_dir)
    kills, runs, checked = 1, 2, 0.0
    # Then a few adds, changes and deletes before each run, and a kill at a random moment.
    while kills < KILLS:
        runs += 1
        assert runs < 3 * KILLS, f"only {kills} kills in {runs} runs"
        archive.mutate()
        before = latest_generation(index_dir)
        started_ns = time.time_ns()
        moment = kill_moment(rng, pending_files(archive, indexed), tail)
        killed, took = start_and_kill(command, *moment)
        checking = time.monotonic()
        indexed, _ = indexed_state(index_dir)  # readers still get a committed state
        assert 0 < reports_holding(index_dir, "法治") <= len(indexed)
        checked += time.monotonic() - checking
        if not killed:
            tail = took
            continue
        kills += 1
        places[where_killed(index_dir, before, started_ns)] += 1
    run_update(archive.folder, index_dir)
    assert_holds_exactly(archive, index_dir)
    print(
        f"\n{kills} kills in {runs} runs, {time.monotonic() - began:.1f} s "
        f"({checked:.1f} s checking after kills):",
        dict(places),
    )
    assert len(places) >= 3  # the kills did not all land in one phase


POWER_LOSS_CHILD = """
import os, sys, time
log = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
real_fsync = os.fsync
def fsync(fd):
    fd = fd if isinstance(fd, int) else fd.fileno()
    stamp = time.time_ns()
    real_fsync(fd)
    path = os.readlink(f"/proc/self/fd/{fd}")
    os.write(log, f"{stamp} {path}\\n".encode())
os.fsync = fsync
if len(sys.argv) > 2 and sys.argv[2].startswith("crash-at="):  # die when that is called
    import importlib, signal
    module, name = sys.argv.pop(2).split("=", 1)[1].split(":")
    owner = importlib.import_module(module)
    *path, name = name.split(".")
    for part in path:
        owner = getattr(owner, part)
    setattr(owner, name, lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL))
from indexer.cli import main
sys.argv = ["fazhi-index", *sys.argv[2:]]
main()
"""


def lose_power(
    roots: list[Path], started_ns: int, synced_log: Path, rng: random.Random, keep: bool = True
) -> int:
    """Damage every file under `roots` written since it was last synced (as after a power
    cut): cut it to a random length, zero it or remove it, or leave it. Returns how many."""
    synced: dict[str, int] = {}
    if synced_log.exists():
        for line in synced_log.read_text(encoding="utf-8").splitlines():
            stamp, path = line.split(" ", 1)
            synced[path] = max(synced.get(path, 0), int(stamp))
    damaged = 0
    for root in roots:
        for path in [root] if root.is_file() else root.rglob("*"):
            if path.is_symlink() or not path.is_file():
                continue
            written = path.stat().st_mtime_ns
            if written < started_ns or written <= synced.get(str(path.resolve()), 0):
                continue
            how = rng.choice(["cut", "zero", "remove", "keep"] if keep else ["cut", "zero"])
            size = path.stat().st_size
            if how == "cut":
                os.truncate(path, rng.randrange(size) if size else 0)
            elif how == "zero":
                path.write_bytes(bytes(size))
            elif how == "remove":
                path.unlink()
            damaged += how != "keep"
    return damaged


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
@WHOOSH_LEAVES_DAMAGED_FILES_TO_GC
def test_power_loss_during_an_update_leaves_the_last_good_state(tmp_path):
    began = time.monotonic()
    archive = Archive.generated(tmp_path / "archive", 80, seed=5)
    index_dir = tmp_path / "index"
    log = tmp_path / "synced.log"
    command = [sys.executable, "-c", POWER_LOSS_CHILD, str(log)]
    command += update_command(archive.folder, index_dir)[-5:]
    _, tail = start_and_kill(command, 10**6, 600)
    rng = random.Random(3)
    losses = runs = damaged_files = 0
    places: Counter[str] = Counter()
    while losses < POWER_LOSSES:
        runs += 1
        assert runs < 3 * POWER_LOSSES, f"only {losses} power losses in {runs} runs"
        before = archive.expected_hashes()
        archive.mutate()
        after = archive.expected_hashes()
        log.unlink(missing_ok=True)
        generation = latest_generation(index_dir)
        started_ns = time.time_ns()
        moment = kill_moment(rng, pending_files(archive, before), tail)
        killed, took = start_and_kill(command, *moment)
        if not killed:
            tail = took
        else:
            losses += 1
            places[where_killed(index_dir, generation, started_ns)] += 1
            written = [p for p in tmp_path.iterdir() if p.name.startswith(index_dir.name)]
            damaged_files += lose_power(written, started_ns, log, rng)

        # The last good state opens and is complete: the index before the run or after it.
        assert_before_or_after(archive, index_dir, before, after)

        # The next update repairs what the power cut damaged and finishes the job.
        run_update(archive.folder, index_dir)
        hashes, where = indexed_state(index_dir)
        assert where == index_dir and hashes == after
    assert_holds_exactly(archive, index_dir)
    print(
        f"\n{losses} power losses in {runs} runs, {damaged_files} unsynced files damaged, "
        f"{time.monotonic() - began:.1f} s:",
        dict(places),
    )


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
@WHOOSH_LEAVES_DAMAGED_FILES_TO_GC
@pytest.mark.parametrize(
    "crash_at",
    [
        "indexer.segment:fsync_path",  # a text segment written, nothing of it synced
        "indexer.update:_Writing.seal",  # Whoosh committed, its files not synced
        "indexer.update:keep_last_good",  # synced, manifest written, no copy yet
        "indexer.lastgood:_point",  # the copy written and synced, the link not swapped
    ],
)
def test_power_loss_at_each_step_of_a_commit(tmp_path, crash_at):
    """The moments a random kill rarely hits, each made certain: the power goes the moment
    that step starts, and every file written since its last sync is cut or zeroed."""
    archive = Archive.generated(tmp_path / "archive", 60, seed=8)
    index_dir = tmp_path / "index"
    run_update(archive.folder, index_dir)
    before = archive.expected_hashes()
    archive.mutate()
    after = archive.expected_hashes()
    log = tmp_path / "synced.log"
    started_ns = time.time_ns()
    command = [sys.executable, "-c", POWER_LOSS_CHILD, str(log), f"crash-at={crash_at}"]
    crashed = subprocess.run(
        command + update_command(archive.folder, index_dir)[-5:],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    written = [p for p in tmp_path.iterdir() if p.name.startswith(index_dir.name)]
    damaged = lose_power(written, started_ns, log, random.Random(crash_at), keep=False)
    assert damaged or crash_at.endswith("_point")  # the copy was synced: nothing to lose

    assert_before_or_after(archive, index_dir, before, after)

    run_update(archive.folder, index_dir)
    assert_holds_exactly(archive, index_dir)


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
@WHOOSH_LEAVES_DAMAGED_FILES_TO_GC
def test_an_unsynced_whoosh_segment_zeroed_under_an_intact_table_of_contents(tmp_path):
    """The power goes after Whoosh's commit, before its sync; the new table of contents
    survives but the new segment reads as zeros. Readers use the last good copy, and the
    next update finds the damage (the generation has no manifest, so it reads its records)
    and rebuilds, where it used to fail at every run with an UnpicklingError."""
    archive = Archive.generated(tmp_path / "archive", 30, seed=9)
    index_dir = tmp_path / "index"
    run_update(archive.folder, index_dir)
    before = archive.expected_hashes()
    archive.mutate()
    started_ns = time.time_ns()
    command = [sys.executable, "-c", POWER_LOSS_CHILD, str(tmp_path / "synced.log")]
    command += ["crash-at=indexer.update:_Writing.seal"]
    crashed = subprocess.run(
        command + update_command(archive.folder, index_dir)[-5:], cwd=ROOT, capture_output=True
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    new_segments = [p for p in index_dir.glob("*.seg") if p.stat().st_mtime_ns >= started_ns]
    assert new_segments
    for segment in new_segments:
        segment.write_bytes(bytes(segment.stat().st_size))

    hashes, where = indexed_state(index_dir)
    assert where == last_good_dir(index_dir) and hashes == before

    done = run_update(archive.folder, index_dir)
    assert "rebuilt in full" in done.stderr and "UnpicklingError" in done.stderr
    assert_holds_exactly(archive, index_dir)


def optimize_command(index_dir: Path) -> list[str]:
    return [*update_command(index_dir, index_dir)[:-5], "optimize", "--index", str(index_dir)]


def segmented(tmp_path: Path, count: int, seed: int) -> tuple[Archive, Path]:
    """An archive and its index in several text segments: one per update, each after a few
    adds, changes and deletes."""
    archive = Archive.generated(tmp_path / "archive", count, seed=seed)
    index_dir = tmp_path / "index"
    for _ in range(5):
        run_update(archive.folder, index_dir)
        archive.mutate()
    run_update(archive.folder, index_dir)
    return archive, index_dir


def run_and_kill(command: list[str], delay: float) -> tuple[bool, float]:
    """Run `command`, SIGKILLed after `delay` seconds: whether it was, and how long it ran."""
    began = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        child.wait(timeout=delay)
        killed = False
    except subprocess.TimeoutExpired:
        child.send_signal(signal.SIGKILL)
        child.wait()
        killed = True
    errors = child.stderr.read().decode("utf-8", "replace")
    child.stderr.close()
    assert killed or child.returncode == 0, errors[-3000:]
    return killed, time.monotonic() - began


def segment_count(index_dir: Path) -> int:
    from indexer.textindex import read_generation

    opened, _, where = open_readable(index_dir)
    return len(read_generation(where.resolve(), opened.latest_generation()))


def assert_answers_as_the_archive(archive: Archive, index_dir: Path) -> None:
    """What a reader sees between kills of a merge: the whole archive, every phrase in its
    report only (a merge changes no content, so no state in between is acceptable)."""
    hashes, _ = indexed_state(index_dir)
    assert hashes == archive.expected_hashes()
    for name, marker in archive.phrases.items():
        assert reports_with(index_dir, marker) == [name], marker
    for marker in archive.gone:
        assert reports_with(index_dir, marker) == [], marker


def test_a_merge_killed_at_random_moments_loses_nothing(tmp_path):
    """`fazhi-index optimize` (every segment merged into one) SIGKILLed at random moments:
    after each kill the index opens and answers exactly as the archive; then a clean run
    merges, and the index holds exactly the archive."""
    archive, index_dir = segmented(tmp_path, 60, seed=13)
    segments = segment_count(index_dir)
    assert segments >= 4
    rng = random.Random(13)
    # How long a merge takes, and its start-up alone: clean runs on a copy of the index.
    copy = tmp_path / "copy"
    shutil.copytree(index_dir, copy)
    whole = run_and_kill(optimize_command(copy), 600)[1]
    startup = run_and_kill(optimize_command(copy), 600)[1]  # nothing left to merge
    shutil.rmtree(copy)
    kills = runs = 0
    while kills < 6:
        runs += 1
        assert runs < 30, f"only {kills} kills in {runs} runs"
        # A merge is a fraction of a run (about 0.2 of 1 s): kill before its measured end,
        # or under load most runs finish first.
        delay = rng.uniform(startup * 0.8, whole)
        killed, _ = run_and_kill(optimize_command(index_dir), delay)
        kills += killed
        assert_answers_as_the_archive(archive, index_dir)
        if not killed:  # merged: make more segments for the next run to merge
            for _ in range(3):
                archive.mutate()
                run_update(archive.folder, index_dir)
    print(f"\n{kills} kills in {runs} runs; a merge {whole:.2f} s, its start-up {startup:.2f} s")
    run_and_kill(optimize_command(index_dir), 600)
    assert segment_count(index_dir) == 1
    run_update(archive.folder, index_dir)
    assert_holds_exactly(archive, index_dir)


@WHOOSH_LEAVES_DAMAGED_FILES_TO_GC
@pytest.mark.parametrize(
    "crash_at",
    [
        "indexer.segment:fsync_path",  # the merged segment written, nothing of it synced
        "indexer.update:_Writing.seal",  # merged and committed, nothing synced
    ],
)
def test_power_loss_during_a_merge(tmp_path, crash_at):
    """The power goes during `optimize`: every file written since its last sync is cut or
    zeroed. Readers get the archive as it is (from the index or its last good copy); the
    next update repairs what needs it and the index holds exactly the archive."""
    archive, index_dir = segmented(tmp_path, 30, seed=14)
    log = tmp_path / "synced.log"
    started_ns = time.time_ns()
    command = [sys.executable, "-c", POWER_LOSS_CHILD, str(log), f"crash-at={crash_at}"]
    crashed = subprocess.run(
        command + optimize_command(index_dir)[-3:], cwd=ROOT, capture_output=True, timeout=300
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    written = [p for p in tmp_path.iterdir() if p.name.startswith(index_dir.name)]
    assert lose_power(written, started_ns, log, random.Random(crash_at), keep=False)

    assert_answers_as_the_archive(archive, index_dir)
    run_update(archive.folder, index_dir)
    assert_holds_exactly(archive, index_dir)
