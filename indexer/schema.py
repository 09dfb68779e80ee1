"""The Whoosh schema and the one function that turns a record into what the index keeps.

Whoosh holds one document per report and only what is asked of it: the file name (the key a
report is replaced, deleted and looked up by), the content hash re-indexing compares (a
column, read for every report at each update), and the record as stored JSON for result pages
and the report view. Filters, facets and passages live in the text index beside it
(textindex.py), in the same generation, so nothing is stored twice.
"""

from __future__ import annotations

import json

from whoosh import fields

from .normalize import normalize
from .records import Record
from .textindex import ReportEntry, category_mask
from .vocabulary import SECTION_SEPARATOR

# Bump when the schema or what goes into a field changes: the next update rebuilds in full.
SCHEMA_VERSION = 3


def build_schema() -> fields.Schema:
    return fields.Schema(
        file=fields.ID(stored=True, unique=True, sortable=True),
        content_hash=fields.ID(stored=True, sortable=True),
        record=fields.STORED(),
    )


def folded(value: str | None) -> str | None:
    """A town or county as filters and facets compare it."""
    return normalize(value) if value else None


def report_document(record: Record, content_hash: str) -> dict:
    """The report's Whoosh document."""
    return {
        "file": record.file,
        "content_hash": content_hash,
        "record": json.dumps(record.to_json(), ensure_ascii=False),
    }


def report_entry(record: Record) -> ReportEntry:
    """The report's passages as the text index keeps them."""
    return ReportEntry(
        file=record.file,
        year=record.year,
        town=folded(record.town),
        county=folded(record.county),
        passages=[normalize(p.text) for p in record.passages],
        categories=[category_mask(record.section_categories(p.section)) for p in record.passages],
        sections=[SECTION_SEPARATOR.join(record.section_path(p.section)) for p in record.passages],
    )


def entry_from_document(document: dict) -> ReportEntry:
    """Rebuild a report's entry from its stored record, when no text index can be reused."""
    return report_entry(Record.from_json(json.loads(document["record"])))
