"""Text analysis for the index: jieba words for ranking, character grams for exact matching.

Both analyzers normalize first (see normalize.py), so a query in traditional characters or
full-width forms meets the same tokens as the text. The jieba tokenizer keeps Whoosh's
tokenizer contract (positions are token ordinals, chars are character offsets), unlike
jieba's bundled analyzer. The gram analyzer emits each distinct character and character
pair of a text once: enough to find every candidate that may contain a phrase of any length,
which search then confirms with a plain substring test.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources

import jieba
from whoosh.analysis import Token, Tokenizer

from .normalize import normalize

USER_DICTIONARY = resources.files("indexer") / "data" / "userdict.txt"


@lru_cache(maxsize=1)
def segmenter() -> jieba.Tokenizer:
    """One jieba tokenizer per process, with the field's terms in its dictionary."""
    tokenizer = jieba.Tokenizer()
    jieba.setLogLevel(logging.WARNING)  # it logs building its cache on stderr otherwise
    with USER_DICTIONARY.open("rb") as dictionary:  # given a path, jieba leaves it open
        tokenizer.load_userdict(dictionary)
    return tokenizer


def analysis_fingerprint() -> str:
    """Changes whenever tokens could change: jieba's version, our dictionary, normalization."""
    digest = hashlib.sha256(jieba.__version__.encode())
    digest.update(USER_DICTIONARY.read_bytes())
    digest.update(normalize("報告ＡＢ（）乾").encode())
    return digest.hexdigest()[:16]


def words(text: str) -> list[str]:
    """The jieba words of a text, as the index holds them (search mode: long words and parts)."""
    return [word for word, _, _ in _word_spans(normalize(text))]


def _word_spans(norm: str) -> Iterator[tuple[str, int, int]]:
    for word, start, end in segmenter().tokenize(norm, mode="search", HMM=False):
        if word.strip() and any(ch.isalnum() for ch in word):
            yield word, start, end


class JiebaTokenizer(Tokenizer):
    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for ordinal, (word, start, end) in enumerate(_word_spans(normalize(value))):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + ordinal
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


def grams(text: str) -> set[str]:
    """Every distinct character and character pair of the normalized text, newlines aside."""
    norm = normalize(text)
    result = set(norm)
    result.update(norm[i : i + 2] for i in range(len(norm) - 1))
    return {gram for gram in result if "\n" not in gram}


class GramTokenizer(Tokenizer):
    """Distinct 1- and 2-character grams; no positions, since search checks the text itself."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for ordinal, gram in enumerate(sorted(grams(value))):
            token.text = gram
            token.boost = 1.0
            token.stopped = False
            if positions:
                token.pos = start_pos + ordinal
            yield token
