"""The passage text index: exact substring search over every passage, in NumPy arrays.

Whoosh writes about 100,000 postings a second in pure Python, so it cannot hold the
character grams of thousands of reports in the time cron allows: 10,000 reports hold some
42 million (gram, passage) pairs. This index keeps them beside Whoosh, one version per Whoosh
generation, in a folder of plain files:

- `passages.txt`: every passage's normalized text, one per line, in report order, UTF-8;
- arrays: where each passage starts (a byte offset), its report, its categories (bit mask)
  and section;
  per report its passages, year, town and county;
- postings: for every character and character pair, the sorted passages that contain it.

A term of one or two characters is answered by one posting list, exactly. A longer term
intersects the lists of its pairs (a superset) and confirms each candidate with a substring
test. Files are written into a temporary folder and renamed, so a reader never sees half of
one. Arrays and the text are memory-mapped: opening an index reads no text, a searching
process holds only the pages its queries touch, and worker processes share one copy in the
page cache. A substring test on UTF-8 bytes is exact: no character's bytes occur inside
another's.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .durable import fsync_path
from .normalize import normalize
from .sortedsets import intersect
from .vocabulary import CATEGORY_BITS

FORMAT_VERSION = 2  # 2: passage_start in bytes of UTF-8, passages.txt memory-mapped
_UNIGRAM = 0xFFFF  # second half of a single character's code: a noncharacter, never in text
_ASTRAL = 0xFFFE  # every character beyond the BMP shares one code (candidates are confirmed)
_CHUNK_CHARS = 2_000_000
# Passage ids (8 bytes each) kept by a text index's cache of terms' passages: 32 MB.
TERM_CACHE_IDS = 4_000_000


@dataclass
class ReportEntry:
    """What the text index keeps of one report (texts normalized, sections as written)."""

    file: str
    year: int | None
    town: str | None
    county: str | None
    passages: list[str]
    categories: list[int]  # CATEGORY_BITS mask per passage
    sections: list[str]  # section path per passage, headings joined by SECTION_SEPARATOR


def category_mask(names: Iterable[str]) -> int:
    return sum(CATEGORY_BITS[name] for name in set(names))


def text_dir(index_dir: Path, generation: int) -> Path:
    return index_dir / f"text-{generation}"


def existing_generations(index_dir: Path) -> list[int]:
    found = (re.fullmatch(r"text-(\d+)", p.name) for p in index_dir.glob("text-*"))
    return sorted(int(m.group(1)) for m in found if m)


def write_text_index(index_dir: Path, generation: int, entries: Sequence[ReportEntry]) -> Path:
    """Write the text index for `generation`, before Whoosh commits it: a reader that sees
    the generation always finds its text index."""
    target = text_dir(index_dir, generation)
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    texts = [text for entry in entries for text in entry.passages]
    encoded = [text.encode("utf-8") for text in texts]
    arrays = _layout(entries, encoded)
    arrays.update(_postings(texts))
    for name in ARRAY_NAMES:
        _save(staging / f"{name}.npy", arrays[name])
    (staging / "passages.txt").write_bytes(b"\n".join(encoded))
    tables = {
        "version": FORMAT_VERSION,
        "files": [entry.file for entry in entries],
        "towns": arrays.pop("towns"),
        "counties": arrays.pop("counties"),
        "sections": arrays.pop("sections"),
    }
    (staging / "tables.json").write_text(json.dumps(tables, ensure_ascii=False), encoding="utf-8")
    for file in staging.iterdir():
        fsync_path(file)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    fsync_path(index_dir)
    return target


def _save(path: Path, array: np.ndarray) -> None:
    """np.save through Python's write, so a full disk raises OSError with its errno (ENOSPC,
    EFBIG) for the updater to name: numpy's own write says only "N requested and M written"."""
    with open(path, "wb") as handle:
        header = np.lib.format.header_data_from_array_1_0(array)
        np.lib.format.write_array_header_1_0(handle, header)
        handle.write(np.ascontiguousarray(array).data)


def drop_older_text_indexes(index_dir: Path, generation: int) -> None:
    """Remove text indexes before the one preceding `generation`: a reader that listed the
    previous generation just before the commit may still be loading its text index (at the
    end of an update, `generation + 1` leaves only the last one)."""
    for old in existing_generations(index_dir):
        if old < generation - 1 or old > generation:
            shutil.rmtree(text_dir(index_dir, old), ignore_errors=True)


def _ids(values: Iterable[str | None]) -> tuple[list[str], np.ndarray]:
    table: dict[str, int] = {}
    ids = [table.setdefault(v, len(table)) if v else -1 for v in values]
    return list(table), np.array(ids, dtype=np.int32)


def _layout(entries: Sequence[ReportEntry], texts: list[bytes]) -> dict:
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    passage_start = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=passage_start[1:])
    counts = np.fromiter((len(e.passages) for e in entries), dtype=np.int64, count=len(entries))
    report_passage_start = np.zeros(len(entries) + 1, dtype=np.int64)
    np.cumsum(counts, out=report_passage_start[1:])
    sections, section_ids = _ids(s for e in entries for s in e.sections)
    towns, town_ids = _ids(e.town for e in entries)
    counties, county_ids = _ids(e.county for e in entries)
    return {
        "passage_start": passage_start,
        "passage_report": np.repeat(np.arange(len(entries), dtype=np.int32), counts),
        "passage_cats": np.array([c for e in entries for c in e.categories], dtype=np.uint8),
        "passage_section": section_ids,
        "report_passage_start": report_passage_start,
        "report_year": np.array([e.year or 0 for e in entries], dtype=np.int16),
        "report_town": town_ids,
        "report_county": county_ids,
        "report_length": np.array([sum(map(len, e.passages)) for e in entries], dtype=np.int32),
        "towns": towns,
        "counties": counties,
        "sections": sections,
    }


def _postings(texts: list[str]) -> dict[str, np.ndarray]:
    """For every character and pair: the sorted, distinct passages that contain it.

    Keys (gram code << 32 | passage) are built a chunk of passages at a time, so the
    temporary arrays stay a few times the size of one chunk, not of the whole archive.
    """
    chunks, begin = [], 0
    while begin < len(texts):
        end, size = begin, 0
        while end < len(texts) and (size < _CHUNK_CHARS or end == begin):
            size += len(texts[end]) + 1
            end += 1
        chunks.append(_chunk_keys(texts[begin:end], begin))
        begin = end
    keys = np.empty(sum(len(chunk) for chunk in chunks), dtype=np.uint64)
    at = 0
    while chunks:  # move the chunks into one array, freeing each as it goes
        chunk = chunks.pop(0)
        keys[at : at + len(chunk)] = chunk
        at += len(chunk)
    keys.sort()  # chunks hold different passages, so no key repeats across them
    halves = keys.astype("<u8", copy=False).view("<u4")  # low, high 32 bits of each key
    passages, codes = halves[0::2].copy(), halves[1::2].copy()
    del keys, halves
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))[: len(codes)]
    return {
        "gram_codes": codes[starts],
        "gram_offsets": np.append(starts, len(codes)).astype(np.int64),
        "gram_passages": passages,
    }


def _chunk_keys(texts: list[str], first_passage: int) -> np.ndarray:
    chars = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32).copy()
    chars[chars > 0xFFFF] = _ASTRAL
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    passage_of = np.repeat(
        np.arange(first_passage, first_passage + len(texts), dtype=np.uint64), lengths
    )[: len(chars)]
    text_chars = chars != 0x0A  # the newline between passages belongs to none
    unigrams = (chars.astype(np.uint64) << 16) | _UNIGRAM
    pairs = (chars[:-1].astype(np.uint64) << 16) | chars[1:]
    pair_ok = text_chars[:-1] & text_chars[1:]
    keys = np.concatenate(
        [
            (unigrams[text_chars] << 32) | passage_of[text_chars],
            (pairs[pair_ok] << 32) | passage_of[:-1][pair_ok],
        ]
    )
    keys.sort()
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if len(keys) else keys


def _check_consistent(path: Path, tables: dict, arrays: dict, text: bytes | mmap.mmap) -> None:
    """Refuse a text index whose parts disagree (a truncated or mixed-up file), instead of
    answering searches from it. Costs a few comparisons, not a read of the postings."""
    passages = len(arrays["passage_report"])
    reports = len(tables["files"])
    checks = {
        "passages.txt": len(text) == max(int(arrays["passage_start"][-1]) - 1, 0),
        "passage tables": all(
            len(arrays[name]) == passages for name in ("passage_cats", "passage_section")
        )
        and len(arrays["passage_start"]) == passages + 1,
        "report tables": all(
            len(arrays[name]) == reports
            for name in ("report_year", "report_town", "report_county", "report_length")
        )
        and len(arrays["report_passage_start"]) == reports + 1
        and int(arrays["report_passage_start"][-1]) == passages,
        "postings": len(arrays["gram_offsets"]) == len(arrays["gram_codes"]) + 1
        and int(arrays["gram_offsets"][-1]) == len(arrays["gram_passages"]),
    }
    broken = [name for name, ok in checks.items() if not ok]
    if broken:
        raise ValueError(f"{path}: damaged text index ({', '.join(broken)} do not agree)")


def _mapped(path: Path) -> bytes | mmap.mmap:
    """The file's bytes, mapped (an empty file cannot be mapped: it is no bytes)."""
    with open(path, "rb") as handle:
        if not os.fstat(handle.fileno()).st_size:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _gram_codes(term: str) -> list[int]:
    points = [ord(ch) if ord(ch) <= 0xFFFF else _ASTRAL for ch in term]
    if len(points) == 1:
        return [(points[0] << 16) | _UNIGRAM]
    return sorted({(a << 16) | b for a, b in zip(points, points[1:], strict=False)})


@dataclass
class TextIndex:
    """A loaded text index; the arrays and the text (UTF-8 bytes) are memory-mapped."""

    path: Path
    text: bytes | mmap.mmap
    files: list[str]
    towns: list[str]
    counties: list[str]
    sections: list[str]
    # Per passage (passage_start has one more: the end of the last).
    passage_start: np.ndarray  # byte offset of its text in `text`
    passage_report: np.ndarray
    passage_cats: np.ndarray  # CATEGORY_BITS mask
    passage_section: np.ndarray  # index into `sections`, -1 before the first heading
    # Per report (report_passage_start has one more); -1 or 0 is unknown.
    report_passage_start: np.ndarray
    report_year: np.ndarray
    report_town: np.ndarray  # index into `towns`
    report_county: np.ndarray  # index into `counties`
    report_length: np.ndarray  # characters, for BM25
    # Postings: the passages of gram_codes[i] are gram_passages[gram_offsets[i]:…[i + 1]].
    gram_codes: np.ndarray
    gram_offsets: np.ndarray
    gram_passages: np.ndarray
    _normalized_sections: list[str] = field(default_factory=list)
    _ranks: dict[str, np.ndarray] = field(default_factory=dict)
    _terms: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict)
    _terms_ids: int = 0
    _terms_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, path: Path) -> TextIndex:
        tables = json.loads((path / "tables.json").read_text(encoding="utf-8"))
        if tables.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path}: text index format {tables.get('version')}")
        # Plain views of the maps: indexing a np.memmap one element at a time costs ten
        # times as much (its __getitem__ is Python), and searches do that per passage.
        arrays = {
            name: np.load(path / f"{name}.npy", mmap_mode="r").view(np.ndarray)
            for name in ARRAY_NAMES
        }
        text = _mapped(path / "passages.txt")
        _check_consistent(path, tables, arrays, text)
        return cls(
            path=path,
            text=text,
            files=tables["files"],
            towns=tables["towns"],
            counties=tables["counties"],
            sections=tables["sections"],
            **arrays,
        )

    @property
    def passage_count(self) -> int:
        return len(self.passage_report)

    def passage_text(self, passage: int) -> str:
        start, end = self.passage_start[passage], self.passage_start[passage + 1] - 1
        return self.text[start:end].decode("utf-8")

    def passage_length(self, passage: int) -> int:
        """In bytes: what BM25 compares (the average is in bytes too)."""
        return int(self.passage_start[passage + 1] - self.passage_start[passage] - 1)

    @property
    def average_length(self) -> float:
        """Bytes per passage, over the whole index."""
        count = max(self.passage_count, 1)
        return (int(self.passage_start[-1]) - self.passage_count) / count

    def holding(self, term: str, passages: np.ndarray) -> np.ndarray:
        """Which of `passages` hold `term`: a mask, each searched within its own bounds."""
        needle = term.encode("utf-8")
        starts = self.passage_start[passages].tolist()
        ends = (self.passage_start[passages + 1] - 1).tolist()
        find = self.text.find
        return np.fromiter(
            (find(needle, start, end) >= 0 for start, end in zip(starts, ends, strict=True)),
            dtype=bool,
            count=len(starts),
        )

    def containing(self, term: str, scope: np.ndarray | None) -> np.ndarray:
        """The passages (sorted ids) in `scope` (a bool mask, or None for all) holding `term`.

        A term's passages in the whole index are kept (least recently used first out, up to
        TERM_CACHE_IDS ids): a generation never changes, and the same terms come back with
        the next page, a facet click (a scope) and the API's copy of the page's request.
        The arrays returned are read-only.
        """
        with self._terms_lock:
            everywhere = self._terms.get(term)
            if everywhere is not None:
                self._terms.move_to_end(term)
        if everywhere is None and scope is not None:
            return self._containing(term, scope)
        if everywhere is None:
            everywhere = self._containing(term, None)
            everywhere.setflags(write=False)
            self._remember(term, everywhere)
        return everywhere if scope is None else everywhere[scope[everywhere]]

    def _remember(self, term: str, passages: np.ndarray) -> None:
        if len(passages) > TERM_CACHE_IDS:
            return
        with self._terms_lock:
            if term in self._terms:
                return
            self._terms[term] = passages
            self._terms_ids += len(passages)
            while self._terms_ids > TERM_CACHE_IDS:
                self._terms_ids -= len(self._terms.popitem(last=False)[1])

    def _containing(self, term: str, scope: np.ndarray | None) -> np.ndarray:
        """The passages (sorted ids) in `scope` (a bool mask, or None for all) holding `term`."""
        lists = []
        for code in _gram_codes(term):
            at = np.searchsorted(self.gram_codes, code)
            if at == len(self.gram_codes) or self.gram_codes[at] != code:
                return np.zeros(0, dtype=np.int64)
            begin, end = self.gram_offsets[at], self.gram_offsets[at + 1]
            lists.append(self.gram_passages[begin:end])
        lists.sort(key=len)
        found = np.asarray(lists[0], dtype=np.int64)
        for other in lists[1:]:
            found = intersect(found, other)
            if not len(found):
                break
        if scope is not None:
            found = found[scope[found]]
        exact = len(term) <= 2 and all(ord(ch) <= 0xFFFF for ch in term)
        return found if exact else self._confirmed(term, found)

    def _confirmed(self, term: str, candidates: np.ndarray) -> np.ndarray:
        """The candidates whose text holds `term`."""
        return np.asarray(candidates, dtype=np.int64)[self.holding(term, candidates)]

    def entries(self) -> dict[str, ReportEntry]:
        """Every report's entry, for writing the next generation without re-reading files."""
        result = {}
        first = self.report_passage_start.tolist()
        texts = self.text[:].decode("utf-8").split("\n") if len(self.text) else []
        towns, counties = self.report_town.tolist(), self.report_county.tolist()
        years, cats = self.report_year.tolist(), self.passage_cats.tolist()
        section_ids = self.passage_section.tolist()
        for report, file in enumerate(self.files):
            begin, end = first[report], first[report + 1]
            town, county = towns[report], counties[report]
            result[file] = ReportEntry(
                file=file,
                year=years[report] or None,
                town=self.towns[town] if town >= 0 else None,
                county=self.counties[county] if county >= 0 else None,
                passages=texts[begin:end],
                categories=cats[begin:end],
                sections=[self.sections[i] if i >= 0 else "" for i in section_ids[begin:end]],
            )
        return result

    def name_ranks(self, table: str) -> np.ndarray:
        """Each name's place in sorted order in `table` (towns, counties): facets sort their
        values by name on every search, and comparing these ranks is cheaper than strings."""
        if table not in self._ranks:
            names = getattr(self, table)
            ranks = np.empty(len(names), dtype=np.int64)
            ranks[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
            self._ranks[table] = ranks
        return self._ranks[table]

    def normalized_section(self, section: int) -> str:
        """A section path (an index into `sections`, -1 for none) normalized, for matching."""
        if not self._normalized_sections:
            self._normalized_sections = [normalize(s) for s in self.sections]
        return self._normalized_sections[section] if section >= 0 else ""

    def section_ids_with(self, words: str) -> np.ndarray:
        """Sections whose path contains `words` (normalized)."""
        self.normalized_section(-1)
        return np.array(
            [i for i, s in enumerate(self._normalized_sections) if words in s], dtype=np.int32
        )


# The arrays on disk, one .npy file each: the fields declared as arrays above.
ARRAY_NAMES = tuple(
    name for name, kind in TextIndex.__annotations__.items() if kind == "np.ndarray"
)
