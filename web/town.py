"""One town across years: `/town/<name>` and its JSON twin `/api/town/<name>`.

Both call `indexer.timeline.town_view`, as `fazhi-index town` does. Parameters: `county`
(needed when the name is held in several counties), `from` and `to` (the two years to
compare; default the town's last two), `plans` (the year whose plans are checked against
the next year's report). An unknown town answers 404 with the nearest names,
an ambiguous one 300 with its counties, a year without a report 400: never a 500.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, render_template, request, url_for

from indexer import QueryError
from indexer.export import FORMATS
from indexer.timeline import (
    TownAmbiguous,
    TownError,
    TownNotFound,
    TownView,
    TownYearError,
    town_view,
)
from indexer.town_export import town_export

from .index import archive_index
from .tools import EXPORT_LABELS, download
from .town_layout import town_layout, town_url

town = Blueprint("town", __name__)

MAX_PARAM_CHARS = 200
_YEAR = re.compile(r"\d{4}")


@town.get("/town/<path:name>")
def town_page(name: str) -> tuple[str, int] | str:
    try:
        view = requested_view(name)
    except TownNotFound as error:
        choices = [(c, town_url(c.town, c.county)) for c in error.nearest]
        return render_template("town_missing.html", message=str(error), choices=choices), 404
    except TownAmbiguous as error:
        choices = [(c, town_url(c.town, c.county)) for c in error.choices]
        return render_template(
            "town_missing.html",
            message=str(error),
            choices=choices,
            unplaced=error.unplaced,
            ambiguous=True,
        ), 300
    except (TownYearError, QueryError) as error:
        return render_template(
            "town_missing.html",
            message=str(error),
            choices=[],
            retry=town_url(name, request.args.get("county") or None),
        ), 400
    kept = {k: v for k in ("county", "from", "to", "plans") if (v := request.args.get(k))}
    exports = [
        (label, url_for("town.town_download", name=name, ext=ext, **kept))
        for ext, label in EXPORT_LABELS.items()
    ]
    return render_template("town.html", view=view, page=town_layout(view), exports=exports)


@town.get("/export/town/<path:name>.<ext>")
def town_download(name: str, ext: str) -> Response:
    """The page as a .docx, .xlsx or .csv: its two years' changes and its plans."""
    if ext not in FORMATS:
        abort(404, description=f"不能导出为 .{ext[:20]}：只有 .docx、.csv 和 .xlsx。")
    try:
        view = requested_view(name)
    except TownNotFound as error:
        abort(404, description=str(error))
    except (TownError, QueryError) as error:  # two counties, a year without a report
        abort(400, description=str(error))
    return download(town_export(view), ext, "fazhi-town")


@town.get("/api/town/<path:name>")
def town_json(name: str) -> tuple[dict, int] | dict:
    """`fazhi-index town NAME --json`, with the same parameters as the page."""
    try:
        return requested_view(name).to_json()
    except TownNotFound as error:
        return {"error": str(error), "nearest": [c.to_json() for c in error.nearest]}, 404
    except TownAmbiguous as error:
        return {
            "error": str(error),
            "counties": [c.to_json() for c in error.choices],
            "unplaced": error.unplaced,
        }, 300
    except (TownError, QueryError) as error:
        return {"error": str(error)}, 400


def requested_view(name: str) -> TownView:
    """The view this request asks for (an export of the page builds the same one and hands
    it to `indexer.town_export.town_passages`); QueryError for a parameter that cannot be
    read, TownError when the town or a year is not there."""
    county = (request.args.get("county") or "").strip()
    if len(county) > MAX_PARAM_CHARS or "\x00" in county:
        raise QueryError("参数 county 无法读取（太长或含控制字符）。")
    years = _years(request.args.get("from", ""), request.args.get("to", ""))
    plans = (request.args.get("plans") or "").strip()
    if plans and not _YEAR.fullmatch(plans):
        raise QueryError("参数 plans 应为四位年份，如 plans=2021。")
    return town_view(archive_index(), name, county or None, years, int(plans) if plans else None)


def _years(first: str, second: str) -> tuple[int, int] | None:
    first, second = first.strip(), second.strip()
    if not first and not second:
        return None
    if not (_YEAR.fullmatch(first) and _YEAR.fullmatch(second)):
        raise QueryError("请选择两个年份（四位数字，如 from=2021&to=2022）。")
    return int(first), int(second)
