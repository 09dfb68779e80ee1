"""Township rule-of-law reports: read them into records, index them, search them.

What callers (the CLI, the web app, scripts) use is exported here; nothing else needs
importing from inside the package.

The exports are imported on first use (PEP 562): every process that imports a module of the
package runs this file first, and the update's worker processes, which only read reports,
spent 0.4-2 s each importing the search, Whoosh's searching and jieba before their first
file.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

# Each exported name and the module (relative to the package) it comes from.
_SOURCES = {
    "ReportKey": "coverage",
    "archive_reports": "coverage",
    "IndexUnavailable": "errors",
    "QueryError": "errors",
    "ReportReadError": "errors",
    "UpdateInProgress": "errors",
    "build_record": "extraction.extract",
    "TIER_NAMES": "query_plan",
    "METADATA_FIELDS": "records",
    "Evidence": "records",
    "Passage": "records",
    "Record": "records",
    "Section": "records",
    "SORTS": "search",
    "FacetValue": "search",
    "PassageHit": "search",
    "ReportHit": "search",
    "SearchRequest": "search",
    "SearchResults": "search",
    "TierCount": "search",
    "search": "search",
    "FailedFile": "status",
    "IndexStatus": "status",
    "read_status": "status",
    "ArchiveIndex": "store",
    "default_archive_dir": "store",
    "default_index_dir": "store",
    "get_record": "store",
    "UpdateSummary": "update",
    "update_index": "update",
    "CATEGORIES": "vocabulary",
    "FIRST_YEAR": "vocabulary",
    "LAST_YEAR": "vocabulary",
    "MAX_RESULTS": "vocabulary",
    "SECTION_SEPARATOR": "vocabulary",
}

__all__ = sorted(_SOURCES)


def __getattr__(name: str) -> object:
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{source}", __name__), name)
    setattr(sys.modules[__name__], name, value)
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_SOURCES})


class _Package(ModuleType):
    """`indexer.search` is the search function, as when this file imported it eagerly: the
    import system binds a submodule to its package's attribute once it is loaded, which
    would otherwise leave the module `indexer.search` where callers expect the function."""

    def __setattr__(self, name: str, value: object) -> None:
        if isinstance(value, ModuleType) and _SOURCES.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
