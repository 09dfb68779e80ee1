"""`python -m bench.relevance [--per-query] [--show ID] [--record today]`: search quality.

Builds the evaluation archive under --workdir (rebuilt every run): `real/` the 40 real report
openings (--real, default ../shared/corpus/real beside the repository), `samples/` the five
samples of archive/, `generated/` generate_corpus(n=300, seed=12); indexes it with the product;
grades every passage for every judged query; prints the measures of three systems:
`today` (the recorded run in bench/data/relevance/today.json), `bm25` and `product` (this
checkout's indexer.search). A result is a report and the first passage the system shows for
it, its gain that passage's grade. A source (real, samples, generated) is scored on its own
reports: the rankings keep that source's reports, the ideal ranking too, and only queries
with a relevant passage there count.
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
from pathlib import Path

import click

from indexer import ArchiveIndex, update_index
from indexer.vocabulary import CATEGORY_BITS

from .archive import REPO, SEED, SOURCES, build_archive, check_against_index
from .judged import KINDS, Query, judge, load_queries, read_passages
from .metrics import Scores, evaluate, ideal_gains
from .systems import Bm25, load_recorded, product_ranking, record

DEFAULT_REAL = REPO.parent / "shared" / "corpus" / "real"
RECORDED = REPO / "bench" / "data" / "relevance" / "today.json"


def _rows(label: str, scored: dict[str, list[Scores]]) -> list[str]:
    systems = list(scored)
    count = len(scored[systems[0]])
    lines = [f"{label} ({count} queries)"]
    if not count:
        return lines
    for name, value in (
        ("zero-result rate", lambda s: s.results == 0),
        ("precision@5", lambda s: s.precision),
        ("nDCG@10", lambda s: s.ndcg),
    ):
        cells = [f"{statistics.fmean(map(value, scored[system])):8.3f}" for system in systems]
        lines.append(f"  {name:<18}" + "".join(cells))
    return lines


def report(queries: list[Query], grades: dict, rankings: dict, per_query: bool) -> None:
    print(
        "means over queries; a result = a report and the first passage shown for it, its gain "
        "that passage's grade;\na source's lines score its own reports only (the rankings and "
        "the ideal restricted to them)\n"
    )
    print(" " * 20 + "".join(f"{system:>8}" for system in rankings))
    print("\n".join(_rows("all", evaluate(queries, grades, rankings))))
    for source in SOURCES:
        scored = evaluate(queries, grades, rankings, lambda f, s=source: f.startswith(s + "/"))
        print("\n".join(_rows(f"{source} reports", scored)))
    for kind in KINDS:
        chosen = [q for q in queries if q.kind == kind]
        print("\n".join(_rows(f"kind {kind}", evaluate(chosen, grades, rankings))))
    if per_query:
        print(
            "\nper query: judged = reports with a grade ≥ 1 (grade 2); per system: "
            "results, P@5, nDCG@10"
        )
        for query in queries:
            ideal = ideal_gains(grades[query.id])
            cells = []
            for runs in rankings.values():
                s = Scores(runs[query.id], grades[query.id], ideal)
                cells.append(f"{s.results:4d} {s.precision:.1f} {s.ndcg:.2f}")
            judged = f"{len(ideal):3d} ({ideal.count(2):3d})"
            print(f"{query.id:<24} {judged}  " + " | ".join(cells) + f"  {query.text}")


def _snippet(query: Query, text: str) -> str:
    """The passage around the first phrase of the rule it holds (its start when none)."""
    places = [text.find(p) for c in (*query.concepts, *query.partial) for p in c if p in text]
    start = max(min(places, default=0) - 30, 0)
    return text[start : start + 100].replace("\n", " ")


def show(query: Query, grades: dict, rankings: dict, texts: dict) -> None:
    """What a judge reads to check a rule: each system's top five, a sample of the passages
    graded 2 and 1 (seeded), with their grades."""
    print(f"{query.id}: {query.text} ({query.kind}; {query.note})")
    parts = [name for name, bit in CATEGORY_BITS.items() if query.sections & bit]
    print(f"  concepts: {query.concepts}  partial: {query.partial}  sections: {parts}")
    counts = [list(grades.values()).count(g) for g in (2, 1)]
    print(f"  passages graded 2: {counts[0]}, graded 1: {counts[1]}")
    for system, runs in rankings.items():
        print(f"  -- {system} top 5 of {len(runs[query.id])}")
        for hit in runs[query.id][:5]:
            print(f"   [{grades.get(hit, 0)}] {hit[0]}#{hit[1]}: {_snippet(query, texts[hit])}")
    rng = random.Random(query.id)
    for grade, size in ((2, 6), (1, 4)):
        chosen = sorted(hit for hit, g in grades.items() if g == grade)
        print(f"  -- a sample of grade {grade}")
        for hit in rng.sample(chosen, min(size, len(chosen))):
            print(f"   [{grade}] {hit[0]}#{hit[1]}: {_snippet(query, texts[hit])}")


@click.command()
@click.option(
    "--workdir",
    type=click.Path(path_type=Path),
    default=Path("/tmp/relevance-eval"),
    show_default=True,
    help="Where the archive and its index are built.",
)
@click.option(
    "--real",
    type=click.Path(path_type=Path),
    default=DEFAULT_REAL,
    show_default=True,
    help="The folder of the 40 real report openings.",
)
@click.option(
    "--record",
    "record_today",
    is_flag=True,
    help=f"Record this checkout's search as the `today` run ({RECORDED.name}); only at the "
    "commit that `today` stands for.",
)
@click.option("--per-query", is_flag=True, help="Also print a table row per query.")
@click.option(
    "--show", "shown", multiple=True, help="Print what a judge reads for query ID (or all)."
)
def main(workdir: Path, real: Path, record_today: bool, per_query: bool, shown) -> None:
    if not any(real.glob("*.txt")):
        sys.exit(f"{real}: the real reports are missing (no .txt there); give --real DIR")
    queries = load_queries()
    workdir = workdir.resolve()
    archive = build_archive(workdir, real)
    index_dir = workdir / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    summary = update_index(archive, index_dir, full=True)
    passages = read_passages(archive)
    archive_index = ArchiveIndex(index_dir)
    check_against_index(passages, archive_index)
    reports = {p.file for p in passages}
    layout = {s: sum(f.startswith(s + "/") for f in reports) for s in SOURCES}
    fingerprint = {**layout, "seed": SEED, "passages": len(passages)}
    if record_today:
        archive_index.close()
        try:
            record(index_dir, queries, RECORDED, fingerprint)
        except ValueError as error:
            sys.exit(str(error))
        print(f"recorded {len(queries)} queries into {RECORDED}")
        return
    grades = judge(queries, passages)
    try:
        commit, today = load_recorded(RECORDED, queries, fingerprint)
    except (OSError, ValueError) as error:
        sys.exit(f"{error}\nrecord it with: python -m bench.relevance --record")
    bm25 = Bm25(passages)
    try:
        rankings = {
            "today": today,
            "bm25": {q.id: bm25.ranking(q.text) for q in queries},
            "product": {q.id: product_ranking(archive_index, q.text) for q in queries},
        }
    finally:
        bm25.close()
        archive_index.close()
    print(f"archive {workdir / 'archive'}: {summary.line()}")
    graded = [g for by_query in grades.values() for g in by_query.values()]
    print(
        f"{len(queries)} queries; {len(passages)} passages in {len(reports)} reports "
        f"({', '.join(f'{s} {n}' for s, n in layout.items())}), every one judged for every "
        f"query: {graded.count(2)} grades 2, {graded.count(1)} grades 1"
    )
    print(
        f"today = a recorded run of the search of commit {commit} (its indexer/; "
        f"{RECORDED.relative_to(REPO)}); "
        "bm25 = Whoosh BM25F over jieba words per passage; product = this checkout's search"
    )
    if shown:
        texts = {(p.file, p.position): p.text for p in passages}
        for query in queries:
            if query.id in shown or "all" in shown:
                show(query, grades[query.id], rankings, texts)
        return
    report(queries, grades, rankings, per_query)


if __name__ == "__main__":
    main()
