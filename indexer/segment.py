"""One immutable segment of the text index: the passages and postings of a set of reports.

Whoosh writes about 100,000 postings a second in pure Python, so it cannot hold the
character grams of thousands of reports in the time cron allows: 10,000 reports hold some
42 million (gram, passage) pairs. The text index keeps them beside Whoosh in segments, each a
folder `seg-<id>/` of plain files written once and never changed (textindex.py lists which
segments make up a generation, merge.py combines them):

- `passages.txt`: every passage's normalized text, one per line, in report order, UTF-8;
- `sections.txt`: the section paths (headings joined by SECTION_SEPARATOR) as written, one
  per line, UTF-8: read one at a time for the passages a search shows or ranks, so opening a
  segment parses none (as JSON, 430,000 paths took a third of a second at 100,000 reports);
- arrays: where each passage starts (a byte offset), its report, its categories (bit mask)
  and section; per report its passages, year, town and county;
- postings: for every character and character pair, the sorted passages that contain it;
- positions: for every character pair, the sorted byte offsets in `passages.txt` where it
  occurs (int32: a segment's text stays under 2 GB, merge.MAX_SEGMENT_BYTES is far below);
- `checksums.json`: each file's size and BLAKE2b digest, computed once when it is written, so
  a commit's manifest need not read the segments it did not write.

A term of one or two characters is answered by one posting list, exactly. A longer term
is found from the positions of its rarest pair: each is shifted to where the whole term
would start and all the term's bytes are compared there with NumPy gathers on the mapped
text, so the cost is one vectorized pass over that pair's occurrences, not a Python call per
candidate passage (a common term of four characters has a million candidates at 100,000
reports). A byte comparison on UTF-8 is exact: no character's bytes occur inside another's,
and a match cannot run across passages because a term holds no newline. Arrays and the text
are memory-mapped: opening a segment reads no text, a searching process holds only the pages
its queries touch, and worker processes share one copy in the page cache. The postings and
positions builds each sort one segment's keys at once, one after the other, so memory is
bounded by the segment's size (merge.MAX_SEGMENT_BYTES), not by the archive's.
"""

from __future__ import annotations

import json
import mmap
import os
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .durable import fsync_path
from .manifest import CHECKSUMS, digest
from .sortedsets import intersect
from .vocabulary import CATEGORY_BITS

# 4: sections.txt, pair positions; 3: segments; 2: passage_start in bytes of UTF-8, passages.txt
FORMAT_VERSION = 4
_UNIGRAM = 0xFFFF  # second half of a single character's code: a noncharacter, never in text
_ASTRAL = 0xFFFE  # every character beyond the BMP shares one code (candidates are confirmed)
_CHUNK_CHARS = 2_000_000
_SEGMENT = re.compile(r"seg-(\d+-\d+)")
_NO_PASSAGES = np.zeros(0, dtype=np.int64)


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

    @property
    def size(self) -> int:
        """Bytes of text it adds to a segment (what segment sizes are measured in)."""
        return sum(len(text.encode("utf-8")) + 1 for text in self.passages)


def category_mask(names: Iterable[str]) -> int:
    return sum(CATEGORY_BITS[name] for name in set(names))


def segment_dir(index_dir: Path, segment: str) -> Path:
    return index_dir / f"seg-{segment}"


def segment_ids(index_dir: Path) -> list[str]:
    """The segments present (complete ones: staging folders end in .tmp). A segment is
    named by the generation that first listed it and a count within it (`seg-12-0`), so a
    name is never reused for other contents: checksums and the last good copy go by name."""
    found = (_SEGMENT.fullmatch(p.name) for p in index_dir.glob("seg-*"))
    return sorted(m.group(1) for m in found if m)


def new_segment_id(index_dir: Path, generation: int) -> str:
    """The next free name among the segments of `generation`."""
    taken = [int(s.split("-")[1]) for s in segment_ids(index_dir) if s.startswith(f"{generation}-")]
    return f"{generation}-{max(taken, default=-1) + 1}"


def write_segment(index_dir: Path, segment: str, entries: Sequence[ReportEntry]) -> Path:
    """Write a segment holding `entries` (in this order) into a staging folder, sync it and
    rename it into place, with the checksums of its files."""
    target = segment_dir(index_dir, segment)
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    texts = [text for entry in entries for text in entry.passages]
    encoded = [text.encode("utf-8") for text in texts]
    arrays = _layout(entries, encoded)
    arrays.update(_postings(texts))
    arrays.update(_positions(texts, arrays["gram_codes"], arrays["passage_start"]))
    del texts
    for name in ARRAY_NAMES:
        _save(staging / f"{name}.npy", arrays[name])
    (staging / "passages.txt").write_bytes(b"\n".join(encoded))
    (staging / "sections.txt").write_bytes(b"\n".join(arrays.pop("sections")))
    tables = {
        "version": FORMAT_VERSION,
        "files": [entry.file for entry in entries],
        "towns": arrays.pop("towns"),
        "counties": arrays.pop("counties"),
    }
    (staging / "tables.json").write_text(json.dumps(tables, ensure_ascii=False), encoding="utf-8")
    sums = {}
    for file in sorted(staging.iterdir()):
        fsync_path(file)
        sums[file.name] = [file.stat().st_size, digest(file)]
    (staging / CHECKSUMS).write_text(json.dumps(sums), encoding="utf-8")
    fsync_path(staging / CHECKSUMS)
    fsync_path(staging)
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
    section_bytes = [section.encode("utf-8") for section in sections]
    section_start = np.zeros(len(sections) + 1, dtype=np.int64)
    np.cumsum([len(b) + 1 for b in section_bytes], out=section_start[1:])
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
        "section_start": section_start,
        "sections": section_bytes,
    }


def _postings(texts: list[str]) -> dict[str, np.ndarray]:
    """For every character and pair: the sorted, distinct passages that contain it.

    Keys (gram code << 32 | passage) are built a chunk of passages at a time, so the
    temporary arrays stay a few times the size of one chunk, not of the whole archive.
    """
    keys = _sorted([_chunk_keys(texts[begin:end], begin) for begin, end in _chunks(texts)])
    # chunks hold different passages, so no key repeats across them
    halves = keys.astype("<u8", copy=False).view("<u4")  # low, high 32 bits of each key
    passages, codes = halves[0::2].copy(), halves[1::2].copy()
    del keys, halves
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))[: len(codes)]
    return {
        "gram_codes": codes[starts],
        "gram_offsets": np.append(starts, len(codes)).astype(np.int64),
        "gram_passages": passages,
    }


def _sorted(chunks: list[np.ndarray]) -> np.ndarray:
    """The chunks' keys in one sorted array, each chunk freed as soon as it is moved."""
    keys = np.empty(sum(len(chunk) for chunk in chunks), dtype=np.uint64)
    at = 0
    while chunks:
        chunk = chunks.pop(0)
        keys[at : at + len(chunk)] = chunk
        at += len(chunk)
    keys.sort()
    return keys


def _chunks(texts: list[str]) -> Iterator[tuple[int, int]]:
    """Runs of passages [begin, end) of about _CHUNK_CHARS characters (at least one each)."""
    begin = 0
    while begin < len(texts):
        end, size = begin, 0
        while end < len(texts) and (size < _CHUNK_CHARS or end == begin):
            size += len(texts[end]) + 1
            end += 1
        yield begin, end
        begin = end


def _positions(
    texts: list[str], codes: np.ndarray, passage_start: np.ndarray
) -> dict[str, np.ndarray]:
    """For every code of the postings, the sorted byte offsets in the text where that pair
    starts (a single character's code has none: its range is empty).

    Keys (pair code << 32 | offset) are built a chunk at a time like the postings', then
    sorted at once: 8 bytes per character of the segment at peak, plus 4 for the result.
    """
    if int(passage_start[-1]) > np.iinfo(np.int32).max:
        raise ValueError(f"{int(passage_start[-1])} bytes of text in one segment: over 2 GB")
    keys = _sorted(
        [
            _chunk_positions(texts[begin:end], int(passage_start[begin]))
            for begin, end in _chunks(texts)
        ]
    )
    starts = np.searchsorted(keys, np.asarray(codes, dtype=np.uint64) << np.uint64(32))
    return {
        "position_offsets": np.append(starts, len(keys)).astype(np.int64),
        "gram_positions": keys.view("<u4")[0::2].astype(np.int32),
    }


def _chunk_positions(texts: list[str], first_byte: int) -> np.ndarray:
    chars = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32)
    widths = 1 + (chars >= 0x80).astype(np.int64) + (chars >= 0x800) + (chars >= 0x10000)
    starts = np.cumsum(widths) - widths + first_byte  # each character's byte offset
    codes = np.where(chars > 0xFFFF, _ASTRAL, chars).astype(np.uint64)
    pair_ok = (chars[:-1] != 0x0A) & (chars[1:] != 0x0A)
    pairs = (codes[:-1] << np.uint64(16)) | codes[1:]
    return (pairs[pair_ok] << np.uint64(32)) | starts[:-1][pair_ok].astype(np.uint64)


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


def _check_consistent(
    path: Path, tables: dict, arrays: dict, text: bytes | mmap.mmap, sections: bytes | mmap.mmap
) -> None:
    """Refuse a segment whose parts disagree (a truncated or mixed-up file), instead of
    answering searches from it. Costs a few comparisons, not a read of the postings."""
    passages = len(arrays["passage_report"])
    reports = len(tables["files"])
    checks = {
        "passages.txt": len(text) == max(int(arrays["passage_start"][-1]) - 1, 0),
        "sections.txt": len(sections) == max(int(arrays["section_start"][-1]) - 1, 0),
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
        "positions": len(arrays["position_offsets"]) == len(arrays["gram_codes"]) + 1
        and int(arrays["position_offsets"][-1]) == len(arrays["gram_positions"]),
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


def gram_codes(term: str) -> list[int]:
    """The posting lists a term's passages all appear in: its character, or its pairs."""
    if len(term) == 1:
        return [(_points(term)[0] << 16) | _UNIGRAM]
    return sorted(set(_pair_codes(term)))


def _points(term: str) -> list[int]:
    """Each character's code in grams: beyond the BMP, one shared code."""
    return [ord(ch) if ord(ch) <= 0xFFFF else _ASTRAL for ch in term]


def _pair_codes(term: str) -> list[int]:
    """The codes of the term's pairs, in order."""
    points = _points(term)
    return [(a << 16) | b for a, b in zip(points, points[1:], strict=False)]


def exact_by_postings(term: str) -> bool:
    """Whether the postings alone answer `term` (no substring test needed)."""
    return len(term) <= 2 and all(ord(ch) <= 0xFFFF for ch in term)


@dataclass
class Segment:
    """A loaded segment; its arrays and text (UTF-8 bytes) are memory-mapped."""

    path: Path
    text: bytes | mmap.mmap
    section_text: bytes | mmap.mmap  # sections.txt
    files: list[str]
    towns: list[str]
    counties: list[str]
    # Per passage (passage_start has one more: the end of the last).
    passage_start: np.ndarray  # byte offset of its text in `text`
    passage_report: np.ndarray
    passage_cats: np.ndarray  # CATEGORY_BITS mask
    passage_section: np.ndarray  # a section (see `section`), -1 before the first heading
    # Per section (one more: the end of the last): byte offset of its path in section_text.
    section_start: np.ndarray
    # Per report (report_passage_start has one more); -1 or 0 is unknown.
    report_passage_start: np.ndarray
    report_year: np.ndarray
    report_town: np.ndarray  # index into `towns`
    report_county: np.ndarray  # index into `counties`
    report_length: np.ndarray  # characters
    # Postings: the passages of gram_codes[i] are gram_passages[gram_offsets[i]:…[i + 1]].
    gram_codes: np.ndarray
    gram_offsets: np.ndarray
    gram_passages: np.ndarray
    # Positions: the byte offsets in `text` where pair gram_codes[i] starts are
    # gram_positions[position_offsets[i]:…[i + 1]], sorted (none for a single character).
    position_offsets: np.ndarray
    gram_positions: np.ndarray

    @classmethod
    def load(cls, path: Path) -> Segment:
        tables = json.loads((path / "tables.json").read_text(encoding="utf-8"))
        if tables.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path}: text index format {tables.get('version')}")
        # Plain views of the maps: indexing a np.memmap one element at a time costs ten
        # times as much (its __getitem__ is Python), and searches do that per passage.
        arrays = {
            name: np.load(path / f"{name}.npy", mmap_mode="r").view(np.ndarray)
            for name in ARRAY_NAMES
        }
        text, section_text = _mapped(path / "passages.txt"), _mapped(path / "sections.txt")
        _check_consistent(path, tables, arrays, text, section_text)
        return cls(
            path=path,
            text=text,
            section_text=section_text,
            files=tables["files"],
            towns=tables["towns"],
            counties=tables["counties"],
            **arrays,
        )

    @property
    def section_count(self) -> int:
        return len(self.section_start) - 1

    def section(self, section: int) -> str:
        """A section's path as written (headings joined by SECTION_SEPARATOR)."""
        start, end = self.section_start[section], self.section_start[section + 1] - 1
        return self.section_text[start:end].decode("utf-8")

    def candidates(self, codes: list[int]) -> np.ndarray:
        """The passages (sorted local ids) in every posting list of `codes`."""
        lists = []
        for code in codes:
            at = np.searchsorted(self.gram_codes, code)
            if at == len(self.gram_codes) or self.gram_codes[at] != code:
                return np.zeros(0, dtype=np.int64)
            lists.append(self.gram_passages[self.gram_offsets[at] : self.gram_offsets[at + 1]])
        if len(lists) == 1:  # the postings themselves (mapped, read-only, uint32)
            return lists[0]
        lists.sort(key=len)
        found = np.asarray(lists[0], dtype=np.int64)
        for other in lists[1:]:
            found = intersect(found, other)
            if not len(found):
                break
        return found

    def containing(self, term: str, scope: np.ndarray | None = None) -> np.ndarray:
        """The passages (sorted local ids) holding `term`, deleted ones included; with `scope`
        (a mask over the segment's passages), only those in it."""
        if exact_by_postings(term):
            found = self.candidates(gram_codes(term))
        elif len(term) == 1:  # beyond the BMP: its code is shared, and such text is rare
            found = self.candidates(gram_codes(term))
            found = found[self.holding(term, found)]
        else:
            return self._by_positions(term, scope)
        return found if scope is None else found[scope[found]]

    def _by_positions(self, term: str, scope: np.ndarray | None = None) -> np.ndarray:
        """The passages holding `term` (two or more characters), from the positions of its
        rarest pair: each shifted to where the term would start and checked byte by byte,
        one NumPy gather per byte over all of them (a match cannot cross passages: the text
        between them is a newline). Reading the text at a position costs a cache miss or
        two, most of the lookup: with a `scope`, only the positions in its passages are read.
        """
        needle = term.encode("utf-8")
        points = _points(term)
        codes = np.array(_pair_codes(term), dtype=self.gram_codes.dtype)  # int64 copies gram_codes
        at = np.searchsorted(self.gram_codes, codes)
        missing = (at == len(self.gram_codes)).any() or (self.gram_codes[at] != codes).any()
        if missing or "\n" in term:
            return _NO_PASSAGES
        counts = self.position_offsets[at + 1] - self.position_offsets[at]
        pair = int(np.argmin(counts))
        shift = len(term[:pair].encode("utf-8"))
        known = range(0)  # the pair's own bytes, when its code names its characters
        if _ASTRAL not in points[pair : pair + 2]:
            known = range(shift, len(term[: pair + 2].encode("utf-8")))
        lo, hi = self.position_offsets[at[pair]], self.position_offsets[at[pair] + 1]
        starts = self.gram_positions[lo:hi].astype(np.int64)
        if shift:
            starts -= shift
        data = self._bytes
        starts = starts[(starts >= 0) & (starts <= len(data) - len(needle))]
        if scope is not None:
            starts = starts[scope[np.searchsorted(self.passage_start, starts, side="right") - 1]]
        # UTF-8 continuation bytes first: a lead byte tells little (3 values cover most CJK).
        for offset in sorted(
            (j for j in range(len(needle)) if j not in known), key=lambda j: needle[j] >= 0xC0
        ):
            starts = starts[data[starts + offset] == needle[offset]]
            if not len(starts):
                return _NO_PASSAGES
        passages = np.searchsorted(self.passage_start, starts, side="right") - 1
        return passages[np.concatenate(([True], passages[1:] != passages[:-1]))]

    @cached_property
    def _bytes(self) -> np.ndarray:
        """The text as a NumPy array over the map (no copy), for gathers."""
        return np.frombuffer(self.text, dtype=np.uint8)

    def holding(self, term: str, passages: np.ndarray) -> np.ndarray:
        """Which of `passages` (local ids) hold `term`: a mask, each searched in its bounds
        (a Python call each: for a few passages, as suggestions sample them)."""
        needle = term.encode("utf-8")
        starts = self.passage_start[passages].tolist()
        ends = (self.passage_start[passages + 1] - 1).tolist()
        find = self.text.find
        return np.fromiter(
            (find(needle, start, end) >= 0 for start, end in zip(starts, ends, strict=True)),
            dtype=bool,
            count=len(starts),
        )

    def passage_text(self, passage: int) -> str:
        start, end = self.passage_start[passage], self.passage_start[passage + 1] - 1
        return self.text[start:end].decode("utf-8")

    def report_bytes(self) -> np.ndarray:
        """Bytes of text per report (with a newline per passage): the unit of sizes."""
        return np.diff(self.passage_start[self.report_passage_start])

    def entries(self, reports: Iterable[int]) -> list[ReportEntry]:
        """The entries of `reports` (local ids), read back from the segment: what a merge
        writes into the merged segment, without reading the reports' files again."""
        first = self.report_passage_start
        sections = self.section_text[:].decode("utf-8").split("\n") if self.section_count else []
        result = []
        for report in reports:
            begin, end = int(first[report]), int(first[report + 1])
            town, county = int(self.report_town[report]), int(self.report_county[report])
            start, stop = int(self.passage_start[begin]), int(self.passage_start[end])
            texts = self.text[start : stop - 1].decode("utf-8").split("\n") if end > begin else []
            result.append(
                ReportEntry(
                    file=self.files[report],
                    year=int(self.report_year[report]) or None,
                    town=self.towns[town] if town >= 0 else None,
                    county=self.counties[county] if county >= 0 else None,
                    passages=texts,
                    categories=self.passage_cats[begin:end].tolist(),
                    sections=[
                        sections[i] if i >= 0 else ""
                        for i in self.passage_section[begin:end].tolist()
                    ],
                )
            )
        return result


# The arrays on disk, one .npy file each: the fields declared as arrays above.
ARRAY_NAMES = tuple(name for name, kind in Segment.__annotations__.items() if kind == "np.ndarray")
