"""From a report file to its record: metadata, section outline, passages."""

from __future__ import annotations

from pathlib import Path

from . import categories
from .metadata import find_places, find_title, find_year, metadata_text
from .normalize import normalize
from .outline import Heading, Line, find_headings
from .overrides import apply_overrides
from .reading import read_report
from .records import Evidence, Passage, Record, Section
from .source import SourceDocument


def build_record(path: Path, archive: Path | None = None) -> Record:
    """Read, extract and apply the staff's corrections; raises ReportReadError.

    `file` in the record is the path relative to `archive`, or the file name without one.
    """
    name = path.relative_to(archive).as_posix() if archive else path.name
    record = extract_record(name, read_report(path))
    apply_overrides(record, path)
    return record


def extract_record(file: str, document: SourceDocument) -> Record:
    lines = _lines(document)
    text = "\n".join(line.text for line in lines)
    record = Record(
        file=file, text=text, encoding=document.encoding, warnings=list(document.warnings)
    )
    title = find_title(lines)
    title_lines = title[2] if title else 0
    record.sections = _sections(find_headings(lines[title_lines:]), len(text))
    record.passages = _passages(lines, record.sections)
    heading_starts = {section.start for section in record.sections}
    opening = next((ln for ln in lines[title_lines:] if ln.start not in heading_starts), None)
    title_span = (title[0], title[1]) if title else None
    norm = "\n".join(line.norm for line in lines)  # normalize(text), without a second pass
    found = find_places(text, norm, title_span, opening)
    plans = [(s.start, s.end) for s in record.sections if "plans" in s.categories]
    year = find_year(text, metadata_text(norm), title_span, opening, plans)
    if year:
        found["year"] = year
    if title:
        record.title = title[0]
        record.evidence["title"] = Evidence(title[0], title[1], "title")
    for name, value in found.items():
        setattr(record, name, value.value)
        record.evidence[name] = value.evidence
    return record


def _lines(document: SourceDocument) -> list[Line]:
    lines, start = [], 0
    for source in document.lines:
        if source.text:
            lines.append(Line(source.text, normalize(source.text), start, source.level))
            start += len(source.text) + 1
    return lines


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
