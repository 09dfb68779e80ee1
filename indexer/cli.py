"""The `fazhi-index` command (also `python -m indexer`): a thin layer over the library.

Each command calls one library function and turns its errors into a message and an exit
status: 0 success, 1 a file failed or a query could not be read, 2 bad usage. No input
shows a traceback: an error nobody foresaw is one line naming it (FAZHI_DEBUG=1 shows the
traceback).
"""

from __future__ import annotations

import codecs
import json
import os
import string
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

import click
from tqdm import tqdm

from . import folder_view
from .archive import archive_files, scan_archive
from .compare import COMPARE_SORTS, CompareRequest, Comparison, compare, town_values
from .copies_cli import copies_command
from .errors import DiskFull, IndexUnavailable, QueryError, ReportReadError, UpdateInProgress
from .export import FORMATS, Export, write
from .export_sources import MAX_EXPORT_REPORTS, comparison_export, search_export
from .extraction.extract import build_record
from .query_plan import TIER_NAMES
from .records import METADATA_FIELDS, Record
from .search import SORTS, SearchRequest, SearchResults, search
from .status import record_failed_run
from .store import (
    ARCHIVE_ENV,
    INDEX_ENV,
    ArchiveIndex,
    default_archive_dir,
    default_index_dir,
)
from .timeline import TownAmbiguous, TownError, TownNotFound, town_view
from .town_export import town_export
from .town_text import render_town
from .update import UpdateSummary, optimize_index, update_index
from .vocabulary import CATEGORIES, MAX_RESULTS, SECTION_SEPARATOR

INDEX_HELP = f"Index folder (default: ${INDEX_ENV} or var/index)."
index_option = click.option(
    "--index", "index_dir", type=click.Path(path_type=Path, file_okay=False), help=INDEX_HELP
)


def export_option(what: str) -> Callable:
    """`--export FILE`: write `what` to a .docx, .csv or .xlsx file instead of printing it."""
    return click.option(
        "--export",
        "export_file",
        type=click.Path(path_type=Path, dir_okay=False),
        help=f"Write {what} to this .docx, .csv or .xlsx file instead of printing it.",
    )


class _Main(click.Group):
    """The command group, turning an unforeseen error into one line instead of a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, EOFError):
            raise
        except Exception as error:
            if os.environ.get("FAZHI_DEBUG"):
                raise
            raise click.ClickException(unexpected(error)) from error


def unexpected(error: Exception) -> str:
    return (
        f"unexpected error: {type(error).__name__}: {error} "
        "(please report it; FAZHI_DEBUG=1 shows the traceback)"
    )


class _SearchCommand(click.Command):
    """`search`, reading '-禁毒 普法' as its query where click would see the options -禁 -毒.

    An argument of a dash and a character that is neither an ASCII letter nor a dash cannot
    be an option: it is moved behind a `--`, so it works wherever it stands.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" not in args:
            valued = {
                name
                for param in self.params
                if isinstance(param, click.Option) and not param.is_flag
                for name in param.opts
            }
            words = [
                i
                for i, arg in enumerate(args)
                if _dash_query(arg) and not (i and args[i - 1] in valued)
            ]
            if words:
                rest = [arg for i, arg in enumerate(args) if i not in words]
                args = [*rest, "--", *(args[i] for i in words)]
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as error:
            if error.option_name.startswith("--"):
                raise
            hint = "A query that starts with - goes after --: fazhi-index search -- '-word other'"
            raise click.NoSuchOption(
                error.option_name, f"{error.message} {hint}", error.possibilities, ctx
            ) from error


def _dash_query(arg: str) -> bool:
    """-禁毒, -"法治 宣传", -2021: a dash the options -a, --all never start with."""
    return len(arg) > 1 and arg[0] == "-" and arg[1] not in string.ascii_letters + "-"


def _utf8(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Reject text that was not UTF-8 on the command line (Python keeps its bytes as surrogates)."""
    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise click.BadParameter(
                f"not UTF-8 text ({value.encode('utf-8', 'surrogateescape')!r}); "
                "check the terminal's encoding"
            ) from error
    return value


@click.group(cls=_Main)
def main() -> None:
    """Read township rule-of-law reports and keep a search index of them."""


main.add_command(copies_command)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (a line per report of a folder).")
def inspect(file: Path, as_json: bool) -> None:
    """Print what extraction reads from FILE: metadata with evidence, outline, passages.

    On a folder, one row per report (file, title, town, county, year, sections, warnings);
    with --json, one JSON object per line. Unreadable files are named on stderr (exit 1).

    Example: python -m indexer inspect archive/001_4f4078d4474eaf3c.txt --json
    """
    if file.is_dir():
        _inspect_folder(file, as_json)
        return
    try:
        record = build_record(file)
    except ReportReadError as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        click.echo(json.dumps(record.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(summary(record))


def _inspect_folder(folder: Path, as_json: bool) -> None:
    scan = scan_archive(folder)
    failed = [f"{name}: {reason}" for name, reason in scan.refused]
    rows = []
    for path in scan.files.values():
        try:
            rows.append(folder_view.row(build_record(path, folder)))
        except ReportReadError as error:
            failed.append(str(error))
    if as_json:
        for item in rows:
            click.echo(json.dumps(item, ensure_ascii=False))
    else:
        click.echo(folder_view.table(rows))
    for message in failed:
        click.echo(f"failed: {message}", err=True)
    if failed:
        raise click.exceptions.Exit(1)


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


@main.command()
@click.option(
    "--archive",
    type=click.Path(path_type=Path, file_okay=False),
    help=f"Folder of reports (default: ${ARCHIVE_ENV} or archive).",
)
@index_option
@click.option("--full", is_flag=True, help="Rebuild from scratch instead of updating.")
@click.option(
    "--verify",
    is_flag=True,
    help="Read every report, not only those whose size, mtime, inode or ctime changed, and "
    "check every index file's checksum, not only its size (weekly, e.g. from cron).",
)
def update(archive: Path | None, index_dir: Path | None, full: bool, verify: bool) -> None:
    """Bring the index up to date with the archive folder; safe to run from cron.

    New files are added, changed ones re-indexed, deleted ones removed. A file whose stat is
    unchanged since the last update read it is not read again (--verify reads them all). A
    file that cannot be read is reported and skipped (exit status 1); the others are still
    indexed.

    Example: fazhi-index update --archive /srv/reports --index /srv/fazhi-index
    """
    archive = archive or default_archive_dir()
    index_dir = index_dir or default_index_dir()
    interactive = sys.stderr.isatty()
    try:
        total = len(archive_files(archive)) if interactive else None
    except FileNotFoundError as error:
        raise click.ClickException(str(error)) from error
    bar = tqdm(desc="indexing", total=total, unit="file", disable=not interactive, file=sys.stderr)

    def progress(name: str, outcome: str) -> None:
        bar.update(1)
        if not interactive and outcome != "unchanged":
            click.echo(f"{outcome}: {name}", err=True)

    try:
        with bar:
            result = update_index(archive, index_dir, full=full, progress=progress, verify=verify)
    except UpdateInProgress as error:
        raise click.ClickException(str(error)) from error
    except (DiskFull, FileNotFoundError) as error:
        record_failed_run(index_dir, str(error))  # the overview says so until a run succeeds
        raise click.ClickException(str(error)) from error
    except Exception as error:
        record_failed_run(index_dir, unexpected(error))
        raise
    _print_update_summary(result)
    if result.failed:
        sys.exit(1)


@main.command()
@index_option
def optimize(index_dir: Path | None) -> None:
    """Merge the text index's segments down to the fewest the size cap allows.

    Updates merge segments as they go (a tiered policy); this merges the rest, e.g. after a
    large re-index. Searches go on meanwhile; it takes the update lock. Prints each merge.

    Example: fazhi-index optimize --index /srv/fazhi-index
    """
    index_dir = index_dir or default_index_dir()
    try:
        lines = optimize_index(index_dir)
    except (UpdateInProgress, DiskFull, IndexUnavailable) as error:
        raise click.ClickException(str(error)) from error
    for line in lines:
        click.echo(line)


def _print_update_summary(result: UpdateSummary) -> None:
    for name, reason in result.failed:
        click.echo(f"failed: {name}: {reason}", err=True)
    for repair in result.repairs:
        click.echo(f"repaired: {repair}", err=True)
    click.echo(result.line())


@main.command("search", cls=_SearchCommand)
@click.argument("query", required=False, default="")
@click.option("--town", callback=_utf8, help="Town, or the start of its name (庙坝).")
@click.option("--county", callback=_utf8, help="County or district, or the start of its name.")
@click.option("--year", type=int, help="Only reports on this year.")
@click.option("--years", metavar="A-B", help="Only reports on years A to B (2019-2021).")
@click.option(
    "--section", callback=_utf8, help="A part (problems, 问题不足, plans…) or words of a heading."
)
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_RESULTS),
    default=10,
    show_default=True,
    help="Reports to show.",
)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option(
    "--export",
    "export_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the results to this .docx, .csv or .xlsx file instead of printing them: "
    f"the search's first {MAX_EXPORT_REPORTS} reports (--limit does not apply), each with "
    "its matching passages.",
)
@click.option(
    "--queries",
    type=click.File("rb"),
    help="Run one query per line of this UTF-8 file (- for standard input); prints one JSON "
    "object per line, an error object for a line that cannot be read.",
)
def search_command(
    query: str,
    town: str | None,
    county: str | None,
    year: int | None,
    years: str | None,
    section: str | None,
    sort: str,
    limit: int,
    index_dir: Path | None,
    as_json: bool,
    export_file: Path | None,
    queries: BinaryIO | None,
) -> None:
    """Search the index: reports holding the query as typed first (完全匹配), then those
    holding all its words (包含全部词语), then most of them (包含部分词语); quoted phrases
    are always matched as written. See the README for the syntax and the --json fields.

    \b
    Examples:
      fazhi-index search 小事不出村
      fazhi-index search 如何加强基层普法宣传
      fazhi-index search '扫黑除恶 宣传 -禁毒' --years 2020-2022 --json
      fazhi-index search --section problems --year 2021
      fazhi-index search 矛盾纠纷 --county 城口县 --export 矛盾纠纷.docx
    """
    year_from, year_to = _year_span(year, years)
    request = SearchRequest(
        query=query,
        town=town,
        county=county,
        year_from=year_from,
        year_to=year_to,
        section=section,
        sort=sort,
        limit=limit,
    )
    archive_index = ArchiveIndex(index_dir or default_index_dir())
    try:
        if queries and export_file:
            raise click.UsageError("use --export or --queries, not both")
        if queries:
            if _run_batch(archive_index, request, queries):
                sys.exit(1)
            return
        if export_file:
            extension = _export_extension(export_file)
            try:
                _write_export(search_export(archive_index, request), export_file, extension)
            except (QueryError, IndexUnavailable) as error:
                raise click.ClickException(str(error)) from error
            return
        try:
            results = _run(archive_index, request)
        except QueryError as error:
            raise click.ClickException(str(error)) from error
        click.echo(
            json.dumps(results.to_json(), ensure_ascii=False, indent=2)
            if as_json
            else render(results)
        )
    finally:
        archive_index.close()


def _run_batch(archive_index: ArchiveIndex, request: SearchRequest, lines: Iterable[bytes]) -> int:
    """One JSON line per query line; returns how many lines failed.

    A line that is not UTF-8 or not a readable query gets {"line", "query", "error"} and the
    batch goes on: one typo must not cost the other queries their results.
    """
    failed = 0
    for number, raw in enumerate(lines, 1):
        raw = raw.rstrip(b"\r\n")
        if number == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        try:
            output = _run(archive_index, replace(request, query=_line_query(raw))).to_json()
        except QueryError as error:
            failed += 1
            query = raw.decode("utf-8", "replace")
            output = {"line": number, "query": query, "error": str(error)}
        click.echo(json.dumps(output, ensure_ascii=False))
    return failed


def _line_query(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"第 {error.start + 1} 个字节起不是 UTF-8 文本，请把文件存为 UTF-8。"
        raise QueryError(reason) from error


def _run(archive_index: ArchiveIndex, request: SearchRequest) -> SearchResults:
    """Search; an index that cannot be opened stops the command with its message."""
    try:
        return search(archive_index, request)
    except IndexUnavailable as error:
        raise click.ClickException(str(error)) from error


def _year_span(year: int | None, years: str | None) -> tuple[int | None, int | None]:
    if year is not None and years:
        raise click.UsageError("use --year or --years, not both")
    if year is not None:
        return year, year
    if not years:
        return None, None
    first, sep, last = years.partition("-")
    if not (sep and first.strip().isdigit() and last.strip().isdigit()):
        raise click.BadParameter(f"{years!r} is not a span like 2019-2021", param_hint="--years")
    return int(first), int(last)


def render(results: SearchResults) -> str:
    """Results as text: what the search made of the query, then each report with its tier
    and its best passages, the matches in 【】."""
    lines = [f"matching reports: {results.total_reports}, passages: {results.total_passages}"]
    if results.searched_instead:
        lines.append(f"nothing found as typed; showing the results of: {results.searched_instead}")
    if results.inexact:
        counts = ", ".join(f"{t.name} {t.reports}" for t in results.tiers)
        lines.append(f"tiers: {counts} (包含部分词语: at least {results.needed} words)")
        words = " ".join(results.words)
        ignored = f"; not counted: {' '.join(results.ignored)}" if results.ignored else ""
        lines.append(f"words: {words}{ignored}")
    for word, alternatives in results.also_searched.items():
        lines.append(f"also searched: {word} → {' '.join(alternatives)}")
    if results.absent:
        lines.append(f"found nowhere: {' '.join(results.absent)}")
    for word, nearest in results.suggestions.items():
        lines.append(f"did you mean: {word} → {' '.join(nearest)}")
    for hit in results.results:
        where = " ".join(str(v) for v in (hit.county, hit.town, hit.year) if v)
        tier = f"  [{TIER_NAMES[hit.tier]}]" if hit.tier and results.inexact else ""
        missing = f" (missing: {' '.join(hit.missing)})" if hit.missing else ""
        lines.append(f"\n{hit.title or hit.file}  [{where}]  {hit.file}{tier}{missing}")
        for passage in hit.passages:
            lines.append("  § " + (SECTION_SEPARATOR.join(passage.section) or "(开头)"))
            lines.append("    " + _marked(passage.text, passage.highlights))
    return "\n".join(lines)


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], "【", text[start:end], "】"]
        last = end
    return "".join([*out, text[last:]])


@main.command("compare")
@click.option(
    "--section",
    required=True,
    callback=_utf8,
    help="The part to compare (problems, 存在的不足和原因, plans…) or words of a heading.",
)
@click.option(
    "--town",
    "towns",
    multiple=True,
    callback=lambda ctx, param, values: tuple(_utf8(ctx, param, v) for v in values),
    help="A town or the start of its name; repeat it (or list several: 青山镇,白石镇).",
)
@click.option("--county", callback=_utf8, help="County or district, or the start of its name.")
@click.option("--year", type=int, help="Only reports on this year.")
@click.option("--years", metavar="A-B", help="Only reports on years A to B (2019-2021).")
@click.option("--query", default="", callback=_utf8, help="Words to mark (【】) and count.")
@click.option(
    "--sort",
    type=click.Choice(COMPARE_SORTS),
    default="town",
    show_default=True,
    help="By town then year, or by year then town.",
)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (as /api/compare).")
@export_option("the comparison")
def compare_command(
    section: str,
    towns: tuple[str, ...],
    county: str | None,
    year: int | None,
    years: str | None,
    query: str,
    sort: str,
    index_dir: Path | None,
    as_json: bool,
    export_file: Path | None,
) -> None:
    """One part of every report in scope, report by report: how a county collects each
    town's 存在的不足 for its summary. A report without that part says so. A comparison
    is cut at 120 reports, and says so.

    \b
    Examples:
      fazhi-index compare --section problems --county 城口县 --year 2021
      fazhi-index compare --section 问题不足 --town 青山镇 --town 白石镇 --years 2019-2021
      fazhi-index compare --section plans --county 城口县 --export 打算.xlsx
    """
    extension = _export_extension(export_file) if export_file else None
    year_from, year_to = _year_span(year, years)
    request = CompareRequest(
        section=section,
        towns=town_values(list(towns)),
        county=county,
        year_from=year_from,
        year_to=year_to,
        query=query,
        sort=sort,
    )
    archive_index = ArchiveIndex(index_dir or default_index_dir())
    try:
        comparison = compare(archive_index, request)
    except (QueryError, IndexUnavailable) as error:
        raise click.ClickException(str(error)) from error
    finally:
        archive_index.close()
    if export_file and extension:
        _write_export(comparison_export(comparison, request), export_file, extension)
    elif as_json:
        click.echo(json.dumps(comparison.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_comparison(comparison))


def render_comparison(comparison: Comparison) -> str:
    """Each report's part as text, the query's matches in 【】."""
    lines = [f"section: {comparison.section}; reports: {comparison.total_reports}"]
    if comparison.cut:
        lines.append(f"cut: only the first {len(comparison.reports)} reports are shown")
    for report in comparison.reports:
        where = " ".join(str(v) for v in (report.county, report.town, report.year) if v)
        matches = f"  ({report.matches} matches)" if report.matches else ""
        lines.append(f"\n== {where or 'unknown'}  {report.file}{matches}")
        if not report.has_section:
            lines.append(f"  (no {comparison.section} section)")
        shown = None
        for passage in report.passages:
            if passage.section != shown:
                lines.append("  § " + (SECTION_SEPARATOR.join(passage.section) or "(开头)"))
                shown = passage.section
            lines.append("    " + _marked(passage.text, passage.highlights))
    return "\n".join(lines)


def _export_extension(path: Path) -> str:
    extension = path.suffix.lower().lstrip(".")
    if extension not in FORMATS:
        raise click.BadParameter(
            f"{path.name}: the file must end in .docx, .csv or .xlsx", param_hint="--export"
        )
    return extension


def _write_export(export: Export, path: Path, extension: str) -> None:
    try:
        path.write_bytes(write(export, extension))
    except OSError as error:
        raise click.ClickException(f"{path}: {error.strerror or error}") from error
    click.echo(f"wrote {path}: {export.note}")


@main.command("town")
@click.argument("name", callback=_utf8)
@click.option("--county", callback=_utf8, help="The town's county, when the name is in several.")
@click.option(
    "--years",
    type=int,
    nargs=2,
    metavar="OLD NEW",
    help="The two years to compare (default: the town's last two).",
)
@click.option(
    "--plans",
    "plan_year",
    type=int,
    metavar="YEAR",
    help="Check this year's plans against the next year's report (default: see the README).",
)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (as /api/town).")
@export_option("the view")
def town_command(
    name: str,
    county: str | None,
    years: tuple[int, int] | None,
    plan_year: int | None,
    index_dir: Path | None,
    as_json: bool,
    export_file: Path | None,
) -> None:
    """One town across years: its reports year by year, two years compared sentence by
    sentence, and one year's plans against the next year's measures.

    \b
    Examples:
      fazhi-index town 青山镇
      fazhi-index town 青山镇 --county 城口县 --years 2021 2022 --json
      fazhi-index town 青山镇 --county 城口县 --export 青山镇.docx
    """
    extension = _export_extension(export_file) if export_file else None
    archive_index = ArchiveIndex(index_dir or default_index_dir())
    try:
        view = town_view(archive_index, name, county, years or None, plan_year)
    except TownNotFound as error:
        near = "; ".join(f"{c.town} ({c.county or '?'}, {c.reports})" for c in error.nearest)
        raise click.ClickException(f"{error} nearest: {near or 'none'}") from error
    except TownAmbiguous as error:
        choices = ", ".join(f"--county {c.county}" for c in error.choices)
        raise click.ClickException(f"{error} ({choices})") from error
    except (TownError, IndexUnavailable) as error:
        raise click.ClickException(str(error)) from error
    finally:
        archive_index.close()
    if export_file and extension:
        _write_export(town_export(view), export_file, extension)
    elif as_json:
        click.echo(json.dumps(view.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(render_town(view))
