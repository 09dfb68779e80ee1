"""Bounds a .docx must keep before python-docx may inflate and parse it.

A .docx is a zip: 2 MB can inflate to gigabytes, and 27 KB can hold three million empty
paragraphs that cost python-docx 40 seconds and 770 MB. python-docx inflates and parses every
XML part on opening, so the whole package is measured first, cheaply, on the bytes:

- each part at most 64 MB inflated, the package at most 128 MB (a real report's
  document.xml is well under 5 MB; photos are stored, not shrunk, so they count once);
- at most 1,000,000 XML elements in all (a 100-page report has about 60,000);
- at most 50,000 paragraphs (a long report has a few thousand).

The declared sizes are checked first and the parts then inflated through a bounded stream,
since a zip header can lie about them.
"""

from __future__ import annotations

import io
import re
import zipfile

MB = 1 << 20
MAX_PART_BYTES = 64 * MB
MAX_PACKAGE_BYTES = 128 * MB
MAX_ELEMENTS = 1_000_000
MAX_PARAGRAPHS = 50_000

_WORD_NAMESPACE = re.compile(
    rb'xmlns(?::([\w.-]+))?="http://schemas\.openxmlformats\.org/wordprocessingml/2006/main"'
)
_XML_SUFFIXES = (".xml", ".rels")


def package_refusal(data: bytes) -> str | None:
    """Why this .docx is too big to open, or None. Raises zipfile/zlib errors on damage."""
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        members = package.infolist()
        declared = sum(member.file_size for member in members)
        biggest = max(members, key=lambda member: member.file_size, default=None)
        if biggest is not None and biggest.file_size > MAX_PART_BYTES:
            return _inflates(biggest.filename, biggest.file_size, MAX_PART_BYTES)
        if declared > MAX_PACKAGE_BYTES:
            return _inflates("the package", declared, MAX_PACKAGE_BYTES)
        elements = paragraphs = 0
        for member in members:
            if not member.filename.lower().endswith(_XML_SUFFIXES):
                continue
            xml = _inflate(package, member)
            if xml is None:
                return _inflates(member.filename, MAX_PART_BYTES + 1, MAX_PART_BYTES)
            elements += _start_tags(xml)
            paragraphs += _paragraphs(xml)
        if elements > MAX_ELEMENTS:
            return f"too complex to read: {elements:,} XML elements, over {MAX_ELEMENTS:,}"
        if paragraphs > MAX_PARAGRAPHS:
            return f"too many paragraphs: {paragraphs:,}, over {MAX_PARAGRAPHS:,}"
    return None


def _inflates(name: str, size: int, limit: int) -> str:
    return f"{name} inflates to over {size / MB:.0f} MB, past the {limit / MB:.0f} MB bound"


def _inflate(package: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes, or None past MAX_PART_BYTES, never inflating more than that."""
    with package.open(member) as stream:
        xml = stream.read(MAX_PART_BYTES + 1)
    return None if len(xml) > MAX_PART_BYTES else xml


def _start_tags(xml: bytes) -> int:
    return xml.count(b"<") - xml.count(b"</") - xml.count(b"<?") - xml.count(b"<!")


def _paragraphs(xml: bytes) -> int:
    """Word paragraphs, under whatever prefix the part binds Word's namespace to."""
    prefixes = {match.group(1) or b"" for match in _WORD_NAMESPACE.finditer(xml[:65536])}
    tags = [b"<" + (prefix + b":" if prefix else b"") + b"p" for prefix in prefixes]
    return sum(xml.count(tag + end) for tag in tags for end in (b">", b"/>", b" ", b"\t", b"\n"))
