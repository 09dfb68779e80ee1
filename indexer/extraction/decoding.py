"""Decode a plain-text report whose encoding nobody recorded.

Township reports arrive as UTF-8, UTF-16 from Notepad, GBK/GB18030 from older mainland
Windows machines and occasionally Big5. Detector libraries guess wrong on short GBK files
(charset_normalizer: 6 in 10 of 8-character ones), so the order is fixed: BOM, strict
UTF-8, strict GB18030 and Big5 compared by how plausible the Chinese they yield is, BOM-less
UTF-16 likewise, and only then a detector. Whatever is not certain carries a warning.
"""

from __future__ import annotations

import codecs
import functools
import importlib.util
import os
import re
import unicodedata
from pathlib import Path
from typing import NamedTuple

import charset_normalizer

from indexer.errors import ReportReadError
from indexer.extraction.source import SourceDocument, SourceLine

# UTF-32 LE's BOM begins with UTF-16 LE's, so the longer marks are tried first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
# cp950 rather than big5hkscs: Big5 files come from Windows, whose Big5 is cp950, and
# big5hkscs maps many more byte pairs, so more GBK files also decode under it: measured on
# 128-character report slices, 4.2% of GBK ones are valid big5hkscs, 0.2% valid cp950.
_BIG5 = "cp950"
_COMMON_SIMPLIFIED = 4000
# Measured on 8-64 character slices of real reports (GBK and Big5, both codecs): the right
# decoding scored >= 0.88, the wrong one <= 0.62 in 95% of cases. Below 8 judged
# characters a score proves little, so no warning is given there.
_MIN_JUDGED = 8
_LOW_SCORE = 0.7
_MAX_CONTROL_SHARE = 0.05
# One bad byte can cost UTF-8 up to four replacement characters.
_MAX_BAD_CHARS = 8  # or one per 500 characters, whichever is more
# Control characters (category Cc) but \t \n \v \f \r and \x1a, the DOS end-of-file mark.
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x19\x1b-\x1f\x7f-\x9f]")


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return 0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0x20000 <= o <= 0x2FFFF


@functools.lru_cache(maxsize=1)
def _common_chars() -> frozenset[str]:
    """Characters of jieba's most frequent words, plus their traditional forms.

    Misdecoded GBK or Big5 still yields valid characters, but mostly rare ones; the share of
    common characters separates real text from such garbage. Only jieba's dictionary file is
    read: importing or initialising its tokenizer would cost seconds for nothing.
    """
    import opencc

    jieba_dir = importlib.util.find_spec("jieba").submodule_search_locations[0]
    with open(os.path.join(jieba_dir, "dict.txt"), encoding="utf-8") as f:
        entries = re.findall(r"^(\S+) (\d+)", f.read(), re.MULTILINE)
    entries.sort(key=lambda e: int(e[1]), reverse=True)
    simplified: set[str] = set()
    for word, _ in entries:
        simplified.update(ch for ch in word if _is_cjk(ch))
        if len(simplified) >= _COMMON_SIMPLIFIED:
            break
    joined = "".join(sorted(simplified))
    # s2t gives OpenCC's standard forms (爲, 裏), s2tw the Taiwan ones Big5 files use (為, 裡).
    traditional = {ch for cfg in ("s2t", "s2tw") for ch in opencc.OpenCC(cfg).convert(joined)}
    return frozenset(simplified | {ch for ch in traditional if _is_cjk(ch)})


def _plausibility(text: str) -> tuple[float, int]:
    """(share of common characters, number of characters judged).

    Judged are the non-ASCII letters, symbols and private-use or unassigned code points, not
    only the CJK ones: Big5 read as GB18030 turns largely into kana, Greek and private-use
    characters, which a CJK-only share would not count against it. Punctuation, digits and
    full-width forms are left out, as real text and garbage both have them.
    """
    common = _common_chars()
    judged = hits = 0
    for ch in text:
        if ch < "\x80" or "\uff00" <= ch <= "\uffef":
            continue
        if unicodedata.category(ch)[0] in "LSC":
            judged += 1
            hits += ch in common
    return (hits / judged if judged else 0.0), judged


def _control_share(text: str) -> float:
    # One regex pass (Cc is U+0000-001F and U+007F-009F): a loop in Python took seconds on
    # a 16 MB report.
    return len(_CONTROLS.findall(text)) / len(text) if text else 0.0


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except UnicodeDecodeError:
        return None


class _Candidate(NamedTuple):
    """A decoding and how plausible its text is as Chinese."""

    score: float  # the share of common Chinese characters among the judged ones
    judged: int  # non-ASCII characters judged
    text: str
    codec: str

    @property
    def implausible(self) -> bool:
        return self.judged >= _MIN_JUDGED and self.score < _LOW_SCORE


def _most_plausible(data: bytes, codecs_: tuple[str, ...]) -> _Candidate | None:
    """The decoding whose text holds the most common characters.

    Decodings that are mostly control characters are dropped: binary data often decodes
    "successfully" as GB18030 or UTF-16. Equal scores go to the codec listed first.
    """
    candidates = []
    for codec in codecs_:
        text = _strict(data, codec)
        if text is not None and _control_share(text) <= _MAX_CONTROL_SHARE:
            candidates.append(_Candidate(*_plausibility(text), text, codec))
    return max(candidates, key=lambda c: c.score) if candidates else None


def _with_few_bad_bytes(data: bytes) -> tuple[str, str, list[str]] | None:
    """A file damaged in a few places (a truncated copy, one corrupt byte) keeps its text.

    The undecodable bytes become U+FFFD and the file carries a warning, rather than the whole
    report being lost.
    """
    for codec in ("utf-8", "gb18030"):
        text = data.decode(codec, errors="replace")
        bad = text.count("\ufffd")
        if bad > max(_MAX_BAD_CHARS, len(text) // 500) or _control_share(text) > _MAX_CONTROL_SHARE:
            continue
        score, judged = _plausibility(text)
        if judged >= _MIN_JUDGED and score >= _LOW_SCORE:
            return text, codec, [f"{bad} undecodable byte sequence(s) replaced by \ufffd ({codec})"]
    return None


def _decode(data: bytes) -> tuple[str, str, list[str]]:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            text = _strict(data, codec)
            if text is None:
                raise ValueError(f"starts with a {label} byte-order mark but is not valid {label}")
            return text.removeprefix("\ufeff"), codec, []
    # NUL is valid UTF-8, GB18030 and Big5, but in a report only UTF-16 text has it.
    implausible = None
    if b"\x00" not in data:
        text = _strict(data, "utf-8")
        if text is not None and _control_share(text) <= _MAX_CONTROL_SHARE:
            return text, "utf-8", []
        # GB18030 first, so that it wins ties: it is what mainland machines write.
        found = _most_plausible(data, ("gb18030", _BIG5))
        if found is not None and not found.implausible:
            return found.text, found.codec, []
        implausible = found
    # BOM-less UTF-16: scoring both byte orders beat charset_normalizer on short text (8
    # characters: 599 vs 549 of 600 right); an implausible result is binary, not text.
    found = _most_plausible(data, ("utf-16-le", "utf-16-be")) if len(data) % 2 == 0 else None
    if found is not None and not found.implausible:
        warning = f"encoding uncertain: no byte-order mark, read as {found.codec}"
        return found.text, found.codec, [warning]
    damaged = _with_few_bad_bytes(data) if b"\x00" not in data else None
    if damaged is not None:
        return damaged
    if implausible is not None:
        warning = (
            f"encoding uncertain: decoded as {implausible.codec}, but only "
            f"{implausible.score:.0%} of {implausible.judged} non-ASCII characters are common "
            "Chinese ones; the text may be garbled"
        )
        return implausible.text, implausible.codec, [warning]
    if b"\x00" in data:
        raise ValueError("binary data, not text (NUL bytes)")
    best = charset_normalizer.from_bytes(data).best()
    if best is not None and _control_share(str(best)) <= _MAX_CONTROL_SHARE:
        codec = codecs.lookup(best.encoding).name
        return str(best), codec, [f"encoding uncertain: guessed {codec} by detection"]
    if any(_strict(data, codec) is not None for codec in ("utf-8", "gb18030", _BIG5)):
        raise ValueError("binary data, not text (control characters)")
    raise ValueError("cannot decode as UTF-8, UTF-16, GB18030 or Big5")


def decode_bytes(data: bytes, *, path: Path | str = "<bytes>") -> tuple[str, str, list[str]]:
    """Decode a report's bytes to (text, codec name, warnings); raise ReportReadError if none fits.

    `path` only names the source in the error, so callers decoding bytes from elsewhere
    (an archive member, a test) get the same error type as `read_txt` raises.
    """
    if not data:
        raise ReportReadError(path, "empty file")
    try:
        text, codec, warnings = _decode(data)
    except ValueError as exc:
        raise ReportReadError(path, str(exc)) from None
    if not text:
        raise ReportReadError(path, "empty file (nothing after the byte-order mark)")
    if not text.strip():
        raise ReportReadError(path, "no text: the file holds only whitespace")
    if _control_share(text) > _MAX_CONTROL_SHARE:
        raise ReportReadError(path, f"binary data, not text (control characters, as {codec})")
    return text, codec, warnings


def read_txt(path: Path) -> SourceDocument:
    """Read a .txt report into lines, changing nothing but line endings, so that later steps
    see the file's own text and can point back to its lines."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReportReadError(path, f"cannot read file: {exc.strerror or exc}") from None
    return txt_document(path, data)


def txt_document(path: Path, data: bytes) -> SourceDocument:
    """The lines of a .txt report given as bytes; `path` names it in errors."""
    text, codec, warnings = decode_bytes(data, path=path)
    text = text.replace("\r\n", "\n").replace("\r", "\n").removesuffix("\n")
    return SourceDocument(
        lines=[SourceLine(line) for line in text.split("\n")],
        encoding=codec,
        warnings=warnings,
    )
