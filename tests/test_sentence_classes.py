"""The sentence cut's character classes, classified as code points are met (sentence_keys.py):
every code point gets the bits the rule gives it, whatever text came first."""

from __future__ import annotations

import numpy as np

from indexer import sentence_keys as keys


def expected(code: int) -> int:
    char = chr(code)
    if char == "\n":
        return keys._END
    bits = (keys._WORD if char.isalnum() else 0) | (keys._SPACE if char.isspace() else 0)
    for members, bit in (
        (keys._ENDS, keys._END),
        (keys._NUMERALS, keys._NUMERAL),
        ("0123456789", keys._DIGIT),
        (keys._CLOSES, keys._CLOSE),
    ):
        bits |= bit if char in members else 0
    return bits


def test_every_code_point_gets_its_bits_met_alone_or_with_all_others() -> None:
    few = np.array([ord(c) for c in "法 。\n一3)是\u3000_a٣"], dtype=np.uint32)
    assert keys._classes(few).tolist() == [expected(c) for c in few.tolist()]
    everything = np.arange(0x110000, dtype=np.uint32)[::-1]  # some known already, most not
    found = keys._classes(everything)
    assert found.tolist() == [expected(c) for c in everything.tolist()]
    assert (keys._classes(everything) == found).all()  # all known now: the same answer
    assert found.max() < keys._KNOWN
