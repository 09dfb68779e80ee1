"""Township rule-of-law reports: read them into records, index them, search them."""

from .errors import ReportReadError
from .extract import build_record
from .records import CATEGORIES, Evidence, Passage, Record, Section

__all__ = [
    "CATEGORIES",
    "Evidence",
    "Passage",
    "Record",
    "ReportReadError",
    "Section",
    "build_record",
]
