"""The report page's metadata table: each value, the phrase behind it, and its source.

Extraction keeps the evidence for every value it reads (and a sidecar's corrections are
marked as such), so a person can see why the archive files a report under a town and year.
"""

from __future__ import annotations

from indexer import METADATA_FIELDS, Record
from indexer.normalize import normalize

from .highlight import Piece, match_spans, pieces

FIELD_LABELS = {
    "title": "标题",
    "town": "镇/街道",
    "county": "县/区",
    "province": "省",
    "year": "年份",
}
SOURCE_LABELS = {
    "title": "标题",
    "opening": "开头",
    "document name": "引用文件名",  # 《中共威信县委…》
    "body": "正文",
    "override": "人工更正",
}


def metadata_rows(record: Record) -> list[dict]:
    """标题, 镇, 县, 省, 年份: each value with the phrase it was read from and how."""
    rows = []
    for name in METADATA_FIELDS:
        evidence = record.evidence.get(name)
        value = getattr(record, name)
        rows.append(
            {
                "label": FIELD_LABELS[name],
                "value": value,
                "phrase": evidence.phrase if evidence else None,
                "phrase_pieces": _phrase_pieces(evidence.phrase, value) if evidence else [],
                "source": SOURCE_LABELS.get(evidence.source, evidence.source) if evidence else None,
                "override": bool(evidence and evidence.source == "override"),
            }
        )
    return rows


def _phrase_pieces(phrase: str, value: object) -> list[Piece]:
    """The evidence phrase with the value it gave marked, when it appears as written."""
    return pieces(phrase, match_spans(phrase, [normalize(str(value))]) if value else [])
