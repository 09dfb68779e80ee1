"""How extraction time grows with one report's size: generated reports of 1 to 50 MB, timed.

A report of tens of megabytes (several years pasted into one file, a log saved as .txt) must
cost seconds, not the half hour it took while parts of extraction were quadratic. The reports
are made of one block repeated: the parts of a real report (measures with inline 一是/二是
enumerations, problems, a plans part whose years must not count), with no title and an opening
without a year, so extraction takes its slowest path: the year read from the whole body.

    python -m bench.large_report [--sizes 1,8,16,50] [--one-line | --corpus]

prints, for each size in MB, the seconds `build_record` took (wall and CPU), megabytes per
CPU second, and the sections and passages found. `--one-line` writes each report as one
line of enumerations (一是…二是…); `--corpus` makes it of the text of 200 generated reports
(`bench.corpus`, each without its first line), repeated: real prose, fewer headings.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench.corpus import generate_corpus
from indexer.extraction.extract import build_record
from indexer.extraction.reading import read_report
from indexer.records import Record

OPENING = "一年来，青山镇坚持以习近平法治思想为指导，全面推进依法治镇，现将有关情况报告如下。"
BLOCK = (
    "一、主要举措和成效",
    "（一）加强组织领导",
    "一是健全制度，2021年青山镇召开专题会议4次。二是落实责任，与各村签订目标责任书。",
    "1、完善议事规则",
    "镇党委定期研究法治建设工作，重大事项集体决策。",
    "二、存在的问题",
    "（一）学法用法不够深入",
    "部分干部运用法治思维解决问题的能力有待提高。",
    "三、2022年工作打算",
    "（一）深化法治宣传",
    "力争2023年底前实现村（社区）法律顾问全覆盖。",
    "（二）规范执法行为",
)
BLOCK_SECTIONS = 10  # 一、 （一） 一是 二是 1、 二、 （一） 三、 （一） （二）
ENUMERATION = "一是加强学习。二是完善制度。三是落实责任。"
YEAR = 2021  # the one year outside the plans part; 2022 and 2023 are plans
TOWN = "青山镇"


def large_report(size: int, one_line: bool = False) -> tuple[str, int]:
    """A report of at least `size` bytes of UTF-8, and how many blocks it holds.

    As one line it is ENUMERATION over and over, as a report saved without its line breaks:
    every 一是/二是/三是 is a heading inside that line.
    """
    if one_line:
        count = -(-size // len(ENUMERATION.encode()))
        return ENUMERATION * count, count
    block = "\n".join(BLOCK)
    count = max(1, -(-(size - len(OPENING.encode())) // len(("\n" + block).encode())))
    return "\n".join([OPENING, *([block] * count)]), count


def corpus_lines(folder: Path) -> list[str]:
    """The lines of 200 generated reports, each report's first (usually its title) left out."""
    lines = []
    for report in generate_corpus(folder, 200):
        lines += [line.text for line in read_report(report.path).lines[1:] if line.text]
    return lines


def repeated(lines: list[str], size: int) -> str:
    """`lines` over and over, up to the first line ending at `size` bytes of UTF-8 or more."""
    taken, total = [], 0
    while total < size:
        line = lines[len(taken) % len(lines)]
        taken.append(line)
        total += len(line.encode()) + 1
    return "\n".join(taken)


def time_extraction(path: Path) -> tuple[float, float, Record]:
    """(wall seconds, CPU seconds, record) of one `build_record`."""
    wall, cpu = time.perf_counter(), time.process_time()
    record = build_record(path)
    return time.perf_counter() - wall, time.process_time() - cpu, record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,8,16,50", help="report sizes in MB (10^6 bytes)")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--one-line", action="store_true", help="each report is one line")
    kind.add_argument("--corpus", action="store_true", help="generated reports' text, repeated")
    args = parser.parse_args(argv)
    print(f"{'MB':>5} {'wall s':>8} {'CPU s':>8} {'MB/CPU s':>9} {'sections':>9} {'passages':>9}")
    with tempfile.TemporaryDirectory() as folder:
        lines = corpus_lines(Path(folder) / "corpus") if args.corpus else []
        for size in (int(float(s) * 1e6) for s in args.sizes.split(",")):
            path = Path(folder) / f"report-{size}.txt"
            if args.corpus:
                text = repeated(lines, size)
            else:
                text = large_report(size, args.one_line)[0]
            path.write_text(text, encoding="utf-8")
            wall, cpu, record = time_extraction(path)
            megabytes = path.stat().st_size / 1e6
            print(
                f"{megabytes:5.1f} {wall:8.2f} {cpu:8.2f} {megabytes / cpu:9.1f} "
                f"{len(record.sections):9d} {len(record.passages):9d}"
            )
            path.unlink()


if __name__ == "__main__":
    main()
