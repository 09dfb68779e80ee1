"""A fingerprint of the extraction rules, so better rules reach reports already indexed.

It is the digest of the source of every module that `build_record` runs (found by following
the package's own imports from extract.py, so a new module counts without anyone listing it).
Any edit to those modules counts, a comment too: re-reading every report once costs less
than an index that silently keeps old mistakes. The updater folds it into each report's
content hash: when the rules change, every report differs from what the index holds and is
read again, in the same crash-safe batches as any change.
"""

from __future__ import annotations

import ast
import hashlib
from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_ENTRY = "extract"


def extraction_modules() -> list[str]:
    """The package's modules that extraction imports, directly or not, by name."""
    seen: set[str] = set()
    todo = [_ENTRY]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        tree = ast.parse((_PACKAGE / f"{name}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level == 1 and not node.module:  # from . import categories
                todo.extend(alias.name for alias in node.names)
            elif node.level == 1:  # from .outline import …
                todo.append(node.module.split(".")[0])
            elif node.module and node.module.startswith(f"{_PACKAGE.name}."):
                todo.append(node.module.split(".")[1])
    return sorted(seen)


@cache
def extraction_fingerprint() -> str:
    digest = hashlib.sha256()
    for name in extraction_modules():
        digest.update(name.encode() + b"\0" + (_PACKAGE / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]
