"""“Did you mean”: the archive's nearest strings to a word found nowhere, on a real index."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import suggest_speed
from indexer import update_index
from indexer.normalize import normalize
from indexer.store import open_readable
from indexer.suggest import nearest_phrases
from indexer.textindex import TextIndex

# Each line is a passage of its report; the counts of the phrases matter for the order.
REPORTS = {
    "青山镇2021.txt": [
        "青山镇2021年法治政府建设情况报告",
        "2021年以来，青山镇坚持依法行政，全面推进法治政府建设。",
        "一、主要工作",
        "（一）规范行政复议。全镇办理行政复议案件三件，行政复议决定全部履行。",
        "（二）开展执法检查。镇综合执法队开展执法检查十二次。",
        "（三）加强普法宣传。结合基层普法宣传教育，开展普法宣传进村活动。",
        "各村聘请法律顾问，法律顾问每月坐班。",
        "加强法律",  # a passage ends here …
        "顾委员会成立，负责协调。",  # … and the next begins: 法律顾委 is in no passage
    ],
    "白石镇2022.txt": [
        "白石镇2022年法治政府建设情况报告",
        "一、主要工作",
        "（一）行政复议工作。受理行政复议申请两件，行政复核一件。",
        "（二）执法检查。开展安全生产执法检查。",
        "（三）普法宣传。开展宣传教育活动月，普法宣传覆盖全部村。",
        "二、存在的问题",
        "村法律顾问作用发挥不够。",
    ],
    "红叶镇2023.txt": [
        "红叶镇2023年法治政府建设情况报告",
        "一、主要工作",
        "推进行政复议规范化建设，行政复议案件办理质量提高。",
        "开展普法宣传，执法检查常态化。",
    ],
}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("suggest")
    archive, index = root / "archive", root / "index"
    archive.mkdir()
    for name, lines in REPORTS.items():
        (archive / name).write_text("\n".join(lines), encoding="utf-8")
    summary = update_index(archive, index)
    assert not summary.failed
    return index


@pytest.fixture(scope="module")
def text(index_dir: Path):
    whoosh, text_index, _ = open_readable(index_dir)
    yield text_index
    whoosh.close()


def occurs(text: TextIndex, term: str) -> bool:
    return len(text.containing(normalize(term), None)) > 0


def suggest(text: TextIndex, word: str, limit: int = 5) -> list[str]:
    """The suggestions, each checked: it occurs, it is not the word, it has no punctuation."""
    assert not occurs(text, word), f"{word} occurs: not a word for suggestions"
    found = nearest_phrases(text, word, limit)
    assert len(found) <= limit and len(set(found)) == len(found)
    for suggestion in found:
        assert occurs(text, suggestion), suggestion
        assert suggestion != normalize(word) and len(suggestion) >= 2
        assert all(ch.isalnum() for ch in suggestion), suggestion
    return found


@pytest.mark.parametrize(
    ("typo", "meant"),
    [
        ("行政复意", "行政复议"),  # the last character replaced
        ("执法检察", "执法检查"),
        ("普发宣传", "普法宣传"),  # a middle one
        ("法律顾门", "法律顾问"),
        ("政行复议", "行政复议"),  # two swapped
        ("法律顾问员", "法律顾问"),  # one added at the end
        ("执法法检查", "执法检查"),  # … in the middle
        ("法律问", "法律顾问"),  # one missing
        ("行政複意", "行政复议"),  # traditional characters, normalized
    ],
)
def test_a_word_one_slip_away_suggests_what_was_meant_first(text, typo, meant):
    assert suggest(text, typo)[0] == meant


def test_the_commoner_of_two_equally_near_strings_comes_first(text):
    # 行政复议 is in eight passages, 行政复核 in one: both one character from 行政复查.
    found = suggest(text, "行政复查")
    assert found[:2] == ["行政复议", "行政复核"]


def test_a_correction_comes_before_a_part_of_the_word(text):
    # 法律 (法律问 without 问) is commoner than 法律顾问, but only a part of what was typed.
    assert suggest(text, "法律问")[:2] == ["法律顾问", "法律"]


def test_a_neighbouring_character_is_no_correction(text):
    # 法律顾问每 and 法律顾问作 occur (法律顾问每月, 法律顾问作用), one character from
    # 法律顾问员, but 每 and 作 belong to the next word: only 法律顾问 is suggested.
    assert occurs(text, "法律顾问每") and occurs(text, "法律顾问作")
    assert suggest(text, "法律顾问员") == ["法律顾问"]


def test_a_fragment_of_a_suggestion_is_not_suggested_too(text):
    # 执法检 and 行政复 occur, but only inside 执法检查 and 行政复议.
    assert "执法检" not in suggest(text, "执法检察")
    assert "行政复" not in suggest(text, "行政复意")


def test_a_run_together_phrase_gives_its_longest_parts_that_occur(text):
    word = "基层普法宣传教育活动月"
    found = suggest(text, word)
    assert found[0] == "基层普法宣传教育"
    assert "宣传教育活动月" in found  # begins at a word: 普法宣传 is 普法 / 宣传 too
    assert all(part in word for part in found)
    assert [len(part) for part in found] == sorted((len(part) for part in found), reverse=True)


def test_parts_are_whole_words_of_the_phrase(text):
    # 安全生产执法检查 occurs; 生产执法检查督导 is cut to its words 安全生产 / 执法检查 / 督导.
    found = suggest(text, "安全生产执法检查督导组")
    assert found[0] == "安全生产执法检查"
    assert all(not part.startswith("全") for part in found)


def test_no_suggestion_spans_two_passages(text):
    # 加强法律 ends one passage and 顾委员会 begins the next: 法律顾委 occurs nowhere.
    for word in ("法律顾委会", "律顾委员会"):
        assert not any("律顾委" in s or "法律顾委" in s for s in suggest(text, word))


def test_a_word_of_one_character_or_a_limit_of_zero_gets_nothing(text):
    assert nearest_phrases(text, "禁") == []
    assert nearest_phrases(text, "行政复意", limit=0) == []


def test_the_limit_is_kept(text):
    assert len(suggest(text, "行政复查", limit=1)) == 1


def test_a_word_sharing_nothing_with_the_archive_gets_nothing(text):
    assert suggest(text, "量子计算") == []
    assert suggest(text, "𠀀𠀁") == []  # beyond the BMP: no pair codes of their own
    assert suggest(text, "行政𠀀议")[0] == "行政复议"  # … one of them in place of 复


def test_the_benchmark_prints_figures_for_its_words(index_dir, tmp_path, capsys):
    words = tmp_path / "words.txt"
    words.write_text("# typos\n行政复意\n执法检察\n行政复议\n", encoding="utf-8")
    suggest_speed.main(["--index", str(index_dir), "--words", str(words), "--repeat", "2"])
    out = capsys.readouterr().out
    assert "行政复意" in out and "行政复议" in out.split("行政复意", 1)[1].splitlines()[0]
    assert "行政复议: occurs in the archive" in out
    assert "first call: p50" in out and "over 3 words" in out
