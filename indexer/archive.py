"""Walk the archive folder without letting one hostile entry stop an update.

A folder that staff fill by hand (and by unzipping Windows archives) can hold anything: names
that are not UTF-8, FIFOs, links to /dev/zero or /etc/passwd, link loops, files of gigabytes.
Only regular files inside the archive, within the size limit, are indexed; every other
report-like entry is refused by name with the reason, so the update can say so.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ReportReadError
from .extraction.overrides import MAX_SIDECAR_BYTES, SIDECAR_SUFFIX, sidecar_path
from .extraction.reading import is_report
from .files import (
    MAX_FILE_MB_ENV,
    MB,
    max_file_bytes,
    open_regular,
    read_bounded,
    refusal,
    too_big,
)


@dataclass
class ArchiveScan:
    """The report files to index by archive-relative name, and the entries refused, with why.

    `held` names the refused reports that are still there but cannot be read now (too big,
    an I/O error): like a damaged file, they keep whatever version the index holds.
    """

    files: dict[str, Path] = field(default_factory=dict)
    refused: list[tuple[str, str]] = field(default_factory=list)
    held: set[str] = field(default_factory=set)
    # Taken while walking, at no extra cost, so the stat cache need not stat every file again:
    # each file's stat (its target's, for a link) and the reports that have a sidecar entry.
    stats: dict[str, os.stat_result] = field(default_factory=dict)
    sidecars: set[str] = field(default_factory=set)


def scan_archive(archive: Path) -> ArchiveScan:
    """Every report below `archive` that can safely be read, in name order, and the refusals."""
    if not archive.is_dir():
        raise FileNotFoundError(f"archive folder {archive} does not exist")
    root = Path(os.path.realpath(archive))
    limit = max_file_bytes()
    scan = ArchiveScan()
    for folder, folders, names in os.walk(archive):
        base = Path(folder)
        listed = {*folders, *names}  # a sidecar may be anything, even a folder
        for name in list(folders):
            path = base / name
            if reason := _folder_refusal(path):
                folders.remove(name)  # os.walk then does not descend into it
                scan.refused.append((shown_name(path, archive), reason))
        within = base.relative_to(archive).as_posix()
        for name in names:
            path = base / name
            if not is_report(path):
                continue
            outcome = _file_refusal(path, root, limit)
            if isinstance(outcome, os.stat_result):
                relative = name if within == "." else f"{within}/{name}"
                scan.files[relative] = path
                scan.stats[relative] = outcome
                if name + SIDECAR_SUFFIX in listed:
                    scan.sidecars.add(relative)
                continue
            reason, held = outcome
            scan.refused.append((shown_name(path, archive), reason))
            if held:
                scan.held.add(shown_name(path, archive))
    scan.files = dict(sorted(scan.files.items()))
    scan.refused.sort()
    return scan


def archive_files(archive: Path) -> dict[str, Path]:
    """The report files `scan_archive` would index, by archive-relative name."""
    return scan_archive(archive).files


def shown_name(path: Path, archive: Path) -> str:
    """The archive-relative name, printable: bytes that are not UTF-8 shown as \\xNN escapes."""
    relative = os.fsencode(path.relative_to(archive).as_posix())
    return relative.decode("utf-8", "backslashreplace")


def _undecodable_name(name: str) -> str | None:
    """Why a name cannot be indexed when it is not UTF-8 (os.walk hands such bytes over as
    surrogates, which Whoosh cannot store), with the rename a Windows zip's GBK name needs."""
    raw = os.fsencode(name)
    try:
        raw.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    try:
        hint = f" to {raw.decode('gb18030')} (its GBK reading)"
    except UnicodeDecodeError:
        hint = ""
    return f"name is not valid UTF-8: rename it{hint}, e.g. with convmv -f gbk -t utf-8"


def _folder_refusal(path: Path) -> str | None:
    if path.is_symlink():
        return "symbolic link to a folder: not followed (move or copy the reports in)"
    reason = _undecodable_name(path.name)
    return f"folder {reason}; nothing in it is indexed" if reason else None


def _file_refusal(path: Path, root: Path, limit: int) -> tuple[str, bool] | os.stat_result:
    """Why a report file is not indexed and whether it keeps its indexed version, or, when it
    can be read, its stat (its target's, for a link). Nothing here opens the file."""
    if reason := _undecodable_name(path.name):
        return f"file {reason}", False
    link = False
    try:
        info = path.lstat()
        link = stat.S_ISLNK(info.st_mode)
        if link:
            target = Path(os.path.realpath(path, strict=True))  # OSError on a loop
            if not target.is_relative_to(root):
                return f"symbolic link to {target}, outside the archive: not followed", False
            info = target.stat()
    except OSError as error:
        if link:
            return f"broken symbolic link: {error.strerror or error}", False
        return f"cannot read file: {error.strerror or error}", True
    reason = refusal(info, limit)
    if reason and stat.S_ISREG(info.st_mode):
        return f"{reason} for reports (set by {MAX_FILE_MB_ENV})", True
    return (reason, False) if reason else info


def content_hash(path: Path) -> str:
    """What decides whether a report needs re-indexing: its bytes and its corrections.

    Streamed, and bounded like every read; raises ReportReadError.
    """
    limit = max_file_bytes()
    digest = hashlib.sha256()
    size = 0
    with open_regular(path, limit) as handle:
        while chunk := handle.read(MB):
            size += len(chunk)
            if size > limit:
                raise ReportReadError(path, too_big(size, limit))
            digest.update(chunk)
    sidecar = sidecar_path(path)
    if os.path.lexists(sidecar):
        try:
            digest.update(b"\0corrections\0" + read_bounded(sidecar, MAX_SIDECAR_BYTES))
        except ReportReadError as error:  # reported by the update; fixing it must re-index
            digest.update(b"\0unreadable corrections\0" + error.reason.encode())
    return digest.hexdigest()
