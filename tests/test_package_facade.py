"""The package's exports are imported on first use: a worker process that only reads reports
does not import the search, and every export still resolves as it did when imported eagerly.

Each check runs in a fresh interpreter: what a process has imported is the point."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_a_worker_imports_no_search_whoosh_searching_or_jieba():
    loaded = _run(
        "import sys, indexer.workers\n"
        "heavy = ['indexer.search', 'indexer.store', 'indexer.update', 'whoosh.searching',"
        " 'jieba']\n"
        "print(','.join(m for m in heavy if m in sys.modules))"
    )
    assert loaded == ""


def test_every_export_resolves_to_the_object_its_module_defines():
    out = _run(
        "import importlib, indexer\n"
        "wrong = [n for n, m in indexer._SOURCES.items()\n"
        "         if getattr(indexer, n) is not getattr("
        "importlib.import_module('indexer.' + m), n)]\n"
        "print(len(indexer.__all__), wrong, set(indexer.__all__) <= set(dir(indexer)))"
    )
    assert out == "35 [] True"


def test_indexer_search_is_the_function_whichever_is_imported_first():
    # The import system binds a loaded submodule to its package's attribute of the same name.
    for code in (
        "import indexer.search\nfrom indexer import search",
        "from indexer import search\nimport indexer.search",
        "from indexer import get_record, update_index\nfrom indexer import search",
        "import indexer.search as search",
    ):
        out = _run(
            code + "\nimport indexer, types\n"
            "print(type(search).__name__, indexer.search is search,"
            " isinstance(indexer.search, types.FunctionType))"
        )
        assert out == "function True True", code


def test_an_unknown_name_is_an_attribute_error():
    out = _run(
        "import indexer\n"
        "try:\n    indexer.no_such_name\nexcept AttributeError as e:\n    print(e)\n"
        "try:\n    from indexer import nothing_here\nexcept ImportError as e:\n    print('import')"
    )
    assert out == "module 'indexer' has no attribute 'no_such_name'\nimport"
