"""Text cut into plain and matched pieces, for templates to wrap the matches in <mark>.

Templates escape every piece (autoescape); no HTML is ever built from report text here.
"""

from __future__ import annotations

from collections.abc import Iterable

from indexer.normalize import normalize
from indexer.search import highlight_spans

Piece = tuple[str, bool]  # (text, is a match)


def pieces(
    text: str, spans: Iterable[tuple[int, int]], start: int = 0, end: int | None = None
) -> list[Piece]:
    """`text[start:end]` cut at the [start, end) `spans` (offsets into the whole `text`)."""
    end = len(text) if end is None else end
    result: list[Piece] = []
    at = start
    for span_start, span_end in spans:
        span_start, span_end = max(span_start, at), min(span_end, end)
        if span_start >= span_end:
            continue
        if span_start > at:
            result.append((text[at:span_start], False))
        result.append((text[span_start:span_end], True))
        at = span_end
    if at < end:
        result.append((text[at:end], False))
    return result


def match_spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    """Where `terms` (normalized, as the search returns them) occur in `text` as written:
    normalization keeps one character for one, so offsets hold for the original."""
    return highlight_spans(normalize(text), terms) if terms else []


SNIPPET_CHARS = 200  # a result shows this much of a long passage; the report shows it all
SNIPPET_BEFORE = 40  # characters kept before the first match


def snippet(text: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """The [start, end) window of `text` a result shows: around the first match, never
    cutting a match in two."""
    if len(text) <= SNIPPET_CHARS:
        return 0, len(text)
    first = spans[0][0] if spans else 0
    start = max(0, min(first - SNIPPET_BEFORE, len(text) - SNIPPET_CHARS))
    end = start + SNIPPET_CHARS
    for span_start, span_end in spans:
        if span_start < start < span_end:
            start = span_start
        if span_start < end < span_end:
            end = span_end
    return start, end
