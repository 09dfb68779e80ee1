"""Search results and comparisons as files staff paste into their summary: .docx, .csv, .xlsx.

Every writer takes an `Export`: a heading (what was asked), a note (what the file holds and,
when it was cut at a bound, that it was), and `ExportPassage`s in order; consecutive passages
of one file make one report's group. A view only has to build that plain list to be
exportable (`search_export`, `comparison_export`; the town view can do the same).

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
from dataclasses import dataclass, replace

import docx
import openpyxl
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from .compare import CompareRequest, Comparison
from .search import SearchRequest, parse_section, search
from .store import ArchiveIndex
from .vocabulary import CATEGORIES, MAX_RESULTS, SECTION_SEPARATOR

MAX_EXPORT_REPORTS = 200  # reports of a search in one file
MAX_EXPORT_PASSAGES_PER_REPORT = 30  # a report's best matching passages, in report order
MAX_EXPORT_PASSAGES = 2000  # in all: python-docx writes some 1,000 passages a second
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


def search_export(archive_index: ArchiveIndex, request: SearchRequest) -> Export:
    """The search's reports in its order (up to MAX_EXPORT_REPORTS), each with its matching
    passages in report order (its best MAX_EXPORT_PASSAGES_PER_REPORT). Raises QueryError."""
    hits, total, instead = [], 0, None
    while len(hits) < MAX_EXPORT_REPORTS:
        page = search(
            archive_index,
            replace(
                request,
                limit=min(MAX_RESULTS, MAX_EXPORT_REPORTS - len(hits)),
                offset=len(hits),
                passages_per_report=MAX_EXPORT_PASSAGES_PER_REPORT,
            ),
        )
        hits += page.results
        total, instead = page.total_reports, page.searched_instead
        if not page.results or len(hits) >= total:
            break
    passages = [
        ExportPassage(
            hit.file, hit.title, hit.town, hit.county, hit.year, p.section, p.text, p.highlights
        )
        for hit in hits
        for p in sorted(hit.passages, key=lambda p: p.position)
    ]
    cut = len(passages) > MAX_EXPORT_PASSAGES
    passages = passages[:MAX_EXPORT_PASSAGES]
    reports = len({p.file for p in passages})
    notes = [f"共 {total} 份报告，导出 {reports} 份、{len(passages)} 个段落。"]
    if instead:
        notes.append(f"没有找到“{request.query}”，导出的是“{instead}”的结果。")
    if total > reports or cut:
        notes.append(
            f"导出已截断：最多导出 {MAX_EXPORT_REPORTS} 份报告、{MAX_EXPORT_PASSAGES} 个段落"
            "（按检索结果的顺序）。"
        )
    if not cut and any(hit.matched_passages > len(hit.passages) for hit in hits):
        notes.append(
            f"每份报告最多导出 {MAX_EXPORT_PASSAGES_PER_REPORT} 个段落（最相关的），"
            "其余段落未导出。"
        )
    return Export(describe_search(request, instead), "".join(notes), passages)


def comparison_export(comparison: Comparison, request: CompareRequest) -> Export:
    """The comparison as its page shows it; a report without the part is one entry saying so."""
    passages = []
    for r in comparison.reports:
        meta = (r.file, r.title, r.town, r.county, r.year)
        passages += [ExportPassage(*meta, p.section, p.text, p.highlights) for p in r.passages]
        if not r.has_section:
            absent = f"（本报告没有“{comparison.section}”部分）"
            passages.append(ExportPassage(*meta, [], absent, []))
    lacking = sum(not r.has_section for r in comparison.reports)
    note = f"共 {comparison.total_reports} 份报告，导出 {len(comparison.reports)} 份"
    note += f"，其中 {lacking} 份没有此部分。" if lacking else "。"
    if comparison.cut:
        note += f"导出已截断：一次最多对比 {len(comparison.reports)} 份报告，请缩小镇或年份范围。"
    return Export(describe_compare(request, comparison.section), note, passages)


def describe_search(request: SearchRequest, instead: str | None = None) -> str:
    query = instead or request.query.strip()
    parts = [f"检索“{query}”" if query else "检索"]
    parts += _filters(request.town, request.county, request.year_from, request.year_to)
    if request.section:
        parts.append(f"部分：{_section_name(request.section)}")
    return " · ".join(parts)


def describe_compare(request: CompareRequest, section: str) -> str:
    towns = "、".join(request.towns[:5]) + ("等" if len(request.towns) > 5 else "")
    parts = [f"对比“{section}”"]
    parts += _filters(towns, request.county, request.year_from, request.year_to)
    if request.query.strip():
        parts.append(f"标出“{request.query.strip()}”")
    return " · ".join(parts)


def _filters(town: str | None, county: str | None, first: int | None, last: int | None) -> list:
    parts = [f"镇：{town}" if town else None, f"县：{county}" if county else None]
    if first or last:
        span = str(first) if first == last else f"{first or '…'}–{last or '…'}"
        parts.append(f"{span} 年")
    return [p for p in parts if p]


def _section_name(value: str) -> str:
    section = parse_section(value)
    if section and section.categories:
        return CATEGORIES[section.categories[0]]
    return f"标题含“{value.strip()}”"


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
