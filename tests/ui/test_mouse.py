"""The mouse where it is natural (Pilot's mouse events): a click on the list opens a document,
the wheel scrolls the reader, a drag selects text and a double-click a word, and the
highlight keys then apply to what the mouse selected."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.events import Click, MouseMove, MouseScrollDown, MouseUp

from aiwatch_tui.ui.app import AiwatchApp
from aiwatch_tui.ui.widgets.document_list import DocumentRows
from aiwatch_tui.ui.widgets.reader import Reader
from tests.settle import settled
from tests.ui.conftest import AppFactory
from tests.ui.shown import listed_keys, reader, selected_text

ARTICLE = (
    "The first paragraph talks about state-of-the-art chips and what they cost.\n\n"
    "A second paragraph, to have somewhere else to click.\n"
)


def cell_of(app, text: str) -> tuple[int, int]:
    """The (x, y) in the reader's content where `text` begins."""
    shown = reader(app)
    row, column = shown.layout_engine.position_of(app.screen.document.text.index(text))
    return shown.layout_engine.margin + column, row - round(shown.scroll_y)


@pytest.fixture
def chips(new_app: AppFactory, tmp_path: Path) -> AiwatchApp:
    """The app on ARTICLE alone, straight in the reader."""
    article = tmp_path / "chips.md"
    article.write_text(ARTICLE, encoding="utf-8")
    return new_app(article)


async def test_a_drag_selects_and_the_highlight_key_applies(chips: AiwatchApp) -> None:
    app = chips
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.mouse_down(Reader, offset=cell_of(app, "talks"))
        end = cell_of(app, "chips")
        # A move with the button held (what a terminal reports while dragging), then the
        # release and the click the App makes of it.
        await pilot._post_mouse_events([MouseMove], Reader, offset=end, button=1)
        await pilot._post_mouse_events([MouseMove], Reader, offset=(end[0] + 4, end[1]), button=1)
        await pilot._post_mouse_events([MouseUp, Click], Reader, offset=(end[0] + 4, end[1]))
        assert selected_text(app) == "talks about state-of-the-art chips"
        await pilot.press("enter")
        highlights = list(app.screen.highlights.values())
        assert [h.exact for h in highlights] == ["talks about state-of-the-art chips"]


async def test_a_double_click_selects_a_word_and_a_click_puts_the_caret(chips: AiwatchApp) -> None:
    app = chips
    async with app.run_test(size=(100, 30)) as pilot:
        x, y = cell_of(app, "the-art")
        await pilot.double_click(Reader, offset=(x + 1, y))
        assert selected_text(app) == "state-of-the-art"
        await pilot.press("2")  # a colour key applies to it too
        assert [h.color for h in app.screen.highlights.values()] == ["green"]
        await pilot.click(Reader, offset=cell_of(app, "somewhere"))
        assert selected_text(app) is None
        assert reader(app).caret == app.screen.document.text.index("somewhere")
        # On a space or punctuation, a double-click is a click.
        await pilot.double_click(Reader, offset=cell_of(app, ", to have"))
        assert selected_text(app) is None
        assert reader(app).caret == app.screen.document.text.index(", to have")


async def test_the_wheel_scrolls_the_reader_and_a_click_opens_a_document(
    new_app: AppFactory,
) -> None:
    app = new_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        first, second = listed_keys(app)[:2]
        assert app.screen.document.key == first
        await pilot.click(DocumentRows, offset=(3, 2))  # the second row
        assert app.screen.document.key == second
        assert reader(app).has_focus  # opened, to read, not only previewed
        before = reader(app).scroll_y
        for _ in range(3):
            await pilot._post_mouse_events([MouseScrollDown], Reader, offset=(10, 10))
        assert reader(app).scroll_y > before
        # The caret came along: it is on a row that is shown.
        row = reader(app).layout_engine.position_of(reader(app).caret)[0]
        assert reader(app).scroll_y <= row < reader(app).scroll_y + reader(app).size.height
