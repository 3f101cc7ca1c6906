"""What the first frame waits for: the modules imported before it, and the Footer's keys.

Start-up time itself is measured in bench/ (bench_startup.py); these tests keep the causes of
a slow first frame from coming back, without timing anything."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from textual.widgets._footer import FooterKey

from tests.ui.conftest import AppFactory

# Imported by the first frame, they would delay it for what it does not show: the web stack and
# the fuzzy matcher (used once the user fetches or filters), the W3C reader with json and
# html.parser (importing annotations), the TOML parser (only for a settings file), and the
# screens and widgets not on screen at launch.
NOT_BEFORE_FIRST_FRAME = (
    "trafilatura",
    "lxml",
    "httpx",
    "feedparser",
    "rapidfuzz",
    "html.parser",
    "tomllib",
    "aiwatch_tui.core.web",
    "aiwatch_tui.core.interchange.w3c_read",
    "aiwatch_tui.core.find.fuzzy",
    "aiwatch_tui.core.find.fulltext",  # the bundled articles are read sooner than the index
    "aiwatch_tui.ui.palette",
    "aiwatch_tui.ui.screens.annotations",
    "aiwatch_tui.ui.screens.search",
    "aiwatch_tui.ui.screens.help",
    "aiwatch_tui.ui.widgets.outline",
    "aiwatch_tui.ui.widgets.find_bar",
)

# The reader launched as `aiwatch` builds it (the command line's module first, then make_app),
# headless, printing the modules loaded once the first frame is drawn.
_LAUNCH = """
import sys
import aiwatch_tui.cli
from aiwatch_tui.ui.app import make_app

app = make_app()
def first_frame():
    print("\\n".join(sorted(sys.modules)))
    app.exit()
app.after_first_paint.append(first_frame)
app.run(headless=True, size=(100, 30))
"""


def _aiwatch(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "aiwatch_tui", *args], capture_output=True, timeout=120
    )
    assert done.returncode in (0, 1), done.stderr  # 1: a search found nothing (as grep says)


def _modules_at_first_frame() -> set[str]:
    # A fresh interpreter, so that modules other tests imported cannot hide an import.
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCH],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return set(done.stdout.split())


def _too_early(loaded: set[str], heavy: Sequence[str] = NOT_BEFORE_FIRST_FRAME) -> list[str]:
    return sorted(
        name for name in loaded if any(name == h or name.startswith(h + ".") for h in heavy)
    )


def test_the_first_frame_imports_nothing_it_does_not_show() -> None:
    # The environment (tests/conftest.py) gives the launch a private, empty home: the bundled
    # articles, no settings file. The first launch, then a relaunch on what it left (the
    # search index and the list's first screen, made by `aiwatch search`).
    first = _modules_at_first_frame()
    assert "aiwatch_tui.ui.screens.main" in first  # the probe did reach the first frame
    assert _too_early(first) == []
    _aiwatch("search", "warm")
    assert _too_early(_modules_at_first_frame()) == []


# What a relaunch of a large library does before its first frame: the list's first screen
# read from the search index (AiwatchApp._start), the index being brought up to date after.
_READ_INFOS = """
import sys
from aiwatch_tui.core.operations.search_index import cached_infos
from aiwatch_tui.paths import Paths

assert cached_infos(Paths.resolve())
print("\\n".join(sorted(sys.modules)))
"""


def test_reading_the_index_for_a_relaunch_does_not_load_its_updater(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for number in range(12):
        (folder / f"{number:02}.md").write_text(f"# Article {number}\n\nSome words.\n")
    _aiwatch("add", str(folder))
    _aiwatch("search", "warm")  # builds the index
    done = subprocess.run(
        [sys.executable, "-c", _READ_INFOS], capture_output=True, text=True, check=True
    )
    loaded = set(done.stdout.split())
    assert "aiwatch_tui.core.find.fulltext.updating" not in loaded
    assert "aiwatch_tui.core.find.fulltext.parsing" not in loaded


async def test_the_first_frame_shows_the_footer_keys(new_app: AppFactory) -> None:
    app = new_app()
    shown: list[list[str]] = []
    app.after_first_paint.append(
        lambda: shown.append([str(key.description) for key in app.screen.query(FooterKey)])
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert shown, "the first frame was never drawn"
        first = shown[0]
        assert "Filter" in first and "palette" in first
        # ... and they were the keys still shown once everything has settled.
        await pilot.pause(0.2)
        assert [str(key.description) for key in app.screen.query(FooterKey)] == first


async def test_the_footer_is_not_rebuilt_when_its_keys_stay_the_same(
    new_app: AppFactory, tmp_path: Path
) -> None:
    app = new_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        before = list(app.screen.query(FooterKey))
        app.screen.refresh_bindings()  # as every focus change and binding check does
        await pilot.pause()
        assert list(app.screen.query(FooterKey)) == before
        assert all(key.is_attached for key in before)
        await pilot.press("tab")  # to the reader: other keys, so a new Footer
        await pilot.pause()
        after = [str(key.description) for key in app.screen.query(FooterKey)]
        assert after != [str(key.description) for key in before]
