"""Gunicorn embedded as a library, so `python -m web` is one process tree that Ctrl-C stops.

In its own module because gunicorn imports `fcntl` and cannot be imported on Windows.
"""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class FazhiGunicorn(BaseApplication):
    """Gunicorn with our options instead of its command line; the app is made per worker."""

    def __init__(self, config: dict, options: dict) -> None:
        self.app_config = config
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self):
        """Called in each worker after the fork (preload_app is off): its own app and index."""
        from . import create_app

        return create_app(self.app_config)
