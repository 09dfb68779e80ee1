"""Load benchmark of the web app: the real server under wrk, with and without an update.

`python -m bench.load [--n 10000] [--duration 60] [--connections 16] [--workers 2]`:

1. the corpus of N generated reports (the harness's cache in --workdir, var/bench) and its
   index (`load-index` beside it, brought up to date incrementally);
2. the bench's query mix (bench/queries.py, drawn from the indexed passages), each query
   as a JSON request (`/api/search`) and as the search page (`/`), with its filters;
3. `python -m web` (gunicorn, --workers processes) on a free loopback port, and wrk with
   --connections connections for --duration seconds, each request a random URL of the mix;
4. the same again while 1% of the .txt files change and `nice fazhi-index update` commits
   them (the files are restored and re-indexed afterwards, so the corpus cache stays valid);
5. the page's own cost: in one process, `search()` alone against the Flask test client's
   request for the same query (page and API), median of 3 runs per query.

wrk (Debian's `wrk`) counts as errors: responses other than 2xx, socket errors and requests
slower than the --timeout (5 s). Figures are printed and, with --json FILE, written.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import click

from .harness import APPENDED, in_child, modify_files, percentile, prepare_corpus, product_update
from .queries import Query, build_mix

WRK_TIMEOUT = "5s"
UPDATE_START_SHARE = 0.2  # the update starts this far into the second run
SERVER_START_SECONDS = 120
# The update runs at a lower CPU priority, as the README's cron line runs it: on two cores
# its reading processes would otherwise take the CPU from the searches.
UPDATE_PREFIX = ("nice", "-n", "10")

# wrk's Lua side: each request a random URL of the list; every status counted per thread,
# because wrk itself only counts statuses above 399 as errors.
WRK_SCRIPT = r"""
local urls = {}
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then table.insert(urls, line) end
  end
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  non2xx = 0
  statuses = {}
end

function request()
  return wrk.format("GET", urls[math.random(#urls)])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total = 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "timeout": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, summary.bytes, non2xx_total,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def query_params(query: Query) -> dict:
    """The page's URL parameters for a bench query (the same names /api/search takes)."""
    params = {"q": query.text}
    params.update({k: str(v) for k, v in query.filters().items()})
    return params


def query_mix(index_dir: Path, size: int, seed: int) -> list[Query]:
    """The bench's mix, sampled from the indexed passages (run in a child: ~all records)."""
    from indexer import ArchiveIndex, Record
    from indexer.normalize import normalize

    texts, towns, years = [], [], []
    archive_index = ArchiveIndex(index_dir)
    with archive_index.searcher() as searcher:
        for stored in searcher.documents():
            record = Record.from_json(json.loads(stored["record"]))
            texts.extend(normalize(p.text) for p in record.passages)
            towns += [record.town] if record.town else []
            years += [record.year] if record.year else []
    archive_index.close()
    return build_mix(texts, towns, years, size=size, seed=seed)


def request_paths(queries: list[Query]) -> list[str]:
    """Each query as a JSON request and as the search page."""
    paths = []
    for query in queries:
        encoded = urlencode(query_params(query))
        paths += [f"/api/search?{encoded}", f"/?{encoded}"]
    return paths


class Server:
    """`python -m web` on a free loopback port, stopped with SIGINT like Ctrl-C."""

    def __init__(self, index_dir: Path, archive: Path, workers: int) -> None:
        command = [sys.executable, "-m", "web", "--port", "0", "--workers", str(workers),
                   "--index", str(index_dir), "--archive", str(archive)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        self.url = _read_url(self.process)
        _wait_healthy(self.url)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()

    def cpu_seconds(self) -> float | None:
        """CPU time the master and its workers have used so far (Linux: /proc; else None).

        Per request, it is the server's cost whatever else the machine runs, which a shared
        machine's requests/s are not.
        """
        try:
            pid = self.process.pid
            workers = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            ticks = 0
            for each in [pid, *map(int, workers)]:
                fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, ValueError):
            return None
        return ticks / os.sysconf("SC_CLK_TCK")


def _read_url(process: subprocess.Popen) -> str:
    """The URL the server prints once it listens (python -m web prints 'name: URL ...')."""
    deadline = time.monotonic() + SERVER_START_SECONDS
    for line in process.stdout:
        if "http://" in line:
            return line[line.index("http://"):].split()[0].rstrip("/")
        if time.monotonic() > deadline:
            break
    process.kill()
    raise RuntimeError(f"the server did not start (exit status {process.wait()})")


def _wait_healthy(url: str) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url}/healthz did not answer 200")


def check_paths(url: str, paths: list[str]) -> dict[int, int]:
    """Each URL once before the load (warms both workers' caches a little): status counts."""
    counts: dict[int, int] = {}
    for path in paths:
        try:
            with urllib.request.urlopen(url + path, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        counts[status] = counts.get(status, 0) + 1
    return counts


def run_wrk(server: Server, urls_file: Path, script: Path, duration: int,
            connections: int) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", WRK_TIMEOUT,
               "-s", str(script), server.url, "--", str(urls_file)]
    cpu_before = server.cpu_seconds()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    cpu_after = server.cpu_seconds()
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON "))
    raw = json.loads(line.removeprefix("WRK_JSON "))
    seconds = raw["duration_us"] / 1e6
    return {
        "requests": raw["requests"],
        "seconds": seconds,
        "requests_per_second": raw["requests"] / seconds,
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "non2xx": raw["non2xx"],
        "timeouts": raw["timeout"],
        "socket_errors": raw["connect"] + raw["read"] + raw["write"],
        "errors": raw["non2xx"] + raw["timeout"] + raw["connect"] + raw["read"] + raw["write"],
        "server_cpu_ms_per_request": (
            (cpu_after - cpu_before) * 1000 / max(1, raw["requests"])
            if cpu_before is not None and cpu_after is not None else None
        ),
        "load_average_1min_after": os.getloadavg()[0],
    }


def update_during_load(archive: Path, index_dir: Path, workdir: Path, n: int, seed: int,
                       delay: float, run) -> tuple[dict, dict]:
    """Run `run()` (the load) while 1% of the files change and an update commits them."""
    marker = workdir / "corpus.json"
    kept = marker.read_bytes()
    marker.unlink()  # a run killed before the files are restored regenerates the corpus
    originals = modify_files(archive, n, seed)
    try:
        command = [*UPDATE_PREFIX, sys.executable, "-m", "indexer", "update",
                   "--archive", str(archive), "--index", str(index_dir)]
        loaded = time.monotonic()
        with tempfile.TemporaryFile() as log:
            load = _Background(run)
            time.sleep(delay)
            started = time.monotonic()
            status = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode
            finished = time.monotonic()
            result = load.join()
            log.seek(0)
            summary = log.read().decode(errors="replace").strip().splitlines()[-1:]
        update = {
            "files_changed": len(originals),
            "exit_status": status,
            "started_s": started - loaded,
            "seconds": finished - started,
            "summary": summary[0] if summary else "",
        }
    finally:
        for path, data in originals.items():
            path.write_bytes(data)
        marker.write_bytes(kept)
    return result, update


class _Background:
    """A function run in a thread (wrk itself is a subprocess, so the GIL is not in the way)."""

    def __init__(self, function) -> None:
        import threading

        self.result = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, args=(function,))
        self.thread.start()

    def _run(self, function) -> None:
        try:
            self.result = function()
        except BaseException as error:  # noqa: BLE001 - re-raised in join()
            self.error = error

    def join(self):
        self.thread.join()
        if self.error:
            raise self.error
        return self.result


def count_hits(url: str, phrase: str) -> int:
    with urllib.request.urlopen(url + "/api/search?" + urlencode({"q": f'"{phrase}"'})) as r:
        return json.load(r)["total_reports"]


def page_cost(index_dir: Path, archive: Path, queries: list[Query], repeat: int = 3) -> dict:
    """Median ms per query of `search()` alone, of the page and of /api/search (test client).

    `search()` gets the page's own search request (web.state: page size, passages), so the
    difference is what routing, the template and the JSON encoding add to the search.
    """
    from indexer import ArchiveIndex, search
    from web import create_app
    from web.state import read_state

    app = create_app({"INDEX_DIR": index_dir, "ARCHIVE_DIR": archive})
    client = app.test_client()
    archive_index = ArchiveIndex(index_dir)

    def timed(function) -> float:
        times = []
        for _ in range(repeat + 1):  # the first run warms up
            started = time.perf_counter()
            function()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times[1:])

    rows = []
    for query in queries:
        params = query_params(query)
        request = read_state(params).search_request()
        encoded = urlencode(params)
        rows.append({
            "search_ms": timed(lambda r=request: search(archive_index, r)),
            "page_ms": timed(lambda e=encoded: _get(client, f"/?{e}")),
            "api_ms": timed(lambda e=encoded: _get(client, f"/api/search?{e}")),
        })
    archive_index.close()
    page_extra = [r["page_ms"] - r["search_ms"] for r in rows]
    api_extra = [r["api_ms"] - r["search_ms"] for r in rows]
    return {
        "queries": len(rows),
        "search_p50_ms": percentile([r["search_ms"] for r in rows], 0.5),
        "page_p50_ms": percentile([r["page_ms"] for r in rows], 0.5),
        "api_p50_ms": percentile([r["api_ms"] for r in rows], 0.5),
        "page_extra_p50_ms": percentile(page_extra, 0.5),
        "page_extra_p95_ms": percentile(page_extra, 0.95),
        "api_extra_p50_ms": percentile(api_extra, 0.5),
        "api_extra_p95_ms": percentile(api_extra, 0.95),
    }


def _get(client, path: str) -> None:
    response = client.get(path)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: status {response.status_code}")


def _f(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def format_report(result: dict) -> str:
    lines = [
        f"{result['reports']} reports, {result['paths']} URLs ({result['queries']} queries as "
        f"page and API), {result['connections']} connections, {result['duration']} s per run, "
        f"{result['workers']} gunicorn workers, {os.cpu_count()} CPUs",
        "",
        f"{'run':<22}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}"
        f"{'max ms':>8}{'errors':>8}{'CPU ms/req':>12}{'load avg':>10}",
    ]
    for name, run in (("steady", result["steady"]), ("during 1% update", result["update_run"])):
        lines.append(
            f"{name:<22}{run['requests']:>9}{run['requests_per_second']:>8.1f}"
            f"{run['p50_ms']:>8.1f}{run['p95_ms']:>8.1f}{run['p99_ms']:>8.1f}{run['max_ms']:>8.0f}"
            f"{run['errors']:>8}{_f(run['server_cpu_ms_per_request']):>12}"
            f"{run['load_average_1min_after']:>10.1f}"
        )
    update = result["update"]
    cpu = result["steady"]["server_cpu_ms_per_request"]
    lines += [
        "",
        "CPU ms/req: the server's own CPU time (master and workers) per request; "
        + (f"{os.cpu_count()} free cores could serve about {os.cpu_count() * 1000 / cpu:.0f} "
           "requests/s at the steady run's cost. " if cpu else "")
        + "load avg: the machine's 1-minute load average at the end of the run.",
        f"errors = non-2xx {result['steady']['non2xx']} / {result['update_run']['non2xx']}, "
        f"timeouts (> {WRK_TIMEOUT}) {result['steady']['timeouts']} / "
        f"{result['update_run']['timeouts']}, socket errors {result['steady']['socket_errors']}"
        f" / {result['update_run']['socket_errors']} (steady / during the update)",
        f"update (nice -n 10) of {update['files_changed']} files: started "
        f"{update['started_s']:.1f} s into the run, took {update['seconds']:.1f} s, "
        f"exit status {update['exit_status']} "
        f"({update['summary']}); after it the server found the changed text in "
        f"{result['changed_found']} reports without a restart",
        "",
    ]
    cost = result["page_cost"]
    lines += [
        f"page cost over {cost['queries']} queries (median of 3 each, in-process test client): "
        f"search() p50 {cost['search_p50_ms']:.1f} ms, page p50 {cost['page_p50_ms']:.1f} ms, "
        f"API p50 {cost['api_p50_ms']:.1f} ms",
        f"  on top of search(): page +{cost['page_extra_p50_ms']:.1f} ms p50 / "
        f"+{cost['page_extra_p95_ms']:.1f} ms p95; API +{cost['api_extra_p50_ms']:.1f} ms p50 / "
        f"+{cost['api_extra_p95_ms']:.1f} ms p95",
    ]
    return "\n".join(lines)


@click.command()
@click.option("--n", default=10_000, show_default=True, help="Generated reports.")
@click.option("--seed", default=0, show_default=True)
@click.option("--duration", default=60, show_default=True, help="Seconds per load run.")
@click.option("--connections", default=16, show_default=True, help="Concurrent clients.")
@click.option("--workers", default=2, show_default=True, help="Gunicorn worker processes.")
@click.option("--mix", default=100, show_default=True, help="Generated queries, about.")
@click.option("--workdir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("var/bench"), show_default=True, help="The corpus cache (shared).")
@click.option("--json", "json_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write every figure to this file.")
def main(n: int, seed: int, duration: int, connections: int, workers: int, mix: int,
         workdir: Path, json_file: Path | None) -> None:
    """Load the real server with wrk; print requests/s, latency percentiles and errors."""
    if not shutil.which("wrk"):
        raise click.ClickException("wrk is not installed (Debian: apt-get install wrk)")

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    archive, index_dir = workdir / "archive", workdir / "load-index"
    corpus = prepare_corpus(workdir, n, seed, log)
    log(f"bringing {index_dir} up to date")
    build = in_child(product_update, archive, index_dir, False)
    log(f"  {build['summary']} in {build['seconds']:.1f} s")
    queries = in_child(query_mix, index_dir, mix, seed)
    paths = request_paths(queries)
    with tempfile.TemporaryDirectory(prefix="fazhi-load-") as scratch:
        urls_file, script = Path(scratch) / "urls.txt", Path(scratch) / "load.lua"
        urls_file.write_text("\n".join(paths) + "\n", encoding="utf-8")
        script.write_text(WRK_SCRIPT, encoding="utf-8")
        server = Server(index_dir, archive, workers)
        try:
            log(f"server at {server.url}; each of {len(paths)} URLs once")
            checked = check_paths(server.url, paths)
            log(f"  statuses: {checked}")
            log(f"load: {connections} connections for {duration} s")
            steady = run_wrk(server, urls_file, script, duration, connections)
            log("load again, while 1% of the files are re-indexed")
            update_run, update = update_during_load(
                archive, index_dir, workdir, n, seed, duration * UPDATE_START_SHARE,
                lambda: run_wrk(server, urls_file, script, duration, connections))
            changed_found = count_hits(server.url, APPENDED)
        finally:
            server.stop()
    log("restoring the changed files in the index (not measured)")
    in_child(product_update, archive, index_dir, False)
    log("page cost in-process")
    cost = in_child(page_cost, index_dir, archive, queries)
    result = {
        "reports": corpus["files"], "queries": len(queries), "paths": len(paths),
        "duration": duration, "connections": connections, "workers": workers,
        "build": build, "checked_statuses": checked, "steady": steady,
        "update_run": update_run, "update": update, "changed_found": changed_found,
        "page_cost": cost,
    }
    print(format_report(result))
    if json_file:
        json_file.write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str))


if __name__ == "__main__":
    main()
