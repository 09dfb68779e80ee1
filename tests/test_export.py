"""Export: search results and comparisons as .docx, .csv and .xlsx, opened again and checked.

The files are written by the web app (and the CLI) from the real index of the web tests'
archive, then read back with python-docx, openpyxl and csv: the passages are the API's, in
its order, and the bold runs are exactly the matches.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from urllib.parse import quote, unquote

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from indexer import SearchRequest, search
from indexer.cli import main
from indexer.export import (
    COLUMNS,
    EXCEL_CELL_CHARS,
    Export,
    ExportPassage,
    file_name,
    headings_to_show,
    to_csv,
    to_docx,
    to_xlsx,
)
from indexer.export_sources import search_export
from tests.conftest import WEB_WORD

QUERY = f"{WEB_WORD} OR 普法"


def _api_passages(client, query: str) -> list[tuple]:
    """(file, section, text, matched strings) of every passage the API shows, in order."""
    data = client.get(f"/api/search?{query}").get_json()
    assert data["total_reports"] <= 100  # the page size below covers them
    rows = []
    for hit in data["results"]:
        for p in sorted(hit["passages"], key=lambda p: p["position"]):
            rows.append(
                (hit["file"], p["section"], p["text"], [p["text"][s:e] for s, e in p["highlights"]])
            )
    return rows


def _search_passages(archive_index, **request) -> list[tuple]:
    """The same, from the search with every matching passage of every report."""
    results = search(archive_index, SearchRequest(limit=100, passages_per_report=30, **request))
    return [
        (hit.file, p.section, p.text, [p.text[s:e] for s, e in p.highlights])
        for hit in results.results
        for p in sorted(hit.passages, key=lambda p: p.position)
    ]


def _docx_passages(data: bytes) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """The report headings, and each passage paragraph's text with its bold runs."""
    document = docx.Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    body = []
    for paragraph in document.paragraphs:
        runs = paragraph.runs
        if paragraph.style.name != "Normal" or not runs or runs[0].italic or runs[0].font.size:
            continue  # headings, the note, the place lines, section paths
        body.append((paragraph.text, [r.text for r in runs if r.bold]))
    return headings, body


def test_a_search_as_docx_holds_every_matching_passage_with_its_matches_bold(client, archive_index):
    response = client.get(f"/export/search.docx?q={quote(QUERY)}")
    assert response.status_code == 200
    assert response.content_type.startswith("application/vnd.openxmlformats")
    headings, body = _docx_passages(response.data)
    expected = _search_passages(archive_index, query=QUERY)
    assert len(expected) > 10
    assert [(text, bold) for _, _, text, bold in expected] == body
    assert all(bold for _, bold in body)  # every passage exported holds a match
    results = search(archive_index, SearchRequest(query=QUERY, limit=100))
    assert headings == [hit.title or hit.file for hit in results.results]
    document = docx.Document(io.BytesIO(response.data))
    assert document.paragraphs[0].text == f"检索“{QUERY}”"
    assert f"共 {results.total_reports} 份报告" in document.paragraphs[1].text


def test_the_csv_rows_are_the_searchs_passages_and_hold_the_apis(client, archive_index):
    query = f"q={quote(WEB_WORD)}"
    response = client.get(f"/export/search.csv?{query}")
    assert response.data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == [f"检索“{WEB_WORD}”"]
    assert rows[1][0].startswith("共 ")
    assert rows[2] == COLUMNS
    exported = [(r[0], r[5].split(" › ") if r[5] else [], r[6], r[7]) for r in rows[3:]]
    expected = _search_passages(archive_index, query=WEB_WORD)
    assert exported == [(f, s, t, "、".join(dict.fromkeys(m))) for f, s, t, m in expected]
    # the API shows each report's best three: all of them are exported, in report order
    api = _api_passages(client, query)
    assert [row for row in expected if row in api] == api
    data = client.get(f"/api/search?{query}").get_json()
    first = data["results"][0]
    metadata = [first["title"] or "", first["town"] or "", first["county"] or ""]
    assert rows[3][1:5] == [*metadata, str(first["year"] or "")]


def test_the_xlsx_rows_are_the_searchs_passages_with_bold_matches(client, archive_index):
    query = f"q={quote(WEB_WORD)}&county={quote('城口')}"
    response = client.get(f"/export/search.xlsx?{query}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), rich_text=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"检索“{WEB_WORD}” · 县：城口"
    assert list(rows[2]) == COLUMNS
    api = _search_passages(archive_index, query=WEB_WORD, county="城口")
    assert len(api) >= 3
    assert len(rows) == 3 + len(api)
    for row, (file, section, text, matches) in zip(rows[3:], api, strict=True):
        assert row[0] == file and row[5] == " › ".join(section)
        cell = row[6]  # rich text: plain strings and bold blocks
        assert str(cell) == text
        assert [b.text for b in cell if not isinstance(b, str) and b.font.b] == matches


def test_a_comparison_exports_every_report_and_names_a_missing_part(client):
    query = "section=problems&county=城口县&q=法治"
    api = client.get(f"/api/compare?{query}").get_json()
    expected = []
    for report in api["reports"]:
        expected += [(report["file"], p["text"]) for p in report["passages"]]
        if not report["has_section"]:
            expected.append((report["file"], "（本报告没有“存在的不足和原因”部分）"))
    csv_rows = list(
        csv.reader(io.StringIO(client.get(f"/export/compare.csv?{query}").data.decode("utf-8-sig")))
    )
    assert csv_rows[0] == ["对比“存在的不足和原因” · 县：城口县 · 标出“法治”"]
    assert [(r[0], r[6]) for r in csv_rows[3:]] == expected
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/export/compare.xlsx?{query}").data)
    ).active
    assert [(r[0], r[6]) for r in sheet.iter_rows(min_row=4, values_only=True)] == expected
    _, body = _docx_passages(client.get(f"/export/compare.docx?{query}").data)
    assert [text for text, _ in body] == [text for _, text in expected]
    for text, bold in body:
        assert bold == ["法治"] * text.count("法治")


def test_the_file_name_is_chinese_with_an_ascii_fallback(client):
    response = client.get(f"/export/search.docx?q={quote(WEB_WORD)}&year_from=2019&year_to=2021")
    disposition = response.headers["Content-Disposition"]
    plain, encoded = disposition.split("; filename*=")
    assert plain == 'attachment; filename="fazhi-search.docx"'
    assert encoded.startswith("UTF-8''")
    assert unquote(encoded.removeprefix("UTF-8''")) == f"检索“{WEB_WORD}”_2019–2021 年.docx"
    assert disposition.isascii()
    compared = client.get("/export/compare.xlsx?section=plans&town=青山镇")
    assert 'filename="fazhi-compare.xlsx"' in compared.headers["Content-Disposition"]
    name = unquote(compared.headers["Content-Disposition"].split("UTF-8''")[1])
    assert name == "对比“下一年度主要安排”_镇：青山镇.xlsx"


@pytest.mark.parametrize(
    "heading",
    ['检索“a/b\\c:d*e?f"g<h>i|j”', "..", " · ", "检索" * 100, "\x00\x1f"],
)
def test_file_names_are_safe_everywhere(heading):
    name = file_name(heading, "csv")
    stem = name.removesuffix(".csv")
    assert stem and len(stem) <= 60
    assert not set(stem) & set('/\\:*?"<>|\x00\x1f') and not stem.startswith(".")


def test_a_large_search_is_cut_and_the_file_says_so(client, monkeypatch):
    monkeypatch.setattr("indexer.export_sources.MAX_EXPORT_REPORTS", 3)
    rows = list(
        csv.reader(io.StringIO(client.get("/export/search.csv?q=法治").data.decode("utf-8-sig")))
    )
    note = rows[1][0]
    assert "导出 3 份" in note and "导出已截断：最多导出 3 份报告" in note
    assert len({r[0] for r in rows[3:]}) == 3
    monkeypatch.setattr("indexer.export_sources.MAX_EXPORT_PASSAGES", 4)
    rows = list(
        csv.reader(io.StringIO(client.get("/export/search.csv?q=法治").data.decode("utf-8-sig")))
    )
    assert len(rows) == 3 + 4 and "导出已截断" in rows[1][0]


def test_the_passages_of_a_report_are_bounded_and_that_is_said(client, monkeypatch):
    monkeypatch.setattr("indexer.export_sources.MAX_EXPORT_PASSAGES_PER_REPORT", 1)
    rows = list(
        csv.reader(io.StringIO(client.get("/export/search.csv?q=法治").data.decode("utf-8-sig")))
    )
    files = [r[0] for r in rows[3:]]
    assert len(files) == len(set(files))
    assert "每份报告最多导出 1 个段落" in rows[1][0]


def test_search_export_follows_the_search_order_over_several_pages(archive_index, monkeypatch):
    monkeypatch.setattr("indexer.export_sources.MAX_RESULTS", 7)  # pages of 7 reports
    export = search_export(archive_index, SearchRequest(query="法治", sort="year"))
    files = list(dict.fromkeys(p.file for p in export.passages))
    results = search(archive_index, SearchRequest(query="法治", sort="year", limit=100))
    assert files == [hit.file for hit in results.results]


HOSTILE = Export(
    heading='=HYPERLINK("http://x")',
    note="-1+1",
    passages=[
        ExportPassage(
            "a.txt", "=1+1", "@镇", None, None, ["+一、"], "=SUM(A1) 法治\x07段", [(9, 11)]
        ),
        ExportPassage(
            "a.txt", "=1+1", "@镇", None, None, [], "长" * 40_000, [(0, 1), (39_990, 39_991)]
        ),
    ],
)


def test_text_a_spreadsheet_would_run_stays_text():
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(HOSTILE))).active
    assert sheet["A1"].value == '=HYPERLINK("http://x")' and sheet["A1"].data_type == "s"
    assert sheet["B4"].data_type == "s" and sheet["B4"].value == "=1+1"
    assert sheet["G4"].value == "=SUM(A1) 法治\ufffd段"  # the control character replaced
    long_cell = sheet["G5"].value
    assert len(long_cell) <= EXCEL_CELL_CHARS and long_cell.endswith("已截断）")
    rows = list(csv.reader(io.StringIO(to_csv(HOSTILE).decode("utf-8-sig"))))
    assert rows[0] == ['\'=HYPERLINK("http://x")'] and rows[1] == ["'-1+1"]
    assert rows[3][1:3] == ["'=1+1", "'@镇"] and rows[3][5] == "'+一、"
    assert rows[3][7] == "法治"
    document = docx.Document(io.BytesIO(to_docx(HOSTILE)))
    texts = [p.text for p in document.paragraphs]
    assert "=SUM(A1) 法治\ufffd段" in texts
    bold = [r.text for p in document.paragraphs for r in p.runs if r.bold]
    assert bold == ["法治", "长", "长"]


def test_unknown_formats_and_unreadable_searches_are_clear_errors(client):
    assert client.get("/export/search.pdf?q=法治").status_code == 404
    assert "只有 .docx、.csv 和 .xlsx" in client.get("/export/compare.exe?section=x").data.decode()
    empty = client.get("/export/search.docx")
    assert empty.status_code == 400 and "无法导出" in empty.data.decode()
    unreadable = client.get("/export/search.xlsx?q=%22open")
    assert unreadable.status_code == 400 and "引号" in unreadable.data.decode()
    assert client.get("/export/compare.csv?section=problems&year_from=x").status_code == 400


def test_the_search_page_links_its_exports(client):
    import lxml.html

    html = lxml.html.fromstring(client.get(f"/?q={quote(WEB_WORD)}&page=2&sort=year").data)
    links = html.xpath("//p[@class='exports']/a[@download]/@href")
    assert [link.split("?")[0] for link in links] == [
        "/export/search.docx",
        "/export/search.xlsx",
        "/export/search.csv",
    ]
    assert all("sort=year" in link and "page=" not in link for link in links)
    assert client.get(links[2]).status_code == 200
    nothing = lxml.html.fromstring(client.get("/?q=没有这样的字句qqq").data)
    assert not nothing.xpath("//p[@class='exports']")


def test_the_cli_exports_a_search_and_a_comparison(web_archive, tmp_path, client):
    _, index = web_archive
    runner = CliRunner()
    target = tmp_path / "检索.xlsx"
    result = runner.invoke(
        main, ["search", WEB_WORD, "--export", str(target), "--index", str(index)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {target}: 共 ")
    web = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/export/search.xlsx?q={quote(WEB_WORD)}").data)
    ).active
    cli = openpyxl.load_workbook(target).active
    assert list(cli.iter_rows(values_only=True)) == list(web.iter_rows(values_only=True))
    compared = tmp_path / "对比.docx"
    result = runner.invoke(
        main,
        ["compare", "--section", "problems", "--town", "青山镇", "--export", str(compared)]
        + ["--index", str(index)],
    )
    assert result.exit_code == 0, result.output
    _, body = _docx_passages(compared.read_bytes())
    assert "基层法治力量薄弱。" in [text for text, _ in body]
    unwritable = runner.invoke(
        main,
        ["search", WEB_WORD, "--export", str(tmp_path / "no" / "x.csv"), "--index", str(index)],
    )
    assert unwritable.exit_code == 1 and "No such file" in unwritable.output


def test_each_heading_is_printed_once_above_its_passages():
    part, sub = "四、存在问题及原因", "（一）理论学习不够积极主动"
    passages = [
        ([part], part),  # the heading alone
        ([part, sub], sub),  # a subheading alone: its part is already read
        ([part, sub], "部分干部对于习近平法治思想理解不深。"),
        ([part, sub], "法治工作力量较薄弱。"),
        (["五、下一步打算", "（一）加强学习"], "组织集中学法。"),  # nothing read yet
    ]
    assert headings_to_show(passages) == [[], [], [], [], ["五、下一步打算", "（一）加强学习"]]
    assert headings_to_show([([part, sub], "部分干部理解不深。")]) == [[part, sub]]


def test_the_speed_script_times_compare_and_every_format(web_archive):
    """bench/export_speed.py runs (the README quotes its figures)."""
    _, index = web_archive
    done = subprocess.run(
        [sys.executable, "-m", "bench.export_speed", "--index", str(index), "--repeat", "1"],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    lines = done.stdout.splitlines()
    assert lines[0].startswith("index: ") and len(lines) == 7
    assert lines[1].startswith("compare problems, county ")
    assert [line.split(":")[0] for line in lines[4:]] == [
        "write .docx",
        "write .xlsx",
        "write .csv",
    ]
