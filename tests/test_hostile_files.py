"""Issue 14: one hostile file must never stop the update (rows 1-6 and 8).

Each test builds its hostile input in a real archive folder and runs the real update into a
real index on disk; the good reports beside it must still be indexed, and the bad entry named
with its reason.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import threading
import zipfile
from collections import Counter
from pathlib import Path

import docx
import pytest

from indexer.archive import content_hash, scan_archive
from indexer.errors import ReportReadError
from indexer.extraction.extract import build_record
from indexer.files import open_regular
from indexer.update import update_index
from tests.test_update import SAMPLES, report_files, report_text, stored

GOOD = sorted(sample.name for sample in SAMPLES)
BIG_BODY = "<w:p><w:r><w:t>依法行政，推进法治政府建设。</w:t></w:r></w:p>".encode()


def docx_with_body(body_xml: bytes, compresslevel: int = 6) -> bytes:
    """A valid .docx made by python-docx, its body extended by `body_xml`."""
    document = docx.Document()
    document.add_paragraph("青山镇2021年法治政府建设情况报告")
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as package:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "word/document.xml":
                at = data.index(b"<w:body>") + len(b"<w:body>")
                data = data[:at] + body_xml + data[at:]
            package.writestr(member.filename, data)
    return out.getvalue()


def docx_bomb(inflated_mb: int) -> bytes:
    """A .docx whose document.xml inflates to `inflated_mb` MB of blanks, written as a stream."""
    document = docx.Document()
    document.add_paragraph("青山镇2021年法治政府建设情况报告")
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for member in source.infolist():
            data = source.read(member)
            if member.filename != "word/document.xml":
                package.writestr(member.filename, data)
                continue
            with package.open(member.filename, "w", force_zip64=True) as stream:
                at = data.index(b"<w:body>")
                stream.write(data[:at])
                blanks = b" " * (1 << 20)
                for _ in range(inflated_mb):
                    stream.write(blanks)
                stream.write(data[at:])
    return out.getvalue()


def assert_good_reports_indexed(summary, index_dir: Path, extra: tuple[str, ...] = ()) -> None:
    good = sorted([*GOOD, *extra])
    assert sorted(summary.added) == good
    assert report_files(index_dir) == Counter(good)


# Row 1: file names that are not UTF-8


def test_a_gbk_file_name_is_named_with_its_rename_and_the_rest_indexed(archive, index_dir):
    shutil.copy(SAMPLES[0], os.fsencode(archive) + b"/\xc7\xe0\xc9\xbd.txt")  # 青山 in GBK
    shutil.copy(SAMPLES[1], os.fsencode(archive) + b"/\xff\xfe.txt")  # no encoding's bytes
    folder = os.fsencode(archive) + b"/\xb1\xa8\xb8\xe6"  # 报告 in GBK
    os.mkdir(folder)
    shutil.copy(SAMPLES[2], folder + b"/r.txt")

    summary = update_index(archive, index_dir)

    failed = dict(summary.failed)  # bytes that are not UTF-8 shown as \xNN, the rest decoded
    assert sorted(failed) == ["\\xb1\\xa8\\xb8\\xe6", "\\xc7\\xe0ɽ.txt", "\\xff\\xfe.txt"]
    assert "not valid UTF-8: rename it to 青山.txt" in failed["\\xc7\\xe0ɽ.txt"]
    assert "rename it, e.g." in failed["\\xff\\xfe.txt"]
    assert "folder name is not valid UTF-8: rename it to 报告" in failed["\\xb1\\xa8\\xb8\\xe6"]
    assert "nothing in it is indexed" in failed["\\xb1\\xa8\\xb8\\xe6"]
    assert_good_reports_indexed(summary, index_dir)
    json.dumps(summary.failed, ensure_ascii=False).encode("utf-8")  # printable as it is

    again = update_index(archive, index_dir)
    assert again.unchanged == len(GOOD) and again.added == [] and dict(again.failed) == failed

    os.rename(os.fsencode(archive) + b"/\xc7\xe0\xc9\xbd.txt", archive / "青山.txt")
    renamed = update_index(archive, index_dir)
    assert renamed.added == ["青山.txt"] and "\\xc7\\xe0ɽ.txt" not in dict(renamed.failed)


# Row 2: a sidecar that is not a correction


@pytest.mark.parametrize(
    "sidecar, reason",
    [
        pytest.param("town = " + "[" * 5000 + "]" * 5000, "nested too deeply", id="nested"),
        pytest.param('title = "' + "长" * 400_000 + '"\n', "over the 64 KB limit", id="1.2MB"),
        pytest.param('town = "青山\n', "cannot read the corrections file", id="syntax"),
    ],
)
def test_a_broken_sidecar_is_named_every_run_and_its_report_indexed_without_it(
    archive, index_dir, sidecar, reason
):
    report = archive / "绿水镇2021.txt"
    report.write_text(report_text("绿水镇"), encoding="utf-8")
    (archive / "绿水镇2021.txt.meta.toml").write_text(sidecar, encoding="utf-8")

    summary = update_index(archive, index_dir)

    assert_good_reports_indexed(summary, index_dir, extra=(report.name,))
    assert [name for name, _ in summary.failed] == ["绿水镇2021.txt.meta.toml"]
    message = summary.failed[0][1]
    assert reason in message and "绿水镇2021.txt is indexed without it" in message
    (fields,) = stored(index_dir, file=report.name)
    assert json.loads(fields["record"])["town"] == "绿水镇"  # as extracted
    warnings = json.loads(fields["record"])["warnings"]
    assert [w for w in warnings if "绿水镇2021.txt.meta.toml ignored" in w and reason in w]

    again = update_index(archive, index_dir)  # unchanged, and still not forgotten
    assert again.unchanged == len(GOOD) + 1 and again.failed == summary.failed

    (archive / "绿水镇2021.txt.meta.toml").write_text('town = "红岩镇"\n', encoding="utf-8")
    fixed = update_index(archive, index_dir)
    assert fixed.updated == [report.name] and fixed.failed == []
    (fields,) = stored(index_dir, file=report.name)
    assert json.loads(fields["record"])["town"] == "红岩镇"


# Row 3: a FIFO


def test_a_fifo_is_refused_without_ever_blocking(archive, index_dir, tmp_path):
    fifo = archive / "y.txt"
    os.mkfifo(fifo)
    os.mkfifo(archive / "z.txt.meta.toml")
    (archive / "z.txt").write_text(report_text("白石镇"), encoding="utf-8")

    def unblock() -> None:  # a reader stuck on the FIFO would read it as empty: wrong reason
        with open(fifo, "wb"):
            pass

    watchdog = threading.Timer(30, unblock)
    watchdog.start()
    try:
        summary = update_index(archive, index_dir)
        with pytest.raises(ReportReadError, match=r"not a regular file \(a FIFO\)"):
            build_record(fifo)  # what `fazhi-index inspect y.txt` runs
    finally:
        watchdog.cancel()

    failed = dict(summary.failed)
    assert failed["y.txt"] == "not a regular file (a FIFO): skipped"
    assert "z.txt.meta.toml" in failed and "a FIFO" in failed["z.txt.meta.toml"]
    assert_good_reports_indexed(summary, index_dir, extra=("z.txt",))


# Row 4: no read without a size limit


def test_devices_and_files_over_the_size_limit_are_never_read(archive, index_dir, monkeypatch):
    os.symlink("/dev/zero", archive / "zero.txt")
    with open(archive / "sparse.txt", "wb") as sparse:
        sparse.truncate(3 << 30)  # 3 GB that take no disk
    monkeypatch.setenv("FAZHI_MAX_FILE_MB", "1")
    (archive / "long.txt").write_text(report_text("青山镇") * 2000, encoding="utf-8")
    assert (archive / "long.txt").stat().st_size > 1 << 20

    summary = update_index(archive, index_dir)

    failed = dict(summary.failed)
    assert failed["zero.txt"] == "symbolic link to /dev/zero, outside the archive: not followed"
    assert failed["sparse.txt"] == (
        "file is 3072.0 MB, over the 1.0 MB limit for reports (set by FAZHI_MAX_FILE_MB)"
    )
    assert failed["long.txt"].startswith("file is 1.")
    assert_good_reports_indexed(summary, index_dir)
    with pytest.raises(ReportReadError, match=r"a character device"):
        content_hash(Path("/dev/zero"))
    with pytest.raises(ReportReadError, match=r"over the 1.0 MB limit"):
        open_regular(archive / "sparse.txt", 1 << 20)


def test_a_report_grown_past_the_limit_keeps_its_indexed_version(archive, index_dir, monkeypatch):
    update_index(archive, index_dir)
    grown, linked = archive / GOOD[0], archive / GOOD[1]
    old_hash = stored(index_dir, file=grown.name)[0]["content_hash"]
    grown.write_text(grown.read_text(encoding="utf-8") * 4, encoding="utf-8")
    monkeypatch.setenv("FAZHI_MAX_FILE_MB", str(20_000 / (1 << 20)))  # the samples are < 10 KB
    assert grown.stat().st_size > 20_000
    linked.unlink()
    os.symlink("/dev/zero", linked)  # no longer a report: its old version goes

    summary = update_index(archive, index_dir)

    assert sorted(dict(summary.failed)) == sorted([grown.name, linked.name])
    assert summary.removed == [linked.name] and summary.updated == []
    assert [fields["content_hash"] for fields in stored(index_dir, file=grown.name)] == [old_hash]
    assert report_files(index_dir) == Counter(name for name in GOOD if name != linked.name)


# Row 5: symbolic links


def test_links_outside_the_archive_loops_and_dangling_links_are_named(archive, index_dir, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text(report_text("机密镇", extra="不该被索引的句子。"), encoding="utf-8")
    os.symlink(secret, archive / "x.txt")
    os.symlink("b.txt", archive / "a.txt")
    os.symlink("a.txt", archive / "b.txt")
    os.symlink("gone.txt", archive / "dangling.txt")
    os.symlink(tmp_path, archive / "folder-link")
    os.symlink(SAMPLES[0].name, archive / "alias.txt")  # inside the archive: followed

    summary = update_index(archive, index_dir)

    failed = dict(summary.failed)
    assert failed["x.txt"] == f"symbolic link to {secret}, outside the archive: not followed"
    assert failed["a.txt"] == "broken symbolic link: Too many levels of symbolic links"
    assert failed["b.txt"] == failed["a.txt"]
    assert failed["dangling.txt"] == "broken symbolic link: No such file or directory"
    assert failed["folder-link"].startswith("symbolic link to a folder: not followed")
    assert_good_reports_indexed(summary, index_dir, extra=("alias.txt",))
    records = [json.loads(fields["record"]) for fields in stored(index_dir)]
    texts = [passage["text"] for record in records for passage in record["passages"]]
    assert len(records) == len(GOOD) + 1 and texts
    assert not [text for text in texts if "不该被索引" in text or "机密镇" in text]
    assert sorted(scan_archive(archive).files) == sorted([*GOOD, "alias.txt"])


# Row 6: .docx that inflate past the bound


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
def test_a_docx_bomb_is_refused_before_it_is_inflated(archive, index_dir):
    bomb = docx_bomb(2200)
    assert len(bomb) < 12 << 20
    (archive / "bomb.docx").write_bytes(bomb)

    summary = update_index(archive, index_dir)

    failed = dict(summary.failed)
    assert failed["bomb.docx"] == (
        "word/document.xml inflates to over 2200 MB, past the 64 MB bound"
    )
    assert_good_reports_indexed(summary, index_dir)


def test_a_docx_whose_zip_header_lies_about_the_size_is_read_bounded(archive, index_dir):
    data = bytearray(docx_with_body(b" " * (80 << 20)))
    package = zipfile.ZipFile(io.BytesIO(bytes(data)))
    member = package.getinfo("word/document.xml")
    assert member.file_size > 80 << 20
    # Declare 1 KB, in the local header and in the central directory.
    local = member.header_offset
    data[local + 22 : local + 26] = (1024).to_bytes(4, "little")
    for start in _central_entries(bytes(data)):
        name_length = int.from_bytes(data[start + 28 : start + 30], "little")
        if data[start + 46 : start + 46 + name_length] == b"word/document.xml":
            data[start + 24 : start + 28] = (1024).to_bytes(4, "little")
    (archive / "liar.docx").write_bytes(bytes(data))

    summary = update_index(archive, index_dir)

    assert dict(summary.failed)["liar.docx"].startswith("damaged or truncated .docx")
    assert_good_reports_indexed(summary, index_dir)


def _central_entries(data: bytes) -> list[int]:
    found, at = [], data.find(b"PK\x01\x02")
    while at != -1:
        found.append(at)
        at = data.find(b"PK\x01\x02", at + 4)
    return found


# Row 8: many tiny paragraphs


@pytest.mark.parametrize(
    "body, reason",
    [
        pytest.param(b"<w:p/>" * 3_000_000, "too complex to read: 3,0", id="3M-empty"),
        pytest.param(BIG_BODY * 60_000, "too many paragraphs: 60,001, over 50,000", id="60k"),
    ],
)
def test_a_docx_of_millions_of_paragraphs_is_refused_cheaply(archive, index_dir, body, reason):
    data = docx_with_body(body, compresslevel=9)
    (archive / "many.docx").write_bytes(data)

    summary = update_index(archive, index_dir)

    assert dict(summary.failed)["many.docx"].startswith(reason)
    assert_good_reports_indexed(summary, index_dir)


# Row 6: a worker that dies, or runs out of memory, is reported for its file and replaced


def write_slow_docx(path: Path) -> None:
    # Within every bound, but seconds of CPU to read: past the 1 s allowed below, the kernel
    # ends the worker (SIGXCPU) as the OOM killer would.
    path.write_bytes(docx_with_body(BIG_BODY * 45_000))


def write_large_txt(path: Path) -> None:
    # 40 MB: the bytes, then the decoded text, outgrow the 100 MB a worker may add below.
    text = SAMPLES[0].read_bytes()
    with open(path, "wb") as out:
        while out.tell() < 40 << 20:
            out.write(text)


@pytest.mark.slow  # over 20 s (bin/test -m 'not slow' skips it)
@pytest.mark.parametrize(
    "name, write, setting, reasons",
    [
        pytest.param(
            "r05-slow.docx",
            write_slow_docx,
            ("FAZHI_MAX_FILE_SECONDS", "1"),
            ("the reading process died on this file",),
            id="worker-killed",
        ),
        pytest.param(
            "r05-large.txt",
            write_large_txt,
            ("FAZHI_WORKER_MEMORY_MB", "100"),
            ("ran out of memory reading it", "the reading process died on this file"),
            id="memory-limit",
        ),
    ],
)
def test_a_file_that_breaks_its_worker_is_named_and_the_update_goes_on(
    tmp_path, index_dir, monkeypatch, name, write, setting, reasons
):
    folder = tmp_path / "archive"
    folder.mkdir()
    names = []
    for number in range(20):  # enough files for the worker pool
        good = f"r{number:02d}.txt"
        text = SAMPLES[number % 5].read_text(encoding="utf-8")
        (folder / good).write_text(f"{text}\n第{number}号补充说明。\n", "utf-8")
        names.append(good)
    write(folder / name)
    monkeypatch.setenv(*setting)

    summary = update_index(folder, index_dir)

    assert [failed for failed, _ in summary.failed] == [name], summary.failed
    assert summary.failed[0][1].startswith(reasons)
    assert sorted(summary.added) == names
    assert report_files(index_dir) == Counter(names)
