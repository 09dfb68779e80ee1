"""Headers on every response: the pages run only their own files, in no frame, and say so.

All script is in static files (no inline script, no inline style), so the policy can stay
at 'self' for everything; inline SVG charts style themselves with classes too.
"""

from __future__ import annotations

from flask import Flask, Response

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def register(app: Flask) -> None:
    @app.after_request
    def add_headers(response: Response) -> Response:
        response.headers.update(HEADERS)
        return response
