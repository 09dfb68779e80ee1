"""Trust a report's stat instead of reading it, and the last run's record of the index instead
of reading Whoosh: an update that changes nothing costs a walk of the archive and little else.

Beside the index (`var/index.statcache`) each run leaves a table of every report the index
then holds: its name, the hash the index holds for it (content and extraction rules), and the
stat of the report and of its sidecar (size, mtime, inode, ctime, device) when that stat
vouches for the content (the file was read, or trusted, by the run). It is stamped with a
token of the Whoosh generation it describes.

- A stat is trusted only when it is exactly the one recorded AND its hash is still the one the
  index holds; anything else is read again. Size and mtime alone are not enough: `cp -p`,
  rsync, unzip and `touch -r` give new bytes an old mtime. They cannot give them an old ctime,
  and a replaced file has a new inode.
- Racy entries, as in git: a file changed again within the clock tick in which it was read
  keeps its stat. A file whose mtime or ctime is not older than the start of the run that read
  it (less RACY_MARGIN_NS, for file systems whose clock is coarse: FAT's is 2 s) is therefore
  recorded without its stat, and the next run reads it again.
- The hashes stand in for Whoosh's only when the index is still at the generation the table was
  written for (its number, its Whoosh segments and document count): the table is written after
  the run's last commit, so a run killed in between leaves a table of an older generation,
  which the next run does not use for that (it reads Whoosh, as `--verify` always does).
- The cache can only ever cost time: one that is missing, damaged (its checksum), of another
  format, or made for another archive or index is ignored whole, and every file is read as
  before. `update --verify` reads every file whatever the cache says, and names the files
  whose content changed under an unchanged stat.

The table is binary (NumPy rows of stats, names and hashes as NUL-separated text): parsing
100,000 entries of JSON took longer than the rest of a no-op update's bookkeeping.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .durable import write_synced
from .extraction.overrides import sidecar_path

# Bump when content_hash or the file's layout changes: a cache of the old kind is then ignored.
FORMAT = 2
RACY_MARGIN_NS = 2_000_000_000
# A state row is the report's stat then its sidecar's: size, mtime_ns, inode, ctime_ns, device.
FIELDS = 5
NO_SIDECAR = -1  # the sidecar half of a report without one
UNTRUSTED = -2  # a whole row that equals no stat: the file is read whatever its stat
_MTIME, _CTIME = 1, 3


def states(root: Path, stats: dict[str, os.stat_result], sidecars: set[str]) -> np.ndarray:
    """One state row per report of `stats` (taken before it is read), in its order; UNTRUSTED
    for a report whose sidecar is there but cannot be stat'ed (a dangling link)."""
    rows = np.full((len(stats), 2 * FIELDS), NO_SIDECAR, dtype=np.int64)
    if not stats:
        return rows
    rows[:, :FIELDS] = [
        (s.st_size, s.st_mtime_ns, s.st_ino, s.st_ctime_ns, s.st_dev) for s in stats.values()
    ]
    for at, name in enumerate(stats) if sidecars else ():
        if name in sidecars:
            try:
                rows[at, FIELDS:] = _stat_key(os.stat(sidecar_path(root / name)))
            except OSError:
                rows[at] = UNTRUSTED
    return rows


def _stat_key(info: os.stat_result) -> tuple[int, int, int, int, int]:
    return (info.st_size, info.st_mtime_ns, info.st_ino, info.st_ctime_ns, info.st_dev)


def changed_since(rows: np.ndarray, ns: int) -> np.ndarray:
    """Which rows' report or sidecar was written (mtime) or replaced (ctime) at or after `ns`,
    nanoseconds since the epoch."""
    times = rows[:, [_MTIME, _CTIME, FIELDS + _MTIME, FIELDS + _CTIME]]
    return (times >= ns).any(axis=1)


def cache_path(index_dir: Path) -> Path:
    """Beside the index's resolved path (like its lock): a rebuild swaps the folder, not this."""
    resolved = Path(os.path.realpath(index_dir))
    return resolved.with_name(resolved.name + ".statcache")


@dataclass
class Table:
    """What a run left: for the generation `token`, every report the index held, in name
    order, with the hash it held and the state that vouches for it (or UNTRUSTED)."""

    token: str
    names: list[str]
    held: list[str]
    states: np.ndarray

    def same(self, other: Table) -> bool:
        return (self.token, self.names, self.held) == (
            other.token,
            other.names,
            other.held,
        ) and np.array_equal(self.states, other.states)


class StatCache:
    """The table the last run left (to look up) and the one this run leaves (`save`)."""

    def __init__(self, index_dir: Path, archive: Path, started_ns: int) -> None:
        """`started_ns`: the run's start, taken before any file was stat'ed."""
        self.path = cache_path(index_dir)
        self._identity = _identity(index_dir, archive)
        self._racy_from = started_ns - RACY_MARGIN_NS
        self._old = read_cache(index_dir, archive)

    def held(self, token: str) -> dict[str, str] | None:
        """The hash of every report the index holds, if the last run left the table of
        generation `token` (else None: read Whoosh)."""
        if self._old is None or self._old.token != token:
            return None
        return dict(zip(self._old.names, self._old.held, strict=True))

    def lookup(self, names: list[str], rows: np.ndarray) -> list[str | None]:
        """For each report, the hash last recorded for its exact state, or None."""
        old = self._old
        if old is None or not names:
            return [None] * len(names)
        at = _positions(names, old.names)
        found = (at >= 0) & (rows[:, 0] != UNTRUSTED)  # an UNTRUSTED row matches nothing
        found[found] = (old.states[at[found]] == rows[found]).all(axis=1)
        return [
            old.held[i] if hit else None for i, hit in zip(at.tolist(), found.tolist(), strict=True)
        ]

    def save(
        self,
        token: str,
        held: dict[str, str],
        names: list[str],
        rows: np.ndarray,
        vouched: np.ndarray,
    ) -> None:
        """Record that generation `token` holds `held`, and the states (`rows` of `names`)
        that `vouched` for what it holds, less those changed since the run started.
        Atomic (a killed run leaves the old cache or this one); skipped when nothing differs."""
        order = sorted(held)
        states = np.full((len(order), 2 * FIELDS), UNTRUSTED, dtype=np.int64)
        at = _positions(names, order)
        kept = vouched & ~changed_since(rows, self._racy_from) & (at >= 0)
        states[at[kept]] = rows[kept]
        table = Table(token, order, [held[name] for name in order], states)
        if self._old is not None and table.same(self._old):
            return
        names_blob, held_blob = "\0".join(table.names).encode(), "\0".join(table.held).encode()
        header = {
            **self._identity,
            "token": token,
            "count": len(order),
            "lengths": [len(names_blob), len(held_blob)],
        }
        body = b"".join(
            [json.dumps(header).encode(), b"\n", names_blob, held_blob, states.tobytes()]
        )
        write_synced(self.path, _checksum(body) + b"\n" + body)
        self._old = table


def read_cache(index_dir: Path, archive: Path) -> Table | None:
    """The table the last run left for this index and archive; None for a cache that is
    missing, damaged, of another format or made for another index or archive."""
    try:
        checksum, _, body = cache_path(index_dir).read_bytes().partition(b"\n")
        if checksum != _checksum(body):
            return None
        header, _, rest = body.partition(b"\n")
        data = json.loads(header)
        if any(data.get(key) != value for key, value in _identity(index_dir, archive).items()):
            return None
        count, (names_bytes, held_bytes) = data["count"], data["lengths"]
        names, held = rest[:names_bytes], rest[names_bytes : names_bytes + held_bytes]
        table = Table(
            data["token"],
            names.decode().split("\0") if count else [],
            held.decode().split("\0") if count else [],
            np.frombuffer(rest[names_bytes + held_bytes :], dtype=np.int64).reshape(
                count, 2 * FIELDS
            ),
        )
        if len(table.names) != count or len(table.held) != count:
            return None
        return table
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def _positions(names: list[str], order: list[str]) -> np.ndarray:
    """Where each of `names` sits in `order` (-1: not there); no dict when they are the same."""
    if names == order:
        return np.arange(len(names))
    where = {name: i for i, name in enumerate(order)}
    return np.fromiter((where.get(name, -1) for name in names), np.int64, len(names))


def _identity(index_dir: Path, archive: Path) -> dict:
    return {
        "format": FORMAT,
        "index": str(Path(os.path.realpath(index_dir))),
        "archive": os.path.realpath(archive),
    }


def _checksum(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=16).hexdigest().encode()
