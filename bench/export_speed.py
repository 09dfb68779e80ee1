"""How long a comparison and an export take, at their bounds, on a real index.

    python -m bench.export_speed [--index DIR] [--query 法治] [--repeat 3]

opens the index as the web app does (`fazhi-index update` builds it; e.g. one of
`python -m bench.corpus --n 2000 --seed 0 /tmp/corpus`), then times (best of `--repeat`):
the comparison of 存在的不足 for the county with most reports and for the whole archive
(cut at MAX_COMPARED reports), gathering a search's export (`search_export`: up to
MAX_EXPORT_REPORTS reports, MAX_EXPORT_PASSAGES passages) and writing it as .docx, .xlsx
and .csv, with each file's size. A download costs the gathering plus one writer.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from indexer import ArchiveIndex, SearchRequest, archive_reports, default_index_dir
from indexer.compare import CompareRequest, compare
from indexer.export import FORMATS, write
from indexer.export_sources import search_export


def best(repeat: int, run: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=default_index_dir())
    parser.add_argument("--query", default="法治")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    opened = ArchiveIndex(args.index)
    reports = archive_reports(opened)
    county = Counter(r.county for r in reports if r.county).most_common(1)[0][0]
    print(f"index: {args.index} ({len(reports)} reports)")
    for label, request in (
        (f"compare problems, county {county}", CompareRequest("problems", county=county)),
        ("compare problems, whole archive", CompareRequest("problems")),
    ):
        seconds, comparison = best(args.repeat, lambda r=request: compare(opened, r))
        shown = len(comparison.reports)
        print(f"{label}: {seconds * 1000:.0f} ms ({shown} of {comparison.total_reports} reports)")
    request = SearchRequest(query=args.query)
    seconds, export = best(args.repeat, lambda: search_export(opened, request))
    files = len({p.file for p in export.passages})
    print(
        f"gather search {args.query!r}: {seconds * 1000:.0f} ms "
        f"({files} reports, {len(export.passages)} passages)"
    )
    for extension in FORMATS:
        seconds, data = best(args.repeat, lambda e=extension: write(export, e))
        print(f"write .{extension}: {seconds * 1000:.0f} ms, {len(data) / 1024:.0f} KB")
    opened.close()


if __name__ == "__main__":
    main()
