"""Corrections staff keep beside a report, winning over what extraction read.

A report `archive/玉湖镇2020.docx` may have a sidecar `archive/玉湖镇2020.docx.meta.toml`:

    town = "玉湖镇"
    year = 2020
    county = ""      # empty: the value is unknown, whatever the text seems to say
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from .errors import ReportReadError
from .records import METADATA_FIELDS

SIDECAR_SUFFIX = ".meta.toml"


def sidecar_path(report: Path) -> Path:
    return report.with_name(report.name + SIDECAR_SUFFIX)


def read_overrides(report: Path) -> dict[str, str | int | None]:
    """The fields a report's sidecar sets (None for an emptied field); {} when there is none."""
    path = sidecar_path(report)
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ReportReadError(path, f"cannot read the corrections file: {error}") from error
    unknown = sorted(set(data) - set(METADATA_FIELDS))
    if unknown:
        raise ReportReadError(
            path, f"unknown field(s) {', '.join(unknown)}; use {', '.join(METADATA_FIELDS)}"
        )
    return {name: _value(path, name, value) for name, value in data.items()}


def _value(path: Path, name: str, value: object) -> str | int | None:
    if value == "":
        return None
    if name == "year":
        if isinstance(value, int) and not isinstance(value, bool) and 1900 <= value <= 2100:
            return value
        raise ReportReadError(path, f"year must be a number such as 2021, not {value!r}")
    if isinstance(value, str):
        return value.strip() or None
    raise ReportReadError(path, f"{name} must be text in quotes, not {value!r}")
