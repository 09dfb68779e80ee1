"""How long the hostile queries take on every route that reads `q`: the bound the README states.

    python -m bench.attack_bounds [--index DIR] [--repeat 3]

opens the index as the web app does (read only: nothing is written to DIR) and sends each of
`CASES` as the `q` of `/`, `/api/search` and `/report/<the first report>` through Flask's test
client, so the figure is the app's own cost without the network. Each request is timed
`--repeat` times; the table gives the first time (nothing of its postings read yet) and the
worst, with the status, then the worst of all. The cases are the ones tests/test_web_attack.py
checks for their answers: a query the parser refuses costs nothing, so the ones that matter
are those it accepts, up to its 500 characters (the README measures a 10,000-report index of
`python -m bench.corpus --n 10000 --seed 0`).
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path
from urllib.parse import quote

# Common words of the reports, run together: jieba splits them into many words, each of
# which occurs in most reports (the costliest natural query the parser accepts).
_WORDS = (
    "法治政府 建设 推进 依法行政 基层 普法宣传 调解 矛盾纠纷 信访 维稳 综合执法 行政复议 "
    "村民委员会 法律顾问 领导干部 学法 平安建设 扫黑除恶 法治宣传教育 公共法律服务"
).split()


def _run_together(length: int, seed: int) -> str:
    rng = random.Random(seed)
    text = ""
    while len(text) < length:
        text += rng.choice(_WORDS)
    return text[:length]


def _percent(text: str) -> str:
    return quote(text, safe="")


# name → the `q` value as it appears in the URL (percent-encoded, so that bytes which are
# not UTF-8 can be sent as a browser or a script would).
CASES: dict[str, str] = {
    "1000 nested parentheses": _percent("(" * 1000 + "法治" + ")" * 1000),
    "249 nested parentheses": _percent("(" * 249 + "法治" + ")" * 249),
    "10,000 characters": _percent("法治" * 5000),
    "200 terms": _percent(" ".join("法治调解信访普法"[i % 8] for i in range(200))),
    "200 terms with OR": _percent(" OR ".join(["法"] * 100)),
    "499 run-together common words": _percent(_run_together(499, seed=1)),
    "499 rare characters": _percent("".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(499))),
    "498-character phrase": _percent('"' + _run_together(498, seed=2) + '"'),
    "control characters": _percent("".join(map(chr, range(1, 32))) + "法治\x7f"),
    "NUL": "%E6%B3%95%00%E6%B2%BB",
    "lone surrogate (CESU-8)": "%ED%A0%80%E6%B3%95",
    "invalid UTF-8": "%FF%FE%C3%28%E6%B3%95",
    "unbalanced quotes and parentheses": _percent('"法治 ((信访 OR'),
    "100 negations": _percent(" ".join(["-法治"] * 100)),
}
ROUTES = ("/?q=", "/api/search?q=", "/report/{file}?q=")


def first_report(app) -> str:
    """A file the index holds, for the report route."""
    from indexer import SearchRequest, search
    from web.index import archive_index

    with app.app_context():
        return search(archive_index(), SearchRequest(query="法治", limit=1)).results[0].file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=Path("var/index"))
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from web import create_app

    app = create_app({"INDEX_DIR": args.index, "ARCHIVE_DIR": args.index.parent / "archive"})
    client = app.test_client()
    file = quote(first_report(app))
    for warm_up in ("法治", "如何加强基层普法宣传", "(法治)"):  # paid once per worker
        client.get("/?q=" + quote(warm_up)).close()
    print(f"{'case':34s} {'route':18s} status  first ms  worst ms")
    worst = (0.0, "", "")
    for name, value in CASES.items():
        for route in ROUTES:
            url = route.format(file=file) + value
            times, status = [], 0
            for _ in range(args.repeat):
                start = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - start)
                status = response.status_code
                response.close()
            label = route.split("?")[0].replace("{file}", "<file>")
            print(f"{name:34s} {label:18s} {status:6d}  {times[0] * 1000:8.1f}  "
                  f"{max(times) * 1000:8.1f}")
            worst = max(worst, (max(times), name, label))
    print(f"worst: {worst[0] * 1000:.1f} ms ({worst[1]}, {worst[2]})")


if __name__ == "__main__":
    main()
