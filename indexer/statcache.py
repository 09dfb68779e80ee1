"""Trust a report's stat instead of reading it: an update that changes nothing costs a walk
of the archive, not a read of every file.

Beside the index (`var/index.statcache`) each run leaves, for every report the index holds as
it is on disk, the stat of the report and of its sidecar (size, mtime, inode, ctime, device)
and the content hash read from them. The next run trusts an entry only when the stat is
exactly the same AND that hash is still the one the index holds; anything else is read again.

- Size and mtime alone are not enough: `cp -p`, rsync, unzip and `touch -r` give new bytes an
  old mtime. They cannot give them an old ctime, and a replaced file has a new inode.
- Racy entries, as in git: a file changed again within the clock tick in which it was read
  keeps its stat. A file whose mtime or ctime is not older than the start of the run that read
  it (less RACY_MARGIN_NS, for file systems whose clock is coarse: FAT's is 2 s) is therefore
  not cached, and the next run reads it again.
- The cache states facts about files, not about an index, so it can only ever cost time: one
  that is missing, damaged (its checksum), of another format, or made for another archive or
  index is ignored whole, and every file is read as before. `update --verify` reads every file
  whatever the cache says, and names the files whose content changed under an unchanged stat.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .durable import write_synced
from .extraction.overrides import sidecar_path

# Bump when content_hash changes what it hashes: a cache of the old hashes is then ignored.
FORMAT = 1
RACY_MARGIN_NS = 2_000_000_000

Stat = tuple[int, int, int, int, int]  # size, mtime_ns, inode, ctime_ns, device


def stat_key(info: os.stat_result) -> Stat:
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns, info.st_dev)


@dataclass(frozen=True)
class FileState:
    """What a report and its sidecar looked like when they were read."""

    report: Stat
    sidecar: Stat | None  # None: the report has no sidecar

    def changed_since(self, ns: int) -> bool:
        """Whether the report or its sidecar was written (mtime) or replaced (ctime) at or
        after `ns`, nanoseconds since the epoch."""
        stats = (self.report, self.sidecar) if self.sidecar else (self.report,)
        return any(stat[1] >= ns or stat[3] >= ns for stat in stats)


def file_state(
    archive: Path, name: str, info: os.stat_result, has_sidecar: bool
) -> FileState | None:
    """The state of report `name` in `archive` (stat `info`, taken before it is read); None
    when its sidecar is there but cannot be stat'ed (a dangling link), so that it is never
    trusted."""
    if not has_sidecar:
        return FileState(stat_key(info), None)
    try:
        sidecar = os.stat(sidecar_path(archive / name))
    except OSError:
        return None
    return FileState(stat_key(info), stat_key(sidecar))


def cache_path(index_dir: Path) -> Path:
    """Beside the index's resolved path (like its lock): a rebuild swaps the folder, not this."""
    resolved = Path(os.path.realpath(index_dir))
    return resolved.with_name(resolved.name + ".statcache")


Entry = tuple[FileState, str]  # the state a content hash was read from, and that hash


class StatCache:
    """The entries the last run left (to look up) and those this run saw (to save)."""

    def __init__(self, index_dir: Path, archive: Path, started_ns: int) -> None:
        """`started_ns`: the run's start, taken before any file was stat'ed."""
        self.path = cache_path(index_dir)
        self._identity = _identity(index_dir, archive)
        self._racy_from = started_ns - RACY_MARGIN_NS
        self._old = read_cache(index_dir, archive)
        self._new: dict[str, Entry] = {}

    def lookup(self, name: str, state: FileState) -> str | None:
        """The content hash last read from this exact state of the file, if any."""
        entry = self._old.get(name)
        return entry[1] if entry is not None and entry[0] == state else None

    def record(self, name: str, state: FileState, content: str) -> None:
        """Remember that the index now holds `content` for the file in `state`."""
        self._new[name] = (state, content)

    def save(self) -> None:
        """Write what this run saw (atomically: a killed run leaves the old cache or this
        one), leaving out files changed since the run started; skipped when nothing differs."""
        entries = {
            name: entry
            for name, entry in sorted(self._new.items())
            if not entry[0].changed_since(self._racy_from)
        }
        if entries == self._old:
            return
        body = json.dumps(
            {
                **self._identity,
                "entries": {
                    name: [state.report, state.sidecar, content]
                    for name, (state, content) in entries.items()
                },
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        write_synced(self.path, _checksum(body) + b"\n" + body)
        self._old = entries


def read_cache(index_dir: Path, archive: Path) -> dict[str, Entry]:
    """The entries the last run left for this index and archive; {} for a cache that is
    missing, damaged, of another format or made for another index or archive."""
    try:
        checksum, _, body = cache_path(index_dir).read_bytes().partition(b"\n")
        if checksum != _checksum(body):
            return {}
        data = json.loads(body)
        if any(data.get(key) != value for key, value in _identity(index_dir, archive).items()):
            return {}
        return {
            name: (FileState(tuple(report), tuple(sidecar) if sidecar else None), content)
            for name, (report, sidecar, content) in data["entries"].items()
        }
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def _identity(index_dir: Path, archive: Path) -> dict:
    return {
        "format": FORMAT,
        "index": str(Path(os.path.realpath(index_dir))),
        "archive": os.path.realpath(archive),
    }


def _checksum(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).hexdigest().encode()
