"""Checksums of a committed generation, so damage is found instead of searched.

After each commit the updater writes `manifest-N.json`: every file of generation N (Whoosh's
table of contents and segments, the meta file, the text index's `text-N.json` and the files of
the text segments it lists) with its size and BLAKE2b digest. Readers compare sizes when they
open a generation (cheap: a truncated file is the usual damage after a crash or a full disk);
the updater compares digests before it trusts the live index. Files never change after they
are written, so a digest is computed once: a text segment's when the segment is written (its
`checksums.json`), Whoosh's carried over to the next manifest while the file's size is
unchanged. A commit therefore reads only the files it wrote.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .durable import write_synced

CHECKSUMS = "checksums.json"  # a text segment's own record of its files (segment.py)
_MANIFEST = re.compile(r"manifest-(\d+)\.json")
_NOT_IN_A_GENERATION = re.compile(
    r"MAIN_WRITELOCK|manifest-\d+\.json(\.tmp)?|.*\.tmp|text-\d+\.json"
)
_TEXT_INDEX = re.compile(r"(text-\d+\.json|seg-\d+-\d+/)")


@dataclass(frozen=True)
class FileSum:
    size: int
    digest: str


def manifest_path(index_dir: Path, generation: int) -> Path:
    return index_dir / f"manifest-{generation}.json"


def generation_files(index_dir: Path, generation: int) -> list[str]:
    """The files that make up `generation`, relative to the index folder.

    Whoosh deletes the previous generation's files at each commit, so the top-level files
    are this generation's; the text index is `text-N.json` and the segments it lists.
    """
    names = [
        path.name
        for path in sorted(index_dir.iterdir())
        if path.is_file() and not _NOT_IN_A_GENERATION.fullmatch(path.name)
    ]
    listing = index_dir / f"text-{generation}.json"
    if listing.exists():
        names.append(listing.name)
        for segment in json.loads(listing.read_text(encoding="utf-8"))["segments"]:
            folder = index_dir / f"seg-{segment['id']}"
            names.extend(f"{folder.name}/{file.name}" for file in sorted(folder.iterdir()))
    return names


def digest(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "blake2b").hexdigest()


def read_manifest(index_dir: Path, generation: int) -> dict[str, FileSum] | None:
    try:
        data = json.loads(manifest_path(index_dir, generation).read_text(encoding="utf-8"))
        return {name: FileSum(*entry) for name, entry in data["files"].items()}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_manifest(index_dir: Path, generation: int) -> dict[str, FileSum]:
    """Record the generation's files; digests of files the previous manifest knew are reused."""
    known = _latest_known(index_dir, generation)
    sums = {}
    for name in generation_files(index_dir, generation):
        size = (index_dir / name).stat().st_size
        old = _written_with(index_dir, name) or known.get(name)
        sums[name] = old if old and old.size == size else FileSum(size, digest(index_dir / name))
    data = {"generation": generation, "files": {n: [s.size, s.digest] for n, s in sums.items()}}
    write_synced(manifest_path(index_dir, generation), json.dumps(data).encode())
    for path in index_dir.glob("manifest-*.json"):
        found = _MANIFEST.fullmatch(path.name)
        if found and int(found.group(1)) < generation - 1:
            path.unlink(missing_ok=True)
    return sums


def _written_with(index_dir: Path, name: str) -> FileSum | None:
    """A text segment's file as its segment recorded it when it was written."""
    folder, _, file = name.partition("/")
    if not file or file == CHECKSUMS:
        return None
    try:
        size, checksum = json.loads((index_dir / folder / CHECKSUMS).read_text("utf-8"))[file]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return FileSum(size, checksum)


def _latest_known(index_dir: Path, generation: int) -> dict[str, FileSum]:
    for older in range(generation - 1, max(generation - 4, -1), -1):
        sums = read_manifest(index_dir, older)
        if sums is not None:
            return sums
    return {}


def damage(index_dir: Path, generation: int, deep: bool) -> list[str]:
    """What is wrong with the generation's files by its manifest: missing, truncated or (deep)
    altered files. Empty when all is well or when no manifest was written (a killed commit)."""
    sums = read_manifest(index_dir, generation)
    if sums is None:
        return []
    problems = []
    for name, expected in sums.items():
        path = index_dir / name
        try:
            size = path.stat().st_size
        except OSError:
            problems.append(f"{name} is missing")
            continue
        if size != expected.size:
            problems.append(f"{name} has {size:,} bytes, {expected.size:,} were written")
        elif deep and digest(path) != expected.digest:
            problems.append(f"{name} was altered (checksum differs)")
    return problems


def segments_damage(index_dir: Path, generation: int) -> list[str]:
    """What differs in the generation's text segments from the sizes and checksums recorded
    when each was written (or cannot be read at all): reads every segment file."""
    problems = []
    try:
        listing = json.loads((index_dir / f"text-{generation}.json").read_text("utf-8"))
        folders = [f"seg-{segment['id']}" for segment in listing["segments"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        return [f"text-{generation}.json cannot be read ({type(error).__name__})"]
    for folder in folders:
        try:
            sums = json.loads((index_dir / folder / CHECKSUMS).read_text("utf-8"))
            recorded = {name: FileSum(*entry) for name, entry in sums.items()}
        except (OSError, ValueError, KeyError, TypeError) as error:
            problems.append(f"{folder}/{CHECKSUMS} cannot be read ({type(error).__name__})")
            continue
        for name, expected in recorded.items():
            path = index_dir / folder / name
            if not path.exists():
                problems.append(f"{folder}/{name} is missing")
            elif path.stat().st_size != expected.size or digest(path) != expected.digest:
                problems.append(f"{folder}/{name} differs from when it was written")
    return problems


def only_text_index(problems: list[str]) -> bool:
    """Whether only the text index is damaged: it can be rebuilt from Whoosh's records."""
    return all(_TEXT_INDEX.match(problem) for problem in problems)
