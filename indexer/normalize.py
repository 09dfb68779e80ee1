"""One character-for-character normalization, shared by extraction, indexing and queries.

Folding full-width forms to half-width, upper case to lower case and traditional characters to
simplified ones lets a query in either form find both. Every mapping is one character to one
character, so an offset into normalized text is the same offset into the original: highlights
found on normalized text can be drawn on the text as written.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

import opencc

# Blocks whose traditional characters have a single simplified form worth folding.
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))


@lru_cache(maxsize=1)
def _translation_table() -> dict[int, str]:
    table: dict[int, str] = {cp: chr(cp - 0xFEE0) for cp in range(0xFF01, 0xFF5F)}
    table[0x3000] = " "  # ideographic space
    table.update({cp: chr(cp + 32) for cp in range(ord("A"), ord("Z") + 1)})
    table.update({cp + 0xFEE0: chr(cp + 32) for cp in range(ord("A"), ord("Z") + 1)})
    converter = opencc.OpenCC("t2s")
    for first, last in _CJK_RANGES:
        chars = [chr(cp) for cp in range(first, last + 1)]
        # A newline between characters keeps opencc from converting multi-character phrases.
        converted = converter.convert("\n".join(chars)).split("\n")
        for original, simplified in zip(chars, converted, strict=True):
            if len(simplified) == 1 and simplified != original:
                table[ord(original)] = simplified
    return table


def fingerprint() -> str:
    """Changes whenever normalization would: the index stores normalized text."""
    sample = "".join(chr(cp) for cp in range(0x4E00, 0x9FA6)) + "ＡＢ（）　"
    return hashlib.sha256(normalize(sample).encode()).hexdigest()[:16]


def normalize(text: str) -> str:
    """Fold width, case and traditional characters; `len(normalize(t)) == len(t)` always."""
    return text.translate(_translation_table())
