"""What was promised, what was reported: does next year's report take up each plan sentence?

A plan sentence (year N's 下一年度工作打算) is *taken up* when some sentence of year N+1's
measures section shares with it at least two topic words, or one topic word of four or more
characters (网格化调解, 一村一法律顾问). Topic words are jieba's words (indexer/analysis.py,
with the field's dictionary) of two or more characters that are not stopwords
(indexer/lexicon.py: 加强, 推进, 工作…), not words that only name a part of a report
(打算, 成效: vocabulary.CATEGORY_CUES), not numbers, and not GENERIC_WORDS, which nearly every
sentence of these reports holds. The shared words are the evidence the page shows; words are
compared normalized (traditional = simplified).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .analysis import words
from .lexicon import lexicon
from .sentences import Sentence
from .vocabulary import CATEGORY_CUES

MIN_SHARED_WORDS = 2
LONG_WORD_CHARS = 4  # one shared word this long is evidence enough

# Words in nearly every sentence of a rule-of-law report: sharing them shows nothing.
GENERIC_WORDS = frozenset(
    [
        "法治",
        "法制",
        "法律",
        "依法",
        "建设",
        "法治建设",
        "法治政府",
        "法治政府建设",
        "政府",
        "行政",
        "依法行政",
        "依法治镇",
        "依法治乡",
        "依法治国",
        "全面依法治国",
        "习近平",
        "思想",
        "法治思想",
        "习近平法治思想",
        "党委",
        "镇党委",
        "镇政府",
        "我镇",
        "我乡",
        "全镇",
        "全乡",
        "下一步",
        "下一年",
        "继续",
        "机制",
        "制度",
        "体系",
        "意识",
        "服务",
        "管理",
        "保障",
    ]
)


def topic_words(text: str) -> frozenset[str]:
    """The words of a sentence that can show it is about the same thing as another."""
    stopwords = lexicon().stopwords
    return frozenset(
        word
        for word in words(text)
        if len(word) >= 2
        and not word.isdigit()
        and word not in stopwords
        and word not in CATEGORY_CUES
        and word not in GENERIC_WORDS
    )


def is_evidence(shared: frozenset[str]) -> bool:
    return len(shared) >= MIN_SHARED_WORDS or any(len(w) >= LONG_WORD_CHARS for w in shared)


@dataclass(frozen=True)
class PlanFollowUp:
    """A plan sentence, whether the next report takes it up, and the evidence: the
    sentences of the measures that do (positions in the measures list) with the words
    each shares, the closest first."""

    plan: Sentence
    matches: tuple[tuple[int, tuple[str, ...]], ...] = ()

    @property
    def taken_up(self) -> bool:
        return bool(self.matches)

    @property
    def words(self) -> tuple[str, ...]:
        """Every shared word, the closest match's first."""
        return tuple(dict.fromkeys(word for _, shared in self.matches for word in shared))


@dataclass
class PromiseCheck:
    """Year N's plan sentences against year N+1's measures sentences."""

    plans: list[PlanFollowUp] = field(default_factory=list)
    measures: list[Sentence] = field(default_factory=list)
    # measures sentence position → the plan sentences (positions) it takes up
    taken_up_by: dict[int, list[int]] = field(default_factory=dict)

    @property
    def followed(self) -> int:
        return sum(plan.taken_up for plan in self.plans)


def check_plans(plans: list[Sentence], measures: list[Sentence]) -> PromiseCheck:
    """Each plan sentence with the measures sentences that take it up (see the docstring)."""
    measure_words = [topic_words(sentence.text) for sentence in measures]
    check = PromiseCheck(measures=measures)
    for position, plan in enumerate(plans):
        own = topic_words(plan.text)
        matches = []
        for other, candidate in enumerate(measure_words):
            shared = own & candidate
            if is_evidence(shared):
                ordered = tuple(sorted(shared, key=lambda w: (-len(w), w)))
                matches.append((other, ordered))
                check.taken_up_by.setdefault(other, []).append(position)
        matches.sort(key=lambda match: (-sum(len(w) for w in match[1]), match[0]))
        check.plans.append(PlanFollowUp(plan, tuple(matches)))
    return check
