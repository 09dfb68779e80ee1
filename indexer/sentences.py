"""Sentences of a report section, and the differences between two versions of one.

Staff read a year-on-year change sentence by sentence, as in a diff: which sentences were
added, which removed, which kept. A sentence ends at 。！？； (full- or half-width) or a line
end. Two sentences are the same when their keys are equal: the text normalized as the index
normalizes it (traditional → simplified, width, case), without spaces and without its final
punctuation, so `加强队伍建设。` and `加強隊伍建設；` are the same sentence.

A sentence that was edited rather than written anew (a year, a number, a few words changed)
reads better as *modified*, with the changed characters marked, than as one removed and one
added: within a run of changed sentences, an old and a new sentence are paired as modified
when difflib's similarity ratio of their keys (2·matching characters / total characters) is
at least MODIFIED_RATIO; the others stay removed and added. The alignment is difflib's
SequenceMatcher over the keys, not an LCS written here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from .normalize import normalize

MODIFIED_RATIO = 0.6  # at least 60% of the characters shared: the same sentence, edited

# A sentence runs up to its terminator and any closing quotes or brackets after it.
_SENTENCE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)】]*|\n|$)")
_FINAL_PUNCTUATION = re.compile(r"[。！？；!?;，,、：:”’」』）)】\s]+$")
_SPACE = re.compile(r"\s+")

SAME, ADDED, REMOVED, MODIFIED = "same", "added", "removed", "modified"


@dataclass(frozen=True)
class Sentence:
    """A sentence of a passage: its text as written and where it starts in the passage."""

    text: str
    passage: int  # the passage's position in its report
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


def split_sentences(text: str, passage: int = 0) -> list[Sentence]:
    """The sentences of `text`, stripped of surrounding spaces; none that is only punctuation."""
    sentences = []
    for match in _SENTENCE.finditer(text):
        raw = match.group()
        stripped = raw.strip()
        if not sentence_key(stripped):
            continue
        sentences.append(Sentence(stripped, passage, match.start() + raw.index(stripped)))
    return sentences


def sentence_key(text: str) -> str:
    """What two sentences must share to be the same one (see the module docstring)."""
    return _SPACE.sub("", _FINAL_PUNCTUATION.sub("", normalize(text)))


@dataclass(frozen=True)
class DiffRow:
    """One line of a side-by-side diff. `old`/`new` is None on the side a sentence is
    missing from; for a modified pair, `old_changes`/`new_changes` are the [start, end)
    spans of the characters that differ."""

    kind: str  # SAME, ADDED, REMOVED or MODIFIED
    old: Sentence | None
    new: Sentence | None
    similarity: float = 1.0
    old_changes: tuple[tuple[int, int], ...] = ()
    new_changes: tuple[tuple[int, int], ...] = ()

    def to_json(self) -> dict:
        row: dict = {
            "kind": self.kind,
            "old": self.old.text if self.old else None,
            "new": self.new.text if self.new else None,
        }
        if self.kind == MODIFIED:
            row["similarity"] = round(self.similarity, 3)
            row["old_changes"] = [list(span) for span in self.old_changes]
            row["new_changes"] = [list(span) for span in self.new_changes]
        return row


def diff_sentences(old: list[Sentence], new: list[Sentence]) -> list[DiffRow]:
    """The rows of a diff from `old` to `new`, in reading order."""
    old_keys = [sentence_key(s.text) for s in old]
    new_keys = [sentence_key(s.text) for s in new]
    rows: list[DiffRow] = []
    matcher = SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [DiffRow(SAME, old[i1 + k], new[j1 + k]) for k in range(i2 - i1)]
        else:
            rows += _changed_run(old[i1:i2], old_keys[i1:i2], new[j1:j2], new_keys[j1:j2])
    return rows


def _changed_run(
    old: list[Sentence], old_keys: list[str], new: list[Sentence], new_keys: list[str]
) -> list[DiffRow]:
    """A run of changed sentences: each old sentence paired in order with the most similar
    new one still unpaired, when similar enough; new sentences skipped over are added."""
    rows: list[DiffRow] = []
    cursor = 0
    for sentence, key in zip(old, old_keys, strict=True):
        ratios = _ratios(key, new_keys[cursor:])
        best_ratio = max(ratios, default=0.0)
        if best_ratio < MODIFIED_RATIO:
            rows.append(DiffRow(REMOVED, sentence, None))
            continue
        best = cursor + ratios.index(best_ratio)
        rows += [DiffRow(ADDED, None, added) for added in new[cursor:best]]
        rows.append(_modified(sentence, new[best], best_ratio))
        cursor = best + 1
    rows += [DiffRow(ADDED, None, added) for added in new[cursor:]]
    return rows


def _ratios(key: str, others: list[str]) -> list[float]:
    """The similarity of `key` to each of `others`, 0 where difflib's cheap upper bounds
    already fall short of MODIFIED_RATIO (a rewritten part compares every pair)."""
    matcher = SequenceMatcher(None, autojunk=False)
    matcher.set_seq2(key)  # difflib caches what it learns about the second sequence
    ratios = []
    for other in others:
        matcher.set_seq1(other)
        close = matcher.real_quick_ratio() >= MODIFIED_RATIO
        ratios.append(matcher.ratio() if close and matcher.quick_ratio() >= MODIFIED_RATIO else 0.0)
    return ratios


def _modified(old: Sentence, new: Sentence, ratio: float) -> DiffRow:
    """The pair with the characters that differ, found on the normalized text (one
    character for one, so the spans hold for the text as written)."""
    matcher = SequenceMatcher(None, normalize(old.text), normalize(new.text), autojunk=False)
    old_changes, new_changes = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            if i2 > i1:
                old_changes.append((i1, i2))
            if j2 > j1:
                new_changes.append((j1, j2))
    return DiffRow(MODIFIED, old, new, ratio, tuple(old_changes), tuple(new_changes))
