"""Word segmentation with jieba, for the one place words matter: relaxing a query.

Matching is by exact character strings (see textindex.py), so the index holds no words and a
change of jieba or of its dictionary can never make the index and a query disagree. When an
unquoted term is found nowhere, search splits it into jieba's words (扫黑除恶宣传 → 扫黑除恶,
宣传); the user dictionary keeps the field's terms whole, so 一村一法律顾问 stays one word.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import resources

import jieba

from .normalize import normalize

USER_DICTIONARY = resources.files("indexer") / "data" / "userdict.txt"


@lru_cache(maxsize=1)
def segmenter() -> jieba.Tokenizer:
    """One jieba tokenizer per process, with the field's terms in its dictionary."""
    jieba.setLogLevel(logging.WARNING)  # it logs building its cache on stderr otherwise
    tokenizer = jieba.Tokenizer()
    with USER_DICTIONARY.open("rb") as dictionary:  # given a path, jieba leaves it open
        tokenizer.load_userdict(dictionary)
    return tokenizer


def words(text: str) -> list[str]:
    """The words of a text, normalized, without punctuation or spaces."""
    return [
        word
        for word in segmenter().lcut(normalize(text), HMM=False)
        if word.strip() and any(ch.isalnum() for ch in word)
    ]
