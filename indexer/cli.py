"""The `fazhi-index` command (also `python -m indexer`): a thin layer over the library."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .errors import ReportReadError
from .extract import build_record
from .records import CATEGORIES, METADATA_FIELDS, Record


@click.group()
def main() -> None:
    """Read township rule-of-law reports and keep a search index of them."""


@main.command()
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def inspect(file: Path, as_json: bool) -> None:
    """Print what extraction reads from FILE: metadata with evidence, outline, passages.

    Example: python -m indexer inspect archive/001_4f4078d4474eaf3c.txt --json
    """
    try:
        record = build_record(file)
    except ReportReadError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(record.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(summary(record))


def summary(record: Record) -> str:
    """The record as a person reads it: metadata with evidence, then the outline."""
    lines = [f"file:      {record.file}"]
    for name in METADATA_FIELDS:
        value = getattr(record, name)
        evidence = record.evidence.get(name)
        shown = "unknown" if value is None else str(value)
        if evidence and name != "title":
            shown += f"    ({evidence.source}: {evidence.phrase})"
        lines.append(f"{name + ':':<10} {shown}")
    if record.encoding:
        lines.append(f"encoding:  {record.encoding}")
    lines.extend(f"warning:   {warning}" for warning in record.warnings)
    lines.append(f"passages:  {len(record.passages)}")
    lines.append("outline:")
    for section in record.sections:
        names = ", ".join(CATEGORIES.get(c, c) for c in section.categories)
        lines.append(f"{'  ' * section.level}{section.heading}  [{names}]")
    return "\n".join(lines)
