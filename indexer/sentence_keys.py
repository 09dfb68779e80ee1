"""Sentences as copied-text detection compares them: cut, keyed and hashed the same way in
every process (the rule is in copies.py's docstring). The town view's diff cuts sentences
its own way (sentences.py): it keeps line ends and final punctuation, which keys here drop.

The rule, as regular expressions over one passage:

    sentence   [^。！？；!?;]+[。！？；!?;]*
    enumerator \\s*(?:[一二三四五六七八九十]+是|\\(?[一二三四五六七八九十0-9]+[)、.]) at its start
    key        the sentence after its enumerator, without [\\W_] (what str.isalnum() keeps)

`sentence_rows` applies it to many passages at once with NumPy over their code points, so
that 100,000 reports (4.5 million sentences) are not 4.5 million regex calls: only the
blake2b of each key is Python, one call per key.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

import numpy as np

MIN_CHARS = 12  # a shorter key is a stock phrase (一是加强组织领导, 取得良好效果)

# Classes of a code point, bits of _classes().
_WORD, _SPACE, _END, _NUMERAL, _DIGIT, _CLOSE = 1, 2, 4, 8, 16, 32
_ENDS = "。！？；!?;"
_NUMERALS = "一二三四五六七八九十"
_CLOSES = ")、."
_NEWLINE, _OPEN, _SHI = ord("\n"), ord("("), ord("是")


# The class bits of every code point met so far in this process, with _KNOWN set; 0 for one
# not classified yet. Classifying all 1.1 million up front took 0.5-1.7 s of every update
# (two Python calls per code point); a segment's text holds a few thousand distinct ones.
_KNOWN = 128
_TABLE = np.zeros(0x110000, dtype=np.uint8)


def _classes(points: np.ndarray) -> np.ndarray:
    """The class bits of each code point: what \\w and \\s mean to Python's re
    (str.isalnum, str.isspace), and the rule's own characters."""
    kinds = _TABLE[points]
    unknown = kinds == 0
    if unknown.any():
        seen = np.zeros(len(_TABLE), dtype=bool)
        seen[points[unknown]] = True
        new = np.flatnonzero(seen)
        _TABLE[new] = _classify(new) | _KNOWN  # the same bits whichever thread writes them
        kinds = _TABLE[points]
    return kinds & ~np.uint8(_KNOWN)


def _classify(points: np.ndarray) -> np.ndarray:
    chars = [chr(c) for c in points.tolist()]
    kinds = np.fromiter(
        (c.isalnum() | (c.isspace() * _SPACE) for c in chars), dtype=np.uint8, count=len(chars)
    )
    for members, bit in (
        (_ENDS, _END),
        (_NUMERALS, _NUMERAL),
        ("0123456789", _DIGIT),
        (_CLOSES, _CLOSE),
    ):
        kinds[np.isin(points, [ord(c) for c in members])] |= bit
    kinds[points == _NEWLINE] = _END  # not a space here: a sentence never crosses a passage's end
    return kinds


class Sentences(NamedTuple):
    """The counted sentences of some passages, in order: each one's passage (0 for the first
    passage given), its characters in that passage, its key's length and hash."""

    passage: np.ndarray
    begin: np.ndarray
    end: np.ndarray
    chars: np.ndarray
    hash: np.ndarray


def sentence_rows(passages: str) -> Sentences:
    """The counted sentences of `passages`: normalized passages, each followed by "\\n"
    but the last (a run of a segment's text, as it is stored)."""
    line, begin, end, keys = _cut(passages)
    blake = hashlib.blake2b
    digests = b"".join(blake(key.encode("utf-8"), digest_size=8).digest() for key in keys)
    return Sentences(
        passage=line,
        begin=begin,
        end=end,
        chars=np.fromiter(map(len, keys), dtype=np.int64, count=len(keys)),
        hash=np.frombuffer(digests, dtype="<u8").astype(np.uint64),
    )


def sentence_spans(passage: str) -> list[tuple[int, int, str]]:
    """(begin, end, key) of each sentence of a normalized passage whose key counts."""
    _, begin, end, keys = _cut(passage)
    return list(zip(begin.tolist(), end.tolist(), keys, strict=True))


def sentence_hash(key: str) -> int:
    """A key's stable 64-bit hash: the same in every process and on every machine."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")


def _cut(passages: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Each counted sentence's passage, begin and end (characters into its passage), key."""
    points = np.frombuffer(passages.encode("utf-32-le"), dtype=np.uint32)
    size = len(points)
    kind = np.append(_classes(points), np.uint8(0))  # a sentinel after the last
    ends = (kind[:size] & _END) != 0
    before = np.ones(size, dtype=bool)  # the character before ends a sentence (or is none)
    before[1:] = ends[:-1]
    starts = np.flatnonzero(~ends & before)
    newlines = np.flatnonzero(points == _NEWLINE)
    line = np.searchsorted(newlines, starts)  # the passage of each sentence
    stops = np.minimum(np.append(starts[1:], size), np.append(newlines, size)[line])
    word = (kind[:size] & _WORD) != 0
    words = np.zeros(size + 1, dtype=np.int64)  # words before each character
    np.cumsum(word, out=words[1:])
    first, last = words[_after_enumerator(points, kind, starts)], words[stops]
    counted = (last - first) >= MIN_CHARS
    line_start = np.append(0, newlines + 1)[line]
    compact = points[word].tobytes().decode("utf-32-le")  # the text without [\W_]
    bounds = zip(first[counted].tolist(), last[counted].tolist(), strict=True)
    keys = [compact[a:b] for a, b in bounds]
    return (
        line[counted],
        (starts - line_start)[counted],
        (stops - line_start)[counted],
        keys,
    )


def _after_enumerator(points: np.ndarray, kind: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Where each sentence's key starts: after 一是 / (一) / 1、 / 1. and the spaces before it,
    or at the sentence's start. Runs stop at a sentence's end (its punctuation and line end
    are in no run's class), so each stays within its sentence."""
    padded = np.append(points, np.uint32(0))
    at = starts + _run(kind, _SPACE, starts)
    numerals = _run(kind, _NUMERAL, at)
    shi = (numerals > 0) & (padded[at + numerals] == _SHI)
    opened = at + (padded[at] == _OPEN)
    digits = _run(kind, _NUMERAL | _DIGIT, opened)
    closed = (digits > 0) & ((kind[opened + digits] & _CLOSE) != 0)
    return np.where(shi, at + numerals + 1, np.where(closed, opened + digits + 1, starts))


def _run(kind: np.ndarray, bits: int, at: np.ndarray) -> np.ndarray:
    """How many characters from each of `at` on are of the class `bits`."""
    outside = np.flatnonzero((kind & bits) == 0)  # the sentinel at the end is in no class
    return outside[np.searchsorted(outside, at)] - at
