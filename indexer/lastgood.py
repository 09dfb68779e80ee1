"""The last good copy of the index, which readers fall back to when the live one is damaged.

It shares no file with the live index (hard links would carry a damaged or truncated file
into it), and it is replaced atomically: `index.last-good` is a symbolic link to a folder
`index.last-good.gN`; the next copy is written and synced beside it, then the link is swapped
with one rename. The previous folder stays until the update ends, so a reader that resolved
the link just before a swap still finds every file. Files of one copy that the next copy
keeps unchanged are hard-linked between the copies (never with the live index), so a commit
copies only what it wrote.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from .durable import fsync_path
from .manifest import FileSum, manifest_path, read_manifest


def last_good_dir(index_dir: Path) -> Path:
    return index_dir.with_name(index_dir.name + ".last-good")


def copies(index_dir: Path) -> list[Path]:
    """Every folder that holds (or held) a last good copy of `index_dir`."""
    link = last_good_dir(index_dir.resolve())
    pattern = re.compile(re.escape(link.name) + r"\.g\d+")
    return sorted(p for p in link.parent.glob(link.name + ".g*") if pattern.fullmatch(p.name))


def keep_last_good(index_dir: Path, generation: int, sums: dict[str, FileSum]) -> None:
    """Copy the synced, verified `generation` of `index_dir` and make it the last good copy."""
    index_dir = index_dir.resolve()  # copies() names folders by their absolute path
    link = last_good_dir(index_dir)
    target = link.with_name(f"{link.name}.g{generation}")
    previous = link.resolve() if link.is_symlink() and link.exists() else None
    reusable = _sums_of_copy(previous) if previous and previous != target else {}
    staging = target.with_name(target.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    for name, expected in sums.items():
        destination = staging / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        if not (
            previous
            and reusable.get(name) == expected
            and _linked(previous / name, destination, expected)
        ):
            shutil.copyfile(index_dir / name, destination)
            fsync_path(destination)
    shutil.copyfile(manifest_path(index_dir, generation), manifest_path(staging, generation))
    for folder in [*(p for p in staging.rglob("*") if p.is_dir()), staging]:
        fsync_path(folder)
    shutil.rmtree(target, ignore_errors=True)
    staging.rename(target)
    _point(link, target)
    for old in copies(index_dir):
        if old not in (target, previous):
            shutil.rmtree(old, ignore_errors=True)


def _linked(source: Path, destination: Path, expected: FileSum) -> bool:
    """Hard-link `source` when it is still whole: a power cut can cut or remove a file of the
    previous copy that its manifest lists (it was written after the last sync)."""
    try:
        if source.stat().st_size != expected.size:
            return False
        os.link(source, destination)
    except FileNotFoundError:
        return False
    return True


def drop_previous_copies(index_dir: Path) -> None:
    """Remove every copy but the one the link points at (a reader that resolved the link to
    an older copy just before retries through the link)."""
    link = last_good_dir(index_dir)
    current = link.resolve() if link.is_symlink() else None
    for old in copies(index_dir):
        if old != current:
            shutil.rmtree(old, ignore_errors=True)


def _sums_of_copy(folder: Path) -> dict[str, FileSum]:
    for path in folder.glob("manifest-*.json"):
        generation = int(path.stem.split("-")[1])
        return read_manifest(folder, generation) or {}
    return {}


def _point(link: Path, target: Path) -> None:
    """Make `link` point at `target` in one rename (a folder left by an older version goes)."""
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    temporary = link.with_name(link.name + ".link-tmp")
    temporary.unlink(missing_ok=True)
    os.symlink(target.name, temporary)
    os.replace(temporary, link)
    fsync_path(link.parent)
