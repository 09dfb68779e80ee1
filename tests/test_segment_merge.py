"""The tiered merge policy (merge.py) on segment sizes alone."""

from __future__ import annotations

from indexer.merge import FLOOR_BYTES, SEGMENTS_PER_TIER, SegmentSize, plan_merges, plan_optimize

MB = 1 << 20
CAP = 128 * MB


def sizes(*megabytes: float, deleted: float = 0) -> list[SegmentSize]:
    return [SegmentSize(f"{i}-0", int(m * MB), int(deleted * MB)) for i, m in enumerate(megabytes)]


def test_a_few_segments_are_left_alone():
    assert plan_merges(sizes(*[1] * SEGMENTS_PER_TIER), CAP) == []
    assert plan_merges(sizes(100, 40, 10, 1), CAP) == []


def test_too_many_small_segments_are_merged_among_the_smallest_within_the_cap():
    segments = sizes(60, 60, *[0.5] * 20)  # 160 MB: tiers allow 8 + 8 + 1
    merges = plan_merges(segments, CAP)
    assert merges
    by_id = {s.id: s for s in segments}
    merged = [i for group in merges for i in group]
    assert len(merged) == len(set(merged))  # a segment in one merge at most
    assert not {"0-0", "1-0"} & set(merged)  # the large ones are not rewritten
    assert all(sum(by_id[i].live for i in group) <= CAP for group in merges)
    left = len(segments) - sum(len(group) - 1 for group in merges)
    assert left <= 2 * SEGMENTS_PER_TIER + 1


def test_segments_over_half_the_cap_are_only_rewritten_to_shed_deletions():
    assert plan_merges(sizes(70, 70, 70), CAP) == []
    assert plan_merges(sizes(70, 70, 70, deleted=50), CAP) == [["0-0"], ["1-0"], ["2-0"]]


def test_a_mostly_deleted_small_segment_is_rewritten():
    segments = [SegmentSize("0-0", 0, 3 * MB), *sizes(5, 5)[1:]]
    assert ["0-0"] in plan_merges(segments, CAP)


def test_the_floor_makes_tiny_segments_count_as_one_size():
    tiny = [SegmentSize(f"{i}-0", 10 + i, 0) for i in range(SEGMENTS_PER_TIER + 3)]
    assert FLOOR_BYTES > 1000
    merges = plan_merges(tiny, CAP)
    assert merges and all(len(group) >= 2 for group in merges)


def test_optimize_packs_into_the_fewest_segments_under_the_cap():
    segments = sizes(100, 60, 30, 20, 10, 5)
    groups = plan_optimize(segments, CAP)
    by_id = {s.id: s for s in segments}
    assert all(sum(by_id[i].live for i in group) <= CAP for group in groups)
    untouched = len(segments) - sum(len(group) for group in groups)
    assert len(groups) + untouched == 2  # 225 MB: two segments at least, two made
    assert plan_optimize(sizes(10), CAP) == []
    assert plan_optimize(sizes(10, deleted=1), CAP) == [["0-0"]]
