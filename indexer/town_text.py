"""A town view as `fazhi-index town` prints it: the timeline, the diff, the plans.

The diff reads as a unified diff does: `  ` unchanged, `- ` removed, `+ ` added, `~ ` a
modified pair (the old line, then the new), the changed characters in [-…-] and {+…+}.
"""

from __future__ import annotations

from .sentences import ADDED, MODIFIED, REMOVED, SAME, DiffRow
from .timeline import Promises, TownView
from .vocabulary import CATEGORIES


def render_town(view: TownView) -> str:
    where = f"{view.town} ({view.county})" if view.county else view.town
    lines = [f"{where}: {len(view.reports)} reports"]
    for entry in view.reports:
        parts = " ".join(CATEGORIES[c] for c in entry.parts)
        lines.append(
            f"  {entry.year or '????'}  {entry.title or entry.file}  [{entry.file}]  "
            f"{entry.characters} chars, {entry.sentences} sentences; parts: {parts}"
        )
    if view.old and view.new:
        lines.append(f"\ncompared: {view.old.year} → {view.new.year}")
        for part in view.parts:
            counts = ", ".join(
                f"{kind} {part.count(kind)}" for kind in (ADDED, REMOVED, MODIFIED, SAME)
            )
            lines.append(f"\n## {part.name} ({counts})")
            for row in part.rows:
                lines += _row_lines(row)
    elif len(view.years) < 2:
        lines.append("\nfewer than two years: nothing to compare")
    if view.promises:
        lines += _promise_lines(view.promises)
    return "\n".join(lines)


def _row_lines(row: DiffRow) -> list[str]:
    if row.kind == SAME and row.old:
        return [f"  {row.old.text}"]
    if row.kind == REMOVED and row.old:
        return [f"- {row.old.text}"]
    if row.kind == ADDED and row.new:
        return [f"+ {row.new.text}"]
    assert row.old and row.new
    return [
        f"~ {_bracketed(row.old.text, row.old_changes, '[-', '-]')}",
        f"~ {_bracketed(row.new.text, row.new_changes, '{+', '+}')}",
    ]


def _bracketed(text: str, spans: tuple[tuple[int, int], ...], opening: str, closing: str) -> str:
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], opening, text[start:end], closing]
        last = end
    return "".join([*out, text[last:]])


def _promise_lines(promises: Promises) -> list[str]:
    lines = [f"\nplans of {promises.plan_year} → measures of {promises.next_year}"]
    if promises.missing or not promises.check:
        return [*lines, f"  {promises.missing}"]
    check = promises.check
    lines.append(f"  taken up: {check.followed} of {len(check.plans)}")
    for item in check.plans:
        if item.taken_up:
            lines.append(f"  ✓ {item.plan.text}  (shared: {'、'.join(item.words)})")
            first = check.measures[item.matches[0][0]].text
            lines.append(f"      ↳ {first}")
        else:
            lines.append(f"  ✗ {item.plan.text}")
    return lines
