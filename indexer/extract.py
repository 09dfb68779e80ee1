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
    found = find_places(text, normalize(text), title_span, opening)
    plans = [(s.start, s.end) for s in record.sections if "plans" in s.categories]
    year = find_year(text, metadata_text(normalize(text)), title_span, opening, plans)
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
    sections: list[Section] = []
    open_sections: list[int] = []  # indexes of the sections enclosing the current one
    seen_problems_or_plans = False
    for heading in headings:
        while open_sections and sections[open_sections[-1]].level >= heading.level:
            open_sections.pop()
        if open_sections:
            parent = sections[open_sections[-1]]
            names = categories.subheading_categories(heading.text, parent.categories)
            if heading.line is None:  # an inline enumeration only inherits
                names = parent.categories
        else:
            names = categories.top_level_categories(heading.text, seen_problems_or_plans)
            seen_problems_or_plans |= bool({"problems", "plans"} & set(names))
        path = tuple(sections[i].heading for i in open_sections)
        sections.append(
            Section(heading.text, heading.level, path, names, heading.start, text_length)
        )
        open_sections.append(len(sections) - 1)
    return _with_ends(sections, text_length)


def _with_ends(sections: list[Section], text_length: int) -> list[Section]:
    """A section ends where the next heading at its level or above begins."""
    result = []
    for index, section in enumerate(sections):
        end = next(
            (s.start for s in sections[index + 1 :] if s.level <= section.level), text_length
        )
        result.append(
            Section(
                section.heading, section.level, section.path, section.categories, section.start, end
            )
        )
    return result


def _passages(lines: list[Line], sections: list[Section]) -> list[Passage]:
    passages, current = [], -1
    for line in lines:
        while current + 1 < len(sections) and sections[current + 1].start <= line.start:
            current += 1
        passages.append(Passage(line.text, line.start, current))
    return passages
