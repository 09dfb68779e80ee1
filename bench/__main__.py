"""`python -m bench`: run the benchmark, print its tables, optionally write the JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .harness import Config, run_benchmark
from .queries import CLASSES

MB = 1024 * 1024


def _f(value, digits: int = 1, scale: float = 1.0) -> str:
    return "-" if value is None else f"{value / scale:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return "  ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _system_row(name: str, figure: dict, agreement: dict, total: int) -> list[str]:
    build = figure["build"]
    latency = figure["latency"]["all"]
    search = figure["search"]
    size = figure.get("index_bytes")
    if size is None and figure.get("memory_text_bytes"):
        size_text = f"({_f(figure['memory_text_bytes'], 1, MB)} mem)"
    else:
        size_text = _f(size, 1, MB)
    build_rss = None if build.get("in_search_process") else build.get("peak_rss_kb")
    children = build.get("children_peak_rss_kb") or 0
    build_rss_text = _f(build_rss, 0, 1024)
    if build_rss is not None and build.get("own_peak_rss_kb"):
        build_rss_text += f" ({_f(build['own_peak_rss_kb'], 0, 1024)} own)"
    if build_rss is not None and children > (build_rss or 0) // 10:
        build_rss_text += f" (+{_f(children, 0, 1024)})"
    agree = agreement.get(name)
    return [
        name,
        ("=fts5" if build.get("shared_with") else _f(build["seconds"], 3)),
        _f(figure.get("noop_update", {}).get("seconds"), 2),
        _f(figure.get("update_1pct", {}).get("seconds"), 2),
        size_text,
        build_rss_text,
        _f(search["peak_rss_kb"], 0, 1024),
        _f(search.get("own_peak_rss_kb"), 0, 1024),
        _f(search["first_query_ms"], 1),
        _f(search["warmup_max_ms"], 1),
        _f(latency["p50_ms"], 2),
        _f(latency["p95_ms"], 2),
        _f(latency["max_ms"], 1),
        "reference" if agree is None else f"{agree['agree']}/{total}",
    ]


def format_report(result: dict) -> str:
    config, corpus, machine = result["config"], result["corpus"], result["machine"]
    extraction, systems, agreement = result["extraction"], result["systems"], result["agreement"]
    total = len(result["queries"])
    out = [
        f"{corpus['files']} reports ({corpus['docx']} .docx, {corpus['passages']} passages, "
        f"{corpus['characters']} characters), seed {config['seed']}; {total} queries, "
        f"median of {config['repeat']} timed runs each after one warm-up",
        f"{machine['cpu_count']} CPUs, Python {machine['python']}, SQLite {machine['sqlite']}",
        f"extraction for the baselines (build_record, one process): "
        f"{_f(extraction['seconds'], 2)} s, peak RSS {_f(extraction['peak_rss_kb'], 0, 1024)} MB"
        + (f", {len(extraction['failed'])} failed" if extraction["failed"] else "")
        + (" (reused from an earlier run)" if extraction.get("reused") else ""),
        "",
        _table(
            [
                "system",
                "build s",
                "no-op s",
                "1% upd s",
                "index MB",
                "build RSS MB",
                "search RSS MB",
                "own MB",
                "1st q ms",
                "cold max ms",
                "p50 ms",
                "p95 ms",
                "max ms",
                "= scan",
            ],
            [_system_row(n, f, agreement, total) for n, f in systems.items()],
        ),
        "",
        "latency by query class, p50 / p95 ms",
    ]
    kinds = [k for k in CLASSES if k in systems["product"]["latency"]["by_class"]]
    rows = []
    for kind in kinds:
        row = [kind, str(systems["product"]["latency"]["by_class"][kind]["queries"])]
        for figure in systems.values():
            by_class = figure["latency"]["by_class"][kind]
            row.append(f"{_f(by_class['p50_ms'], 2)} / {_f(by_class['p95_ms'], 2)}")
        rows.append(row)
    out.append(_table(["class", "queries", *systems], rows))
    out += ["", "queries agreeing with the scan on (total_reports, total_passages)"]
    rows = []
    for kind in kinds:
        row = [kind]
        for name in agreement:
            counts = agreement[name]["by_class"].get(kind, {"agree": 0, "differ": 0})
            row.append(f"{counts['agree']}/{counts['agree'] + counts['differ']}")
        rows.append(row)
    out.append(_table(["class", *agreement], rows))
    loose = sum(1 for q in result["queries"] if q["results"]["product"].get("loose_reports"))
    if loose:
        out.append(
            f"(product: {loose} of the queries also found reports holding the query's words "
            "apart or some of them, tiers 2 and 3; compared by the exact tier)"
        )
    for name, figures in agreement.items():
        if figures["differing"]:
            out += ["", f"{name}: differing queries (first 8 of {figures['differ']})"]
            for item in figures["differing"][:8]:
                out.append(
                    f"  {item['class']:<9} {item['query']}: scan {item['scan']}, "
                    f"{name} {item[name]} ({item['why']})"
                )
    return "\n".join(out)


EXAMPLE = """\b
Example:
  python -m bench --n 1000 --json /tmp/bench1000.json
  python -m bench --n 200 --queries my-queries.txt --workdir /tmp/bench"""


@click.command(epilog=EXAMPLE)
@click.option("--n", default=1000, show_default=True, help="Reports in the generated corpus.")
@click.option("--seed", default=0, show_default=True, help="Seed of the corpus and the queries.")
@click.option(
    "--queries",
    "queries_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Extra queries, one a line (product syntax, no filters), added to the mix.",
)
@click.option(
    "--json",
    "json_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every figure and per-query result to this JSON file.",
)
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/bench"),
    show_default=True,
    help="Where the corpus (reused while n and seed match), indexes and databases go.",
)
@click.option("--mix", default=100, show_default=True, help="Generated queries, about.")
@click.option("--repeat", default=3, show_default=True, help="Timed runs per query.")
@click.option(
    "--skip",
    multiple=True,
    type=click.Choice(["fts5", "fts5+like"]),
    help="A baseline not to run (fts5+like scans every row: hours at 100,000 reports).",
)
def main(n, seed, queries_file, json_file, workdir, mix, repeat, skip) -> None:
    """Benchmark the product against SQLite FTS5 (trigram) and a plain substring scan.

    Generates N reports (bench/corpus.py), indexes them with the product (full build, a
    no-op update, an update after changing 1% of the files) and with each baseline, runs a
    query mix (1- and 2-character words, 4-character terms, 5-10-character phrases,
    multi-word and filtered queries, phrases found nowhere) through each system's full
    search (counts, facets, top-10 reports with highlighted passages), and compares every
    query's (total_reports, total_passages) with the scan, which implements the README's
    semantics. Builds and searches run in separate processes, so peak RSS is each one's
    own. Tables go to stdout, progress to stderr.
    """
    config = Config(
        n=n,
        seed=seed,
        workdir=workdir,
        queries_file=queries_file,
        mix=mix,
        repeat=repeat,
        skip=tuple(skip),
    )
    result = run_benchmark(config)
    click.echo(format_report(result))
    if json_file:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
        click.echo(f"wrote {json_file}", err=True)


if __name__ == "__main__":
    main()
