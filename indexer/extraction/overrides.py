"""Corrections staff keep beside a report, winning over what extraction read.

A report `archive/玉湖镇2020.docx` may have a sidecar `archive/玉湖镇2020.docx.meta.toml`:

    town = "玉湖镇"
    year = 2020
    county = ""      # empty: the value is unknown, whatever the text seems to say

A broken sidecar never costs the report: it is indexed as extracted, with a warning, and the
update names the sidecar as failed until it is fixed.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from ..errors import ReportReadError
from ..files import read_bounded
from ..records import METADATA_FIELDS, Evidence, Record
from ..vocabulary import FIRST_YEAR, LAST_YEAR

SIDECAR_SUFFIX = ".meta.toml"
# Five short fields fit in a few hundred bytes; a bigger file is not a correction.
MAX_SIDECAR_BYTES = 64 * 1024


def sidecar_path(report: Path) -> Path:
    return report.with_name(report.name + SIDECAR_SUFFIX)


def read_overrides(report: Path) -> dict[str, str | int | None]:
    """The fields a report's sidecar sets (None for an emptied field); {} when there is none.

    Raises ReportReadError naming the sidecar when it cannot be used.
    """
    path = sidecar_path(report)
    if not os.path.lexists(path):
        return {}
    data = read_bounded(path, MAX_SIDECAR_BYTES)
    try:
        parsed = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ReportReadError(path, f"cannot read the corrections file: {error}") from error
    except RecursionError:  # tomllib recurses once per nested [ or {
        raise ReportReadError(path, "cannot read the corrections file: nested too deeply") from None
    unknown = sorted(set(parsed) - set(METADATA_FIELDS))
    if unknown:
        raise ReportReadError(
            path, f"unknown field(s) {', '.join(unknown)}; use {', '.join(METADATA_FIELDS)}"
        )
    return {name: _value(path, name, value) for name, value in parsed.items()}


def apply_overrides(record: Record, report: Path) -> None:
    """Set the sidecar's fields on the record; a broken sidecar only adds a warning."""
    try:
        overrides = read_overrides(report)
    except ReportReadError as error:
        record.warnings.append(f"corrections file {error.path.name} ignored: {error.reason}")
        return
    for name, value in overrides.items():
        setattr(record, name, value)
        record.evidence[name] = Evidence(str(value or ""), -1, "override")


def _value(path: Path, name: str, value: object) -> str | int | None:
    if value == "":
        return None
    if name == "year":
        if isinstance(value, int) and not isinstance(value, bool):
            if FIRST_YEAR <= value <= LAST_YEAR:
                return value
        raise ReportReadError(
            path, f"year must be a number from {FIRST_YEAR} to {LAST_YEAR}, not {value!r}"
        )
    if isinstance(value, str):
        return value.strip() or None
    raise ReportReadError(path, f"{name} must be text in quotes, not {value!r}")
