"""read_docx on real .docx files built with python-docx."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import docx
import pytest
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.text.paragraph import Paragraph

from indexer.errors import ReportReadError
from indexer.extraction.docx_numbering import format_number
from indexer.extraction.docx_reader import read_docx
from indexer.extraction.source import SourceLine

OUTLINE_NUM_ID = "90"


def save(document: DocxDocument, tmp_path: Path, name: str = "report.docx") -> Path:
    path = tmp_path / name
    document.save(str(path))
    return path


def pairs(path: Path) -> list[tuple[str, int | None]]:
    return [(line.text, line.level) for line in read_docx(path).lines]


def add_outline_numbering(document: DocxDocument, formats: tuple[str, str]) -> None:
    """Define numId 90 as a two-level Chinese outline list: "%1、" then "（%2）"."""
    numbering = document.part.part_related_by(RT.NUMBERING).element
    levels = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
        f'<w:lvlText w:val="{text}"/></w:lvl>'
        for i, (fmt, text) in enumerate(zip(formats, ("%1、", "（%2）"), strict=True))
    )
    abstract = f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">{levels}</w:abstractNum>'
    numbering.insert(0, parse_xml(abstract))  # the schema puts abstractNum before num
    numbering.append(
        parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>')
    )


def set_num_pr(paragraph: Paragraph, num_id: str, ilvl: int | None) -> None:
    ilvl_xml = "" if ilvl is None else f'<w:ilvl w:val="{ilvl}"/>'
    num_pr = f'<w:numPr {nsdecls("w")}>{ilvl_xml}<w:numId w:val="{num_id}"/></w:numPr>'
    paragraph._p.get_or_add_pPr().append(parse_xml(num_pr))


def test_heading_styles_give_levels_and_title_is_body(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_heading("关于2023年法治政府建设情况的报告", level=0)
    document.add_paragraph("")
    document.add_heading("一、加强组织领导", level=1)
    document.add_heading("（一）强化宣传", level=2)
    document.add_paragraph("镇党委高度重视。")
    assert pairs(save(document, tmp_path)) == [
        ("关于2023年法治政府建设情况的报告", None),
        ("", None),
        ("一、加强组织领导", 1),
        ("（一）强化宣传", 2),
        ("镇党委高度重视。", None),
    ]


def test_chinese_style_names_and_outline_levels(tmp_path: Path) -> None:
    document = docx.Document()
    styles = document.styles
    based = styles.add_style("标题 1", WD_STYLE_TYPE.PARAGRAPH)
    based.base_style = styles["Heading 1"]
    styles.add_style("标题2", WD_STYLE_TYPE.PARAGRAPH)  # WPS-style name, no outlineLvl
    styles.add_style("标题", WD_STYLE_TYPE.PARAGRAPH)  # a title, not an outline level
    custom = styles.add_style("小节", WD_STYLE_TYPE.PARAGRAPH)
    custom.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="2"/>'))
    inherits = styles.add_style("小节正文", WD_STYLE_TYPE.PARAGRAPH)
    inherits.base_style = custom

    document.add_paragraph("某镇法治报告", style="标题")
    document.add_paragraph("一、总体情况", style="标题 1")
    document.add_paragraph("（一）制度建设", style="标题2")
    document.add_paragraph("1.完善制度", style="小节")
    document.add_paragraph("2.继承层级", style="小节正文")
    direct = document.add_paragraph("直接设置大纲级别")
    direct._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="1"/>'))
    body = document.add_paragraph("正文级别", style="Heading 1")
    body._p.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {nsdecls("w")} w:val="9"/>'))

    assert pairs(save(document, tmp_path)) == [
        ("某镇法治报告", None),
        ("一、总体情况", 1),
        ("（一）制度建设", 2),
        ("1.完善制度", 3),
        ("2.继承层级", 3),
        ("直接设置大纲级别", 2),
        ("正文级别", None),
    ]


def test_outline_list_numbers_are_rendered_and_reset(tmp_path: Path) -> None:
    document = docx.Document()
    add_outline_numbering(document, ("chineseCounting", "chineseCounting"))
    style = document.styles.add_style("编号标题", WD_STYLE_TYPE.PARAGRAPH)
    style.element.get_or_add_pPr().append(
        parse_xml(f'<w:numPr {nsdecls("w")}><w:numId w:val="{OUTLINE_NUM_ID}"/></w:numPr>')
    )
    for text, ilvl in [
        ("加强组织领导", None),
        ("强化宣传", 1),
        ("完善制度", 1),
        ("推进依法行政", 0),
        ("规范执法", 1),
    ]:
        set_num_pr(document.add_paragraph(text), OUTLINE_NUM_ID, ilvl)
    document.add_paragraph("继承样式编号", style="编号标题")
    document.add_paragraph("项目符号", style="List Bullet")
    document.add_paragraph("普通编号", style="List Number")

    # A rendered number puts the level into the text, where the outline reads it.
    assert pairs(save(document, tmp_path)) == [
        ("一、加强组织领导", None),
        ("（一）强化宣传", None),
        ("（二）完善制度", None),
        ("二、推进依法行政", None),
        ("（一）规范执法", None),
        ("三、继承样式编号", None),
        ("项目符号", None),
        ("1.普通编号", None),
    ]


def test_unrenderable_format_keeps_level_without_number(tmp_path: Path) -> None:
    document = docx.Document()
    add_outline_numbering(document, ("decimal", "hebrew1"))
    set_num_pr(document.add_paragraph("第一部分"), OUTLINE_NUM_ID, 0)
    set_num_pr(document.add_paragraph("希伯来编号"), OUTLINE_NUM_ID, 1)
    assert pairs(save(document, tmp_path)) == [("1、第一部分", None), ("希伯来编号", 2)]


def test_missing_numbering_part_is_body_text(tmp_path: Path) -> None:
    document = docx.Document()
    rel_id = next(r.rId for r in document.part.rels.values() if r.reltype == RT.NUMBERING)
    document.part.drop_rel(rel_id)
    set_num_pr(document.add_paragraph("无编号定义"), "1", 0)
    assert pairs(save(document, tmp_path)) == [("无编号定义", None)]


def test_table_cells_in_document_order_without_merge_duplicates(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("表格之前")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "横向合并"
    table.cell(0, 2).text = "指标"
    table.cell(1, 0).merge(table.cell(2, 0)).text = "纵向合并"
    table.cell(1, 1).text = "完成"
    table.cell(2, 1).add_table(rows=1, cols=1).cell(0, 0).text = "嵌套"
    table.cell(2, 2).text = "第一行\n第二行"  # cell (1, 2) stays empty
    document.add_paragraph("表格之后")

    lines = read_docx(save(document, tmp_path)).lines
    assert [line.text for line in lines] == [
        "表格之前",
        "横向合并",
        "指标",
        "纵向合并",
        "完成",
        "嵌套",
        "第一行",
        "第二行",
        "表格之后",
    ]


def test_line_breaks_revisions_and_content_controls(tmp_path: Path) -> None:
    document = docx.Document()
    heading = document.add_heading("一、工作成效", level=1)
    heading.runs[0].add_break()
    heading.add_run("续行")
    revised = document.add_paragraph("保留")
    w = nsdecls("w")
    revised._p.append(
        parse_xml(f'<w:ins {w} w:id="1" w:author="a"><w:r><w:t>插入</w:t></w:r></w:ins>')
    )
    revised._p.append(
        parse_xml(
            f'<w:del {w} w:id="2" w:author="a"><w:r><w:delText>删除</w:delText></w:r></w:del>'
        )
    )
    sect_pr = document.element.body.find(qn("w:sectPr"))
    toc = (
        f'<w:sdt {w}><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
        "</w:docPartObj></w:sdtPr><w:sdtContent><w:p><w:r><w:t>目录项</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    cover = (
        f"<w:sdt {w}><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>封面</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
    )
    sect_pr.addprevious(parse_xml(toc))
    sect_pr.addprevious(parse_xml(cover))

    assert pairs(save(document, tmp_path)) == [
        ("一、工作成效", 1),
        ("续行", None),
        ("保留插入", None),
        ("封面", None),
    ]


def _docx_bytes(tmp_path: Path) -> bytes:
    document = docx.Document()
    document.add_paragraph("正文内容" * 200)
    return save(document, tmp_path, "source.docx").read_bytes()


def _with_bad_xml(tmp_path: Path) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_docx_bytes(tmp_path))) as src,
        zipfile.ZipFile(out, "w") as dst,
    ):
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, b"<w:document" if item.filename == "word/document.xml" else data)
    return out.getvalue()


def _truncated(tmp_path: Path) -> bytes:
    data = _docx_bytes(tmp_path)
    return data[: len(data) // 2]


def _zip_of(**members: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return out.getvalue()


def _without_document_xml(tmp_path: Path) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(_docx_bytes(tmp_path))) as src,
        zipfile.ZipFile(out, "w") as dst,
    ):
        for item in src.infolist():
            if item.filename != "word/document.xml":
                dst.writestr(item, src.read(item))
    return out.getvalue()


def _blank_document(tmp_path: Path) -> bytes:
    document = docx.Document()
    document.add_paragraph("")
    document.add_paragraph("   ")
    document.add_table(rows=1, cols=2)
    return save(document, tmp_path, "blank.docx").read_bytes()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (lambda _: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504, "legacy Word .doc format"),
        (lambda _: random.Random(7).randbytes(2048).replace(b"PK", b"pk"), "not a zip archive"),
        (_truncated, "truncated"),
        (lambda _: _zip_of(), "no word/document.xml"),
        (lambda _: _zip_of(**{"notes.txt": "hello"}), "no word/document.xml"),
        (_without_document_xml, "no word/document.xml"),
        (_with_bad_xml, "invalid XML"),
        (_blank_document, "empty document"),
        (None, "cannot read file"),
    ],
    ids=[
        "ole-doc",
        "random-bytes",
        "truncated-zip",
        "empty-zip",
        "zip-not-docx",
        "docx-without-document-xml",
        "bad-xml",
        "empty-doc",
        "missing-file",
    ],
)
def test_unreadable_files_raise_report_read_error(tmp_path, content, reason) -> None:
    path = tmp_path / "坏报告.docx"
    if content is not None:
        path.write_bytes(content(tmp_path))
    with pytest.raises(ReportReadError) as caught:
        read_docx(path)
    assert reason in caught.value.reason
    assert caught.value.path == path
    assert "坏报告.docx" in str(caught.value)


def test_lines_are_source_lines_without_encoding(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("正文")
    result = read_docx(save(document, tmp_path))
    assert result.lines == [SourceLine("正文", None)]
    assert result.encoding is None
    assert result.warnings == []


@pytest.mark.parametrize(
    ("n", "fmt", "expected"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (11, "chineseCountingThousand", "十一"),
        (20, "japaneseCounting", "二十"),
        (23, "chineseCounting", "二十三"),
        (3, "chineseLegalSimplified", "叁"),
        (2, "ideographTraditional", "乙"),
        (12, "decimalFullWidth", "１２"),
        (3, "decimalEnclosedCircleChinese", "③"),
        (28, "upperLetter", "BB"),
        (14, "lowerRoman", "xiv"),
        (100, "chineseCounting", None),
        (1, "ordinalText", None),
    ],
)
def test_format_number(n: int, fmt: str, expected: str | None) -> None:
    assert format_number(n, fmt) == expected
