"""Reports of many megabytes: extracted right, in time linear in their length (issue 14, row 7).

Time is compared between two sizes of the same generated report, in CPU seconds of this
process, with a generous bound: four times the text may cost up to seven times the time
(linear work gives four, quadratic sixteen). No absolute time is asserted; the figures for
1 to 50 MB come from `python -m bench.large_report`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.large_report import BLOCK, BLOCK_SECTIONS, TOWN, YEAR, large_report, time_extraction

MAX_RATIO = 7.0


def _write(folder: Path, megabytes: float, one_line: bool = False) -> tuple[Path, int]:
    text, blocks = large_report(int(megabytes * 1_000_000), one_line)
    path = folder / f"{megabytes}MB{'-one-line' if one_line else ''}.txt"
    path.write_text(text, encoding="utf-8")
    return path, blocks


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_a_16_mb_report_is_extracted_whole_in_time_linear_in_its_length(tmp_path: Path) -> None:
    (small, _), (large, blocks) = (_write(tmp_path, size) for size in (4, 16))
    small_seconds = min(time_extraction(small)[1] for _ in range(2))
    large_seconds, record = time_extraction(large)[1:]
    ratio = large_seconds / small_seconds
    assert ratio < MAX_RATIO, f"4 MB: {small_seconds:.2f} s, 16 MB: {large_seconds:.2f} s"

    assert len(record.sections) == BLOCK_SECTIONS * blocks
    assert len(record.passages) == 1 + len(BLOCK) * blocks  # the opening, then the blocks
    assert (record.year, record.evidence["year"].source) == (YEAR, "body")
    assert (record.town, record.evidence["town"].source) == (TOWN, "opening")
    first, second = record.sections[:BLOCK_SECTIONS], record.sections[BLOCK_SECTIONS:]
    assert [s.level for s in first] == [1, 2, 4, 4, 3, 1, 2, 1, 2, 2]
    # Each ends at the next heading at its level or above: 一、 and （一） at 二、, 一是 at
    # 二是, 二是 at 1、, 1、 at 二、, and so on; the last (二) at the next block's 一、.
    ends = [first[5], first[5], first[3], first[4], first[5], first[7], first[7], second[0]]
    assert [s.end for s in first[:8]] == [s.start for s in ends]
    assert first[-1].end == second[0].start
    assert record.sections[-1].end == len(record.text)
    plans = [s for s in record.sections if "plans" in s.categories]
    assert len(plans) == 3 * blocks  # 三、2022年工作打算 and its two subsections


def test_one_long_line_of_enumerations_is_linear_too(tmp_path: Path) -> None:
    """A report saved without line breaks: every 一是/二是/三是 is a heading in that one line."""
    (small, _), (large, count) = (_write(tmp_path, size, one_line=True) for size in (0.5, 2))
    small_seconds = min(time_extraction(small)[1] for _ in range(2))
    large_seconds, record = time_extraction(large)[1:]
    ratio = large_seconds / small_seconds
    assert ratio < MAX_RATIO, f"0.5 MB: {small_seconds:.2f} s, 2 MB: {large_seconds:.2f} s"
    assert len(record.passages) == 1
    assert len(record.sections) == 3 * count
    assert [s.heading for s in record.sections[:4]] == [
        "一是加强学习。",
        "二是完善制度。",
        "三是落实责任。",
        "一是加强学习。",
    ]
    assert record.sections[1].end == record.sections[2].start
    assert record.sections[-1].end == len(record.text)
