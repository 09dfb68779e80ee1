"""`python -m bench.replay`: a bench run's queries replayed on an index, timed by class, and
every answer dumped as the search gives it (what proves a speed change changed no result)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from bench.replay import main
from indexer import ArchiveIndex, SearchRequest, search, update_index


def test_replay_times_each_class_and_dumps_every_answer(tmp_path):
    shutil.copytree(Path(__file__).parent / "data" / "samples", tmp_path / "archive")
    update_index(tmp_path / "archive", tmp_path / "index")
    queries = [
        {"text": "信访", "class": "2-char", "filters": {}},
        {"text": "法治建设", "class": "4-char", "filters": {"year_from": 2020}},
        {"text": "普法 -禁毒", "class": "multi", "filters": {}},
    ]
    result = tmp_path / "result.json"
    result.write_text(json.dumps({"queries": queries}, ensure_ascii=False), encoding="utf-8")
    times, dump = tmp_path / "times.json", tmp_path / "dump.jsonl"

    args = [str(tmp_path / "index"), str(result), "--rounds", "2"]
    ran = CliRunner().invoke(main, [*args, "--times", str(times), "--dump", str(dump)])

    assert ran.exit_code == 0, ran.output
    assert [line.split()[0] for line in ran.output.splitlines()[1:5]] == [
        "2-char",
        "4-char",
        "multi",
        "all",
    ]
    timed = json.loads(times.read_text(encoding="utf-8"))
    assert [t["text"] for t in timed] == [q["text"] for q in queries]
    assert all(0 < t["cpu_ms"] and 0 < t["wall_ms"] for t in timed)
    index = ArchiveIndex(tmp_path / "index")
    try:
        lines = [json.loads(line) for line in dump.read_text(encoding="utf-8").splitlines()]
        assert len(lines) == len(queries)
        for line, query in zip(lines, queries, strict=True):
            request = SearchRequest(query=query["text"], limit=10, **query["filters"])
            assert line["answer"] == json.loads(json.dumps(search(index, request).to_json()))
            assert line["answer"]["total_reports"] > 0
    finally:
        index.close()
