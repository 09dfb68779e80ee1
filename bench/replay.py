"""Replay a bench run's queries on an index: per-class p50/p95 and the slowest queries.

`python -m bench.replay INDEX RESULT.json [--rounds R] [--times OUT] [--dump OUT] [--extra]`
runs every query of RESULT.json (the `queries` a `python -m bench` run wrote: text, class
and filters) on INDEX, term cache off as the bench times it, R times each, and prints each
class's p50/p95 of the best time per query (wall and CPU ms) and the ten slowest. A change
to search is judged by running this on the old and the new code alternately on one index
(the machine is shared: CPU time and the best of R are what stay comparable). `--times`
writes each query's best times as JSON; `--dump` writes every answer's `to_json()` (the
bench's queries, with `--extra` a few dozen more: operators, synonyms, every filter), one
per line, so two dumps prove a speed change changed no result.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
import numpy as np

from indexer import textindex
from indexer.errors import QueryError
from indexer.search import SearchRequest, search
from indexer.store import ArchiveIndex

EXTRA_QUERIES = (
    "法治建设 问题",
    '"法治建设" 宣传',
    '"依法行政" -信访',
    "普法 -禁毒",
    "信访 OR 上访",
    "信访 OR 上访 调解",
    "扫黑除恶 OR 禁毒 宣传",
    "如何加强基层普法宣传",
    "基层普法宣传活动怎么开展",
    "民主法治示范村",
    "法律顾问 村 调解 排查 培训",
    "法治政府建设存在的问题和明年打算",
    "依法决策 合法性审查 -法律顾问",
    "矫政",
    "扫黑除饿",
    "完全不存在的短语乙丙丁",
    "法",
    "宣传 工作",
)


def extra_requests(index: ArchiveIndex) -> list[SearchRequest]:
    """Requests with every kind of filter, on names and years the index holds."""
    with index.snapshot() as snapshot:
        text = snapshot.text
        town = text.towns[int(np.bincount(text.report_town[text.report_town >= 0]).argmax())]
        county = text.counties[
            int(np.bincount(text.report_county[text.report_county >= 0]).argmax())
        ]
    filters = [
        {"town": town},
        {"county": county},
        {"county": county[:1]},  # a prefix: many counties
        {"year_from": 2018, "year_to": 2019},
        {"year_from": 2021},
        {"section": "problems"},
        {"section": "措施"},  # a category's Chinese alias, or words of a heading
        {"section": "法治宣传"},  # words of a heading
        {"town": town, "section": "measures", "year_to": 2020},
    ]
    requests = [SearchRequest(query=q) for q in EXTRA_QUERIES]
    for chosen in filters:
        requests.append(SearchRequest(query="", **chosen))
        for query in ("法治建设 问题", "信访", '"依法行政" -信访', "普法宣传 法治文化"):
            requests.append(SearchRequest(query=query, **chosen))
    requests.append(SearchRequest(query="宣传", sort="year", offset=20, passages_per_report=5))
    return requests


def _answer(index: ArchiveIndex, request: SearchRequest) -> dict:
    try:
        return search(index, request).to_json()
    except QueryError as error:
        return {"error": str(error)}


@click.command()
@click.argument("index_dir", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.argument("result", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--rounds", default=3, show_default=True, help="times each query runs; best kept")
@click.option("--times", "times_out", type=click.Path(path_type=Path), help="write the times")
@click.option("--dump", type=click.Path(path_type=Path), help="write every answer's JSON")
@click.option("--extra", is_flag=True, help="with --dump: also the extra requests")
def main(
    index_dir: Path, result: Path, rounds: int, times_out: Path | None, dump: Path | None,
    extra: bool,
) -> None:
    textindex.TERM_CACHE_IDS = 0  # as the bench times searches
    queries = json.loads(result.read_text(encoding="utf-8"))["queries"]
    index = ArchiveIndex(index_dir)
    requests = [SearchRequest(query=q["text"], limit=10, **q["filters"]) for q in queries]
    _answer(index, SearchRequest(query="法"))  # opening the index is not a query's time
    best = [(float("inf"), float("inf"))] * len(requests)
    for _ in range(rounds):
        for at, request in enumerate(requests):
            wall, cpu = time.perf_counter(), time.process_time()
            _answer(index, request)
            took = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
            best[at] = (min(best[at][0], took[0]), min(best[at][1], took[1]))
    print(f"{len(requests)} queries, best of {rounds}, ms: class  n  wall p50/p95  cpu p50/p95")
    for kind in dict.fromkeys(q["class"] for q in queries):
        chosen = [best[i] for i, q in enumerate(queries) if q["class"] == kind]
        wall, cpu = np.array([b[0] for b in chosen]), np.array([b[1] for b in chosen])
        print(
            f"  {kind:9} {len(chosen):3}  {np.percentile(wall, 50):6.0f} "
            f"{np.percentile(wall, 95):6.0f}  {np.percentile(cpu, 50):6.0f} "
            f"{np.percentile(cpu, 95):6.0f}"
        )
    walls = np.array([b[0] for b in best])
    p50, p95 = np.percentile(walls, 50), np.percentile(walls, 95)
    print(f"  all       {len(best):3}  {p50:6.0f} {p95:6.0f}")
    print("slowest (wall ms):")
    for at in np.argsort(-walls, kind="stable")[:10]:
        filters = (f"{k}={v}" for k, v in queries[at]["filters"].items())
        label = " ".join([queries[at]["text"], *filters])
        print(f"  {walls[at]:6.0f}  {label}")
    if times_out:
        times = [{"text": q["text"], "class": q["class"], "filters": q["filters"],
                  "wall_ms": b[0], "cpu_ms": b[1]} for q, b in zip(queries, best, strict=True)]
        times_out.write_text(json.dumps(times, ensure_ascii=False), encoding="utf-8")
    if dump:
        if extra:
            requests += extra_requests(index)
        with open(dump, "w", encoding="utf-8") as out:
            for request in requests:
                line = {"request": request.__dict__, "answer": _answer(index, request)}
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
        print(f"{len(requests)} answers written to {dump}")
    index.close()


if __name__ == "__main__":
    main()
