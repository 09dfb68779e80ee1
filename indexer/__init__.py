"""Township rule-of-law reports: read them into records, index them, search them.

What callers (the CLI, the web app, scripts) use is exported here; nothing else needs
importing from inside the package.
"""

from .coverage import ReportKey, archive_reports
from .errors import IndexUnavailable, QueryError, ReportReadError, UpdateInProgress
from .extraction.extract import build_record
from .query_plan import TIER_NAMES
from .records import METADATA_FIELDS, Evidence, Passage, Record, Section
from .search import (
    SORTS,
    FacetValue,
    PassageHit,
    ReportHit,
    SearchRequest,
    SearchResults,
    TierCount,
    search,
)
from .status import FailedFile, IndexStatus, read_status
from .store import (
    ArchiveIndex,
    default_archive_dir,
    default_index_dir,
    get_record,
)
from .update import UpdateSummary, update_index
from .vocabulary import CATEGORIES, FIRST_YEAR, LAST_YEAR, MAX_RESULTS, SECTION_SEPARATOR

__all__ = [
    "CATEGORIES",
    "FIRST_YEAR",
    "LAST_YEAR",
    "MAX_RESULTS",
    "SECTION_SEPARATOR",
    "METADATA_FIELDS",
    "SORTS",
    "TIER_NAMES",
    "ArchiveIndex",
    "Evidence",
    "FacetValue",
    "FailedFile",
    "IndexStatus",
    "IndexUnavailable",
    "Passage",
    "PassageHit",
    "QueryError",
    "Record",
    "ReportHit",
    "ReportKey",
    "ReportReadError",
    "SearchRequest",
    "SearchResults",
    "Section",
    "TierCount",
    "UpdateInProgress",
    "UpdateSummary",
    "archive_reports",
    "build_record",
    "default_archive_dir",
    "default_index_dir",
    "get_record",
    "read_status",
    "search",
    "update_index",
]
