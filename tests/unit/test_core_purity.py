"""The core must not import Textual or Rich: it is used by scripts and tests without a terminal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Every module of the core (found on disk, so a new one is checked without being listed), and
# the two outside it that the command line's subcommands load.
CORE_MODULES = [
    "aiwatch_tui.paths",
    "aiwatch_tui.cli",
    *sorted(
        ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for path in (REPO / "aiwatch_tui" / "core").rglob("*.py")
    ),
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
