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

from .outline import numbering_scheme

# Labels of a page's information block, as sites write them (spaces inside are decoration).
# The distinctive ones also mark a field glued to its value (发布机构屏边县…, 时效性有效);
# short common words (来源, 日期, 分享) only with their colon.
_DISTINCT_LABELS = (
    "索引号 主题分类 发布机构 发布单位 成文日期 成文时间 发文时间 发文日期 发布日期 发布时间 "
    "更新时间 信息来源 文章来源 浏览次数 访问量 访问次数 点击数 阅读次数 文号 效力状态 时效性 "
    "公开方式 公开时限 关键词 体裁分类 服务对象 生成日期 所属机构 发文机关 有效性 责任编辑 "
    "信息提供 发布者"
).split()
_COMMON_LABELS = "来源 点击 字号 分享 打印 日期 作者 标题 编辑 审核 校对".split()


def _labels(labels: list[str]) -> str:
    return "|".join(r"\s*".join(label) for label in labels)


_BULLET = r"[-•·●◆■*]?\s*"
# A labelled field: `发布机构:…`, `- 索 引 号:…`, or a short glued one like `时效性有效`.
_FIELD = re.compile(rf"^{_BULLET}(?:{_labels(_DISTINCT_LABELS + _COMMON_LABELS)})\s*[:]")
_GLUED_FIELD = re.compile(rf"^{_BULLET}(?:{_labels(_DISTINCT_LABELS)})[^。，,；;]{{0,40}}$")
_BARE = re.compile(rf"^{_BULLET}$")
_BREADCRUMB = re.compile(r"(?:您|你)?(?:当前|现在)?(?:所在)?(?:的)?位置\s*[:]|首页\s*(?:>|》|»|/)")
_SEPARATORS = re.compile(r">|»|›")
_SENTENCE = re.compile(r"[。，,；;%<]")
# Controls and banners. A line is one when nothing but them is left on it once they are taken
# out, so a heading that mentions 分享会 or 打印 stays a heading.
_CONTROL_WORDS = re.compile(
    r"无障碍|关怀版|(?:进入|退出|切换)?(?:老年|长者|关怀)模式|大\s*中\s*小|(?:加大|缩小|默认|放大)?字体"
    r"|(?:取消)?收藏|打印(?:本页|此页)?|分享(?:到)?|关闭(?:窗口|本页)?|返回(?:顶部)?|搜索|首页|字号"
    r"|[:\s【】\[\]()|/·•-]+"
)
# Banners, a site's name (…人民政府网, …门户网站) and a bare date (2023-01-12 11:02).
_BANNER = re.compile(
    r"^今天是|浏览器|(?:网|网站|门户)$|^[0-9\s年月日时分秒:/.\-]+$"
)
_SHORT = 80
_LONG = 200
# The fields that name who published the page: `来源:闽清县`, `发布机构屏边县新华乡人民政府`.
_PUBLISHER = re.compile(
    rf"(?:^|\s){_BULLET}(?:信\s*息\s*来\s*源|来\s*源|发\s*布\s*机\s*构|发\s*布\s*单\s*位|"
    r"所\s*属\s*机\s*构|发\s*文\s*机\s*关)\s*:?\s*(?P<value>[\u4e00-\u9fff]{2,30})"
)


def is_furniture(norm: str) -> bool:
    """Whether a normalized line is part of the page rather than of the report.

    A numbered line is a heading, and a long one is prose, whatever words they hold.
    """
    line = norm.strip()
    if len(line) > _LONG or numbering_scheme(line):
        return False
    if _BARE.match(line) or _FIELD.match(line) or _BREADCRUMB.search(line):
        return True
    if len(_SEPARATORS.findall(line)) >= 2 and not _SENTENCE.search(line):
        return True
    if len(line) > _SHORT:
        return False
    return bool(
        _GLUED_FIELD.match(line) or _BANNER.search(line) or not _CONTROL_WORDS.sub("", line)
    )


def publisher_spans(norm: str) -> list[tuple[int, int]]:
    """Offsets, within a furniture line, of the values of its publisher fields."""
    return [match.span("value") for match in _PUBLISHER.finditer(norm)]
