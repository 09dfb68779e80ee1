"""Web-page furniture: the lines a published page wraps around a report.

Reports are published on government sites and staff save the page, so a file often starts
with a site name, a breadcrumb (首页 > 政务公开 > …), a block of labelled fields (索引号,
发布机构, 成文日期, 浏览次数; the label sometimes glued to its value, sometimes behind a
bullet), font and sharing controls, and browser banners. None of it is the report: it is
never a title, a heading or a passage that searches find. Its publisher field (来源,
发布机构) still names the body that published the report, which can be evidence of a place.
All patterns run on normalized text (half-width, simplified).
"""

from __future__ import annotations

import re

# Labels of a page's information block, as sites write them (spaces inside are decoration).
_LABELS = (
    "索引号 主题分类 发布机构 发布单位 成文日期 成文时间 发文时间 发文日期 发布日期 发布时间 "
    "更新时间 信息来源 文章来源 来源 浏览次数 访问量 访问次数 点击数 点击 阅读次数 字号 分享 "
    "打印 日期 作者 文号 效力状态 时效性 公开方式 公开时限 关键词 体裁分类 服务对象 标题 "
    "生成日期 所属机构 发文机关 有效性"
).split()
_LABEL = "|".join(r"\s*".join(label) for label in _LABELS)
_BULLET = r"[-•·●◆■*]?\s*"
# A labelled field: `发布机构:…`, `- 索 引 号:…`, or a short glued one like `时效性有效`.
_FIELD = re.compile(rf"^{_BULLET}(?:{_LABEL})\s*[:]")
_GLUED_FIELD = re.compile(rf"^{_BULLET}(?:{_LABEL})[^。，,；;]{{0,40}}$")
_BARE = re.compile(rf"^{_BULLET}$")
_BREADCRUMB = re.compile(r"(?:您|你)?(?:当前|现在)?(?:所在)?(?:的)?位置\s*[:]|首页\s*(?:>|》|»|/)")
_SEPARATORS = re.compile(r">|»|›")
# Controls and banners: only on a short line, where they cannot be a sentence of the report.
_CONTROLS = re.compile(
    r"无障碍|关怀版|老年模式|长者模式|大\s中\s小|字体|收藏|打印|分享|浏览器|今天是|星期[一二三四五六日天]"
    r"|^搜索$|^首页$|^返回$|^关闭$|^【?(?:打印|关闭)"
)
_SHORT = 80
# The fields that name who published the page: `来源:闽清县`, `发布机构屏边县新华乡人民政府`.
_PUBLISHER = re.compile(
    rf"(?:^|\s){_BULLET}(?:信\s*息\s*来\s*源|来\s*源|发\s*布\s*机\s*构|发\s*布\s*单\s*位|"
    r"所\s*属\s*机\s*构|发\s*文\s*机\s*关)\s*:?\s*(?P<value>[\u4e00-\u9fff]{2,30})"
)


def is_furniture(norm: str) -> bool:
    """Whether a normalized line is part of the page rather than of the report."""
    line = norm.strip()
    if _BARE.match(line) or _FIELD.match(line):
        return True
    if len(line) <= _SHORT and (_GLUED_FIELD.match(line) or _CONTROLS.search(line)):
        return True
    return bool(_BREADCRUMB.search(line) or len(_SEPARATORS.findall(line)) >= 2)


def publisher_spans(norm: str) -> list[tuple[int, int]]:
    """Offsets, within a furniture line, of the values of its publisher fields."""
    return [match.span("value") for match in _PUBLISHER.finditer(norm)]
