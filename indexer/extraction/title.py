"""The report's title among the lines that lead into it.

A saved page puts a site name, a breadcrumb and an information block before the title, and
sometimes prints the title twice; issuers write it over up to three lines (中共…镇委员会 /
…镇人民政府 / 关于…的报告). A title is a run of consecutive short lines, with no page
furniture between them, whose last line ends as titles end (报告, 总结, 思路…) and which
names the genre (法治, 依法…): so a column name such as 工作报告 or a site name such as
禄丰市人民政府 is never taken for it. The search stops at the first heading or sentence.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .outline import Line, numbering_scheme

# A title may end with a bracketed note: …情况报告(公开版).
_TITLE_END = re.compile(r"(报告|总结|情况|要点|汇报|报告书|思路|打算|计划)(?:\([^()]{1,10}\))?$")
_GENRE = re.compile(r"法治|依法|法制|普法|法律|述法")
_ISSUER_END = re.compile(r"(人民政府|委员会|党委|党工委|县委|市委|区委|办事处)$")
_PROSE = re.compile(r"[。，,；;：:!！?？]")
MAX_TITLE_LINE = 80
MAX_TITLE_LINES = 3
MAX_LEADING_LINES = 30


class Title(NamedTuple):
    text: str  # the title's lines joined, as written
    first: int  # index of its first line
    end: int  # index of the line after it


def find_title(lines: list[Line], furniture: set[int]) -> Title | None:
    """The title among the opening lines, furniture skipped; None when there is none."""
    group: list[int] = []
    for index, line in enumerate(lines[:MAX_LEADING_LINES]):
        if index in furniture:
            group = []
            continue
        norm = line.norm.strip()
        if len(norm) > MAX_TITLE_LINE or _PROSE.search(norm) or numbering_scheme(norm):
            return None
        group = [*group[-(MAX_TITLE_LINES - 1) :], index]
        if _TITLE_END.search(norm):
            first = _run_start(lines, group)
            if _GENRE.search("".join(lines[i].norm for i in range(first, index + 1))):
                text = "".join(lines[i].text for i in range(first, index + 1))
                return Title(text, first, index + 1)
            group = []
    return None


def _run_start(lines: list[Line], group: list[int]) -> int:
    """Where the title's run starts: issuer lines join only a line that goes on from them.

    中共…镇委员会 / …镇人民政府 / 关于…的报告 is one title; a site name such as
    禄丰市人民政府 above a title that names its own issuer is not part of it.
    """
    first = group[-1]
    for index in reversed(group[:-1]):
        after = lines[index + 1].norm.strip()
        if _ISSUER_END.search(lines[index].norm.strip()) and not (
            after.startswith("关于") or _ISSUER_END.search(after)
        ):
            break
        first = index
    return first


def repeats_title(norm: str, title_norm: str) -> bool:
    """Whether a line only repeats the title, or a part of it, as pages print it again."""
    compact = re.sub(r"\s+", "", norm)
    return len(compact) >= 4 and compact in re.sub(r"\s+", "", title_norm)
