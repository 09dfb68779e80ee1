"""The word lists: the shipped files, Solr's synonyms format, and how bad files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.analysis import words
from indexer.lexicon import (
    MAX_FILE_BYTES,
    SHIPPED,
    LexiconError,
    lexicon,
    load_lexicon,
)


@pytest.fixture
def fresh_lexicon():
    """`lexicon()` read again in this test (it is cached per process) and after it."""
    lexicon.cache_clear()
    yield lexicon
    lexicon.cache_clear()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def synonyms_from(tmp_path: Path, text: str) -> dict[str, tuple[str, ...]]:
    return dict(load_lexicon(synonyms=write(tmp_path / "synonyms.txt", text)).synonyms)


# The shipped lists.


def test_shipped_stopwords_drop_question_words_and_keep_field_words():
    shipped = load_lexicon()
    for word in ["如何", "怎样", "有关", "方面", "情况", "工作", "开展", "加强", "进一步", "哪些"]:
        assert shipped.is_stopword(word), word
    field = ["普法", "法治", "执法", "复议", "调解", "依法行政", "法律顾问", "信访", "宣传"]
    parts = ["问题", "不足", "打算", "计划", "措施"]  # the search's cues for a section
    for word in field + parts:
        assert not shipped.is_stopword(word), word


def test_every_shipped_stopword_is_a_word_the_segmenter_produces():
    # A stopword jieba always cuts into pieces would never be met in a query.
    shipped = load_lexicon()
    assert len(shipped.stopwords) > 100
    assert [w for w in sorted(shipped.stopwords) if words(w) != [w]] == []


def test_shipped_synonyms_know_the_fields_abbreviations():
    shipped = load_lexicon()
    assert {"第八个五年普法", "“八五”普法", '"八五"普法'} <= set(shipped.alternatives("八五普法"))
    assert "八五普法" in shipped.alternatives("第八个五年普法")
    assert "七五普法" in shipped.alternatives("＂七五＂普法")  # full-width quotes, normalized
    assert set(shipped.alternatives("三项制度")) >= {
        "行政执法公示",
        "执法全过程记录",
        "重大执法决定法制审核",
    }
    assert shipped.alternatives("执法全过程记录") == ()  # one way only
    assert "简政放权、放管结合、优化服务" in shipped.alternatives("放管服")
    assert "放管服" in shipped.alternatives("简政放权，放管结合，优化服务")  # ， is read as ,
    assert "信访" in shipped.alternatives("上访")
    assert "复议" in shipped.alternatives("行政复议")
    assert "民主法治建设示范村" in shipped.alternatives("民主法治示范村")
    assert shipped.alternatives("一村（社区）一法律顾问") == ("一村一法律顾问",)
    assert {"放管服", "三项制度", "村法律顾问"} <= shipped.phrases
    assert shipped.alternatives("禁毒") == ()


def test_the_shipped_files_document_their_format():
    for name in ("stopwords.txt", "synonyms.txt"):
        head = (SHIPPED / name).read_text(encoding="utf-8")[:2000]
        assert head.startswith("#") and "FAZHI_" in head, name
    assert "=>" in (SHIPPED / "synonyms.txt").read_text(encoding="utf-8")[:1000]


# The format.


def test_equivalent_expressions_find_each_other(tmp_path):
    assert synonyms_from(tmp_path, "信访, 上访, 来信来访\n") == {
        "信访": ("上访", "来信来访"),
        "上访": ("信访", "来信来访"),
        "来信来访": ("信访", "上访"),
    }


def test_an_arrow_maps_one_way(tmp_path):
    found = synonyms_from(tmp_path, "三项制度, 行政执法三项制度 => 执法公示, 全过程记录\n")
    assert found == {
        "三项制度": ("执法公示", "全过程记录"),
        "行政执法三项制度": ("执法公示", "全过程记录"),
    }


def test_lines_about_the_same_expression_add_up_without_repeats(tmp_path):
    text = "放管服, 简政放权\n放管服 => 优化服务, 简政放权\n"
    found = synonyms_from(tmp_path, text)
    assert found["放管服"] == ("简政放权", "优化服务")
    assert found["简政放权"] == ("放管服",)


def test_comments_blank_lines_escapes_and_a_bom(tmp_path):
    text = "\ufeff# a comment\n\n  谁执法\\,谁普法 , 谁执法谁普法   # trailing comment\n"
    assert synonyms_from(tmp_path, text) == {
        "谁执法,谁普法": ("谁执法谁普法",),
        "谁执法谁普法": ("谁执法,谁普法",),
    }


def test_entries_are_normalized_as_the_index_text_is(tmp_path):
    stop = write(tmp_path / "stop.txt", "如何\n關於\nＡＢＣ\n")
    syn = write(tmp_path / "syn.txt", "法治審核, 法制审核\n“八五”普法, ＂八五＂普法\n")
    loaded = load_lexicon(stop, syn)
    assert loaded.stopwords == frozenset({"如何", "关于", "abc"})
    assert loaded.is_stopword("关於") and loaded.is_stopword("Abc")
    assert loaded.alternatives("法治审核") == ("法制审核",)
    assert loaded.alternatives('"八五"普法') == ("“八五”普法",)


def test_an_expression_mapped_to_itself_only_has_no_alternatives(tmp_path):
    found = synonyms_from(tmp_path, "述法 => 述法\n普法, 普法宣传\n")
    assert "述法" not in found
    assert found["普法"] == ("普法宣传",)


def test_empty_files_give_empty_lists(tmp_path):
    loaded = load_lexicon(write(tmp_path / "s.txt", "# none\n"), write(tmp_path / "y.txt", ""))
    assert loaded.stopwords == frozenset() and dict(loaded.synonyms) == {}
    assert loaded.phrases == frozenset() and loaded.alternatives("普法") == ()


# Bad files: the file, the line and the reason.


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        ("普法, 法治宣传\n八五普法 =>\n", 2, "empty side"),
        ("=> 普法\n", 1, "empty side"),
        ("# comment\n\n普法\n", 3, "only one expression"),
        ("普法, 普法\n", 1, "only one expression"),
        ("普法,, 法治宣传\n", 1, "empty expression"),
        ("普法, 法治宣传,\n", 1, "empty expression"),
        ("a => b => c\n", 1, "more than one"),
        ("普法, " + "法" * 51 + "\n", 1, "longer than 50"),
    ],
)
def test_a_bad_synonym_line_is_named_with_its_reason(tmp_path, text, line, reason):
    path = write(tmp_path / "synonyms.txt", text)
    with pytest.raises(LexiconError) as caught:
        load_lexicon(synonyms=path)
    message = str(caught.value)
    assert message.startswith(f"{path} line {line}: ") and reason in message
    assert caught.value.file == str(path) and caught.value.problems[0][0] == line


def test_every_bad_line_is_named_at_once(tmp_path):
    path = write(tmp_path / "synonyms.txt", "普法\n信访, 上访\n禁毒 =>\n")
    with pytest.raises(LexiconError) as caught:
        load_lexicon(synonyms=path)
    assert [line for line, _ in caught.value.problems] == [1, 3]
    assert str(caught.value).splitlines()[1].startswith(f"{path} line 3: ")


def test_a_bad_stopword_line_is_named(tmp_path):
    path = write(tmp_path / "stopwords.txt", "如何\n怎样 什么\n" + "的" * 51 + "\n")
    with pytest.raises(LexiconError) as caught:
        load_lexicon(stopwords=path)
    assert caught.value.problems == [
        (2, "one word per line, found '怎样 什么'"),
        (3, "a word longer than 50 characters"),
    ]


def test_a_file_not_in_utf8_names_the_first_bad_line(tmp_path):
    path = write(tmp_path / "synonyms.txt", "# 同义词\n信访, 上访\n述法, 述职述法\n", "gb18030")
    with pytest.raises(LexiconError, match=rf"^{path} line 1: not UTF-8"):
        load_lexicon(synonyms=path)


def test_a_missing_file_a_folder_and_a_huge_file_are_refused(tmp_path):
    missing = tmp_path / "nowhere.txt"
    with pytest.raises(LexiconError, match=rf"^{missing}: cannot be read"):
        load_lexicon(stopwords=missing)
    with pytest.raises(LexiconError, match=rf"^{tmp_path}: not a regular file"):
        load_lexicon(synonyms=tmp_path)
    huge = write(tmp_path / "huge.txt", "普法\n" * (MAX_FILE_BYTES // 7 + 1))
    assert huge.stat().st_size > MAX_FILE_BYTES
    with pytest.raises(LexiconError, match=rf"^{huge}: larger than 1,000,000 bytes"):
        load_lexicon(stopwords=huge)


def test_the_error_is_a_value_error():
    assert issubclass(LexiconError, ValueError)


# The process's lists.


def test_the_process_uses_the_shipped_files_by_default(monkeypatch, fresh_lexicon):
    monkeypatch.delenv("FAZHI_STOPWORDS", raising=False)
    monkeypatch.setenv("FAZHI_SYNONYMS", "")  # empty: unset
    assert fresh_lexicon() == load_lexicon()
    assert fresh_lexicon() is fresh_lexicon()  # read once


def test_an_office_names_its_own_files(tmp_path, monkeypatch, fresh_lexicon):
    write(tmp_path / "stop.txt", "查一下\n")
    write(tmp_path / "syn.txt", "网格员, 网格长\n")
    monkeypatch.chdir(tmp_path)  # relative to the current folder
    monkeypatch.setenv("FAZHI_STOPWORDS", "stop.txt")
    monkeypatch.setenv("FAZHI_SYNONYMS", str(tmp_path / "syn.txt"))
    office = fresh_lexicon()
    assert office.stopwords == frozenset({"查一下"}) and not office.is_stopword("如何")
    assert office.alternatives("网格长") == ("网格员",)


def test_a_broken_office_file_is_reported_not_ignored(tmp_path, monkeypatch, fresh_lexicon):
    monkeypatch.setenv("FAZHI_SYNONYMS", str(write(tmp_path / "syn.txt", "网格员\n")))
    with pytest.raises(LexiconError, match="syn.txt line 1: only one expression"):
        fresh_lexicon()


def test_the_app_and_the_server_refuse_to_start_on_a_broken_office_file(
    tmp_path, monkeypatch, fresh_lexicon, web_archive
):
    from click.testing import CliRunner

    from web import create_app
    from web.serve import main

    archive, index = web_archive
    monkeypatch.setenv("FAZHI_SYNONYMS", str(write(tmp_path / "syn.txt", "网格员\n")))
    with pytest.raises(LexiconError, match="syn.txt line 1: only one expression"):
        create_app({"INDEX_DIR": index, "ARCHIVE_DIR": archive})
    result = CliRunner().invoke(main, ["--index", str(index), "--archive", str(archive)])
    assert result.exit_code == 1
    assert "syn.txt line 1: only one expression" in result.output
