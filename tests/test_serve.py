"""How the app is served: `python -m web` (gunicorn or waitress) and `bin/run`, as processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from bench.load import Server
from indexer import update_index
from tests.browser_support import ROOT, build_archive

START_SECONDS = 60


@pytest.fixture(scope="module")
def small_index(tmp_path_factory) -> tuple[Path, Path]:
    """(archive, index): the samples and one .docx, plus a file that fails to index."""
    root = tmp_path_factory.mktemp("serve")
    archive = build_archive(root / "archive", generated=0)
    (archive / "damaged.docx").write_bytes(b"not a zip file")
    update_index(archive, root / "index")
    return archive, root / "index"


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start(*args: str):
    """The server in a subprocess and the URL it printed (stdout; logs go to stderr).

    Started with SIGINT ignored, as a background job of a script (CI) starts it: Ctrl-C's
    signal must stop it all the same.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "web", "--port", "0", *args],
        cwd=ROOT, stdout=subprocess.PIPE, text=True, preexec_fn=_ignore_sigint,
    )
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "http://" in line:
            return process, line[line.index("http://") :].split()[0]
    process.wait()
    process.stdout.close()
    raise AssertionError(f"no URL printed; exit status {process.returncode}: {lines}")


def stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise
    finally:
        process.stdout.close()


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def maps_index(pid: int, index: Path) -> bool:
    try:
        return str(index) in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def test_a_missing_index_is_a_clear_message_and_exit_status_1(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "web", "--index", str(tmp_path / "nowhere"), "--port", "0"],
        cwd=ROOT, capture_output=True, text=True, timeout=START_SECONDS,
    )
    assert result.returncode == 1
    assert "Error: no usable index" in result.stderr
    assert f"fazhi-index update --index {tmp_path / 'nowhere'}" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_gunicorn_workers_open_the_index_at_start_and_ctrl_c_stops_them(small_index):
    archive, index = small_index
    process, url = start("--index", str(index), "--archive", str(archive), "--workers", "2")
    try:
        assert url.startswith("http://127.0.0.1:")
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:  # no request made: the workers open it as they start
            workers = children(process.pid)
            if len(workers) == 2 and all(maps_index(pid, index) for pid in workers):
                break
            time.sleep(0.1)
        else:
            raise AssertionError(f"workers {children(process.pid)} did not open {index}")
        assert not maps_index(process.pid, index)  # the master preloads nothing
        assert get(url + "healthz") == (200, "ok")
    finally:
        assert stop(process) == 0
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists()


def test_waitress_serves_in_one_process_and_stops_on_ctrl_c(small_index):
    archive, index = small_index
    process, url = start("--index", str(index), "--archive", str(archive),
                            "--server", "waitress")
    try:
        assert get(url + "healthz") == (200, "ok")
        status, body = get(url + "api/search?q=" + quote('"网格化调解"'))
        assert status == 200 and json.loads(body)["total_reports"] == 1
        assert children(process.pid) == []
    finally:
        assert stop(process) == 0


@pytest.fixture(scope="module")
def server(small_index):
    archive, index = small_index
    running = Server(index, archive, workers=2)
    yield running
    running.stop()


def test_a_500_character_query_reaches_the_page(server):
    """~4.5 kB of URL: gunicorn's default request line limit (4094) would refuse it."""
    status, body = get(f"{server.url}/?q={quote('法' * 500)}")
    assert status == 200
    assert 'name="q"' in body


def test_another_address_is_explicit_and_said(small_index):
    archive, index = small_index
    process, url = start("--index", str(index), "--host", "127.0.0.2", "--workers", "1")
    try:
        assert url.startswith("http://127.0.0.2:")
        assert "other computers on the network can open it" in process.stdout.readline()
        assert get(url + "healthz") == (200, "ok")
    finally:
        stop(process)


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_bin_run_reports_a_failed_file_and_serves_anyway(small_index, tmp_path):
    archive, _ = small_index
    index = tmp_path / "index"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        ["bin/run", "--archive", str(archive), "--index", str(index), "--port", "0",
         "--workers", "1"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    url = None
    for line in process.stdout:
        if "http://" in line:
            url = line[line.index("http://") :].split()[0]
            break
    try:
        assert url, "bin/run printed no URL"
        status, body = get(url + "?q=" + quote("网格化调解"))
        assert status == 200 and "青山镇" in body
    finally:
        process.send_signal(signal.SIGINT)
        _, errors = process.communicate(timeout=30)
    assert "damaged.docx" in errors
    assert "The update exited with status 1" in errors


def test_bin_run_refuses_an_unknown_option():
    result = subprocess.run(["bin/run", "--bogus"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert "unknown option --bogus" in result.stderr
