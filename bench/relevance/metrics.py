"""The measures, on rankings of gains (the grade of the passage a system shows per report).

Gains are linear (2 answers, 1 partly), as in the TREC convention for graded judgements; the
discount is log2(rank + 1). An empty slot counts 0, so a system that returns three good
reports scores at most 3/5 precision@5: an empty page is never rewarded.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def precision_at(gains: Sequence[int], k: int = 5) -> float:
    """Share of the first k slots holding a result of gain ≥ 1."""
    return sum(1 for gain in gains[:k] if gain >= 1) / k


def dcg_at(gains: Sequence[int], k: int) -> float:
    return sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains[:k]))


def ndcg_at(gains: Sequence[int], ideal: Sequence[int], k: int = 10) -> float:
    """DCG of the ranking over DCG of the best possible one (`ideal`: each report's best
    grade, in any order); 0 when nothing in the archive is relevant."""
    best = dcg_at(sorted(ideal, reverse=True), k)
    return dcg_at(gains, k) / best if best else 0.0
