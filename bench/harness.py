"""Run the benchmark: corpus, builds, query runs, comparison; returns one dict of figures.

Every build and every query run happens in its own spawned process, so the peak RSS each
reports (`ru_maxrss`, kB on Linux) is that system's alone. The product is driven through its
public API only: `update_index`, `ArchiveIndex` and `search` (limit 10, the default three
passages per report). The baselines read the same reports through `build_record`, once, in an
"extraction" step timed on its own, and answer the same queries (see baselines.py).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import pickle
import platform
import random
import resource
import shutil
import sqlite3
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from .baselines import Report
from .queries import CLASSES, Query, build_mix, read_query_file

REFERENCE = "scan"
MODIFIED_SHARE = 0.01
APPENDED = "另查：本镇依法行政工作台账已补充归档，相关材料随本报告一并报送。"
MAX_LISTED_DIFFERENCES = 20


@dataclass
class Config:
    n: int = 1000
    seed: int = 0
    workdir: Path = Path("var/bench")
    queries_file: Path | None = None
    mix: int = 100  # generated queries, about
    repeat: int = 3  # timed runs per query (after one warm-up run); the median counts
    skip: tuple[str, ...] = ()  # baselines not to run ("fts5", "fts5+like"), e.g. at 100,000
    log: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr))


# ---------------------------------------------------------------------------------------------
# Processes and resources


def in_child(function: Callable, *args):
    """Run `function(*args)` in a fresh spawned process and return its result."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def _peaks() -> dict:
    """Peak RSS of this process and of its largest finished child (worker pools), in kB.

    `ru_maxrss` of a spawned process starts at its parent's peak when the parent is bigger
    (Linux keeps the high-water mark across vfork + exec), so the figure is the high-water
    mark of this process's own memory, VmHWM, where /proc has it; `ru_maxrss` is kept too.
    """
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "peak_rss_kb": _status_kb("VmHWM") or own,
        "ru_maxrss_kb": own,
        "children_peak_rss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }


def _status_kb(name: str) -> int | None:
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith(name + ":"):
            return int(line.split()[1])
    return None


def _rss_kb() -> int | None:
    """The current RSS (e.g. after imports, before any data is loaded)."""
    return _status_kb("VmRSS")


def unique_bytes(*folders: Path) -> int:
    """Bytes of the files below `folders`, a hard-linked file counted once."""
    seen: dict[tuple[int, int], int] = {}
    for folder in folders:
        if folder.is_dir():
            for path in folder.rglob("*"):
                if path.is_file():
                    info = path.stat()
                    seen[(info.st_dev, info.st_ino)] = info.st_size
    return sum(seen.values())


def percentile(values: list[float], share: float) -> float | None:
    """Linear interpolation between the closest ranks; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(milliseconds: list[float]) -> dict:
    return {
        "p50_ms": percentile(milliseconds, 0.5),
        "p95_ms": percentile(milliseconds, 0.95),
        "max_ms": max(milliseconds) if milliseconds else None,
        "queries": len(milliseconds),
    }


# ---------------------------------------------------------------------------------------------
# The corpus, cached in the work dir


def _corpus_marker(n: int, seed: int) -> dict:
    generator = Path(__file__).with_name("corpus.py").read_bytes()
    return {"n": n, "seed": seed, "generator": hashlib.sha256(generator).hexdigest()[:16]}


def prepare_corpus(workdir: Path, n: int, seed: int, log) -> dict:
    from .corpus import generate_corpus

    archive, marker = workdir / "archive", workdir / "corpus.json"
    wanted = _corpus_marker(n, seed)
    cached = archive.is_dir() and marker.is_file() and json.loads(marker.read_text()) == wanted
    started = time.perf_counter()
    if not cached:
        log(f"generating {n} reports (seed {seed}) in {archive}")
        marker.unlink(missing_ok=True)
        shutil.rmtree(archive, ignore_errors=True)
        generate_corpus(archive, n, seed)
        marker.write_text(json.dumps(wanted))
    else:
        log(f"reusing the corpus in {archive}")
    files = sorted(p for p in archive.rglob("*") if p.suffix in (".txt", ".docx"))
    return {
        "cached": cached,
        "seconds": time.perf_counter() - started,
        "files": len(files),
        "docx": sum(p.suffix == ".docx" for p in files),
        "bytes": sum(p.stat().st_size for p in files),
    }


def modify_files(archive: Path, n: int, seed: int) -> dict[Path, bytes]:
    """Append a sentence to 1% of the UTF-8 .txt files; returns their original bytes."""
    eligible = []
    for path in sorted(archive.rglob("*.txt")):
        data = path.read_bytes()
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        eligible.append((path, data))
    count = min(len(eligible), max(1, round(n * MODIFIED_SHARE)))
    chosen = sorted(random.Random(f"bench-modify/{seed}").sample(eligible, count))
    for path, data in chosen:
        newline = b"\r\n" if b"\r\n" in data else b"\n"
        ending = b"" if data.endswith(newline) else newline
        path.write_bytes(data + ending + APPENDED.encode() + newline)
    return dict(chosen)


# ---------------------------------------------------------------------------------------------
# Child processes: extraction, the product, the baselines


def extract_reports(archive: Path, out: Path) -> dict:
    """Every report through `build_record`, normalized; pickled for the baselines."""
    from indexer.errors import ReportReadError
    from indexer.extraction.extract import build_record
    from indexer.normalize import normalize
    from indexer.vocabulary import CATEGORY_BITS

    started = time.perf_counter()
    reports, failed = [], []
    for path in sorted(p for p in archive.rglob("*") if p.suffix in (".txt", ".docx")):
        try:
            record = build_record(path, archive)
        except ReportReadError as error:
            failed.append([path.name, error.reason])
            continue
        reports.append(
            Report(
                file=record.file,
                town=normalize(record.town) if record.town else None,
                county=normalize(record.county) if record.county else None,
                year=record.year,
                passages=[normalize(p.text) for p in record.passages],
                cats=[
                    sum(CATEGORY_BITS[c] for c in record.section_categories(p.section))
                    for p in record.passages
                ],
            )
        )
    seconds = time.perf_counter() - started
    out.write_bytes(pickle.dumps(reports, protocol=pickle.HIGHEST_PROTOCOL))
    return {"seconds": seconds, "reports": len(reports), "failed": failed, **_peaks()}


def _extraction_key(workdir: Path) -> dict:
    """What the pickled reports depend on: the corpus, the extraction rules, normalization and
    the code that pickles them."""
    import inspect

    from indexer.extraction_version import extraction_fingerprint
    from indexer.normalize import fingerprint

    code = inspect.getsource(extract_reports) + Path(__file__).with_name("baselines.py").read_text()
    return {
        "corpus": json.loads((workdir / "corpus.json").read_text()),
        "extraction": extraction_fingerprint(),
        "normalize": fingerprint(),
        "code": hashlib.sha256(code.encode()).hexdigest()[:16],
    }


def extracted_reports(workdir: Path, log) -> dict:
    """Extract the reports for the baselines, or reuse the pickle of an earlier run whose key
    (reports.json) still matches: at 300,000 reports extraction alone takes about 20 minutes."""
    reports_file, sidecar = workdir / "reports.pickle", workdir / "reports.json"
    key = _extraction_key(workdir)
    if reports_file.is_file() and sidecar.is_file():
        earlier = json.loads(sidecar.read_text())
        if earlier["key"] == key:
            log("reusing the reports extracted by an earlier run (reports.json)")
            return {**earlier["extraction"], "reused": True}
    log("extracting every report with build_record (for the baselines)")
    sidecar.unlink(missing_ok=True)
    extraction = in_child(extract_reports, workdir / "archive", reports_file)
    sidecar.write_text(json.dumps({"key": key, "extraction": extraction}))
    return {**extraction, "reused": False}


def product_update(archive: Path, index_dir: Path, fresh: bool) -> dict:
    from indexer.update import update_index

    if fresh:  # the index and everything beside it (the last good copy is a link to a copy)
        for target in index_dir.parent.glob(index_dir.name + "*"):
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink(missing_ok=True)
    with _MemorySampler() as sampled:
        started = time.perf_counter()
        summary = update_index(archive, index_dir)
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "summary": summary.line(),
        "failed": summary.failed,
        **_peaks(),
        "own_peak_rss_kb": sampled.own_peak_kb or None,
        "file_peak_rss_kb": sampled.file_peak_kb or None,
    }


class _MemorySampler:
    """The most private (RssAnon) and file-backed (RssFile) memory seen in this process, read
    from /proc/self/status every `interval` s by a daemon thread.

    VmHWM counts the pages of mapped segment files a merge or a copy reads (the kernel drops
    them when memory is short, and other processes share them); the build's own peak is
    what must fit in RAM. Each maximum is of its own series: they need not coincide."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.own_peak_kb = 0
        self.file_peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _MemorySampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        self.own_peak_kb = max(self.own_peak_kb, _status_kb("RssAnon") or 0)
        self.file_peak_kb = max(self.file_peak_kb, _status_kb("RssFile") or 0)


def _run_queries(answer: Callable[[Query], dict], queries: list[Query], repeat: int) -> dict:
    """One warm-up run per query (its answer is kept), then `repeat` timed runs each; the
    process's own memory is sampled after each warm-up run (outside the timing)."""
    answers = []
    own_peak = 0
    for query in queries:
        started = time.perf_counter()
        answers.append(answer(query))
        answers[-1]["warmup_ms"] = (time.perf_counter() - started) * 1000
        own_peak = max(own_peak, _status_kb("RssAnon") or 0)
    timings: list[list[float]] = [[] for _ in queries]
    for _ in range(repeat):
        for index, query in enumerate(queries):
            started = time.perf_counter()
            answer(query)
            timings[index].append((time.perf_counter() - started) * 1000)
    for result, times in zip(answers, timings, strict=True):
        result["ms"] = statistics.median(times) if times else None
    warmups = [a["warmup_ms"] for a in answers]
    return {
        "first_query_ms": warmups[0] if warmups else None,  # includes opening the index
        "warmup_max_ms": max(warmups, default=None),  # e.g. a dictionary loaded on first use
        "answers": answers,
        "own_peak_kb": own_peak or None,
    }


def _summary(result: dict) -> dict:
    """What is kept of one answer: counts, facet sizes and the top reports' files."""
    top = result.get("top", [])
    return {
        "reports": result["reports"],
        "passages": result["passages"],
        "facet_values": {k: len(v) for k, v in result.get("facets", {}).items()},
        "top": [hit["file"] for hit in top],
        "shown_passages": sum(len(hit["passages"]) for hit in top),
        "warmup_ms": result["warmup_ms"],
        **{k: result[k] for k in ("loose_reports", "searched_instead", "error") if result.get(k)},
    }


def product_search(index_dir: Path, queries: list[Query], repeat: int) -> dict:
    from indexer import textindex
    from indexer.errors import QueryError
    from indexer.search import SearchRequest, search
    from indexer.store import ArchiveIndex

    # Timed runs repeat each query: without this, they would time the product's term cache,
    # not its search (the baselines keep no such cache). The web app keeps it on.
    textindex.TERM_CACHE_IDS = 0
    after_imports = _rss_kb()
    archive_index = ArchiveIndex(index_dir)

    def answer(query: Query) -> dict:
        request = SearchRequest(query=query.text, limit=10, **query.filters())
        try:
            found = search(archive_index, request)
        except QueryError as error:
            return {"reports": None, "passages": None, "error": str(error)}
        top = [
            {"file": hit.file, "passages": [[p.position, p.highlights] for p in hit.passages]}
            for hit in found.results
        ]
        facets = {name: {f.value: f.count for f in values} for name, values in found.facets.items()}
        if found.searched_instead:
            # Nothing held the query as typed, so the product searched a near form and says
            # so: the typed query's own answer, the one the scan gives, is empty.
            return {
                "reports": 0,
                "passages": 0,
                "facets": {},
                "top": [],
                "loose_reports": 0,
                "searched_instead": found.searched_instead,
            }
        # The exact tier (完全匹配) is what the scan finds; tiers 2 and 3 hold the query's
        # words apart or only some of them, which no baseline looks for.
        exact = found.tiers[0] if found.tiers else None
        return {
            "reports": exact.reports if exact else found.total_reports,
            "passages": exact.passages if exact else found.total_passages,
            "facets": facets,
            "top": top,
            "loose_reports": found.total_reports - (exact.reports if exact else 0),
        }

    try:
        ran = _run_queries(answer, queries, repeat)
        return _search_figures(ran, after_imports)  # the memory of a process still serving
    finally:
        archive_index.close()


def _search_figures(ran: dict, after_imports: int | None) -> dict:
    """A search process's figures: its answers, first and warm-up times, memory.

    RSS counts the pages of mapped files (the product's passage text and tables) that the
    page cache shares with every other process reading them; the process's own memory is
    RssAnon: `own_rss_kb` at the end, `own_peak_rss_kb` the most seen after a query.
    """
    own = _status_kb("RssAnon")
    return {
        "first_query_ms": ran["first_query_ms"],
        "warmup_max_ms": ran["warmup_max_ms"],
        "answers": [_summary(a) | {"ms": a["ms"]} for a in ran["answers"]],
        "rss_after_imports_kb": after_imports,
        **_peaks(),
        "own_rss_kb": own,
        "own_peak_rss_kb": max(ran["own_peak_kb"] or 0, own or 0) or None,
        "file_rss_kb": _status_kb("RssFile"),
    }


def fts5_build(reports_file: Path, db: Path) -> dict:
    from .baselines import build_fts5

    reports = pickle.loads(reports_file.read_bytes())
    started = time.perf_counter()
    build_fts5(db, reports)
    return {"seconds": time.perf_counter() - started, **_peaks()}


def baseline_search(system: str, reports_file: Path, db: Path, queries, repeat: int) -> dict:
    from indexer.query import parse_query

    from .baselines import Fts5Index, ScanIndex

    after_imports = _rss_kb()
    figures: dict = {}
    if system == "scan":
        reports = pickle.loads(reports_file.read_bytes())
        started = time.perf_counter()
        engine = ScanIndex(reports)
        figures["build_seconds"] = time.perf_counter() - started
        figures["text_bytes"] = engine.text_bytes()
        del reports
    else:
        engine = Fts5Index(db, like=system == "fts5+like")

    def answer(query: Query) -> dict:
        return engine.search(query, parse_query(query.text))

    try:
        ran = _run_queries(answer, queries, repeat)
        return {**figures, **_search_figures(ran, after_imports)}
    finally:
        if isinstance(engine, Fts5Index):
            engine.close()


# ---------------------------------------------------------------------------------------------
# Comparison


def exact_counts(answer: dict) -> tuple[int, int] | None:
    """(reports, passages) under exact matching (the product's exact tier)."""
    if answer.get("error"):
        return None
    return (answer["reports"], answer["passages"])


def _why(system: str, query: Query, answer: dict) -> str:
    from indexer.query import parse_query

    parsed = parse_query(query.text)
    if answer.get("error"):
        return "error: " + answer["error"]
    if system == "fts5" and any(len(t) < 3 for t in parsed.terms + parsed.excluded):
        return "trigram: a term under 3 characters finds nothing"
    if len(parsed.clauses) > 1 or parsed.excluded:
        return "AND/NOT per passage, not per report" if system != "product" else "?"
    return "?"


def compare(queries: list[Query], answers: dict[str, list[dict]]) -> dict:
    """Per system: queries agreeing with the scan on (total_reports, total_passages)."""
    reference = answers.get(REFERENCE)
    if reference is None:
        return {}
    comparison = {}
    for system, theirs in answers.items():
        if system == REFERENCE:
            continue
        by_class = {kind: {"agree": 0, "differ": 0} for kind in CLASSES}
        differing = []
        for query, ref, answer in zip(queries, reference, theirs, strict=True):
            expected, got = exact_counts(ref), exact_counts(answer)
            same = expected == got
            by_class[query.kind]["agree" if same else "differ"] += 1
            if not same:
                differing.append(
                    {
                        "query": query.label(),
                        "class": query.kind,
                        "scan": expected,
                        system: got,
                        "why": _why(system, query, answer),
                    }
                )
        comparison[system] = {
            "agree": sum(c["agree"] for c in by_class.values()),
            "differ": len(differing),
            "by_class": {k: v for k, v in by_class.items() if v["agree"] or v["differ"]},
            "differing": differing[:MAX_LISTED_DIFFERENCES],
        }
    return comparison


# ---------------------------------------------------------------------------------------------
# The whole run


def run_benchmark(config: Config) -> dict:
    from .baselines import fts5_available

    log = config.log
    workdir = config.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    archive, index_dir = workdir / "archive", workdir / "index"
    reports_file, db = workdir / "reports.pickle", workdir / "fts5.sqlite3"
    unavailable = fts5_available()
    if unavailable:
        log(f"skipping FTS5: {unavailable}")

    corpus = prepare_corpus(workdir, config.n, config.seed, log)
    extraction = extracted_reports(workdir, log)
    reports: list[Report] = pickle.loads(reports_file.read_bytes())
    queries = build_mix(
        [text for r in reports for text in r.passages],
        [r.town for r in reports if r.town],
        [r.year for r in reports if r.year],
        size=config.mix,
        seed=config.seed,
    )
    if config.queries_file:
        queries += read_query_file(config.queries_file)
    corpus["passages"] = sum(len(r.passages) for r in reports)
    corpus["characters"] = sum(len(t) for r in reports for t in r.passages)
    del reports
    log(f"{len(queries)} queries; {corpus['passages']} passages in {extraction['reports']} reports")

    figures: dict[str, dict] = {}
    answers: dict[str, list[dict]] = {}
    figures["product"] = _measure_product(config, archive, index_dir, queries, log)
    answers["product"] = figures["product"]["search"].pop("answers")
    fts5_systems = [s for s in ("fts5", "fts5+like") if s not in config.skip]
    if not unavailable and fts5_systems:
        log("fts5: building")
        build = in_child(fts5_build, reports_file, db)
        size = db.stat().st_size
        for system in fts5_systems:
            log(f"{system}: searching")
            search = in_child(baseline_search, system, reports_file, db, queries, config.repeat)
            answers[system] = search.pop("answers")
            figures[system] = {
                "build": build if system == fts5_systems[0] else {"shared_with": "fts5", **build},
                "index_bytes": size,
                "search": search,
            }
    log("scan: loading the texts and searching")
    search = in_child(baseline_search, "scan", reports_file, db, queries, config.repeat)
    answers["scan"] = search.pop("answers")
    figures["scan"] = {
        "build": {"seconds": search.pop("build_seconds"), "in_search_process": True},
        "index_bytes": None,
        "memory_text_bytes": search.pop("text_bytes"),
        "search": search,
    }
    for system, figure in figures.items():
        figure["latency"] = _latencies(queries, answers[system])
    return {
        "config": {
            "n": config.n,
            "seed": config.seed,
            "mix": config.mix,
            "repeat": config.repeat,
            "skipped": list(config.skip),
            "queries_file": str(config.queries_file) if config.queries_file else None,
            "workdir": str(workdir),
        },
        "machine": {
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "sqlite": sqlite3.sqlite_version,
        },
        "corpus": corpus,
        "extraction": extraction,
        "systems": figures,
        "agreement": compare(queries, answers),
        "queries": [
            {
                "text": q.text,
                "class": q.kind,
                "filters": q.filters(),
                "results": {system: answers[system][i] for system in answers},
            }
            for i, q in enumerate(queries)
        ],
    }


def _measure_product(config: Config, archive: Path, index_dir: Path, queries, log) -> dict:
    log("product: full build")
    full = in_child(product_update, archive, index_dir, True)
    log("product: update with nothing changed")
    noop = in_child(product_update, archive, index_dir, False)
    marker = config.workdir.resolve() / "corpus.json"
    kept = marker.read_bytes()
    marker.unlink()  # a run killed before the files are restored regenerates the corpus
    originals = modify_files(archive, config.n, config.seed)
    try:
        log(f"product: update after changing {len(originals)} files")
        changed = in_child(product_update, archive, index_dir, False)
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
        marker.write_bytes(kept)
    log("product: update restoring them (not part of the figures)")
    restored = in_child(product_update, archive, index_dir, False)
    index_bytes = unique_bytes(index_dir, index_dir.with_name(index_dir.name + ".last-good"))
    log("product: searching")
    search = in_child(product_search, index_dir, queries, config.repeat)
    return {
        "build": full,
        "noop_update": noop,
        "update_1pct": {**changed, "files_changed": len(originals)},
        "restore_update": restored,
        "index_bytes": index_bytes,
        "search": search,
    }


def _latencies(queries: list[Query], answers: list[dict]) -> dict:
    overall = [a["ms"] for a in answers if a["ms"] is not None]
    by_class = {}
    for kind in CLASSES:
        times = [a["ms"] for q, a in zip(queries, answers, strict=True) if q.kind == kind]
        if times:
            by_class[kind] = latency_summary(times)
    return {"all": latency_summary(overall), "by_class": by_class}
