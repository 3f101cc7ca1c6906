"""The core must not import Textual or Rich: it is used by scripts and tests without a terminal."""

from __future__ import annotations

import subprocess
import sys

CORE_MODULES = [
    "aiwatch_tui.paths",
    "aiwatch_tui.cli",
    "aiwatch_tui.core.model",
    "aiwatch_tui.core.documents",
    "aiwatch_tui.core.library",
    "aiwatch_tui.core.catalog",
    "aiwatch_tui.core.store",
    "aiwatch_tui.core.anchoring",
    "aiwatch_tui.core.search",
    "aiwatch_tui.core.fulltext",
    "aiwatch_tui.core.export",
    "aiwatch_tui.core.interchange",
    "aiwatch_tui.core.annotations",
]


def test_core_imports_neither_textual_nor_rich() -> None:
    # A fresh interpreter, so modules imported by other tests cannot hide an import.
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
