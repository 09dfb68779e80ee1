"""The index's one schema and the one function that turns a record into its documents.

Each report becomes one `report` document (metadata, jieba words for BM25 ranking, the content
hash re-indexing compares) and one `passage` document per paragraph (its text, grams for exact
matching, and the filter fields copied from the report so a filter is a plain term query).
Fields are paired by job: grams to find, ID and numeric fields to filter, columns to facet.
"""

from __future__ import annotations

import json

from whoosh import fields, formats
from whoosh.analysis import Analyzer

from .analysis import GramTokenizer, JiebaTokenizer
from .normalize import normalize
from .records import Record

# Bump when the schema or what goes into a field changes: the next update rebuilds in full.
SCHEMA_VERSION = 1


def _grams_field() -> fields.FieldType:
    analyzer: Analyzer = GramTokenizer()
    # scorable: whoosh-reloaded stats a length file for every posting of an unscored field
    return fields.FieldType(formats.Existence(), analyzer, scorable=True, stored=False)


def build_schema() -> fields.Schema:
    return fields.Schema(
        kind=fields.ID(),
        file=fields.ID(stored=True, sortable=True),
        # report documents
        title=fields.STORED(),
        province=fields.STORED(),
        words=fields.TEXT(analyzer=JiebaTokenizer(), phrase=False),
        content_hash=fields.STORED(),
        record=fields.STORED(),
        # both: filters and facets
        town=fields.ID(stored=True, sortable=True),
        county=fields.ID(stored=True, sortable=True),
        year=fields.NUMERIC(int, bits=16, stored=True, sortable=True, signed=False),
        # passage documents
        position=fields.STORED(),
        text=fields.STORED(),
        grams=_grams_field(),
        categories=fields.KEYWORD(commas=True),
        category_key=fields.ID(sortable=True),  # the same, as a column for facet counts
        section=fields.STORED(),
        section_grams=_grams_field(),
    )


def record_documents(record: Record, content_hash: str) -> list[dict]:
    """The report document first, then a passage document per paragraph."""
    filters = {
        name: value
        for name, value in (
            ("town", record.town and normalize(record.town)),
            ("county", record.county and normalize(record.county)),
            ("year", record.year),
        )
        if value
    }
    report = {
        "kind": "report",
        "file": record.file,
        "title": record.title,
        "province": record.province,
        "words": record.text,
        "content_hash": content_hash,
        "record": json.dumps(_stored_record(record), ensure_ascii=False),
        **filters,
    }
    passages = []
    for position, passage in enumerate(record.passages):
        path = record.section_path(passage.section)
        passages.append(
            {
                "kind": "passage",
                "file": record.file,
                "position": position,
                "text": passage.text,
                "grams": passage.text,
                "categories": ",".join(record.section_categories(passage.section)),
                "category_key": ",".join(record.section_categories(passage.section)),
                "section": list(path),
                "section_grams": "\n".join(path),
                **filters,
            }
        )
    return [report, *passages]


def _stored_record(record: Record) -> dict:
    """What the document view needs beyond the passages: metadata, evidence, the outline."""
    data = record.to_json()
    del data["passages"]
    return data
