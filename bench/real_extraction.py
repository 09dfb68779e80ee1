"""`python -m bench.real_extraction [FOLDER]`: extraction scored against a labelled folder.

FOLDER (default tests/data/real) holds report files and a `truth.json` as described in its
README. For each field the script prints how many files came out right, unknown (null where
the label has a value) and wrong (a value that differs from the label; an "ANONYMIZED" label
expects null), then lists every wrong value and every miss with its file, so a change to the
rules can be judged on real reports rather than on the samples alone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import click

from indexer.extraction.extract import build_record
from indexer.normalize import normalize
from indexer.records import Record

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "tests" / "data" / "real"
FIELDS = ("title", "town", "county", "province", "year", "headings", "subheadings")
_LOOSE = re.compile(r"[\s。.：:；;]+$|\s+")


def comparable(value: object) -> object:
    """Labels and values compared as a reader would: folded, spaces and end stops ignored."""
    if isinstance(value, str):
        return _LOOSE.sub("", normalize(value))
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


def extracted(record: Record, name: str) -> object:
    """The record's value for a labelled field; an empty outline level counts as unknown."""
    if name in ("headings", "subheadings"):
        level = 1 if name == "headings" else 2
        return [s.heading for s in record.sections if s.level == level] or None
    return getattr(record, name)


def expected(label: dict, name: str) -> object:
    value = label[name]
    if value == "ANONYMIZED":
        return None
    if name in ("headings", "subheadings"):
        return value or None
    return value


@dataclass
class Score:
    right: int = 0
    unknown: int = 0
    wrong: list[tuple[str, object, object]] = field(default_factory=list)
    missed: list[tuple[str, object]] = field(default_factory=list)

    def add(self, file: str, want: object, got: object) -> None:
        if comparable(want) == comparable(got):
            self.right += 1
        elif got is None:
            self.unknown += 1
            self.missed.append((file, want))
        else:
            self.wrong.append((file, want, got))


def score_folder(folder: Path) -> tuple[dict[str, Score], int]:
    """Per-field scores over every labelled file in `folder`, and the number of files."""
    labels = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    scores = {name: Score() for name in FIELDS}
    for label in labels:
        record = build_record(folder / label["file"], folder)
        for name in FIELDS:
            scores[name].add(label["file"], expected(label, name), extracted(record, name))
    return scores, len(labels)


@click.command()
@click.argument(
    "folder", required=False, type=click.Path(path_type=Path, file_okay=False, exists=True)
)
def main(folder: Path | None) -> None:
    """Print right / unknown / wrong per field, then each wrong value and each miss."""
    folder = folder or DEFAULT_FOLDER
    scores, total = score_folder(folder)
    click.echo(f"{'field':<12} {'right':>7} {'unknown':>8} {'wrong':>6}")
    for name, score in scores.items():
        click.echo(
            f"{name:<12} {score.right:>3}/{total:<3} {score.unknown:>8} {len(score.wrong):>6}"
        )
    for name, score in scores.items():
        for file, want, got in score.wrong:
            click.echo(f"WRONG  {name:<12} {file}: got {got!r}, label {want!r}")
        for file, want in score.missed:
            click.echo(f"MISS   {name:<12} {file}: label {want!r}")


if __name__ == "__main__":
    main()
