"""Serve the web app with a production WSGI server: `python -m web`, also `fazhi-web`.

A search is CPU-bound Python, so the threads of one process share one core (the GIL). On
Linux and macOS gunicorn runs one worker process per core, and every worker creates the app
after the fork: each opens its own index snapshot when it starts, nothing is preloaded in
the master. Gunicorn does not run on Windows; there waitress serves from one process, on one
core.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import click
import flask

from indexer import ArchiveIndex, IndexUnavailable, default_index_dir
from indexer.lexicon import LexiconError, lexicon

from .userfile import UsersFileError, configured_users_file, read_users

CONFIG_ENV = "FAZHI_WEB_CONFIG"  # as in create_app
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8000
SERVERS = ("gunicorn", "waitress")
# Threads per process: a download to a slow client, or a long search, does not hold up the
# other requests of its worker. They add no search throughput (the GIL); the workers do.
# Safe since each thread searches with its own Whoosh searcher (indexer.store.Snapshot).
THREADS = 4
# A 500-character query (the parser's limit) is ~4.5 kB URL-encoded; gunicorn's default
# request line limit (4094) would answer 400 before the page could say what is wrong.
REQUEST_LINE_LIMIT = 8190  # gunicorn's maximum


def default_server() -> str:
    return "waitress" if sys.platform == "win32" else "gunicorn"


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--host", default=DEFAULT_HOST, show_default=True,
              help="Address to listen on; 0.0.0.0 makes the app reachable from other computers.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535),
              help="Port; 0 picks a free one (the printed URL names it).")
@click.option("--index", "index_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Index folder (default: $FAZHI_INDEX or var/index).")
@click.option("--archive", "archive_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Archive folder, for downloads (default: $FAZHI_ARCHIVE or archive).")
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="the number of CPUs", help="Worker processes (gunicorn only).")
@click.option("--server", type=click.Choice(SERVERS), default=default_server(),
              show_default="gunicorn; waitress on Windows",
              help="WSGI server: waitress is one process (one core) and runs on Windows.")
def main(host: str, port: int, index_dir: Path | None, archive_dir: Path | None, workers: int,
         server: str) -> None:
    """Serve the search pages for an existing index; Ctrl-C stops the server."""
    config = {}
    if index_dir:
        config["INDEX_DIR"] = index_dir.resolve()
    if archive_dir:
        config["ARCHIVE_DIR"] = archive_dir.resolve()
    try:
        check_index(resolve_index_dir(config))
        lexicon()  # before any worker starts: a broken word list is one message, not many
        users_file = configured_users_file()
        if users_file:
            read_users(users_file)  # the same for a broken users file
    except (IndexUnavailable, LexiconError, UsersFileError) as error:
        raise click.ClickException(str(error)) from None
    if server == "waitress":
        serve_waitress(config, host, port)
    else:
        serve_gunicorn(config, host, port, workers)


def resolve_index_dir(config: dict) -> Path:
    """The folder the app will open: `--index`, else the config file's, else the default.

    The same order as the app factory's, so a wrong path is caught before any worker starts.
    """
    if "INDEX_DIR" in config:
        return Path(config["INDEX_DIR"])
    from_file = flask.Config(str(Path(__file__).parent))  # the app's root_path
    if os.environ.get(CONFIG_ENV):
        from_file.from_pyfile(os.environ[CONFIG_ENV])
    return Path(from_file.get("INDEX_DIR") or default_index_dir())


def check_index(index_dir: Path) -> None:
    """Open the index once and close it again; raises IndexUnavailable with the reason.

    Without this a missing index would only show as workers failing to boot, each with a
    traceback. Nothing stays open, so the master process holds no index after the fork.
    """
    archive_index = ArchiveIndex(index_dir)
    try:
        with archive_index.snapshot():
            pass
    finally:
        archive_index.close()


def announce(url: str, host: str) -> None:
    print(f"法治报告检索: {url}  (Ctrl-C stops the server)", flush=True)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"Listening on {host}: other computers on the network can open it.", flush=True)


def serve_gunicorn(config: dict, host: str, port: int, workers: int) -> None:
    from .gunicorn_app import FazhiGunicorn

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": THREADS,
        "preload_app": False,
        "limit_request_line": REQUEST_LINE_LIMIT,
        # One control socket per user (~/.gunicorn) would be shared by every server run here.
        "control_socket_disable": True,
        "when_ready": lambda arbiter: announce(f"{arbiter.LISTENERS[0]}/", host),
    }
    FazhiGunicorn(config, options).run()


def serve_waitress(config: dict, host: str, port: int) -> None:
    from waitress import create_server

    from . import create_app

    # Ctrl-C must stop the server even when SIGINT was ignored at start (a background job of
    # a non-interactive shell), and a service manager's SIGTERM should stop it the same way.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = create_server(create_app(config), host=host, port=port, threads=THREADS)
    bound_host, bound_port = server.effective_host, server.effective_port
    shown = f"[{bound_host}]" if ":" in str(bound_host) else bound_host
    announce(f"http://{shown}:{bound_port}/", host)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
