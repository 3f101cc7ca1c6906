"""less, vim and newsboat habits in the reader (Pilot): scrolling by a line, centring the caret,
opening a link, q closing what is open; and the small frictions a new user met: the Footer
at 80 columns, the outline, the Screenshot command."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from aiwatch_tui.ui.screens.main import MainScreen
from aiwatch_tui.ui.screens.note_editor import ConfirmDiscard, NoteEditor
from aiwatch_tui.ui.widgets.outline import Outline
from tests.conftest import SEED_000, SEED_002
from tests.notices import notices
from tests.settle import settled, until
from tests.ui.conftest import AppFactory
from tests.ui.shown import listed_keys, reader, selected_text

LINKED = """# Sources

The figures come from [the agency's report](https://example.org/report?id=7&x=1) and
from www.example.com/data, as of May.

Last paragraph.
"""


def status(app) -> str:
    shown = app.screen.query_one("#status")
    return str(shown.render()) if shown.display else ""


def top_row(app) -> int:
    return round(reader(app).scroll_y)


def caret_row(app) -> int:
    text = reader(app)
    return text.layout_engine.position_of(text.caret)[0]


async def test_ctrl_e_and_ctrl_y_scroll_a_line_and_the_caret_stays(new_app: AppFactory) -> None:
    app = new_app(SEED_000)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(*["j"] * 8)
        caret = reader(app).caret
        assert top_row(app) == 0
        await pilot.press("ctrl+e", "ctrl+e")
        assert top_row(app) == 2 and reader(app).caret == caret  # the text moved, not the caret
        await pilot.press("ctrl+y")
        assert top_row(app) == 1 and reader(app).caret == caret
        # Scrolled past it, the caret keeps to the top row.
        await pilot.press(*["ctrl+e"] * 12)
        assert top_row(app) == 13 and caret_row(app) >= 13


async def test_ctrl_b_pages_up(new_app: AppFactory) -> None:
    app = new_app(SEED_000)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "space")
        assert top_row(app) > 0
        down = top_row(app)
        await pilot.press("ctrl+b")
        assert 0 <= top_row(app) < down


@pytest.mark.parametrize(
    ("keys", "where"), [(("z", "z"), "center"), (("z", "t"), "top"), (("z", "b"), "bottom")]
)
async def test_zz_zt_zb_put_the_caret_line_in_the_middle_at_the_top_at_the_bottom(
    new_app: AppFactory, keys: tuple[str, str], where: str
) -> None:
    app = new_app(SEED_000)
    async with app.run_test(size=(80, 24)) as pilot:
        reader(app).move_caret(len(app.screen.document.text) // 3)  # a third of the way down
        await pilot.pause()
        caret = reader(app).caret
        row = caret_row(app)
        assert row > reader(app).scrollable_content_region.height  # far enough for zb
        height = reader(app).scrollable_content_region.height
        await pilot.press(*keys)
        assert reader(app).caret == caret
        wanted = {"center": row - height // 2, "top": row, "bottom": row - height + 1}[where]
        assert top_row(app) == wanted


async def test_gx_opens_the_link_under_the_caret_in_browser(
    new_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = tmp_path / "sources.md"
    article.write_text(LINKED, encoding="utf-8")
    opened = tmp_path / "opened.txt"
    script = tmp_path / "browser.py"
    script.write_text(
        f"import sys, pathlib\npathlib.Path({str(opened)!r}).write_text(repr(sys.argv[1:]))\n"
    )
    monkeypatch.setenv("BROWSER", f"{sys.executable} {script} --new-tab %s")
    app = new_app(article)
    async with app.run_test(size=(100, 30)) as pilot:
        text = reader(app)
        document = app.screen.document
        text.move_caret(document.text.index("agency"))  # on the link's text
        await pilot.press("g", "x")
        await until(pilot, opened.exists, "the browser")
        # The address as one argument, where BROWSER's %s was.
        assert opened.read_text() == repr(["--new-tab", "https://example.org/report?id=7&x=1"])
        assert "Opened in" in status(app) and "https://example.org/report?id=7&x=1" in status(app)
        # g went to the top first (it is a key of its own); x after it put the caret back.
        assert text.caret == document.text.index("agency")


async def test_gx_without_browser_prints_the_link_and_g_x_deletes_nothing(
    new_app: AppFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BROWSER", raising=False)
    article = tmp_path / "sources.md"
    article.write_text(LINKED, encoding="utf-8")
    app = new_app(article)
    async with app.run_test(size=(100, 30)) as pilot:
        document = app.screen.document
        # A highlight at the top, where g goes: x after g must not delete it.
        await pilot.press("s", "enter")
        assert len(app.screen.highlights) == 1
        reader(app).move_caret(document.text.index("www.example"))
        await pilot.press("g", "x")
        assert status(app).startswith("Link: https://www.example.com/data")
        assert "$BROWSER is not set" in status(app)
        assert len(app.screen.highlights) == 1
        reader(app).move_caret(document.text.index("Last paragraph"))
        await pilot.press("g", "x")
        assert notices(app)[-1] == "No link under the caret."


async def test_q_closes_the_outline_and_the_discard_question_not_the_app(
    new_app: AppFactory,
) -> None:
    app = new_app(SEED_000)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("o")
        outline = app.screen.query_one(Outline)
        assert outline.display and outline.has_focus
        await pilot.press("q")
        assert not outline.display and reader(app).has_focus
        await pilot.press("s", "a", *"a thought", "escape")  # leave the editor with text
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDiscard)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)  # back to the note, nothing lost
        assert app.is_running


async def test_the_outline_at_80_columns_takes_the_texts_place(new_app: AppFactory) -> None:
    app = new_app(SEED_000)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("o")
        outline = app.screen.query_one(Outline)
        assert outline.region.width >= 78  # the whole width, not half of it
        assert not app.screen.query_one("#reader-column").display
        await pilot.press("down", "enter")  # jump: the text again, at that heading
        await pilot.pause()
        assert reader(app).has_focus and reader(app).region.width >= 78
        assert not outline.display


async def test_a_document_without_headings_says_so_in_one_line(new_app: AppFactory) -> None:
    app = new_app(SEED_002)  # a derived title, no headings
    async with app.run_test(size=(80, 24)) as pilot:
        assert not app.screen.document.headings
        await pilot.press("o")
        await pilot.pause()
        assert status(app) == "This document has no headings: there is no outline to show."
        assert not any(outline.display for outline in app.screen.query(Outline))
        assert reader(app).has_focus


def footer_descriptions(app) -> list[tuple[str, int, int]]:
    """(description, left, right) of each key in the Footer, left to right."""
    keys = sorted(app.screen.query(FooterKey), key=lambda key: key.region.x)
    return [(key.description, key.region.x, key.region.right) for key in keys]


async def test_the_footer_at_80_columns_shows_the_keys_that_matter_now_first(
    new_app: AppFactory,
) -> None:
    app = new_app(SEED_000)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = footer_descriptions(app)
        palette = next(left for description, left, _ in shown if description == "palette")
        whole = [description for description, _, right in shown if right <= palette]
        assert whole[:3] == ["Select", "Highlight", "Note"]
        await pilot.press("v", "w")
        await pilot.pause()
        shown = footer_descriptions(app)
        palette = next(left for description, left, _ in shown if description == "palette")
        whole = [description for description, _, right in shown if right <= palette]
        assert whole[:3] == ["Highlight", "Note", "Clear selection"]


async def test_the_screenshot_command_saves_into_the_exports_folder(
    new_app: AppFactory,
) -> None:
    app = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("ctrl+p", *"Screenshot")
        await pilot.pause(0.3)
        await pilot.press("enter")
        exports = app.paths.exports_dir
        await until(pilot, lambda: exports.is_dir() and any(exports.iterdir()), "the picture")
        (saved,) = list(exports.iterdir())
        assert saved.suffix == ".svg" and saved.read_text().lstrip().startswith("<svg")
        picture = saved.read_text()
        assert "Growing" in picture and "Screenshot" not in picture  # the screen, not the palette
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert stat.S_IMODE(exports.stat().st_mode) == 0o700
        await until(pilot, lambda: f"Screenshot saved to {saved}" in notices(app), "the path")
        assert isinstance(app.screen, MainScreen)
        assert os.path.dirname(saved) == str(exports)


async def test_v_then_paragraph_or_sentence_forward_selects_up_to_it_not_into_the_next(
    new_app: AppFactory, tmp_path: Path
) -> None:
    article = tmp_path / "two.md"
    article.write_text("One sentence. Two sentence.\n\nNext paragraph here.\n", encoding="utf-8")
    app = new_app(article)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("v", "}")
        assert selected_text(app) == "One sentence. Two sentence."
        assert status(app).startswith("Selected 27 characters, 4 words:")
        await pilot.press("enter")  # the highlight is what was shown selected
        assert [h.exact for h in app.screen.highlights.values()] == ["One sentence. Two sentence."]
        await pilot.press("g", "v", ")")
        assert selected_text(app) == "One sentence."
        await pilot.press("l")  # moved on by a character, the caret's own is taken again
        assert selected_text(app) == "One sentence. Tw"


async def test_capital_j_and_k_open_the_next_and_previous_document_from_the_reader(
    new_app: AppFactory,
) -> None:
    app = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        first, second = listed_keys(app)[:2]
        await pilot.press("enter")  # the first, in the reader (at 80 columns: instead of the list)
        assert app.screen.document.key == first and reader(app).has_focus
        await pilot.press("J")
        assert app.screen.document.key == second and reader(app).has_focus
        await pilot.press("K")
        assert app.screen.document.key == first and reader(app).has_focus
        await pilot.press("K")
        assert app.screen.document.key == first
        assert notices(app)[-1] == "This is the first document of the list."
