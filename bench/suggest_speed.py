"""How long “did you mean” takes: `nearest_phrases` for words that occur nowhere, timed.

A search that finds nothing asks for suggestions before it answers, so they must cost about
what a search costs. The words are typos of the field's terms (a character replaced, missing,
added, two swapped), run-together phrases of which only parts occur, and one word whose
characters the archive hardly holds.

    python -m bench.suggest_speed [--index DIR] [--words FILE] [--limit 5] [--repeat 3]

opens the index as the web app does (`fazhi-index update` builds it; the README measures a
10,000-report index of `python -m bench.corpus --n 10000 --seed 0`), loads the segmenter, then
times each word `--repeat` times in a row (its first call, when none of its pairs' postings
has been read from disk yet, and the best of the others) and prints each word's suggestions,
then p50 / p95 / max over the words. A word of `--words FILE` (one a line, `#` comments) that
does occur is reported, since suggestions are for words found nowhere.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from indexer.analysis import segmenter
from indexer.normalize import normalize
from indexer.store import default_index_dir, open_readable
from indexer.suggest import nearest_phrases

# Typos of terms the generated corpus holds, with the kind of slip each is.
WORDS = [
    "普发宣传",  # replaced: 普法宣传
    "法律顾门",
    "依法行证",
    "矛盾纠份",
    "扫黑除饿",
    "法治宣传教肓",
    "领导小祖",
    "学法用发",
    "谁执法谁普发",
    "合法性审察",
    "法律顾问员",  # a character added
    "宪法宣传周活",
    "法律明人",  # a character missing
    "宪法宣周",
    "扫黑恶",
    "依行法政",  # two swapped
    "基层普法宣传教育活动月",  # run together: only parts occur
    "干部职工法治宣传教育培训班",
    "重大行政决策合法性审查制度建设",
    "量子计算",  # hardly anything in common
]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=default_index_dir())
    parser.add_argument("--words", type=Path, help="one word a line instead of the built-in 20")
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    words = WORDS if args.words is None else read_words(args.words)

    whoosh, text, _ = open_readable(args.index)
    segmenter()  # loaded once per process, by the first query, not by suggestions
    print(f"{args.index}: {len(text.files):,} reports, {text.passage_count:,} passages")
    first, best = [], []
    for word in words:
        if len(text.containing(normalize(word), None)):
            print(f"{word}: occurs in the archive, not a word for suggestions")
        times = []
        for _ in range(max(args.repeat, 1)):
            start = time.perf_counter()
            suggestions = nearest_phrases(text, word, args.limit)
            times.append((time.perf_counter() - start) * 1000)
        first.append(times[0])
        best.append(min(times[1:] or times))
        print(f"{word}\t{times[0]:6.1f} ms  {best[-1]:6.1f} ms\t{' '.join(suggestions) or '–'}")
    whoosh.close()
    for label, values in (("first call", first), ("best of the rest", best)):
        print(
            f"{label}: p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 95):.1f} ms,"
            f" max {max(values):.1f} ms over {len(values)} words"
        )


def read_words(path: Path) -> list[str]:
    lines = (line.split("#", 1)[0].strip() for line in path.read_text("utf-8").splitlines())
    return [line for line in lines if line]


def percentile(values: list[float], percent: float) -> float:
    """The nearest-rank percentile: a value that was measured."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * percent // 100) - 1)]


if __name__ == "__main__":
    main()
