"""Which of the five official parts a heading belongs to.

The rules name the parts (see docs: measures, leadership, problems, plans, other); reports name
them loosely. A top-level heading gets every part its words name, so 存在问题及下一步工作打算 is
both `problems` and `plans`; one that names none is `measures` until the first problems or
plans heading (加强…, 强化…, 推进… headings list what was done) and `other` after it. A
subheading inherits its parent's parts unless its own words name a part outright, as in
(二)存在问题 under 一、2021年工作情况.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..normalize import normalize
from ..vocabulary import CATEGORIES

_NAMED_PARTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("leadership", re.compile(r"第一责任人|主要负责人.{0,6}(职责|责任)|述法")),
    ("problems", re.compile(r"问题|不足|差距|短板|薄弱|困难")),
    (
        "plans",
        re.compile(
            r"下一?步|下一?年度?|明年|今后|打算|(工作|主要)?安排$|展望|思路|"
            r"\d{4}年.{0,6}(计划|安排|打算|重点|思路)|工作计划|工作重点"
        ),
    ),
    ("measures", re.compile(r"举措|成效|完成情况|开展情况|主要做法|工作情况|主要工作|成绩|亮点")),
    ("other", re.compile(r"其他|其它")),
)
# Words that name a part even in a subheading, where plain 计划 or 安排 may be a measure.
_OUTRIGHT = {
    "leadership": re.compile(r"第一责任人"),
    "problems": re.compile(r"存在(的)?(主要)?(问题|不足)|问题(和|与|及)不足|不足(和|与|之处)|差距"),
    "plans": re.compile(r"下一?步|下一?年度?|明年|今后|打算"),
}
# 解决群众急难愁盼问题 is a measure taken, not a problem reported.
_SOLVED_PROBLEMS = re.compile(r"(解决|化解|整改|处理|排查)[^，,。、]{0,10}问题")
_CATEGORY_ORDER = tuple(CATEGORIES)


# Headings repeat (一、主要举措和成效 in most reports, hundreds of times in a pasted archive):
# the parts of each are worked out once.
@lru_cache(maxsize=4096)
def named_parts(heading: str) -> tuple[str, ...]:
    """The parts a heading's own words name, in the official order."""
    words = normalize(heading).rstrip("。.：:；;").replace("上一年度", "")
    words = _SOLVED_PROBLEMS.sub("", words)
    return tuple(name for name, pattern in _NAMED_PARTS if pattern.search(words))


def top_level_categories(heading: str, after_problems_or_plans: bool) -> tuple[str, ...]:
    named = named_parts(heading)
    parts = tuple(p for p in named if p != "measures") or named
    if parts:
        return parts
    return ("other",) if after_problems_or_plans else ("measures",)


@lru_cache(maxsize=4096)
def subheading_categories(heading: str, parent: tuple[str, ...]) -> tuple[str, ...]:
    words = normalize(heading)
    own = tuple(name for name, pattern in _OUTRIGHT.items() if pattern.search(words))
    if own:
        narrowed = tuple(p for p in own if p in parent)
        return tuple(sorted(narrowed or own, key=_CATEGORY_ORDER.index))
    return parent
