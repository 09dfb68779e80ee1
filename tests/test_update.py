"""update_index against real files and a real Whoosh index on disk: no mocks."""

from __future__ import annotations

import gc
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import docx
import pytest

from indexer.errors import IndexUnavailable, UpdateInProgress
from indexer.extraction.extract import build_record
from indexer.normalize import normalize
from indexer.store import (
    META_FILE,
    ArchiveIndex,
    is_current,
    last_good_dir,
    open_readable,
    update_lock,
)
from indexer.update import update_index

from .conftest import ARCHIVE

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted(ARCHIVE.glob("*.txt"))
JUNK = bytes(range(256)) * 8  # control characters and NUL bytes: binary, not text
# Whoosh leaves the file open when it fails to read a damaged .toc or .seg (not our code).
WHOOSH_LEAKS_ON_DAMAGE = pytest.mark.filterwarnings(
    "ignore::pytest.PytestUnraisableExceptionWarning"
)


def report_text(town: str, year: int = 2021, extra: str = "") -> str:
    return textwrap.dedent(f"""\
        {town}{year}年法治政府建设情况报告
        {year}年，{town}坚持以习近平法治思想为指导，扎实推进法治政府建设。{extra}
        一、主要举措和成效
        （一）加强组织领导。{town}成立法治建设领导小组，定期研究法治工作。
        （二）推进依法行政。严格落实重大行政决策程序，开展合法性审查。
        二、存在的不足和原因
        部分干部法治意识有待提高，执法队伍力量薄弱。
        三、下一年度主要安排
        继续加强法治宣传教育，提升{town}基层依法治理水平。
        """)


def write_docx(path: Path, town: str) -> Path:
    document = docx.Document()
    for line in report_text(town, 2022).splitlines():
        document.add_paragraph(line)
    document.save(str(path))
    return path


def stored(index_dir: Path, **terms: str) -> list[dict]:
    """Stored fields of the matching report documents in the index readers would open."""
    ix, _, _ = open_readable(index_dir)
    with ix.searcher() as searcher:
        return [dict(fields) for fields in searcher.documents(**terms)]


def town(fields: dict) -> str | None:
    return json.loads(fields["record"])["town"]


def report_files(index_dir: Path) -> Counter:
    return Counter(fields["file"] for fields in stored(index_dir))


def text_entries(index_dir: Path) -> dict:
    """The text index of the generation readers would open, report by report."""
    _, text, _ = open_readable(index_dir)
    assert len(text.files) == len(set(text.files))
    return text.entries()


def passage_texts(index_dir: Path, name: str) -> list[str]:
    """The report's passages as stored, checked against the text index's normalized copy."""
    records = [json.loads(fields["record"]) for fields in stored(index_dir, file=name)]
    texts = [p["text"] for record in records for p in record["passages"]]
    entry = text_entries(index_dir).get(name)
    assert [normalize(t) for t in texts] == (entry.passages if entry else [])
    return texts


@pytest.fixture
def indexed(archive: Path, index_dir: Path) -> Path:
    """The sample archive after one successful update."""
    update_index(archive, index_dir)
    return index_dir


@pytest.fixture
def collect_leaks():
    """Let Whoosh's leaked handles be reported in this test (under its mark), not a later one."""
    yield
    for _ in range(3):  # pytest keeps each report's frames, which hold the next leaked file
        gc.collect()


def test_first_run_adds_everything_and_second_run_changes_nothing(archive, index_dir):
    names = sorted(path.name for path in archive.iterdir())
    assert len(names) == 5

    first = update_index(archive, index_dir)
    assert sorted(first.added) == names and first.rebuilt
    assert (first.updated, first.removed, first.failed, first.unchanged) == ([], [], [], 0)

    second = update_index(archive, index_dir)
    assert second.unchanged == 5 and not second.rebuilt
    assert (second.added, second.updated, second.removed, second.failed) == ([], [], [], [])

    assert report_files(index_dir) == Counter(names)
    for name in names:
        expected = len(build_record(archive / name).passages)
        assert expected > 0
        assert len(passage_texts(index_dir, name)) == expected


def test_add_change_and_delete_are_each_reported_and_applied(archive, indexed):
    changed, deleted = SAMPLES[1].name, SAMPLES[2].name
    (archive / "青山镇2021.txt").write_text(report_text("青山镇"), encoding="utf-8")
    old_passage = passage_texts(indexed, changed)[0]
    (archive / changed).write_text(report_text("白石镇", extra="新增独有句子甲乙丙。"), "utf-8")
    (archive / deleted).unlink()

    summary = update_index(archive, indexed)

    assert summary.added == ["青山镇2021.txt"]
    assert summary.updated == [changed]
    assert summary.removed == [deleted]
    assert summary.unchanged == 3 and summary.failed == [] and not summary.rebuilt
    assert report_files(indexed) == Counter(path.name for path in archive.iterdir())
    texts = passage_texts(indexed, changed)
    assert any("新增独有句子甲乙丙" in text for text in texts)
    assert old_passage not in texts
    assert len(texts) == len(build_record(archive / changed).passages)
    assert stored(indexed, file=deleted) == [] and passage_texts(indexed, deleted) == []


def test_a_touched_file_is_unchanged_but_same_size_same_mtime_new_bytes_is_updated(
    archive, indexed
):
    touched, rewritten = archive / SAMPLES[0].name, archive / SAMPLES[3].name
    later = time.time() + 100
    os.utime(touched, (later, later))
    before = rewritten.stat()
    text = rewritten.read_text(encoding="utf-8")
    assert "法治" in text
    rewritten.write_text(text.replace("法治", "德治", 1), encoding="utf-8")  # same byte count
    os.utime(rewritten, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert rewritten.stat().st_size == before.st_size
    assert rewritten.stat().st_mtime_ns == before.st_mtime_ns

    summary = update_index(archive, indexed)

    assert summary.updated == [rewritten.name]
    assert summary.unchanged == 4 and summary.added == [] and summary.removed == []
    assert report_files(indexed)[rewritten.name] == 1


def test_a_new_sidecar_updates_the_report_and_its_town(archive, indexed):
    report = archive / "青山镇2021.txt"
    report.write_text(report_text("青山镇"), encoding="utf-8")
    update_index(archive, indexed)
    assert [town(fields) for fields in stored(indexed, file=report.name)] == ["青山镇"]

    report.with_name(report.name + ".meta.toml").write_text('town = "绿水镇"\n', "utf-8")
    summary = update_index(archive, indexed)

    assert summary.updated == [report.name] and summary.unchanged == 5
    assert [town(fields) for fields in stored(indexed, file=report.name)] == ["绿水镇"]
    assert text_entries(indexed)[report.name].town == "绿水镇"


def test_broken_files_are_reported_and_lose_nothing(archive, index_dir):
    write_docx(archive / "红岩镇2022.docx", "红岩镇")
    (archive / "broken.docx").write_bytes(os.urandom(2048))
    (archive / "empty.txt").write_bytes(b"")
    (archive / "junk.txt").write_bytes(JUNK)

    summary = update_index(archive, index_dir)

    failed = dict(summary.failed)
    assert sorted(failed) == ["broken.docx", "empty.txt", "junk.txt"]
    assert all(isinstance(reason, str) and reason.strip() for reason in failed.values())
    good = sorted([*(sample.name for sample in SAMPLES), "红岩镇2022.docx"])
    assert sorted(summary.added) == good
    assert report_files(index_dir) == Counter(good)
    assert passage_texts(index_dir, "红岩镇2022.docx")

    victim = archive / SAMPLES[0].name
    old_hash = stored(index_dir, file=victim.name)[0]["content_hash"]
    victim.write_bytes(JUNK)
    again = update_index(archive, index_dir)

    assert victim.name in dict(again.failed) and dict(again.failed)[victim.name]
    assert again.updated == [] and again.removed == []
    kept = stored(index_dir, file=victim.name)
    assert len(kept) == 1 and kept[0]["content_hash"] == old_hash
    assert len(passage_texts(index_dir, victim.name)) == len(build_record(SAMPLES[0]).passages)


def test_a_held_lock_makes_update_fail_at_once_and_release_lets_it_run(archive, index_dir):
    with update_lock(index_dir):
        started = time.monotonic()
        with pytest.raises(UpdateInProgress, match=re.escape(str(index_dir))):
            update_index(archive, index_dir)
        assert time.monotonic() - started < 0.5
    assert not index_dir.exists()

    summary = update_index(archive, index_dir)
    assert len(summary.added) == 5


KILLED_RUN = """
import os, signal, sys
from pathlib import Path
from indexer.update import update_index
added = []
def progress(name, outcome):
    if outcome == "added":
        added.append(name)
        if len(added) == 5:
            os.kill(os.getpid(), signal.SIGKILL)
update_index(Path(sys.argv[1]), Path(sys.argv[2]), batch_files=2, progress=progress)
"""


@pytest.mark.parametrize("reports", [10, 40], ids=["read-in-process", "read-by-workers"])
def test_a_run_killed_midway_keeps_its_commits_and_the_next_run_finishes(
    tmp_path, index_dir, reports
):
    folder = tmp_path / "archive"
    folder.mkdir()
    for number in range(reports):
        text = SAMPLES[number % 5].read_text(encoding="utf-8")
        (folder / f"r{number:02d}.txt").write_text(f"{text}\n第{number}号补充说明。\n", "utf-8")

    killed = subprocess.run(
        [sys.executable, "-c", KILLED_RUN, str(folder), str(index_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr

    committed = report_files(index_dir)
    assert 2 <= len(committed) < reports and set(committed.values()) == {1}

    # The workers of the killed run hold no lock: the next run starts at once.
    summary = update_index(folder, index_dir)
    everything = {f"r{n:02d}.txt" for n in range(reports)}
    assert sorted(summary.added) == sorted(everything - set(committed))
    assert summary.unchanged == len(committed)
    assert report_files(index_dir) == Counter(everything)


def test_open_readers_keep_their_snapshot_while_an_update_commits(archive, indexed):
    archive_index = ArchiveIndex(indexed)
    try:
        with archive_index.searcher() as s1:
            assert len(list(s1.all_stored_fields())) == 5
            for town in ("青山镇", "绿水镇", "红岩镇"):
                (archive / f"{town}.txt").write_text(report_text(town), encoding="utf-8")
            assert len(update_index(archive, indexed).added) == 3

            old = list(s1.all_stored_fields())
            assert len(old) == 5
            assert all(json.loads(fields["record"])["file"] == fields["file"] for fields in old)
            with archive_index.searcher() as s2:
                new = Counter(fields["file"] for fields in s2.all_stored_fields())
                assert len(new) == 8 and set(new.values()) == {1}
            assert len(list(s1.all_stored_fields())) == 5
    finally:
        archive_index.close()


def _replace(folder: Path, pattern: str, data: bytes | None = None) -> None:
    """Delete (and rewrite) files, never writing through the last good copy's hard links."""
    for path in folder.glob(pattern):
        path.unlink()
        if data is not None:
            path.write_bytes(data)


@pytest.mark.parametrize(
    "pattern, data",
    [
        pytest.param("_MAIN_*.toc", None, id="toc-deleted"),
        pytest.param("_MAIN_*.toc", b"", id="toc-emptied", marks=WHOOSH_LEAKS_ON_DAMAGE),
        pytest.param("*.seg", JUNK, id="segment-junk", marks=WHOOSH_LEAKS_ON_DAMAGE),
    ],
)
def test_readers_fall_back_to_the_last_good_copy(archive, indexed, pattern, data, collect_leaks):
    _replace(indexed, pattern, data)

    ix, text, where = open_readable(indexed)
    assert where == last_good_dir(indexed) and where.name.endswith(".last-good")
    with ix.searcher() as searcher:
        assert len(list(searcher.all_stored_fields())) == 5
    assert text.passage_count == sum(len(build_record(path).passages) for path in archive.iterdir())
    archive_index = ArchiveIndex(indexed)
    try:
        with archive_index.searcher() as searcher:
            assert searcher.doc_count() == ix.doc_count()
    finally:
        archive_index.close()

    _replace(indexed, "_MAIN_*.toc")
    _replace(last_good_dir(indexed), "_MAIN_*.toc")
    with pytest.raises(IndexUnavailable, match="fazhi-index update"):
        open_readable(indexed)


def test_a_schema_version_change_rebuilds_beside_the_live_index(archive, indexed):
    meta_path = indexed / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta["schema_version"] += 1000
    _replace(indexed, META_FILE, json.dumps(meta).encode())
    assert not is_current(indexed)
    seen = []  # what a reader gets after each file of the rebuild (committed every 2 files)

    summary = update_index(
        archive, indexed, batch_files=2, progress=lambda *_: seen.append(len(report_files(indexed)))
    )

    assert seen == [5] * 5  # the last good copy: the rebuild is written beside the live index
    assert summary.rebuilt and sorted(summary.added) == sorted(s.name for s in SAMPLES)
    assert summary.unchanged == 0 and summary.updated == []
    assert is_current(indexed) and is_current(last_good_dir(indexed))
    assert report_files(indexed) == Counter(sample.name for sample in SAMPLES)
    assert open_readable(indexed)[2] == indexed
    leftovers = [".rebuild", ".retired", ".last-good.new", ".last-good.old"]
    assert not [suffix for suffix in leftovers if indexed.with_name(indexed.name + suffix).exists()]


def test_a_missing_archive_folder_is_named(tmp_path, index_dir):
    missing = tmp_path / "no-such-archive"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        update_index(missing, index_dir)


def test_searches_see_the_old_archive_until_the_commit_then_the_new(archive, indexed):
    from indexer.search import SearchRequest, search

    archive_index = ArchiveIndex(indexed)
    seen_during = []

    def count(term: str) -> tuple[int, int]:
        results = search(archive_index, SearchRequest(f'"{term}"'))
        return results.total_reports, results.total_passages

    try:
        before = count("小事不出村")
        for town in ("青山镇", "绿水镇", "红岩镇"):
            (archive / f"{town}.txt").write_text(report_text(town, extra="小事不出村。"), "utf-8")
        update_index(archive, indexed, progress=lambda *_: seen_during.append(count("青山镇")))
        assert set(seen_during) == {(0, 0)}  # nothing committed yet: the old generation
        assert count("青山镇") == (1, 4)  # title, opening, （一）, the plans paragraph
        assert count("小事不出村") == (before[0] + 3, before[1] + 3)
    finally:
        archive_index.close()


def test_an_entry_rebuilt_from_the_stored_record_equals_the_fresh_one(tmp_path):
    """After a killed run the text index is rebuilt from Whoosh's stored records."""
    from indexer.schema import entry_from_document, report_document, report_entry

    for sample in SAMPLES:
        record = build_record(sample)
        assert entry_from_document(report_document(record, "hash")) == report_entry(record)


UPDATE_WITH = """
import sys
from pathlib import Path
from indexer.update import update_index
print(update_index(Path(sys.argv[1]), Path(sys.argv[2])).line())
"""


def test_changed_extraction_rules_read_every_report_again_and_say_so(tmp_path, archive, indexed):
    """A copy of the package whose extraction differs (a new rule: here only a comment)."""
    package = tmp_path / "code" / "indexer"
    shutil.copytree(ROOT / "indexer", package, ignore=shutil.ignore_patterns("__pycache__"))
    rules = package / "extraction" / "metadata.py"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# a new rule\n", encoding="utf-8")

    def run(code_root: Path) -> str:
        done = subprocess.run(
            [sys.executable, "-c", UPDATE_WITH, str(archive), str(indexed)],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(code_root)},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "5 updated" in run(package.parent) and "extraction rules changed" in run(ROOT)
    assert "5 unchanged" in run(ROOT) and "extraction" not in run(ROOT)


def test_the_fingerprint_covers_every_module_extraction_runs():
    from indexer.extraction_version import extraction_modules

    modules = set(extraction_modules())
    extraction = {p.stem for p in (ROOT / "indexer" / "extraction").glob("*.py")} - {"__init__"}
    assert {f"extraction.{name}" for name in extraction} <= modules
    assert {"records", "normalize", "vocabulary"} <= modules
    assert not {"search", "update", "store", "cli", "textindex"} & modules


def test_two_names_for_one_index_share_one_lock(tmp_path, archive, indexed):
    alias = tmp_path / "alias"
    alias.symlink_to(indexed)
    with update_lock(alias), pytest.raises(UpdateInProgress):
        update_index(archive, indexed)


def test_each_update_leaves_its_status_and_failed_files_beside_the_index(archive, indexed):
    from indexer import get_record, read_status

    assert read_status(indexed).reports == 5 and read_status(indexed).failed == []
    (archive / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    update_index(archive, indexed)
    status = read_status(indexed)
    assert status.reports == 5 and status.unchanged == 5
    assert [f.file for f in status.failed] == ["broken.docx"] and status.failed[0].reason
    assert status.finished_at.endswith("+00:00")

    archive_index = ArchiveIndex(indexed)
    try:
        record = get_record(archive_index, SAMPLES[1].name)
        assert record.town == "玉湖镇" and record.sections and record.passages
        assert get_record(archive_index, "broken.docx") is None
    finally:
        archive_index.close()
