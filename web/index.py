"""The app's open index, for views and the API."""

from __future__ import annotations

from flask import current_app

from indexer import ArchiveIndex


def archive_index() -> ArchiveIndex:
    return current_app.extensions["fazhi"]
