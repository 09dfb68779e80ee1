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

    root: Path  # the archive folder as given
    # Each report's stat (its target's, for a link), in name order: taken while walking, so
    # the stat cache need not stat every file again.
    stats: dict[str, os.stat_result] = field(default_factory=dict)
    refused: list[tuple[str, str]] = field(default_factory=list)
    held: set[str] = field(default_factory=set)
    sidecars: set[str] = field(default_factory=set)  # the reports that have a sidecar entry

    def path(self, name: str) -> Path:
        return self.root / name

    @property
    def files(self) -> dict[str, Path]:
        """Every report's path by name (a Path costs microseconds: a no-op update of a large
        archive asks `path` only for the files it reads)."""
        return {name: self.path(name) for name in self.stats}


def scan_archive(archive: Path) -> ArchiveScan:
    """Every report below `archive` that can safely be read, in name order, and the refusals.

    os.scandir and plain strings rather than os.walk and Path objects: the walk is most of
    what a no-op update costs, and Path objects were most of the walk.
    """
    if not archive.is_dir():
        raise FileNotFoundError(f"archive folder {archive} does not exist")
    root = Path(os.path.realpath(archive))
    limit = max_file_bytes()
    scan = ArchiveScan(archive)
    folders = [("", os.fspath(archive))]
    while folders:
        within, folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue  # as os.walk does: a folder that cannot be listed is passed over
        listed = {entry.name for entry in entries}  # a sidecar may be anything, even a folder
        for entry in entries:
            relative = within + entry.name
            if _is_folder(entry):
                if reason := _folder_refusal(entry):
                    scan.refused.append((_shown(relative), reason))
                else:
                    folders.append((relative + "/", entry.path))
                continue
            if not is_report(entry.name):
                continue
            outcome = _file_refusal(entry, root, limit)
            if isinstance(outcome, os.stat_result):
                scan.stats[relative] = outcome
                if entry.name + SIDECAR_SUFFIX in listed:
                    scan.sidecars.add(relative)
                continue
            reason, held = outcome
            scan.refused.append((_shown(relative), reason))
            if held:
                scan.held.add(_shown(relative))
    scan.stats = dict(sorted(scan.stats.items()))
    scan.refused.sort()
    return scan


def archive_files(archive: Path) -> dict[str, Path]:
    """The report files `scan_archive` would index, by archive-relative name."""
    return scan_archive(archive).files


def shown_name(path: Path, archive: Path) -> str:
    """The archive-relative name, printable: bytes that are not UTF-8 shown as \\xNN escapes."""
    return _shown(path.relative_to(archive).as_posix())


def _shown(relative: str) -> str:
    return os.fsencode(relative).decode("utf-8", "backslashreplace")


def _is_folder(entry: os.DirEntry) -> bool:
    """A folder, or a link to one (refused), as os.walk sorts them."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _undecodable_name(name: str) -> str | None:
    """Why a name cannot be indexed when it is not UTF-8 (os.scandir hands such bytes over as
    surrogates, which Whoosh cannot store), with the rename a Windows zip's GBK name needs."""
    try:
        name.encode("utf-8")
        return None
    except UnicodeEncodeError:
        raw = os.fsencode(name)
    try:
        hint = f" to {raw.decode('gb18030')} (its GBK reading)"
    except UnicodeDecodeError:
        hint = ""
    return f"name is not valid UTF-8: rename it{hint}, e.g. with convmv -f gbk -t utf-8"


def _folder_refusal(entry: os.DirEntry) -> str | None:
    if entry.is_symlink():
        return "symbolic link to a folder: not followed (move or copy the reports in)"
    reason = _undecodable_name(entry.name)
    return f"folder {reason}; nothing in it is indexed" if reason else None


def _file_refusal(entry: os.DirEntry, root: Path, limit: int) -> tuple[str, bool] | os.stat_result:
    """Why a report file is not indexed and whether it keeps its indexed version, or, when it
    can be read, its stat (its target's, for a link). Nothing here opens the file."""
    if reason := _undecodable_name(entry.name):
        return f"file {reason}", False
    link = False
    try:
        info = entry.stat(follow_symlinks=False)
        link = stat.S_ISLNK(info.st_mode)
        if link:
            target = Path(os.path.realpath(entry.path, strict=True))  # OSError on a loop
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
