"""Open a file of the archive without blocking and read it within a size limit.

Every reader (reports, sidecars, the content hash) goes through here, so a FIFO, a device or a
file of gigabytes is refused by name before anything waits on it or loads it into memory.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from .errors import ReportReadError

MAX_FILE_MB_ENV = "FAZHI_MAX_FILE_MB"
# A report is under 1 MB of text; a .docx with photos rarely passes 20 MB. Past 64 MB a file
# is a mistake (a video renamed .docx, a disk image) and reading it would only cost memory.
DEFAULT_MAX_FILE_MB = 64
MB = 1 << 20

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def max_file_bytes() -> int:
    """The per-file size limit: $FAZHI_MAX_FILE_MB megabytes, 64 by default."""
    value = os.environ.get(MAX_FILE_MB_ENV, "").strip()
    try:
        megabytes = float(value) if value else DEFAULT_MAX_FILE_MB
    except ValueError:
        raise ValueError(f"{MAX_FILE_MB_ENV}={value!r} is not a number of megabytes") from None
    return int(megabytes * MB)


def refusal(info: os.stat_result, limit: int) -> str | None:
    """Why a file with this stat must not be read, or None for a regular file within `limit`."""
    if not stat.S_ISREG(info.st_mode):
        kind = next((kind for test, kind in _KINDS if test(info.st_mode)), "not a file")
        return f"not a regular file ({kind}): skipped"
    if info.st_size > limit:
        return too_big(info.st_size, limit)
    return None


def too_big(size: int, limit: int) -> str:
    return f"file is {_size(size)}, over the {_size(limit)} limit"


def _size(count: int) -> str:
    return f"{count / MB:.1f} MB" if count >= MB else f"{count / 1024:.0f} KB"


def open_regular(path: Path, limit: int) -> BinaryIO:
    """Open a regular file of at most `limit` bytes for reading; raises ReportReadError.

    Checked by stat before opening, so no device is ever opened, and by fstat after, as the
    entry may have changed; O_NONBLOCK makes even a FIFO swapped in meanwhile open at once.
    """
    try:
        if reason := refusal(os.stat(path), limit):
            raise ReportReadError(path, reason)
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise ReportReadError(path, f"cannot read file: {error.strerror or error}") from None
    handle = os.fdopen(descriptor, "rb")
    if reason := refusal(os.fstat(descriptor), limit):
        handle.close()
        raise ReportReadError(path, reason)
    return handle


def read_bounded(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file, refusing one that is (or grows) past `limit` bytes."""
    limit = max_file_bytes() if limit is None else limit
    with open_regular(path, limit) as handle:
        try:
            data = handle.read(limit + 1)
        except OSError as error:
            raise ReportReadError(path, f"cannot read file: {error.strerror or error}") from None
    if len(data) > limit:
        raise ReportReadError(path, too_big(len(data), limit))
    return data
