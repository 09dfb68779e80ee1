"""Bad input on the command line gets a message, never a traceback (issue 14, row 11).

Invalid UTF-8 in an argument, a `--queries` file with a bad line or bytes that are not UTF-8,
a query that starts with a dash: each through click's CliRunner, and the argv bytes through
the installed `fazhi-index` as a shell would pass them.
"""

from __future__ import annotations

import codecs
import json
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from indexer.cli import _Main, main

from .conftest import ARCHIVE

SCRIPT = Path(sys.executable).with_name("fazhi-index")
NOT_UTF8 = b"\xff\xfe\xc7\xe0"  # GBK 青 after two bytes no encoding starts with


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-errors")
    shutil.copytree(ARCHIVE, root / "archive")
    args = ["update", "--archive", str(root / "archive"), "--index", str(root / "index")]
    assert CliRunner().invoke(main, args).exit_code == 0
    return root / "index"


def _search(index: Path, *args: str) -> click.testing.Result:
    return CliRunner().invoke(main, ["search", "--index", str(index), *args])


def _json(index: Path, query: str) -> dict:
    result = _search(index, query, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_query_that_is_not_utf8_gets_a_message(index: Path) -> None:
    # What Python makes of argv bytes that are not UTF-8: lone surrogates.
    query = (NOT_UTF8 + "禁毒".encode()).decode("utf-8", "surrogateescape")
    result = _search(index, query)
    assert result.exit_code == 1
    assert "不是 UTF-8 文本" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("option", ["--town", "--county", "--section"])
def test_an_option_that_is_not_utf8_names_the_option(index: Path, option: str) -> None:
    value = NOT_UTF8.decode("utf-8", "surrogateescape")
    result = _search(index, "禁毒", option, value)
    assert result.exit_code == 2
    assert f"Invalid value for '{option}': not UTF-8 text" in result.output


def test_a_query_starting_with_an_excluded_word_works_anywhere(index: Path) -> None:
    expected = _json(index, "普法 -禁毒")
    assert expected["total_reports"] > 0
    for args in (
        ["-禁毒 普法", "--json"],
        ["--json", "-禁毒 普法"],
        ["--json", "--", "-禁毒 普法"],
    ):
        result = _search(index, *args)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output) == expected


def test_a_dash_query_is_not_taken_for_an_option_value(index: Path) -> None:
    result = _search(index, "--town", "-庙坝", "信访", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["total_reports"] == 0  # no town is called -庙坝


def test_a_query_that_could_be_an_option_says_to_use_double_dash(index: Path) -> None:
    result = _search(index, "-abc 普法")
    assert result.exit_code == 2
    assert "No such option '-a'" in result.output
    assert "fazhi-index search -- '-word other'" in result.output
    assert _search(index, "--", "-abc 普法").exit_code == 0


def test_a_misspelt_long_option_keeps_clicks_suggestion(index: Path) -> None:
    result = _search(index, "信访", "--yaer", "2021")
    assert result.exit_code == 2
    assert "No such option '--yaer'" in result.output and "--year" in result.output
    assert "-word other" not in result.output


def test_a_batch_goes_on_past_bad_lines_and_fails_at_the_end(index: Path, tmp_path: Path) -> None:
    queries = tmp_path / "queries.txt"
    lines = [
        codecs.BOM_UTF8 + "信访".encode(),  # Notepad's UTF-8 starts with a BOM
        '"小事不出村'.encode(),
        NOT_UTF8 + "禁毒".encode(),
        "普法 -禁毒".encode(),
    ]
    queries.write_bytes(b"\r\n".join(lines) + b"\r\n")
    result = _search(index, "--queries", str(queries))
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.output.splitlines()]
    assert len(out) == 4
    assert out[0] == _json(index, "信访")
    assert out[1]["line"] == 2 and out[1]["query"] == '"小事不出村'
    assert "引号不成对" in out[1]["error"]
    assert out[2]["line"] == 3 and out[2]["query"] == "\ufffd\ufffd\ufffd\ufffd禁毒"
    assert out[2]["error"].startswith("第 1 个字节起不是 UTF-8 文本")
    assert out[3] == _json(index, "普法 -禁毒")


def test_a_batch_of_good_lines_from_standard_input_succeeds(index: Path) -> None:
    result = CliRunner().invoke(
        main, ["search", "--queries", "-", "--index", str(index)], input="信访\n普法\n"
    )
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["terms"][0] for line in result.output.splitlines()] == [
        "信访",
        "普法",
    ]


def test_the_installed_command_reads_argv_bytes_that_are_not_utf8(index: Path) -> None:
    result = subprocess.run(
        [SCRIPT, "search", NOT_UTF8 + "禁毒".encode(), "--index", index],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stdout == b""
    assert "不是 UTF-8 文本" in result.stderr.decode()
    assert b"Traceback" not in result.stderr


def test_the_installed_command_runs_a_dash_query(index: Path) -> None:
    result = subprocess.run(
        [SCRIPT, "search", "-禁毒 普法", "--index", index, "--json"],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout) == _json(index, "普法 -禁毒")


def test_an_unforeseen_error_is_one_line_unless_debugging(monkeypatch) -> None:
    @click.group(cls=_Main)
    def group() -> None:
        pass

    @group.command()
    def fail() -> None:
        {}["missing"]  # noqa: B018 - a real KeyError, as a bug would raise it

    result = CliRunner().invoke(group, ["fail"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: unexpected error: KeyError: 'missing'")
    assert "FAZHI_DEBUG=1" in result.output
    monkeypatch.setenv("FAZHI_DEBUG", "1")
    assert isinstance(CliRunner().invoke(group, ["fail"]).exception, KeyError)
