"""Reading .txt reports in the encodings township offices actually produce."""

from __future__ import annotations

import codecs
import random
from pathlib import Path

import pytest

from indexer.errors import ReportReadError
from indexer.extraction.decoding import decode_bytes, read_txt
from indexer.extraction.source import SourceLine

REPORT = (
    "玉湖镇2020年度法治政府建设情况报告\n"
    "一、加强组织领导，履行法治建设职责\n"
    "镇委、镇政府高度重视依法治镇工作。\n"
)
REPORT_TRAD = (
    "玉湖鎮2020年度法治政府建設情況報告\n"
    "一、加強組織領導，履行法治建設職責\n"
    "鎮委、鎮政府高度重視依法治鎮工作。\n"
)
SHORT = "依法治镇工作总结"
SHORT_TRAD = "依法治鎮工作總結"

PARAGRAPHS = [
    "今年以来，我镇党委政府认真学习贯彻习近平法治思想，坚持把法治政府建设摆在全局工作的"
    "重要位置，成立了以镇党委书记为组长、镇长为副组长的法治政府建设工作领导小组，明确分管"
    "领导和具体工作人员，形成了主要领导亲自抓、分管领导具体抓、各部门协同配合的工作格局。",
    "深入开展普法宣传教育，以“八五”普法规划为引领，利用国家宪法日、民法典宣传月等重要"
    "时间节点，组织开展法律进机关、进农村、进社区、进学校、进企业活动，累计发放宣传资料"
    "三千余份，举办法治讲座十二场，群众的法治意识和守法观念明显增强。",
    "坚持和发展新时代“枫桥经验”，健全矛盾纠纷多元化解机制，全年共排查调处各类矛盾纠纷"
    "八十六件，调处成功率达百分之九十八，做到小事不出村、大事不出镇、矛盾不上交，有力"
    "维护了全镇社会大局和谐稳定。行政执法人员全部持证上岗，严格落实行政执法公示制度。",
]


def write(tmp_path: Path, data: bytes, name: str = "report.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


DECODES = [
    # (id, bytes, exact text, codec name)
    ("utf-8", REPORT.encode("utf-8"), REPORT, "utf-8"),
    ("utf-8 short", SHORT.encode("utf-8"), SHORT, "utf-8"),
    ("utf-8 bom", codecs.BOM_UTF8 + REPORT.encode("utf-8"), REPORT, "utf-8-sig"),
    ("utf-8 bom short", codecs.BOM_UTF8 + SHORT.encode("utf-8"), SHORT, "utf-8-sig"),
    ("utf-16 le bom", codecs.BOM_UTF16_LE + REPORT.encode("utf-16-le"), REPORT, "utf-16"),
    ("utf-16 be bom", codecs.BOM_UTF16_BE + REPORT.encode("utf-16-be"), REPORT, "utf-16"),
    ("utf-16 le bom short", codecs.BOM_UTF16_LE + SHORT.encode("utf-16-le"), SHORT, "utf-16"),
    ("utf-32 le bom", codecs.BOM_UTF32_LE + REPORT.encode("utf-32-le"), REPORT, "utf-32"),
    ("utf-32 be bom", codecs.BOM_UTF32_BE + REPORT.encode("utf-32-be"), REPORT, "utf-32"),
    ("gbk", REPORT.encode("gbk"), REPORT, "gb18030"),
    ("gbk short", SHORT.encode("gbk"), SHORT, "gb18030"),
    ("gb18030", REPORT.encode("gb18030"), REPORT, "gb18030"),
    # 䶮 (U+4DAE) is outside GBK: GB18030 writes it as a four-byte sequence.
    ("gb18030 four-byte", "刘䶮同志任镇长。".encode("gb18030"), "刘䶮同志任镇长。", "gb18030"),
    ("big5", REPORT_TRAD.encode("big5"), REPORT_TRAD, "cp950"),
    ("big5 short", SHORT_TRAD.encode("big5"), SHORT_TRAD, "cp950"),
    ("ascii", b"Report 2020\n", "Report 2020\n", "utf-8"),
]


@pytest.mark.parametrize(
    ("data", "text", "encoding"), [c[1:] for c in DECODES], ids=[c[0] for c in DECODES]
)
def test_decode_bytes_exact(data: bytes, text: str, encoding: str) -> None:
    assert decode_bytes(data) == (text, encoding, [])


@pytest.mark.parametrize(
    ("data", "text", "encoding"), [c[1:] for c in DECODES], ids=[c[0] for c in DECODES]
)
def test_read_txt_lines_and_encoding(tmp_path: Path, data: bytes, text: str, encoding: str) -> None:
    doc = read_txt(write(tmp_path, data))
    assert doc.lines == [SourceLine(line) for line in text.removesuffix("\n").split("\n")]
    assert doc.encoding == encoding
    assert doc.warnings == []


LINE_ENDINGS = [
    ("lf", "甲\n乙\n", ["甲", "乙"]),
    ("crlf", "甲\r\n乙\r\n", ["甲", "乙"]),
    ("cr", "甲\r乙\r", ["甲", "乙"]),
    ("mixed", "甲\r\n乙\r丙\n丁", ["甲", "乙", "丙", "丁"]),
    ("no final newline", "甲\n乙", ["甲", "乙"]),
    ("blank lines kept", "甲\n\n\n乙\n", ["甲", "", "", "乙"]),
    ("only the last newline dropped", "甲\n\n", ["甲", ""]),
    ("crlf blank lines", "甲\r\n\r\n乙\r\n", ["甲", "", "乙"]),
    ("spaces kept", "  一、总体 \n\t（一）领导\u3000\n", ["  一、总体 ", "\t（一）领导\u3000"]),
    ("leading blank line", "\n标题\n", ["", "标题"]),
]


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-16"])
@pytest.mark.parametrize(
    ("text", "lines"), [c[1:] for c in LINE_ENDINGS], ids=[c[0] for c in LINE_ENDINGS]
)
def test_line_endings(tmp_path: Path, encoding: str, text: str, lines: list[str]) -> None:
    doc = read_txt(write(tmp_path, text.encode(encoding)))
    assert [line.text for line in doc.lines] == lines
    assert all(line.level is None for line in doc.lines)


def test_report_with_crlf_in_gbk(tmp_path: Path) -> None:
    doc = read_txt(write(tmp_path, REPORT.replace("\n", "\r\n").encode("gbk")))
    assert [line.text for line in doc.lines] == REPORT.removesuffix("\n").split("\n")
    assert doc.encoding == "gb18030"


def test_utf16_without_bom_is_read_with_a_warning(tmp_path: Path) -> None:
    for codec in ("utf-16-le", "utf-16-be"):
        doc = read_txt(write(tmp_path, REPORT.encode(codec)))
        assert [line.text for line in doc.lines] == REPORT.removesuffix("\n").split("\n")
        assert doc.encoding == codec
        assert doc.warnings == [f"encoding uncertain: no byte-order mark, read as {codec}"]


def test_implausible_text_is_kept_but_flagged() -> None:
    # Shift-JIS happens to be valid GB18030; the result is garbage and must say so.
    data = "日本語のテキストです。これはテストです。".encode("shift_jis")
    text, encoding, warnings = decode_bytes(data)
    assert encoding == "gb18030"
    assert text == data.decode("gb18030")
    assert len(warnings) == 1
    assert warnings[0].startswith("encoding uncertain: decoded as gb18030")


def test_detector_result_is_flagged() -> None:
    data = "Café, résumé, déjà vu: rapport annuel.".encode("latin-1")
    _, encoding, warnings = decode_bytes(data)
    assert warnings == [f"encoding uncertain: guessed {encoding} by detection"]


REJECTS = [
    ("empty", b"", "empty file"),
    ("bom only", codecs.BOM_UTF8, "empty file (nothing after the byte-order mark)"),
    ("spaces", b"   \r\n\t\n  ", "no text: the file holds only whitespace"),
    ("utf-16 spaces", " \u3000\n".encode("utf-16"), "no text: the file holds only whitespace"),
    ("all bytes", bytes(range(256)) * 20, "binary data, not text (NUL bytes)"),
    (
        "png",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06",
        "binary data, not text (NUL bytes)",
    ),
    (
        "control characters",
        b"ab\x01\x02\x03\x04\x05cd" * 20,
        "binary data, not text (control characters)",
    ),
    ("undecodable", bytes(range(1, 256)) * 20, "cannot decode as UTF-8, UTF-16, GB18030 or Big5"),
    (
        "bad utf-16 after bom",
        codecs.BOM_UTF16_LE + b"A",
        "starts with a UTF-16 byte-order mark but is not valid UTF-16",
    ),
]


@pytest.mark.parametrize(("data", "reason"), [c[1:] for c in REJECTS], ids=[c[0] for c in REJECTS])
def test_read_txt_rejects(tmp_path: Path, data: bytes, reason: str) -> None:
    path = write(tmp_path, data, "坏文件.txt")
    with pytest.raises(ReportReadError) as caught:
        read_txt(path)
    assert caught.value.path == path
    assert caught.value.reason == reason
    assert str(caught.value) == f"{path}: {reason}"


@pytest.mark.parametrize(("data", "reason"), [c[1:] for c in REJECTS], ids=[c[0] for c in REJECTS])
def test_decode_bytes_rejects_with_given_name(data: bytes, reason: str) -> None:
    with pytest.raises(ReportReadError) as caught:
        decode_bytes(data, path="member.txt")
    assert caught.value.path == Path("member.txt")
    assert caught.value.reason == reason


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.txt"
    with pytest.raises(ReportReadError) as caught:
        read_txt(path)
    assert caught.value.path == path
    assert caught.value.reason == "cannot read file: No such file or directory"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ReportReadError) as caught:
        read_txt(tmp_path)
    assert caught.value.path == tmp_path
    assert caught.value.reason == "cannot read file: Is a directory"


def slices(length: int, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        paragraph = rng.choice(PARAGRAPHS)
        start = rng.randrange(len(paragraph) - length + 1)
        out.append(paragraph[start : start + length])
    return out


def test_random_short_gbk_samples_decode_exactly() -> None:
    # charset_normalizer alone gets about 6 in 10 of these wrong; the fixed order, none.
    samples = slices(8, 600, seed=20200101)
    wrong = [s for s in samples if decode_bytes(s.encode("gbk")) != (s, "gb18030", [])]
    assert wrong == []


def test_random_short_utf8_samples_decode_exactly() -> None:
    samples = slices(8, 300, seed=7)
    assert [decode_bytes(s.encode("utf-8"))[0] for s in samples] == samples


def test_random_short_big5_samples_mostly_decode_exactly() -> None:
    # Eight Big5 characters can be equally valid, plausible GB18030; ties go to GB18030, so
    # a few misreadings are expected (measured: about 1 in 1000).
    import opencc

    to_trad = opencc.OpenCC("s2tw")
    samples = [to_trad.convert(s) for s in slices(8, 300, seed=1911)]
    right = sum(decode_bytes(s.encode("cp950"))[0] == s for s in samples)
    assert right >= 0.98 * len(samples)


@pytest.mark.parametrize("codec", ["utf-8", "gbk"])
def test_a_few_damaged_bytes_keep_the_rest_of_the_report(tmp_path: Path, codec: str) -> None:
    text = "玉湖镇2020年度法治政府建设情况报告\n镇委、镇政府高度重视依法治镇工作。" * 5
    data = text.encode(codec)
    damaged = data[:41] + b"\xff" + data[41:] + "截".encode(codec)[:1]  # a stray and a cut byte
    path = tmp_path / "damaged.txt"
    path.write_bytes(damaged)
    document = read_txt(path)
    decoded = "\n".join(line.text for line in document.lines)
    assert 2 <= decoded.count("\ufffd") <= 5  # UTF-8 loses the character the byte fell into
    assert decoded.startswith(text[:15])
    assert decoded.endswith("依法治镇工作。\ufffd")
    assert "undecodable" in document.warnings[0]
