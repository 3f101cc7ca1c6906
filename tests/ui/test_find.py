"""Pilot tests of find-in-document (`/`): incremental matches, the count, n/N, Enter and Esc."""

from __future__ import annotations

from pathlib import Path

from aiwatch_tui.core.find.in_document import find_all
from aiwatch_tui.ui.screens.annotations import AnnotationsScreen
from aiwatch_tui.ui.widgets.find_bar import FindBar
from aiwatch_tui.ui.widgets.reader import Reader
from tests.ui.conftest import AppFactory


def _count(app) -> str:
    return str(app.screen.query_one("#find-count").render())


async def test_find_counts_steps_and_wraps(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter", "slash", *"data center")
        await pilot.pause()
        reader = app.screen.query_one(Reader)
        text = reader.document.text
        starts = [s.start for s in find_all(text, "data center")]
        assert len(starts) >= 3
        assert _count(app) == f"1 of {len(starts)}"
        assert reader.caret == starts[0]
        await pilot.press("down")
        await pilot.pause()
        assert _count(app) == f"2 of {len(starts)}" and reader.caret == starts[1]
        await pilot.press("enter")  # close the bar, stay on the match
        await pilot.pause()
        assert not app.screen.query_one(FindBar).is_open
        assert app.focused is reader and reader.caret == starts[1]
        await pilot.press("n")
        await pilot.pause()
        assert reader.caret == starts[2]
        await pilot.press("N", "N", "N")  # wraps backwards past the first match
        await pilot.pause()
        assert reader.caret == starts[-1]
        await pilot.press("escape")  # clears the matches; n is the annotations screen again
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationsScreen)


async def test_escape_in_the_bar_returns_the_caret(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter", "j", "j")
        reader = app.screen.query_one(Reader)
        before = reader.caret
        await pilot.press("slash", *"privacy", "escape")
        await pilot.pause()
        assert reader.caret == before and app.focused is reader


async def test_a_phrase_across_a_line_break_is_found(tmp_path: Path, new_app: AppFactory) -> None:
    article = tmp_path / "wrapped.md"
    article.write_text("# Notes\n\nThe board met on\nTuesday to discuss the merger.\n")
    app = new_app(article)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"met on tuesday")
        await pilot.pause()
        reader = app.screen.query_one(Reader)
        assert _count(app) == "1 of 1"
        assert reader.caret == reader.document.text.index("met on\nTuesday")


async def test_no_match_says_so(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("enter", "slash", *"zzzqqq")
        await pilot.pause()
        assert _count(app) == "no matches"
