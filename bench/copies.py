"""Copied text: precision and recall on a corpus with planted copies, and what it costs.

`python -m bench.copies [--n 2000] [--seed 0] [--share 0.1] [--workdir /tmp/copies-bench]`
generates N reports with planted copies (`generate_corpus(copies=share)`: a whole part taken
from a neighbour town of the same county and year, or from the town's previous year, half of
them partly reworded), indexes them with the product (`update_index`, which computes the
copies at its end), and prints:

- precision and recall of the listed pairs against the planted pairs (a listed pair that
  was not planted is a false positive, whatever it shares), by kind of copy;
- what the copies cost: computing them from scratch and after a 1% update (1% of the files
  changed), in seconds and in peak memory of the computation (tracemalloc: NumPy's arrays
  included), and the size on disk;
- the time of the pages: `/copies`, `/api/copies` and a report's `/api/copies/<file>`
  through Flask's test client (median of 5).

The corpus and its index are kept in the workdir while N, seed and share match.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import time
import tracemalloc
from pathlib import Path
from urllib.parse import quote

from bench.corpus import generate_corpus
from indexer import update_index
from indexer.copies import KINDS, Copies, copies_dir, update_copies
from indexer.textindex import TextIndex, existing_generations


def planted_corpus(workdir: Path, n: int, seed: int, share: float) -> tuple[Path, list[dict]]:
    """The archive and its planted copies (cached in `workdir` while the parameters match)."""
    archive, truth_file = workdir / "archive", workdir / "planted.json"
    wanted = {"n": n, "seed": seed, "share": share}
    if truth_file.exists():
        saved = json.loads(truth_file.read_text(encoding="utf-8"))
        if saved["parameters"] == wanted:
            return archive, saved["planted"]
    shutil.rmtree(workdir, ignore_errors=True)
    reports = generate_corpus(archive, n, seed, copies=share)
    planted = [
        {
            "copy": str(r.path.relative_to(archive)),
            "source": str(c.source.relative_to(archive)),
            "kind": c.kind,
            "category": c.category,
            "reworded": c.reworded,
        }
        for r in reports
        for c in r.copied
    ]
    truth_file.write_text(json.dumps({"parameters": wanted, "planted": planted}), "utf-8")
    return archive, planted


def accuracy(copies: Copies, planted: list[dict]) -> dict:
    """Precision and recall of the listed pairs, overall and by kind and rewording."""
    listed = {
        frozenset((copies.files[a], copies.files[b]))
        for a, b in zip(copies.pair_a.tolist(), copies.pair_b.tolist(), strict=True)
    }
    truth = {frozenset((p["copy"], p["source"])): p for p in planted}
    found = listed & set(truth)
    top = len(truth)  # listed most shared first: the top as many as were planted
    ranked = [
        frozenset((copies.files[a], copies.files[b]))
        for a, b in zip(copies.pair_a[:top].tolist(), copies.pair_b[:top].tolist(), strict=True)
    ]
    result = {
        "listed": len(listed),
        "planted": len(truth),
        "found": len(found),
        "precision": len(found) / max(len(listed), 1),
        "recall": len(found) / max(len(truth), 1),
        "precision of the top |planted|": sum(key in truth for key in ranked) / max(len(truth), 1),
    }
    for label, test in (
        ("neighbour", lambda p: p["kind"] == "neighbour"),
        ("previous year", lambda p: p["kind"] == "previous year"),
        ("verbatim", lambda p: not p["reworded"]),
        ("reworded", lambda p: p["reworded"]),
    ):
        group = [key for key, p in truth.items() if test(p)]
        result[f"recall {label}"] = sum(key in found for key in group) / max(len(group), 1)
    return result


def measured(index: Path, generation: int, previous: bool) -> dict:
    """Compute the copies of `generation` again (from the previous computation, or from
    scratch) and measure it."""
    for folder in index.glob("copies-*"):
        keep = previous and folder.name != copies_dir(index, generation).name
        if not keep:
            shutil.rmtree(folder)
    started = time.perf_counter()
    update_copies(index, generation)
    seconds = time.perf_counter() - started
    shutil.rmtree(copies_dir(index, generation))  # again, traced (tracemalloc slows Python)
    tracemalloc.start()
    update_copies(index, generation)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    size = sum(f.stat().st_size for f in copies_dir(index, generation).iterdir())
    return {"seconds": seconds, "peak_mb": peak / 2**20, "disk_mb": size / 2**20}


def change_files(archive: Path, share: float) -> dict[Path, bytes]:
    """Append a sentence to every 1/share-th report (.txt only: a .docx is left alone);
    returns what they held, to put back (the corpus is kept for the next run)."""
    files = sorted(archive.rglob("*.txt"))[:: max(int(1 / share), 1)]
    before = {path: path.read_bytes() for path in files}
    for number, path in enumerate(files):
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"\n本年度另行开展专项检查第{number}次，发现问题均已整改到位。\n")
    return before


def page_times(index: Path, archive: Path, files: list[str]) -> dict:
    from web import create_app

    client = create_app({"INDEX_DIR": index, "ARCHIVE_DIR": archive, "TESTING": True}).test_client()

    def median_ms(url: str) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            assert client.get(url).status_code == 200, url
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    per_report = [median_ms(f"/api/copies/{quote(f)}") for f in files]
    return {
        "/copies ms": median_ms("/copies"),
        "/api/copies ms": median_ms("/api/copies"),
        "/api/copies/<file> ms (median of the reports)": statistics.median(per_report),
        "/report/<file> ms": median_ms(f"/report/{quote(files[0])}"),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.copies", description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--share", type=float, default=0.1, help="reports with a planted copy")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/copies-bench"))
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args(argv)
    workdir = args.workdir / f"n{args.n}-s{args.seed}"
    archive, planted = planted_corpus(workdir, args.n, args.seed, args.share)
    index = workdir / "index"
    shutil.rmtree(index, ignore_errors=True)
    started = time.perf_counter()
    update_index(archive, index)
    figures: dict = {"build s (whole update, copies included)": time.perf_counter() - started}
    generation = existing_generations(index)[-1]
    text = TextIndex.load(index, generation)
    figures["reports"], figures["passages"] = len(text.files), text.passage_count
    figures["copies from scratch"] = measured(index, generation, previous=False)
    copies = Copies.load(copies_dir(index, generation))
    figures["sentences"] = len(copies.sentence_hash)
    figures["accuracy"] = accuracy(copies, planted)
    figures["kinds listed"] = {KINDS[k]: int((copies.pair_kind == k).sum()) for k in sorted(KINDS)}
    changed = change_files(archive, 0.01)
    try:
        started = time.perf_counter()
        update_index(archive, index)
        figures["1% update s (whole update)"] = time.perf_counter() - started
    finally:
        for path, content in changed.items():
            path.write_bytes(content)
    figures["changed files"] = len(changed)
    generation = existing_generations(index)[-1]
    figures["copies after a 1% update"] = measured(index, generation, previous=True)
    copies = Copies.load(copies_dir(index, generation))
    figures["pages"] = page_times(index, archive, copies.files[:: max(len(copies.files) // 20, 1)])
    for key, value in figures.items():
        shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
        print(f"{key}: {shown}")
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
