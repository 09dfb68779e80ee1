"""The Whoosh schema and the one function that turns a record into what the index keeps.

Whoosh holds one document per report: the metadata to filter and facet by (ID and numeric
fields with columns), the content hash re-indexing compares, and the record as stored JSON
for result pages and the document view. Passage texts and their grams live in the text index
beside it (textindex.py), in the same generation.
"""

from __future__ import annotations

import json

from whoosh import fields

from .normalize import normalize
from .records import Record
from .textindex import ReportEntry, category_mask

# Bump when the schema or what goes into a field changes: the next update rebuilds in full.
SCHEMA_VERSION = 2
SECTION_SEPARATOR = " › "


def build_schema() -> fields.Schema:
    return fields.Schema(
        file=fields.ID(stored=True, unique=True, sortable=True),
        content_hash=fields.ID(stored=True, sortable=True),
        town=fields.ID(stored=True, sortable=True),
        county=fields.ID(stored=True, sortable=True),
        year=fields.NUMERIC(int, bits=16, stored=True, sortable=True, signed=False),
        title=fields.STORED(),
        province=fields.STORED(),
        record=fields.STORED(),
    )


def _folded(value: str | None) -> str | None:
    return normalize(value) if value else None


def report_document(record: Record, content_hash: str) -> dict:
    """The report's Whoosh document; unknown values are left out, not stored as empty."""
    document = {
        "file": record.file,
        "content_hash": content_hash,
        "town": _folded(record.town),
        "county": _folded(record.county),
        "year": record.year,
        "title": record.title,
        "province": record.province,
        "record": json.dumps(record.to_json(), ensure_ascii=False),
    }
    return {name: value for name, value in document.items() if value is not None}


def report_entry(record: Record) -> ReportEntry:
    """The report's passages as the text index keeps them."""
    return ReportEntry(
        file=record.file,
        year=record.year,
        town=_folded(record.town),
        county=_folded(record.county),
        passages=[normalize(p.text) for p in record.passages],
        categories=[category_mask(record.section_categories(p.section)) for p in record.passages],
        sections=[SECTION_SEPARATOR.join(record.section_path(p.section)) for p in record.passages],
    )


def entry_from_document(document: dict) -> ReportEntry:
    """Rebuild a report's entry from its stored record, when no text index can be reused."""
    return report_entry(Record.from_json(json.loads(document["record"])))
