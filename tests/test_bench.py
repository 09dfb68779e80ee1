"""The benchmark harness end to end on a tiny corpus: figures for every system, and the
product's result counts checked against the substring scan on every query."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.__main__ import format_report
from bench.corpus import generate_corpus
from bench.harness import (
    Config,
    extracted_reports,
    prepare_corpus,
    product_search,
    run_benchmark,
)
from bench.queries import Query
from indexer import update_index


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_benchmark_end_to_end(tmp_path):
    extra = tmp_path / "queries.txt"
    extra.write_text("法治 OR 普法\n依法行政 -禁毒\n\n", encoding="utf-8")
    lines: list[str] = []
    config = Config(
        n=30,
        seed=1,
        workdir=tmp_path / "work",
        queries_file=extra,
        mix=14,
        repeat=1,
        log=lines.append,
    )
    result = run_benchmark(config)
    json.dumps(result, ensure_ascii=False)  # what --json writes
    assert "product" in format_report(result)

    systems = result["systems"]
    assert {"product", "fts5", "fts5+like", "scan"} <= set(systems)
    product = systems["product"]
    for build in (product["build"], product["noop_update"], product["update_1pct"]):
        assert build["seconds"] > 0 and build["peak_rss_kb"] > 0 and not build["failed"]
        # the build's own (anonymous) and file-backed peaks, sampled: each part of VmHWM
        assert 0 < build["own_peak_rss_kb"] < build["peak_rss_kb"]
        assert 0 < build["file_peak_rss_kb"] < build["peak_rss_kb"]
    assert product["update_1pct"]["files_changed"] == 1
    assert "1 updated" in product["update_1pct"]["summary"]
    assert "0 added, 0 updated" in product["noop_update"]["summary"]
    assert product["index_bytes"] > 0 and systems["fts5"]["index_bytes"] > 0
    assert systems["fts5"]["build"]["seconds"] > 0
    assert systems["scan"]["memory_text_bytes"] > 0
    for figure in systems.values():
        search = figure["search"]
        assert search["peak_rss_kb"] > 0
        # its own memory (not the shared page cache of mapped files) is part of the RSS
        assert 0 < search["own_rss_kb"] <= search["own_peak_rss_kb"] < search["peak_rss_kb"]
        assert search["own_rss_kb"] + search["file_rss_kb"] <= search["peak_rss_kb"]
        latency = figure["latency"]["all"]
        assert latency["queries"] == len(result["queries"]) == 16
        assert 0 < latency["p50_ms"] <= latency["p95_ms"] <= latency["max_ms"]

    # The product finds exactly what the substring scan finds, on every query.
    assert result["agreement"]["product"]["differ"] == 0, result["agreement"]["product"]
    short = [q for q in result["queries"] if q["class"] in ("1-char", "2-char")]
    assert short
    for query in short:
        scan, fts5 = query["results"]["scan"], query["results"]["fts5"]
        assert scan["reports"] > 0 and scan["passages"] > 0
        assert (fts5["reports"], fts5["passages"]) == (0, 0)
        assert query["results"]["fts5+like"]["passages"] == scan["passages"]
    assert any(d["class"] == "1-char" for d in result["agreement"]["fts5"]["differing"])
    classes = {q["class"] for q in result["queries"]}
    assert classes == {
        "1-char",
        "2-char",
        "4-char",
        "phrase",
        "multi",
        "filtered",
        "nowhere",
        "file",
    }

    # The files changed for the 1% update are restored: the cached corpus can be reused.
    marker = json.loads((tmp_path / "work" / "corpus.json").read_text())
    assert marker["n"] == 30 and marker["seed"] == 1
    fresh = {r.path.name: r.path.read_bytes() for r in generate_corpus(tmp_path / "fresh", 30, 1)}
    archive = tmp_path / "work" / "archive"
    assert {p.name: p.read_bytes() for p in archive.iterdir()} == fresh


def test_extracted_reports_are_reused_only_while_their_key_holds(tmp_path):
    prepare_corpus(tmp_path, 3, 2, log=lambda line: None)
    lines: list[str] = []
    first = extracted_reports(tmp_path, lines.append)
    assert first["reports"] == 3 and not first["reused"]
    pickled = (tmp_path / "reports.pickle").read_bytes()

    again = extracted_reports(tmp_path, lines.append)
    assert again["reused"] and again["reports"] == 3
    assert (tmp_path / "reports.pickle").read_bytes() == pickled

    # another corpus (here: its marker) means the pickle no longer describes it
    marker = tmp_path / "corpus.json"
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "n": 4}))
    assert not extracted_reports(tmp_path, lines.append)["reused"]
    assert lines.count("reusing the reports extracted by an earlier run (reports.json)") == 1


def test_a_corrected_query_counts_as_finding_nothing_as_typed(tmp_path):
    """信方维稳 occurs nowhere, so the product searches 信访维稳 and says so: the answer
    compared with the scan is the typed query's, which is empty."""
    samples = Path(__file__).parent / "data" / "samples"
    shutil.copytree(samples, tmp_path / "archive")
    update_index(tmp_path / "archive", tmp_path / "index")
    queries = [Query("信方维稳", "nowhere"), Query("信访维稳", "4-char")]
    typo, right = product_search(tmp_path / "index", queries, 1)["answers"]
    assert typo["searched_instead"] == "信访维稳"
    assert (typo["reports"], typo["passages"], typo["top"]) == (0, 0, [])
    assert right["reports"] > 0 and "searched_instead" not in right
