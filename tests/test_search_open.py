"""Opening an index for search (issue 9): what a search process loads and holds.

Section paths are kept per segment, one table after the other (the same path appears in
several segments), and normalized when asked for; the heading filter must still find every
section holding its words, in every segment, with deleted reports among them. A search process
reads Whoosh through open files, which it must close with the index, or when the index is
dropped unclosed.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import numpy as np
import pytest

from indexer.extraction.extract import build_record
from indexer.normalize import normalize
from indexer.search import SearchRequest, search
from indexer.store import ArchiveIndex, open_readable
from indexer.update import update_index
from indexer.vocabulary import SECTION_SEPARATOR

HEADINGS = [
    ("一、主要做法", "二、存在問題", "三、下一步工作計劃"),  # traditional: folded when matched
    ("一、主要做法", "二、存在问题", "三、下一步工作计划"),
    ("一、主要举措和成效", "二、存在的问题和不足", "三、2024年工作打算"),
]
WORDS = ["问题", "工作计划", "存在问题", "主要", "打算", "一、主要做法", "不在任何标题里"]


def write_report(archive: Path, name: str, town: str, headings: tuple[str, ...]) -> None:
    first, second, third = headings
    text = (
        f"{town}2023年法治政府建设情况报告\n{first}\n开展普法宣传，推进依法行政。\n"
        f"{second}\n普法形式单一。\n{third}\n继续加强普法宣传。\n"
    )
    (archive / name).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def segmented(tmp_path_factory) -> tuple[Path, Path]:
    """An archive indexed in four updates (four segments, the second without headings); a
    report of the first is changed and one of the third removed, so those segments have
    deleted reports."""
    root = tmp_path_factory.mktemp("open")
    archive, index = root / "archive", root / "index"
    archive.mkdir()
    for step in range(3):
        for n in range(6):
            headings = HEADINGS[(step + n) % len(HEADINGS)]
            write_report(archive, f"s{step}r{n}.txt", f"青山{step}{n}镇", headings)
        assert not update_index(archive, index).failed
        if step == 0:  # a segment without any heading, between two with headings
            for n in range(2):
                text = f"白沙{n}镇2023年法治政府建设情况报告\n开展普法宣传，推进依法行政。\n"
                (archive / f"plain{n}.txt").write_text(text, encoding="utf-8")
            assert not update_index(archive, index).failed
    write_report(archive, "s0r0.txt", "青山00镇", HEADINGS[2])
    (archive / "s1r1.txt").unlink()
    assert not update_index(archive, index).failed
    return archive, index


def section_paths(archive: Path) -> dict[tuple[str, int], str]:
    """Every passage's section path as the records give it, by (file, position)."""
    paths = {}
    for path in sorted(archive.iterdir()):
        record = build_record(path, archive)
        for position, passage in enumerate(record.passages):
            joined = SECTION_SEPARATOR.join(record.section_path(passage.section))
            paths[(record.file, position)] = joined
    return paths


def test_sections_of_every_segment_are_found_and_normalized(segmented) -> None:
    archive, index = segmented
    _, text, _ = open_readable(index)
    assert len(text.parts) >= 4 and any(p.live_reports is not None for p in text.parts)
    assert not all(p.segment.section_count for p in text.parts[:-1])  # one has no section
    sections = [text.section(i) for i in range(text.section_count)]
    assert len(sections) > len(set(sections))  # a path listed by several segments

    expected = section_paths(archive)
    for report, file in enumerate(text.files):
        first = int(text.report_passage_start[report])
        for passage in range(first, int(text.report_passage_start[report + 1])):
            path = expected[(file, passage - first)]
            section = int(text.passage_section[passage])
            assert (sections[section] if section >= 0 else "") == path
            assert text.normalized_section(section) == normalize(path)

    for words in WORDS:
        ids = text.section_ids_with(normalize(words))
        wanted = [i for i, path in enumerate(sections) if normalize(words) in normalize(path)]
        assert ids.tolist() == wanted, words
        assert ids.dtype == np.int32


def test_heading_filter_shows_what_a_scan_of_the_records_finds(segmented) -> None:
    archive, index = segmented
    paths = section_paths(archive)
    archive_index = ArchiveIndex(index)
    try:
        for words in ["下一步工作計劃", "存在的问题和", "主要做法", "2024年"]:  # not categories
            request = SearchRequest("普法", section=words, limit=100, passages_per_report=100)
            found = search(archive_index, request)
            shown = {(r.file, p.position) for r in found.results for p in r.passages}
            scanned = {
                key
                for key, path in paths.items()
                if normalize(words) in normalize(path)
                and "普法" in normalize(build_passage_text(archive, key))
            }
            assert shown == scanned and scanned, words
    finally:
        archive_index.close()


def build_passage_text(archive: Path, key: tuple[str, int]) -> str:
    file, position = key
    return build_record(archive / file, archive).passages[position].text


def index_files_open(index: Path) -> list[str]:
    """The files of `index` this process holds open."""
    folder = str(index.resolve())
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # closed meanwhile (the listing's own descriptor)
            continue
        if target.startswith(folder + os.sep):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_whoosh_files_are_closed_with_the_index_or_when_it_is_dropped(segmented) -> None:
    _, index = segmented
    gc.collect()  # the updates' maps of Whoosh files (each holds a descriptor) are garbage
    assert index_files_open(index) == []
    archive_index = ArchiveIndex(index)
    assert search(archive_index, SearchRequest("普法")).total_reports
    assert any(name.endswith(".seg") for name in index_files_open(index))
    archive_index.close()
    assert index_files_open(index) == []

    dropped = ArchiveIndex(index)
    assert search(dropped, SearchRequest("普法")).total_reports
    assert index_files_open(index)
    del dropped
    gc.collect()
    assert index_files_open(index) == []
