"""A deterministic generator of realistic township rule-of-law reports, for tests and benchmarks.

The five sample reports in `archive/` are cut into their parts (measures, leadership, problems,
plans; see docs/reports.md), their subheadings and their sentences. A generated report
recombines them under a fresh outline: an opening paragraph, three to five numbered top-level
parts in the official order, each with up to five numbered subsections. Towns, counties and
years are made up; the samples' own place names and years are replaced by them, so every
generated report names one place and one year consistently. Now and then a report has the
quirks real files have: a title split over two lines, no title at all, a redacted town (**镇),
a 20xx placeholder, traditional characters, GB18030 bytes, half-width punctuation, a lost
auto-number (1、 for 一、), a conversion leftover ([bookmark: _GoBack]).

`generate_corpus(folder, n, seed)` writes the same bytes for the same (n, seed) and returns,
for each file, the metadata the generator put into it, so extraction can be checked against it.
From the command line: `python -m bench.corpus --n 10000 --seed 0 FOLDER`.

`copies=0.1` (off by default: the corpus is then byte for byte what it always was) plants
known copies for the copied-text bench: most sentences get a detail of their own (figures,
as real reports have), and a tenth of the reports take a whole part from a neighbour town of
their county (same year) or from their own town's previous year, as copiers do: names and
years changed, and half of the copies partly reworded (a third of their sentences given new
figures or dropped). `GeneratedReport.copied` names each report's source.
"""

from __future__ import annotations

import argparse
import copy as copy_module
import dataclasses
import datetime
import functools
import io
import random
import re
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "data"  # the five sample reports, as source text

FIRST_YEAR, LAST_YEAR = 2015, 2025
MIN_CHARS, MAX_CHARS = 2000, 4000
# Generated lengths aim inside a margin, so traditional conversion cannot push them out.
_LOW, _HIGH = MIN_CHARS + 100, MAX_CHARS - 100

# Shares of reports with each format or quirk.
DOCX_SHARE = 0.10
GB18030_SHARE = 0.04  # of the .txt files
CRLF_SHARE = 0.05  # of the .txt files
TRADITIONAL_SHARE = 0.02
HALF_WIDTH_SHARE = 0.03
SPLIT_TITLE_SHARE = 0.10
NO_TITLE_SHARE = 0.06
REDACTED_SHARE = 0.03
PLACEHOLDER_SHARE = 0.01
LEFTOVER_SHARE = 0.02
LOST_AUTONUMBER_SHARE = 0.03
STYLED_DOCX_SHARE = 0.4  # of the .docx files: headings with Heading 1 / Heading 2 styles

# Markers in the material, replaced per report (private-use characters never occur in reports).
TOWN, COUNTY, COUNTY_SUFFIX = "\ue000", "\ue001", "\ue002"
_YEAR_BASE, _MAX_SHIFT = 0xE100, 20


def _year_marker(shift: int) -> str:
    """Stands for the report's year plus `shift`."""
    return chr(_YEAR_BASE + _MAX_SHIFT + shift)


THIS_YEAR, NEXT_YEAR = _year_marker(0), _year_marker(1)
_MARKER = re.compile("[\ue000-\ue1ff]")

# Syllables of made-up place names: none is a suffix the extractor reads as a level
# (县 区 市 旗 州 镇 乡 街 道) or a word it takes for prose (全 各 本 我 该 的 法 治 …), and each
# survives a round trip through traditional characters.
_SYLLABLES = (
    "青石河桥山湖水溪坪坝沟岭川塘田庄营堡寨口江龙凤阳安平宁兴和丰泰福新古云花柳松竹梅马牛"
    "金银铜玉白红黄双三高长大小上下中东南西北星月鹿沙泉峰岩城汉兰永清德仁义太华盛隆昌吉祥瑞"
    "利通富康乐春秋桃李杨柏樟槐茶麻蒲芦荷莲"
)
_TOWN_SUFFIXES = (("镇", 70), ("乡", 18), ("街道", 12))
_COUNTY_SUFFIXES = (("县", 65), ("区", 35))
_REDACTIONS = ("**", "XX", "x", "某")

_SAMPLE_TOWNS = re.compile(r"玉湖镇|庙坝镇|共和镇|上新庄镇|\*\*镇")
_SAMPLE_COUNTIES = re.compile(r"城口县|湟中区|威信县")
# 县委, 区政府, 依法治县, 县级 …: the level of the sample's county, which becomes the new one's.
_COUNTY_LEVEL = re.compile(
    r"(?<![社辖园城景片街])[区县](?=委|政府|司法局|级|民宗局|工商联|依法治|关于)"
    r"|(?<=依法治)[区县]|(?<=市、)区"
)
_SAMPLE_YEAR = re.compile(r"(?<![0-9])(20[0-9]{2})(?=年)")
_TOP = re.compile(r"^(?:[一二三四五六七八九十]+、|[0-9]+、)\s*")
_SUB = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
_ENUMERATOR = re.compile(r"^(?:[一二三四五六七八九十]+是)+是*")
_LEFTOVER = re.compile(r"\[bookmark:[^\]]*\]")
# Sample paragraphs that must not open a generated line: they would read as outline numbers.
_LOOKS_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]+\s*[、.,，]|[0-9]{1,2}\s*[、.,，]|[（(])")
# Subheadings naming another part than their own would change the outline's categories.
_NAMES_A_PART = re.compile(
    r"问题|不足|差距|短板|薄弱|困难|下一?步|下一?年|明年|今后|打算|计划|安排|展望|思路|"
    r"工作重点|第一责任人|主要负责人|述法|其他|其它"
)
_NAMES_PROBLEMS_OR_PLANS = re.compile(r"存在|问题|不足|差距|下一?步|下一?年|明年|今后|打算")

_MEASURES_HEADINGS = (
    "工作完成情况",
    "工作开展情况",
    "主要举措和成效",
    "上一年度推进法治政府建设的主要举措和成效",
    f"{THIS_YEAR}年工作开展情况",
    "法治政府建设主要工作及成效",
    "主要做法和成效",
)
_LEADERSHIP_HEADINGS = (
    "上一年度党政主要负责人履行推进法治建设第一责任人职责，加强法治政府建设的有关情况",
    "党政主要负责人履行推进法治建设第一责任人职责情况",
    "履行推进法治建设第一责任人职责情况",
    "党政主要负责人履行法治建设第一责任人职责情况",
)
_PROBLEMS_HEADINGS = (
    "存在问题和不足",
    "存在的问题",
    "我镇依法治镇工作现存问题",
    "存在的不足和原因",
    "上一年度推进法治政府建设存在的不足和原因",
    "存在的问题和不足",
    "存在问题及原因",
)
_PLANS_HEADINGS = (
    "下步工作打算",
    "下一步工作计划",
    f"{NEXT_YEAR}年工作打算",
    "下一年度推进法治政府建设的主要安排",
    "下一步工作打算",
    f"{NEXT_YEAR}年工作计划",
    f"{NEXT_YEAR}年工作思路",
)
_COMBINED_HEADINGS = ("存在问题及下一步工作打算", "存在的问题及下步打算")
_OPENING_INTROS_WITH_YEAR = (f"{THIS_YEAR}年以来，", f"{THIS_YEAR}年，")
_OPENING_INTROS = (*_OPENING_INTROS_WITH_YEAR, "今年以来，", "一年来，")
_OPENING_TAILS = (
    f"现将{THIS_YEAR}年法治政府建设情况报告如下：",
    "现将有关情况报告如下：",
    "现将一年来的工作情况总结如下：",
    f"现将我镇{THIS_YEAR}年依法治镇工作报告如下：",
    "现将工作情况报告如下：",
)
_PLANS_TURN = ("下一步工作打算：", "下一步，我镇将重点做好以下工作：", "下步打算：")
_NUMERALS = "一二三四五六七八九十"
_FIXED_TIME = datetime.datetime(2024, 1, 1, 8, 0, 0)
_ZIP_TIME = (2024, 1, 1, 8, 0, 0)


@dataclass(frozen=True)
class GeneratedReport:
    """A generated file and the metadata a careful reader takes from it.

    `town` and `county` are None where the text does not name them (a redacted town, a
    report whose county appears nowhere), `year` is None for a 20xx placeholder, `title` is
    None for a report without one; the title is as written, so traditional when the text is.
    """

    path: Path
    town: str | None
    county: str | None
    year: int | None
    title: str | None
    copied: tuple[Copied, ...] = ()  # planted copies (only with `copies`)


@dataclass(frozen=True)
class Copied:
    """A part this report took from `source`: `kind` "neighbour" or "previous year"."""

    source: Path
    kind: str
    category: str
    reworded: bool


# ---------------------------------------------------------------------------------------------
# The material: the samples cut into parts, subheadings and sentences, once per process.


@dataclass(frozen=True)
class _Unit:
    """A sentence of a sample with markers for place and year, without its end punctuation."""

    text: str
    size: int  # its length once the markers are replaced, roughly


@dataclass
class _Material:
    units: dict[str, list[_Unit]] = field(default_factory=dict)  # by category
    leads: dict[str, list[_Unit]] = field(default_factory=dict)  # sentences before 一是…
    heads: dict[str, list[str]] = field(default_factory=dict)  # subheading candidates
    themes: list[str] = field(default_factory=list)  # measures top headings such as 加强…
    openings: list[str] = field(default_factory=list)  # opening paragraphs' middles


def _unit(text: str) -> _Unit:
    extra = sum(3 if ord(ch) >= _YEAR_BASE else 2 for ch in text if ch >= "\ue000")
    return _Unit(text, len(text) + extra)


def _with_markers(text: str, year: int) -> str:
    text = _LEFTOVER.sub("", text)
    text = _SAMPLE_TOWNS.sub(TOWN, text)
    text = _SAMPLE_COUNTIES.sub(COUNTY, text)
    text = _COUNTY_LEVEL.sub(COUNTY_SUFFIX, text)
    return _SAMPLE_YEAR.sub(lambda m: _year_marker(int(m.group(1)) - year), text)


def _category(heading: str) -> str:
    if "第一责任人" in heading:
        return "leadership"
    problems = re.search(r"问题|不足", heading)
    plans = re.search(r"打算|计划|安排", heading)
    if problems and plans:
        return "combined"
    return "problems" if problems else "plans" if plans else "measures"


def _sample_year(lines: list[str]) -> int:
    """The year a sample reports on: its title's, else its opening's, else its first year."""
    for line in lines[:4]:
        match = re.search(r"(20[0-9]{2})年", line)
        if match:
            return int(match.group(1))
    return 2021


def _split_units(paragraph: str) -> list[tuple[str, bool]]:
    """Sentences of a paragraph with their enumerators removed; True marks a lead-in.

    A lead-in is a sentence an enumeration (一是…) follows, as in 主要表现在：一是….
    """
    pieces: list[str] = []
    for sentence in re.split(r"(?<=[。！？])", paragraph):
        pieces.extend(re.split(r"(?<=[；;：:])(?=[一二三四五六七八九十]是)", sentence))
    units: list[tuple[str, bool]] = []
    for index, piece in enumerate(pieces):
        text = _ENUMERATOR.sub("", piece.strip()).strip().rstrip("。；;：:，,！？ ")
        if len(text) < 4 or _LOOKS_NUMBERED.match(text) or len(text) > 360:
            continue
        following = pieces[index + 1].strip() if index + 1 < len(pieces) else ""
        lead = following.startswith("一是") or piece.strip().endswith(("：", ":"))
        units.append((text, lead))
    return units


def _heading_words(heading: str) -> str:
    return _SUB.sub("", _TOP.sub("", heading)).strip().rstrip("。.；;：: ")


@functools.lru_cache(maxsize=1)
def _material() -> _Material:
    material = _Material()
    for name in ("measures", "leadership", "problems", "plans"):
        material.units[name], material.leads[name], material.heads[name] = [], [], []
    for path in sorted(SOURCE.glob("*.txt")):
        _read_sample(path, material)
    for name in material.units:
        material.heads[name] = sorted(set(material.heads[name]))
        # One sample has a leadership part: it borrows what the measures say of leading roles.
        if name == "leadership":
            material.units[name] += [
                u for u in material.units["measures"] if re.search(r"主要领导|书记|组长", u.text)
            ]
    # Top-level measures headings: the samples' own, and their two-clause subheadings.
    material.themes = sorted(
        {*material.themes, *(h for h in material.heads["measures"] if "，" in h)}
    )
    return material


def _read_sample(path: Path, material: _Material) -> None:
    raw = [_LEFTOVER.sub("", line).strip() for line in path.read_text("utf-8").splitlines()]
    lines = [line for line in raw if line]
    year = _sample_year(lines)
    index = 0
    while index < 2 and len(lines[index]) < 40 and not re.search(r"[，。：:]", lines[index]):
        index += 1  # title lines
    opening = _with_markers(lines[index], year)
    middle = re.sub(r"^(?:[0-9\ue100-\ue1ff]+年(?:以来)?|今年以来|一年来)，", "", opening)
    middle = re.sub(r"[。，]?现将[^。]*[：:。]$", "", middle)
    middle = re.sub(r"^我镇", TOWN, middle)
    material.openings.append(middle)
    category, paragraphs = "measures", []

    def flush() -> None:
        for paragraph in paragraphs:
            _add_paragraph(material, category, _with_markers(paragraph, year))
        paragraphs.clear()

    for line in lines[index + 1 :]:
        if _TOP.match(line):
            flush()
            words = _heading_words(line)
            category = _category(words)
            if category == "measures" and not re.search(r"情况|举措|成效", words):
                if not _NAMES_A_PART.search(words):
                    material.themes.append(words)
        elif _SUB.match(line):
            flush()
            head, _, rest = line.partition("。")
            words = _heading_words(head)
            names_a_part = category in ("measures", "leadership") and _NAMES_A_PART.search(words)
            if category != "combined" and not names_a_part and not re.search(r"[：:；;]", words):
                material.heads[category].append(_with_markers(words, year))
            if rest:
                paragraphs.append(rest)
        else:
            paragraphs.append(line)
    flush()


def _add_paragraph(material: _Material, category: str, paragraph: str) -> None:
    if category == "combined":  # 存在问题及下一步工作打算: split where the plans begin
        turn = re.search(r"下一?步工作(?:打算|计划)[：:]", paragraph)
        if turn:
            _add_paragraph(material, "problems", paragraph[: turn.start()])
            _add_paragraph(material, "plans", paragraph[turn.end() :])
        else:
            _add_paragraph(material, "problems", paragraph)
        return
    for text, lead in _split_units(paragraph):
        short = len(text) <= 16 and not re.search(r"[，,；;：:]", text)
        if short and category != "problems":
            # 一是主动担当履职。…: a heading for subsections and enumerated items, not a sentence
            if not _NAMES_PROBLEMS_OR_PLANS.search(text):
                material.heads[category].append(text)
            continue
        (material.leads if lead else material.units)[category].append(_unit(text))
        # Problems have no subheadings in the samples: an item's first clause serves as one.
        first_clause = re.split(r"[，,]", text)[0]
        if category == "problems" and 6 <= len(first_clause) <= 20 and not lead:
            material.heads[category].append(first_clause)


# ---------------------------------------------------------------------------------------------
# Places and years.


@dataclass(frozen=True)
class _Town:
    name: str
    county: str
    years: tuple[int, ...]  # the years it reports on, in the order its reports come


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def _place_names(rng: random.Random, count: int, suffixes, taken: set[str]) -> list[str]:
    names: list[str] = []
    while len(names) < count:
        stem_length = 3 if rng.random() < 0.15 or len(taken) > 6000 else 2
        stem = "".join(rng.choice(_SYLLABLES) for _ in range(stem_length))
        if len(set(stem)) < stem_length:
            continue
        name = stem + _weighted(rng, suffixes)
        if name not in taken:
            taken.add(name)
            names.append(name)
    return names


def _towns(n: int, seed: int) -> list[_Town]:
    rng = random.Random(f"towns/{n}/{seed}")
    town_count = max(20, n // 8)
    county_count = max(3, town_count // 12)
    taken: set[str] = set()
    counties = _place_names(rng, county_count, _COUNTY_SUFFIXES, taken)
    names = _place_names(rng, town_count, _TOWN_SUFFIXES, taken)
    years = list(range(FIRST_YEAR, LAST_YEAR + 1))
    towns = []
    for name in names:
        rng.shuffle(years)
        towns.append(_Town(name, rng.choice(counties), tuple(years)))
    return towns


# ---------------------------------------------------------------------------------------------
# One report.


@dataclass
class _Paragraph:
    category: str
    enumerated: bool
    lead: _Unit | None
    items: list[str]  # item texts (an enumerated item may carry a short head: 主动担当履职。…)
    sizes: list[int]
    turn: _Paragraph | None = None  # the plans half of a combined paragraph

    def render(self, semicolons: bool) -> str:
        if not self.enumerated:
            text = "".join(item + "。" for item in self.items)
        else:
            lead = self.lead.text + "：" if self.lead else ""
            separator = "；" if semicolons and not any("。" in i for i in self.items) else "。"
            parts = [f"{_NUMERALS[k]}是{item}" for k, item in enumerate(self.items)]
            text = lead + separator.join(parts) + "。"
        if self.turn:
            text += self.turn.render(semicolons)
        return text


@dataclass
class _Part:
    category: str
    heading: str
    intro: list[_Paragraph]
    subs: list[tuple[str, list[_Paragraph]]]


@dataclass
class _Style:
    """The report's layout choices."""

    sub_number: str  # "（一）", "(一)", "1.", "1、"
    run_on: bool  # subsection heading and paragraph on one line
    semicolons: bool  # 一是…；二是… rather than 一是…。二是…
    lost_autonumber: bool
    heading_period: bool  # 四、下一步工作计划。


class _Builder:
    """Draws the parts of one report from the material with one random stream."""

    def __init__(
        self, rng: random.Random, material: _Material, details: random.Random | None = None
    ) -> None:
        self.rng = rng
        self.material = material
        self.used: set[str] = set()
        self.details = details  # planted-copies corpora only: its own stream, see _detail

    def pick(self, pool: list, key=lambda x: x):
        """An item of `pool` not used yet in this report (any item once all are used)."""
        for _ in range(6):
            item = self.rng.choice(pool)
            if key(item) not in self.used:
                break
        self.used.add(key(item))
        return item

    def head(self, category: str) -> str:
        return self.pick(self.material.heads[category])

    def unit(self, category: str) -> _Unit:
        return self.pick(self.material.units[category], key=lambda u: u.text)

    def paragraph(self, category: str, budget: int, enumerated: bool) -> _Paragraph:
        rng = self.rng
        lead = None
        if enumerated and rng.random() < 0.7 and self.material.leads[category]:
            lead = self.pick(self.material.leads[category], key=lambda u: u.text)
        paragraph = _Paragraph(category, enumerated, lead, [], [])
        size = lead.size + 1 if lead else 0
        with_heads = enumerated and category in ("measures", "leadership") and rng.random() < 0.4
        while size < budget or len(paragraph.items) < (2 if enumerated else 1):
            size += self.add_item(paragraph, with_heads)
            if len(paragraph.items) >= 8:
                break
        return paragraph

    def add_item(self, paragraph: _Paragraph, with_heads: bool = False) -> int:
        unit = self.unit(paragraph.category)
        text, size = unit.text, unit.size + 3
        if with_heads:
            head = self.head(paragraph.category)
            text, size = f"{head}。{text}", size + len(head) + 1
        if self.details is not None and self.details.random() < DETAIL_SHARE:
            detail = _detail(self.details)
            text, size = text + detail, size + len(detail)
        paragraph.items.append(text)
        paragraph.sizes.append(size)
        return size


DETAIL_SHARE = 0.85  # of the sentences of a planted-copies corpus
_DETAILS = (
    "，全年共开展{a}场次，覆盖群众{b}人次",
    "，涉及{a}个村（社区）{b}户",
    "，累计投入经费{a}.{c}万元，受益群众{b}人",
    "，参与干部职工{a}人次，发放资料{b}份",
    "，办结案件{a}件，涉及金额{b}元",
)


def _detail(rng: random.Random) -> str:
    """Figures that make a sentence a report's own, as real reports' are."""
    template = rng.choice(_DETAILS)
    return template.format(a=rng.randint(3, 999), b=rng.randint(100, 99999), c=rng.randint(1, 9))


def _outline(builder: _Builder, target: int) -> list[_Part]:
    """Parts in the official order, each with its subsections and paragraphs, near `target`."""
    rng = builder.rng
    top = rng.choices((3, 4, 5), weights=(35, 40, 25))[0]
    combined = rng.random() < 0.08
    leadership = top >= 4 and rng.random() < 0.3
    tail = ["combined"] if combined else ["problems", "plans"]
    measures = max(1, min(3, top - len(tail) - leadership))
    if measures + len(tail) + leadership < 3:
        measures = 3 - len(tail) - leadership
    categories = ["measures"] * measures + ["leadership"] * leadership + tail
    shares = {"measures": 0.66, "leadership": 0.16, "problems": 0.08, "plans": 0.16}
    shares["combined"] = shares["problems"] + shares["plans"]
    total_share = sum(shares[c] / (measures if c == "measures" else 1) for c in categories)
    parts = []
    for category in categories:
        budget = int(target * shares[category] / total_share)
        if category == "measures":
            budget //= measures
        parts.append(_part(builder, category, budget, measures))
    return parts


def _part(builder: _Builder, category: str, budget: int, measures: int) -> _Part:
    rng, material = builder.rng, builder.material
    if category == "measures":
        if measures == 1 and rng.random() < 0.8:
            heading = rng.choice(_MEASURES_HEADINGS)
        else:
            heading = builder.pick(material.themes)
        count = rng.randint(2, 5) if measures == 1 else rng.randint(0, 3)
    elif category == "leadership":
        heading, count = rng.choice(_LEADERSHIP_HEADINGS), rng.randint(0, 3)
    elif category == "problems":
        heading = rng.choice(_PROBLEMS_HEADINGS)
        count = 0 if rng.random() < 0.75 else rng.randint(2, 3)
    elif category == "plans":
        heading, count = rng.choice(_PLANS_HEADINGS), rng.randint(0, 4)
    else:
        heading, count = rng.choice(_COMBINED_HEADINGS), 0
    if category == "combined":
        problems = builder.paragraph("problems", budget // 3, True)
        problems.turn = builder.paragraph("plans", budget * 2 // 3, True)
        problems.turn.lead = _unit(rng.choice(_PLANS_TURN).rstrip("：:"))
        return _Part(category, heading, [problems], [])
    intro: list[_Paragraph] = []
    if count == 0:
        enumerated = category in ("problems", "plans") or rng.random() < 0.4
        paragraphs = 1 if category in ("problems", "plans") else rng.randint(1, 2)
        intro = [
            builder.paragraph(category, budget // paragraphs, enumerated) for _ in range(paragraphs)
        ]
        return _Part(category, heading, intro, [])
    if category == "measures" and rng.random() < 0.3:
        intro = [builder.paragraph(category, budget // (count + 1), False)]
        budget -= budget // (count + 1)
    subs = []
    for _ in range(count):
        share = int(budget / count * rng.uniform(0.6, 1.4))
        enumerated = rng.random() < 0.45
        subs.append((builder.head(category), [builder.paragraph(category, share, enumerated)]))
    return _Part(category, heading, intro, subs)


def _sub_number(style: _Style, index: int) -> str:
    numeral = _NUMERALS[index]
    if style.sub_number == "（一）":
        return f"（{numeral}）"
    if style.sub_number == "(一)":
        return f"({numeral})"
    return f"{index + 1}{style.sub_number[1:]}"


def _body_lines(opening: str, parts: list[_Part], style: _Style) -> list[tuple[str, str]]:
    lines = [(opening, "body")]
    for number, part in enumerate(parts):
        prefix = f"{_NUMERALS[number]}、"
        if number == 0 and style.lost_autonumber:
            prefix = "1、 "
        period = "。" if style.heading_period and part.category in ("plans", "problems") else ""
        lines.append((prefix + part.heading + period, "h1"))
        for paragraph in part.intro:
            lines.append((paragraph.render(style.semicolons), "body"))
        for sub_index, (head, paragraphs) in enumerate(part.subs):
            number_text = _sub_number(style, sub_index)
            first = paragraphs[0].render(style.semicolons)
            if style.run_on:
                lines.append((f"{number_text}{head}。{first}", "h2 run-on"))
            else:
                lines.extend([(number_text + head, "h2"), (first, "body")])
            lines.extend((p.render(style.semicolons), "body") for p in paragraphs[1:])
    return lines


def _title_parts(rng: random.Random, town_suffix: str, with_county: bool) -> list[str]:
    """The title as one or two pieces where it may be split over lines."""
    year = f"{THIS_YEAR}年"
    place = [COUNTY, TOWN] if with_county else [TOWN]
    forms = [
        [*place, f"{year}法治政府", "建设情况报告"],
        [*place, f"{year}度法治政府", "建设情况报告"],
        [*place, "人民政府", f"关于{year}度法治政府建设情况的报告"],
    ]
    if town_suffix == "街道":
        forms.append([*place, year, "法治建设工作总结"])
    else:
        forms.append([*place, year, f"依法治{town_suffix}工作总结"])
    form = rng.choice(forms)
    split = rng.randint(1, len(form) - 1)
    return ["".join(form[:split]), "".join(form[split:])]


@dataclass
class _Draft:
    lines: list[tuple[str, str]]  # text and kind: title, blank, h1, h2, h2 run-on, body
    town: str | None
    county: str | None
    year: int | None
    title: str | None
    parts: list[_Part] = field(default_factory=list)


def _draft(
    index: int,
    seed: int,
    town: _Town,
    year: int,
    material: _Material,
    plant: _Plant | None = None,
) -> _Draft:
    rng = random.Random(f"report/{seed}/{index}")
    details = random.Random(f"details/{seed}/{index}") if plant else None
    builder = _Builder(rng, material, details)
    town_suffix = "街道" if town.name.endswith("街道") else town.name[-1]
    no_title = rng.random() < NO_TITLE_SHARE
    redacted = rng.random() < REDACTED_SHARE
    placeholder = not no_title and rng.random() < PLACEHOLDER_SHARE
    style = _Style(
        sub_number=rng.choices(("（一）", "(一)", "1.", "1、"), weights=(70, 12, 9, 9))[0],
        run_on=rng.random() < 0.7,
        semicolons=rng.random() < 0.6,
        lost_autonumber=False,
        heading_period=rng.random() < 0.1,
    )
    style.lost_autonumber = style.sub_number[0] != "1" and rng.random() < LOST_AUTONUMBER_SHARE

    title_lines: list[tuple[str, str]] = []
    if not no_title:
        first, second = _title_parts(rng, town_suffix, rng.random() < 0.45)
        if rng.random() < SPLIT_TITLE_SHARE:
            title_lines = [(first, "title"), ("", "blank")] if rng.random() < 0.4 else []
            title_lines = title_lines or [(first, "title")]
            title_lines.append((second, "title"))
        else:
            title_lines = [(first + second, "title")]
        if rng.random() < 0.5:
            title_lines.append(("", "blank"))

    intros = _OPENING_INTROS_WITH_YEAR if no_title else _OPENING_INTROS
    middle = rng.choice(material.openings)
    if rng.random() < 0.4:
        middle = middle.replace(TOWN, "我镇", 1)
    opening = rng.choice(intros) + middle + "。" + rng.choice(_OPENING_TAILS)

    target = rng.randint(_LOW + 150, _HIGH - 150)
    fixed = sum(len(text) for text, _ in title_lines) + len(opening) + 20
    parts = _outline(builder, target - fixed)
    town_name = town.name
    if redacted:
        town_name = rng.choice(_REDACTIONS) + town_suffix
    values = {TOWN: town_name, COUNTY: town.county, COUNTY_SUFFIX: town.county[-1]}

    def value(match: re.Match[str]) -> str:
        marker = match.group(0)
        if marker in values:
            return values[marker]
        return "20xx" if placeholder else str(year + ord(marker) - _YEAR_BASE - _MAX_SHIFT)

    town_words = _town_words(town_suffix)
    for _ in range(60):
        lines = [*title_lines, *_body_lines(opening, parts, style)]
        text = _MARKER.sub(value, town_words("\n".join(t for t, _ in lines)))
        size = sum(len(line) + 1 for line in text.split("\n") if line) - 1
        if _LOW <= size <= _HIGH:
            break
        _adjust(builder, parts, grow=size < _LOW)
    if plant and plant.take(parts, index, town, year):
        lines = [*title_lines, *_body_lines(opening, parts, style)]
        text = _MARKER.sub(value, town_words("\n".join(t for t, _ in lines)))
    lines = list(zip(text.split("\n"), (kind for _, kind in lines), strict=True))
    title = "".join(t for t, kind in lines if kind == "title") or None
    return _Draft(
        lines=lines,
        town=town.name if not redacted and town.name in text else None,
        county=town.county if town.county in text else None,
        year=None if placeholder else year,
        title=title,
        parts=parts,
    )


class _Plant:
    """Planted copies: each report, drafted in turn, may take a whole part of an earlier
    report of a neighbour town (same county, same year) or of its own town's previous year.
    A part is copied at most once and never one that is itself a copy, so the pairs that
    share a planted part are exactly the planted pairs."""

    def __init__(self, share: float, seed: int) -> None:
        self.share = share
        self.rng = random.Random(f"copies/{seed}")
        self.drafts: dict[tuple[str, int], tuple[int, list[_Part]]] = {}  # (town, year)
        self.by_county_year: dict[tuple[str, int], list[tuple[str, int]]] = {}
        self.used: set[int] = set()  # ids of parts taken or copied
        self.taken: dict[int, tuple[int, str, str, bool]] = {}  # report → source, kind…

    def remember(self, index: int, town: _Town, year: int, parts: list[_Part]) -> None:
        self.drafts[(town.name, year)] = (index, parts)
        self.by_county_year.setdefault((town.county, year), []).append((town.name, index))

    def take(self, parts: list[_Part], index: int, town: _Town, year: int) -> bool:
        rng = self.rng
        if rng.random() >= self.share:
            return False
        kind = rng.choice(("neighbour", "previous year"))
        if kind == "previous year" and (town.name, year - 1) in self.drafts:
            source_index, source_parts = self.drafts[(town.name, year - 1)]
        else:
            kind = "neighbour"
            held = self.by_county_year.get((town.county, year), [])
            neighbours = [i for name, i in held if name != town.name]
            if not neighbours:
                return False
            source_index = rng.choice(neighbours)
            source_parts = next(p for i, p in self.drafts.values() if i == source_index)
        free = [
            (mine, theirs)
            for mine, part in enumerate(parts)
            for theirs in source_parts
            if theirs.category == part.category and id(theirs) not in self.used
        ]
        if not free:
            return False
        mine, theirs = rng.choice(free)
        copy = copy_module.deepcopy(theirs)
        reworded = rng.random() < 0.5
        if reworded:
            self._reword(copy)
        self.used.update((id(theirs), id(copy)))
        parts[mine] = copy
        self.taken[index] = (source_index, kind, copy.category, reworded)
        return True

    def _reword(self, part: _Part) -> None:
        """A third of the part's sentences get new figures or go."""
        for paragraph in part.intro + [p for _, paragraphs in part.subs for p in paragraphs]:
            for item in reversed(range(len(paragraph.items))):
                if self.rng.random() < 1 / 3:
                    if len(paragraph.items) > 1 and self.rng.random() < 0.5:
                        del paragraph.items[item], paragraph.sizes[item]
                    else:
                        text = re.sub(r"，[^，。]*[0-9][^。]*$", "", paragraph.items[item])
                        paragraph.items[item] = text + _detail(self.rng)


def _town_words(suffix: str):
    """我镇/全镇/镇党委 … as a 乡 or 街道 writes them."""
    if suffix == "乡":
        pattern = re.compile(r"(?<![城集乡村])镇")
        return lambda text: pattern.sub("乡", text)
    if suffix == "街道":
        pattern = re.compile(r"(?<=[我全本])镇")
        return lambda text: pattern.sub("街道", text)
    return lambda text: text


def _adjust(builder: _Builder, parts: list[_Part], grow: bool) -> None:
    """One sentence more (in a measures paragraph) or less (in the longest paragraph)."""
    paragraphs = [p for part in parts for p in part.intro + [q for _, s in part.subs for q in s]]
    if grow:
        open_ = [p for p in paragraphs if len(p.items) < len(_NUMERALS)]
        measures = [p for p in open_ if p.category == "measures"] or open_
        if measures:
            builder.add_item(builder.rng.choice(measures))
        return
    shrinkable = [p for p in paragraphs if len(p.items) > (2 if p.enumerated else 1)]
    if shrinkable:
        longest = max(shrinkable, key=lambda p: sum(p.sizes))
        drop = builder.rng.randrange(len(longest.items))
        del longest.items[drop], longest.sizes[drop]


# ---------------------------------------------------------------------------------------------
# Files.


@functools.lru_cache(maxsize=1)
def _s2t():
    import opencc

    return opencc.OpenCC("s2t")


_HALF_WIDTH = str.maketrans("，；：（）！？", ",;:()!?")


def _finish(lines: list[tuple[str, str]], rng: random.Random) -> list[tuple[str, str]]:
    """Traditional characters, half-width punctuation and leftovers for a few reports."""
    text = "\n".join(t for t, _ in lines)
    changed = False
    if rng.random() < HALF_WIDTH_SHARE:
        text, changed = text.translate(_HALF_WIDTH), True
    if rng.random() < TRADITIONAL_SHARE:
        text, changed = _s2t().convert(text), True
    if changed:
        lines = list(zip(text.split("\n"), (k for _, k in lines), strict=True))
    if rng.random() < LEFTOVER_SHARE:
        candidates = [i for i, (_, kind) in enumerate(lines) if kind.startswith("h2")]
        if candidates:
            i = rng.choice(candidates)
            lines[i] = ("[bookmark: _GoBack]" + lines[i][0], lines[i][1])
    return lines


def _txt_bytes(lines: list[tuple[str, str]], rng: random.Random) -> bytes:
    newline = "\r\n" if rng.random() < CRLF_SHARE else "\n"
    text = newline.join(t for t, _ in lines) + newline
    return text.encode("gb18030" if rng.random() < GB18030_SHARE else "utf-8")


@functools.lru_cache(maxsize=1)
def _docx_template() -> bytes:
    """python-docx's default document without the parts a report does not need.

    Its styles.xml alone is 350 kB; every file would carry and recompress it.
    """
    import docx
    from docx.oxml.ns import qn

    document = docx.Document()
    package = document.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype.endswith("/thumbnail"):
            package.rels.pop(rid)
    unused = ("/stylesWithEffects", "/webSettings", "/customXml")
    for rid, rel in list(document.part.rels.items()):
        if rel.reltype.endswith(unused):
            document.part.rels.pop(rid)
    keep = {
        "Normal", "Title", "Heading1", "Heading2", "DefaultParagraphFont", "TableNormal",
        "NoList", "Heading1Char", "Heading2Char", "TitleChar",
    }  # fmt: skip
    styles = document.styles.element
    for element in list(styles):
        if element.tag == qn("w:latentStyles") or (
            element.tag == qn("w:style") and element.get(qn("w:styleId")) not in keep
        ):
            styles.remove(element)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_bytes(lines: list[tuple[str, str]], title: str | None, rng: random.Random) -> bytes:
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    document = docx.Document(io.BytesIO(_docx_template()))
    styled = rng.random() < STYLED_DOCX_SHARE
    for text, kind in lines:
        style = None
        if styled and kind == "h1":
            style = "Heading 1"
        elif styled and kind == "h2":
            style = "Heading 2"
        paragraph = document.add_paragraph(style=style)
        if kind == "title":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        if text:
            paragraph.add_run()._r.add_t(text)  # add_run(text) appends character by character
    properties = document.core_properties
    properties.created = properties.modified = properties.last_printed = _FIXED_TIME
    properties.author = properties.last_modified_by = ""
    properties.title = title or ""
    buffer = io.BytesIO()
    document.save(buffer)
    return _fixed_zip(buffer)


def _fixed_zip(buffer: io.BytesIO) -> bytes:
    """The same archive with fixed member timestamps: python-docx stamps the current time."""
    output = io.BytesIO()
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(output, "w") as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, _ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(member, source.read(info.filename))
    return output.getvalue()


def generate_corpus(
    folder: Path, n: int, seed: int = 0, copies: float = 0.0
) -> list[GeneratedReport]:
    """Write `n` reports into `folder` (created if missing); the same bytes for the same seed.

    `copies` > 0 plants copies in about that share of the reports (see the module's doc)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    material = _material()
    towns = _towns(n, seed)
    plant = _Plant(copies, seed) if copies > 0 else None
    reports = []
    for index in range(n):
        town = towns[index % len(towns)]
        year = town.years[(index // len(towns)) % len(town.years)]
        draft = _draft(index, seed, town, year, material, plant)
        if plant:
            plant.remember(index, town, year, draft.parts)
        rng = random.Random(f"file/{seed}/{index}")
        lines = _finish(draft.lines, rng)
        title = "".join(t for t, kind in lines if kind == "title") or None
        docx_file = rng.random() < DOCX_SHARE
        if docx_file:
            # A Word file keeps no blank lines around the title and no bookmark text.
            lines = [(_LEFTOVER.sub("", t), kind) for t, kind in lines if kind != "blank"]
            data = _docx_bytes(lines, title, rng)
        else:
            data = _txt_bytes(lines, rng)
        stem = f"{index:06d}_{draft.town or 'unknown'}_{draft.year or '20xx'}"
        path = folder / (stem + (".docx" if docx_file else ".txt"))
        path.write_bytes(data)
        reports.append(GeneratedReport(path, draft.town, draft.county, draft.year, title))
    if plant:
        for index, (source, kind, category, reworded) in plant.taken.items():
            planted = Copied(reports[source].path, kind, category, reworded)
            reports[index] = dataclasses.replace(reports[index], copied=(planted,))
    return reports


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.corpus", description="Write a generated corpus of reports."
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--n", type=int, default=1000, help="number of reports")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--copies", type=float, default=0.0, help="share of reports with a planted copy"
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    reports = generate_corpus(args.folder, args.n, args.seed, args.copies)
    print(f"{len(reports)} reports in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
