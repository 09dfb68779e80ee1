"""A town view as the town page lays it out: timeline rows with their links, diff rows cut
into pieces for <del>/<ins>, plan sentences with their shared words cut for <mark>.

Plain data only (lists, dicts, (text, marked) pieces); the template escapes every piece.
"""

from __future__ import annotations

from flask import url_for

from indexer import CATEGORIES
from indexer.normalize import normalize
from indexer.promises import GENERIC_WORDS, LONG_WORD_CHARS, MIN_SHARED_WORDS
from indexer.search import highlight_spans
from indexer.sentences import MODIFIED, MODIFIED_RATIO, SAME, DiffRow
from indexer.timeline import PartComparison, Promises, TownView, YearEntry

from .highlight import Piece, pieces
from .state import report_path

FOLD_SAME = 4  # a run of this many unchanged sentences folds away (“相同的 N 句”)…
CONTEXT = 1  # …but for this many next to a change
RULE_EXAMPLES = "、".join(sorted(GENERIC_WORDS & {"法治", "建设", "群众", "依法"}))


def town_url(
    town: str,
    county: str | None,
    years: tuple[int, int] | None = None,
    plans: int | None = None,
) -> str:
    params: dict[str, object] = {"county": county} if county else {}
    if years:
        params.update({"from": years[0], "to": years[1]})
    if plans:
        params["plans"] = plans
    return url_for("town.town_page", name=town, **params)


def town_layout(view: TownView) -> dict:
    """Everything town.html shows, in the order it shows it."""
    return {
        "timeline": _timeline(view),
        "years": view.years,
        "parts": [part_layout(part) for part in view.parts],
        "promises": _promises(view.promises) if view.promises else None,
        "modified_percent": round(MODIFIED_RATIO * 100),
        "long_word": LONG_WORD_CHARS,
        "shared_words": MIN_SHARED_WORDS,
        "generic_examples": RULE_EXAMPLES,
        "api_url": url_for(
            "town.town_json",
            name=view.town,
            **({"county": view.county} if view.county else {}),
            **({"from": view.old.year, "to": view.new.year} if view.old and view.new else {}),
        ),
        "search_url": url_for("pages.search_page", town=view.town, county=view.county or None),
    }


def _timeline(view: TownView) -> list[dict]:
    rows = []
    previous: YearEntry | None = None
    pair = (view.old.year, view.new.year) if view.old and view.new else None
    for entry in view.reports:
        compare = None
        if entry.year and previous and previous.year and previous.year != entry.year:
            compare = town_url(view.town, view.county, (previous.year, entry.year))
        compared = entry in (view.old, view.new)
        promises = view.followed.get(entry.year or 0)
        followed = None
        if promises and promises.plan_file == entry.file:
            check = promises.check
            followed = {
                "url": town_url(view.town, view.county, pair, entry.year),
                "counts": (check.followed, len(check.plans)) if check else None,
                "missing": promises.missing,
                "next_year": promises.next_year,
                "shown": view.promises is promises,
            }
        rows.append(
            {
                "entry": entry,
                "url": report_path(entry.file),
                "parts": [(name, CATEGORIES[name], name in entry.parts) for name in CATEGORIES],
                "compare_url": compare,
                "compared": compared,
                "followed": followed,
            }
        )
        if entry.year:
            previous = entry
    return rows


def part_layout(part: PartComparison) -> dict:
    """The part's rows in groups: a run of FOLD_SAME or more unchanged sentences folds away,
    but for CONTEXT sentences next to each change, which stay in sight as a diff shows them."""
    runs: list[tuple[bool, list[dict]]] = []
    for row in part.rows:
        if row.kind == SAME and runs and runs[-1][0]:
            runs[-1][1].append(_row(row))
        else:
            runs.append((row.kind == SAME, [_row(row)]))
    groups = []
    for at, (same, rows) in enumerate(runs):
        if not same or len(rows) < FOLD_SAME:
            groups.append({"same": same, "fold": False, "rows": rows})
            continue
        head = CONTEXT if at > 0 else 0
        tail = CONTEXT if at < len(runs) - 1 else 0
        if head:
            groups.append({"same": True, "fold": False, "rows": rows[:head]})
        groups.append({"same": True, "fold": True, "rows": rows[head : len(rows) - tail]})
        if tail:
            groups.append({"same": True, "fold": False, "rows": rows[len(rows) - tail :]})
    return {
        "category": part.category,
        "name": part.name,
        "counts": {kind: part.count(kind) for kind in ("added", "removed", "modified", "same")},
        "groups": groups,
    }


def _row(row: DiffRow) -> dict:
    old = new = None
    if row.old:
        spans = row.old_changes if row.kind == MODIFIED else ()
        old = pieces(row.old.text, spans)
    if row.new:
        spans = row.new_changes if row.kind == MODIFIED else ()
        new = pieces(row.new.text, spans)
    return {"kind": row.kind, "old": old, "new": new, "similarity": round(row.similarity * 100)}


def _marked(text: str, words: list[str]) -> list[Piece]:
    return pieces(text, highlight_spans(normalize(text), words) if words else [])


def _promises(promises: Promises) -> dict:
    result: dict = {
        "plan_year": promises.plan_year,
        "next_year": promises.next_year,
        "plan_url": report_path(promises.plan_file),
        "next_url": report_path(promises.next_file) if promises.next_file else None,
        "missing": promises.missing,
    }
    check = promises.check
    if check is None:
        return result
    measure_words: dict[int, list[str]] = {}
    for item in check.plans:
        for at, shared in item.matches:
            measure_words.setdefault(at, []).extend(shared)
    result["followed"] = check.followed
    result["plans"] = [
        {
            "pieces": _marked(item.plan.text, list(item.words)),
            "taken_up": item.taken_up,
            "words": item.words,
            "by": [
                {"pieces": _marked(check.measures[at].text, list(shared)), "anchor": f"m{at}"}
                for at, shared in item.matches[:3]
            ],
            "more": max(len(item.matches) - 3, 0),
        }
        for item in check.plans
    ]
    result["measures"] = [
        {
            "pieces": _marked(sentence.text, measure_words.get(at, [])),
            "takes_up": [n + 1 for n in check.taken_up_by.get(at, [])],
            "anchor": f"m{at}",
        }
        for at, sentence in enumerate(check.measures)
    ]
    return result
