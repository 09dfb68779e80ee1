"""The archive in a browser: search, read a report, see what the archive holds.

`create_app(config)` builds the Flask app. It opens the index at once (each worker process
pays the first open at start, not on a user's first search) and keeps it in
`app.extensions["fazhi"]` (`index.py` hands it to views). Pages are the blueprint in
`views.py`, the JSON API the one in `api.py`. The URL is the whole state of a search:
`state.py` reads it and builds every link by adding or removing parameters. `results.py`,
`facets.py`, `highlight.py`, `outline.py`, `metadata.py`, `overview.py` and `charts.py` turn search
results and records into plain data (pieces of text to mark, blocks of an outline, bars
with their geometry) that the autoescaped Jinja templates only lay out; no HTML is built in
Python. `errors.py` turns every failure into a Chinese page (or a JSON error under /api/),
never a traceback, and `security.py` adds the headers every response carries. With
USERS_FILE set, `auth.py` asks for a login before anything else (`users.py` keeps the file);
`proxy.py` trusts a reverse proxy's X-Forwarded-* headers only when PROXY_FIX says so. Only
`static/app.js` runs in the browser, and every page works without it.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

from indexer import ArchiveIndex, IndexUnavailable, default_archive_dir, default_index_dir
from indexer.analysis import segmenter
from indexer.lexicon import lexicon

from . import api, auth, copies_views, errors, proxy, security, state, tools, town, views
from .index import EXTENSION
from .userfile import USERS_ENV

CONFIG_ENV = "FAZHI_WEB_CONFIG"


def create_app(config: dict | None = None) -> Flask:
    """The app; settings from the defaults, then the file named by $FAZHI_WEB_CONFIG, then
    `config` (tests), so the most specific wins."""
    app = Flask(__name__)
    app.config.update(
        INDEX_DIR=default_index_dir(),
        ARCHIVE_DIR=default_archive_dir(),
        USERS_FILE=os.environ.get(USERS_ENV),
    )
    if os.environ.get(CONFIG_ENV):
        app.config.from_pyfile(os.environ[CONFIG_ENV])
    app.config.update(config or {})
    app.config["INDEX_DIR"] = Path(app.config["INDEX_DIR"]).absolute()
    app.config["ARCHIVE_DIR"] = Path(app.config["ARCHIVE_DIR"]).absolute()
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]  # the CLI's key order
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    lexicon()  # a broken stopwords or synonyms file stops the app here, its lines named
    segmenter()  # jieba's dictionary (1-3 s): when the worker starts, not in a user's search
    app.extensions[EXTENSION] = _open_index(app.config["INDEX_DIR"])
    proxy.register(app)
    auth.register(app)  # first of the request hooks: nothing runs for a visitor not signed in
    app.register_blueprint(views.pages)
    app.register_blueprint(api.api)
    tools.register(app)  # the comparison and the downloads (tools.py)
    app.register_blueprint(copies_views.pages)
    app.register_blueprint(copies_views.api)
    app.register_blueprint(town.town)
    state.register(app)
    errors.register(app)
    security.register(app)
    return app


def _open_index(path: Path) -> ArchiveIndex:
    """The index, opened now when it exists; a missing one is retried at each request."""
    archive_index = ArchiveIndex(path)
    try:
        with archive_index.snapshot():
            pass
    except IndexUnavailable as error:
        logging.getLogger(__name__).warning("pages answer 503 until the index is built: %s", error)
    return archive_index
