"""The editable word lists a query is read with: stopwords and synonyms.

Both are plain text files shipped in `indexer/data/` so that an office can see and change what
its searches ignore and expand: `stopwords.txt` (words that carry no topic: they never decide
whether a report matches) and `synonyms.txt` (abbreviations and equivalent phrases, in Solr's
synonyms format, applied at query time). An office edits its own copies and names them with
FAZHI_STOPWORDS and FAZHI_SYNONYMS, so an upgrade of the package never overwrites them.

Every entry is normalized as the index's text is (indexer/normalize.py), so `“八五”普法` and a
full-width or traditional spelling of it are the same entry. A file that cannot be used is
refused as a whole with every bad line named: a half-read synonym list would make searches
differ silently from what the office wrote.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType

from .normalize import normalize

SHIPPED = resources.files("indexer") / "data"
MAX_FILE_BYTES = 1_000_000
MAX_TERM_CHARS = 50
STOPWORDS_VARIABLE = "FAZHI_STOPWORDS"
SYNONYMS_VARIABLE = "FAZHI_SYNONYMS"

# Solr's syntax: `a, b, c` or `a, b => c, d`; a backslash makes the next character literal
# (`\,` for a comma inside a term, which is what a normalized full-width comma becomes).
_ESCAPED = re.compile(r"\\(.)")


class LexiconError(ValueError):
    """A word list that cannot be used: its file, and each bad line with the reason."""

    def __init__(self, file: str, problems: list[tuple[int | None, str]]) -> None:
        self.file = file
        self.problems = problems
        super().__init__(
            "\n".join(
                f"{file} line {line}: {reason}" if line else f"{file}: {reason}"
                for line, reason in problems
            )
        )


@dataclass(frozen=True)
class Lexicon:
    """Stopwords and synonyms, normalized; a synonym maps to its alternatives, not itself."""

    stopwords: frozenset[str]
    synonyms: Mapping[str, tuple[str, ...]]

    def is_stopword(self, word: str) -> bool:
        return normalize(word) in self.stopwords

    def alternatives(self, word: str) -> tuple[str, ...]:
        """What a query for `word` also searches, in the order the file gives them."""
        return self.synonyms.get(normalize(word), ())

    @property
    def phrases(self) -> frozenset[str]:
        """Every expression that has alternatives: the segmenter must keep each whole, or a
        query would never hold it as one word to look up."""
        return frozenset(self.synonyms)


def load_lexicon(stopwords: Path | None = None, synonyms: Path | None = None) -> Lexicon:
    """Read the two lists (the shipped ones where a path is None); raises LexiconError."""
    stop_source = stopwords if stopwords is not None else SHIPPED / "stopwords.txt"
    synonym_source = synonyms if synonyms is not None else SHIPPED / "synonyms.txt"
    synonym_map = _parse_synonyms(str(synonym_source), _read_lines(synonym_source))
    return Lexicon(
        stopwords=_parse_stopwords(str(stop_source), _read_lines(stop_source)),
        synonyms=MappingProxyType(synonym_map),
    )


@cache
def lexicon() -> Lexicon:
    """The lists of this process: the files named by FAZHI_STOPWORDS / FAZHI_SYNONYMS (relative
    to the current folder), else the shipped ones. Read once; a change needs a restart."""
    return load_lexicon(_named_by(STOPWORDS_VARIABLE), _named_by(SYNONYMS_VARIABLE))


def _named_by(variable: str) -> Path | None:
    value = os.environ.get(variable, "").strip()
    return Path(value) if value else None


def _read_lines(source: Path | Traversable) -> list[tuple[int, str]]:
    """The file's lines, numbered from 1, without comments and blank lines."""
    name = str(source)
    if isinstance(source, Path) and source.exists() and not source.is_file():
        raise LexiconError(name, [(None, "not a regular file")])
    try:
        with source.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise LexiconError(name, [(None, f"cannot be read ({error.strerror or error})")]) from None
    if len(data) > MAX_FILE_BYTES:
        raise LexiconError(name, [(None, f"larger than {MAX_FILE_BYTES:,} bytes, refused")])
    try:
        text = data.decode("utf-8-sig")  # Notepad writes a BOM
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise LexiconError(name, [(line, "not UTF-8 text (save the file as UTF-8)")]) from None
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if content:
            lines.append((number, content))
    return lines


def _parse_stopwords(name: str, lines: list[tuple[int, str]]) -> frozenset[str]:
    words, problems = set(), []
    for number, content in lines:
        if len(content.split()) > 1:
            problems.append((number, f"one word per line, found {content!r}"))
        elif len(content) > MAX_TERM_CHARS:
            problems.append((number, f"a word longer than {MAX_TERM_CHARS} characters"))
        else:
            words.add(normalize(content))
    if problems:
        raise LexiconError(name, problems)
    return frozenset(words)


def _parse_synonyms(name: str, lines: list[tuple[int, str]]) -> dict[str, tuple[str, ...]]:
    """Solr's rules: `a, b, c` makes each find the others; `a, b => c, d` makes a and b also
    find c and d (and not the reverse). Lines naming the same expression add up."""
    found: dict[str, list[str]] = {}
    problems: list[tuple[int | None, str]] = []
    for number, content in lines:
        raw_sides = _split(content, "=>")
        if len(raw_sides) > 2:
            problems.append((number, "more than one '=>'"))
            continue
        if len(raw_sides) == 2 and not all(side.strip() for side in raw_sides):
            problems.append((number, "an empty side of '=>'"))
            continue
        try:
            sides = [_terms(side) for side in raw_sides]
        except ValueError as error:
            problems.append((number, str(error)))
            continue
        if len(sides) == 1 and len(set(sides[0])) < 2:
            problems.append((number, "only one expression: nothing to be equivalent to"))
        else:
            sources, targets = (sides[0], sides[1]) if len(sides) == 2 else (sides[0],) * 2
            for source in sources:
                known = found.setdefault(source, [])
                known.extend(t for t in targets if t != source and t not in known)
    if problems:
        raise LexiconError(name, problems)
    return {source: tuple(targets) for source, targets in found.items() if targets}


def _terms(side: str) -> list[str]:
    terms = []
    for raw in _split(side, ","):
        term = normalize(_ESCAPED.sub(r"\1", raw).strip())
        if not term:
            raise ValueError("an empty expression (two commas in a row, or one at an end)")
        if len(term) > MAX_TERM_CHARS:
            raise ValueError(f"an expression longer than {MAX_TERM_CHARS} characters")
        terms.append(term)
    return terms


def _split(text: str, separator: str) -> list[str]:
    """`text` split at `separator` where no backslash escapes it (escapes kept for later)."""
    parts, start, at = [], 0, 0
    while at < len(text):
        if text[at] == "\\":
            at += 2
        elif text.startswith(separator, at):
            parts.append(text[start:at])
            at += len(separator)
            start = at
        else:
            at += 1
    parts.append(text[start:])
    return parts
