"""From a report file to its record: metadata, section outline, passages."""

from __future__ import annotations

import re
from pathlib import Path

from ..normalize import normalize
from ..records import Evidence, Passage, Record, Section
from . import categories
from .furniture import is_furniture
from .metadata import find_places, find_year, is_addressee, metadata_text
from .outline import Heading, Line, find_headings
from .overrides import apply_overrides
from .path_evidence import with_path_evidence
from .reading import read_report
from .source import SourceDocument, SourceLine
from .title import Title, find_title, repeats_title

# In a report on one line: the spaces before its numbered headings, and after a leading title.
_ONE_LINE_BREAKS = re.compile(
    r"(?<=报告|总结)\s+|\s+(?=[一二三四五六七八九十]{1,2}、|"
    r"[(（][一二三四五六七八九十]{1,2}[)）]|\d{1,2}[、.](?!\d))"
)
# A numbered heading of a one-line report, with its paragraph after a space.
_HEADING_THEN_SPACE = re.compile(
    r"((?:[一二三四五六七八九十]{1,2}、|[(（][一二三四五六七八九十]{1,2}[)）]|\d{1,2}[、.])"
    r"[^\s。，,；;]{1,30})\s+(?=\S)"
)


def build_record(path: Path, archive: Path | None = None) -> Record:
    """Read, extract and apply the staff's corrections; raises ReportReadError.

    `file` in the record is the path relative to `archive`, or the file name without one.
    """
    name = path.relative_to(archive).as_posix() if archive else path.name
    record = extract_record(name, read_report(path))
    apply_overrides(record, path)
    return record


def extract_record(file: str, document: SourceDocument) -> Record:
    """Extract from a document; `file` is its path in the archive, itself evidence of place."""
    raw = _lines(document)
    furniture = {index for index, line in enumerate(raw) if is_furniture(line.norm)}
    title = find_title(raw, furniture)
    dropped = furniture | set(range(title.first if title else 0)) | _repeats(raw, title)
    lines = _reoffset([line for index, line in enumerate(raw) if index not in dropped])
    text = "\n".join(line.text for line in lines)
    record = Record(
        file=file, text=text, encoding=document.encoding, warnings=list(document.warnings)
    )
    title_lines = title.end - title.first if title else 0
    record.sections = _sections(find_headings(lines[title_lines:]), len(text))
    record.passages = _passages(lines, record.sections)
    heading_starts = {section.start for section in record.sections}
    body = [ln for ln in lines[title_lines:] if ln.start not in heading_starts]
    addressee = next((ln for ln in body[:2] if is_addressee(ln.norm)), None)
    opening = next((ln for ln in body if ln is not addressee), None)
    norm = "\n".join(line.norm for line in lines)  # normalize(text), without a second pass
    page = [(raw[index].norm, raw[index].text) for index in sorted(furniture)]
    found = find_places(text, norm, title, opening, addressee, page)
    plans = [(s.start, s.end) for s in record.sections if "plans" in s.categories]
    page_norms = [line_norm for line_norm, _ in page]
    year = find_year(text, metadata_text(norm), title, opening, plans, page_norms)
    if year:
        found["year"] = year
    found, disagreements = with_path_evidence(found, file)
    record.warnings.extend(disagreements)
    if title:
        record.title = title.text
        record.evidence["title"] = Evidence(title.text, 0, "title")
    for name, value in found.items():
        setattr(record, name, value.value)
        record.evidence[name] = value.evidence
    return record


def _lines(document: SourceDocument) -> list[Line]:
    lines, start = [], 0
    for source in _split_one_line_report(document.lines):
        if source.text:
            lines.append(Line(source.text, normalize(source.text), start, source.level))
            start += len(source.text) + 1
    return lines


def _split_one_line_report(lines: list[SourceLine]) -> list[SourceLine]:
    """A report pasted without line breaks, cut where its title and numbered headings begin.

    Only a text of a line or two is cut: in a normal report a number after a space in the
    middle of a paragraph is prose.
    """
    if len(lines) > 2:
        return lines
    result = []
    for line in lines:
        pieces = _ONE_LINE_BREAKS.split(line.text) if len(line.text) > 300 else [line.text]
        for piece in pieces:
            # 二、存在问题 学法不深。: a short heading, then a space, then its paragraph.
            head = _HEADING_THEN_SPACE.match(piece) if len(pieces) > 1 else None
            parts = [head.group(1), piece[head.end() :]] if head else [piece]
            result.extend(SourceLine(part.strip(), line.level) for part in parts)
    return result


def _repeats(lines: list[Line], title: Title | None) -> set[int]:
    """Lines a page prints twice: the title again (or a part of it), a line repeated at once."""
    repeated = set()
    title_norm = normalize(title.text) if title else ""
    previous = ""
    for index in range(title.end if title else 0, len(lines)):
        norm = lines[index].norm
        if norm == previous or (title and repeats_title(norm, title_norm)):
            repeated.add(index)
        previous = norm
    return repeated


def _reoffset(lines: list[Line]) -> list[Line]:
    """The kept lines with their offsets in the record's text, which holds only them."""
    result, start = [], 0
    for line in lines:
        result.append(Line(line.text, line.norm, start, line.level))
        start += len(line.text) + 1
    return result


def _sections(headings: list[Heading], text_length: int) -> list[Section]:
    """Sections with their paths and parts, in document order.

    A section ends where the next heading at its level or above begins, which is when that
    heading closes it on the stack of open sections: one pass, linear in the headings.
    """
    sections: list[Section] = []
    ends: list[int] = []
    open_sections: list[int] = []  # indexes of the sections enclosing the current one
    seen_problems_or_plans = False
    for heading in headings:
        while open_sections and sections[open_sections[-1]].level >= heading.level:
            ends[open_sections.pop()] = heading.start
        if open_sections:
            parent = sections[open_sections[-1]]
            path = (*parent.path, parent.heading)
            names = parent.categories  # an inline enumeration (no line of its own) only inherits
            if heading.line is not None:
                names = categories.subheading_categories(heading.text, parent.categories)
        else:
            path = ()
            names = categories.top_level_categories(heading.text, seen_problems_or_plans)
            seen_problems_or_plans |= bool({"problems", "plans"} & set(names))
        sections.append(
            Section(heading.text, heading.level, path, names, heading.start, text_length)
        )
        ends.append(text_length)
        open_sections.append(len(sections) - 1)
    return [
        Section(s.heading, s.level, s.path, s.categories, s.start, end)
        for s, end in zip(sections, ends, strict=True)
    ]


def _passages(lines: list[Line], sections: list[Section]) -> list[Passage]:
    passages, current = [], -1
    for line in lines:
        while current + 1 < len(sections) and sections[current + 1].start <= line.start:
            current += 1
        passages.append(Passage(line.text, line.start, current))
    return passages
