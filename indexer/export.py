"""Passages as files staff paste into their summary: .docx, .csv, .xlsx.

Every writer takes an `Export`: a heading (what was asked), a note (what the file holds and,
when it was cut at a bound, that it was), and `ExportPassage`s in order; consecutive passages
of one file make one report's group. A view only has to build that plain list to be
exportable (export_sources.py does it for a search and a comparison; the town view can do
the same).

Each file carries the heading and the note at its top: a .csv or .xlsx has them in its first
two rows, the column names in the third. Matches are bold in .docx and .xlsx; the .csv lists
them in a column. Text that a spreadsheet would run as a formula (=, +, -, @ first) is kept
as text: an .xlsx cell is typed as a string, a .csv cell gets a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import docx
import openpyxl
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .vocabulary import SECTION_SEPARATOR

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",  # with a BOM
}
COLUMNS = ["文件", "标题", "镇/街道", "县/区", "年份", "章节", "段落", "匹配"]
EXCEL_CELL_CHARS = 32_767  # Excel's limit for one cell
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_FILE_NAME_ILLEGAL = re.compile(r'[\x00-\x1f<>:"/\\|?*]+')


@dataclass(frozen=True)
class ExportPassage:
    """One passage as exported: its report's metadata, its heading path, its matches."""

    file: str
    title: str | None
    town: str | None
    county: str | None
    year: int | None
    section: list[str]  # the headings above it, outermost first
    text: str
    highlights: list[tuple[int, int]]  # [start, end) of the matches in `text`, in order


@dataclass(frozen=True)
class Export:
    heading: str
    note: str
    passages: list[ExportPassage]


def file_name(heading: str, extension: str) -> str:
    """A file name from the heading, safe on Windows and in every browser (60 characters)."""
    name = _FILE_NAME_ILLEGAL.sub("_", heading).replace(" · ", "_").strip(" ._") or "导出"
    return f"{name[:60]}.{extension}"


def write(export: Export, extension: str) -> bytes:
    """The file's bytes in the format named by `extension` (a key of FORMATS)."""
    return {"docx": to_docx, "csv": to_csv, "xlsx": to_xlsx}[extension](export)


def _safe(text: str) -> str:
    """Text XML (and so .docx and .xlsx) can hold: a control character becomes �, one
    character for one, so the offsets of the matches still hold."""
    return _XML_ILLEGAL.sub("\ufffd", text)


def _pieces(text: str, spans: list[tuple[int, int]]) -> Iterator[tuple[str, bool]]:
    at = 0
    for start, end in spans:
        if start > at:
            yield text[at:start], False
        yield text[start:end], True
        at = end
    if at < len(text):
        yield text[at:], False


def _reports(passages: list[ExportPassage]) -> Iterator[list[ExportPassage]]:
    group: list[ExportPassage] = []
    for passage in passages:
        if group and passage.file != group[0].file:
            yield group
            group = []
        group.append(passage)
    if group:
        yield group


def _place(p: ExportPassage) -> str:
    parts = [p.town, p.county, f"{p.year} 年" if p.year else None]
    return " · ".join(str(part) for part in parts if part) or "镇、县、年份不明"


def headings_to_show(passages: list[tuple[list[str], str]]) -> list[list[str]]:
    """For each (section path, text) of one report in order, the headings to print above
    it: those not yet printed nor read, never the heading the passage itself begins with.
    A part's passages then read as the report does, each heading once."""
    seen: set[tuple[str, ...]] = set()
    shown = []
    for path, text in passages:
        above = path[:-1] if path and text.startswith(path[-1]) else path
        shown.append(above if above and tuple(above) not in seen else [])
        seen.update(tuple(above[:n]) for n in range(1, len(above) + 1))
        if path and text.startswith(path[-1]):
            seen.add(tuple(path))
    return shown


def to_docx(export: Export) -> bytes:
    """A heading per report (its title), its town, county, year and file under it, then its
    passages under their headings (`headings_to_show`); the matches (and only they) bold."""
    document = _Document()
    document.add_heading(_safe(export.heading), level=1)
    document.add_paragraph().add_run(_safe(export.note)).italic = True
    for group in _reports(export.passages):
        first = group[0]
        document.add_heading(_safe(first.title or first.file), level=2)
        meta = document.add_paragraph().add_run(_safe(f"{_place(first)} · {first.file}"))
        meta.font.size, meta.font.color.rgb = Pt(9), RGBColor(0x63, 0x6C, 0x76)
        shown = headings_to_show([(p.section, p.text) for p in group])
        for passage, path in zip(group, shown, strict=True):
            if path:
                run = document.add_paragraph().add_run(_safe(SECTION_SEPARATOR.join(path)))
                run.italic, run.font.color.rgb = True, RGBColor(0x63, 0x6C, 0x76)
            paragraph = document.add_paragraph()
            for piece, is_match in _pieces(_safe(passage.text), passage.highlights):
                run = paragraph.add_run(piece)
                if is_match:  # bold set only where needed: each property costs a lookup
                    run.bold = True
    return document.save()


class _Document:
    """A python-docx document that stays fast as it grows: python-docx inserts every new
    paragraph before the body's section properties, found by scanning the whole body, so
    n paragraphs cost n² steps (half the time of a 2,000-passage export). Each paragraph
    is taken out of the body once begun and all are put back, in order, on saving."""

    def __init__(self) -> None:
        self._document = docx.Document()
        self._body = self._document.element.body
        self._written: list = []

    def _taken(self, paragraph: Paragraph) -> Paragraph:
        self._body.remove(paragraph._p)
        self._written.append(paragraph._p)
        return paragraph

    def add_heading(self, text: str, level: int) -> Paragraph:
        return self._taken(self._document.add_heading(text, level=level))

    def add_paragraph(self) -> Paragraph:
        return self._taken(self._document.add_paragraph())

    def save(self) -> bytes:
        end = self._body.find(qn("w:sectPr"))
        for element in self._written:
            end.addprevious(element)
        buffer = io.BytesIO()
        self._document.save(buffer)
        return buffer.getvalue()


def _row(p: ExportPassage) -> list:
    matches = "、".join(dict.fromkeys(p.text[s:e] for s, e in p.highlights))
    section = SECTION_SEPARATOR.join(p.section)
    return [
        p.file,
        p.title or "",
        p.town or "",
        p.county or "",
        p.year or "",
        section,
        p.text,
        matches,
    ]


def to_csv(export: Export) -> bytes:
    """UTF-8 with a BOM, so Excel opens the Chinese as Chinese."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(export.heading)])
    writer.writerow([_csv_cell(export.note)])
    writer.writerow(COLUMNS)
    for passage in export.passages:
        writer.writerow([_csv_cell(v) if isinstance(v, str) else v for v in _row(passage)])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")


def _csv_cell(value: str) -> str:
    """A cell a spreadsheet would run as a formula, kept as text (OWASP's advice)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


WIDTHS = [24, 36, 12, 12, 7, 36, 90, 18]


def to_xlsx(export: Export) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "导出"
    _text_cell(sheet.cell(1, 1), export.heading).font = Font(bold=True, size=13)
    _text_cell(sheet.cell(2, 1), export.note).font = Font(italic=True)
    for column, (name, width) in enumerate(zip(COLUMNS, WIDTHS, strict=True), 1):
        _text_cell(sheet.cell(3, column), name).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A4"
    wrap = Alignment(wrap_text=True, vertical="top")
    for row, passage in enumerate(export.passages, 4):
        values = _row(passage)
        for column, value in enumerate(values, 1):
            cell = sheet.cell(row, column)
            if column == 7:
                cell.value = _rich(passage)
                cell.alignment = wrap
            elif isinstance(value, int):
                cell.value = value
            else:
                _text_cell(cell, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _text_cell(cell, value: str):
    cell.value = _safe(value)[:EXCEL_CELL_CHARS]
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _rich(passage: ExportPassage) -> CellRichText:
    """The passage with its matches bold (cut at Excel's cell limit, saying so)."""
    text, spans = _safe(passage.text), passage.highlights
    if len(text) > EXCEL_CELL_CHARS:
        cut = "…（超出 Excel 单元格上限，已截断）"
        text = text[: EXCEL_CELL_CHARS - len(cut)]
        spans = [(s, min(e, len(text))) for s, e in spans if s < len(text)]
        text += cut
    if not spans:
        return CellRichText([text])
    bold = InlineFont(b=True)
    return CellRichText(
        [TextBlock(bold, piece) if is_match else piece for piece, is_match in _pieces(text, spans)]
    )
