"""How long one town across years takes: `town_view`, the page and its JSON, timed.

    python -m bench.town_speed [--index DIR] [--towns 20] [--repeat 3]

opens the index as the web app does (`fazhi-index update` builds it; the README measures
the 10,000 reports of `python -m bench.corpus --n 10000 --seed 0`), takes the `--towns`
towns with the most reports (each with its county), and times for each, `--repeat` times in
a row (the best kept): `town_view` (find the town, read its records, split, diff, check
every year's plans), then `/town/<name>` and `/api/town/<name>` through Flask's test
client; `first` is the town's first `town_view`, before its sentences' words are cached.
Prints each town's figures, then p50 / p95 / max; and once, an unknown name (its nearest
towns are looked for among all names).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from indexer import ArchiveIndex, archive_reports
from indexer.analysis import segmenter
from indexer.store import default_index_dir
from indexer.timeline import TownNotFound, town_view


def best_ms(repeat: int, run, *args) -> float:
    times = []
    for _ in range(max(repeat, 1)):
        start = time.perf_counter()
        run(*args)
        times.append((time.perf_counter() - start) * 1000)
    return min(times)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=default_index_dir())
    parser.add_argument("--towns", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from web import create_app

    archive_index = ArchiveIndex(args.index)
    reports = archive_reports(archive_index)
    segmenter()  # loaded once per process
    towns = Counter((r.town, r.county) for r in reports if r.town)
    client = create_app({"INDEX_DIR": args.index, "TESTING": True}).test_client()
    print(f"{args.index}: {len(reports):,} reports, {len(towns):,} towns")
    figures: dict[str, list[float]] = {"first": [], "town_view": [], "page": [], "api": []}
    for (town, county), count in towns.most_common(args.towns):
        query = f"?county={quote(county)}" if county else ""
        start = time.perf_counter()
        view = town_view(archive_index, town, county)
        cold = (time.perf_counter() - start) * 1000
        sentences = sum(e.sentences for e in view.reports)
        row = {
            "first": cold,
            "town_view": best_ms(args.repeat, town_view, archive_index, town, county),
            "page": best_ms(args.repeat, client.get, f"/town/{quote(town)}{query}"),
            "api": best_ms(args.repeat, client.get, f"/api/town/{quote(town)}{query}"),
        }
        for name, value in row.items():
            figures[name].append(value)
        cells = "  ".join(f"{name} {value:7.1f} ms" for name, value in row.items())
        print(f"{town} ({county or '?'}): {count} reports, {sentences} sentences  {cells}")
    for name, values in figures.items():
        values.sort()
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        print(
            f"{name}: p50 {statistics.median(values):.1f} ms, p95 {p95:.1f} ms, "
            f"max {values[-1]:.1f} ms"
        )

    def unknown() -> None:
        try:
            town_view(archive_index, "不存在的镇名字")
        except TownNotFound:
            pass

    print(f"unknown town (nearest names): {best_ms(args.repeat, unknown):.1f} ms")
    archive_index.close()


if __name__ == "__main__":
    main()
