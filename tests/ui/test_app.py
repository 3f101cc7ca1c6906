"""Pilot tests of the main screen: list, reader, outline, layout and reading positions."""

from __future__ import annotations

from pathlib import Path

from aiwatch_tui.core.library.loading import load_document
from aiwatch_tui.core.store import Store
from aiwatch_tui.core.text.structure import headings
from aiwatch_tui.ui.screens.help import HelpScreen
from aiwatch_tui.ui.widgets.document_list import DocumentList
from aiwatch_tui.ui.widgets.outline import Outline
from aiwatch_tui.ui.widgets.reader import Reader
from aiwatch_tui.ui.widgets.title_bar import TitleBar
from tests.conftest import SEED_000, SEED_002
from tests.ui.conftest import AppFactory
from tests.ui.shown import listed_keys

KEY_000 = "seeds/000_c10daa536b93aa76.txt"
KEY_002 = "seeds/002_c41b6d65e56e1798.txt"


async def test_starts_on_the_list_with_the_first_document_previewed(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert listed_keys(app) == [KEY_000, KEY_002]
        assert isinstance(app.focused, type(app.screen.query_one(DocumentList).options))
        reader = app.screen.query_one(Reader)
        assert reader.display and reader.region.width > 0
        assert app.screen.query_one(TitleBar).document_title.startswith("The Growing Pains")


async def test_slash_filters_the_list_and_enter_opens(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", *"polished")
        await pilot.pause()
        assert listed_keys(app) == [KEY_002]
        await pilot.press("enter")
        await pilot.pause()
        reader = app.screen.query_one(Reader)
        assert app.focused is reader
        assert app.screen.document.key == KEY_002
        await pilot.press("escape")  # the filter box keeps its text until cleared
        app.screen.query_one(DocumentList).focus_list()
        await pilot.pause()


async def test_position_is_saved_on_quit_and_restored(db: Path, new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        for _ in range(3):
            await pilot.press("}")
        await pilot.pause()
        caret = app.screen.query_one(Reader).caret
        assert caret > 0
        await pilot.press("q")
    store = Store(db)
    assert store.position(KEY_000) == caret
    store.close()
    again = new_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert again.screen.query_one(Reader).caret == caret


async def test_outline_jumps_to_a_heading(new_app: AppFactory) -> None:
    document = load_document(SEED_000, key=KEY_000)
    sections = headings(document)  # the outline lists the sections, not the title
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "o")
        await pilot.pause()
        outline = app.screen.query_one(Outline)
        assert outline.display and app.focused is outline
        assert outline.option_count == 8
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        reader = app.screen.query_one(Reader)
        assert app.focused is reader and not outline.display
        assert reader.caret == sections[2].offset


async def test_narrow_terminal_shows_one_pane_at_a_time(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.has_class("-narrow")
        assert screen.query_one(DocumentList).region.width == 80
        assert screen.query_one(Reader).region.width == 0
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.document.key == KEY_002
        assert screen.query_one(Reader).region.width == 80
        assert screen.query_one(DocumentList).region.width == 0
        await pilot.press("escape")
        await pilot.pause()
        assert screen.query_one(DocumentList).region.width == 80


async def test_tab_on_a_narrow_terminal_reads_the_document_under_the_list_cursor(
    new_app: AppFactory,
) -> None:
    app = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "tab")
        await pilot.pause()
        screen = app.screen
        assert screen.document.key == KEY_002
        assert app.focused is screen.query_one(Reader)
        assert screen.query_one(Reader).region.width == 80
        await pilot.press("tab", "up", "tab")  # back to the list, another document, read it
        await pilot.pause()
        assert screen.document.key == KEY_000 and app.focused is screen.query_one(Reader)


async def test_esc_on_a_narrow_terminal_clears_a_selection_before_leaving_the_reader(
    new_app: AppFactory,
) -> None:
    app = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("tab", "v", "j")
        await pilot.pause()
        screen = app.screen
        reader = screen.query_one(Reader)
        assert reader.selection is not None
        await pilot.press("escape")
        await pilot.pause()
        assert reader.selection is None
        assert app.focused is reader and reader.region.width == 80  # still reading
        await pilot.press("escape")
        await pilot.pause()
        assert screen.query_one(DocumentList).region.width == 80 and reader.region.width == 0


async def test_resize_keeps_the_caret_on_the_same_text(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "}", "}", "w", "w")
        await pilot.pause()
        reader = app.screen.query_one(Reader)
        caret = reader.caret
        await pilot.resize_terminal(90, 30)
        await pilot.pause()
        assert reader.caret == caret
        row = reader.caret_row if hasattr(reader, "caret_row") else None
        if row is not None:
            assert reader.scroll_offset.y <= row < reader.scroll_offset.y + reader.size.height


async def test_single_file_opens_in_the_reader(new_app: AppFactory) -> None:
    app = new_app(SEED_002)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.focused is app.screen.query_one(Reader)
        # The bundled file named on the command line is the same document as the bundled one.
        assert app.screen.document.key == KEY_002


async def test_a_large_file_named_alone_is_listed_from_the_first_frame(
    tmp_path: Path, new_app: AppFactory
) -> None:
    # Larger than what is read before the first paint: being the one named, it is read first
    # and listed at once, not after the indexing worker has read it a second time.
    article = tmp_path / "big.md"
    article.write_text("# Big Report\n\n" + "Compute is scarce. " * 150_000, encoding="utf-8")
    app = new_app(article)
    async with app.run_test(size=(120, 40)):
        assert app.indexing is None or app.search_index is None  # no worker has read it yet
        rows = app.screen.query_one(DocumentList).options
        assert rows.option_count == 1
        assert rows.get_option_at_index(0).entry.info.title == "Big Report"


async def test_theme_choice_persists(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.theme = "nord"
        await pilot.pause()
    again = new_app()
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert again.theme == "nord"


async def test_help_lists_the_reader_keys(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(
            "".join(seg.text for seg in line)
            for static in app.screen.query("Static")
            for line in static.render_lines(static.region.reset_offset)
        )
        assert "Next word" in text and "Quit" in text and "Outline" in text
        # Each action with its name, for the settings file.
        assert "reader.word_forward" in text and "app.quit" in text
        # And what the mouse does.
        assert "double-click" in text and "in the text: select the word" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
