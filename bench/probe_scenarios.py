"""Issue 14's rows that take more than one command: run as `python -m bench.probe_scenarios
NAME ARCHIVE INDEX` by bench/probe.py, each prints one line saying what happened.

- `commit-race` (row 9): 4 processes search in a loop while 40 small updates commit on an
  archive of 1,000 generated reports; counts the searches that failed.
- `cli-input` (row 11): argv that is not UTF-8, a `--queries` file with bad lines, a query
  starting with `-`, and an update through a symlink alias while another update runs.
- `damaged` (row 10): an update killed midway, then half of the text index's tables.json and
  passages.txt cut off; searches meanwhile, then a plain update, then searches again.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.corpus import generate_corpus
from indexer import ArchiveIndex, SearchRequest, search, update_index
from indexer.segment import segment_dir
from indexer.textindex import existing_generations, read_generation

SEARCH_LOOP = """
import sys
from pathlib import Path
from indexer import ArchiveIndex, SearchRequest, search
index, stop = Path(sys.argv[1]), Path(sys.argv[2])
ok = failed = 0
while not stop.exists():
    archive_index = ArchiveIndex(index)  # a new process's view each time, like the CLI
    try:
        search(archive_index, SearchRequest(query="法治"))
        ok += 1
    except Exception as error:
        failed += 1
        print(type(error).__name__, str(error)[:200], file=sys.stderr)
    finally:
        archive_index.close()
print(ok, failed)
"""


def commit_race(archive: Path, index: Path) -> str:
    generate_corpus(archive, 1000)
    update_index(archive, index)
    spare = archive.parent / "spare"
    generate_corpus(spare, 1080, seed=1)
    extra = sorted(spare.iterdir())[-80:]
    stop = index.parent / "stop"
    searchers = [
        subprocess.Popen(
            [sys.executable, "-c", SEARCH_LOOP, str(index), str(stop)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    started = time.monotonic()
    try:
        for round_number in range(40):
            for path in extra[2 * round_number : 2 * round_number + 2]:
                shutil.copy(path, archive / f"new-{path.name}")
            update_index(archive, index)
    finally:
        stop.touch()
        outputs = [searcher.communicate(timeout=120) for searcher in searchers]
    seconds = time.monotonic() - started
    ok = sum(int(out.split()[0]) for out, _ in outputs)
    failed = sum(int(out.split()[1]) for out, _ in outputs)
    errors = sorted({line for _, err in outputs for line in err.splitlines()})
    return f"40 updates in {seconds:.0f} s; searches: {ok} answered, {failed} failed" + (
        f" ({errors[0]})" if errors else ""
    )


KILLED_UPDATE = """
import sys
from pathlib import Path
from indexer import update_index
update_index(Path(sys.argv[1]), Path(sys.argv[2]))
"""


def damaged(archive: Path, index: Path) -> str:
    generate_corpus(archive, 1000)
    update_index(archive, index)
    generate_corpus(archive.parent / "more", 1300, seed=2)
    for path in sorted((archive.parent / "more").iterdir())[-300:]:
        shutil.copy(path, archive / f"new-{path.name}")
    killed = subprocess.Popen([sys.executable, "-c", KILLED_UPDATE, str(archive), str(index)])
    time.sleep(4)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    generation = max(existing_generations(index))
    segment = segment_dir(index, read_generation(index, generation)[-1].id)
    for name in ("tables.json", "passages.txt"):
        path = segment / name
        with open(path, "r+b") as handle:
            handle.truncate(path.stat().st_size // 2)
    before = _reports(index)
    summary = update_index(archive, index)
    after = _reports(index)
    repairs = "; ".join(r[:120] for r in summary.repairs) or "none"
    return (
        f"killed update, then {segment.name} of text-{generation} cut in half: search {before}; "
        f"plain update: {summary.line()}, repaired: {repairs}; search {after}"
    )


def _reports(index: Path) -> str:
    archive_index = ArchiveIndex(index)
    try:
        found = search(archive_index, SearchRequest(query="法治")).total_reports
        return f"answers ({found} reports)"
    except Exception as error:  # noqa: BLE001 - the outcome is what the row reports
        return f"fails ({type(error).__name__}: {str(error)[:120]})"
    finally:
        archive_index.close()


def cli_input(archive: Path, index: Path) -> str:
    """Row 11: what the CLI says to input it cannot take, and whether a traceback shows."""
    update_index(archive, index)
    queries = archive.parent / "queries.txt"
    queries.write_bytes('普法\n"小事不出村\n'.encode() + b"\xc7\xe0\xc9\xbd\n" + "信访\n".encode())
    alias = index.parent / "alias"
    alias.symlink_to(index)
    search = [sys.executable, "-m", "indexer", "search", "--index", str(index)]
    cases = {
        "argv not UTF-8": [*search, b"\xc7\xe0\xc9\xbd"],
        "--queries, 2 bad lines of 4": [*search, "--queries", str(queries)],
        "'-禁毒 普法'": [*search, "-禁毒 普法"],
    }
    outcomes = []
    for name, args in cases.items():
        done = subprocess.run(args, capture_output=True, timeout=120)
        said = done.stderr.decode("utf-8", "replace") + done.stdout.decode("utf-8", "replace")
        traceback = "Traceback" in said
        lines = len(done.stdout.splitlines())
        outcomes.append(
            f"{name}: exit {done.returncode}, {lines} stdout lines"
            + (", TRACEBACK" if traceback else ", no traceback")
        )
    holder = subprocess.Popen(
        [sys.executable, "-c", KILLED_UPDATE, str(archive), str(index)],
        stdout=subprocess.DEVNULL,
    )
    (archive / "new.txt").write_text(next(archive.glob("*.txt")).read_text("utf-8"), "utf-8")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "indexer",
            "update",
            "--archive",
            str(archive),
            "--index",
            str(alias),
        ],
        capture_output=True,
        timeout=300,
    )
    holder.wait()
    said = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
    outcomes.append(
        f"update through a symlink alias during an update: exit {done.returncode} {said}"
    )
    return "; ".join(outcomes)


SCENARIOS = {"commit-race": commit_race, "damaged": damaged, "cli-input": cli_input}

if __name__ == "__main__":
    name, archive_dir, index_dir = sys.argv[1:4]
    print(SCENARIOS[name](Path(archive_dir), Path(index_dir)), flush=True)
