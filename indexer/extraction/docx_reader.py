"""Reads a .docx report into lines, keeping the outline levels Word stores outside the text."""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

import docx
from docx.document import Document as DocxDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.part import Part
from docx.oxml.ns import qn
from lxml import etree

from indexer.errors import ReportReadError
from indexer.extraction.docx_limits import package_refusal
from indexer.extraction.docx_numbering import ListNumbering, to_int, wxpath
from indexer.extraction.source import SourceDocument, SourceLine

_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_HEADING_NAME = re.compile(r"(?:heading|标题)\s*([1-9])", re.IGNORECASE)
_LINE_BREAKS = re.compile(r"\r\n|[\r\n\v]")

_P, _TBL, _SDT, _CUSTOM_XML = (qn(t) for t in ("w:p", "w:tbl", "w:sdt", "w:customXml"))
_PARAGRAPH_STYLES = wxpath("w:style[@w:type='paragraph']")
_STYLE_NAME = wxpath("w:name/@w:val")
_BASED_ON = wxpath("w:basedOn/@w:val")
_P_STYLE = wxpath("w:pPr/w:pStyle/@w:val")
_OUTLINE_LVL = wxpath("w:pPr/w:outlineLvl/@w:val")
_NUM_ID = wxpath("w:pPr/w:numPr/w:numId/@w:val")
_ILVL = wxpath("w:pPr/w:numPr/w:ilvl/@w:val")
# Runs of this paragraph, without deleted revisions; runs of text boxes belong to their own w:p.
_RUNS = wxpath(".//w:r[not(ancestor::w:del or ancestor::w:moveFrom)]")
_OWNING_P = wxpath("ancestor::w:p[1]")
# A run's text as python-docx's CT_R.text reads it, compiled once: its own xpath call
# compiles the query for every run (200 µs a paragraph, 20 s for 100,000 paragraphs).
_RUN_CONTENT = wxpath("w:br | w:cr | w:noBreakHyphen | w:ptab | w:t | w:tab")
_CELLS = wxpath("w:tr/w:tc")
_MERGE_CONTINUATION = wxpath("w:tcPr/*[self::w:vMerge or self::w:hMerge][not(@w:val='restart')]")
_SDT_CONTENT = wxpath("w:sdtContent")
_TOC_GALLERY = wxpath("w:sdtPr/w:docPartObj/w:docPartGallery[starts-with(@w:val, 'Table of')]")


def read_docx(path: Path) -> SourceDocument:
    """Read body paragraphs and table cells in reading order, with Word's outline levels."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ReportReadError(path, f"cannot read file: {exc.strerror or exc}") from exc
    return docx_document(path, data)


def docx_document(path: Path, data: bytes) -> SourceDocument:
    """The lines of a .docx given as bytes; `path` names it in errors.

    Any failure becomes a ReportReadError, so one bad file cannot stop an indexing run.
    """
    document = _open(path, data)
    try:
        body = document.element.body
        lines = [] if body is None else _Walker(document.part).walk(body)
    except Exception as exc:  # a malformed part: report the file, never crash the run
        raise ReportReadError(path, f"damaged .docx: {exc}") from exc
    if not any(line.text.strip() for line in lines):
        raise ReportReadError(path, "empty document")
    return SourceDocument(lines=lines, encoding=None)


def _open(path: Path, data: bytes) -> DocxDocument:
    if data.startswith(_OLE_MAGIC):
        reason = "legacy Word .doc format (or a password-protected file), save it as .docx"
        raise ReportReadError(path, reason)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data.startswith(b"PK"):
            raise ReportReadError(path, "damaged or truncated .docx (incomplete zip archive)")
        raise ReportReadError(path, "not a .docx file (not a zip archive)")
    try:
        if reason := package_refusal(data):  # before python-docx inflates and parses it all
            raise ReportReadError(path, reason)
        return docx.Document(io.BytesIO(data))
    except ReportReadError:
        raise
    except KeyError as exc:  # python-docx reports a missing package part as a KeyError
        raise ReportReadError(path, "not a Word document (no word/document.xml)") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise ReportReadError(path, f"damaged or truncated .docx ({exc})") from exc
    except etree.XMLSyntaxError as exc:
        raise ReportReadError(path, f"damaged .docx: invalid XML ({exc})") from exc
    except Exception as exc:  # e.g. ValueError for a .docm/.xlsx: no raw exception escapes
        raise ReportReadError(path, f"not a readable Word document ({exc})") from exc


def _related_element(part: Part, reltype: str) -> etree._Element | None:
    """The XML of a related part, or None; python-docx's `numbering_part` would create one."""
    try:
        return getattr(part.part_related_by(reltype), "element", None)
    except KeyError:
        return None


class _Styles:
    """Paragraph styles by id, so levels and numbering can be inherited along `basedOn`."""

    def __init__(self, styles: etree._Element | None) -> None:
        found = _PARAGRAPH_STYLES(styles) if styles is not None else []
        self._by_id = {s.get(qn("w:styleId")): s for s in found}
        defaults = [s for s in found if s.get(qn("w:default")) in ("1", "true")]
        self._default = defaults[0].get(qn("w:styleId")) if defaults else None

    def chain(self, style_id: str | None) -> list[etree._Element]:
        if style_id not in self._by_id:
            style_id = self._default
        chain: list[etree._Element] = []
        while style_id in self._by_id and len(chain) < 20:  # bounded: basedOn may loop
            chain.append(self._by_id[style_id])
            based_on = _BASED_ON(chain[-1])
            style_id = based_on[0] if based_on else None
        return chain


def _outline_level(chain: list[etree._Element]) -> int | None:
    """First declared level: the paragraph's outlineLvl, then each style's outlineLvl or name."""
    for element in chain:
        if lvl := _OUTLINE_LVL(element):
            value = to_int(lvl[0], 9)
            return value + 1 if 0 <= value < 9 else None  # 9 means "body text"
        if (name := _STYLE_NAME(element)) and (match := _HEADING_NAME.fullmatch(name[0].strip())):
            return int(match.group(1))
    return None


def _first_value(chain: list[etree._Element], query: etree.XPath) -> str | None:
    for element in chain:
        if values := query(element):
            return values[0]
    return None


def _paragraph_text(p: etree._Element) -> str:
    # paragraph.text skips runs inside w:ins, w:smartTag, w:fldSimple and inline w:sdt.
    return "".join(str(e) for r in _RUNS(p) if _OWNING_P(r)[0] is p for e in _RUN_CONTENT(r))


def _is_merge_continuation(tc: etree._Element) -> bool:
    return bool(_MERGE_CONTINUATION(tc))


class _Walker:
    """Walks the body XML once, so numbering is counted in the order Word renders it."""

    def __init__(self, part: Part) -> None:
        self._styles = _Styles(_related_element(part, RT.STYLES))
        self._numbering = ListNumbering(_related_element(part, RT.NUMBERING))
        self._lines: list[SourceLine] = []

    def walk(self, container: etree._Element, in_table: bool = False) -> list[SourceLine]:
        for child in container.iterchildren():
            if child.tag == _P:
                self._paragraph(child, in_table)
            elif child.tag == _TBL:
                for tc in _CELLS(child):
                    if not _is_merge_continuation(tc):  # its content lives in the first cell
                        self.walk(tc, in_table=True)
            elif child.tag == _SDT and not _TOC_GALLERY(child):  # a TOC repeats the headings
                for content in _SDT_CONTENT(child):
                    self.walk(content, in_table)
            elif child.tag == _CUSTOM_XML:
                self.walk(child, in_table)
        return self._lines

    def _paragraph(self, p: etree._Element, in_table: bool) -> None:
        style_id = _P_STYLE(p)
        chain = [p, *self._styles.chain(style_id[0] if style_id else None)]
        level, number = None, ""
        if num_id := _first_value(chain, _NUM_ID):
            ilvl = to_int(_first_value(chain, _ILVL) or 0, 0)
            level, number = self._numbering.advance(num_id, ilvl)
            if number:  # once rendered, the number tells the outline its level as typed ones do
                level = None
        level = _outline_level(chain) or level
        text = number + _paragraph_text(p)
        if in_table and not text.strip():
            return  # blank lines only matter in the body, around the title
        first, *rest = _LINE_BREAKS.split(text)
        self._lines.append(SourceLine(first, level))
        self._lines.extend(SourceLine(line) for line in rest)
