"""Title, town, county, province and year, each with the evidence it was read from.

The rule that matters most: a value the text does not support is None, never a guess. A
redacted town (**镇, XX镇, 某镇) is unknown; a year is the year reported on, not a plan period
(2021年－2025年), not the next year's plan (2022年工作打算), and not 2023年以来 in a body.
All matching runs on normalized text (simplified, half-width, lower case), whose offsets are
those of the original, so the evidence quotes the report as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from ..normalize import normalize
from ..records import Evidence
from ..vocabulary import FIRST_YEAR, LAST_YEAR
from .furniture import publisher_spans
from .numbering import digit_year
from .outline import Line
from .title import Title

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
    rf"(?:(?P<city>{_CJK}{{1,8}}?(?:自治州|市|州|盟|地区))(?!市))?"
    rf"(?:(?P<county>{_CJK}{{1,8}}?(?:自治县|自治旗|林区|特区|县|区|旗|市)))?"
    # 昆明市盘龙区人民政府金龙街道办事处: the town's office is named after the district's.
    r"(?:人民政府(?=\w{1,8}?(?:街道|镇|乡)))?"
    rf"(?P<town>{_CJK}{{1,8}}?(?:街道|民族乡|镇|乡|苏木))?(?:办事处)?"
    r"(?=[0-9*x×某〇○]|人民政府|党委|党工委|政府|(?:县|市|区|旗)?委|关于|法治|依法|年度|全面"
    r"|工作|普法|\s|$)"
)
_NOT_A_PLACE = re.compile(
    r"的|关于|加强|推进|全面|建设|工作|法治|依法|治(?:县|区|市|镇|乡)$|^(?:全|各|本|我|该|某)|乡镇"
)
_BODY_TOWN = re.compile(
    rf"结合(?P<t1>{_CJK}{{2,6}}?(?:镇|乡|街道))实际"
    rf"|在(?P<t2>{_CJK}{{2,6}}?(?:镇|乡|街道))(?:党委|人民政府)"
    rf"|(?:^|(?<=[，,。；;：:“《\n]))(?P<t3>{_CJK}{{2,6}}?(?:镇|乡|街道))(?:党委|人民政府)"
    # A sentence that opens on the year and the town: 。2022年增福镇组织开展…
    rf"|(?:^|(?<=[。；;\n]))(?:19|20)[0-9]{{2}}年度?[，,]?(?P<t4>{_CJK}{{2,6}}?(?:镇|乡|街道))"
    r"(?=坚持|始终|认真|全面|深入|紧紧|围绕|按照|高度|贯彻|组织|开展|共|累计|全年|在)"
)
# Words of prose that the body pattern can take for a name: 通过镇党委, 六是在镇政府.
# Verbs that start a clause: ，组织镇党委班子… is not a town named 组织镇.
_PROSE_WORDS = re.compile(
    r"[是在由对为把被从向将经以并其或等及与了的着过地得]|通过|进行|开展|乡镇|^(?:组织|召开|举办|带领"
    r"|督促|指导|推动|要求|落实|邀请|联合|配合|协助|按照|根据|成立|召集|全体|各|全|本|我|该|某|组建|部署"
    r"|动员|号召|引导|压实|明确|实现|完成|加强|推进|深化|健全|完善)"
)
# Where an opening sentence names the town: 一年来，玉湖镇贯彻… / 2024年，共和镇在…
# A pinyin gloss (鎮(zhèn)) or the office's name (街道办事处) may stand between the two.
_OPENING_TOWN_FOLLOWERS = re.compile(
    r"(?:\([a-zà-ǜ]+\))?(?:办事处)?"
    r"(?:人民政府|党委|政府|在|坚持|始终|以|认真|全面|深入|紧紧|围绕|按照|高度|贯彻|能够|立足|把)"
)
# A county-level report's opening: 2022年，渝中区深入… (a bare 市 may be a prefecture).
_OPENING_PLACE_TOWN = re.compile(rf"{_CJK}{{2,8}}?(?:镇|乡|街道)")
_OPENING_COUNTY = re.compile(rf"{_CJK}{{1,6}}?(?:自治县|自治旗|县|区|旗)")
# Areas named 区 that are no county: 开发区, 两江新区, 社区…
_NOT_A_COUNTY = re.compile(r"(?:开发|新|园|景|社|片|示范|试验|管理|城|辖|保护|功能)区$")
# The line a report is addressed to: 中共禄丰市委、市人民政府： / 城中区委全面依法治区委员会：
_ADDRESSEE = re.compile(r"^[^。]{1,40}(?:委|政府|委员会|办公室|人大|领导小组)[:]$")
# The bodies above a town listed from the top: 省委、江门市委和鹤山市委 / 省、清远市和英德市.
# After the province come the prefecture, then the county.
_SUPERIOR_LIST = re.compile(
    rf"省(?:委|政府)?、{_CJK}{{2,4}}?(?:市|州|盟)(?:委|政府)?(?:和|、|及|与)"
    rf"(?P<county>{_CJK}{{2,4}}?(?:自治县|县|区|市|旗))(?:委|政府)?"
)
# A basic court is named after its county: 清流县人民法院 (a prefecture's is 中级人民法院).
_COURT = re.compile(
    # (only after punctuation or a verb of inviting: 和平县 is a name, not 和 + 平县)
    rf"(?:^|[，,、。；;：:“《(\s]|邀请|聘请|联合|会同)"
    rf"(?P<county>{_CJK}{{1,4}}?(?:县|市|区|旗))人民法院"
)
_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})年(度)?(?![0-9])")
_YEAR_RANGE = re.compile(r"(?:19|20)[0-9]{2}年?\s*[-－—–~～至到]\s*(?:19|20)[0-9]{2}年?")
_PLAN_YEAR = re.compile(r"(?:19|20)[0-9]{2}年(?:度)?(?:工作)?(?:打算|计划|安排|思路|重点)")
_OPENING_YEAR = re.compile(r"((?:19|20)[0-9]{2})年(?:度)?(?:以来|来|，|,|上半年|全年|是|我|在)")
_DOC_NAME = re.compile(r"《([^《》]{2,60})》")
_CHINESE_YEAR = re.compile(r"[〇零一二三四五六七八九]{4}(?=年)")
_FILED_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})年度")
OPENING_CHARS = 300


@dataclass(frozen=True)
class Found:
    value: str | int
    evidence: Evidence


def metadata_text(norm: str) -> str:
    """Normalized text with 二〇二一年 read as 2021年 (same length, so offsets still hold)."""
    return _CHINESE_YEAR.sub(lambda m: str(digit_year(m.group(0)) or m.group(0)), norm)


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


def admin_places(norm: str) -> dict[str, str]:
    """The places an administrative name spells, such as 威信县 or 庙坝镇2021年报告."""
    values: dict[str, str] = {}
    for groups in _admin_matches(norm):
        for name in ("town", "county", "province"):
            if groups[name]:
                values.setdefault(name, groups[name])
    return values


def _plausible_place(name: str) -> bool:
    """Reject prose the pattern can take for a place, such as 推进依法治县."""
    return not _NOT_A_PLACE.search(name)


def _evidence(phrase: str, start: int, source: str) -> Evidence:
    return Evidence(phrase=phrase, start=start, source=source)


class Place(NamedTuple):
    """A stretch of the report that may name places, and where it comes from."""

    norm: str  # normalized (metadata_text)
    phrase: str  # as written
    start: int  # its offset in the text, -1 when it is not in the text
    source: str  # an Evidence source


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


def is_addressee(norm: str) -> bool:
    """Whether a line is the one a report is addressed to, which ends with a colon."""
    return bool(_ADDRESSEE.match(norm.strip()))


def find_places(
    text: str,
    norm: str,
    title: Title | None,
    opening: Line | None,
    addressee: Line | None = None,
    page: Sequence[tuple[str, str]] = (),
) -> dict[str, Found]:
    """Town, county and province: the title, else document names, the opening, the body.

    What a report names above itself is read last, and for a county only in a town's report
    (a county's report names its prefecture there): the addressee line, a basic court, and
    the page's publisher field (`page`: the furniture lines, normalized and as written).
    """
    sources: list[list[Place]] = []
    if title:
        # The title's phrase is the first line of the text (the title opens the record).
        sources.append([Place(metadata_text(normalize(title.text)), title.text, 0, "title")])
    sources.append(
        [
            Place(m.group(1), text[m.start(1) : m.end(1)], m.start(1), "document name")
            for m in _DOC_NAME.finditer(norm)
        ]
    )
    # The opening and the body's set phrases are one source: two towns there stay unknown.
    opening_places = list(_opening_places(text, opening)) if opening else []
    sources.append(opening_places + list(_body_towns(text, norm)))
    result: dict[str, Found] = {}
    for places in sources:
        _merge(result, _admin_values(places))
    superiors = _superior_places(text, norm, addressee, page)
    for name, found in superiors.items():
        if name != "county" or "town" in result:
            result.setdefault(name, found)
    if "province" not in result:
        province = _province_in_body(text, norm)
        if province:
            result["province"] = province
    return result


def _merge(result: dict[str, Found], found: dict[str, Found]) -> None:
    for name, value in found.items():
        result.setdefault(name, value)


def _superior_places(
    text: str, norm: str, addressee: Line | None, page: Sequence[tuple[str, str]]
) -> dict[str, Found]:
    """Places named by the bodies around a report: its addressee, a court, its publisher.

    They are one source, so two counties among them leave the county unknown. Only the
    publisher can name the town: the others are bodies above it.
    """
    places: list[Place] = []
    if addressee:
        places.append(Place(addressee.norm, addressee.text, addressee.start, "addressee"))
    for pattern, source in ((_COURT, "court"), (_SUPERIOR_LIST, "superiors")):
        places += [
            Place(m.group("county"), text[m.start() : m.end()], m.start(), source)
            for m in pattern.finditer(norm)
        ]
    publishers = []
    for line_norm, line_text in page:
        for first, last in publisher_spans(line_norm):
            publishers.append(Place(line_norm[first:last], line_text[first:last], -1, "page"))
    from_page = _admin_values(publishers)
    county = from_page.get("county")
    # A publisher named only X市 may be the prefecture: it is not evidence of the county.
    if not (county and str(county.value).endswith("市") and "town" not in from_page):
        places += [place for place in publishers if admin_places(place.norm).get("county")]
    result = {name: found for name, found in _admin_values(places).items() if name != "town"}
    if "town" in from_page:
        result["town"] = from_page["town"]
    return result


def _opening_places(text: str, opening: Line) -> Iterable[Place]:
    for clause in re.finditer(r"(?:^|[，,])([^，,。]{2,20})", opening.norm[:200]):
        start = opening.start + clause.start(1)
        for pattern in (_OPENING_PLACE_TOWN, _OPENING_COUNTY):
            place = pattern.match(clause.group(1))
            if (
                place
                and not _PROSE_WORDS.search(place.group(0))
                and not _NOT_A_COUNTY.search(place.group(0))
                and _OPENING_TOWN_FOLLOWERS.match(clause.group(1), place.end())
            ):
                yield Place(place.group(0), text[start : start + place.end()], start, "opening")
                break


def _body_towns(text: str, norm: str) -> Iterable[Place]:
    """Towns the prose names in set phrases: 结合峰川镇实际, 在青山镇党委的领导下."""
    for match in _BODY_TOWN.finditer(norm):
        group = next(name for name in ("t1", "t2", "t3", "t4") if match.group(name))
        town = match.group(group)
        if _plausible_place(town) and not _PROSE_WORDS.search(town):
            start = match.start(group)
            yield Place(town, text[start : match.end(group)], start, "body")


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
    return value if FIRST_YEAR <= value <= LAST_YEAR else None


def find_year(
    text: str,
    meta: str,
    title: Title | None,
    opening: Line | None,
    excluded: list[tuple[int, int]],
    page: Sequence[str] = (),
) -> Found | None:
    """The year reported on: the title's, the opening's, the body's only year, the page's.

    `excluded` spans (plans sections) never give a year, nor does a plan in the title
    (…工作总结和2024年工作思路). `page` (normalized furniture lines) is read last, and only
    for a year filed as a 年度 (…年度报告 > 2021年度): its dates are publication dates.
    """
    if title:
        span = _without_plans(metadata_text(normalize(title.text)))
        years = {_year(m) for m in _YEAR.finditer(span)} - {None}
        if len(years) == 1:
            return Found(years.pop(), _evidence(title.text, 0, "title"))
    if opening:
        found = _opening_year(text, meta, opening)
        if found:
            return found
    body = _blanked(_without_plans(meta), excluded)
    years: dict[int, re.Match[str]] = {}
    for match in _YEAR.finditer(body):
        if _year(match):
            years.setdefault(_year(match), match)
    if len(years) == 1:
        year, match = next(iter(years.items()))
        return Found(year, _context(text, match.start(), match.end(), "body"))
    filed = {(int(m.group(1)), line) for line in page for m in _FILED_YEAR.finditer(line)}
    if len({year for year, _ in filed}) == 1:
        year, line = filed.pop()
        return Found(year, _evidence(line, -1, "page"))
    return None


def _without_plans(meta: str) -> str:
    """`meta` with plan periods (2021年－2025年) and next-year plans (2022年工作打算) blanked."""
    blank = lambda m: " " * len(m.group(0))  # noqa: E731
    return _PLAN_YEAR.sub(blank, _YEAR_RANGE.sub(blank, meta))


def _opening_year(text: str, meta: str, opening: Line) -> Found | None:
    """A year that opens one of the opening's first sentences: 2024年以来，我镇…

    The first sentence is often a preamble (法治是安邦治国的基石…), so each sentence of the
    opening's first few hundred characters is tried in turn.
    """
    end = opening.start + min(len(opening.text), OPENING_CHARS)
    starts = [opening.start]
    starts += [m.end() for m in re.finditer(r"[。；;]\s*", meta[opening.start : end])]
    for start in sorted({opening.start, *(opening.start + s for s in starts[1:])}):
        match = _OPENING_YEAR.match(meta, start)
        if match and _year(match):
            return Found(_year(match), _evidence(text[start : start + 30], start, "opening"))
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
