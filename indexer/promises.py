"""What was promised, what was reported: does next year's report take up each plan sentence?

A plan sentence (year N's 下一年度工作打算) is *taken up* when some sentence of
year N+1's measures section shares with it a topic word of LONG_WORD_CHARS
characters or more (网格化, 一村一法律顾问, 行政执法) or at least MIN_SHARED_WORDS
topic words (监督, 权力, 制约), never two short everyday words alone (权力, 廉洁).
Topic words are jieba's words (indexer/analysis.py, with the field's dictionary)
of two or more characters that are not stopwords (indexer/lexicon.py: 加强, 推进,
工作…), not words that only name a part of a report (打算, 成效:
vocabulary.CATEGORY_CUES), not numbers or enumerations (一是), and not
GENERIC_WORDS, which nearly every report says in every part. The shared words
are the evidence the page shows; words are compared normalized (traditional =
simplified).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .analysis import words
from .lexicon import lexicon
from .sentences import Sentence
from .vocabulary import CATEGORY_CUES

LONG_WORD_CHARS = 3  # one shared topic word this long is evidence enough
MIN_SHARED_WORDS = 3  # or this many shorter ones
_ENUMERATION = re.compile(r"[一二三四五六七八九十]+是|第[一二三四五六七八九十]+")

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
        "领导",
        "干部",
        "群众",
        "社会",
        "单位",
        "基层",
        "接受",
        "自觉",
        "主动",
        "广泛",
        "创新",
        "营造",
        "氛围",
        "良好",
        "良好氛围",
        "活动",
        "严格",
        "规范",
        "全面推行",
        "各村",
        "社区",
        "村居",
        "全面依法治镇",
        "依法治县",
        "依法治理",
        "责任",
        "重视",
        "注重",
        "沟通",
        "协调",
        "定期",
        "研究",
        "纳入",
        "组织",
        "组织领导",
        "统一",
        "调整",
        "充实",
        "部门",
        "要求",
        "部署",
        "上级",
        "县委",
        "县政府",
        "党委政府",
        "镇党委政府",
        "学习",
        "形式",
        "实践",
        "维护",
        "稳定",
        "增强",
        "领导小组",
        "干部职工",
        "镇村干部",
        "镇村",
        "工作机制",
        "法治宣传教育",
        "法治教育",
        "法治意识",
        "宣传教育",
        "工作人员",
        "制度化",
        "满意度",
        "充分发挥",
        "法治宣传",
        "法制宣传",
        "普法宣传",
        "普法",
        "法律知识",
        "合法权益",
        "人民群众",
        "镇村两级",
    ]
)


@lru_cache(maxsize=20_000)
def topic_words(text: str) -> frozenset[str]:
    """The words of a sentence that can show it is about the same thing as another (kept:
    a town's page checks every year's plans, and the next view of it the same sentences)."""
    stopwords = lexicon().stopwords
    return frozenset(
        word
        for word in words(text)
        if len(word) >= 2
        and not word.isdigit()
        and not _ENUMERATION.fullmatch(word)
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
