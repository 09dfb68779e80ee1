"""The query mix of the benchmark: built from the corpus's own texts, the same for a seed.

A query is a text in the product's query syntax and optional filters. Classes: single
characters, two-character words, four-character terms, 5–10-character phrases cut from the
texts, multi-word queries, queries with town/year/section filters, and phrases that occur
nowhere; lines of a query file form one more class (`file`).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

# Quote characters of the query syntax (never sampled into a query).
QUOTES = "\"“”「」＂"  # characters the query language reads as quotes

ONE_CHAR = ("禁", "法", "镇", "访")
TWO_CHAR = ("信访", "禁毒", "普法", "调解", "宣传", "安全")
FOUR_CHAR = ("扫黑除恶", "法治建设", "依法行政", "矛盾纠纷", "法律顾问", "普法宣传")
MULTI = (
    "扫黑除恶 宣传",
    "依法行政 信访",
    "矛盾纠纷 调解",
    "普法 禁毒",
    "法治建设 问题",
    "法律顾问 村",
    "信访 维稳 排查",
    "普法宣传 法治文化",
    "依法决策 合法性审查",
    "行政执法 培训",
    "安全生产 整治",
    "法治政府 第一责任人",
)
FILTER_WORDS = ("信访", "法治建设", "宣传", "依法行政", "调解", "禁毒")

# Shares of the generated mix, by class (the rest of `size` goes to phrases).
SHARES = {
    "1-char": 0.08,
    "2-char": 0.14,
    "4-char": 0.14,
    "phrase": 0.20,
    "multi": 0.12,
    "filtered": 0.22,
    "nowhere": 0.10,
}
CLASSES = (*SHARES, "file")


@dataclass(frozen=True)
class Query:
    text: str
    kind: str  # one of CLASSES
    town: str | None = None
    year_from: int | None = None
    year_to: int | None = None
    section: str | None = None  # a category id

    def filters(self) -> dict:
        data = asdict(self)
        return {k: v for k, v in data.items() if k not in ("text", "kind") and v is not None}

    def label(self) -> str:
        extra = " ".join(f"{k}={v}" for k, v in self.filters().items())
        return f"{self.text} [{extra}]" if extra else self.text


def read_query_file(path: Path) -> list[Query]:
    lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    return [Query(line.strip(), "file") for line in lines if line.strip()]


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _usable(text: str) -> bool:
    """A sampled piece the query syntax reads as one plain term."""
    return (
        not any(ch.isspace() or ch in QUOTES or ch == "-" for ch in text)
        and text != "OR"
        and sum(map(_is_cjk, text)) >= len(text) // 2 + 1
    )


class _Sampler:
    def __init__(self, texts: list[str], rng: random.Random) -> None:
        self.texts = [t for t in texts if len(t) >= 12]
        self.rng = rng

    def piece(self, length: int, cjk_only: bool) -> str:
        for _ in range(10_000):
            text = self.rng.choice(self.texts)
            start = self.rng.randrange(len(text) - length + 1)
            piece = text[start : start + length]
            if (all(map(_is_cjk, piece)) if cjk_only else _usable(piece)) and piece[0] != "-":
                return piece
        raise ValueError("the corpus has no text to sample queries from")


def build_mix(
    texts: list[str], towns: list[str], years: list[int], size: int = 100, seed: int = 0
) -> list[Query]:
    """About `size` queries (at least one per class), sampled from the passage texts."""
    rng = random.Random(f"bench-queries/{seed}")
    sample = _Sampler(texts, rng)
    count = {kind: max(1, round(size * share)) for kind, share in SHARES.items()}
    mix: list[Query] = []

    def fixed_then_sampled(kind: str, fixed: tuple[str, ...], length: int) -> None:
        chosen = list(fixed[: count[kind]])
        seen = set(chosen)
        while len(chosen) < count[kind]:
            piece = sample.piece(length, cjk_only=True)
            if piece not in seen:
                seen.add(piece)
                chosen.append(piece)
        mix.extend(Query(text, kind) for text in chosen)

    fixed_then_sampled("1-char", ONE_CHAR, 1)
    fixed_then_sampled("2-char", TWO_CHAR, 2)
    fixed_then_sampled("4-char", FOUR_CHAR, 4)
    mix.extend(
        Query(sample.piece(rng.randint(5, 10), cjk_only=False), "phrase")
        for _ in range(count["phrase"])
    )
    multi = list(MULTI[: count["multi"]])
    while len(multi) < count["multi"]:
        words = [sample.piece(rng.choice((2, 3, 4)), cjk_only=True) for _ in range(2)]
        multi.append(" ".join(words))
    mix.extend(Query(text, "multi") for text in multi)
    mix.extend(_filtered(rng, towns, years, count["filtered"]))
    mix.extend(_nowhere(rng, texts, count["nowhere"]))
    return mix


def _filtered(rng: random.Random, towns: list[str], years: list[int], count: int) -> list[Query]:
    towns = sorted(set(towns))
    first, last = (min(years), max(years)) if years else (2015, 2025)
    queries = []
    for index in range(count):
        word = FILTER_WORDS[index % len(FILTER_WORDS)]
        start = rng.randint(first, last)
        end = min(last, start + rng.randint(0, 3))
        town = rng.choice(towns) if towns else None
        shape = index % 5
        if shape == 0 and town:
            queries.append(Query(word, "filtered", town=town))
        elif shape == 1:
            queries.append(Query(word, "filtered", year_from=start, year_to=end))
        elif shape == 2:
            queries.append(Query(word, "filtered", section="problems"))
        elif shape == 3:
            queries.append(Query(word, "filtered", year_from=start, year_to=end, section="plans"))
        else:
            queries.append(Query(f"{word} 工作", "filtered", year_from=start, section="measures"))
    return queries


def _nowhere(rng: random.Random, texts: list[str], count: int) -> list[Query]:
    """Strings of the corpus's own common characters, in an order found in no passage."""
    frequency = Counter(ch for text in texts for ch in text if _is_cjk(ch))
    common = [ch for ch, _ in frequency.most_common(300)] or list("法治建设依法行政")
    joined = "\n".join(texts)
    queries: list[Query] = []
    while len(queries) < count:
        text = "".join(rng.choice(common) for _ in range(rng.randint(6, 9)))
        if text not in joined:
            queries.append(Query(text, "nowhere"))
    return queries
