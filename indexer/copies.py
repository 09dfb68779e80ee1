"""Copied text: which sentences of a report other reports hold too, and the report pairs that
share the most text.

The rule. A passage is cut into sentences after 。！？；(and their half-width forms, which
normalization makes of the full-width ones); a sentence's key is its normalized text without
a leading enumerator (一是、二是…), spaces and punctuation. Keys shorter than MIN_CHARS are
ignored (一是加强组织领导 is said by everyone). Two sentences are the same when their keys are:
exact after normalization, compared by a stable 64-bit hash (blake2b), never Python's `hash`,
which changes with every process. A key held by more than COMMON_REPORTS reports is common
wording (现将有关情况报告如下, a slogan from above): shown as such, never counted as a copy.

A pair is listed when its reports share at least MIN_SHARED such sentences and are of
different towns (or a town is unknown), or of the same town one year apart; the same town's
other years are its own habits, not copies.

Cost. Computed at the end of each update, after the commit, into `copies-<generation>/`
inside the index folder (written into a temporary folder, synced, renamed), for the
generation it describes. The sentences of a report whose text is unchanged since the last
computation are taken from the last one (each report's text has a 64-bit digest, itself
reused for the reports of a segment the last computation read), so only new and changed
reports are read and cut, with NumPy over runs of their segment's text (sentence_keys.py;
only each key's blake2b is a Python call). The rest is NumPy too: one sort of every
sentence hash, the pairs of reports per hash (at most COMMON_REPORTS² per hash), one sort of
the pairs. A reader that finds no table for its generation says "not computed yet".
"""

from __future__ import annotations

import hashlib
import json
import mmap
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .durable import fsync_path
from .segment import segment_dir
from .sentence_keys import MIN_CHARS, Sentences, sentence_rows
from .textindex import TextIndex, read_generation

FORMAT_VERSION = 2  # 2: each report's segment and local id, for its digest
COMMON_REPORTS = 20  # a key in more reports is common wording, not a copy
MIN_SHARED = 2  # shared sentences for a pair to be listed
KIND_OTHER_TOWN, KIND_PREVIOUS_YEAR = 0, 1
KINDS = {KIND_OTHER_TOWN: "other town", KIND_PREVIOUS_YEAR: "previous year"}

_FOLDER = re.compile(r"copies-(\d+)")

SENTENCE_ARRAYS = ("hash", "passage", "begin", "end", "chars", "reports")
ARRAYS = (
    *(f"sentence_{name}" for name in SENTENCE_ARRAYS),
    "report_digest",
    "report_local",
    "report_sentence_start",
    "report_passage_start",
    "report_chars",
    "by_hash",
    "sorted_hash",
    "pair_a",
    "pair_b",
    "pair_kind",
    "pair_sentences",
    "pair_chars_a",
    "pair_chars_b",
)


def copies_dir(index_dir: Path, generation: int) -> Path:
    return index_dir / f"copies-{generation}"


def _rules() -> dict:
    return {"min_chars": MIN_CHARS, "common_reports": COMMON_REPORTS, "min_shared": MIN_SHARED}


@dataclass
class Copies:
    """The copied-text tables of one generation, memory-mapped.

    Sentences are in passage order (a report's are `report_sentence_start[r]:[r + 1]`);
    `by_hash` lists them by hash (`sorted_hash` is `sentence_hash[by_hash]`), so the other
    holders of a sentence are one binary search away. Pairs (a < b, report ids of the text
    index) are sorted by their larger share, most first.
    """

    path: Path
    files: list[str]
    segments: list[list]
    sentence_hash: np.ndarray
    sentence_passage: np.ndarray
    sentence_begin: np.ndarray  # characters into the passage's text
    sentence_end: np.ndarray
    sentence_chars: np.ndarray  # the key's length
    sentence_reports: np.ndarray  # how many reports hold the key
    report_digest: np.ndarray
    report_local: np.ndarray  # its id in its segment (meta's `segments`: [name, reports])
    report_sentence_start: np.ndarray
    report_passage_start: np.ndarray
    report_chars: np.ndarray  # the characters of the report's counted sentences
    by_hash: np.ndarray
    sorted_hash: np.ndarray
    pair_a: np.ndarray
    pair_b: np.ndarray
    pair_kind: np.ndarray
    pair_sentences: np.ndarray  # distinct sentences the two share
    pair_chars_a: np.ndarray  # characters of a's sentences that b holds too
    pair_chars_b: np.ndarray

    @classmethod
    def load(cls, path: Path) -> Copies:
        meta = json.loads((path / "meta.json").read_text(encoding="utf-8"))
        if meta.get("version") != FORMAT_VERSION or meta.get("rules") != _rules():
            raise ValueError(f"{path}: copies written with other rules or format")
        arrays = {
            name: np.load(path / f"{name}.npy", mmap_mode="r").view(np.ndarray) for name in ARRAYS
        }
        sentences, reports = len(arrays["sentence_hash"]), len(meta["files"])
        lengths = {
            "sentences": {len(arrays[f"sentence_{n}"]) for n in SENTENCE_ARRAYS}
            | {len(arrays["by_hash"]), len(arrays["sorted_hash"])},
            "reports": {len(arrays[f"report_{n}"]) for n in ("digest", "local", "chars")}
            | {sum(count for _, count in meta["segments"])},
            "report starts": {len(arrays["report_sentence_start"]) - 1}
            | {len(arrays["report_passage_start"]) - 1},
            "pairs": {len(arrays[name]) for name in ARRAYS if name.startswith("pair_")},
        }
        expected = {"sentences": sentences, "reports": reports, "report starts": reports}
        broken = [
            name
            for name, found in lengths.items()
            if len(found) != 1 or found != {expected.get(name, next(iter(found)))}
        ]
        if broken or int(arrays["report_sentence_start"][-1]) != sentences:
            raise ValueError(f"{path}: damaged copies ({', '.join(broken) or 'starts'})")
        return cls(path=path, files=meta["files"], segments=meta["segments"], **arrays)

    def holders(self, sentence: int) -> np.ndarray:
        """The sentences (ids) with the same key as `sentence`, itself included."""
        key = self.sentence_hash[sentence]
        begin = np.searchsorted(self.sorted_hash, key, "left")
        end = np.searchsorted(self.sorted_hash, key, "right")
        return np.asarray(self.by_hash[begin:end])

    def report_sentences(self, report: int) -> range:
        starts = self.report_sentence_start
        return range(int(starts[report]), int(starts[report + 1]))

    def share(self, pair: int) -> tuple[float, float]:
        """The share of a's and of b's counted text that the other holds too."""
        a, b = int(self.pair_a[pair]), int(self.pair_b[pair])
        return (
            int(self.pair_chars_a[pair]) / max(int(self.report_chars[a]), 1),
            int(self.pair_chars_b[pair]) / max(int(self.report_chars[b]), 1),
        )


def load_for(text: TextIndex) -> Copies | None:
    """The copies of the generation `text` belongs to; None when they are not computed (yet:
    a commit in the middle of an update, an older version, a missing or damaged folder)."""
    with _cache_lock:
        for cached_text, cached in _cache:
            if cached_text is text:
                return cached
    found = _load_matching(text)
    with _cache_lock:
        _cache.insert(0, (text, found))
        del _cache[2:]
    return found


_cache: list[tuple[TextIndex, Copies | None]] = []  # the last two generations a process saw
_cache_lock = threading.Lock()


def _load_matching(text: TextIndex) -> Copies | None:
    match = re.fullmatch(r"text-(\d+)\.json", text.path.name)  # the generation's file
    if not match:
        return None
    try:
        copies = Copies.load(copies_dir(text.path.parent, int(match.group(1))))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    fits = (
        copies.files == text.files
        and len(copies.report_passage_start) == len(text.report_passage_start)
        and int(copies.report_passage_start[-1]) == int(text.report_passage_start[-1])
    )
    return copies if fits else None


def update_copies(index_dir: Path, generation: int) -> Path:
    """Compute the copies of `generation` (reusing the last computation's sentences for
    unchanged reports) unless they exist; drop older ones. Called by the update."""
    target = copies_dir(index_dir, generation)
    try:
        if _describes(Copies.load(target), index_dir, generation):
            return target
    except (OSError, ValueError, KeyError, TypeError):
        pass
    text = TextIndex.load(index_dir, generation)
    previous = _previous(index_dir, generation)
    arrays = compute(text, previous)
    _write(target, text, arrays)
    for old in index_dir.glob("copies-*"):
        found = _FOLDER.fullmatch(old.name)
        if old != target and (found is None or int(found.group(1)) < generation - 1):
            shutil.rmtree(old, ignore_errors=True)
    return target


def _describes(copies: Copies, index_dir: Path, generation: int) -> bool:
    """Whether `copies` hold the generation's live reports: the same segments (names are never
    reused within an index folder) with the same count of live reports each, read from the
    generation file and one table header per segment (a no-op update at 100,000 reports spent
    1-4 s loading the whole text index to compare file lists)."""
    live = []
    for ref in read_generation(index_dir, generation):
        folder = segment_dir(index_dir, ref.id)
        reports = np.load(folder / "report_year.npy", mmap_mode="r").shape[0]
        live.append([folder.name, reports - len(ref.deleted)])
    return live == copies.segments


def _previous(index_dir: Path, generation: int) -> Copies | None:
    """The newest earlier computation that loads, for its unchanged reports' sentences."""
    found = (_FOLDER.fullmatch(p.name) for p in index_dir.glob("copies-*"))
    for number in sorted((int(m.group(1)) for m in found if m), reverse=True):
        if number < generation:
            try:
                return Copies.load(copies_dir(index_dir, number))
            except (OSError, ValueError, KeyError, TypeError):
                continue
    return None


def _write(target: Path, text: TextIndex, arrays: dict[str, np.ndarray]) -> None:
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in ARRAYS:
        _save(staging / f"{name}.npy", arrays[name])
    live = _live(text)
    segments = [[p.segment.path.name, len(ids)] for p, ids in zip(text.parts, live, strict=True)]
    meta = {"version": FORMAT_VERSION, "rules": _rules(), "files": text.files, "segments": segments}
    (staging / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    for file in staging.iterdir():
        fsync_path(file)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    fsync_path(target.parent)


def _save(path: Path, array: np.ndarray) -> None:
    """np.save through Python's write, so a full disk raises OSError with its errno, which
    the update names (numpy's own write says only how many bytes it wrote)."""
    with open(path, "wb") as handle:
        np.lib.format.write_array_header_1_0(
            handle, np.lib.format.header_data_from_array_1_0(array)
        )
        handle.write(np.ascontiguousarray(array).data)


def report_digests(text: TextIndex, previous: Copies | None = None) -> np.ndarray:
    """A 64-bit digest of each report's normalized text: equal digests, equal sentences.
    A report in a segment `previous` read too has its digest from there (a segment's name
    is never reused for other contents), so an update reads only its new segments' text."""
    known = _known(previous)
    digests = []
    for part, local in zip(text.parts, _live(text), strict=True):
        segment = part.segment
        found = np.zeros(len(local), dtype=np.uint64)
        todo = np.ones(len(local), dtype=bool)
        old_local, old_first = known.get(segment.path.name, (np.zeros(0, np.int64), 0))
        if previous is not None and len(old_local) and len(local):
            at = np.minimum(np.searchsorted(old_local, local), len(old_local) - 1)
            hit = old_local[at] == local
            old = old_first + at[hit]
            if [segment.files[i] for i in local[hit].tolist()] == [
                previous.files[i] for i in old.tolist()
            ]:  # the same files: the segment is the one `previous` read
                found[hit] = previous.report_digest[old]
                todo = ~hit
        body = memoryview(segment.text) if len(segment.text) else memoryview(b"")
        starts = segment.passage_start[segment.report_passage_start].tolist()
        found[todo] = np.fromiter(
            (
                int.from_bytes(
                    hashlib.blake2b(body[starts[r] : starts[r + 1]], digest_size=8).digest(),
                    "little",
                )
                for r in local[todo].tolist()
            ),
            dtype=np.uint64,
            count=int(todo.sum()),
        )
        del body
        _release(segment.text)
        digests.append(found)
    return np.concatenate(digests) if digests else np.zeros(0, dtype=np.uint64)


def _live(text: TextIndex) -> list[np.ndarray]:
    """The local ids of each part's live reports."""
    return [
        np.arange(len(part.segment.files), dtype=np.int64)
        if part.live_reports is None
        else np.asarray(part.live_reports, dtype=np.int64)
        for part in text.parts
    ]


def _known(previous: Copies | None) -> dict[str, tuple[np.ndarray, int]]:
    """For each segment `previous` read: its reports' local ids and the first one's id."""
    known, first = {}, 0
    for name, count in previous.segments if previous is not None else []:
        known[name] = (np.asarray(previous.report_local[first : first + count]), first)
        first += count
    return known


_RUN_REPORTS = 250  # reports cut at once: about 2 MB of text, ten times that in arrays


def _split(text: TextIndex, reports: np.ndarray) -> Sentences:
    """The counted sentences of `reports` (sorted ids), passage ids global. Read from each
    segment's text directly: consecutive reports are one slice of it, cut at once."""
    pieces = []
    first_report = 0
    for part, live in zip(text.parts, _live(text), strict=True):
        segment = part.segment
        end_report = first_report + len(live)
        low, high = np.searchsorted(reports, [first_report, end_report])
        mine = reports[low:high]
        local = live[mine - first_report]
        first_report = end_report
        for run in _runs(local):
            first, last = segment.report_passage_start[[run[0], run[-1] + 1]].tolist()
            if first == last:
                continue
            begin, end = segment.passage_start[[first, last]].tolist()
            rows = sentence_rows(segment.text[begin : end - 1].decode("utf-8"))
            passage = rows.passage + first
            passage = (
                passage + part.first_passage if part.to_global is None else part.to_global[passage]
            )
            pieces.append(rows._replace(passage=passage))
        _release(segment.text)
    if not pieces:
        return sentence_rows("")
    return Sentences(*(np.concatenate(column) for column in zip(*pieces, strict=True)))


def _release(text: bytes | mmap.mmap) -> None:
    """Drop a segment's text, read once here, from this process's resident pages (they stay
    in the page cache, and are read again if touched): a full build reads every segment's
    text, 2.8 GB at 300,000 reports, and mapped pages count in the build's peak RSS."""
    if isinstance(text, mmap.mmap):
        text.madvise(mmap.MADV_DONTNEED)


def _runs(local: np.ndarray) -> list[np.ndarray]:
    """`local` (sorted report ids) cut where they are not consecutive, and every
    _RUN_REPORTS."""
    breaks = np.flatnonzero(np.diff(local) != 1) + 1
    runs = np.split(local, breaks) if len(local) else []
    return [run[at : at + _RUN_REPORTS] for run in runs for at in range(0, len(run), _RUN_REPORTS)]


def _sentences(text: TextIndex, previous: Copies | None, digests: np.ndarray) -> dict:
    """Every counted sentence in report order: reused where a report's digest is unchanged."""
    reports = len(text.files)
    reused = np.full(reports, -1, dtype=np.int64)
    counts = np.zeros(reports, dtype=np.int64)
    if previous is not None:
        old_index = {file: i for i, file in enumerate(previous.files)}
        old = np.fromiter((old_index.get(f, -1) for f in text.files), np.int64, reports)
        same = old >= 0
        same[same] = previous.report_digest[old[same]] == digests[same]
        reused[same] = old[same]
        counts[same] = np.diff(previous.report_sentence_start)[old[same]]
    fresh = np.flatnonzero(reused < 0)
    rows = _split(text, fresh)
    fresh_counts = np.bincount(np.asarray(text.passage_report)[rows.passage], minlength=reports)[
        fresh
    ]
    counts[fresh] = fresh_counts
    start = np.zeros(reports + 1, dtype=np.int64)
    np.cumsum(counts, out=start[1:])
    total = int(start[-1])
    columns = {
        "hash": np.zeros(total, dtype=np.uint64),
        "passage": np.zeros(total, dtype=np.int32),
        "begin": np.zeros(total, dtype=np.int32),
        "end": np.zeros(total, dtype=np.int32),
        "chars": np.zeros(total, dtype=np.int32),
    }
    kept = np.flatnonzero(reused >= 0)
    if previous is not None and len(kept):
        old = reused[kept]
        lengths = counts[kept]
        source = np.repeat(previous.report_sentence_start[old], lengths) + _within(lengths)
        target = np.repeat(start[kept], lengths) + _within(lengths)
        moved = text.report_passage_start[kept] - previous.report_passage_start[old]
        shift = np.repeat(moved, lengths)
        for name in ("hash", "begin", "end", "chars"):
            columns[name][target] = getattr(previous, f"sentence_{name}")[source]
        columns["passage"][target] = previous.sentence_passage[source] + shift
    target = np.repeat(start[fresh], fresh_counts) + _within(fresh_counts)
    for name in ("hash", "passage", "begin", "end", "chars"):
        columns[name][target] = getattr(rows, name)
    columns["start"] = start
    return columns


def _within(lengths: np.ndarray) -> np.ndarray:
    """0..n-1 for each n in `lengths`, concatenated."""
    total = int(lengths.sum())
    return np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)


def compute(text: TextIndex, previous: Copies | None = None) -> dict[str, np.ndarray]:
    """Every array of the copies of `text`'s generation."""
    digests = report_digests(text, previous)
    columns = _sentences(text, previous, digests)
    hashes, chars = columns["hash"], columns["chars"]
    report = np.asarray(text.passage_report)[columns["passage"]].astype(np.int64)
    order = np.lexsort((report, hashes))  # by hash, then report
    sorted_hash, sorted_report = hashes[order], report[order]
    new_hash = np.ones(len(order), dtype=bool)
    new_hash[1:] = sorted_hash[1:] != sorted_hash[:-1]
    new_unit = new_hash.copy()  # a new (hash, report)
    new_unit[1:] |= sorted_report[1:] != sorted_report[:-1]
    group = np.cumsum(new_hash) - 1
    holders = np.bincount(group, weights=new_unit).astype(np.int32)
    sentence_reports = np.empty(len(order), dtype=np.int32)
    sentence_reports[order] = holders[group]
    report_chars = np.bincount(report, weights=chars, minlength=len(text.files)).astype(np.int64)
    pairs = _pairs(text, order, sorted_report, chars, new_unit, group, holders, report_chars)
    return {
        "sentence_hash": hashes,
        "sentence_passage": columns["passage"],
        "sentence_begin": columns["begin"],
        "sentence_end": columns["end"],
        "sentence_chars": chars,
        "sentence_reports": sentence_reports,
        "report_digest": digests,
        "report_local": np.concatenate([np.zeros(0, np.int64), *_live(text)]).astype(np.int32),
        "report_sentence_start": columns["start"],
        "report_passage_start": np.asarray(text.report_passage_start, dtype=np.int64),
        "report_chars": report_chars,
        "by_hash": order.astype(np.int64),
        "sorted_hash": sorted_hash,
        **pairs,
    }


def _pairs(
    text: TextIndex,
    order: np.ndarray,
    sorted_report: np.ndarray,
    chars: np.ndarray,
    new_unit: np.ndarray,
    group: np.ndarray,
    holders: np.ndarray,
    report_chars: np.ndarray,
) -> dict[str, np.ndarray]:
    """The report pairs sharing at least MIN_SHARED keys held by 2..COMMON_REPORTS reports."""
    empty = {
        "pair_a": np.zeros(0, np.int32),
        "pair_b": np.zeros(0, np.int32),
        "pair_kind": np.zeros(0, np.int8),
        "pair_sentences": np.zeros(0, np.int32),
        "pair_chars_a": np.zeros(0, np.int64),
        "pair_chars_b": np.zeros(0, np.int64),
    }
    # Units: one per (key, report), with the characters of that report's sentences of the key.
    unit_first = np.flatnonzero(new_unit)
    if not len(unit_first):
        return empty
    unit_chars = np.add.reduceat(chars[order].astype(np.int64), unit_first)
    unit_report = sorted_report[unit_first]
    unit_group = group[unit_first]
    size = holders[unit_group]
    shared = (size >= 2) & (size <= COMMON_REPORTS)
    unit_report, unit_chars = unit_report[shared], unit_chars[shared]
    unit_group = unit_group[shared]
    size = size[shared].astype(np.int64)
    if not len(unit_report):
        return empty
    # Each unit paired with every unit of its key: a = this report, b = another.
    group_start = np.flatnonzero(np.concatenate(([True], unit_group[1:] != unit_group[:-1])))
    start_of = np.repeat(group_start, np.diff(np.append(group_start, len(unit_group))))
    a = np.repeat(np.arange(len(unit_report)), size)
    b = np.repeat(start_of, size) + _within(size)
    a, b = a[a != b], b[a != b]
    reports = len(text.files)
    key = unit_report[a] * reports + unit_report[b]
    keys, inverse = np.unique(key, return_inverse=True)
    sentences = np.bincount(inverse).astype(np.int32)
    chars_from = np.bincount(inverse, weights=unit_chars[a]).astype(np.int64)
    first, second = keys // reports, keys % reports
    forward = (first < second) & (sentences >= MIN_SHARED)
    back = np.searchsorted(keys, second[forward] * reports + first[forward])
    pair_a, pair_b = first[forward], second[forward]
    kind = _kinds(text, pair_a, pair_b)
    listed = kind >= 0
    pair_a, pair_b, kind = pair_a[listed], pair_b[listed], kind[listed]
    chars_a, chars_b = chars_from[forward][listed], chars_from[back][listed]
    pair_sentences = sentences[forward][listed]
    score = np.maximum(
        chars_a / np.maximum(report_chars[pair_a], 1), chars_b / np.maximum(report_chars[pair_b], 1)
    )
    ranked = np.lexsort((pair_b, pair_a, -score))
    return {
        "pair_a": pair_a[ranked].astype(np.int32),
        "pair_b": pair_b[ranked].astype(np.int32),
        "pair_kind": kind[ranked].astype(np.int8),
        "pair_sentences": pair_sentences[ranked],
        "pair_chars_a": chars_a[ranked],
        "pair_chars_b": chars_b[ranked],
    }


def _kinds(text: TextIndex, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """KIND_OTHER_TOWN, KIND_PREVIOUS_YEAR, or -1 for the same town in another year."""
    town = np.asarray(text.report_town)
    year = np.asarray(text.report_year).astype(np.int64)
    same_town = (town[a] >= 0) & (town[a] == town[b])
    adjacent = (year[a] > 0) & (year[b] > 0) & (np.abs(year[a] - year[b]) == 1)
    return np.where(~same_town, KIND_OTHER_TOWN, np.where(adjacent, KIND_PREVIOUS_YEAR, -1))
