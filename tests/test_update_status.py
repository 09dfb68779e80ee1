"""A failed update is recorded beside the last success and shown on the overview until a later
run succeeds: real `fazhi-index update` runs stopped by a file size limit (as in
test_full_disk.py) and by a missing archive folder."""

from __future__ import annotations

import shutil
import subprocess
import sys

import lxml.html

from indexer.status import read_failed_run, read_status, record_failed_run
from indexer.store import status_file, update_lock
from tests.web_support import text
from web import create_app

from .conftest import ROOT
from .test_full_disk import ADDED, FIRST, run_update, write_reports


def overview(archive, index_dir) -> lxml.html.HtmlElement:
    app = create_app({"INDEX_DIR": index_dir, "ARCHIVE_DIR": archive})
    response = app.test_client().get("/overview")
    assert response.status_code == 200
    return lxml.html.fromstring(response.data.decode())


def cli_error(run: subprocess.CompletedProcess) -> str:
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr
    return run.stderr.strip().splitlines()[-1].removeprefix("Error: ")


def test_a_full_disk_is_shown_on_the_overview_until_a_run_succeeds(tmp_path):
    archive, index_dir = tmp_path / "archive", tmp_path / "index"
    write_reports(archive, FIRST)
    assert run_update(archive, index_dir).returncode == 0
    success = read_status(index_dir)
    assert success.reports == len(FIRST) and read_failed_run(index_dir) is None
    assert not overview(archive, index_dir).xpath("//section[contains(@class, 'run-failed')]")
    write_reports(archive, ADDED)

    error = cli_error(run_update(archive, index_dir, limit=20_000))

    failed = read_failed_run(index_dir)
    assert failed.error == error and error.startswith("a file reached the file size limit")
    assert failed.reports == len(FIRST) and not failed.from_copy
    assert failed.at >= success.finished_at
    assert read_status(index_dir) == success  # the last success's figures are kept
    page = overview(archive, index_dir)
    [section] = page.xpath("//section[contains(@class, 'run-failed')]")
    assert text(section.xpath(".//h2")[0]) == "最近一次索引更新失败"
    assert text(section.xpath(".//pre")[0]) == error
    assert f"共 {len(FIRST)} 份报告" in text(section)
    assert section.xpath(".//time/@datetime") == [failed.at]
    assert "索引最后成功更新" in text(page.xpath("//p[@class='status']")[0])

    assert run_update(archive, index_dir).returncode == 0
    assert read_failed_run(index_dir) is None
    assert read_status(index_dir).reports == len(FIRST) + len(ADDED)
    assert not overview(archive, index_dir).xpath("//section[contains(@class, 'run-failed')]")


def test_a_missing_archive_folder_is_a_failed_run_too(archive, index_dir):
    command = [sys.executable, "-m", "indexer", "update", "--index", str(index_dir)]
    assert subprocess.run([*command, "--archive", str(archive)], cwd=ROOT).returncode == 0
    moved = archive.with_name("moved")
    shutil.move(archive, moved)
    run = subprocess.run([*command, "--archive", str(archive)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    failed = read_failed_run(index_dir)
    assert failed.error == cli_error(run) and str(archive) in failed.error
    assert failed.reports == 5 and read_status(index_dir).reports == 5
    page = overview(moved, index_dir)
    assert str(archive) in text(page.xpath("//section[contains(@class, 'run-failed')]")[0])


def test_a_failure_is_not_recorded_over_an_update_that_runs_meanwhile(archive, index_dir):
    from indexer import update_index

    update_index(archive, index_dir)
    before = status_file(index_dir).read_bytes()
    with update_lock(index_dir):  # another update has started: its outcome will be written
        record_failed_run(index_dir, "no space left on device")
    assert status_file(index_dir).read_bytes() == before
    record_failed_run(index_dir, "no space left on device")
    assert read_failed_run(index_dir).error == "no space left on device"


def test_a_failure_before_any_success_has_no_figures_to_keep(tmp_path):
    index_dir = tmp_path / "index"
    record_failed_run(index_dir, "boom")
    assert read_status(index_dir) is None
    failed = read_failed_run(index_dir)
    assert failed.error == "boom" and failed.reports is None
