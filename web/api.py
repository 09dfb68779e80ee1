"""The JSON API: the same objects the CLI prints with --json, for scripts."""

from __future__ import annotations

from flask import Blueprint, request

from indexer import QueryError, get_record, search

from .index import archive_index
from .state import read_state

api = Blueprint("api", __name__, url_prefix="/api")


@api.get("/search")
def search_json() -> tuple[dict, int] | dict:
    """`fazhi-index search --json` for the search page's parameters (page → offset)."""
    try:
        state = read_state(request.args)
        return search(archive_index(), state.search_request()).to_json()
    except QueryError as error:
        return {"error": str(error)}, 400


@api.get("/report/<path:file>")
def report_json(file: str) -> tuple[dict, int] | dict:
    """`fazhi-index inspect --json` for an indexed report, as the index stores it."""
    record = get_record(archive_index(), file)
    if record is None:
        return {"error": f"索引中没有报告“{file[:200]}”。"}, 404
    return record.to_json()
