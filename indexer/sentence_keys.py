"""Sentences as copied-text detection compares them: cut, keyed and hashed the same way in
every process (the rule is in copies.py's docstring). The town view's diff cuts sentences
its own way (sentences.py): it keeps line ends and final punctuation, which keys here drop."""

from __future__ import annotations

import hashlib
import re

MIN_CHARS = 12  # a shorter key is a stock phrase (一是加强组织领导, 取得良好效果)

_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]*")
# 一是 / (一) / 1、 / 1. at the start: the same sentence is 二是… in another report.
_ENUMERATOR = re.compile(r"\s*(?:[一二三四五六七八九十]+是|\(?[一二三四五六七八九十0-9]+[)、.])")
_NOT_TEXT = re.compile(r"[\W_]+")


def sentence_spans(passage: str) -> list[tuple[int, int, str]]:
    """(begin, end, key) of each sentence of a normalized passage whose key counts."""
    spans = []
    for match in _SENTENCE.finditer(passage):
        sentence = match.group()
        enumerator = _ENUMERATOR.match(sentence)
        key = _NOT_TEXT.sub("", sentence[enumerator.end() :] if enumerator else sentence)
        if len(key) >= MIN_CHARS:
            spans.append((match.start(), match.end(), key))
    return spans


def sentence_hash(key: str) -> int:
    """A key's stable 64-bit hash: the same in every process and on every machine."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little")
