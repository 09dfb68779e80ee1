"""Set operations on sorted integer arrays, which is what posting lists and id lists are.

NumPy's own (`unique`, `intersect1d`, `union1d`) sort or hash their input again; on lists of
a million passages that costs more than the rest of a search.
"""

from __future__ import annotations

import numpy as np

# A union of more values than 1/MASKED_SHARE of its universe marks them in a mask of the
# universe (one pass each, then one over the mask) instead of merging them: at 100,000
# reports the forms of one word hold a million of 1.6 million passages, and their sort took
# 20 ms where the mask takes 2.
MASKED_SHARE = 8


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of a sorted array."""
    if len(values) < 2:
        return np.asarray(values)
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def intersect(small: np.ndarray, large: np.ndarray) -> np.ndarray:
    """Values of sorted `small` that are in sorted `large`: a binary search per value."""
    if not len(small) or not len(large):
        return small[:0]
    at = np.searchsorted(large, small)
    at[at == len(large)] = 0
    return small[large[at] == small]


def union(arrays: list[np.ndarray], size: int | None = None) -> np.ndarray:
    """The distinct values of several sorted arrays of distinct values, sorted; `size`, when
    given, bounds the values (all are below it). One array (or one not empty) is returned as
    it is."""
    if len(arrays) > 1:
        arrays = [values for values in arrays if len(values)] or arrays[:1]
    if len(arrays) == 1:
        return arrays[0]
    total = sum(len(a) for a in arrays)
    if size is not None and total * MASKED_SHARE >= size:
        marked = np.zeros(size, dtype=bool)
        for values in arrays:
            marked[values] = True
        return np.flatnonzero(marked).astype(np.result_type(*arrays), copy=False)
    merged = np.concatenate(arrays)
    merged.sort(kind="stable")  # a merge of sorted runs (timsort), not a sort from scratch
    return distinct(merged)


def difference(values: np.ndarray, remove: np.ndarray) -> np.ndarray:
    """Values of sorted `values` not in sorted `remove`."""
    if not len(values) or not len(remove):
        return values
    at = np.searchsorted(remove, values)
    at[at == len(remove)] = 0
    return values[remove[at] != values]
