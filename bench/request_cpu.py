"""CPU per web request, in one process: what bounds the server's requests/s on two cores.

`python -m bench.request_cpu --index DIR --archive DIR [--repeat R] [--no-term-cache]
[--profile N]` sends the load benchmark's URLs (bench.load: the query mix as /api/search and
as the search page) through the Flask test client, once to warm up, then R times, and prints
the CPU milliseconds per request of the best pass, for the API and for the page. The text
index keeps the passages of the terms it has looked up (a generation never changes);
`--no-term-cache` turns that off, so every request looks its terms up again, as the first
request for a term does. `--profile N` also prints cProfile's N most costly functions.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from pathlib import Path

import click

from .load import query_mix, request_paths


@click.command()
@click.option("--index", "index_dir", type=click.Path(path_type=Path, file_okay=False),
              required=True)
@click.option("--archive", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option("--mix", default=100, show_default=True, help="queries in the mix")
@click.option("--seed", default=0, show_default=True)
@click.option("--repeat", default=5, show_default=True, help="timed passes; the best counts")
@click.option("--no-term-cache", is_flag=True, help="look every term up again")
@click.option("--profile", default=0, help="print cProfile's N most costly functions")
def main(index_dir: Path, archive: Path, mix: int, seed: int, repeat: int,
         no_term_cache: bool, profile: int) -> None:
    from indexer import textindex
    from web import create_app

    if no_term_cache:
        textindex.TERM_CACHE_IDS = 0
    paths = request_paths(query_mix(index_dir, mix, seed))
    client = create_app({"INDEX_DIR": index_dir, "ARCHIVE_DIR": archive}).test_client()
    for path in paths:  # the first search of a process opens the index
        response = client.get(path)
        if response.status_code != 200:
            raise click.ClickException(f"{path}: status {response.status_code}")
    for name, prefix in (("api", "/api/"), ("page", "/?")):
        chosen = [path for path in paths if path.startswith(prefix)]
        passes = []
        for _ in range(repeat):
            started = time.process_time()
            for path in chosen:
                client.get(path)
            passes.append(time.process_time() - started)
        click.echo(f"{name:<5} {len(chosen)} requests: {min(passes) / len(chosen) * 1000:.2f} ms "
                   f"CPU per request (best of {repeat}; median "
                   f"{sorted(passes)[len(passes) // 2] / len(chosen) * 1000:.2f})")
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for path in paths:
            client.get(path)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(profile)


if __name__ == "__main__":
    main()
