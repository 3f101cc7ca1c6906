"""Pilot tests of the document list: many entries, filtering, keys, mouse and messages."""

from __future__ import annotations

from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from aiwatch_tui.core.model import DocumentInfo
from aiwatch_tui.ui.widgets.document_list import DocumentList, DocumentRows, ListEntry
from tests.ui.conftest import AppFactory
from tests.ui.shown import listed_keys

TITLES = [
    "Nvidia earnings beat expectations again",
    "OpenAI ships a new reasoning model",
    "Anthropic raises another funding round",
    "Data centre workers organise in Virginia",
    "Meta investigates an internal data leak",
]


def _entry(number: int, title: str, *, words: int = 920, progress: float = 0.0) -> ListEntry:
    info = DocumentInfo(
        key=f"docs/{number:05d}.txt",
        path=Path(f"/library/article-{number:05d}.txt"),
        title=title,
        word_count=words,
        size=words * 6,
        mtime_ns=0,
        content_hash=f"{number:064x}",
    )
    return ListEntry(info, progress)


def _entries(titles: list[str]) -> list[ListEntry]:
    return [_entry(number, title) for number, title in enumerate(titles)]


class ListApp(App[None]):
    """A DocumentList alone, recording what it posts; `x` is bound, as the app binds keys."""

    BINDINGS = [Binding("x", "mark", "Mark")]

    def __init__(self, entries: list[ListEntry]) -> None:
        super().__init__()
        self.entries = entries
        self.opened: list[str] = []
        self.highlighted: list[str] = []
        self.marks = 0

    def compose(self) -> ComposeResult:
        yield DocumentList()

    def on_mount(self) -> None:
        doc_list = self.query_one(DocumentList)
        doc_list.set_entries(self.entries)
        doc_list.focus_list()

    def on_document_list_opened(self, message: DocumentList.Opened) -> None:
        self.opened.append(message.key)

    def on_document_list_highlighted(self, message: DocumentList.Highlighted) -> None:
        self.highlighted.append(message.key)

    def action_mark(self) -> None:
        self.marks += 1


def _rows(app: App[None]) -> DocumentRows:
    return app.query_one(DocumentList).options


def _screen_lines(app: App[None]) -> list[str]:
    """The text the list draws, line by line, as it is on screen now."""
    rows = _rows(app)
    # The first column is a margin that holds the cursor bar.
    return [rows.render_line(y).text[1:].rstrip() for y in range(rows.size.height)]


def _filter_box(app: App[None]) -> Input:
    return app.query_one("#filter", Input)


async def test_ten_thousand_entries_are_set_at_once_and_reach_the_end() -> None:
    entries = [_entry(n, f"Synthetic article number {n}") for n in range(10_000)]
    app = ListApp([])
    async with app.run_test(size=(60, 20)) as pilot:
        doc_list = app.query_one(DocumentList)
        doc_list.set_entries(entries)
        await pilot.pause()
        assert _rows(app).option_count == 10_000
        assert _screen_lines(app)[0].strip() == "Synthetic article number 0"
        await pilot.press("end")
        await pilot.pause()
        assert doc_list.highlighted_key == entries[-1].info.key
        assert app.highlighted[-1] == entries[-1].info.key
        assert "Synthetic article number 9999" in _screen_lines(app)[-2]


async def test_first_row_is_announced_and_cursor_moves_post_highlighted() -> None:
    entries = _entries(TITLES)
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert app.highlighted == [entries[0].info.key]
        await pilot.press("down")
        await pilot.pause()
        assert app.highlighted[-1] == entries[1].info.key
        await pilot.press("end")
        await pilot.pause()
        assert app.highlighted[-1] == entries[-1].info.key
        count = len(app.highlighted)
        await pilot.press("down")  # already on the last row: nothing new to announce
        await pilot.pause()
        assert len(app.highlighted) == count
        await pilot.press("home")
        await pilot.pause()
        assert app.highlighted[-1] == entries[0].info.key


async def test_slash_filters_with_typos_and_enter_opens_the_best_match() -> None:
    entries = _entries(TITLES)
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("slash", *"antropic")  # a letter missing
        await pilot.pause()
        assert app.focused is _filter_box(app)
        assert _filter_box(app).value == "antropic"
        assert listed_keys(app)[0] == entries[2].info.key
        await pilot.press("enter")
        await pilot.pause()
        assert app.opened == [entries[2].info.key]


async def test_the_filter_finds_file_names_too() -> None:
    entries = _entries(TITLES)
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("slash", *"article-00003")
        await pilot.pause()
        assert listed_keys(app) == [entries[3].info.key]


async def test_arrows_in_the_filter_box_move_the_list() -> None:
    entries = _entries(TITLES)
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("slash", *"data")  # a data centre and a data leak, then scattered letters
        await pilot.pause()
        shown = listed_keys(app)
        assert set(shown[:2]) == {entries[3].info.key, entries[4].info.key}
        await pilot.press("down")
        await pilot.pause()
        assert app.focused is _filter_box(app)
        assert app.query_one(DocumentList).highlighted_key == shown[1]
        await pilot.press("enter")
        await pilot.pause()
        assert app.opened == [shown[1]]


async def test_enter_on_the_list_opens_the_cursor_row() -> None:
    entries = _entries(TITLES)
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.opened == [entries[2].info.key]


async def test_escape_clears_the_filter_and_keeps_the_chosen_document() -> None:
    entries = _entries(TITLES)
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("slash", *"meta")
        await pilot.pause()
        assert listed_keys(app) == [entries[4].info.key]
        await pilot.press("escape")
        await pilot.pause()
        assert _filter_box(app).value == ""
        assert app.focused is _rows(app)
        assert listed_keys(app) == [e.info.key for e in entries]
        assert app.query_one(DocumentList).highlighted_key == entries[4].info.key


async def test_escape_on_an_empty_filter_returns_to_the_list() -> None:
    app = ListApp(_entries(TITLES))
    async with app.run_test(size=(60, 20)) as pilot:
        _filter_box(app).focus()
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is _rows(app)


async def test_escape_on_the_list_clears_a_filter_left_behind() -> None:
    entries = _entries(TITLES)
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("slash", *"nvidia")
        app.query_one(DocumentList).focus_list()
        await pilot.pause()
        assert len(listed_keys(app)) == 1
        await pilot.press("escape")
        await pilot.pause()
        assert _filter_box(app).value == ""
        assert len(listed_keys(app)) == len(entries)


async def test_letters_typed_on_the_list_never_start_a_filter() -> None:
    entries = _entries(TITLES)
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        box = _filter_box(app)
        assert str(box.placeholder) == "/ filter"  # says how to filter, not "type"
        await pilot.press(*"wyvz")  # bound to nothing: they do nothing
        await pilot.press("j", "j", "k")  # the list's own letters: down, down, up
        await pilot.pause()
        assert box.value == "" and app.focused is _rows(app)
        assert listed_keys(app) == [e.info.key for e in entries]
        assert app.query_one(DocumentList).highlighted_key == entries[1].info.key
        assert app.active_bindings["slash"].binding.show  # the Footer shows "/ Filter"
        await pilot.press("slash")
        await pilot.pause()
        assert app.focused is box and str(box.placeholder).startswith("type to filter")
        await pilot.press(*"x j")  # in the box every printable key is text
        await pilot.pause()
        assert box.value == "x j" and app.marks == 0


async def test_bound_keys_keep_their_meaning_on_the_list() -> None:
    app = ListApp(_entries(TITLES))
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("x")
        await pilot.pause()
        assert app.marks == 1
        assert _filter_box(app).value == ""
        assert app.focused is _rows(app)


async def test_update_entry_changes_only_that_row() -> None:
    entries = _entries(TITLES)
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        before = _screen_lines(app)
        assert before[3].strip() == "article-00001.txt · 4 min · 0%"
        changed = ListEntry(entries[1].info, progress=0.42, highlights=3, notes=1)
        app.query_one(DocumentList).update_entry(changed)
        await pilot.pause()
        after = _screen_lines(app)
        assert after[3].strip() == "article-00001.txt · 4 min · 42% · 3 hl · 1 ✎"
        assert [line for n, line in enumerate(after) if n != 3] == [
            line for n, line in enumerate(before) if n != 3
        ]


async def test_set_entries_keeps_the_selection_or_moves_to_select() -> None:
    entries = _entries(TITLES)
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        doc_list = app.query_one(DocumentList)
        await pilot.press("down", "down")
        doc_list.set_entries(list(reversed(entries)))
        await pilot.pause()
        assert doc_list.highlighted_key == entries[2].info.key
        assert listed_keys(app)[0] == entries[-1].info.key
        doc_list.set_entries(entries, select=entries[4].info.key)
        await pilot.pause()
        assert doc_list.highlighted_key == entries[4].info.key
        assert app.highlighted[-1] == entries[4].info.key


async def test_select_moves_the_cursor_and_scrolls_it_into_view() -> None:
    entries = [_entry(n, f"Article {n}") for n in range(200)]
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        app.query_one(DocumentList).select(entries[150].info.key)
        await pilot.pause()
        assert app.query_one(DocumentList).highlighted_key == entries[150].info.key
        assert app.highlighted[-1] == entries[150].info.key
        assert any(line.strip() == "Article 150" for line in _screen_lines(app))


async def test_page_down_moves_a_screenful() -> None:
    entries = [_entry(n, f"Article {n}") for n in range(100)]
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.press("pagedown")
        await pilot.pause()
        index = _rows(app).highlighted
        visible_rows = _rows(app).size.height // 2
        assert index is not None and 1 < index < visible_rows + 1
        assert any(line.strip() == f"Article {index}" for line in _screen_lines(app))


async def test_a_click_opens_a_row_and_a_double_click_opens_it_once() -> None:
    entries = _entries(TITLES)
    app = ListApp(entries)
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.click(DocumentRows, offset=(3, 2))  # the second entry's title
        await pilot.pause()
        assert app.query_one(DocumentList).highlighted_key == entries[1].info.key
        assert app.opened == [entries[1].info.key]
        await pilot.click(DocumentRows, offset=(3, 5), times=2)  # the third entry's facts line
        await pilot.pause()
        assert app.opened == [entries[1].info.key, entries[2].info.key]


async def test_markup_and_control_characters_in_titles_are_shown_literally() -> None:
    titles = ["[bold red]Not bold[/] and [link=http://x]no link[/link]", "Bell\x07 and\x1b[2J"]
    app = ListApp(_entries(titles))
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        lines = _screen_lines(app)
        assert lines[0].strip() == titles[0]
        assert lines[2].strip() == "Bell\u2407 and\u241b[2J"
        segments = list(_rows(app).render_line(0))
        assert not any(segment.style and segment.style.link for segment in segments)
        assert all("\x1b" not in segment.text for segment in _rows(app).render_line(2))


async def test_long_titles_are_ellipsised_to_the_width() -> None:
    app = ListApp(_entries(["word " * 50]))
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        title = _screen_lines(app)[0]
        assert title.endswith("…")
        assert len(title) <= _rows(app).size.width


async def test_filtering_a_real_library_and_opening_from_the_filter(
    tmp_path: Path, new_app: AppFactory
) -> None:
    library = tmp_path / "library"
    library.mkdir()
    for number in range(60):
        (library / f"{number:03d}.txt").write_text(
            f"Quarterly report {number}\n\nRevenue grew again this quarter.\n", encoding="utf-8"
        )
    (library / "999.txt").write_text(
        "Semiconductor tariffs reshape supply chains\n\nChips cost more.\n", encoding="utf-8"
    )
    app = new_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert _rows(app).option_count == 61
        await pilot.press("slash", *"semiconductr")  # a typo
        await pilot.pause()
        assert Path(listed_keys(app)[0]).name == "999.txt"
        await pilot.press("enter")
        await pilot.pause()
        assert Path(app.screen.document.key).name == "999.txt"


async def test_the_file_name_is_shown_under_the_title_so_same_titles_differ() -> None:
    """Two READMEs titled alike: the line under each title names its file (a bundled
    article's generated file name is not shown)."""
    entries = _entries(["Installation", "Installation"])
    entries[1] = entries[1]._replace(
        info=entries[1].info._replace(path=Path("/src/other/README.md"))
    )
    bundled = _entry(7, "A bundled article")
    bundled = bundled._replace(info=bundled.info._replace(key="seeds/007_0123abcd.txt"))
    app = ListApp([*entries, bundled])
    async with app.run_test(size=(80, 20)) as pilot:
        await pilot.pause()
        lines = _screen_lines(app)
        assert lines[0].strip() == lines[2].strip() == "Installation"
        assert lines[1].strip().startswith("article-00000.txt · 4 min")
        assert lines[3].strip().startswith("README.md · 4 min")
        assert lines[5].strip().startswith("4 min")
