"""Read reports in worker processes that one hostile file can neither stop nor take down.

Jobs are submitted as futures, a few per worker in flight, and their results handed back in
order. A worker that dies (the kernel's OOM killer, a crash in a C library, the CPU-time
limit below) breaks the whole pool and every job in flight with it: those jobs are then read
again one at a time, each in a fresh one-worker pool, so the file that kills its worker is
named and skipped and every other file is read. Each worker may grow by a bounded amount of
memory ($FAZHI_WORKER_MEMORY_MB, address space) and spend a bounded CPU time on one file
($FAZHI_MAX_FILE_SECONDS), so one file cannot eat the machine or hang the update.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import resource
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from .errors import ReportReadError
from .extraction.extract import build_record
from .schema import report_document, report_entry
from .textindex import ReportEntry

WORKER_MEMORY_ENV = "FAZHI_WORKER_MEMORY_MB"
MAX_SECONDS_ENV = "FAZHI_MAX_FILE_SECONDS"
# Reading a report takes a few milliseconds and tens of MB; these only stop the pathological.
DEFAULT_WORKER_MEMORY_MB = 3072
DEFAULT_MAX_FILE_SECONDS = 120
POOL_THRESHOLD = 16  # fewer files than this are read in-process: a pool costs more
_IN_FLIGHT_PER_WORKER = 4
_OUT_OF_MEMORY = "ran out of memory reading it"

Job = tuple[Path, str, str]  # the archive, the file's name in it, its content hash
Outcome = tuple[dict, ReportEntry] | str  # the documents, or why the file failed


def read_all(archive: Path, pending: list[tuple[str, str]]) -> Iterator[tuple[str, Outcome]]:
    """Read the pending reports in order, in worker processes when there are many."""
    jobs = deque((archive, name, new_hash) for name, new_hash in pending)
    workers = os.cpu_count() or 1
    if len(jobs) < POOL_THRESHOLD or workers < 2:
        yield from map(read_one, jobs)
        return
    while jobs:
        suspects = yield from _read_in_pool(jobs, workers)
        for job in suspects:
            yield _read_alone(job)


def read_one(job: Job) -> tuple[str, Outcome]:
    """Read one report into its Whoosh document and text index entry, or the reason it failed."""
    archive, name, new_hash = job
    try:
        record = build_record(archive / name, archive)
    except ReportReadError as error:
        return name, error.reason
    except OSError as error:
        return name, f"cannot read file: {error.strerror or error}"
    except MemoryError:
        return name, f"{_OUT_OF_MEMORY} (each worker may use {_memory_mb()} MB more)"
    return name, (report_document(record, new_hash), report_entry(record))


def _read_in_pool(jobs: deque[Job], workers: int) -> Iterator[tuple[str, Outcome]]:
    """Read jobs off the queue until it is empty or a worker dies; returns the jobs that were
    in flight then (any of them may have killed it)."""
    with _pool(workers) as pool:
        in_flight: deque[tuple[Job, Future]] = deque()
        while jobs or in_flight:
            while jobs and len(in_flight) < workers * _IN_FLIGHT_PER_WORKER:
                job = jobs.popleft()
                in_flight.append((job, pool.submit(_read_limited, job)))
            try:
                result = in_flight[0][1].result()
            except BrokenProcessPool:
                finished = [future for _, future in in_flight if _succeeded(future)]
                for future in finished:
                    yield future.result()
                return [job for job, future in in_flight if future not in finished]
            in_flight.popleft()
            yield result
    return []


def _read_alone(job: Job) -> tuple[str, Outcome]:
    """Read one suspect in a pool of its own: if that worker dies too, this file killed it."""
    with _pool(1) as pool:
        try:
            return pool.submit(_read_limited, job).result()
        except BrokenProcessPool:
            return job[1], (
                "the reading process died on this file (out of memory, over "
                f"{_max_seconds()} s of CPU, or a crash in a library); skipped"
            )


def _succeeded(future: Future) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def _pool(workers: int) -> ProcessPoolExecutor:
    # Not fork: a forked worker would inherit the update lock and, if this process were
    # killed, keep holding it (and wait forever on the work queue).
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(os.getpid(), _memory_mb()),
    )


def _start_worker(parent: int, memory_mb: int) -> None:
    """In a worker: end with the update, write no core file, bound its memory.

    The bound counts from the address space once the worker is set up (its watcher thread's
    stack and heap included), so what it measures is what reading a file adds.
    """
    _exit_with_parent(parent)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    grown = _address_space() + memory_mb * (1 << 20)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or grown < hard:
        resource.setrlimit(resource.RLIMIT_AS, (grown, hard))


def _read_limited(job: Job) -> tuple[str, Outcome]:
    """In a worker: read one file within its CPU time (SIGXCPU ends the worker past it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    spent = math.ceil(usage.ru_utime + usage.ru_stime)
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = spent + _max_seconds()
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
    name, outcome = read_one(job)
    if isinstance(outcome, str) and outcome.startswith(_OUT_OF_MEMORY):
        # Its heap may stay past the limit and fail every later file: end this worker; the
        # files in flight are read again alone, and this one is named when it fails again.
        os._exit(1)
    return name, outcome


def _exit_with_parent(parent: int) -> None:
    """In a worker: end when the update that started it is gone (killed, say)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def _address_space() -> int:
    """This process's virtual memory size in bytes (what RLIMIT_AS bounds)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _memory_mb() -> int:
    return _setting(WORKER_MEMORY_ENV, DEFAULT_WORKER_MEMORY_MB)


def _max_seconds() -> int:
    return _setting(MAX_SECONDS_ENV, DEFAULT_MAX_FILE_SECONDS)


def _setting(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name}={value!r} is not a whole number above 0")
    return int(value)
