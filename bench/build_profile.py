"""Where a build's time, memory and writes go, by phase: run `update_index` in this process
while a daemon thread samples, every `--interval` s, the main thread's stack (the functions of
the index's code and Whoosh on it), RssAnon, RssFile and /proc/self/io's write_bytes.

Each function's inclusive time is the samples with it on the stack; its memory is the most
RssAnon seen while it was; its writes the write_bytes grown while it was (sampled: the
figures are estimates, and a short phase may be missed). Usage:

    python -m bench.build_profile ARCHIVE INDEX [--interval 0.05] [--top 30]

INDEX is emptied first (a full build), so name a scratch folder.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

_WATCHED = ("/indexer/", "/whoosh/", "/shutil.py")


@dataclass
class Phase:
    samples: int = 0
    own_peak_kb: int = 0
    file_peak_kb: int = 0
    written: int = 0


@dataclass
class Profile:
    interval: float
    phases: dict[str, Phase] = field(default_factory=lambda: defaultdict(Phase))
    own_peak_kb: int = 0
    own_peak_stack: tuple[str, ...] = ()
    samples: int = 0


def _status() -> dict[str, int]:
    wanted = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("RssAnon", "RssFile"):
            wanted[name] = int(value.split()[0])
    for line in Path("/proc/self/io").read_text().splitlines():
        name, _, value = line.partition(":")
        if name == "write_bytes":
            wanted[name] = int(value)
    return wanted


def _stack(thread_id: int) -> tuple[str, ...]:
    """The watched functions on a thread's stack, outermost first."""
    frame = sys._current_frames().get(thread_id)
    names = []
    while frame is not None:
        path = frame.f_code.co_filename
        if any(part in path for part in _WATCHED):
            names.append(f"{Path(path).stem}.{frame.f_code.co_name}")
        frame = frame.f_back
    return tuple(reversed(names))


def profile_build(archive: Path, index: Path, interval: float) -> tuple[Profile, float]:
    from indexer.update import update_index

    for target in index.parent.glob(index.name + "*"):
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
    profile = Profile(interval)
    main = threading.get_ident()
    stop = threading.Event()

    def sample() -> None:
        last = _status()["write_bytes"]
        while not stop.wait(interval):
            status, stack = _status(), _stack(main)
            profile.samples += 1
            if status["RssAnon"] > profile.own_peak_kb:
                profile.own_peak_kb, profile.own_peak_stack = status["RssAnon"], stack
            for name in set(stack) or {"(outside)"}:
                phase = profile.phases[name]
                phase.samples += 1
                phase.own_peak_kb = max(phase.own_peak_kb, status["RssAnon"])
                phase.file_peak_kb = max(phase.file_peak_kb, status["RssFile"])
                phase.written += status["write_bytes"] - last
            last = status["write_bytes"]

    thread = threading.Thread(target=sample, daemon=True)
    started = time.perf_counter()
    thread.start()
    try:
        update_index(archive, index)
    finally:
        stop.set()
        thread.join()
    return profile, time.perf_counter() - started


def format_profile(profile: Profile, seconds: float, top: int) -> str:
    lines = [
        f"build {seconds:.1f} s, {profile.samples} samples; own peak "
        f"{profile.own_peak_kb / 1024:.0f} MB at:",
        *(f"    {name}" for name in profile.own_peak_stack),
        "",
        f"{'function (inclusive)':<48} {'s':>8} {'own MB':>7} {'file MB':>8} {'written MB':>11}",
    ]
    ranked = sorted(profile.phases.items(), key=lambda item: -item[1].samples)
    for name, phase in ranked[:top]:
        lines.append(
            f"{name[:48]:<48} {phase.samples * profile.interval:8.1f} "
            f"{phase.own_peak_kb / 1024:7.0f} {phase.file_peak_kb / 1024:8.0f} "
            f"{phase.written / 2**20:11.0f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("index", type=Path)
    parser.add_argument("--interval", type=float, default=0.05)
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args(argv)
    profile, seconds = profile_build(args.archive, args.index, args.interval)
    print(format_profile(profile, seconds, args.top))


if __name__ == "__main__":
    main()
