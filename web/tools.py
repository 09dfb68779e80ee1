"""Staff tools: the comparison page, its JSON twin, and the downloads of a search or a comparison.

`/compare` shows one part (存在的不足和原因…) of every report in scope, towns and years side
by side (`compare_view.py` lays it out); `/api/compare` returns what `fazhi-index compare
--json` prints. `/export/search.<ext>` and `/export/compare.<ext>` take the same query string
as the page they are linked from and answer a .docx, .csv or .xlsx (indexer/export.py) under
a Chinese file name every browser keeps (RFC 6266 `filename*`, with an ASCII fallback).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from flask import Blueprint, Flask, Response, abort, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from indexer import QueryError
from indexer.compare import MAX_COMPARED, CompareRequest, compare, town_values
from indexer.export import FORMATS, Export, file_name, write
from indexer.export_sources import comparison_export, search_export
from indexer.vocabulary import CATEGORIES

from .compare_view import compare_grid
from .index import archive_index
from .overview import CountyGroup
from .state import MAX_VALUE_CHARS, current_params, read_state

tools = Blueprint("tools", __name__)

EXPORT_LABELS = {"docx": "Word", "xlsx": "Excel", "csv": "CSV"}  # the keys of FORMATS
COMPARE_PARAMS = ("section", "town", "county", "year_from", "year_to", "q", "sort")
TOWN_CHIPS = 20  # towns shown each with its ×; a longer list is one chip (links stay small)
_YEAR = re.compile(r"\d{1,5}")


def read_compare(args: MultiDict) -> CompareRequest:
    """The comparison the query string asks for; QueryError (status 400) when a value cannot
    be read. `town` may repeat, and one value may list several towns."""
    single = {name: (args.get(name) or "").strip() for name in COMPARE_PARAMS if name != "q"}
    towns = args.getlist("town")
    for name, value in [*single.items(), *(("town", town) for town in towns)]:
        if len(value) > MAX_VALUE_CHARS:
            raise QueryError(f"参数 {name} 太长（{len(value)} 个字符）。")
    return CompareRequest(
        section=single["section"],
        towns=town_values(towns),
        county=single["county"] or None,
        year_from=_year(single["year_from"]),
        year_to=_year(single["year_to"]),
        query=args.get("q") or "",
        sort=single["sort"] or "town",
        limit=MAX_COMPARED,
    )


def _year(value: str) -> int | None:
    if not value:
        return None
    if not _YEAR.fullmatch(value):
        raise QueryError(f"年份“{value[:20]}”不是数字，请填写四位年份，如 2021。")
    return int(value)


def compare_params(compared: CompareRequest, **changes: object) -> list[tuple[str, str]]:
    """The comparison's query string as pairs (town repeated), with `changes` applied."""
    values: dict[str, object] = {
        "section": compared.section,
        "town": list(compared.towns),
        "county": compared.county,
        "year_from": compared.year_from,
        "year_to": compared.year_to,
        "q": compared.query,
        "sort": compared.sort if compared.sort != "town" else None,
    }
    values.update(changes)
    pairs = []
    for name, value in values.items():
        for one in value if isinstance(value, list) else [value]:
            if one is not None and str(one).strip():
                pairs.append((name, str(one)))
    return pairs


@tools.get("/compare")
def compare_page() -> tuple[str, int] | str:
    try:
        compared = read_compare(request.args)
    except QueryError as error:
        return _compare_page(CompareRequest(section=""), error=str(error)), 400
    if not compared.section:
        return _compare_page(compared)
    try:
        comparison = compare(archive_index(), compared)
    except QueryError as error:
        return _compare_page(compared, error=str(error)), 400
    return _compare_page(compared, comparison=comparison, grid=compare_grid(comparison, compared))


def _compare_page(compared: CompareRequest, **shown: object) -> str:
    def link(**changes: object) -> str:
        pairs = compare_params(compared, **changes)
        return url_for("tools.compare_page") + ("?" + urlencode(pairs) if pairs else "")

    pairs = compare_params(compared)
    exports = [(label, _export_url("compare", ext, pairs)) for ext, label in EXPORT_LABELS.items()]
    return render_template(
        "compare.html",
        compared=compared,
        parts=CATEGORIES,
        link=link,
        chips=TOWN_CHIPS,
        exports=exports,
        **shown,
    )


@tools.get("/api/compare")
def compare_json() -> tuple[dict, int] | dict:
    """`fazhi-index compare --json` for the comparison page's parameters."""
    try:
        return compare(archive_index(), read_compare(request.args)).to_json()
    except QueryError as error:
        return {"error": str(error)}, 400


@tools.get("/export/search.<ext>")
def export_search(ext: str) -> Response:
    _known(ext)
    try:
        export = search_export(archive_index(), read_state(request.args).search_request())
    except QueryError as error:
        abort(400, description=f"无法导出：{error}")
    return download(export, ext, "fazhi-search")


@tools.get("/export/compare.<ext>")
def export_compare(ext: str) -> Response:
    _known(ext)
    try:
        compared = read_compare(request.args)
        export = comparison_export(compare(archive_index(), compared), compared)
    except QueryError as error:
        abort(400, description=f"无法导出：{error}")
    return download(export, ext, "fazhi-compare")


def _known(ext: str) -> None:
    if ext not in FORMATS:
        abort(404, description=f"不能导出为 .{ext[:20]}：只有 .docx、.csv 和 .xlsx。")


def download(export: Export, ext: str, fallback: str) -> Response:
    """The export as an attachment under its Chinese file name (`fallback` for old clients)."""
    name = file_name(export.heading, ext)
    return Response(
        write(export, ext),
        content_type=FORMATS[ext],
        headers={"Content-Disposition": content_disposition(name, f"{fallback}.{ext}")},
    )


def content_disposition(name: str, fallback: str) -> str:
    """An attachment named `name` (UTF-8, RFC 5987) for browsers that read `filename*`, and
    `fallback` (ASCII) for those that do not."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _export_url(kind: str, ext: str, pairs: list[tuple[str, str]]) -> str:
    base = url_for(f"tools.export_{kind}", ext=ext)
    return base + ("?" + urlencode(pairs) if pairs else "")


def search_exports() -> list[tuple[str, str]]:
    """The current search's downloads (the search page's links), page number left out."""
    pairs = [(k, v) for k, v in current_params().items() if k != "page"]
    return [(label, _export_url("search", ext, pairs)) for ext, label in EXPORT_LABELS.items()]


_CARRIED = ("town", "county", "year_from", "year_to", "q")


def search_compare_url() -> str:
    """The comparison of the current search's part (存在的不足 when none is chosen), town,
    county and years, its query marked: the search page's way into the comparison."""
    params = current_params()
    pairs = [("section", params.get("section") or "problems")]
    pairs += [(k, params[k]) for k in _CARRIED if k in params]
    return url_for("tools.compare_page") + "?" + urlencode(pairs)


def county_compare_url(group: CountyGroup) -> str:
    """The overview's way in: the county's 存在的不足 in the latest year it has reports for."""
    years = [cell.year for row in group.towns for cell in row.cells if cell.files]
    pairs = [("section", "problems"), ("county", group.county)]
    pairs += [("year_from", max(years)), ("year_to", max(years))] if years else []
    return url_for("tools.compare_page") + "?" + urlencode(pairs)


def register(app: Flask) -> None:
    """The blueprint, and the links to the downloads and the comparison that the search
    page and the overview show."""
    app.register_blueprint(tools)
    app.jinja_env.globals.update(
        search_exports=search_exports,
        search_compare_url=search_compare_url,
        county_compare_url=county_compare_url,
    )
