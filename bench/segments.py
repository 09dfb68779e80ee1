"""What segments cost: a segment's postings build memory, and searching several segments.

python -m bench.segments memory --index DIR [--mb 64]
    peak RSS of writing one text segment of about MB of the index's passage text
    (the bound merge.MAX_SEGMENT_BYTES is chosen by), in a fresh process;
python -m bench.segments compare --index DIR --json BENCH.json
    the queries of a `python -m bench --json` run over the index as it is and over a
    copy optimized into the fewest segments (under /tmp): latency (best of 3, term cache
    off) and how many results are identical.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from indexer import textindex
from indexer.search import SearchRequest, search
from indexer.segment import ReportEntry, write_segment
from indexer.store import ArchiveIndex, open_readable
from indexer.update import optimize_index


def memory(index_dir: Path, megabytes: float) -> None:
    _, text, _ = open_readable(index_dir)
    wanted, lines = int(megabytes * 2**20), []
    for part in text.parts:
        lines += (
            part.segment.text[: wanted - sum(map(len, lines))].decode("utf-8", "ignore").split("\n")
        )
        if sum(map(len, lines)) >= wanted:
            break
    entries = [
        ReportEntry(f"r{i:07d}", 2020, "镇", "县", lines[i : i + 16], [1] * 16, ["节"] * 16)
        for i in range(0, len(lines) - 16, 16)
    ]
    size = sum(entry.size for entry in entries) / 2**20
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    began = time.monotonic()
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        write_segment(Path(folder), "0-0", entries)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{size:.1f} MB of text in {len(entries)} entries: written in "
        f"{time.monotonic() - began:.1f} s, peak RSS {peak:.0f} MB "
        f"({peak - before:.0f} MB over the entries loaded)"
    )


def compare(index_dir: Path, bench_json: Path) -> None:
    queries = json.loads(bench_json.read_text(encoding="utf-8"))["queries"]
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        copy = Path(folder) / "index"
        shutil.copytree(index_dir, copy)
        print("\n".join(optimize_index(copy)))
        textindex.TERM_CACHE_IDS = 0
        indexes = {"as it is": ArchiveIndex(index_dir), "optimized": ArchiveIndex(copy)}
        for name, index in indexes.items():
            with index.snapshot() as snapshot:
                print(f"{name}: {len(snapshot.text.parts)} segment(s)")
        times: dict[str, list[float]] = {name: [] for name in indexes}
        same = 0
        for query in queries:
            request = SearchRequest(query["text"], **query["filters"])
            results = {}
            for name, index in indexes.items():
                results[name] = search(index, request).to_json()
                best = float("inf")
                for _ in range(3):
                    began = time.perf_counter()
                    search(index, request)
                    best = min(best, time.perf_counter() - began)
                times[name].append(best * 1000)
            same += results["as it is"] == results["optimized"]
        for name, values in times.items():
            values.sort()
            p95 = values[min(len(values) - 1, round(0.95 * len(values)) - 1)]
            print(
                f"{name}: p50 {statistics.median(values):.1f} ms, p95 {p95:.1f} ms, "
                f"max {values[-1]:.1f} ms"
            )
        print(f"identical results: {same}/{len(queries)}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.segments", description=__doc__)
    parser.add_argument("what", choices=["memory", "compare"])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--mb", type=float, default=64)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.what == "memory":
        memory(args.index, args.mb)
    else:
        compare(args.index, args.json)


if __name__ == "__main__":
    main()
