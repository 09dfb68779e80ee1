"""The set operations on sorted id lists give NumPy's answers, by either way of uniting."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from indexer.sortedsets import MASKED_SHARE, difference, distinct, intersect, union

ids = st.lists(st.integers(0, 199), max_size=150).map(
    lambda v: np.array(sorted(set(v)), dtype=np.int64)
)


@given(arrays=st.lists(ids, min_size=1, max_size=5), bounded=st.booleans())
def test_union_is_numpys(arrays, bounded) -> None:
    """Bounded by 200, a union of 25 values or more goes through the mask, fewer are merged."""
    united = union(arrays, 200 if bounded else None)
    assert united.tolist() == sorted(set().union(*(a.tolist() for a in arrays)))
    assert united.dtype == np.result_type(*arrays)


def test_union_takes_the_mask_for_many_values_and_keeps_the_type() -> None:
    size = 1000
    arrays = [np.arange(0, size, 3, dtype=np.int32), np.arange(0, size, 5, dtype=np.int32)]
    assert sum(map(len, arrays)) * MASKED_SHARE >= size
    expected = np.union1d(*arrays)
    for bound in (size, None):
        united = union(arrays, bound)
        assert np.array_equal(united, expected) and united.dtype == np.int32


def test_one_list_or_one_not_empty_is_returned_itself() -> None:
    values = np.array([2, 5, 9])
    assert union([values]) is values
    assert union([values[:0], values, values[:0]], 10) is values
    assert union([values[:0], values[:0]]).tolist() == []


@given(small=ids, large=ids)
def test_intersect_difference_distinct(small, large) -> None:
    assert intersect(small, large).tolist() == sorted(set(small.tolist()) & set(large.tolist()))
    assert difference(small, large).tolist() == sorted(set(small.tolist()) - set(large.tolist()))
    repeated = np.sort(np.concatenate([small, large]))
    assert distinct(repeated).tolist() == sorted(set(repeated.tolist()))
