"""From a report file to its record: reading (.txt in any common encoding, .docx), then
extraction (title, places, year, outline, categories, passages) and the staff's corrections.

`build_record` is the one entry point; everything else here serves it.
"""

from .extract import build_record

__all__ = ["build_record"]
