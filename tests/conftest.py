from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The five sample reports and a careful reader's values for them (copied from the corpus
# beside the project, so a clone alone passes); archive/ is the user's folder, not the tests'.
ARCHIVE = ROOT / "tests" / "data" / "samples"
EXPECTED = ROOT / "tests" / "data" / "expected.json"


def expected_records() -> list[dict]:
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


@pytest.fixture
def write_txt(tmp_path: Path):
    """Write a report as a UTF-8 .txt file and return its path."""

    def write(text: str, name: str = "report.txt", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write
