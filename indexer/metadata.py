"""Title, town, county, province and year, each with the evidence it was read from.

The rule that matters most: a value the text does not support is None, never a guess. A
redacted town (**镇, XX镇, 某镇) is unknown; a year is the year reported on, not a plan period
(2021年－2025年), not the next year's plan (2022年工作打算), and not 2023年以来 in a body.
All matching runs on normalized text (simplified, half-width, lower case), whose offsets are
those of the original, so the evidence quotes the report as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .normalize import normalize
from .numbering import digit_year
from .outline import Line, numbering_scheme
from .records import Evidence

_CJK = r"[\u4e00-\u9fff]"
PROVINCES = (
    "北京市 天津市 上海市 重庆市 河北省 山西省 辽宁省 吉林省 黑龙江省 江苏省 浙江省 安徽省 福建省 "
    "江西省 山东省 河南省 湖北省 湖南省 广东省 海南省 四川省 贵州省 云南省 陕西省 甘肃省 青海省 "
    "台湾省 内蒙古自治区 广西壮族自治区 西藏自治区 宁夏回族自治区 新疆维吾尔自治区"
).split()
_PROVINCE_SHORT = {
    re.sub(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$", "", p): p for p in PROVINCES
}
_PROVINCE = "|".join(PROVINCES)
# An administrative prefix as titles and document names write it: [province][city][county][town].
_ADMIN = re.compile(
    rf"(?P<province>{_PROVINCE})?"
    rf"(?:(?P<city>{_CJK}{{1,8}}?(?:自治州|市|州|盟|地区)))?"
    rf"(?:(?P<county>{_CJK}{{1,8}}?(?:自治县|自治旗|林区|特区|县|区|旗|市)))?"
    rf"(?P<town>{_CJK}{{1,8}}?(?:街道办事处|街道|民族乡|镇|乡|苏木))?"
    r"(?=[0-9*x×某〇○]|人民政府|党委|政府|委|关于|法治|依法|年度|全面|工作|普法|\s|$)"
)
_NOT_A_PLACE = re.compile(
    r"的|关于|加强|推进|全面|建设|工作|法治|依法|治(?:县|区|市|镇|乡)$|^(?:全|各|本|我|该|某)"
)
_BODY_TOWN = re.compile(
    rf"结合(?P<t1>{_CJK}{{2,6}}?(?:镇|乡|街道))实际"
    rf"|在(?P<t2>{_CJK}{{2,6}}?(?:镇|乡|街道))(?:党委|人民政府)"
    rf"|(?:^|(?<=[，,。；;：:“《\n]))(?P<t3>{_CJK}{{2,6}}?(?:镇|乡|街道))(?:党委|人民政府)"
)
# Words of prose that the body pattern can take for a name: 通过镇党委, 六是在镇政府.
_PROSE_WORDS = re.compile(r"[是在由对为把被从向将经以并其或等及与了的着过地得]|通过|进行|开展|乡镇")
# Where an opening sentence names the town: 一年来，玉湖镇贯彻… / 2024年，共和镇在…
_OPENING_TOWN_FOLLOWERS = re.compile(
    r"人民政府|党委|政府|在|坚持|始终|以|认真|全面|深入|紧紧|围绕|按照|高度|贯彻|能够|立足|把"
)
_TITLE_END = re.compile(r"(报告|总结|情况|要点|汇报|报告书)$")
_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})年(度)?(?![0-9])")
_YEAR_RANGE = re.compile(r"(?:19|20)[0-9]{2}年?\s*[-－—–~～至到]\s*(?:19|20)[0-9]{2}年?")
_PLAN_YEAR = re.compile(r"(?:19|20)[0-9]{2}年(?:度)?(?:工作)?(?:打算|计划|安排|思路|重点)")
_OPENING_YEAR = re.compile(r"((?:19|20)[0-9]{2})年(?:度)?(?:以来|来|，|,|上半年|全年|是|我|在)")
_DOC_NAME = re.compile(r"《([^《》]{2,60})》")
_CHINESE_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")
MIN_YEAR, MAX_YEAR = 1990, 2099


@dataclass(frozen=True)
class Found:
    value: str | int
    evidence: Evidence


def metadata_text(norm: str) -> str:
    """Normalized text with 二〇二一年 read as 2021年 (same length, so offsets still hold)."""
    return _CHINESE_YEAR.sub(lambda m: str(digit_year(m.group(0)) or m.group(0)), norm)


def find_title(lines: list[Line]) -> tuple[str, int, int] | None:
    """The title from the leading short lines, possibly split over two or three of them.

    Returns the title, its start offset and how many lines it took.
    """
    parts: list[str] = []
    for index, line in enumerate(lines[:3]):
        if len(line.text) > 60 or re.search(r"[。，,；;：:]", line.norm):
            return None
        if numbering_scheme(line.norm):
            return None
        parts.append(line.text)
        if _TITLE_END.search(line.norm):
            return "".join(parts), lines[0].start, index + 1
    return None


def _admin_matches(text: str) -> Iterable[dict[str, str | None]]:
    """Parse administrative prefixes at the start of `text` and after 中共/关于/a year."""
    for prefix in re.finditer(r"中国共产党|中共|关于|(?:19|20)[0-9]{2}年度?|^", text):
        match = _ADMIN.match(text, prefix.end())
        if match and match.group(0):
            groups = match.groupdict()
            if not groups["county"] and groups["city"] and groups["city"].endswith("市"):
                # A town right under a 市 is almost always under a county-level city.
                groups["county"], groups["city"] = groups["city"], None
            if all(_plausible_place(value) for value in groups.values() if value):
                yield groups


def _plausible_place(name: str) -> bool:
    """Reject prose the pattern can take for a place, such as 推进依法治县."""
    return not _NOT_A_PLACE.search(name)


def _evidence(phrase: str, start: int, source: str) -> Evidence:
    return Evidence(phrase=phrase, start=start, source=source)


Place = tuple[str, str, int, str]  # normalized text, the text as written, its offset, source


def _admin_values(places: Iterable[Place]) -> dict[str, Found]:
    """Town, county and province named by administrative prefixes, agreeing across `places`.

    A field whose places disagree stays unknown.
    """
    found: dict[str, Found] = {}
    conflicts: set[str] = set()
    for norm, phrase, start, source in places:
        for groups in _admin_matches(norm):
            for name in ("town", "county", "province"):
                value = groups[name]
                previous = found.get(name)
                if not value or (previous and previous.value == value):
                    continue
                if previous:
                    conflicts.add(name)
                else:
                    found[name] = Found(value, _evidence(phrase, start, source))
    return {name: f for name, f in found.items() if name not in conflicts}


def find_places(
    text: str, norm: str, title: tuple[str, int] | None, opening: Line | None
) -> dict[str, Found]:
    """Town, county and province: the title, else document names, the opening, the body."""
    sources: list[list[Place]] = []
    if title:
        sources.append([(metadata_text(normalize(title[0])), title[0], title[1], "title")])
    sources.append(
        [
            (m.group(1), text[m.start(1) : m.end(1)], m.start(1), "document name")
            for m in _DOC_NAME.finditer(norm)
        ]
    )
    if opening:
        sources.append(list(_opening_places(text, opening)))
    sources.append(list(_body_towns(text, norm)))
    result: dict[str, Found] = {}
    for places in sources:
        for name, found in _admin_values(places).items():
            result.setdefault(name, found)
    if "province" not in result:
        province = _province_in_body(text, norm)
        if province:
            result["province"] = province
    return result


def _opening_places(text: str, opening: Line) -> Iterable[Place]:
    for clause in re.finditer(r"(?:^|[，,])([^，,。]{2,20})", opening.norm[:200]):
        town = re.match(rf"{_CJK}{{2,8}}?(?:镇|乡|街道)", clause.group(1))
        if town and _OPENING_TOWN_FOLLOWERS.match(clause.group(1), town.end()):
            start = opening.start + clause.start(1)
            yield town.group(0), text[start : start + town.end()], start, "opening"


def _body_towns(text: str, norm: str) -> Iterable[Place]:
    """Towns the prose names in set phrases: 结合峰川镇实际, 在青山镇党委的领导下."""
    for match in _BODY_TOWN.finditer(norm):
        group = next(name for name in ("t1", "t2", "t3") if match.group(name))
        town = match.group(group)
        if _plausible_place(town) and not _PROSE_WORDS.search(town):
            start = match.start(group)
            yield town, text[start : match.end(group)], start, "body"


def _province_in_body(text: str, norm: str) -> Found | None:
    """A province named outright (云南省) or as 法治云南; None when two provinces are named."""
    pattern = "|".join([*PROVINCES, *(f"法治{short}" for short in _PROVINCE_SHORT)])
    named = {}
    for match in re.finditer(pattern, norm):
        value = _PROVINCE_SHORT.get(match.group(0).removeprefix("法治"), match.group(0))
        named.setdefault(value, match)
    if len(named) != 1:
        return None
    value, match = next(iter(named.items()))
    return Found(value, _context(text, match.start(), match.end(), "body"))


def _context(text: str, start: int, end: int, source: str) -> Evidence:
    """The 《document name》 or clause around a match, as evidence."""
    left = max(text.rfind(ch, 0, start) for ch in "《，。\n") + 1
    right = min((i for i in (text.find(ch, end) for ch in "》，。\n") if i >= 0), default=len(text))
    return _evidence(text[left:right], left, source)


def _year(match: re.Match[str]) -> int | None:
    value = int(match.group(1))
    return value if MIN_YEAR <= value <= MAX_YEAR else None


def find_year(
    text: str,
    meta: str,
    title: tuple[str, int] | None,
    opening: Line | None,
    excluded: list[tuple[int, int]],
) -> Found | None:
    """The year reported on: the title's, then the opening's, then the body's only year.

    `excluded` spans (plans sections) never give a year.
    """
    if title:
        start = title[1]
        span = metadata_text(normalize(title[0]))
        years = {_year(m) for m in _YEAR.finditer(_YEAR_RANGE.sub(" ", span))} - {None}
        if len(years) == 1:
            return Found(years.pop(), _evidence(title[0], start, "title"))
    if opening:
        match = _OPENING_YEAR.match(meta, opening.start)
        if match and _year(match):
            phrase = text[opening.start : opening.start + 30]
            return Found(_year(match), _evidence(phrase, opening.start, "opening"))
    body = _PLAN_YEAR.sub(
        lambda m: " " * len(m.group(0)), _YEAR_RANGE.sub(lambda m: " " * len(m.group(0)), meta)
    )
    body = _blanked(body, excluded)
    years: dict[int, re.Match[str]] = {}
    for match in _YEAR.finditer(body):
        if _year(match):
            years.setdefault(_year(match), match)
    if len(years) == 1:
        year, match = next(iter(years.items()))
        return Found(year, _context(text, match.start(), match.end(), "body"))
    return None


def _blanked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each span (possibly nested or overlapping) replaced by as many spaces.

    Built in one pass: blanking span by span copies the text once per span, which made a
    large report with thousands of plans sections quadratic.
    """
    pieces, done = [], 0
    for first, last in sorted(spans):
        first = max(first, done)
        if last > first:
            pieces += [text[done:first], " " * (last - first)]
            done = last
    return "".join([*pieces, text[done:]])
