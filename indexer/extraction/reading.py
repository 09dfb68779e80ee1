"""Open any supported report file as cleaned lines, whatever its format."""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import ReportReadError
from ..files import read_bounded
from .decoding import txt_document
from .docx_reader import docx_document
from .source import SourceDocument, SourceLine

# Each takes the path (to name in errors) and the bytes, read once within the size limit.
READERS = {".txt": txt_document, ".docx": docx_document}
SUPPORTED_SUFFIXES = tuple(READERS)

# Left behind by converters: [bookmark: _GoBack], zero-width spaces, soft hyphens.
_LEFTOVERS = re.compile(r"\[bookmark:[^\]]*\]|[\u200b-\u200d\u2060\ufeff\u00ad]")


def is_report(name: str) -> bool:
    """Whether a file name in the archive is a report's (Word's ~$ lock files are not)."""
    return os.path.splitext(name)[1].lower() in READERS and not name.startswith(("~$", "."))


def read_report(path: Path) -> SourceDocument:
    """The report's lines, stripped of conversion leftovers and surrounding white space."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ReportReadError(path, f"unsupported file type {path.suffix!r}; use .txt or .docx")
    document = reader(path, read_bounded(path))
    lines = [
        SourceLine(_LEFTOVERS.sub("", line.text).strip(), line.level) for line in document.lines
    ]
    if not any(line.text for line in lines):
        raise ReportReadError(path, "no text in the file")
    return SourceDocument(lines, document.encoding, document.warnings)
