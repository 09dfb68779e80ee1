"""The measures, on rankings of gains (the grade of the passage a system shows per report).

Gains are linear (2 answers, 1 partly), as in the TREC convention for graded judgements; the
discount is log2(rank + 1). An empty slot counts 0, so a system that returns three good
reports scores at most 3/5 precision@5: an empty page is never rewarded.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence


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


class Scores:
    """The measures of one ranking of (file, position) results against a query's grades."""

    def __init__(self, ranking: Sequence[tuple[str, int]], grades: dict, ideal: list[int]):
        gains = [grades.get(hit, 0) for hit in ranking[:10]]
        self.results = len(ranking)
        self.precision = precision_at(gains, 5)
        self.ndcg = ndcg_at(gains, ideal, 10)


def ideal_gains(grades: dict, keep: Callable[[str], bool] = lambda file: True) -> list[int]:
    """The best grade of each report (among those `keep` accepts) with a graded passage."""
    best: dict[str, int] = {}
    for (file, _), grade in grades.items():
        if keep(file):
            best[file] = max(best.get(file, 0), grade)
    return list(best.values())


def evaluate(queries, grades: dict, rankings: dict, keep=lambda file: True) -> dict:
    """Per system, the Scores of each query with a relevant report among `keep`'s, the
    rankings and the ideal restricted to those reports."""
    scored: dict[str, list[Scores]] = {system: [] for system in rankings}
    for query in queries:
        ideal = ideal_gains(grades[query.id], keep)
        if not ideal:
            continue
        for system, runs in rankings.items():
            kept = [hit for hit in runs[query.id] if keep(hit[0])]
            scored[system].append(Scores(kept, grades[query.id], ideal))
    return scored
