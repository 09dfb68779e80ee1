"""What a search or a comparison exports: its passages as `ExportPassage`s, with a heading
saying what was asked and a note saying what the file holds, and whether it was cut.

A search exports its reports in its own order, each with its matching passages in report
order, paged through `search` (MAX_RESULTS reports a call) up to the bounds below; a
comparison exports what its page shows.
"""

from __future__ import annotations

from dataclasses import replace

from .compare import CompareRequest, Comparison
from .export import Export, ExportPassage
from .search import SearchRequest, parse_section, search
from .store import ArchiveIndex
from .vocabulary import CATEGORIES, MAX_RESULTS

MAX_EXPORT_REPORTS = 200  # reports of a search in one file
MAX_EXPORT_PASSAGES_PER_REPORT = 30  # a report's best matching passages, in report order
MAX_EXPORT_PASSAGES = 2000  # in all: a .docx of these takes seconds (bench.export_speed)


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
