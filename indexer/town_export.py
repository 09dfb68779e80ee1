"""What the town page exports: the passages it shows, as the export writers take them.

The two compared reports part by part (the changed sentences highlighted), then year N's
plans and year N+1's measures (the words they share highlighted), with a heading saying
which town and years, and a note saying what the file holds.
"""

from __future__ import annotations

from .export import Export, ExportPassage
from .normalize import normalize
from .records import Record
from .search import highlight_spans
from .sentences import ADDED, MODIFIED, REMOVED, Sentence
from .timeline import TownView


def town_export(view: TownView) -> Export:
    """The page as a file: heading, note and passages (every passage shown, so unbounded
    only by the town's two reports and one year's plans: a few hundred passages at most)."""
    where = f"{view.town}（{view.county}）" if view.county else view.town
    heading = f"历年对比 · {where}"
    notes = []
    if view.old and view.new:
        heading += f" · {view.old.year}–{view.new.year} 年"
        notes.append(
            f"{view.old.year} 年与 {view.new.year} 年报告逐部分对比，改动、新增和删去的句子加粗。"
        )
    promises = view.promises
    if promises and promises.check:
        notes.append(
            f"随后是 {promises.plan_year} 年的工作打算与 {promises.next_year} 年的举措，"
            "二者共有的词语加粗。"
        )
    elif promises and promises.missing:
        notes.append(promises.missing)
    return Export(heading, "".join(notes) or "没有可对比的两年报告。", town_passages(view))


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
