"""The command line as cron and staff use it: output, JSON shape and exit statuses."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexer.cli import main

from .conftest import ARCHIVE, ROOT

SAMPLE = ARCHIVE / "001_4f4078d4474eaf3c.txt"


@pytest.fixture(scope="module")
def indexed(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(ARCHIVE, root / "archive")
    result = CliRunner().invoke(
        main, ["update", "--archive", str(root / "archive"), "--index", str(root / "index")]
    )
    assert result.exit_code == 0, result.output
    return root / "archive", root / "index"


def test_inspect_json_has_the_documented_keys():
    result = CliRunner().invoke(main, ["inspect", str(SAMPLE), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert {"file", "title", "town", "county", "province", "year", "sections", "evidence"} <= set(
        data
    )
    assert (data["town"], data["year"]) == ("玉湖镇", 2020)
    assert data["sections"][0] == {
        "heading": "一、加强组织领导，履行法治建设职责",
        "level": 1,
        "path": [],
        "categories": ["measures"],
        "start": data["sections"][0]["start"],
        "end": data["sections"][0]["end"],
    }
    assert data["evidence"]["year"]["source"] == "title"


def test_inspect_summary_is_readable():
    result = CliRunner().invoke(main, ["inspect", str(SAMPLE)])
    assert result.exit_code == 0
    assert "town:      玉湖镇    (title: 玉湖镇2020年度法治政府建设情况报告)" in result.output
    assert "  一、加强组织领导，履行法治建设职责  [主要举措和成效]" in result.output


def test_inspect_an_unreadable_file_fails_with_the_reason(tmp_path):
    broken = tmp_path / "坏.docx"
    broken.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 600)
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "inspect", str(broken)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "坏.docx" in result.stderr and "legacy Word .doc" in result.stderr


def test_update_reports_failures_and_exits_non_zero(tmp_path):
    archive = tmp_path / "archive"
    shutil.copytree(ARCHIVE, archive)
    (archive / "empty.txt").write_bytes(b"")
    args = ["update", "--archive", str(archive), "--index", str(tmp_path / "index")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "failed: empty.txt: empty file" in result.output
    assert result.output.strip().endswith(
        "5 added, 0 updated, 0 removed, 0 unchanged, 1 failed (full rebuild)"
    )
    (archive / "empty.txt").unlink()
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0
    assert again.output.strip().endswith("0 added, 0 updated, 0 removed, 5 unchanged, 0 failed")


def test_update_uses_the_environment_defaults(tmp_path, monkeypatch):
    shutil.copytree(ARCHIVE, tmp_path / "reports")
    monkeypatch.setenv("FAZHI_ARCHIVE", str(tmp_path / "reports"))
    monkeypatch.setenv("FAZHI_INDEX", str(tmp_path / "idx"))
    assert CliRunner().invoke(main, ["update"]).exit_code == 0
    assert (tmp_path / "idx" / "fazhi-meta.json").is_file()


def test_search_json(indexed):
    _, index = indexed
    result = CliRunner().invoke(main, ["search", "小事不出村", "--index", str(index), "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert (data["total_reports"], data["total_passages"]) == (1, 1)
    assert set(data["facets"]) == {"town", "county", "year", "category"}
    hit = data["results"][0]
    assert {k: hit[k] for k in ("file", "town", "county", "year")} == {
        "file": "003_5b3dbe9d7d935a55.txt",
        "town": "共和镇",
        "county": "湟中区",
        "year": 2024,
    }
    passage = hit["passages"][0]
    start, end = passage["highlights"][0]
    assert passage["text"][start:end] == "小事不出村"
    assert passage["categories"] == ["measures"]


def test_search_filters_from_the_command_line(indexed):
    _, index = indexed
    args = ["search", "--section", "problems", "--years", "2021-2021", "--json"]
    data = json.loads(CliRunner().invoke(main, [*args, "--index", str(index)]).output)
    assert {r["file"][:3] for r in data["results"]} == {"000", "002"}
    assert all(p["categories"] == ["problems"] for r in data["results"] for p in r["passages"])


def test_search_queries_file_prints_one_object_per_line(indexed, tmp_path):
    _, index = indexed
    queries = tmp_path / "q.txt"
    queries.write_text('信访\n"法律明白人"\n"不存在的词"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["search", "--queries", str(queries), "--index", str(index)])
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["terms"][0] for line in lines] == ["信访", "法律明白人", "不存在的词"]
    assert lines[2]["total_reports"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (['"小事不出村'], "引号不成对"),
        (["信访", "--year", "2021", "--years", "2020-2021"], "--year or --years"),
        (["信访", "--years", "2020"], "is not a span"),
        (["信访", "--sort", "town"], "Invalid value for '--sort'"),
    ],
)
def test_search_errors_are_messages_not_tracebacks(indexed, args, message):
    _, index = indexed
    result = CliRunner().invoke(main, ["search", *args, "--index", str(index)])
    assert result.exit_code in (1, 2)
    assert message in result.output
    assert "Traceback" not in result.output


def test_search_without_an_index_says_how_to_build_one(tmp_path):
    result = CliRunner().invoke(main, ["search", "信访", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "fazhi-index update --index" in result.output


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("fazhi-index")
    result = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "update" in result.stdout and "search" in result.stdout
