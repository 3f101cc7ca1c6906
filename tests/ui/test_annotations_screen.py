"""Pilot tests of the annotations screen: what it lists, filtering, and the changes it makes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from textual.app import App
from textual.widgets import Input, TextArea

from aiwatch_tui.core.annotations import Annotations, Change, ChangeKind
from aiwatch_tui.core.model import AnchorStatus, DocumentNote, Highlight
from aiwatch_tui.core.store import Store
from aiwatch_tui.ui.screens.annotations import (
    EMPTY_MESSAGE,
    AnnotationList,
    AnnotationsScreen,
    JumpTarget,
    parse_filter,
)
from aiwatch_tui.ui.screens.note_editor import NoteEditor
from tests.notices import notices

GROWING = "seeds/growing.txt"
MODELS = "seeds/models.txt"
TITLES = {GROWING: "The Growing Pains of AI", MODELS: "Model releases [bold]2025[/bold]"}


def make_highlight(
    doc_key: str,
    start: int,
    exact: str,
    *,
    note: str = "",
    color: str = "yellow",
    status: AnchorStatus = AnchorStatus.ANCHORED,
    modified: str = "2025-03-04T05:06:07.000Z",
) -> Highlight:
    return Highlight(
        id=str(uuid.uuid4()),
        doc_key=doc_key,
        doc_hash="0" * 64,
        start=start,
        end=start + len(exact),
        exact=exact,
        prefix="",
        suffix="",
        color=color,
        note=note,
        created="2025-01-01T00:00:00.000Z",
        modified=modified,
        status=status,
    )


class AnnotationsApp(App[None]):
    """Pushes the screen and records what it reports: changes and the dismiss result."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        self.annotations = Annotations(store)
        self.changes: list[Change] = []
        self.results: list[JumpTarget | None] = []

    def on_mount(self) -> None:
        screen = AnnotationsScreen(self.annotations, lambda key: TITLES.get(key, key))
        self.push_screen(screen, self.results.append)

    def on_annotations_screen_changed(self, event: AnnotationsScreen.Changed) -> None:
        self.changes.append(event.change)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "annotations.db")
    yield opened
    opened.close()


@pytest.fixture
def compute(store: Store) -> Highlight:
    h = make_highlight(
        GROWING,
        120,
        "Compute spending rose faster than any analyst predicted",
        note="Check against the Q3 report\nsecond line stays hidden",
        modified="2025-05-06T07:08:09.000Z",
    )
    store.add_highlight(h)
    return h


@pytest.fixture
def brussels(store: Store) -> Highlight:
    h = make_highlight(GROWING, 900, "Regulators in Brussels moved first", color="green")
    store.add_highlight(h)
    return h


@pytest.fixture
def orphan(store: Store) -> Highlight:
    h = make_highlight(
        MODELS,
        40,
        "The lab shipped three models in one week",
        note="follow up",
        color="purple",
        status=AnchorStatus.ORPHANED,
    )
    store.add_highlight(h)
    return h


def screen_of(app: App[None]) -> AnnotationsScreen:
    assert isinstance(app.screen, AnnotationsScreen)
    return app.screen


def shown_lines(app: App[None]) -> list[str]:
    """The list's lines as the terminal gets them."""
    listing = screen_of(app).query_one(AnnotationList)
    return [listing.render_line(y).text.rstrip() for y in range(listing.size.height)]


def shown_quotes(app: App[None]) -> list[str]:
    return [row.quote for row in screen_of(app).rows]


async def test_lists_every_highlight_and_note_with_its_fields(
    store: Store, compute: Highlight, brussels: Highlight, orphan: Highlight
) -> None:
    store.set_document_note(GROWING, "Overall skeptical of the numbers")
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        lines = shown_lines(app)
        text = "\n".join(lines)
        # Grouped by document title; a document's note first, then its highlights in text order.
        assert [(row.kind, row.quote) for row in screen_of(app).rows] == [
            ("highlight", orphan.exact),
            ("note", ""),
            ("highlight", compute.exact),
            ("highlight", brussels.exact),
        ]
        assert lines[2].startswith("✎  Document note: Overall skeptical of the numbers")
        compute_line = next(n for n, line in enumerate(lines) if "Compute spending" in line)
        assert "✎ Check against the Q3 report" in lines[compute_line]
        assert "second line" not in text  # only a note's first line is listed
        facts = lines[compute_line + 1].split()
        assert facts[:3] == ["yellow", "2025-05-06", "anchored"]
        assert " ".join(facts[3:]) == "The Growing Pains of AI"
        assert "green" in text and "purple" in text and "orphaned" in text
        assert all(len(line) <= 80 for line in lines)


async def test_long_quotes_are_ellipsised_to_one_line(store: Store) -> None:
    store.add_highlight(make_highlight(GROWING, 0, "word " * 60, note="a note " * 30))
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        first, second = shown_lines(app)[:2]
        assert "…" in first and "✎ a note" in first
        assert second.split()[0] == "yellow"


async def test_empty_state_says_how_to_make_a_highlight(store: Store) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert shown_lines(app)[0] == " " + EMPTY_MESSAGE
        assert isinstance(app.focused, AnnotationList)  # the letter keys still act


async def test_slash_then_typing_filters_fuzzily_even_with_a_typo(
    store: Store, compute: Highlight, brussels: Highlight, orphan: Highlight
) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"brussles")  # typo of "Brussels"
        await pilot.pause()
        assert screen_of(app).query_one(Input).value == "brussles"
        assert shown_quotes(app) == [brussels.exact]
        await pilot.press("escape")  # clears the filter and returns to the list
        await pilot.pause()
        assert len(screen_of(app).rows) == 3
        assert isinstance(app.focused, AnnotationList)
        # In the box, the screen's letter keys are text: nothing is deleted, nothing closes.
        await pilot.press("slash", "x", "a", "1", "q", "n", "u")
        await pilot.pause()
        assert screen_of(app).query_one(Input).value == "xa1qnu"
        assert len(store.highlights()) == 3 and app.changes == [] and app.results == []


async def test_the_list_has_the_focus_and_letters_typed_there_never_start_a_filter(
    store: Store, compute: Highlight, brussels: Highlight, orphan: Highlight
) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        box = screen_of(app).query_one(Input)
        assert isinstance(app.focused, AnnotationList)
        assert str(box.placeholder).startswith("/ filter")  # says how, not "type"
        await pilot.press(*"bwy")  # no binding: nothing happens at all
        await pilot.press("j")  # a binding of the list: down
        await pilot.pause()
        assert box.value == "" and isinstance(app.focused, AnnotationList)
        assert screen_of(app).current_row.highlight == compute
        assert len(store.highlights()) == 3 and app.changes == []
        footer_keys = {key for key, binding in app.active_bindings.items() if binding.binding.show}
        assert {"x", "a", "u", "slash"} <= footer_keys
        await pilot.press("slash")
        await pilot.pause()
        assert app.focused is box and str(box.placeholder).startswith("type to filter")


async def test_the_filter_searches_notes_too(
    store: Store, compute: Highlight, brussels: Highlight, orphan: Highlight
) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"follow")
        await pilot.pause()
        assert shown_quotes(app) == [orphan.exact]


# Query -> the highlights it should show (one app for all: starting one costs ~0.4 s).
TOKEN_CASES: list[tuple[str, list[str]]] = [
    ("color:green", ["brussels"]),
    ("c:pu", ["orphan"]),
    ("c:yellow c:green", ["compute", "brussels"]),
    ("status:orphaned", ["orphan"]),
    ("s:anch", ["compute", "brussels"]),
    ("doc:growing", ["compute", "brussels"]),
    ("d:RELEASES", ["orphan"]),
    # The file name too (seeds/models.txt): doc:000 finds a bundled article by its name.
    ("doc:models", ["orphan"]),
    ("d:growing.txt", ["compute", "brussels"]),
    ("d:.txt", ["compute", "brussels", "orphan"]),
    ("d:growing c:green", ["brussels"]),
    ("d:growing spending", ["compute"]),
    ("c:green spending", []),
    ("color:", ["compute", "brussels", "orphan"]),  # still typing the value
]


async def test_filter_tokens(
    store: Store, compute: Highlight, brussels: Highlight, orphan: Highlight
) -> None:
    by_name = {"compute": compute, "brussels": brussels, "orphan": orphan}
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        for query, expected in TOKEN_CASES:
            screen_of(app).query_one(Input).value = query
            await pilot.pause()
            shown = sorted(shown_quotes(app))
            assert shown == sorted(by_name[n].exact for n in expected), query
            if not expected:
                assert "Nothing matches" in shown_lines(app)[0]


def test_parse_filter_separates_tokens_from_fuzzy_text() -> None:
    wanted = parse_filter("ai C:Green s:orph doc:Growing note:x boom")
    assert wanted.fuzzy == "ai note:x boom"
    assert (wanted.colors, wanted.statuses, wanted.doc_words) == (
        ("green",),
        ("orph",),
        ("growing",),
    )


async def test_x_deletes_from_the_screen_and_the_database(
    store: Store, compute: Highlight, brussels: Highlight
) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert shown_quotes(app) == [compute.exact, brussels.exact]
        await pilot.press("x")
        await pilot.pause()
        assert shown_quotes(app) == [brussels.exact]
        assert screen_of(app).current_row is not None
        assert store.highlight(compute.id) is None
        assert store.highlight(brussels.id) == brussels
        [change] = app.changes
        assert (change.kind, change.before, change.after) == (ChangeKind.DELETE, compute, None)


async def test_number_keys_recolour_in_the_database(
    store: Store, compute: Highlight, brussels: Highlight
) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "3")
        await pilot.pause()
        stored = store.highlight(brussels.id)
        assert stored is not None and stored.color == "blue"
        assert stored.modified > brussels.modified
        assert screen_of(app).current_row.color == "blue"  # the cursor stayed on it
        await pilot.press("5")
        await pilot.pause()
        assert store.highlight(brussels.id).color == "purple"
        await pilot.press("5")  # the same colour again changes nothing
        await pilot.pause()
        assert [(c.kind, c.before.color, c.after.color) for c in app.changes] == [
            (ChangeKind.RECOLOR, "green", "blue"),
            (ChangeKind.RECOLOR, "blue", "purple"),
        ]
        assert store.highlight(compute.id) == compute


async def test_a_edits_the_note_and_ctrl_s_saves_it(store: Store, compute: Highlight) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        assert app.screen.query_one(TextArea).text == compute.note
        area = app.screen.query_one(TextArea)
        area.text = "Rewritten [bold]note[/bold]"
        area.move_cursor(area.document.end)
        await pilot.press("enter", "o", "k")  # Enter is the editor's, not this screen's
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationsScreen)
        stored = store.highlight(compute.id)
        assert stored is not None and stored.note == "Rewritten [bold]note[/bold]\nok"
        assert stored.modified > compute.modified
        assert store.draft(f"highlight:{compute.id}") is None
        assert "✎ Rewritten [bold]note[/bold]" in shown_lines(app)[0]
        [change] = app.changes
        assert (change.kind, change.before, change.after) == (ChangeKind.NOTE, compute, stored)


async def test_a_on_a_document_note_edits_the_document_note(store: Store) -> None:
    store.set_document_note(MODELS, "first thoughts")
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "second thoughts"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.document_note(MODELS) == "second thoughts"
        [change] = app.changes
        assert (change.kind, change.doc_key, change.text_before, change.text_after) == (
            ChangeKind.DOCUMENT_NOTE,
            MODELS,
            "first thoughts",
            "second thoughts",
        )


async def test_imported_notes_on_a_document_are_listed_and_edited_one_by_one(
    store: Store,
) -> None:
    # Issue 12: several notes on one document (one's own, others imported) are all kept.
    store.set_document_note(MODELS, "my own note")
    imported = DocumentNote(MODELS, "an imported note", "2025-02-01T00:00:00.000Z", "theirs")
    store.merge_annotations([], [imported])
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, AnnotationsScreen)
        notes = [row.note for row in screen.rows if row.kind == "note"]
        assert sorted(notes) == ["an imported note", "my own note"]
        while screen.current_row is not None and screen.current_row.note != "an imported note":
            await pilot.press("down")
        await pilot.press("a")
        await pilot.pause()
        app.screen.query_one(TextArea).text = "their note, edited here"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.document_note(MODELS, note_id="theirs") == "their note, edited here"
        assert store.document_note(MODELS) == "my own note"  # the one `A` edits: untouched
        [change] = app.changes
        assert (change.kind, change.note_id, change.text_after) == (
            ChangeKind.DOCUMENT_NOTE,
            "theirs",
            "their note, edited here",
        )


async def test_enter_dismisses_with_where_to_jump(
    store: Store, compute: Highlight, brussels: Highlight
) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.results == [JumpTarget(GROWING, brussels.id, brussels.start)]


async def test_arrows_in_the_filter_box_move_the_list_cursor(
    store: Store, compute: Highlight, brussels: Highlight, orphan: Highlight
) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash")
        screen_of(app).query_one(Input).value = "d:growing"
        await pilot.pause()
        await pilot.press("down")
        assert screen_of(app).current_row.highlight == brussels
        await pilot.press("up", "enter")  # Enter: back to the list, on the same row
        await pilot.pause()
        assert isinstance(app.focused, AnnotationList) and app.results == []
        assert screen_of(app).current_row.highlight == compute
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [JumpTarget(GROWING, compute.id, compute.start)]


async def test_many_rows_scroll_with_the_cursor(store: Store) -> None:
    many = [make_highlight(GROWING, 10 * n, f"passage number {n:03}") for n in range(60)]
    store.merge_highlights(many)
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("end")
        await pilot.pause()
        assert screen_of(app).current_row.highlight == many[-1]
        assert any("passage number 059" in line for line in shown_lines(app))
        await pilot.press("pageup", "home", "down")
        await pilot.pause()
        assert screen_of(app).current_row.highlight == many[1]
        assert any("passage number 000" in line for line in shown_lines(app))


async def test_double_click_opens_a_row(
    store: Store, compute: Highlight, brussels: Highlight
) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click(AnnotationList, offset=(10, 3))  # the second row's second line
        await pilot.pause()
        assert screen_of(app).current_row.highlight == brussels
        assert app.results == []
        await pilot.click(AnnotationList, offset=(10, 2), times=2)
        await pilot.pause()
        assert app.results == [JumpTarget(GROWING, brussels.id, brussels.start)]


async def test_enter_in_the_filter_box_returns_to_the_list_on_the_best_match(
    store: Store, compute: Highlight, brussels: Highlight
) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"brussels", "enter")
        await pilot.pause()
        # The filter stays; the list has the focus, so the letter keys act on what it shows.
        assert isinstance(app.focused, AnnotationList) and app.results == []
        assert screen_of(app).query_one(Input).value == "brussels"
        assert shown_quotes(app) == [brussels.exact]
        await pilot.press("2")
        await pilot.pause()
        assert store.highlight(brussels.id).color == "green"  # the colour it had: no change
        await pilot.press("3", "escape")  # recolour; Esc in the list clears the filter...
        await pilot.pause()
        assert store.highlight(brussels.id).color == "blue"
        assert screen_of(app).query_one(Input).value == "" and len(shown_quotes(app)) == 2
        assert app.results == []
        await pilot.press("escape")  # ...and then closes the screen
        await pilot.pause()
        assert app.results == [None]


async def test_enter_on_a_document_note_opens_the_document_where_reading_stopped(
    store: Store,
) -> None:
    store.set_document_note(MODELS, "a note on the whole thing")
    store.save_position(MODELS, 321, 0.5)
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        assert app.results == [JumpTarget(MODELS, None, 321)]


async def test_escape_closes_without_a_target(store: Store, compute: Highlight) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
        await pilot.pause()
        assert app.results == [None]
        assert not isinstance(app.screen, AnnotationsScreen)


async def test_markup_and_control_characters_are_shown_literally(store: Store) -> None:
    note = "[bold]not bold[/bold] [@click=app.quit]click[/] \x1b[31mred"
    h = make_highlight(MODELS, 0, "A [red]quote[/red]", note=note)
    store.add_highlight(h)
    app = AnnotationsApp(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await pilot.pause()
        first, second = shown_lines(app)[:2]
        assert "“A [red]quote[/red]”" in first
        assert "✎ [bold]not bold[/bold] [@click=app.quit]click[/] ␛[31mred" in first
        assert second.endswith("Model releases [bold]2025[/bold]")
        assert app.is_running  # nothing was interpreted as an action


async def test_orphaned_highlights_keep_their_original_quote(
    store: Store, compute: Highlight, orphan: Highlight
) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"s:orph")
        await pilot.pause()
        lines = shown_lines(app)
        assert f"“{orphan.exact}”" in lines[0] and "✎ follow up" in lines[0]
        assert lines[1].split()[:3] == ["purple", "2025-03-04", "orphaned"]


async def test_reload_shows_changes_made_elsewhere(
    store: Store, compute: Highlight, tmp_path: Path
) -> None:
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down")  # no second row yet: the cursor stays on compute
        other = Store(tmp_path / "annotations.db")
        added = make_highlight(GROWING, 0, "An earlier passage")
        other.add_highlight(added)
        other.update_highlight(replace(compute, color="pink"))
        other.close()
        screen_of(app).reload()
        await pilot.pause()
        assert shown_quotes(app) == [added.exact, compute.exact]
        assert screen_of(app).current_row.highlight.id == compute.id
        assert "pink" in shown_lines(app)[3]


async def test_every_change_here_says_u_undoes_and_u_and_ctrl_r_do(
    store: Store, compute: Highlight, brussels: Highlight
) -> None:
    store.set_document_note(MODELS, "first thoughts")
    app = AnnotationsApp(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("down", "x")  # delete compute (the document note is the first row)
        await pilot.pause()
        assert store.highlight(compute.id) is None
        assert notices(app)[-1] == "Highlight deleted. u undoes."
        await pilot.press("u")
        await pilot.pause()
        assert store.highlight(compute.id) == compute
        assert screen_of(app).current_row.highlight == compute  # the cursor goes to it
        assert notices(app)[-1] == "Undone: highlight deleted. ctrl+r redoes."
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert store.highlight(compute.id) is None
        assert notices(app)[-1] == "Redone: highlight deleted. u undoes."
        await pilot.press("u")
        await pilot.pause()
        assert store.highlight(compute.id) == compute

        await pilot.press("4")  # recolour
        await pilot.pause()
        assert store.highlight(compute.id).color == "pink"
        assert notices(app)[-1] == "Recoloured pink. u undoes."
        await pilot.press("u")
        await pilot.pause()
        assert store.highlight(compute.id).color == "yellow"

        await pilot.press("a")  # clear the note: saving an empty note deletes it
        await pilot.pause()
        app.screen.query_one(TextArea).text = "  \n"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.highlight(compute.id).note == ""
        assert notices(app)[-1] == "Note deleted. u undoes."
        await pilot.press("u")
        await pilot.pause()
        assert store.highlight(compute.id).note == compute.note

        await pilot.press("home", "a")  # the document note
        await pilot.pause()
        app.screen.query_one(TextArea).text = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert store.document_note(MODELS) == ""
        assert notices(app)[-1] == "Document note deleted. u undoes."
        await pilot.press("u")
        await pilot.pause()
        assert store.document_note(MODELS) == "first thoughts"
        assert screen_of(app).current_row.kind == "note"
        await pilot.press("u")  # each change was undone as it was made: nothing is left
        await pilot.pause()
        assert notices(app)[-1] == "Nothing to undo."
        assert store.highlight(compute.id) == compute
        assert app.results == []  # u never closed the screen
