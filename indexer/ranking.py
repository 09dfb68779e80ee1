"""Scores for passages and reports: BM25 over the query's words, then proximity and place.

A report is as good as the passages that answer the query, so scoring is at passage level.
A *unit* is what the query counts once: a topic word with its synonyms, a quoted phrase or OR
group, and a run-together term as typed (so a passage holding 基层普法宣传 whole beats one
holding the words apart). A passage scores BM25 over the units it holds (k1 1.2, b 0.75, idf
from the passages in scope, length against the average in scope; a passage shorter than the
average counts as average, so a bare heading is no better than the paragraph under it).

Every hit gets that score from the postings, counting a unit once per passage. The passages
that can reach the first page (the best few of the first RERANKED reports) are then scored on
their text: BM25 with each unit's real frequency, times
- proximity: 1 + 0.5 × (the units' length / the shortest span holding one of each), when
  the passage holds two units or more;
- heading: 1 + 0.3 × the share of units its section's headings hold;
- part: 1.5 when it lies in a part the query asks for (问题 → 存在的不足; see CATEGORY_CUES).
A report's score is its best passage's, plus a quarter of the rest (at most as much again):
one excellent passage beats many weak ones, and of two equal ones the fuller report wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .textindex import TextIndex

BM25_K1, BM25_B = 1.2, 0.75
PROXIMITY, HEADING, PART = 0.5, 0.3, 1.5
SHORTEST = 1.0  # of the average length: shorter passages count as that long (a bare heading
# is no better than a paragraph), longer ones are discounted as BM25 does
RERANKED = 50  # reports whose passages are scored on their text: five pages
RERANKED_PASSAGES = 3  # per report


@dataclass(frozen=True)
class Unit:
    forms: tuple[str, ...]  # a passage holding any of them holds the unit
    passages: np.ndarray  # sorted: the passages in scope holding it
    idf: float


def idf(df: int, total: int) -> float:
    return math.log(1 + (total - df + 0.5) / (df + 0.5))


class Scorer:
    def __init__(
        self,
        text: TextIndex,
        units: list[Unit],
        scope_passages: int,
        average_length: float,
        category_bits: int,
    ) -> None:
        self.text = text
        self.units = units
        self.total = scope_passages
        self.average = max(average_length, 1.0)
        self.category_bits = category_bits
        self._full: dict[int, float] = {}
        self._headings: dict[int, str] = {}

    def base(self, hits: np.ndarray) -> np.ndarray:
        """Each hit's BM25 from the postings alone (a unit counted once per passage).

        The units' idf is summed in a dense array over the span of passages the hits cover:
        linear in the lists, where a binary search per passage of a common word's list
        would cost more than the rest of the search.
        """
        if not len(hits):
            return np.zeros(0)
        first, last = int(hits[0]), int(hits[-1]) + 1
        dense = np.zeros(last - first)
        for unit in self.units:
            inside = unit.passages[
                np.searchsorted(unit.passages, first) : np.searchsorted(unit.passages, last)
            ]
            dense[inside - first] += unit.idf
        # BM25's length saturation, (k1 + 1) / (1 + k1 (1 - b + b length / average)), in
        # place: on a million hits each temporary array costs as much as the arithmetic.
        start = self.text.passage_start
        length = start[hits + 1] - start[hits]
        length -= 1
        saturation = np.maximum(length, SHORTEST * self.average)
        saturation *= BM25_B
        saturation /= self.average
        saturation += 1 - BM25_B
        saturation *= BM25_K1
        saturation += 1
        np.divide(BM25_K1 + 1, saturation, out=saturation)
        scores = dense[hits - first]
        scores *= saturation
        if self.category_bits:
            in_part = (self.text.passage_cats[hits] & self.category_bits) != 0
            scores[in_part] *= PART
        return scores

    def full(self, passage: int) -> float:
        """A passage's score from its text: frequencies, proximity, headings, part."""
        if passage not in self._full:
            self._full[passage] = self._scored(passage)
        return self._full[passage]

    def _scored(self, passage: int) -> float:
        text = self.text.passage_text(passage)
        length = max(self.text.passage_length(passage), SHORTEST * self.average)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * length / self.average)
        score, held, in_heading = 0.0, {}, 0
        heading = self._heading(int(self.text.passage_section[passage]))
        for index, unit in enumerate(self.units):
            found = [(at, len(form)) for form in unit.forms for at in _occurrences(text, form)]
            if not found:
                continue
            tf = len(found)
            score += unit.idf * tf * (BM25_K1 + 1) / (tf + norm)
            held[index] = found
            in_heading += any(form in heading for form in unit.forms)
        if len(held) > 1:
            spans = [(at, at + size, index) for index, found in held.items() for at, size in found]
            shortest = _shortest_cover(spans, len(held))
            length = sum(min(size for _, size in found) for found in held.values())
            score *= 1 + PROXIMITY * min(length / shortest, 1.0)
        if self.units:
            score *= 1 + HEADING * in_heading / len(self.units)
        if self.text.passage_cats[passage] & self.category_bits:
            score *= PART
        return score

    def _heading(self, section: int) -> str:
        """A section's path normalized, once per search: a report's best passages often
        share one."""
        if section not in self._headings:
            self._headings[section] = self.text.normalized_section(section)
        return self._headings[section]


def report_scores(passage_scores: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Reports' scores from their passages': report i's are passage_scores[starts[i] :
    starts[i + 1]] (`starts` ends with their number)."""
    if not len(passage_scores):
        return np.zeros(0)
    best = np.maximum.reduceat(passage_scores, starts[:-1])
    rest = np.add.reduceat(passage_scores, starts[:-1]) - best
    return best + 0.25 * np.minimum(rest, best)


def combined(scores: list[float]) -> float:
    """A report's score from its passages' (the same rule as report_scores)."""
    best = max(scores, default=0.0)
    return best + 0.25 * min(sum(scores) - best, best)


def _occurrences(text: str, form: str) -> list[int]:
    found, at = [], text.find(form)
    while at >= 0:
        found.append(at)
        at = text.find(form, at + 1)
    return found


def _shortest_cover(spans: list[tuple[int, int, int]], kinds: int) -> int:
    """The shortest stretch of text holding a span of each of `kinds` units."""
    spans = sorted(spans)
    best = math.inf
    last: dict[int, tuple[int, int]] = {}
    for start, end, index in spans:
        last[index] = (start, end)
        if len(last) == kinds:
            begin = min(s for s, _ in last.values())
            finish = max(e for _, e in last.values())
            best = min(best, finish - begin)
    return int(best)
