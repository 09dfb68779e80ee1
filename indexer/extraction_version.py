"""A fingerprint of the extraction rules, so better rules reach reports already indexed.

It is the digest of the source of every module that `build_record` runs: the `extraction`
subpackage and the package's modules it imports (found by following its imports, so a new
module counts without anyone listing it). Any edit to those modules counts, a comment too:
re-reading every report once costs less than an index that silently keeps old mistakes. The
updater folds it into each report's content hash: when the rules change, every report
differs from what the index holds and is read again, in the same crash-safe batches as any
change.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_ENTRY = "extraction.extract"


def extraction_modules() -> list[str]:
    """The package's modules that extraction imports, directly or not, by dotted name."""
    seen: set[str] = set()
    todo = [_ENTRY]
    while todo:
        name = todo.pop()
        if name in seen or not _source(name).is_file():
            continue
        seen.add(name)
        package = name.split(".")[:-1]
        for node in ast.walk(ast.parse(_source(name).read_text(encoding="utf-8"))):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:  # from .outline import …, from ..records import …, from . import x
                base = package[: len(package) - node.level + 1]
                targets = [node.module] if node.module else [a.name for a in node.names]
                todo.extend(".".join([*base, target]) for target in targets)
            elif node.module and node.module.startswith(f"{_PACKAGE.name}."):
                todo.append(node.module.removeprefix(f"{_PACKAGE.name}."))
    return sorted(seen)


def _source(name: str) -> Path:
    return _PACKAGE.joinpath(*name.split(".")).with_suffix(".py")


@cache
def extraction_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in extraction_modules():
        digest.update(name.encode() + b"\0" + _source(name).read_bytes())
    return digest.hexdigest()[:16]
