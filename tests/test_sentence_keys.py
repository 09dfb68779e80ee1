"""The vectorised sentence cut (sentence_keys.py) against the rule as the regular
expressions its docstring states, applied one sentence at a time: the same sentences, spans,
keys and hashes on random passages built from every character class the rule looks at."""

from __future__ import annotations

import random
import re

from indexer.sentence_keys import MIN_CHARS, sentence_hash, sentence_rows, sentence_spans

_SENTENCE = re.compile(r"[^。！？；!?;]+[。！？；!?;]*")
_ENUMERATOR = re.compile(r"\s*(?:[一二三四五六七八九十]+是|\(?[一二三四五六七八九十0-9]+[)、.])")
_NOT_TEXT = re.compile(r"[\W_]+")

# Enumerators, sentence ends, \s beyond ASCII, \W and _, digits of other scripts, a character
# outside the BMP, and enough CJK text for keys of MIN_CHARS and more.
ALPHABET = list(
    "一二三四五六七八九十是()、.。！？；!?; \t\r\x0b\u3000\u00a0_，,：“”《》-"
    "0123456789٣①²abcXYZ𠀀𝟙" + "法治政府建设情况报告镇村乡街道" * 3
)


def by_regex(passage: str) -> list[tuple[int, int, str]]:
    spans = []
    for match in _SENTENCE.finditer(passage):
        sentence = match.group()
        enumerator = _ENUMERATOR.match(sentence)
        key = _NOT_TEXT.sub("", sentence[enumerator.end() :] if enumerator else sentence)
        if len(key) >= MIN_CHARS:
            spans.append((match.start(), match.end(), key))
    return spans


def _passages(rng: random.Random, count: int) -> list[str]:
    return ["".join(rng.choices(ALPHABET, k=rng.randint(0, 70))) for _ in range(count)]


def test_each_passage_is_cut_as_the_regular_expressions_cut_it() -> None:
    rng = random.Random(11)
    passages = _passages(rng, 5000)
    passages += ["", "。；", "一是", "(十二)", "  3、", "一二三是" + "法" * MIN_CHARS]
    found = [sentence_spans(p) for p in passages]
    assert found == [by_regex(p) for p in passages]
    assert sum(map(len, found)) > 1000  # keys long enough to count were among them


def test_many_passages_at_once_give_each_ones_sentences_and_hashes() -> None:
    """As a segment's text is cut: passages joined by line ends, no sentence across one."""
    passages = _passages(random.Random(12), 2000)
    rows = sentence_rows("\n".join(passages))
    expected = [
        (number, begin, end, len(key), sentence_hash(key))
        for number, passage in enumerate(passages)
        for begin, end, key in by_regex(passage)
    ]
    columns = (rows.passage, rows.begin, rows.end, rows.chars, rows.hash)
    assert list(zip(*(c.tolist() for c in columns), strict=True)) == expected
    assert expected


def test_no_text_no_sentences() -> None:
    rows = sentence_rows("")
    assert all(len(column) == 0 for column in rows)
