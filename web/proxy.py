"""Behind a reverse proxy (nginx with HTTPS on the office network): trust its X-Forwarded-*.

Only when PROXY_FIX names how many proxies stand in front (1 for one nginx): otherwise a
client could forge X-Forwarded-For and pass as another address (the login's rate limit
counts failures per address) or claim HTTPS it does not have.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def register(app: Flask) -> None:
    hops = int(app.config.get("PROXY_FIX") or 0)
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops
        )
