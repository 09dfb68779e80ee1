"""Copied text: the page of report pairs that share the most text, and its JSON twins."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from indexer import QueryError
from indexer.copies import load_for
from indexer.copies_query import RULE, list_pairs, report_copies
from indexer.store import stored_record

from .copies import PAGE_SIZE, PairState, pairs_page, read_pairs_state, side_by_side
from .index import archive_index

pages = Blueprint("copies", __name__)
api = Blueprint("copies_api", __name__, url_prefix="/api")

NOT_COMPUTED = "尚未计算：下次更新索引（fazhi-index update）时计算。"


@pages.get("/copies")
def pair_list() -> tuple[str, int] | str:
    try:
        state = read_pairs_state(request.args)
    except QueryError as error:
        page = pairs_page(PairState())
        return render_template("copies.html", state=PairState(), page=page, error=str(error)), 400
    page = pairs_page(state)
    pages_total = -(-page.found.total // PAGE_SIZE) if page.found else 0

    def link(**changes: object) -> str:
        return url_for("copies.pair_list", **state.params(**changes))

    return render_template(
        "copies.html", state=state, page=page, pages_total=pages_total, link=link, rule=RULE
    )


@pages.get("/copies/pair")
def pair_page() -> str:
    """Two reports side by side, the sentences each shares with the other marked."""
    a, b = request.args.get("a", ""), request.args.get("b", "")
    if not a or not b:
        abort(400, description="请给出两份报告：/copies/pair?a=文件&b=文件（在列表中点句数）。")
    view = side_by_side(a, b)
    if view is None:
        abort(404, description="索引中没有这两份报告，或相同文字尚未计算。")
    return render_template("copies_pair.html", sides=view.sides, pair=view.pair)


@api.get("/copies")
def pairs_json() -> tuple[dict, int] | dict:
    """The pairs of /copies, with the same parameters (page → 50 a page)."""
    try:
        state = read_pairs_state(request.args)
    except QueryError as error:
        return {"error": str(error)}, 400
    with archive_index().snapshot() as snapshot:
        copies = load_for(snapshot.text)
        if copies is None:
            return {"computed": False, "message": NOT_COMPUTED, "rule": RULE}
        found = list_pairs(
            copies,
            snapshot.text,
            county=state.county,
            year=state.year,
            kind=state.kind,
            sort=state.sort,
            offset=(state.page - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
    return {"computed": True, **found.to_json()}


@api.get("/copies/<path:file>")
def report_json(file: str) -> tuple[dict, int] | dict:
    """The sentences of one report that others hold too, by passage, and its pairs."""
    with archive_index().snapshot() as snapshot:  # the record and copies of one generation
        stored = stored_record(snapshot.searcher, file)
        if stored is None:
            return {"error": f"索引中没有报告“{file[:200]}”。"}, 404
        copies = load_for(snapshot.text)
        found = report_copies(copies, snapshot.text, file) if copies else None
    if found is None:
        return {"file": file, "computed": False, "message": NOT_COMPUTED, "rule": RULE}
    texts = [passage["text"] for passage in stored["passages"]]
    return {"file": file, "computed": True, **found.to_json(texts)}
