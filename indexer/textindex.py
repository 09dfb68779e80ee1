"""The passage text index of one generation: exact substring search over its segments.

A generation of the index (Whoosh's generation N) has a small file `text-N.json` beside
Whoosh, written before Whoosh publishes N: the segments (segment.py) that make it up, in
order, and for each the reports deleted from it since it was written (replaced by a newer
version in a later segment, or removed from the archive). An update writes one new segment
holding what it added or changed and never rewrites the older ones; merge.py combines them.

`TextIndex` reads a generation as if it were one index: reports and passages get global ids
over the LIVE ones only, in segment order, so per-segment results concatenate into sorted
lists; the small per-report and per-passage tables are concatenated (or, for one segment
without deletions, used as mapped), the postings and text stay in their segments. Deleted
passages are never counted: a report's BM25 (passage count, average length, idf) and the
facets do not depend on how the index happens to be segmented.
"""

from __future__ import annotations

import bisect
import json
import re
import shutil
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .durable import write_synced
from .normalize import normalize
from .segment import (
    FORMAT_VERSION,
    ReportEntry,
    Segment,
    category_mask,
    exact_by_postings,
    segment_dir,
    segment_ids,
)

__all__ = ["FORMAT_VERSION", "ReportEntry", "TextIndex", "category_mask"]

# Passage ids (8 bytes each) kept by a text index's cache of terms' passages: 32 MB.
TERM_CACHE_IDS = 4_000_000
# In-scope passages of a segment up to which a term is tested in each (about 1 µs each)
# rather than found from its pair's positions (tens of ms for a common pair at 100,000 reports).
SCOPE_TESTED = 2_000
# A scope holding at most 1/NARROW_SCOPE of a segment's passages (a year, a part of the
# reports) is handed to the segment, which then reads the text only at positions in it.
NARROW_SCOPE = 4
_GENERATION = re.compile(r"text-(\d+)\.json")


@dataclass(frozen=True)
class SegmentRef:
    """A segment of a generation and the reports (local ids, sorted) deleted from it."""

    id: str
    deleted: tuple[int, ...] = ()


def generation_path(index_dir: Path, generation: int) -> Path:
    return index_dir / f"text-{generation}.json"


def existing_generations(index_dir: Path) -> list[int]:
    found = (_GENERATION.fullmatch(p.name) for p in index_dir.glob("text-*.json"))
    return sorted(int(m.group(1)) for m in found if m)


def read_generation(index_dir: Path, generation: int) -> list[SegmentRef]:
    data = json.loads(generation_path(index_dir, generation).read_text(encoding="utf-8"))
    if data.get("version") != FORMAT_VERSION:
        raise ValueError(f"text-{generation}.json: text index format {data.get('version')}")
    return [SegmentRef(str(s["id"]), tuple(s["deleted"])) for s in data["segments"]]


def write_generation(index_dir: Path, generation: int, refs: list[SegmentRef]) -> None:
    """Publish the text index of `generation` (before Whoosh commits it: a reader that sees
    the generation always finds its segments)."""
    data = {
        "version": FORMAT_VERSION,
        "segments": [{"id": r.id, "deleted": list(r.deleted)} for r in refs],
    }
    write_synced(generation_path(index_dir, generation), json.dumps(data).encode())


def drop_older_text_indexes(index_dir: Path, generation: int) -> None:
    """Remove generation files before the one preceding `generation` (a reader that listed
    the previous generation just before the commit may still be opening it; at the end of an
    update, `generation + 1` leaves only the last one) and those after it (never committed),
    then every segment no remaining generation lists."""
    for old in existing_generations(index_dir):
        if old < generation - 1 or old > generation:
            generation_path(index_dir, old).unlink(missing_ok=True)
    drop_unlisted_segments(index_dir)


def drop_unlisted_segments(index_dir: Path) -> None:
    listed: set[str] = set()
    for kept in existing_generations(index_dir):
        try:
            listed.update(ref.id for ref in read_generation(index_dir, kept))
        except (OSError, ValueError, KeyError, TypeError):
            return  # a damaged generation file: keep everything until it is repaired
    for segment in segment_ids(index_dir):
        if segment not in listed:
            shutil.rmtree(segment_dir(index_dir, segment), ignore_errors=True)


@dataclass
class _Part:
    """A segment as part of a generation: where its live passages start among the global
    ids, and (when reports were deleted from it) each local passage's global id or -1."""

    segment: Segment
    first_passage: int
    live_reports: np.ndarray | None  # local ids of the live reports; None: all
    live_passages: np.ndarray | None  # local ids of the live passages; None: all
    to_global: np.ndarray | None  # None: local id + first_passage

    def globals_of(self, local: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(local, global) ids of the live ones among sorted `local` ids."""
        if self.to_global is None:
            return local, local + self.first_passage
        ids = self.to_global[local]
        keep = ids >= 0
        return local[keep], ids[keep]

    def local_scope(self, within: np.ndarray) -> np.ndarray:
        """A mask over the live passages (a scope's slice) as a mask over the segment's."""
        if self.live_passages is None:
            return within
        local = np.zeros(len(self.segment.passage_report), dtype=bool)
        local[self.live_passages] = within
        return local

    def local_of(self, passages: np.ndarray) -> np.ndarray:
        offset = np.asarray(passages, dtype=np.int64) - self.first_passage
        return offset if self.live_passages is None else self.live_passages[offset]


def _merged_table(
    parts: list[list[str]],
) -> tuple[list[str], list[np.ndarray]]:
    """One table of names for several segments' tables, and each local id's global id."""
    table: dict[str, int] = {}
    maps = []
    for names in parts:
        ids = [table.setdefault(name, len(table)) for name in names]
        maps.append(np.array([*ids, -1], dtype=np.int32))  # -1 (unknown) maps to -1
    return list(table), maps


def _remapped(ids: np.ndarray, mapping: np.ndarray) -> np.ndarray:
    """Local ids through `mapping` (its last entry is for -1); no copy when it is identity."""
    if len(mapping) == 1 or np.array_equal(mapping[:-1], np.arange(len(mapping) - 1)):
        return ids
    return mapping[ids]


def _shifted(ids: np.ndarray, offset: int) -> np.ndarray:
    """Local ids moved up by `offset`, -1 (none) kept; no copy when `offset` is 0."""
    if not offset:
        return ids
    return np.where(ids >= 0, ids + offset, -1).astype(np.int32)


def _joined(pieces: list[np.ndarray], dtype: type) -> np.ndarray:
    if len(pieces) == 1:
        return pieces[0]
    return np.concatenate(pieces).astype(dtype, copy=False) if pieces else np.zeros(0, dtype)


@dataclass
class TextIndex:
    """A generation's text index: its segments, read as one index over the live reports."""

    path: Path
    parts: list[_Part]
    files: list[str]
    towns: list[str]
    counties: list[str]
    # Where each part's sections start among the global section ids: the segments' tables
    # one after the other, a path used in several segments listed once for each (merging
    # them cost a second at 100,000 reports); one more entry, the number of sections.
    section_offsets: list[int]
    # Per passage. passage_start has one more entry: the differences are each passage's
    # length in bytes plus one, as if the live passages were one text.
    passage_start: np.ndarray
    passage_report: np.ndarray
    passage_cats: np.ndarray  # CATEGORY_BITS mask
    passage_section: np.ndarray  # a section (see `section`), -1 before the first heading
    # Per report (report_passage_start has one more); -1 or 0 is unknown.
    report_passage_start: np.ndarray
    report_year: np.ndarray
    report_town: np.ndarray  # index into `towns`
    report_county: np.ndarray  # index into `counties`
    report_length: np.ndarray  # characters
    _normalized_sections: tuple[str, np.ndarray] | None = None  # text, each line's start
    _ranks: dict[str, np.ndarray] = field(default_factory=dict)
    _terms: OrderedDict[str, np.ndarray] = field(default_factory=OrderedDict)
    _terms_ids: int = 0
    _terms_lock: threading.Lock = field(default_factory=threading.Lock)
    _firsts: list[int] = field(default_factory=list)

    @classmethod
    def load(cls, index_dir: Path, generation: int) -> TextIndex:
        refs = read_generation(index_dir, generation)
        segments = [Segment.load(segment_dir(index_dir, ref.id)) for ref in refs]
        return cls.of(generation_path(index_dir, generation), segments, refs)

    @classmethod
    def of(cls, path: Path, segments: list[Segment], refs: list[SegmentRef]) -> TextIndex:
        """Concatenate the segments' small tables over their live reports."""
        towns, town_maps = _merged_table([s.towns for s in segments])
        counties, county_maps = _merged_table([s.counties for s in segments])
        section_offsets = np.cumsum([0] + [s.section_count for s in segments]).tolist()
        parts, files, columns = [], [], {name: [] for name in _COLUMNS}
        first_report = first_passage = 0
        for at, (segment, ref) in enumerate(zip(segments, refs, strict=True)):
            reports = len(segment.files)
            lengths = np.diff(segment.passage_start)
            counts = np.diff(segment.report_passage_start)
            report_of = segment.passage_report
            if ref.deleted:
                live = np.ones(reports, dtype=bool)
                live[list(ref.deleted)] = False
                live_reports = np.flatnonzero(live)
                passage_live = live[report_of]
                live_passages = np.flatnonzero(passage_live)
                to_global = np.full(len(report_of), -1, dtype=np.int64)
                to_global[live_passages] = np.arange(len(live_passages)) + first_passage
                report_id = np.cumsum(live) - 1
                pick_r, pick_p = live_reports, live_passages
                files.extend(segment.files[i] for i in live_reports.tolist())
            else:
                live_reports = live_passages = to_global = None
                report_id = None
                pick_r = pick_p = slice(None)
                files.extend(segment.files)
            parts.append(_Part(segment, first_passage, live_reports, live_passages, to_global))
            local_report = report_of[pick_p]
            global_report = report_id[local_report] if report_id is not None else local_report
            columns["passage_report"].append(
                global_report + first_report if first_report else global_report
            )
            columns["passage_cats"].append(segment.passage_cats[pick_p])
            columns["passage_section"].append(
                _shifted(segment.passage_section[pick_p], section_offsets[at])
            )
            columns["lengths"].append(lengths[pick_p])
            columns["counts"].append(counts[pick_r])
            columns["report_year"].append(segment.report_year[pick_r])
            columns["report_town"].append(_remapped(segment.report_town[pick_r], town_maps[at]))
            columns["report_county"].append(
                _remapped(segment.report_county[pick_r], county_maps[at])
            )
            columns["report_length"].append(segment.report_length[pick_r])
            first_report = len(files)
            first_passage += len(columns["passage_cats"][-1])
        if len(segments) == 1 and not refs[0].deleted:  # as written: the maps themselves
            passage_start, report_passage_start = (
                segments[0].passage_start,
                segments[0].report_passage_start,
            )
        else:
            passage_start = _starts(columns["lengths"])
            report_passage_start = _starts(columns["counts"])
        return cls(
            path=path,
            parts=parts,
            files=files,
            towns=towns,
            counties=counties,
            section_offsets=section_offsets,
            passage_start=passage_start,
            passage_report=_joined(columns["passage_report"], np.int32),
            passage_cats=_joined(columns["passage_cats"], np.uint8),
            passage_section=_joined(columns["passage_section"], np.int32),
            report_passage_start=report_passage_start,
            report_year=_joined(columns["report_year"], np.int16),
            report_town=_joined(columns["report_town"], np.int32),
            report_county=_joined(columns["report_county"], np.int32),
            report_length=_joined(columns["report_length"], np.int32),
            _firsts=[part.first_passage for part in parts],
        )

    @property
    def passage_count(self) -> int:
        return len(self.passage_report)

    def _part(self, passage: int) -> _Part:
        return self.parts[bisect.bisect_right(self._firsts, passage) - 1]

    def passage_text(self, passage: int) -> str:
        part = self._part(passage)
        return part.segment.passage_text(int(part.local_of(np.array([passage]))[0]))

    def passage_length(self, passage: int) -> int:
        """In bytes: what BM25 compares (the average is in bytes too)."""
        return int(self.passage_start[passage + 1] - self.passage_start[passage] - 1)

    @property
    def average_length(self) -> float:
        """Bytes per live passage."""
        count = max(self.passage_count, 1)
        return (int(self.passage_start[-1]) - self.passage_count) / count

    def holding(self, term: str, passages: np.ndarray) -> np.ndarray:
        """Which of `passages` hold `term`: a mask, each searched within its own bounds."""
        passages = np.asarray(passages, dtype=np.int64)
        if len(self.parts) == 1:
            return self.parts[0].segment.holding(term, self.parts[0].local_of(passages))
        mask = np.zeros(len(passages), dtype=bool)
        which = np.searchsorted(self._firsts, passages, side="right") - 1
        for at, part in enumerate(self.parts):
            chosen = np.flatnonzero(which == at)
            if len(chosen):
                mask[chosen] = part.segment.holding(term, part.local_of(passages[chosen]))
        return mask

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
        """The passages (sorted ids) in `scope` (a bool mask, or None for all) holding `term`:
        each segment's (segment.py: postings, or positions for 3+ characters), live and in
        scope. A scope of a few passages in a segment (a town's reports) is tested passage by
        passage instead: cheaper than the positions of a common pair."""
        found = []
        exact = exact_by_postings(term)
        ends = [*self._firsts[1:], self.passage_count]
        for part, end in zip(self.parts, ends, strict=False):  # no parts: no ends either
            narrow = None
            if scope is not None and not exact:
                within = scope[part.first_passage : end]
                count = np.count_nonzero(within)
                if count <= SCOPE_TESTED:
                    ids = np.flatnonzero(within) + part.first_passage
                    found.append(ids[part.segment.holding(term, part.local_of(ids))])
                    continue
                if count * NARROW_SCOPE <= len(within):
                    narrow = part.local_scope(within)
            local = part.segment.containing(term, narrow)
            if part.to_global is not None:
                local = part.to_global[local]
                found.append(local[local >= 0])
            else:
                found.append(_Shifted(local, part.first_passage))
        return _joined_ids(found, scope)

    def pair_postings(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray, _Part]]:
        """Each segment's postings (codes, offsets, passages) and its part, for suggestions,
        which read the table of pairs directly (map passages with `live_global`)."""
        return [
            (p.segment.gram_codes, p.segment.gram_offsets, p.segment.gram_passages, p)
            for p in self.parts
        ]

    @staticmethod
    def live_global(part: _Part, local: np.ndarray) -> np.ndarray:
        """The global ids of the live ones of a segment's sorted local passage ids."""
        return part.globals_of(np.asarray(local, dtype=np.int64))[1]

    def file_ranks(self) -> np.ndarray:
        """Each report's place in file name order: results break ties by name, whatever
        segment a report sits in."""
        if "files" not in self._ranks:
            ranks = np.empty(len(self.files), dtype=np.int64)
            ranks[sorted(range(len(self.files)), key=self.files.__getitem__)] = np.arange(
                len(self.files)
            )
            self._ranks["files"] = ranks
        return self._ranks["files"]

    def name_ranks(self, table: str) -> np.ndarray:
        """Each name's place in sorted order in `table` (towns, counties): facets sort their
        values by name on every search, and comparing these ranks is cheaper than strings."""
        if table not in self._ranks:
            names = getattr(self, table)
            ranks = np.empty(len(names), dtype=np.int64)
            ranks[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names))
            self._ranks[table] = ranks
        return self._ranks[table]

    @property
    def section_count(self) -> int:
        return self.section_offsets[-1]

    def section(self, section: int) -> str:
        """A section's path as written (headings joined by SECTION_SEPARATOR)."""
        at = bisect.bisect_right(self.section_offsets, section) - 1
        return self.parts[at].segment.section(section - self.section_offsets[at])

    def normalized_section(self, section: int) -> str:
        """A section path (-1 for none) normalized, for matching: one path at a time, since
        a search needs those of a few hundred passages."""
        return normalize(self.section(section)) if section >= 0 else ""

    def section_ids_with(self, words: str) -> np.ndarray:
        """Sections whose path contains `words` (normalized).

        The paths are normalized once, as one text with a path per line (a heading holds no
        newline), and searched with one scan of it.
        """
        if self._normalized_sections is None:
            lines = b"\n".join(
                p.segment.section_text[:] for p in self.parts if p.segment.section_count
            )
            text = normalize(lines.decode("utf-8"))
            lengths = np.fromiter((len(line) + 1 for line in text.split("\n")), np.int64)
            starts = np.concatenate(([0], np.cumsum(lengths)))
            self._normalized_sections = (text, starts)
        text, starts = self._normalized_sections
        if "\n" in words or not self.section_count:
            return np.zeros(0, dtype=np.int32)
        found = [m.start() for m in re.finditer(f"(?={re.escape(words)})", text)]
        return np.unique(np.searchsorted(starts, found, side="right") - 1).astype(np.int32)

    def entries(self) -> dict[str, ReportEntry]:
        """Every live report's entry (as indexed), by file name."""
        result = {}
        for part in self.parts:
            reports = (
                range(len(part.segment.files)) if part.live_reports is None else part.live_reports
            )
            result.update((e.file, e) for e in part.segment.entries(reports))
        return result


_COLUMNS = (
    "passage_report",
    "passage_cats",
    "passage_section",
    "lengths",
    "counts",
    "report_year",
    "report_town",
    "report_county",
    "report_length",
)


@dataclass(frozen=True)
class _Shifted:
    """A segment's local passage ids (all live), still to be moved up to global ids."""

    local: np.ndarray
    offset: int

    def __len__(self) -> int:
        return len(self.local)


def _joined_ids(pieces: list[np.ndarray | _Shifted], scope: np.ndarray | None) -> np.ndarray:
    """The segments' passage ids as one sorted int64 array, only those in `scope` (a mask) if
    given: written once into the result (a common character's postings are a million ids at
    100,000 reports: each copy of them costs a millisecond)."""
    joined = np.empty(sum(len(piece) for piece in pieces), dtype=np.int64)
    at = 0
    for piece in pieces:
        end = at + len(piece)
        if isinstance(piece, _Shifted):
            np.add(piece.local, piece.offset, out=joined[at:end], dtype=np.int64)
        else:
            joined[at:end] = piece
        at = end
    return joined if scope is None else joined[scope[joined]]


def _starts(lengths: list[np.ndarray]) -> np.ndarray:
    """Cumulative starts (one more than there are lengths, from 0)."""
    joined = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    starts = np.zeros(len(joined) + 1, dtype=np.int64)
    np.cumsum(joined, out=starts[1:])
    return starts
