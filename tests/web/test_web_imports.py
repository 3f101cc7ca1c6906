"""The web package is core: no Textual or Rich, and nothing heavy until it is used."""

from __future__ import annotations

import subprocess
import sys

WEB_MODULES = [
    "aiwatch_tui.core.web.urls",
    "aiwatch_tui.core.web.http",
    "aiwatch_tui.core.web.feeds",
    "aiwatch_tui.core.web.discovery",
    "aiwatch_tui.core.interchange.opml",
    "aiwatch_tui.core.web.fetcher",
]
HEAVY = ("textual", "rich", "httpx", "feedparser", "trafilatura", "lxml", "brotli", "readability")


def test_importing_the_web_package_loads_no_ui_and_no_heavy_library():
    # A fresh interpreter, so modules imported by other tests cannot hide an import.
    code = (
        "import importlib, sys\n"
        f"for name in {WEB_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
