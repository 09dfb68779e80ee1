"""The copied-text computation reads every segment's text once (a full build's, 2.8 GB at
300,000 reports) and gives each segment's pages back as it goes, so the mapped text does not
add up in the build's resident memory; pages read again after that are read from the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bench.corpus import generate_corpus
from indexer import update_index
from indexer.copies import compute
from indexer.textindex import TextIndex, existing_generations


def _resident_text_kb(index: Path) -> int:
    """Resident kB of this process's mappings of `index`'s passages.txt files (other tests
    may leave other indexes mapped), from /proc/self/smaps."""
    prefix = str(index.resolve()) + "/"
    total, counting = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5:  # a mapping's header line
            counting = fields[-1].startswith(prefix) and line.endswith("/passages.txt")
        elif counting and fields[0] == "Rss:":
            total += int(fields[1])
    return total


def test_the_computation_releases_each_segments_text_and_gives_the_same_arrays(tmp_path):
    archive, index = tmp_path / "archive", tmp_path / "index"
    generate_corpus(archive, 60, 3)
    assert not update_index(archive, index, batch_files=15).failed
    text = TextIndex.load(index, existing_generations(index)[-1])
    segments = [part.segment for part in text.parts]
    assert len(segments) > 1
    assert sum(bytes(s.text).count(b"\n") for s in segments) > 0  # every page read: resident
    assert _resident_text_kb(index) > 0

    first = compute(text)
    assert _resident_text_kb(index) == 0
    again = compute(text)  # from pages read back from the files
    assert first.keys() == again.keys()
    for name, array in first.items():
        assert np.array_equal(array, again[name]), name
    fresh = compute(TextIndex.load(index, existing_generations(index)[-1]))
    for name, array in first.items():
        assert np.array_equal(array, fresh[name]), name
