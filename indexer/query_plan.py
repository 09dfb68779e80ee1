"""What a parsed query asks of the index: the terms as typed, and the words behind them.

Staff type questions and run-together phrases (如何加强基层普法宣传), not keywords. Requiring
every such string verbatim empties the page; requiring every jieba word does too, as soon as
one word (如何, 明年) occurs nowhere. So an unquoted term is matched three ways, in tiers:

1. 完全匹配: the report holds every term as typed (grep's answer);
2. 包含全部词语: it holds every topic word of those terms (or a synonym of it);
3. 包含部分词语: it holds at least `needed` of them (`minimum_should_match`: all of one or two
   words, all but one of three or four, three quarters of more, rounded down); while the
   tiers hold fewer than a page of reports, one word fewer, down to one, so a query whose
   topic words occur somewhere never shows an empty (or needlessly thin) page.

Topic words are the terms' jieba words, without the words that carry no topic (the
stopwords list, editable), single characters, and words that only say which part of a report
is wanted (问题, 打算: they prefer that part instead). A term made of nothing else keeps its
words, so `工作情况` still searches something. Quoted phrases, OR groups and excluded terms
are never split: every report in every tier satisfies them exactly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache

from .analysis import parts
from .analysis import words as jieba_words
from .lexicon import lexicon
from .query import MAX_TERMS, ParsedQuery
from .vocabulary import CATEGORY_CUES

TIER_NAMES = {1: "完全匹配", 2: "包含全部词语", 3: "包含部分词语"}
MAX_FRAGMENTED = 6  # characters: a longer term is a phrase whose words are suggested apart


@dataclass(frozen=True)
class Word:
    """A topic word and the synonyms searched with it; a passage holding any form counts."""

    text: str
    alternatives: tuple[str, ...] = ()
    # The word with a neighbour from its term (行政复意 for 复意): what a suggestion replaces
    # when the word occurs nowhere, since a typo is found by its context.
    context: str = ""

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.text, *self.alternatives)


@dataclass(frozen=True)
class QueryPlan:
    required: list[tuple[str, ...]]  # quoted terms and OR groups, each satisfied exactly
    free: list[str]  # the unquoted terms standing alone: tier 1 holds each as typed
    words: list[Word]  # the free terms' topic words: tier 2 holds all, tier 3 `needed`
    ignored: list[str]  # words of the free terms that decide nothing
    excluded: list[str]
    categories: tuple[str, ...]  # report parts the query's cue words ask for
    # Short terms jieba could not cut into words (扫黑除饿 → 扫黑/除/饿): likely typos, which
    # get suggestions as a whole when they occur nowhere.
    fragmented: list[str] = field(default_factory=list)

    @property
    def tiered(self) -> bool:
        """Whether tiers 2 and 3 can differ from tier 1 (some free term was typed)."""
        return bool(self.free)

    @property
    def needed(self) -> int:
        """How many topic words a report of tier 3 must hold."""
        n = len(self.words)
        if n <= 2:
            return n
        if n <= 4:
            return n - 1
        return n * 3 // 4

    @property
    def typed(self) -> list[str]:
        """The strings tier 1 holds as typed: the terms, required ones first."""
        return list(dict.fromkeys([t for clause in self.required for t in clause] + self.free))

    @property
    def highlighted(self) -> list[str]:
        """Every string a passage is marked for: terms as typed, words and their synonyms."""
        return list(dict.fromkeys(self.typed + [f for w in self.words for f in w.forms]))

    @property
    def also_searched(self) -> dict[str, list[str]]:
        return {w.text: list(w.alternatives) for w in self.words if w.alternatives}


def plan(parsed: ParsedQuery) -> QueryPlan:
    """What the query asks, before any index is read (search.py replaces the words the
    archive never holds, with `without_absent`)."""
    required = [c for c in parsed.clauses if len(c) > 1 or c[0] in parsed.quoted]
    free = list(dict.fromkeys(c[0] for c in parsed.clauses if c not in required))
    split = {term: _split(term) for term in free}
    candidates = list(dict.fromkeys(w for pieces in split.values() for w in pieces))
    topic = [w for w in candidates if _is_topic(w)]
    if not topic:  # a query of nothing but common words: they are all it has
        topic = [w for w in candidates if len(w) > 1] or list(free)
    topic = _longest(topic, MAX_TERMS)
    cues = tuple(dict.fromkeys(CATEGORY_CUES[w] for w in candidates if w in CATEGORY_CUES))
    return QueryPlan(
        required=required,
        free=free,
        words=[Word(w, lexicon().alternatives(w), _context(w, split)) for w in topic],
        ignored=[w for w in candidates if w not in topic],
        excluded=list(parsed.excluded),
        categories=cues,
        fragmented=[
            term
            for term, pieces in split.items()
            if len(term) <= MAX_FRAGMENTED and any(len(p) == 1 for p in pieces)
        ],
    )


def without_absent(query: QueryPlan, absent: list[str]) -> QueryPlan:
    """The plan with each topic word the archive never holds replaced by the words inside it
    (民主法治示范村 → 民主, 法治, 示范村): a compound the reports write another way
    (民主法治建设示范村) is then still found, in tier 2 or 3."""
    words: dict[str, Word] = {}
    for word in query.words:
        inside = [p for p in parts(word.text) if _is_topic(p)] if word.text in absent else []
        for text in inside or [word.text]:
            words.setdefault(
                text,
                word
                if text == word.text
                else Word(text, lexicon().alternatives(text), word.context),
            )
    return replace(query, words=[words[t] for t in _longest(list(words), MAX_TERMS)])


def _split(term: str) -> list[str]:
    """A term's words; a term that is a word stays whole, and so does every phrase of the
    synonyms file inside it, found before jieba runs: jieba cuts at punctuation whatever its
    dictionary says (一村(社区)一法律顾问)."""
    if len(term) <= 2 or term in lexicon().phrases:
        return [term]
    pieces: list[str] = []
    for at, chunk in enumerate(_phrases(lexicon().phrases).split(term)):
        pieces += [chunk] if at % 2 else jieba_words(chunk)
    return list(dict.fromkeys(pieces)) or [term]


@lru_cache(maxsize=1)
def _phrases(phrases: frozenset[str]) -> re.Pattern[str]:
    """A pattern capturing any of the phrases, the longest first."""
    if not phrases:
        return re.compile(r"(?!)")  # matches nothing
    ordered = sorted(phrases, key=len, reverse=True)
    return re.compile("(" + "|".join(map(re.escape, ordered)) + ")")


def _context(word: str, split: dict[str, list[str]]) -> str:
    """The word joined to the word before it in its term (or after it, at the start)."""
    for term, pieces in split.items():
        if word in pieces and len(pieces) > 1:
            at = pieces.index(word)
            pair = pieces[at - 1 : at + 1] if at else pieces[:2]
            joined = "".join(pair)
            return joined if joined in term else word
    return word


def _is_topic(word: str) -> bool:
    return len(word) > 1 and word not in CATEGORY_CUES and not lexicon().is_stopword(word)


def _longest(words: list[str], limit: int) -> list[str]:
    """At most `limit` words, the longest kept (longer words say more and are rarer), in
    query order."""
    if len(words) <= limit:
        return words
    kept = set(sorted(words, key=len, reverse=True)[:limit])
    return [w for w in words if w in kept]
