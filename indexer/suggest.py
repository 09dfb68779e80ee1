"""“Did you mean”: the archive's nearest words or phrases to a word that occurs nowhere in it.

When a search finds nothing, staff have usually mistyped a term or run several together. The
rule, nearest first:

1. Corrections: strings one edit from the word that occur in the archive (a character
   replaced, added or left out inside, two neighbours swapped: 行政复意 → 行政复议, 法律问 →
   法律顾问, 执法法检查 → 执法检查, 政行复议 → 行政复议), the commonest first. This is
   Norvig's spelling corrector with the archive's text as its dictionary. The characters an
   edit touches must sit inside a word of two characters or more of the correction (jieba's
   cut): 法律顾问员 → 法律顾问及 is 法律顾问 / 及, a neighbour in some sentence, not a word.
2. The word without its first or its last character (法律顾问员 → 法律顾问), commonest first:
   a part of the word, after the corrections.
3. The longest parts of the word that occur, cut back to whole words (jieba's search mode),
   longest first, then the commonest (基层普法宣传教育活动月 → 普法宣传教育活动, 基层).

Counts are of passages. A suggestion has two characters or more, no punctuation or space
(parts stay within the word's runs of letters and digits), lies within one passage, and is
never the word itself; a string nearly always seen inside a longer suggestion (执法检 inside
执法检查: in FRAGMENT_SHARE of its passages) is left out. A word of one character gets none.

The work is bounded and never reads the whole text. Candidates come from the text index's
table of character pairs: a string can occur only where every pair of it occurs, and the
characters that can fill a gap are those that form pairs with both neighbours (a range of the
sorted pair codes). Of the candidates, the _COUNTED whose rarest pair is commonest are counted
on a sample of passages (see _Occurrences.count); each suggestion has been seen in a passage.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from .analysis import segmenter
from .normalize import normalize
from .sortedsets import intersect
from .textindex import TextIndex

FRAGMENT_SHARE = 0.8  # a string found this often inside a longer suggestion is a fragment of it
_COUNTED = 20  # candidates one edit away whose passages are counted (the likeliest by pairs)
_SAMPLE = 64  # passages searched to estimate how many of a candidate's passages hold it
_SEARCHED = 128  # passages holding all of a rare term's pairs searched when the sample held none
_NO_PAIR = 1 << 62  # the bound of a candidate that keeps none of the word's pairs
_RUNS = re.compile(r"[^\W_]+")  # runs of letters and digits: a part never spans punctuation

# The text index's codes (textindex.py): a pair of characters is first << 16 | second, both in
# the Basic Multilingual Plane; a single character is c << 16 | 0xFFFF, and 0xFFFE stands for
# every character beyond the BMP, so neither names a character that could fill a gap.
_SHIFT = 16
_LOW = 0xFFFF
_LAST_CHARACTER = 0xFFFD
_NONE = np.zeros(0, dtype=np.int64)


def nearest_phrases(text: TextIndex, word: str, limit: int = 5) -> list[str]:
    """Up to `limit` strings of the archive nearest to `word`, nearest first (see above)."""
    word = normalize(word)
    if len(word) < 2 or limit < 1:
        return []
    pairs = _PairTable(text)
    seen = _Occurrences(text, pairs)
    candidates = _one_edit(pairs, word)
    edits: list[str] = []
    for candidate in sorted(candidates, key=lambda c: (-candidates[c].bound, c))[:_COUNTED]:
        if sum(seen.count(c) >= candidates[candidate].bound for c in edits) > limit:
            break  # the rest are rarer than enough suggestions already found
        if seen.count(candidate) and _whole(candidate, candidates[candidate].touched):
            edits.append(candidate)
    chosen = [
        candidate
        for candidate in sorted(
            edits, key=lambda c: (candidates[c].shortened, -seen.count(c), c)
        )
        if not seen.fragment(candidate, edits)
    ]
    if len(chosen) < limit:
        parts = _parts(seen, word)
        for part in sorted(parts, key=lambda p: (-len(p), -seen.count(p), p)):
            if part not in chosen and not seen.fragment(part, chosen):
                chosen.append(part)
    return chosen[:limit]


class _Edit(NamedTuple):
    bound: int  # the passages of the candidate's rarest pair: at most its own
    shortened: bool  # a character left out at an end: a part of the word, ranked last
    touched: tuple[int, ...]  # the candidate's characters the edit changed or brought together


def _whole(candidate: str, touched: tuple[int, ...]) -> bool:
    """Whether every character an edit touched is inside a word of two characters or more of
    `candidate` (jieba's cut): 法律顾问及 is 法律顾问 / 及 and 行政意 (行政复意 without 复) is
    行政 / 意, neighbours in some sentence, not corrections."""
    if not touched:
        return True
    owner, at = [], 0
    for piece in segmenter().lcut(candidate, HMM=False):
        owner += [len(piece)] * len(piece)
        at += len(piece)
    return all(owner[i] > 1 for i in touched)


def _one_edit(pairs: _PairTable, word: str) -> dict[str, _Edit]:
    """Strings one edit from `word` whose pairs all occur, with the passages of their rarest
    pair (the order in which they are counted) and where the edit is."""
    n = len(word)
    held = [pairs.count(word[j], word[j + 1]) for j in range(n - 1)]
    missing = {j for j, count in enumerate(held) if not count}
    found: dict[str, _Edit] = {}

    def kept(removed: set[int]) -> int | None:
        """The rarest of the word's pairs an edit keeps; None when it keeps a missing one."""
        if not missing <= removed:
            return None
        return min((c for j, c in enumerate(held) if j not in removed), default=_NO_PAIR)

    def offer(candidate: str, bound: int, *touched: int, shortened: bool = False) -> None:
        if bound > 0 and len(candidate) >= 2 and candidate != word:
            known = found.get(candidate)
            if known is None or (shortened, -bound) < (known.shortened, -known.bound):
                found[candidate] = _Edit(bound, shortened, touched)

    for i in range(n):  # leave word[i] out
        bound = kept({i - 1, i})
        if bound is not None:
            if 0 < i < n - 1:
                bound = min(bound, pairs.count(word[i - 1], word[i + 1]))
                offer(word[:i] + word[i + 1 :], bound, i - 1, i)
            else:
                offer(word[:i] + word[i + 1 :], bound, shortened=True)
    for i in range(n - 1):  # swap word[i] and word[i + 1]
        bound = kept({i - 1, i, i + 1})
        if bound is not None and word[i] != word[i + 1]:
            swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
            around = range(max(i - 1, 0), min(i + 2, n - 1))
            bound = min([bound, *(pairs.count(swapped[j], swapped[j + 1]) for j in around)])
            offer(swapped, bound, i, i + 1)
    for i in range(n):  # replace word[i]
        bound = kept({i - 1, i})
        if bound is not None:
            left, right = word[i - 1] if i else None, word[i + 1] if i < n - 1 else None
            for fill, fill_bound in pairs.fills(left, right, _COUNTED):
                if fill != word[i]:
                    offer(word[:i] + fill + word[i + 1 :], min(bound, fill_bound), i)
    for i in range(n + 1):  # add a character before word[i]
        bound = kept({i - 1})
        if bound is not None:
            left, right = word[i - 1] if i else None, word[i] if i < n else None
            for fill, fill_bound in pairs.fills(left, right, _COUNTED):
                offer(word[:i] + fill + word[i:], min(bound, fill_bound), i)
    return found


def _parts(seen: _Occurrences, word: str) -> list[str]:
    """The longest parts of `word` that occur, cut at the boundaries of its words (a part that
    begins or ends inside a word is cut back to whole words: 干部职工法 → 干部职工). The words
    are jieba's in search mode, which also cuts long words into theirs (民主法治示范村 →
    民主 / 法治 / 示范村), so a long word of which only a part occurs still gives that part."""
    cuts = {0, len(word)}
    for _, start, end in segmenter().tokenize(word, mode="search", HMM=False):
        cuts.update((start, end))
    found = []
    for start, end in _longest_parts(seen, word):
        inner = [cut for cut in sorted(cuts) if start <= cut <= end]
        if len(inner) >= 2 and inner[-1] - inner[0] >= 2:
            part = word[inner[0] : inner[-1]]
            if part != word and part not in found and seen.count(part):
                found.append(part)
    return found


def _longest_parts(seen: _Occurrences, word: str) -> list[tuple[int, int]]:
    """(start, end) of each longest substring of two characters or more that occurs, within
    the word's runs of letters and digits: each start's longest, where it ends further on than
    the one before (a substring of a substring that occurs occurs, so `end` never goes back)."""
    found: list[tuple[int, int]] = []
    for run in _RUNS.finditer(word):
        end = run.start()
        for start in range(run.start(), run.end() - 1):
            end = max(end, start + 1)
            while end < run.end() and seen.count(word[start : end + 1]):
                end += 1
            if end - start >= 2 and (not found or end > found[-1][1]):
                found.append((start, end))
    return found


class _Occurrences:
    """How often strings occur, estimated from samples of passages, and those samples."""

    def __init__(self, text: TextIndex, pairs: _PairTable) -> None:
        self.text = text
        self.pairs = pairs
        self._counts: dict[str, int] = {}
        self._holding: dict[str, np.ndarray] = {}

    def count(self, term: str) -> int:
        """About how many passages hold `term` (exact for two characters; 0 when it is seen
        in none of the passages searched).

        The passages of its rarest pair are searched: an even sample of _SAMPLE, whose share
        of hits scales that list's length. When the sample holds none, the intersection of
        all its pairs' lists is sampled (up to _SEARCHED passages): a rare term whose pairs
        are common is found there.
        """
        if term not in self._counts:
            self._counts[term], self._holding[term] = self._estimate(term)
        return self._counts[term]

    def fragment(self, term: str, others: list[str]) -> bool:
        """Whether `term` is mostly seen inside one of the longer `others` (in at least
        FRAGMENT_SHARE of the sampled passages that hold it)."""
        holding = self._holding[term]
        return any(
            len(other) > len(term)
            and term in other
            and self._hits(other, holding) >= FRAGMENT_SHARE * len(holding)
            for other in others
        )

    def _estimate(self, term: str) -> tuple[int, np.ndarray]:
        lists = []
        for j in range(len(term) - 1):
            if not self.pairs.count(term[j], term[j + 1]):
                return 0, _NONE
            lists.append(self.pairs.passages(term[j], term[j + 1]))
        lists.sort(key=len)
        if len(term) == 2:  # a pair's postings are exact
            return len(lists[0]), _spread(lists[0], _SAMPLE)
        found = self._scaled(term, lists[0], _SAMPLE)
        if found[0] or len(lists[0]) <= _SAMPLE:
            return found
        both = np.asarray(lists[0], dtype=np.int64)
        for other in lists[1:]:
            both = intersect(both, other)
            if not len(both):
                return 0, _NONE
        return self._scaled(term, both, _SEARCHED)

    def _scaled(self, term: str, passages: np.ndarray, most: int) -> tuple[int, np.ndarray]:
        """The share of an even sample of `passages` that holds `term`, scaled to all of them
        (at least 1 when any does), and the sampled passages that hold it."""
        sample = _spread(passages, most)
        holding = sample[self._holding_mask(term, sample)]
        if not len(holding):
            return 0, holding
        return max(1, round(len(passages) * len(holding) / len(sample))), holding

    def _hits(self, term: str, passages: np.ndarray) -> int:
        return int(self._holding_mask(term, passages).sum())

    def _holding_mask(self, term: str, passages: np.ndarray) -> np.ndarray:
        """Which of `passages` hold `term`."""
        return self.text.holding(term, passages)


def _spread(values: np.ndarray, most: int) -> np.ndarray:
    """Up to `most` of `values`, evenly spread over them."""
    if len(values) <= most:
        return np.asarray(values, dtype=np.int64)
    return np.asarray(values[np.linspace(0, len(values) - 1, most).astype(np.int64)])


class _PairTable:
    """The text index's postings of character pairs, by pair or by one of its characters,
    over its segments: counts add up each segment's (deleted passages included: they only
    order candidates), passages are the live ones, as global ids."""

    def __init__(self, text: TextIndex) -> None:
        self.text = text
        # Plain arrays over the memory maps: slicing a memmap makes a memmap object each time.
        self.parts = [
            (np.asarray(codes), np.asarray(offsets), np.asarray(postings), part)
            for codes, offsets, postings, part in text.pair_postings()
        ]

    def count(self, first: str, second: str) -> int:
        """Passages holding the pair; 0 for a character beyond the BMP (no code of its own)."""
        code = _pair(first, second)
        return 0 if code < 0 else int(self._counts(np.array([code], dtype=np.int64))[0])

    def passages(self, first: str, second: str) -> np.ndarray:
        code = _pair(first, second)
        if code < 0:
            return _NONE
        found = []
        for codes, offsets, postings, part in self.parts:
            at = int(np.searchsorted(codes, code))
            if at < len(codes) and int(codes[at]) == code:
                local = postings[offsets[at] : offsets[at + 1]]
                found.append(self.text.live_global(part, local))
        return np.concatenate(found) if found else _NONE

    def fills(self, left: str | None, right: str | None, most: int) -> list[tuple[str, int]]:
        """Up to `most` letters or digits X for which `left`X and X`right` both occur (one
        side may be None), with the rarer pair's passages, most first."""
        if left is not None and right is not None:
            if _code(right) < 0:
                return []
            xs, counts = self._after(left)
            right_counts = self._counts((xs.astype(np.int64) << _SHIFT) | _code(right))
            counts = np.minimum(counts, right_counts)
        elif left is not None:
            xs, counts = self._after(left)
        else:
            xs, counts = self._before(right)
        keep = np.flatnonzero(counts > 0)
        order = keep[np.argsort(-counts[keep], kind="stable")]
        chosen = []
        for at in order.tolist():
            fill = chr(int(xs[at]))
            if fill.isalnum():
                chosen.append((fill, int(counts[at])))
                if len(chosen) == most:
                    break
        return chosen

    def _counts(self, wanted: np.ndarray) -> np.ndarray:
        """Passages of each pair code (0 where the pair occurs nowhere)."""
        counts = np.zeros(len(wanted), dtype=np.int64)
        for codes, offsets, _, _ in self.parts:
            at = np.searchsorted(codes, wanted)
            inside = at < len(codes)
            found = np.zeros(len(wanted), dtype=bool)
            found[inside] = codes[at[inside]] == wanted[inside]
            counts[found] += offsets[at[found] + 1] - offsets[at[found]]
        return counts

    def _after(self, first: str) -> tuple[np.ndarray, np.ndarray]:
        """The characters that follow `first` somewhere, and the pairs' passages."""
        if _code(first) < 0:
            return _NONE, _NONE
        base = _code(first) << _SHIFT
        found = []
        for codes, offsets, _, _ in self.parts:
            begin, end = np.searchsorted(codes, [base, base + _LAST_CHARACTER + 1])
            where = np.arange(begin, end)
            found.append((codes[where] & _LOW, offsets[where + 1] - offsets[where]))
        return _summed(found)

    def _before(self, second: str) -> tuple[np.ndarray, np.ndarray]:
        """The characters that precede `second` somewhere, and the pairs' passages."""
        if _code(second) < 0:
            return _NONE, _NONE
        found = []
        for codes, offsets, _, _ in self.parts:
            where = np.flatnonzero((codes & _LOW) == _code(second))
            firsts = codes[where] >> _SHIFT
            where = where[firsts <= _LAST_CHARACTER]
            found.append((codes[where] >> _SHIFT, offsets[where + 1] - offsets[where]))
        return _summed(found)


def _summed(found: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """(characters, counts) of several segments as one: sorted characters, counts added."""
    if len(found) == 1:
        return found[0]
    if not found:
        return _NONE, _NONE
    characters = np.concatenate([xs for xs, _ in found])
    values, inverse = np.unique(characters, return_inverse=True)
    counts = np.bincount(inverse, weights=np.concatenate([c for _, c in found]))
    return values, counts.astype(np.int64)


def _pair(first: str, second: str) -> int:
    """The pair's code, or -1 when either character is beyond the BMP."""
    if _code(first) < 0 or _code(second) < 0:
        return -1
    return (_code(first) << _SHIFT) | _code(second)


def _code(character: str) -> int:
    """The character's half of a pair code; -1 beyond the BMP (they share one code)."""
    point = ord(character)
    return point if point <= _LAST_CHARACTER else -1
