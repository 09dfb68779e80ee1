"""The pages: search, one report, the original file, the overview, and a health check."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
)

from indexer import (
    MAX_RESULTS,
    IndexUnavailable,
    QueryError,
    Record,
    SearchRequest,
    archive_reports,
    get_record,
    search,
)
from indexer.normalize import normalize

from .copies import report_view
from .facets import chosen_filters, facet_groups
from .index import archive_index
from .metadata import metadata_rows
from .outline import build_outline
from .overview import build_overview
from .results import hit_view, pager, query_notes
from .state import SearchState, read_state

pages = Blueprint("pages", __name__)

EXAMPLES = ["小事不出村", "如何加强基层普法宣传", '"法治 宣传"', "信访 OR 上访", "普法 -禁毒"]


@pages.get("/")
def search_page() -> tuple[str, int] | str:
    try:
        state = read_state(request.args)
    except QueryError as error:
        return _search_error(SearchState(q=request.args.get("q", "")), error)
    if state.blank:
        return render_template("search.html", state=state, welcome=_welcome(), examples=EXAMPLES)
    try:
        results = search(archive_index(), state.search_request())
    except QueryError as error:
        return _search_error(state, error)
    return render_template(
        "search.html",
        state=state,
        results=results,
        hits=[hit_view(hit) for hit in results.results],
        facets=facet_groups(results, state),
        chosen=chosen_filters(state),
        pager=pager(results, state),
        notes=query_notes(results, state),
    )


def _search_error(state: SearchState, error: QueryError) -> tuple[str, int]:
    return render_template("search.html", state=state, error=str(error)), 400


def _welcome() -> dict:
    reports = archive_reports(archive_index())
    years = sorted({r.year for r in reports if r.year})
    return {
        "reports": len(reports),
        "towns": len({r.town for r in reports if r.town}),
        "counties": len({r.county for r in reports if r.county}),
        "years": (years[0], years[-1]) if years else None,
    }


@pages.get("/report/<path:file>")
def report(file: str) -> str:
    record = _record_or_404(file)
    query = request.args.get("q", "")
    terms: list[str] = []
    query_error = None
    if query.strip():
        try:
            terms = search(archive_index(), SearchRequest(query=query, limit=1)).terms
        except QueryError as error:
            query_error = str(error)
    outline = build_outline(record, terms)
    return render_template(
        "report.html",
        record=record,
        name=PurePosixPath(record.file).name,
        metadata=metadata_rows(record),
        outline=outline,
        query=query,
        query_error=query_error,
        same_town=_same_town(record),
        copies=report_view(record.file, outline),
    )


def _record_or_404(file: str) -> Record:
    record = get_record(archive_index(), file)
    if record is None:
        abort(404, description=f"索引中没有报告“{file[:200]}”。")
    return record


def _same_town(record: Record) -> list:
    """The same town's other reports, newest first (the town filter matches name starts,
    so the names are compared again)."""
    if not record.town:
        return []
    results = search(
        archive_index(),
        SearchRequest(town=record.town, sort="year", limit=MAX_RESULTS, passages_per_report=1),
    )
    town = normalize(record.town)
    return [
        hit
        for hit in results.results
        if hit.file != record.file and normalize(hit.town or "") == town
    ]


@pages.get("/file/<path:file>")
def download(file: str) -> Response:
    """The original file as stored: only indexed files, only from inside the archive.

    The name is checked where the file really is: a report swapped for a symbolic link (or
    under a folder swapped for one) after it was indexed must not lead outside."""
    record = _record_or_404(file)
    archive = current_app.config["ARCHIVE_DIR"]
    if not Path(os.path.realpath(archive / record.file)).is_relative_to(os.path.realpath(archive)):
        abort(404, description=f"“{file[:200]}”不在档案文件夹中。")
    return send_from_directory(
        archive,
        record.file,
        as_attachment=True,
        download_name=PurePosixPath(record.file).name,
    )


@pages.get("/overview")
def overview() -> str:
    return render_template(
        "overview.html", overview=build_overview(archive_index(), current_app.config["INDEX_DIR"])
    )


@pages.get("/healthz")
def healthz() -> tuple[str, int, dict]:
    plain = {"Content-Type": "text/plain; charset=utf-8"}
    try:
        with archive_index().snapshot():
            return "ok", 200, plain
    except IndexUnavailable:
        return "index unavailable", 503, plain
