from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT / "archive"
EXPECTED = ROOT.parent / "shared" / "corpus" / "expected.json"


def expected_records() -> list[dict]:
    """The careful reader's values for the sample reports, as shipped beside the corpus."""
    if EXPECTED.is_file():
        return json.loads(EXPECTED.read_text(encoding="utf-8"))
    return json.loads((ROOT / "tests" / "data" / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture
def write_txt(tmp_path: Path):
    """Write a report as a UTF-8 .txt file and return its path."""

    def write(text: str, name: str = "report.txt", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write
