"""A page of search results as the template shows it: snippets cut for <mark>, the pager,
and what the search made of the query (tiers, words, synonyms, suggestions)."""

from __future__ import annotations

import math

from indexer import TIER_NAMES, ReportHit, SearchResults
from indexer.normalize import normalize
from indexer.search import with_replaced

from .highlight import pieces, snippet
from .outline import passage_anchor
from .state import MAX_PAGE, PAGE_SIZE, SearchState, url_with

PAGER_WINDOW = 2  # page links on each side of the current one


def hit_view(hit: ReportHit) -> dict:
    """A result with its passages cut into pieces for <mark>, and the passages not shown."""
    passages = []
    for passage in hit.passages:
        start, end = snippet(passage.text, passage.highlights)
        # A passage that starts with its own heading needs only the headings above it.
        section = passage.section
        if section and passage.text.startswith(section[-1]):
            section = section[:-1]
        passages.append(
            {
                "section": section,
                "pieces": pieces(passage.text, passage.highlights, start, end),
                "cut_before": start > 0,
                "cut_after": end < len(passage.text),
                "anchor": passage_anchor(passage.position),
            }
        )
    return {
        "hit": hit,
        "tier": TIER_NAMES.get(hit.tier) if hit.tier else None,
        "passages": passages,
        "more": hit.matched_passages - len(hit.passages),
        "place": " · ".join(
            str(part)
            for part in (hit.town, hit.county, f"{hit.year} 年" if hit.year else None)
            if part
        )
        or "镇、县、年份不明",
    }


def pager(results: SearchResults, state: SearchState) -> dict | None:
    """Links to the first, last and nearby pages, each with the current state."""
    pages = min(math.ceil(results.total_reports / PAGE_SIZE), MAX_PAGE)
    if pages <= 1 and state.page == 1:
        return None
    around = range(max(1, state.page - PAGER_WINDOW), min(pages, state.page + PAGER_WINDOW) + 1)
    numbers = sorted({1, pages, *around} - {0})
    return {
        "page": state.page,
        "pages": pages,
        "links": [(n, url_with(page=n)) for n in numbers],
        "previous": url_with(page=state.page - 1) if state.page > 1 else None,
        "next": url_with(page=state.page + 1) if state.page < pages else None,
        "past_end": state.page > pages,
    }


def query_notes(results: SearchResults, state: SearchState) -> dict:
    """What the search did with the query, for the lines above the results: the tiers and
    their counts, the words searched and those that decided nothing, the synonyms also
    searched, the words found nowhere, and the query with each suggestion put in (links)."""
    tiered = results.inexact
    return {
        "tiers": [t for t in results.tiers if t.reports] if tiered else [],
        "needed": results.needed,
        "words": results.words if tiered else [],
        "ignored": results.ignored if tiered else [],
        "also_searched": results.also_searched,
        # a word inside a suggestion's subject (方维 of 信方维稳) is named by that subject
        "absent": [w for w in results.absent if not any(w in s for s in results.suggestions)],
        "suggestions": [
            (word, [(near, url_with(q=with_replaced(state.q, word, near))) for near in nearest])
            for word, nearest in results.suggestions.items()
            if word in normalize(state.q)
        ],
        "searched_instead": results.searched_instead,
    }
