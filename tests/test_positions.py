"""Terms found through the pair positions are exactly those a scan of the passages finds.

Real segments are written to disk (write_segment) from generated reports and read as one
text index with deletions; every term, from one to eight characters, must be found in the
same live passages as Python's `in` finds it, whole or within a scope. The alphabet is small
so that terms repeat (法法法), overlap themselves and straddle passages, and it mixes UTF-8
widths (ASCII, é, CJK, a character beyond the BMP whose pair codes are shared).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer import textindex
from indexer.segment import ReportEntry, Segment, write_segment
from indexer.textindex import SegmentRef, TextIndex

ALPHABET = "法治宣传普a1é𠀀"
passage = st.text(alphabet=ALPHABET, min_size=1, max_size=24)
report = st.lists(passage, min_size=1, max_size=4)
segment = st.lists(report, min_size=1, max_size=5)


def write(folder: Path, segments: list[list[list[str]]]) -> list[Segment]:
    written = []
    for at, reports in enumerate(segments):
        entries = [
            ReportEntry(f"s{at}r{i}", 2021, "镇", "县", texts, [0] * len(texts), [""] * len(texts))
            for i, texts in enumerate(reports)
        ]
        written.append(Segment.load(write_segment(folder, f"1-{at}", entries)))
    return written


def straddling(texts: list[str], draw: st.DrawFn) -> str:
    """Up to 8 characters running from the end of one passage into the next."""
    joined = "\n".join(texts)
    if "\n" not in joined:
        return joined[:8]
    cut = draw(st.sampled_from([i for i, ch in enumerate(joined) if ch == "\n"]))
    before, after = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    return joined[max(cut - before, 0) : cut + 1 + after].replace("\n", "")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(segment, min_size=1, max_size=3), st.data())
def test_terms_are_found_in_the_passages_a_scan_finds(segments, data):
    deleted = [
        tuple(sorted(data.draw(st.sets(st.integers(0, len(reports) - 1)), label="deleted")))
        for reports in segments
    ]
    live = [
        text
        for reports, gone in zip(segments, deleted, strict=True)
        for i, texts in enumerate(reports)
        if i not in gone
        for text in texts
    ]
    all_texts = [text for reports in segments for texts in reports for text in texts]
    terms = {"法法法", "𠀀法", "é普"}
    for _ in range(12):
        terms.add(data.draw(st.text(alphabet=ALPHABET, min_size=1, max_size=8), label="term"))
        source = data.draw(st.sampled_from(all_texts), label="source")
        start = data.draw(st.integers(0, len(source) - 1), label="start")
        terms.add(source[start : start + data.draw(st.integers(1, 8), label="length")])
        terms.add(straddling(all_texts, data.draw))
    scope = np.array(data.draw(st.lists(st.booleans(), min_size=len(live), max_size=len(live))))
    with tempfile.TemporaryDirectory() as folder:
        written = write(Path(folder), segments)
        refs = [SegmentRef(f"1-{at}", gone) for at, gone in enumerate(deleted)]
        index = TextIndex.of(Path(folder) / "text-1.json", written, refs)
        assert index.passage_count == len(live)
        for term in sorted(terms - {""}):
            expected = [at for at, text in enumerate(live) if term in text]
            in_scope = [at for at in expected if scope[at]]
            # first (not yet cached): a narrow scope's passages, each tested
            assert index.containing(term, scope.astype(bool)).tolist() == in_scope, term
            assert index.containing(term, None).tolist() == expected, term
            # a scope too wide to test passage by passage: the positions, then the scope
            with patch.object(textindex, "SCOPE_TESTED", 0):
                assert index._containing(term, scope.astype(bool)).tolist() == in_scope, term
                # the scope handed to every segment, deletions and all: the text is read only
                # at positions in it
                with patch.object(textindex, "NARROW_SCOPE", 0):
                    narrow = index._containing(term, scope.astype(bool))
                    assert narrow.tolist() == in_scope, term


def test_positions_list_every_occurrence_of_a_pair_in_text_order(tmp_path):
    (segment,) = write(tmp_path, [[["法法法治", "治法"], ["a法法"]]])
    text = bytes(segment.text)
    for at, code in enumerate(segment.gram_codes.tolist()):
        found = segment.gram_positions[
            segment.position_offsets[at] : segment.position_offsets[at + 1]
        ].tolist()
        pair = chr(code >> 16) + chr(code & 0xFFFF)
        if code & 0xFFFF == 0xFFFF:  # a single character's code: no positions
            assert found == []
            continue
        needle = pair.encode("utf-8")
        assert found == [i for i in range(len(text)) if text.startswith(needle, i)], pair
    assert segment.containing("法法").tolist() == [0, 2]
    assert segment.containing("法法治").tolist() == [0]
    assert segment.containing("治治").tolist() == []  # 治 ends one passage, starts the next
