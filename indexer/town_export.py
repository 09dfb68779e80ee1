"""The passages a town view shows, in the shape the export writers take.

The export writers (indexer/export.py, written beside this) take a plain `ExportPassage`
list; this module defines the same fields locally so the town page can be exported without
depending on them: the two compared reports part by part (the changed sentences highlighted),
then year N's plans and year N+1's measures (the words they share highlighted).
"""

from __future__ import annotations

from dataclasses import dataclass

from .normalize import normalize
from .records import Record
from .search import highlight_spans
from .sentences import ADDED, MODIFIED, REMOVED, Sentence
from .timeline import TownView


@dataclass(frozen=True)
class ExportPassage:
    file: str
    title: str | None
    town: str | None
    county: str | None
    year: int | None
    section: list[str]
    text: str
    highlights: list[tuple[int, int]]


def town_passages(view: TownView) -> list[ExportPassage]:
    """Every passage the page shows, in its order, each once per place it is shown."""
    passages: list[ExportPassage] = []
    if view.old and view.new:
        old, new = view.records[view.old.file], view.records[view.new.file]
        for part in view.parts:
            changed_old: dict[int, list[tuple[int, int]]] = {}
            changed_new: dict[int, list[tuple[int, int]]] = {}
            shown_old: list[int] = []
            shown_new: list[int] = []
            for row in part.rows:
                if row.old:
                    shown_old.append(row.old.passage)
                    if row.kind in (REMOVED, MODIFIED):
                        _mark(changed_old, row.old, row.old_changes)
                if row.new:
                    shown_new.append(row.new.passage)
                    if row.kind in (ADDED, MODIFIED):
                        _mark(changed_new, row.new, row.new_changes)
            passages += _passages(old, shown_old, changed_old)
            passages += _passages(new, shown_new, changed_new)
    promises = view.promises
    if promises and promises.check:
        check = promises.check
        plans, following = view.records[promises.plan_file], view.records[promises.next_file or ""]
        plan_words = {item.plan.passage: list(item.words) for item in check.plans}
        measure_words: dict[int, list[str]] = {}
        for item in check.plans:
            for at, shared in item.matches:
                measure_words.setdefault(check.measures[at].passage, []).extend(shared)
        passages += _with_words(plans, [item.plan.passage for item in check.plans], plan_words)
        passages += _with_words(
            following, [sentence.passage for sentence in check.measures], measure_words
        )
    return passages


def _mark(
    spans: dict[int, list[tuple[int, int]]],
    sentence: Sentence,
    changes: tuple[tuple[int, int], ...],
) -> None:
    """A changed sentence: the characters that differ (modified) or all of it."""
    inside = changes or ((0, len(sentence.text)),)
    spans.setdefault(sentence.passage, []).extend(
        (sentence.start + start, sentence.start + end) for start, end in inside
    )


def _passages(
    record: Record, positions: list[int], spans: dict[int, list[tuple[int, int]]]
) -> list[ExportPassage]:
    return [
        _export(record, position, sorted(spans.get(position, [])))
        for position in dict.fromkeys(positions)
    ]


def _with_words(
    record: Record, positions: list[int], words: dict[int, list[str]]
) -> list[ExportPassage]:
    result = []
    for position in dict.fromkeys(positions):
        text = normalize(record.passages[position].text)
        shared = list(dict.fromkeys(words.get(position, [])))
        result.append(_export(record, position, highlight_spans(text, shared) if shared else []))
    return result


def _export(record: Record, position: int, highlights: list[tuple[int, int]]) -> ExportPassage:
    passage = record.passages[position]
    return ExportPassage(
        file=record.file,
        title=record.title,
        town=record.town,
        county=record.county,
        year=record.year,
        section=list(record.section_path(passage.section)),
        text=passage.text,
        highlights=highlights,
    )
