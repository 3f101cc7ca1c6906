"""The settings file in the running app (Pilot): keys rebound through it, and each setting
seen doing what it says."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import SEED_000, SEED_002
from tests.notices import notices
from tests.settle import settled, until
from tests.ui.conftest import AppFactory
from tests.ui.shown import listed_keys, listed_titles, reader, selected_text


def write_settings(text: str) -> Path:
    """The settings file where the app looks (AIWATCH_CONFIG_DIR, private per test)."""
    folder = Path(os.environ["AIWATCH_CONFIG_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def status(app) -> str:
    shown = app.screen.query_one("#status")
    return str(shown.render()) if shown.display else ""


async def test_keys_rebound_in_the_settings_file_move_the_caret(new_app: AppFactory) -> None:
    write_settings(
        "[keys]\n"
        '"reader.line_down" = "ctrl+n"\n'  # j no longer moves down; ctrl+n does
        '"reader.center_caret" = "ctrl+l"\n'  # zz no longer centres; ctrl+l does
        '"reader.top" = ["home", "g g"]\n'  # vim's gg; g alone no longer goes up
    )
    app = new_app(SEED_000)
    async with app.run_test(size=(100, 30)) as pilot:
        text = reader(app)
        assert text.has_focus and text.caret == 0
        await pilot.press("j")
        assert text.caret == 0  # j is not a key of the reader any more
        await pilot.press("ctrl+n", "ctrl+n")
        after_two_lines = text.caret
        assert after_two_lines > 0
        text.move_caret(len(app.screen.document.text) // 3)  # far enough down to centre
        await pilot.press("z", "z")
        top = round(text.scroll_y)
        await pilot.press("ctrl+l")
        row, _ = text.layout_engine.position_of(text.caret)
        assert round(text.scroll_y) != top
        assert round(text.scroll_y) == row - text.scrollable_content_region.height // 2
        await pilot.press("g")
        assert text.caret != 0  # g alone: not the top now
        await pilot.press("g", "g")
        assert text.caret == 0
        assert notices(app) == []  # the file is fine: nothing said


async def test_a_bad_settings_file_is_said_once_with_its_lines(new_app: AppFactory) -> None:
    # (notifications = "errors" hides warnings, but never what is wrong with this file.)
    path = write_settings(
        'reading_width = "wide"\nnotifications = "errors"\n[keys]\n"reader.top" = "q"\n'
    )
    app = new_app(SEED_000)
    async with app.run_test(size=(140, 30)) as pilot:
        said = notices(app)
        assert len(said) == 1
        lines = said[0].splitlines()
        assert lines[0] == (
            f"{path}:1: reading_width must be a whole number from 30 to 200, not “wide”"
        )
        assert lines[1].startswith(f"{path}:4: [keys] reader.top: “q” is already the key of")
        assert reader(app).layout_engine.measure == 80  # the default, for the bad width
        await pilot.press("q")  # still quits: the rebinding was refused
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_theme_width_sort_and_notification_level(new_app: AppFactory) -> None:
    write_settings(
        'theme = "nord"\nreading_width = 50\ndefault_sort = "title"\nnotifications = "errors"\n'
    )
    app = new_app()
    async with app.run_test(size=(140, 30)) as pilot:
        await settled(pilot)
        assert app.theme == "nord"
        titles = listed_titles(app)
        assert titles == sorted(titles, key=str.casefold) and len(titles) > 1
        await pilot.press("enter")
        await until(pilot, lambda: reader(app).layout_engine is not None, "the layout")
        assert reader(app).layout_engine.measure == 50
        await pilot.press("s", "enter")  # a highlight: "Highlighted … u undoes" is information
        await pilot.press("u")
        await pilot.pause()
        assert notices(app) == []


async def test_the_settings_files_theme_wins_at_launch_over_the_one_chosen(
    new_app: AppFactory,
) -> None:
    app = new_app()
    async with app.run_test() as pilot:
        app.theme = "gruvbox"  # as the palette's theme picker does
        await pilot.pause()
    write_settings('theme = "nord"\n')
    again = new_app()
    async with again.run_test() as pilot:
        assert again.theme == "nord"
        again.theme = "dracula"
        await pilot.pause()
        assert any("settings file starts aiwatch in nord" in n for n in notices(again))
    (Path(os.environ["AIWATCH_CONFIG_DIR"]) / "config.toml").unlink()
    third = new_app()
    async with third.run_test():
        assert third.theme == "dracula"  # no theme in the file: the last one chosen


async def test_resume_opens_the_last_document_where_it_was_left(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("down", "enter")  # the second article
        await pilot.press(*["j"] * 12)
        caret = reader(app).caret
        key = app.screen.document.key
    write_settings("resume = true\n")
    again = new_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert reader(again).has_focus
        assert again.screen.document.key == key and reader(again).caret == caret
    write_settings("resume = false\n")
    third = new_app()
    async with third.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        assert not reader(third).has_focus  # the list, its cursor on the last one read


async def test_y_copies_the_selection_or_the_highlight_under_the_caret(
    new_app: AppFactory,
) -> None:
    app = new_app(SEED_002)
    async with app.run_test(size=(100, 30)) as pilot:
        text = reader(app)
        document = app.screen.document
        await pilot.press("j", "j", "s")
        selected = text.selection
        await pilot.press("y")
        assert app.clipboard == document.text[selected.start : selected.end]
        assert f"Copied {len(app.clipboard)} characters" in notices(app)[-1]
        await pilot.press("enter")  # highlighted: the caret is in it
        app.copy_to_clipboard("")
        await pilot.press("y")
        assert app.clipboard == document.text[selected.start : selected.end]
        await pilot.press("G", "y")  # no selection, no highlight here
        assert "Nothing to copy" in notices(app)[-1]


async def test_clipboard_off_copies_nothing(new_app: AppFactory) -> None:
    write_settings('clipboard = "off"\n')
    app = new_app(SEED_000)
    async with app.run_test() as pilot:
        await pilot.press("s", "y")
        assert app.clipboard == ""
        assert "Not copied: the clipboard is off" in notices(app)[-1]


async def test_the_status_line_during_a_selection_says_its_size_and_the_keys(
    new_app: AppFactory,
) -> None:
    # h is the reader's (previous character) until it is given up, first.
    write_settings('[keys]\n"reader.char_left" = "left"\n"main.highlight" = "h"\n')
    app = new_app(SEED_000)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("v", "w", "w")
        shown = status(app)
        size = len(selected_text(app) or "")
        assert shown.startswith(f"Selected {size} characters, 3 words:")
        # The keys as they are now: the settings file made h the highlight key.
        assert "h highlight · 1–5 colour · a note · y copy · esc cancel" in shown
        await pilot.press("escape")
        assert "Selected" not in status(app)
        # At 80 columns it keeps to one row: what the Footer shows as well goes first.
        await pilot.resize_terminal(80, 24)
        await pilot.press("v", "}")
        shown = status(app)
        assert shown.startswith("Selected ") and "\n" not in shown and len(shown) <= 78
        assert "h highlight · 1–5 colour · a note" in shown


async def test_default_view_and_the_palettes_list_and_sort_commands(
    new_app: AppFactory, tmp_path: Path
) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    for name, title in (("a", "Zebra"), ("b", "Apple"), ("c", "Mango")):
        (folder / f"{name}.md").write_text(f"# {title}\n\nAbout {title}.\n", encoding="utf-8")
    app = new_app(folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        everything = listed_keys(app)
        assert len(everything) > 2
        await pilot.press("tab", "s", "enter", "tab")  # the first one read and highlighted
    write_settings('default_view = "unread"\n')
    app = new_app(folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert listed_keys(app) == everything[1:]  # not the one read
        for command, shown in (
            ("List: annotated", everything[:1]),
            ("List: all", everything),
        ):
            await pilot.press("ctrl+p", *command)
            await pilot.pause(0.3)
            await pilot.press("enter")

            def matches(wanted: list[str] = shown) -> bool:
                return listed_keys(app) == wanted

            await until(pilot, matches, command)
        assert status(app).startswith(f"The list: every document ({len(everything)} of")
        await pilot.press("ctrl+p", *"Sort: title")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await until(pilot, lambda: listed_keys(app) != everything, "sorted by title")
        titles = listed_titles(app)
        assert titles == sorted(titles, key=str.casefold)
