"""Searches never fail while updates commit; damage is found, survived and repaired.

Real index on disk, real processes: searchers in a loop while updates commit, files
truncated the way a crash or a full disk leaves them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bench.probe_scenarios import SEARCH_LOOP
from indexer.lastgood import copies, last_good_dir
from indexer.search import SearchRequest, search
from indexer.segment import segment_dir
from indexer.store import ArchiveIndex, get_record, open_readable
from indexer.textindex import existing_generations, read_generation
from indexer.update import update_index

from .conftest import ARCHIVE, ROOT

SAMPLES = sorted(ARCHIVE.glob("*.txt"))


def make_archive(folder: Path, count: int) -> Path:
    folder.mkdir(parents=True)
    for number in range(count):
        text = SAMPLES[number % len(SAMPLES)].read_text(encoding="utf-8")
        (folder / f"r{number:03d}.txt").write_text(f"{text}\n第{number}号补充说明。\n", "utf-8")
    return folder


def total(index_dir: Path, query: str) -> int:
    """Reports holding `query` as typed."""
    archive_index = ArchiveIndex(index_dir)
    try:
        return search(archive_index, SearchRequest(query=f'"{query}"')).total_reports
    finally:
        archive_index.close()


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_no_search_fails_while_updates_commit(tmp_path):
    archive = make_archive(tmp_path / "archive", 300)
    index_dir = tmp_path / "index"
    update_index(archive, index_dir)
    stop = tmp_path / "stop"
    searchers = [
        subprocess.Popen(
            [sys.executable, "-c", SEARCH_LOOP, str(index_dir), str(stop)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    try:
        for round_number in range(12):  # each update adds two reports and changes one
            for extra in range(2):
                name = f"n{round_number:02d}{extra}.txt"
                shutil.copy(SAMPLES[extra], archive / name)
            changed = archive / f"r{round_number:03d}.txt"
            changed.write_text(changed.read_text("utf-8") + "又一次修改。\n", "utf-8")
            summary = update_index(archive, index_dir, batch_files=1)
            assert summary.changed and not summary.failed
    finally:
        stop.touch()
        outputs = [searcher.communicate(timeout=60) for searcher in searchers]
    for (out, err), searcher in zip(outputs, searchers, strict=True):
        assert searcher.returncode == 0, err
        ok, failed = map(int, out.split())
        assert failed == 0, err
        assert ok > 0


def test_the_last_good_copy_shares_no_file_with_the_live_index(tmp_path):
    index_dir = tmp_path / "index"
    update_index(make_archive(tmp_path / "archive", 5), index_dir)
    live = {f.stat().st_ino for f in index_dir.rglob("*") if f.is_file()}
    copy = {f.stat().st_ino for f in last_good_dir(index_dir).resolve().rglob("*") if f.is_file()}
    assert copy and not live & copy
    assert last_good_dir(index_dir).is_symlink()


@pytest.mark.parametrize("damage", ["removed", "cut"])
def test_a_file_lost_from_the_last_good_copy_is_copied_again_not_linked(tmp_path, damage):
    """A power cut can remove or cut a file of the previous copy that its manifest lists; the
    next copy must take it from the live index instead of failing (seen in CI)."""
    archive = make_archive(tmp_path / "archive", 5)
    index_dir = tmp_path / "index"
    update_index(archive, index_dir)
    kept = last_segment(index_dir)
    lost = last_good_dir(index_dir).resolve() / kept.name / "gram_passages.npy"
    if damage == "removed":
        lost.unlink()
    else:
        lost.write_bytes(lost.read_bytes()[:100])
    shutil.copy(SAMPLES[0], archive / "new.txt")  # a new segment; the old one is kept
    summary = update_index(archive, index_dir)
    assert summary.added == ["new.txt"] and not summary.failed
    copied = last_good_dir(index_dir).resolve() / kept.name / "gram_passages.npy"
    assert copied.read_bytes() == (kept / "gram_passages.npy").read_bytes()


def last_segment(index_dir: Path) -> Path:
    """The newest text segment of the latest generation."""
    generation = max(existing_generations(index_dir))
    return segment_dir(index_dir, read_generation(index_dir, generation)[-1].id)


def test_at_rest_the_index_keeps_one_text_index_and_one_copy(tmp_path, monkeypatch):
    archive = make_archive(tmp_path / "archive", 5)
    monkeypatch.chdir(tmp_path)
    index_dir = Path("index")  # relative, as the README's commands name it
    for round_number in range(3):
        shutil.copy(SAMPLES[0], archive / f"n{round_number}.txt")
        update_index(archive, index_dir, batch_files=1)
    assert len(list(index_dir.glob("text-*"))) == 1
    assert copies(index_dir) == [last_good_dir(index_dir).resolve()]
    assert open_readable(index_dir)[2] == index_dir
    for toc in index_dir.glob("_MAIN_*.toc"):
        toc.unlink()
    assert open_readable(index_dir)[2] == last_good_dir(index_dir)


@pytest.mark.parametrize(
    "damaged", ["tables.json", "passages.txt", "gram_passages.npy", "gram_positions.npy"]
)
def test_a_truncated_text_index_is_survived_then_repaired_by_a_plain_update(tmp_path, damaged):
    archive = make_archive(tmp_path / "archive", 8)
    index_dir = tmp_path / "index"
    update_index(archive, index_dir)
    expected = total(index_dir, "法治")
    target = last_segment(index_dir) / damaged
    os.truncate(target, target.stat().st_size // 2)

    _, _, where = open_readable(index_dir)  # readers use the intact copy meanwhile
    assert where == last_good_dir(index_dir)
    assert total(index_dir, "法治") == expected

    summary = update_index(archive, index_dir)
    assert summary.unchanged == 8 and not summary.rebuilt
    assert len(summary.repairs) == 1
    assert "text index damaged" in summary.repairs[0] and damaged in summary.repairs[0]
    _, _, where = open_readable(index_dir)
    assert where == index_dir
    assert total(index_dir, "法治") == expected
    assert update_index(archive, index_dir).repairs == []


def test_a_damaged_whoosh_segment_makes_a_plain_update_rebuild_in_full(tmp_path):
    archive = make_archive(tmp_path / "archive", 6)
    index_dir = tmp_path / "index"
    update_index(archive, index_dir)
    segment = max(index_dir.glob("*.seg"), key=lambda p: p.stat().st_size)
    os.truncate(segment, segment.stat().st_size - 10)

    summary = update_index(archive, index_dir)
    assert summary.rebuilt and len(summary.added) == 6
    assert "rebuilt in full" in summary.repairs[0] and segment.name in summary.repairs[0]
    _, _, where = open_readable(index_dir)
    assert where == index_dir


def test_verify_finds_a_file_altered_in_place_that_sizes_miss(tmp_path):
    archive = make_archive(tmp_path / "archive", 6)
    index_dir = tmp_path / "index"
    update_index(archive, index_dir)
    passages = last_segment(index_dir) / "passages.txt"
    data = bytearray(passages.read_bytes())
    data[:6] = "篡改".encode()  # same size: a bit flip on disk
    passages.write_bytes(bytes(data))

    assert update_index(archive, index_dir).repairs == []  # sizes alone cannot tell
    summary = update_index(archive, index_dir, verify=True)
    assert "passages.txt was altered" in summary.repairs[0]
    assert passages.read_bytes()[:6] != "篡改".encode()


def test_a_generation_left_without_its_manifest_is_sealed_by_the_next_run(tmp_path):
    """What a run killed between its commit and its manifest leaves behind."""
    archive = make_archive(tmp_path / "archive", 5)
    index_dir = tmp_path / "index"
    update_index(archive, index_dir)
    generation = max(existing_generations(index_dir))
    (index_dir / f"manifest-{generation}.json").unlink()
    _, _, where = open_readable(index_dir)
    assert where == index_dir and total(index_dir, "第0号补充说明") == 1

    summary = update_index(archive, index_dir)
    assert summary.unchanged == 5 and not summary.repairs
    assert (index_dir / f"manifest-{generation}.json").exists()


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_threads_share_one_archive_index(tmp_path):
    """A Whoosh searcher is not thread-safe: each thread of a server gets its own."""
    index_dir = tmp_path / "index"
    update_index(make_archive(tmp_path / "archive", 30), index_dir)
    archive_index = ArchiveIndex(index_dir)
    errors: list[str] = []
    seen: set[int] = set()

    def work() -> None:
        with archive_index.searcher() as searcher:
            seen.add(id(searcher))
        for query in ["法治", "普法 宣传", "信访 OR 上访"] * 20:
            try:
                for hit in search(archive_index, SearchRequest(query=query)).results:
                    assert get_record(archive_index, hit.file).file == hit.file
            except Exception as error:  # noqa: BLE001 - every failure is collected
                errors.append(repr(error))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    archive_index.close()
    assert errors == [] and len(seen) == 4
