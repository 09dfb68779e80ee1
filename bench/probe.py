"""Issue 14's table, run against the real product: one line per hostile input.

`python -m bench.probe [--rows 1,2,…] [--timeout S] [--keep DIR]`

For each row a temporary archive gets the five sample reports and the row's hostile input;
the real CLI (`python -m indexer update`, or `inspect`) runs in a child process with a timeout,
so a hang is reported rather than waited on, and then a search checks that the good reports
are still found. Printed per row: the input, wall time, the child's peak RSS (its process tree's
largest, from wait4), the exit status, the `failed:` lines and how many good reports a search
finds. Rows are functions in ROWS: add one by writing a function that puts its input into the
archive and returns a Probe.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "tests" / "data" / "samples").glob("*.txt"))
MB = 1 << 20
_PARAGRAPH = "<w:p><w:r><w:t>依法行政，推进法治政府建设。</w:t></w:r></w:p>".encode()


@dataclass
class Probe:
    """What a row runs: the product's command (after `python -m indexer`) on its archive."""

    input: str
    command: str = "update"  # or "inspect FILE", or "scenario NAME" (bench/probe_scenarios.py)
    env: dict[str, str] = field(default_factory=dict)
    extra_good: list[str] = field(default_factory=list)  # good reports the row adds


@dataclass
class Outcome:
    seconds: float
    peak_mb: float
    status: str
    failed: list[str]
    found: str


# ---------------------------------------------------------------------------------------------
# The rows: each writes its input into `archive` (which holds the samples) and returns a Probe.


def row_1(archive: Path, work: Path) -> Probe:
    shutil.copy(SAMPLES[0], os.fsencode(archive) + b"/\xc7\xe0\xc9\xbd.txt")
    return Probe("file name in GBK bytes (青山.txt from a Windows zip)")


def row_2(archive: Path, work: Path) -> Probe:
    shutil.copy(SAMPLES[0], archive / "x.txt")
    (archive / "x.txt.meta.toml").write_text("town = " + "[" * 5000 + "]" * 5000)
    return Probe("sidecar x.txt.meta.toml: town = 5,000 [ then ]", extra_good=["x.txt"])


def row_3(archive: Path, work: Path) -> Probe:
    os.mkfifo(archive / "y.txt")
    return Probe("FIFO y.txt")


def row_4(archive: Path, work: Path) -> Probe:
    os.symlink("/dev/zero", archive / "zero.txt")
    with open(archive / "sparse.txt", "wb") as sparse:
        sparse.truncate(3 << 30)
    return Probe("symlink zero.txt -> /dev/zero; sparse 3 GB sparse.txt")


def row_5(archive: Path, work: Path) -> Probe:
    os.symlink("/etc/passwd", archive / "x.txt")
    os.symlink("b.txt", archive / "a.txt")
    os.symlink("a.txt", archive / "b.txt")
    return Probe("symlink x.txt -> /etc/passwd; loop a.txt <-> b.txt")


def row_6(archive: Path, work: Path) -> Probe:
    path = archive / "bomb.docx"
    path.write_bytes(_docx_bomb(2200))
    return Probe(f"{path.stat().st_size / MB:.1f} MB .docx, document.xml inflates to 2.2 GB")


def row_6b(archive: Path, work: Path) -> Probe:
    for number in range(20):  # enough files for the worker pool
        shutil.copy(SAMPLES[number % 5], archive / f"copy{number:02d}.txt")
    (archive / "slow.docx").write_bytes(_docx_with_body(_PARAGRAPH, 45_000))
    return Probe(
        "a worker dies (FAZHI_MAX_FILE_SECONDS=1; slow.docx: SIGXCPU), 25 good files",
        env={"FAZHI_MAX_FILE_SECONDS": "1"},
        extra_good=[f"copy{number:02d}.txt" for number in range(20)],
    )


def row_6d(archive: Path, work: Path) -> Probe:
    for number in range(20):  # enough files for the worker pool
        shutil.copy(SAMPLES[number % 5], archive / f"copy{number:02d}.txt")
    with open(archive / "large.txt", "wb") as out:
        while out.tell() < 40 * MB:
            out.write(SAMPLES[1].read_bytes())
    return Probe(
        "a worker's memory limit (FAZHI_WORKER_MEMORY_MB=100; large.txt of 40 MB), 25 good",
        env={"FAZHI_WORKER_MEMORY_MB": "100"},
        extra_good=[f"copy{number:02d}.txt" for number in range(20)],
    )


def row_7(archive: Path, work: Path) -> Probe:
    path = work / "large.txt"
    text = SAMPLES[0].read_bytes()
    with open(path, "wb") as out:
        while out.tell() < 50 * MB:
            out.write(text)
    return Probe("inspect a 50 MB .txt", command=f"inspect {path}")


def row_9(archive: Path, work: Path) -> Probe:
    return Probe(
        "4 processes searching while 40 small updates commit (1,000 reports)",
        command="scenario commit-race",
    )


def row_10(archive: Path, work: Path) -> Probe:
    return Probe(
        "killed update, then tables.json and passages.txt truncated to 50%",
        command="scenario damaged",
    )


def row_11(archive: Path, work: Path) -> Probe:
    return Probe(
        "argv not UTF-8; --queries with bad lines; '-禁毒 普法'; update through an alias",
        command="scenario cli-input",
    )


def row_8(archive: Path, work: Path) -> Probe:
    path = archive / "many.docx"
    path.write_bytes(_docx_with_body(b"<w:p/>", 3_000_000))
    return Probe(f"{path.stat().st_size / 1024:.0f} KB .docx of 3 million empty paragraphs")


def row_8b(archive: Path, work: Path) -> Probe:
    (archive / "long.docx").write_bytes(_docx_with_body(_PARAGRAPH, 49_000))
    return Probe("the worst .docx within the bounds: 49,000 paragraphs", extra_good=["long.docx"])


def row_6c(archive: Path, work: Path) -> Probe:
    text = "依法行政，推进法治政府建设。" * 30  # 420 characters, 1.3 KB
    paragraph = f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>".encode()
    (archive / "big.docx").write_bytes(_docx_with_body(paragraph, 45_000))
    return Probe(
        f"the most text within the bounds: document.xml of {len(paragraph) * 45_000 / MB:.0f} MB",
        extra_good=["big.docx"],
    )


ROWS: dict[str, Callable[[Path, Path], Probe]] = {
    "1": row_1,
    "2": row_2,
    "3": row_3,
    "4": row_4,
    "5": row_5,
    "6": row_6,
    "6b": row_6b,
    "6c": row_6c,
    "6d": row_6d,
    "7": row_7,
    "8": row_8,
    "8b": row_8b,
    "9": row_9,
    "10": row_10,
    "11": row_11,
}


def _docx_template() -> bytes:
    import docx  # the product's dependency; imported here to keep `--help` quick

    document = docx.Document()
    document.add_paragraph("青山镇2021年法治政府建设情况报告")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _docx_with_body(paragraph: bytes, count: int) -> bytes:
    """A .docx whose body starts with `count` copies of `paragraph`, written as a stream so
    this script's own memory (the floor of every peak RSS it reports) stays small."""
    return _docx_streamed(lambda stream: _repeat(stream, paragraph, count), after_body=True)


def _docx_bomb(inflated_mb: int) -> bytes:
    """document.xml padded with `inflated_mb` MB of blanks before its body."""
    return _docx_streamed(lambda stream: _repeat(stream, b" " * MB, inflated_mb), False)


def _repeat(stream, chunk: bytes, count: int) -> None:
    per_write = max(1, MB // len(chunk))
    for start in range(0, count, per_write):
        stream.write(chunk * min(per_write, count - start))


def _docx_streamed(write_padding: Callable, after_body: bool) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(_docx_template()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as package:
        for member in source.infolist():
            data = source.read(member)
            if member.filename != "word/document.xml":
                package.writestr(member.filename, data)
                continue
            at = data.index(b"<w:body>") + (len(b"<w:body>") if after_body else 0)
            with package.open(member.filename, "w", force_zip64=True) as stream:
                stream.write(data[:at])
                write_padding(stream)
                stream.write(data[at:])
    return out.getvalue()


# ---------------------------------------------------------------------------------------------
# Running


def run_row(name: str, timeout: float, work: Path) -> tuple[Probe, Outcome]:
    archive, index = work / "archive", work / "index"
    archive.mkdir(parents=True)
    for sample in SAMPLES:
        shutil.copy(sample, archive / sample.name)
    probe = ROWS[name](archive, work)
    args = ["-m", "indexer", *probe.command.split(" ", 1)]
    if args[2] == "update":
        args += ["--archive", str(archive), "--index", str(index)]
    if args[2] == "scenario":
        args = ["-m", "bench.probe_scenarios", args[3], str(archive), str(index)]
    outcome = _run(args, {**os.environ, **probe.env}, timeout, work)
    if args[2] == "update":
        good = {sample.name for sample in SAMPLES} | set(probe.extra_good)
        outcome.found = _found(index, good, work)
    return probe, outcome


def _run(args: list[str], env: dict, timeout: float, work: Path) -> Outcome:
    """Run `python ARGS`, killing its process group past `timeout` seconds."""
    with open(work / "stdout", "wb") as out, open(work / "stderr", "wb") as err:
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        timed_out = False
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                os.killpg(child.pid, signal.SIGKILL)
                timed_out = True
                pid, status, usage = os.wait4(child.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.monotonic() - started
    child.returncode = os.waitstatus_to_exitcode(status)  # already reaped: tell Popen
    stderr = (work / "stderr").read_text("utf-8", "replace").splitlines()
    if timed_out:
        state = f"TIMEOUT after {timeout:.0f} s (killed)"
    elif child.returncode < 0:
        state = f"killed by {signal.Signals(-child.returncode).name}"
    else:
        state = f"exit {child.returncode}"
    failed = [line for line in stderr if line.startswith("failed: ") and ": " in line[8:]]
    if not failed and child.returncode not in (0, None):
        failed = [line for line in stderr if line.strip()][-1:]  # a traceback's last line
    said = (work / "stdout").read_text("utf-8", "replace").strip().splitlines()
    found = said[-1] if args[1] == "bench.probe_scenarios" and said else "-"
    return Outcome(seconds, usage.ru_maxrss / 1024, state, failed, found)


def _found(index: Path, good: set[str], work: Path) -> str:
    """How many of the good reports a search for 法治 (in every report) finds."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "indexer", "search", "法治", "--limit", "100", "--json"]
            + ["--index", str(index)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        return "search timed out"
    if result.returncode != 0:
        return f"search failed: {result.stderr.strip().splitlines()[-1:]}"
    import json

    files = {hit["file"] for hit in json.loads(result.stdout)["results"]}
    return f"{len(files & good)}/{len(good)} good found" + (
        f", plus {sorted(files - good)}" if files - good else ""
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default=",".join(ROWS), help="e.g. 1,2,6b (default: all)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per row")
    parser.add_argument("--keep", type=Path, help="keep each row's folder under this one")
    options = parser.parse_args(argv)
    names = [name.strip() for name in options.rows.split(",") if name.strip()]
    unknown = [name for name in names if name not in ROWS]
    if unknown:
        parser.error(f"unknown row(s) {', '.join(unknown)}; rows are {', '.join(ROWS)}")
    print("row | input | wall | peak RSS | status | failed lines | search")
    for name in names:
        with tempfile.TemporaryDirectory(prefix=f"probe-{name}-") as temporary:
            work = options.keep / name if options.keep else Path(temporary)
            probe, outcome = run_row(name, options.timeout, work)
            failed = " / ".join(line[:160] for line in outcome.failed) or "none"
            print(
                f"{name} | {probe.input} | {outcome.seconds:.1f} s | {outcome.peak_mb:.0f} MB | "
                f"{outcome.status} | {failed} | {outcome.found}",
                flush=True,
            )
    own = __import__("resource").getrusage(__import__("resource").RUSAGE_SELF).ru_maxrss
    print(f"(peak RSS figures include this script's own {own / 1024:.0f} MB, their floor)")


if __name__ == "__main__":
    main()
