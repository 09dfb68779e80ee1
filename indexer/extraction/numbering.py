"""Chinese and Arabic ordinals as report outlines write them."""

from __future__ import annotations

_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}

CHINESE_NUMERAL = "[一二三四五六七八九十]"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def chinese_ordinal(numeral: str) -> int | None:
    """一 → 1, 十二 → 12, 二十三 → 23; None for what is not a number below 100."""
    if not numeral or any(ch not in _DIGITS and ch != "十" for ch in numeral):
        return None
    if "十" not in numeral:
        return _DIGITS[numeral] if len(numeral) == 1 else None
    tens, _, units = numeral.partition("十")
    if len(tens) > 1 or len(units) > 1 or "十" in units:
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[units] if units else 0)


def digit_year(numeral: str) -> int | None:
    """二〇二一 → 2021: years written digit by digit in Chinese numerals."""
    if len(numeral) != 4 or any(ch not in _DIGITS for ch in numeral):
        return None
    return int("".join(str(_DIGITS[ch]) for ch in numeral))


def ordinal(token: str) -> int | None:
    """The value of an outline number written as 12, 十二 or ⑫."""
    if token.isdigit():
        return int(token)
    if len(token) == 1 and token in CIRCLED:
        return CIRCLED.index(token) + 1
    return chinese_ordinal(token)
