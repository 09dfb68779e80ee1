"""The text index in segments searches exactly as one index would (issue 9).

A seeded random sequence of adds, changes and deletes is applied to a small archive; the
index is updated after each step with small batches and a small segment cap (so every step
writes segments, deletes from older ones and the policy merges), sometimes optimized. After
every step each query of a mix must equal the same archive indexed from scratch into one
segment (the whole JSON result: reports, passages, scores, facets, tiers, highlights, order)
and, for phrases, a scan of the archive's passages as it then is.
"""

from __future__ import annotations

import random
import shutil
from pathlib import Path

from click.testing import CliRunner

from indexer import merge
from indexer.cli import main
from indexer.extraction.extract import build_record
from indexer.normalize import normalize
from indexer.search import SearchRequest, search
from indexer.store import ArchiveIndex, open_readable
from indexer.textindex import read_generation
from indexer.update import optimize_index, update_index

TOWNS = ["青山镇", "石门乡", "龙泉镇", "白沙镇", "桃源乡", "清溪镇"]
WORDS = [
    "加强普法宣传",
    "推进依法行政",
    "开展禁毒宣传活动",
    "做好信访工作",
    "化解上访矛盾",
    "深化法治建设",
    "完善基层治理",
    "办理行政复议案件",
    "发挥人民调解作用",
    "聘请村法律顾问",
    "规范行政执法行为",
    "落实法治政府建设责任",
    "法治宣传进村入户",
    "普法责任制落实不够",
]
PHRASES = ["依法行政", "普法宣传", "人民调解", "禁毒", "法律顾问", "执法", "法", "治"]
QUERIES = [
    SearchRequest("法"),
    SearchRequest("普法"),
    SearchRequest("法治建设"),
    SearchRequest('"依法行政"'),
    SearchRequest("信访 OR 上访"),
    SearchRequest("普法 -禁毒"),
    SearchRequest("如何加强基层普法宣传"),
    SearchRequest("", town="青山"),
    SearchRequest("法治", year_from=2020, year_to=2022),
    SearchRequest("宣传", sort="year"),
    SearchRequest("宣传", section="problems"),
    SearchRequest("宣传", section="下一步工作"),  # words of a heading
    SearchRequest("修订"),
    SearchRequest("人民条解"),  # found nowhere: the nearest form is searched instead
]


def report_text(rng: random.Random, town: str, year: int, extra: str = "") -> str:
    def sentence() -> str:
        return "，".join(rng.sample(WORDS, rng.randint(1, 3))) + "。"

    lines = [
        f"{town}{year}年法治政府建设情况报告",
        "一、主要做法",
        *(sentence() for _ in range(rng.randint(1, 3))),
        "二、存在问题",
        sentence(),
        "三、下一步工作计划",
        sentence() + extra,
    ]
    return "\n".join(lines) + "\n"


def results(index_dir: Path, request: SearchRequest) -> dict:
    archive_index = ArchiveIndex(index_dir)
    try:
        wide = SearchRequest(**{**request.__dict__, "limit": 100, "passages_per_report": 1000})
        return search(archive_index, wide).to_json()
    finally:
        archive_index.close()


def segments_of(index_dir: Path) -> int:
    opened, _, _ = open_readable(index_dir)
    return len(read_generation(index_dir, opened.latest_generation()))


def passages(archive: Path) -> list[tuple[str, int, str]]:
    """Every passage of the archive as it is: (file, position, normalized text)."""
    return [
        (record.file, position, normalize(passage.text))
        for record in (build_record(path, archive) for path in sorted(archive.iterdir()))
        for position, passage in enumerate(record.passages)
    ]


def assert_same_as_from_scratch(archive: Path, index_dir: Path, fresh: Path) -> None:
    shutil.rmtree(fresh, ignore_errors=True)
    big = merge.MAX_SEGMENT_BYTES
    merge.MAX_SEGMENT_BYTES = 1 << 30  # one segment, whatever the test's cap
    try:
        update_index(archive, fresh, batch_files=100_000)
    finally:
        merge.MAX_SEGMENT_BYTES = big
    assert segments_of(fresh) == 1
    for request in QUERIES:
        assert results(index_dir, request) == results(fresh, request), request
    scanned = passages(archive)
    for phrase in PHRASES:
        found = results(index_dir, SearchRequest(f'"{phrase}"'))
        shown = {(r["file"], p["position"]) for r in found["results"] for p in r["passages"]}
        assert shown == {(file, at) for file, at, text in scanned if phrase in text}, phrase
        assert found["total_passages"] == len(shown)


def test_random_adds_changes_and_deletes_search_as_one_segment(tmp_path, monkeypatch):
    monkeypatch.setattr(merge, "MAX_SEGMENT_BYTES", 3_000)  # a few reports per segment
    rng = random.Random(9)
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    serial = 0

    def add() -> None:
        nonlocal serial
        serial += 1
        town, year = rng.choice(TOWNS), rng.randint(2018, 2023)
        name = f"r{serial:03d}_{town}_{year}.txt"
        (archive / name).write_text(report_text(rng, town, year), encoding="utf-8")

    for _ in range(8):
        add()
    most_segments = 0
    for step in range(12):
        files = sorted(archive.iterdir())
        for path in rng.sample(files, min(len(files), rng.randint(0, 3))):
            town, year = path.stem.split("_")[1], int(path.stem.split("_")[2])
            marker = f"第{step}次修订" if rng.random() < 0.5 else ""
            path.write_text(report_text(rng, town, year, marker), encoding="utf-8")
        for path in rng.sample(files, min(len(files) - 3, rng.randint(0, 2))):
            path.unlink()
        for _ in range(rng.randint(0, 3) if len(files) < 12 else 0):  # fewer files than
            add()  # the updater reads in worker processes: a pool costs seconds
        summary = update_index(archive, index_dir, batch_files=rng.randint(1, 3))
        assert not summary.failed
        if step % 5 == 4:
            optimize_index(index_dir)
            assert segments_of(index_dir) <= 3  # the cap keeps a few
        most_segments = max(most_segments, segments_of(index_dir))
        assert_same_as_from_scratch(archive, index_dir, tmp_path / "fresh")
    assert most_segments >= 4  # the test did search over several segments


def test_optimize_merges_to_one_segment_and_changes_no_result(tmp_path, monkeypatch):
    rng = random.Random(4)
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    archive.mkdir()
    for serial in range(6):
        town = TOWNS[serial % len(TOWNS)]
        text = report_text(rng, town, 2020 + serial % 3)
        (archive / f"r{serial}.txt").write_text(text, encoding="utf-8")
        update_index(archive, index_dir)  # one segment per update
    (archive / "r0.txt").unlink()
    update_index(archive, index_dir)
    assert segments_of(index_dir) > 1
    before = [results(index_dir, request) for request in QUERIES]

    printed = CliRunner().invoke(main, ["optimize", "--index", str(index_dir)])

    assert printed.exit_code == 0, printed.output
    assert segments_of(index_dir) == 1
    assert printed.output.startswith("merged ") and " 1 after: " in printed.output
    assert [results(index_dir, request) for request in QUERIES] == before
    assert optimize_index(index_dir) == ["1 segment(s): nothing to merge"]
    assert len(list(index_dir.glob("seg-*"))) == 1


def test_optimize_without_an_index_says_which_command_builds_it(tmp_path):
    printed = CliRunner().invoke(main, ["optimize", "--index", str(tmp_path / "none")])
    assert printed.exit_code == 1
    assert "fazhi-index update --index" in printed.output
