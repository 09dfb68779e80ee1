"""The five sample reports read as a careful reader reads them (shared/corpus/expected.json)."""

from __future__ import annotations

import pytest

from indexer import build_record
from indexer.records import METADATA_FIELDS

from .conftest import ARCHIVE, expected_records

SAMPLES = expected_records()


@pytest.fixture(scope="module", params=SAMPLES, ids=[s["file"][:3] for s in SAMPLES])
def sample(request):
    expected = request.param
    return expected, build_record(ARCHIVE / expected["file"], ARCHIVE)


def test_metadata(sample):
    expected, record = sample
    assert {name: getattr(record, name) for name in METADATA_FIELDS} == {
        name: expected[name] for name in METADATA_FIELDS
    }


def test_every_known_value_has_evidence_quoted_from_the_text(sample):
    _, record = sample
    for name in METADATA_FIELDS:
        if getattr(record, name) is None:
            assert name not in record.evidence
            continue
        evidence = record.evidence[name]
        assert evidence.source in {"title", "document name", "opening", "body"}
        assert record.text[evidence.start : evidence.start + 1] == evidence.phrase[0]


def test_top_level_headings_and_categories(sample):
    expected, record = sample
    wanted = [
        (h["heading"], c if isinstance(c := h["category"], list) else [c])
        for h in expected["headings"]
    ]
    assert [(s.heading, list(s.categories)) for s in record.sections if s.level == 1] == wanted


def test_second_level_headings(sample):
    expected, record = sample
    assert [s.heading for s in record.sections if s.level == 2] == expected["subheadings"]


def test_conversion_leftovers_are_gone(sample):
    _, record = sample
    assert "[bookmark" not in record.text
    assert all("GoBack" not in p.text for p in record.passages)


def test_passages_cover_the_text_and_know_their_section(sample):
    _, record = sample
    assert "\n".join(p.text for p in record.passages) == record.text
    for passage in record.passages:
        if passage.section >= 0:
            section = record.sections[passage.section]
            assert section.start <= passage.start < section.end


def test_sections_span_their_heading_and_nest(sample):
    _, record = sample
    for section in record.sections:
        assert record.text[section.start :].startswith(section.heading)
        for parent_heading in section.path:
            parent = next(
                s
                for s in record.sections
                if s.heading == parent_heading and s.start <= section.start < s.end
            )
            assert parent.level < section.level
            assert section.end <= parent.end


def test_inline_enumerations_are_a_third_level():
    record = build_record(ARCHIVE / "004_29188ea04fd9316d.txt")
    inline = [s for s in record.sections if s.level == 3]
    assert [s.heading[:2] for s in inline[:3]] == ["一是", "二是", "三是"]
    assert inline[0].path == ("1、 扛牢政治责任，夯实法治建设基础",)
    assert inline[0].categories == ("measures",)
