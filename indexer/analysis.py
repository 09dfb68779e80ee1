"""Word segmentation with jieba, for the one place words matter: the words of a query.

Matching is by exact character strings (see textindex.py), so the index holds no words and a
change of jieba or of its dictionary can never make the index and a query disagree. Search
splits an unquoted term into jieba's words (扫黑除恶宣传 → 扫黑除恶, 宣传; see query_plan.py);
the user dictionary keeps the field's terms whole, so 一村一法律顾问 stays one word, and so
does every phrase of the synonyms file (八五普法).
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources

import jieba

from .lexicon import lexicon
from .normalize import normalize

USER_DICTIONARY = resources.files("indexer") / "data" / "userdict.txt"


@lru_cache(maxsize=1)
def segmenter() -> jieba.Tokenizer:
    """One jieba tokenizer per process, with the field's terms in its dictionary."""
    jieba.setLogLevel(logging.WARNING)  # it logs building its cache on stderr otherwise
    tokenizer = jieba.Tokenizer()
    with USER_DICTIONARY.open("rb") as dictionary:  # given a path, jieba leaves it open
        tokenizer.load_userdict(dictionary)
    for phrase in lexicon().phrases:
        tokenizer.add_word(phrase)  # jieba picks a frequency that keeps the phrase whole
    return tokenizer


def words(text: str) -> list[str]:
    """The words of a text, normalized, without punctuation or spaces."""
    return [
        word
        for word in segmenter().lcut(normalize(text))  # HMM joins unknown words (复意)
        if word.strip() and any(ch.isalnum() for ch in word)
    ]


def parts(word: str) -> list[str]:
    """The dictionary words inside a word (民主法治示范村 → 民主, 法治, 示范村), for a word
    the archive never holds: jieba's search mode, the longest pieces, without the word."""
    pieces = [p for p in segmenter().lcut_for_search(word, HMM=False) if len(p) > 1 and p != word]
    return [p for p in dict.fromkeys(pieces) if not any(p != q and p in q for q in pieces)]
