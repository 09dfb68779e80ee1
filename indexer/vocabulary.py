"""The words every part of the archive shares, each defined once.

The five parts of a report come from the rules for these reports (see reports.md): their ids,
the Chinese names staff read, the names they type, and the bit each has in the text index.
The bits are part of the index format: the index's meta records them, so changing them
rebuilds the index instead of mislabelling every passage.
"""

from __future__ import annotations

# The five parts, in the rules' order: id → the name pages and the CLI show.
CATEGORIES: dict[str, str] = {
    "measures": "主要举措和成效",
    "leadership": "第一责任人职责",
    "problems": "存在的不足和原因",
    "plans": "下一年度主要安排",
    "other": "其他情况",
}

# The bit of each part in a passage's category mask on disk (textindex.py).
CATEGORY_BITS: dict[str, int] = {name: 1 << i for i, name in enumerate(CATEGORIES)}

# What staff type for a part besides its id and its name (问题不足), normalized on use.
CATEGORY_ALIASES: dict[str, str] = {
    "举措成效": "measures",
    "主要举措": "measures",
    "工作成效": "measures",
    "第一责任人": "leadership",
    "第一责任人职责": "leadership",
    "责任人": "leadership",
    "问题不足": "problems",
    "存在问题": "problems",
    "不足和原因": "problems",
    "问题": "problems",
    "下步打算": "plans",
    "工作打算": "plans",
    "工作计划": "plans",
    "主要安排": "plans",
    "其他": "other",
    "其他情况": "other",
}

# The years a report can be about: what extraction accepts as a report's year, what a
# sidecar may set and what a year filter may ask for.
FIRST_YEAR, LAST_YEAR = 1990, 2099

# Reports on one page of results, at most (CLI --limit, the API, the web pages).
MAX_RESULTS = 100

# Between the headings of a section path, as stored in the text index and shown.
SECTION_SEPARATOR = " › "

# Words of a query that say which part of a report is wanted, not what it is about: they
# decide no match, and passages of that part rank first (`存在的问题`, `明年打算`).
CATEGORY_CUES: dict[str, str] = {
    **dict.fromkeys(
        [
            "问题",
            "不足",
            "短板",
            "差距",
            "困难",
            "薄弱",
            "不够",
            "不到位",
            "不强",
            "欠缺",
            "原因",
            "弱项",
            "瓶颈",
        ],
        "problems",
    ),
    **dict.fromkeys(
        [
            "打算",
            "计划",
            "明年",
            "下一步",
            "下步",
            "下一年",
            "下一年度",
            "今后",
            "安排",
            "思路",
            "规划",
        ],
        "plans",
    ),
    **dict.fromkeys(["第一责任人", "主要负责人", "述法", "履职", "职责"], "leadership"),
    **dict.fromkeys(["成效", "举措", "做法", "措施", "成绩", "经验", "亮点"], "measures"),
}
