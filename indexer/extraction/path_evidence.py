"""Folder and file names as evidence of a report's county, town and year.

Offices file reports as `archive/威信县/2021/…镇.docx` or `庙坝镇2021年报告.txt`. A path
component that is a county, a town or a year says what the text may not: it fills a value the
text is silent on (source `path`). When the path and the text disagree, neither is trusted:
the value is unknown and a warning says why, so staff can settle it with a sidecar.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..normalize import normalize
from ..records import Evidence
from ..vocabulary import FIRST_YEAR, LAST_YEAR
from .metadata import Found, admin_places, metadata_text

# A year standing alone in a name: 2021, 2021年; not digits inside a hash such as a2019b.
_YEAR = re.compile(r"(?<![0-9a-z])((?:19|20)[0-9]{2})(?![0-9a-z])")
FIELDS = ("town", "county", "year")


def path_values(file: str) -> dict[str, Found]:
    """What the components of `file` (relative to the archive) name; conflicting ones drop."""
    path = PurePosixPath(file)
    names = [*path.parent.parts, path.stem]
    seen: dict[str, set[str | int]] = {name: set() for name in FIELDS}
    found: dict[str, Found] = {}
    for component in names:
        norm = metadata_text(normalize(component))
        values: dict[str, str | int] = {
            name: value for name, value in admin_places(norm).items() if name in FIELDS
        }
        years = {int(m.group(1)) for m in _YEAR.finditer(norm)}
        years = {year for year in years if FIRST_YEAR <= year <= LAST_YEAR}
        if len(years) == 1:
            values["year"] = years.pop()
        for name, value in values.items():
            seen[name].add(value)
            found.setdefault(name, Found(value, Evidence(component, -1, "path")))
    return {name: value for name, value in found.items() if len(seen[name]) == 1}


def with_path_evidence(found: dict[str, Found], file: str) -> tuple[dict[str, Found], list[str]]:
    """`found` completed by the path; a value the path contradicts becomes unknown."""
    result = dict(found)
    warnings = []
    for name, from_path in path_values(file).items():
        from_text = result.get(name)
        if from_text is None:
            result[name] = from_path
        elif from_text.value != from_path.value:
            del result[name]
            warnings.append(
                f"{name} unknown: the text says {from_text.value} "
                f"({from_text.evidence.source}: {from_text.evidence.phrase}), "
                f"the path says {from_path.value} ({from_path.evidence.phrase})"
            )
    return result, warnings
