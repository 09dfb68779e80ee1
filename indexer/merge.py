"""When to merge text segments: a tiered policy, after Lucene's TieredMergePolicy.

Every commit adds a segment (what it added or changed) and deletes reports from older ones;
a search pays a lookup per segment and a deleted passage still costs disk and postings. So
segments are merged, but rarely enough that an update costs what changed, not the archive:

- Sizes are bytes of live text (what a segment's postings build costs); a segment under
  FLOOR_BYTES counts as FLOOR_BYTES, so many tiny segments are not each a tier of their own.
- The index may hold SEGMENTS_PER_TIER segments of each size tier, tiers MERGE_FACTOR times
  apart, starting from the smallest segment: about SEGMENTS_PER_TIER × log(total / smallest)
  segments in all. Above that, the cheapest merge is chosen among runs of up to MERGE_FACTOR
  segments of similar size (least skewed, smallest, most deletions reclaimed), and again
  until the count is allowed. A report is therefore rewritten about log(N) times over its
  life, as in Lucene.
- No merge produces a segment over MAX_SEGMENT_BYTES, and a segment over half of it is not
  merged again (unless DELETES_ALLOWED of its bytes are deleted: then it is rewritten). This
  is what bounds memory: a postings build sorts one segment's gram keys at once, about 10
  bytes per byte of text at peak, and the entries being written take about 2.5 more
  (`python -m bench.segments memory`: 83 MB of the benchmark's text, 1,145 MB peak RSS,
  828 MB of it over the loaded entries). A 96 MB segment so peaks near 1.2 GB at any
  archive size, leaving room under the issue's 2 GB for the rest of an update (Whoosh's
  writer, the scan of the archive); 128 MB would come close to it. A smaller cap would
  mean more segments to search: 300,000 reports hold about 2.8 GB of text, 29 to 58
  segments at this cap.
- `optimize` (fazhi-index optimize) merges down to the fewest segments the cap allows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MAX_SEGMENT_BYTES = int(os.environ.get("FAZHI_MAX_SEGMENT_MB", "96")) << 20
FLOOR_BYTES = 2 << 20
SEGMENTS_PER_TIER = 8
MERGE_FACTOR = 8
DELETES_ALLOWED = 0.33


@dataclass(frozen=True)
class SegmentSize:
    """A segment as the policy sees it: its id, bytes of live text and of deleted text."""

    id: str
    live: int
    deleted: int = 0

    @property
    def floored(self) -> int:
        return max(self.live, FLOOR_BYTES)

    @property
    def deleted_share(self) -> float:
        return self.deleted / max(self.live + self.deleted, 1)


def plan_merges(segments: list[SegmentSize], max_bytes: int | None = None) -> list[list[str]]:
    """The merges to run (each a list of segment ids), none when the index is in shape."""
    max_bytes = max_bytes or MAX_SEGMENT_BYTES
    merges: list[list[str]] = []
    taken: set[int] = set()
    too_big = [s for s in segments if s.live > max_bytes // 2]
    for segment in too_big:  # a large segment is only rewritten to shed its deletions
        if segment.deleted_share > DELETES_ALLOWED:
            merges.append([segment.id])
            taken.add(segment.id)
    eligible = sorted(
        (s for s in segments if s.live <= max_bytes // 2), key=lambda s: s.live, reverse=True
    )
    count = len(segments)
    allowed = len(too_big) + _allowed(eligible)
    while count > allowed:
        best = _best_merge([s for s in eligible if s.id not in taken], max_bytes)
        if best is None:
            break
        merges.append([s.id for s in best])
        taken.update(s.id for s in best)
        count -= len(best) - 1
    for segment in eligible:  # one mostly deleted is rewritten on its own
        if segment.id not in taken and segment.deleted_share > DELETES_ALLOWED:
            merges.append([segment.id])
    return merges


def plan_optimize(segments: list[SegmentSize], max_bytes: int | None = None) -> list[list[str]]:
    """Merges down to the fewest segments under `max_bytes` (largest first, each into the
    first group it fits); a segment left alone is rewritten if it holds deletions."""
    max_bytes = max_bytes or MAX_SEGMENT_BYTES
    groups: list[tuple[int, list[SegmentSize]]] = []
    for segment in sorted(segments, key=lambda s: s.live, reverse=True):
        for at, (size, members) in enumerate(groups):
            if size + segment.live <= max_bytes:
                groups[at] = (size + segment.live, [*members, segment])
                break
        else:
            groups.append((segment.live, [segment]))
    return [
        [s.id for s in members]
        for _, members in groups
        if len(members) > 1 or members[0].deleted or not members[0].live
    ]


def _allowed(segments: list[SegmentSize]) -> int:
    """How many segments of these sizes the tiers allow (Lucene's allowedSegCount)."""
    if not segments:
        return 0
    remaining = sum(s.floored for s in segments)
    level = min(s.floored for s in segments)
    allowed = 0
    while True:
        at_level = remaining / level
        if at_level < SEGMENTS_PER_TIER:
            return allowed + max(1, -int(-at_level // 1))
        allowed += SEGMENTS_PER_TIER
        remaining -= SEGMENTS_PER_TIER * level
        level *= MERGE_FACTOR


def _best_merge(eligible: list[SegmentSize], max_bytes: int) -> list[SegmentSize] | None:
    """The cheapest run of up to MERGE_FACTOR segments (largest first) under the cap: the
    lowest skew (largest / total: a merge of equals is worth it), smallest, with the most
    deletions reclaimed (Lucene's score)."""
    best, best_score = None, 0.0
    for start in range(len(eligible)):
        run, size = [], 0
        for segment in eligible[start:]:
            if len(run) == MERGE_FACTOR:
                break
            if size + segment.live <= max_bytes:
                run.append(segment)
                size += segment.live
        if len(run) < 2:
            continue
        floored = sum(s.floored for s in run)
        skew = run[0].floored / floored
        kept = size / max(sum(s.live + s.deleted for s in run), 1)
        score = skew * max(size, 1) ** 0.05 * kept**2
        if best is None or score < best_score:
            best, best_score = run, score
    return best
