"""The app's open index, for views and the API."""

from __future__ import annotations

from flask import current_app

from indexer import ArchiveIndex

EXTENSION = "fazhi"  # the key of the open index in app.extensions


def archive_index() -> ArchiveIndex:
    return current_app.extensions[EXTENSION]
