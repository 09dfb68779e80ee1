"""Copied text on a real index: planted copies found, common wording not counted, changed
and deleted reports dropping out after the next update, a missing or damaged table never
read, and the generator's planted copies found at the rate the README states."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bench.corpus import generate_corpus
from indexer import ArchiveIndex, update_index
from indexer import copies as copies_module
from indexer.copies import COMMON_REPORTS, Copies, compute, copies_dir, load_for
from indexer.copies_query import list_pairs, report_copies
from indexer.normalize import normalize
from indexer.sentence_keys import MIN_CHARS, sentence_hash, sentence_spans
from indexer.textindex import TextIndex, existing_generations
from tests.conftest import write_report_docx

# Three sentences a neighbour and the next year take over, each a report's own wording.
COPIED = [
    "青山镇在全县率先建成村级法律服务站十八个，聘请律师驻站值班两百余天。",
    "组织镇村干部旁听庭审三次，参加人员一百二十人，撰写心得体会八十篇。",
    "对照权责清单逐项梳理行政执法事项四十六项，公示执法流程图十二张。",
]
COMMON = "现将本镇本年度法治政府建设的有关情况报告如下。"  # in every report


def _report(town: str, year: int, body: list[str]) -> str:
    opening = f"{year}年以来，{town}扎实推进法治建设。{COMMON}"
    problem = f"{town}法治宣传的针对性还不够强，效果有待提高。"
    lines = [f"{town}{year}年法治政府建设情况报告", opening, "一、主要工作", *body]
    lines += ["二、存在的问题", problem]
    return "\n".join(lines)


def _filler(number: int) -> str:
    town = f"{'东西南北中'[number % 5]}{'山水河湖川岭'[number // 5]}镇"
    own = f"{town}第{number}号台账记录了全年的法治宣传活动和矛盾纠纷调处情况。"
    return _report(town, 2020, [own])


@pytest.fixture
def planted(tmp_path: Path) -> tuple[Path, Path]:
    """An archive where 白石镇 2021 (.docx) copies 青山镇 2021, 青山镇 2022 copies its
    previous year, 青山镇 2019 shares the same sentences (not adjacent: not listed), and
    COMMON_REPORTS + 2 fillers share only the common opening."""
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "青山镇2021.txt").write_text(_report("青山镇", 2021, COPIED), "utf-8")
    own = "白石镇结合本镇实际制定了年度普法责任清单和考核办法。"
    write_report_docx(
        archive / "白石镇2021.docx",
        "白石镇2021年法治政府建设情况报告",
        [("一、主要工作", [f"2021年以来，白石镇推进法治建设。{COMMON}", own + "".join(COPIED)])],
    )
    next_year = [*COPIED[:2], "青山镇二〇二二年新建调解室五个，调处纠纷九十三件。"]
    (archive / "青山镇2022.txt").write_text(_report("青山镇", 2022, next_year), "utf-8")
    (archive / "青山镇2019.txt").write_text(_report("青山镇", 2019, COPIED[1:]), "utf-8")
    for number in range(COMMON_REPORTS + 2):
        (archive / f"filler{number:02d}.txt").write_text(_filler(number), "utf-8")
    index = tmp_path / "index"
    assert not update_index(archive, index).failed
    return archive, index


def _text_and_copies(index: Path) -> tuple[TextIndex, Copies]:
    generation = existing_generations(index)[-1]
    text = TextIndex.load(index, generation)
    copies = load_for(text)
    assert copies is not None, "the update computes the copies of its generation"
    return text, copies


def _pairs(index: Path) -> dict[frozenset, tuple[str, int]]:
    text, copies = _text_and_copies(index)
    listed = list_pairs(copies, text, limit=1000)
    assert listed.total == len(listed.pairs)
    return {frozenset((p.a.file, p.b.file)): (p.kind, p.sentences) for p in listed.pairs}


def test_sentences_cut_keyed_and_short_ones_ignored() -> None:
    text = "一是加强领导。(二)全镇开展法治宣传活动十二场次，群众满意；短句！"
    text += "二是加强领导干部学法用法工作"
    keys = [key for _, _, key in sentence_spans(text)]
    assert keys == ["全镇开展法治宣传活动十二场次群众满意", "加强领导干部学法用法工作"]
    assert all(len(key) >= MIN_CHARS for key in keys)
    begin, end, _ = sentence_spans(text)[0]
    assert text[begin:end] == "(二)全镇开展法治宣传活动十二场次，群众满意；"


def test_sentence_hash_is_the_same_in_every_process() -> None:
    """Stored hashes must mean the same in the next update: not Python's seeded hash."""
    key = "全镇开展法治宣传活动十二场次群众满意"
    script = f"from indexer.sentence_keys import sentence_hash; print(sentence_hash({key!r}))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            cwd=Path(__file__).resolve().parent.parent,
        ).stdout.strip()
        for seed in ("1", "2")
    }
    assert outputs == {str(sentence_hash(key))}


def test_planted_copies_are_listed_and_common_wording_is_not(planted) -> None:
    _, index = planted
    pairs = _pairs(index)
    assert pairs[frozenset(("青山镇2021.txt", "白石镇2021.docx"))] == ("other town", 3)
    # Two copied sentences and the town's own problem sentence, which every year repeats.
    assert pairs[frozenset(("青山镇2021.txt", "青山镇2022.txt"))] == ("previous year", 3)
    assert frozenset(("青山镇2019.txt", "青山镇2021.txt")) not in pairs  # same town, 2 years
    # The fillers share the common opening only: no pair among them.
    assert not [key for key in pairs if any(f.startswith("filler") for f in key)]


def test_report_passages_name_the_other_reports(planted) -> None:
    _, index = planted
    text, copies = _text_and_copies(index)
    found = report_copies(copies, text, "青山镇2021.txt")
    assert found is not None
    copied = [p for p in found.passages if p.copied]
    others = {ref.file for p in copied for ref in p.others}
    assert others == {"白石镇2021.docx", "青山镇2022.txt", "青山镇2019.txt"}
    common = [s for p in found.passages for s in p.common]
    assert len(common) == 1 and common[0].reports == COMMON_REPORTS + 2 + 4
    assert common[0].others == []
    assert {p.b.file for p in found.pairs} == {"白石镇2021.docx", "青山镇2022.txt"}
    assert report_copies(copies, text, "nowhere.txt") is None


def test_changed_and_deleted_reports_drop_out_after_the_update(planted) -> None:
    archive, index = planted
    (archive / "白石镇2021.docx").unlink()
    (archive / "青山镇2022.txt").write_text(
        _report("青山镇", 2022, ["青山镇今年改写了全部内容，不再照抄上一年度的报告文字。"]), "utf-8"
    )
    summary = update_index(archive, index)
    assert summary.removed == ["白石镇2021.docx"] and summary.updated == ["青山镇2022.txt"]
    assert _pairs(index) == {}
    text, copies = _text_and_copies(index)
    assert "白石镇2021.docx" not in copies.files
    found = report_copies(copies, text, "青山镇2021.txt")
    first = text.report_passage_start[text.files.index("青山镇2021.txt")]
    copied = {normalize(sentence) for sentence in COPIED}  # as the text index keeps them
    holding = [p for p in found.passages if text.passage_text(first + p.position) in copied]
    assert {ref.file for p in holding for ref in p.others} == {"青山镇2019.txt"}
    # Only this generation's table and the one before it are kept.
    assert len(list(index.glob("copies-*"))) <= 2


def test_a_table_describes_only_the_generation_it_was_computed_for(planted) -> None:
    """A no-op update keeps the table from the generation file and segment headers alone;
    the same segments with one report deleted are another generation's reports."""
    archive, index = planted
    before = existing_generations(index)[-1]
    table = Copies.load(copies_dir(index, before))
    assert copies_module._describes(table, index, before)
    update_index(archive, index)  # nothing changed: the same generation and table
    assert existing_generations(index)[-1] == before
    assert copies_dir(index, before).is_dir()
    (archive / "filler03.txt").unlink()
    update_index(archive, index)
    after = existing_generations(index)[-1]
    assert after != before and not copies_module._describes(table, index, after)
    assert copies_module._describes(Copies.load(copies_dir(index, after)), index, after)


def test_reused_sentences_equal_a_computation_from_scratch(planted) -> None:
    archive, index = planted
    newcomer = _report("新来镇", 2021, COPIED[:1] + COPIED[2:])
    (archive / "新来镇2021.txt").write_text(newcomer, "utf-8")
    (archive / "filler03.txt").unlink()
    update_index(archive, index)
    text, incremental = _text_and_copies(index)
    fresh = compute(text)
    for name, array in fresh.items():
        assert np.array_equal(getattr(incremental, name), array), name
    assert len(incremental.report_digest) == len(text.files)


def test_an_update_reads_only_its_new_segments_for_the_digests(planted) -> None:
    """Segments are never rewritten under their name: the reports of a segment the last
    computation read take their digests from it, the new segment's are read."""
    archive, index = planted
    text, before = _text_and_copies(index)
    (archive / "新来镇2021.txt").write_text(_report("新来镇", 2021, COPIED[:2]), "utf-8")
    update_index(archive, index)
    text, _ = _text_and_copies(index)
    marked = dataclasses.replace(before, report_digest=np.asarray(before.report_digest) + 1)
    digests = copies_module.report_digests(text, marked)
    read = copies_module.report_digests(text)
    old = [before.files.index(f) if f in before.files else -1 for f in text.files]
    for report, where in enumerate(old):
        expected = marked.report_digest[where] if where >= 0 else read[report]
        assert digests[report] == expected, text.files[report]
    assert -1 in old and len(set(old)) > 2


def test_reports_are_cut_a_few_at_a_time_as_each_passage_alone(planted, monkeypatch) -> None:
    """Runs of consecutive reports are cut at once, at most _RUN_REPORTS: where a run ends
    (a deleted report, the limit, a segment's end) changes no sentence."""
    archive, index = planted
    (archive / "filler03.txt").unlink()  # a hole in the segment's reports
    update_index(archive, index)
    text, _ = _text_and_copies(index)
    assert any(part.live_reports is not None for part in text.parts)
    expected = [
        (sentence_hash(key), passage, begin, end, len(key))
        for passage in range(text.passage_count)
        for begin, end, key in sentence_spans(text.passage_text(passage))
    ]
    for run in (2, copies_module._RUN_REPORTS):
        monkeypatch.setattr(copies_module, "_RUN_REPORTS", run)
        found = compute(text)
        columns = ("hash", "passage", "begin", "end", "chars")
        rows = zip(*(found[f"sentence_{name}"].tolist() for name in columns), strict=True)
        assert list(rows) == expected


def test_an_optimize_leaves_the_copies_of_its_own_generation(planted) -> None:
    """A merge moves reports and passages: the copies are those of the merged generation."""
    from indexer.update import optimize_index

    archive, index = planted
    (archive / "新来镇2021.txt").write_text(_report("新来镇", 2021, COPIED[:2]), "utf-8")
    update_index(archive, index)  # a second segment, so the optimize has work to do
    before = _pairs(index)
    assert "merged" in optimize_index(index)[0]
    text, copies = _text_and_copies(index)
    assert len(text.parts) == 1
    assert _pairs(index) == before
    for name, array in compute(text).items():
        assert np.array_equal(getattr(copies, name), array), name


def test_missing_or_damaged_copies_are_not_read_and_come_back(planted) -> None:
    archive, index = planted
    (archive / "filler00.txt").unlink()
    update_index(archive, index)
    generation = existing_generations(index)[-1]
    folder = copies_dir(index, generation)
    # A table of an older generation is never read for this one ("not computed yet").
    older = copies_dir(index, generation - 1)
    older.mkdir(exist_ok=True)
    shutil.rmtree(older)
    shutil.copytree(folder, older)
    shutil.rmtree(folder)
    opened = ArchiveIndex(index)
    with opened.snapshot() as snapshot:
        assert load_for(snapshot.text) is None
    opened.close()
    update_index(archive, index)
    by_hash = np.load(folder / "by_hash.npy")
    np.save(folder / "by_hash.npy", by_hash[:-1])  # a table cut short
    opened = ArchiveIndex(index)
    with opened.snapshot() as snapshot:
        assert load_for(snapshot.text) is None
    opened.close()
    (folder / "meta.json").write_text("{", "utf-8")
    opened = ArchiveIndex(index)
    with opened.snapshot() as snapshot:
        assert load_for(snapshot.text) is None  # damaged: "not computed yet"
    opened.close()
    shutil.rmtree(folder)
    update_index(archive, index)  # nothing changed in the archive: the table comes back
    assert json.loads((folder / "meta.json").read_text("utf-8"))["files"]
    assert _pairs(index)


def test_the_command_prints_what_the_api_answers(planted) -> None:
    from click.testing import CliRunner

    from indexer.cli import main

    _, index = planted
    text, copies = _text_and_copies(index)
    result = CliRunner().invoke(main, ["copies", "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    expected = {"computed": True, **list_pairs(copies, text, limit=20).to_json()}
    assert json.loads(result.output) == expected  # what /api/copies answers
    result = CliRunner().invoke(main, ["copies", "--index", str(index), "--kind", "year"])
    assert result.exit_code == 0 and "青山镇 2022" in result.output
    assert "白石镇" not in result.output
    result = CliRunner().invoke(main, ["copies", "青山镇2021.txt", "--index", str(index)])
    assert result.exit_code == 0
    assert "[also in 3 other report(s)] 组织镇村干部旁听庭审" in result.output
    assert "[common wording" in result.output
    result = CliRunner().invoke(main, ["copies", "nowhere.txt", "--index", str(index)])
    assert result.exit_code == 1 and "nowhere.txt: not in the index" in result.output
    for folder in index.glob("copies-*"):
        shutil.rmtree(folder)
    result = CliRunner().invoke(main, ["copies", "--index", str(index)])
    assert result.exit_code == 1 and "not computed yet" in result.output


def test_the_default_corpus_is_byte_for_byte_what_it_was(tmp_path: Path) -> None:
    """Planting is opt-in: the default corpus (relevance bench, tests, benchmarks) is the
    same bytes as before it existed (digest recorded at the commit before)."""
    digest = hashlib.sha256()
    for report in generate_corpus(tmp_path, 60, 5):
        digest.update(report.path.name.encode())
        digest.update(report.path.read_bytes())
        assert report.copied == ()
    assert digest.hexdigest() == "3332c6b625dbd1227b7f6aeef79b5de5584873aa3e803930cfa6dbe252ab2960"


def test_the_generators_planted_copies_are_found(tmp_path: Path) -> None:
    from bench.copies import accuracy

    reports = generate_corpus(tmp_path / "archive", 160, seed=2, copies=0.15)
    planted = [
        {"copy": r.path.name, "source": c.source.name, "kind": c.kind, "reworded": c.reworded}
        for r in reports
        for c in r.copied
    ]
    assert len(planted) >= 10 and {p["kind"] for p in planted} == {"neighbour", "previous year"}
    index = tmp_path / "index"
    update_index(tmp_path / "archive", index)
    _, copies = _text_and_copies(index)
    figures = accuracy(copies, planted)
    assert figures["recall verbatim"] == 1.0, figures
    assert figures["recall"] >= 0.8, figures
    # 160 reports recombine a few hundred sample sentences, so many pairs share a few of
    # them; the planted copies (whole parts) come first.
    assert figures["precision of the top |planted|"] >= 0.8, figures
