"""Pilot tests of `r`: a document exactly as written (like `less`), with the caret, a
highlight and find still working, and back to the text as read."""

from __future__ import annotations

from pathlib import Path

from aiwatch_tui.ui.widgets.reader import Reader
from tests.ui.conftest import AppFactory
from tests.ui.test_reader import cell_of

README_LIKE = Path(__file__).parents[1] / "documents" / "README-like.md"


def _screen_text(reader: Reader) -> str:
    return "\n".join(reader.render_line(y).text for y in range(reader.size.height))


def _count(app) -> str:
    return str(app.screen.query_one("#find-count").render())


async def test_r_shows_the_source_as_written_and_back(new_app: AppFactory) -> None:
    app = new_app(README_LIKE)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        reader = app.screen.query_one(Reader)
        text = reader.document.text
        read = _screen_text(reader)
        assert "author:" not in read and "<p align" not in read and "Quillmark logo" in read
        # Find matches the text as shown: across emphasis, never in hidden tags.
        await pilot.press("slash", *"markdown, re", "enter")
        await pilot.pause()
        assert reader.caret == text.index("Markdown**, *reStructuredText*")
        await pilot.press("escape", "slash", *"align=")
        await pilot.pause()
        assert _count(app) == "no matches"
        await pilot.press("escape")
        # A highlight on a word the reader shows.
        word = text.index("plain files")
        reader.move_caret(word)
        await pilot.press("v", "w", "enter")
        await pilot.pause()
        assert reader.highlight_at(word) is not None
        read_style = cell_of(reader, word)[1]
        caret = reader.caret

        await pilot.press("r")
        await pilot.pause()
        assert reader.caret == caret  # the caret stayed on its character
        assert cell_of(reader, word) == ("p", read_style)  # the highlight is drawn the same
        await pilot.press("g")
        await pilot.pause()
        written = _screen_text(reader)
        assert "author: [Ada Park, Ben Okafor]" in written
        assert '<p align="center">' in written
        # Find searches what is shown: the tags' attributes now.
        await pilot.press("slash", *"align=", "enter")
        await pilot.pause()
        assert reader.caret == text.index('align="center"')
        await pilot.press("escape")
        await pilot.press("j")  # caret keys move through the source lines
        await pilot.pause()
        assert reader.caret > text.index('align="center"')

        await pilot.press("r")
        await pilot.pause()
        again = _screen_text(reader)
        assert "author:" not in again and "<p align" not in again
        assert reader.highlight_at(word) is not None
