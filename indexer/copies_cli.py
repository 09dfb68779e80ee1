"""`fazhi-index copies`: the report pairs that share the most text, or one report's shared
sentences; the same answers as /copies and /api/copies (copies_query.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .copies import load_for
from .copies_query import PAIR_KINDS, PAIR_SORTS, Pair, list_pairs, report_copies
from .errors import IndexUnavailable
from .store import ArchiveIndex, default_index_dir, stored_record

NOT_COMPUTED = "copies not computed yet: the next `fazhi-index update` computes them"


@click.command("copies")
@click.argument("file", required=False)
@click.option("--county", default="", help="Pairs where either report is of this county.")
@click.option("--year", type=int, help="Pairs where either report is of this year.")
@click.option(
    "--kind",
    type=click.Choice(PAIR_KINDS[1:]),
    help="town: different towns only; year: a town and its previous year only.",
)
@click.option("--sort", type=click.Choice(PAIR_SORTS), default="share", show_default=True)
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--index", "index_dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print what /api/copies answers.")
def copies_command(
    file: str | None,
    county: str,
    year: int | None,
    kind: str | None,
    sort: str,
    limit: int,
    index_dir: Path | None,
    as_json: bool,
) -> None:
    """List the report pairs that share the most sentences (different towns, or a town and
    its previous year), or with FILE (as indexed, e.g. 2021/青山镇.docx) that report's
    sentences other reports hold too. Exit status 1 when the copies are not computed yet.

    \b
    Examples:
      fazhi-index copies --county 城口县 --year 2021
      fazhi-index copies 2021/青山镇.docx --json
    """
    archive_index = ArchiveIndex(index_dir or default_index_dir())
    try:
        with archive_index.snapshot() as snapshot:
            copies = load_for(snapshot.text)
            if copies is None:
                raise click.ClickException(NOT_COMPUTED)
            if file is None:
                found = list_pairs(
                    copies, snapshot.text, county, year, kind or "", sort, limit=limit
                )
                click.echo(
                    json.dumps({"computed": True, **found.to_json()}, ensure_ascii=False, indent=2)
                    if as_json
                    else "\n".join([f"pairs: {found.total}", *map(_pair_line, found.pairs)])
                )
                return
            stored = stored_record(snapshot.searcher, file)
            report = report_copies(copies, snapshot.text, file)
            if stored is None or report is None:
                raise click.ClickException(f"{file}: not in the index")
    except IndexUnavailable as error:
        raise click.ClickException(str(error)) from error
    finally:
        archive_index.close()
    texts = [passage["text"] for passage in stored["passages"]]
    if as_json:
        click.echo(
            json.dumps(
                {"file": file, "computed": True, **report.to_json(texts)},
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    for passage in report.passages:
        for sentence in passage.sentences:
            where = "common wording" if sentence.common else "also in"
            click.echo(
                f"§{passage.position} [{where} {sentence.reports - 1} other report(s)] "
                f"{texts[passage.position][sentence.begin : sentence.end]}"
            )
    click.echo("\n".join(_pair_line(pair) for pair in report.pairs))


def _pair_line(pair: Pair) -> str:
    def name(ref) -> str:
        return " ".join(str(v) for v in (ref.county, ref.town, ref.year) if v) or ref.file

    return (
        f"{pair.share_a:4.0%} {pair.share_b:4.0%}  {pair.sentences:3d} sentences  {pair.kind:13}  "
        f"{name(pair.a)} ({pair.a.file})  ↔  {name(pair.b)} ({pair.b.file})"
    )
