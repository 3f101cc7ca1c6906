"""Pilot tests of keyboard annotation: the keys pressed, the screen and the database checked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from textual.widgets import TextArea

from aiwatch_tui import cli
from aiwatch_tui.core.model import AnchorStatus, DocumentNote
from aiwatch_tui.core.store import Store
from aiwatch_tui.ui.screens.note_editor import ConfirmDiscard, NoteEditor
from aiwatch_tui.ui.widgets.reader import Reader
from tests.notices import last_notice
from tests.ui.conftest import AppFactory

KEY_000 = "seeds/000_c10daa536b93aa76.txt"
FIRST_SENTENCE = (
    "Artificial intelligence is no longer a distant concept confined to research labs or "
    "speculative fiction."
)


def _rows(db: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("select exact, color, note, status from highlights").fetchall()


async def _open_first_paragraph(pilot) -> Reader:
    await pilot.press("enter")  # open the first article from the list
    await pilot.press("j", "j")  # below the title onto the first paragraph
    await pilot.pause()
    reader: Reader = pilot.app.screen.query_one(Reader)
    text = reader.document.text
    reader.move_caret(text.index("Artificial intelligence is no longer"))
    await pilot.pause()
    return reader


async def test_sentence_then_enter_makes_a_committed_highlight(
    db: Path, new_app: AppFactory
) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = await _open_first_paragraph(pilot)
        await pilot.press("s", "enter")
        await pilot.pause()
        # committed the moment it was made: another connection sees it while the app runs
        assert _rows(db) == [(FIRST_SENTENCE, "yellow", "", "anchored")]
        assert reader.highlight_at(reader.caret) is not None
        assert "yellow" in str(app.screen.query_one("#status").render())


async def test_v_and_word_moves_then_a_colour_key(db: Path, new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_first_paragraph(pilot)
        await pilot.press("v", "w", "w", "3")
        await pilot.pause()
        rows = _rows(db)
        assert len(rows) == 1
        assert rows[0][0] == "Artificial intelligence is" and rows[0][1] == "blue"
        await pilot.press("5")  # recolour the highlight under the caret
        await pilot.pause()
        assert _rows(db)[0][1] == "purple"


async def test_note_delete_undo_redo(db: Path, new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = await _open_first_paragraph(pilot)
        await pilot.press("s", "a")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        await pilot.press(*"Why [bold]this[/bold] matters")
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert _rows(db)[0][2] == "Why [bold]this[/bold] matters"
        status = str(app.screen.query_one("#status").render())
        assert "[bold]this[/bold]" in status  # shown literally, never as markup
        await pilot.press("x")
        await pilot.pause()
        assert _rows(db) == []
        await pilot.press("u")
        await pilot.pause()
        assert _rows(db)[0][2] == "Why [bold]this[/bold] matters"
        assert reader.highlight_at(reader.caret) is not None
        await pilot.press("u")  # undo the note
        await pilot.pause()
        assert _rows(db)[0][2] == ""
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert _rows(db)[0][2] == "Why [bold]this[/bold] matters"


async def test_leaving_the_editor_with_unsaved_text_asks_and_keeps_a_draft(
    db: Path, new_app: AppFactory
) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_first_paragraph(pilot)
        await pilot.press("s", "a")
        await pilot.press(*"half a thought")
        editor = app.screen
        assert isinstance(editor, NoteEditor)
        editor.flush_draft()  # what the 3-second timer does
        store = Store(db)
        drafts = store.drafts()
        store.close()
        assert list(drafts.values()) == ["half a thought"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDiscard)
        await pilot.press("n")  # keep editing
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)


async def test_draft_is_offered_back_after_a_crash(db: Path, new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await _open_first_paragraph(pilot)
        await pilot.press("s", "enter")
        await pilot.pause()
    store = Store(db)
    (highlight,) = store.highlights(KEY_000)
    store.save_draft(f"highlight:{highlight.id}", "typed before the link dropped")
    store.close()
    again = new_app()
    async with again.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        reader = again.screen.query_one(Reader)
        reader.move_caret(highlight.start)
        await pilot.pause()
        await pilot.press("a")
        await pilot.pause()
        editor = again.screen
        assert isinstance(editor, NoteEditor)
        assert editor.text == "typed before the link dropped"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert _rows(db)[0][2] == "typed before the link dropped"
    store = Store(db)
    assert store.drafts() == {}
    store.close()


async def test_next_and_previous_highlight(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        reader = await _open_first_paragraph(pilot)
        first = reader.caret
        await pilot.press("s", "enter", "}", "}", "s", "2")
        await pilot.pause()
        second = min(h.start for h in app.screen.highlights.values() if h.start > first)
        await pilot.press("g", "right_square_bracket")
        await pilot.pause()
        assert reader.caret == first
        await pilot.press("right_square_bracket")
        await pilot.pause()
        assert reader.caret == second
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert reader.caret == first


async def test_document_note(db: Path, new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "A")
        await pilot.pause()
        await pilot.press(*"Read again before the board meeting")
        await pilot.press("ctrl+s")
        await pilot.pause()
    store = Store(db)
    assert store.document_note(KEY_000) == "Read again before the board meeting"
    assert store.annotation_counts()[KEY_000][1] == 1
    store.close()


async def test_a_edits_the_own_note_and_leaves_imported_notes_alone(
    db: Path, new_app: AppFactory
) -> None:
    with Store(db) as store:
        store.merge_annotations([], [DocumentNote(KEY_000, "Imported from elsewhere", "", "x")])
    app = new_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter", "A")
        await pilot.pause()
        assert pilot.app.screen.query_one(TextArea).text == ""  # its own note: none yet
        await pilot.press(*"Mine")
        await pilot.press("ctrl+s")
        await pilot.pause()
        # Undo of a change to an imported note restores that note, not the own one.
        pilot.app.annotations.set_document_note(KEY_000, "Edited", note_id="x")
        pilot.app.annotations.undo()
    with Store(db) as store:
        assert sorted(n.text for n in store.document_notes()) == [
            "Imported from elsewhere",
            "Mine",
        ]
        assert store.annotation_counts()[KEY_000][1] == 2


async def test_changed_article_keeps_highlights_and_orphans_are_not_drawn(
    tmp_path: Path, db: Path, new_app: AppFactory
) -> None:
    article = tmp_path / "piece.txt"
    article.write_text(
        "Heading Line\n\nFirst paragraph with a memorable phrase in it.\n\n"
        "Second paragraph about something else entirely.\n"
    )
    app = new_app(article)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.screen.query_one(Reader)
        reader.move_caret(reader.document.text.index("memorable"))
        await pilot.press("v", "w", "enter")
        reader.move_caret(reader.document.text.index("Second"))
        await pilot.press("S", "enter")
        await pilot.pause()
    article.write_text(
        "Heading Line\n\nA new opening paragraph.\n\n"
        "First paragraph with a memorable phrase in it.\n"
    )
    again = new_app(article)
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        reader = again.screen.query_one(Reader)
        statuses = {h.exact: h.status for h in again.screen.highlights.values()}
        assert statuses["memorable phrase"] is AnchorStatus.MOVED
        assert statuses["Second paragraph about something else entirely."] is AnchorStatus.ORPHANED
        moved = next(h for h in again.screen.highlights.values() if h.exact == "memorable phrase")
        assert reader.document.text[moved.start : moved.end] == "memorable phrase"
        assert reader.highlight_at(moved.start) is not None
    assert {row[3] for row in _rows(db)} == {"moved", "orphaned"}


async def test_annotations_screen_jumps_and_its_deletes_can_be_undone(
    db: Path, new_app: AppFactory
) -> None:
    from aiwatch_tui.ui.screens.annotations import AnnotationsScreen

    app = new_app()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = await _open_first_paragraph(pilot)
        start = reader.caret
        await pilot.press("s", "2", "G", "n")
        await pilot.pause()
        assert isinstance(app.screen, AnnotationsScreen)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.query_one(Reader).caret == start
        assert app.focused is app.screen.query_one(Reader)
        await pilot.press("n", "x")
        await pilot.pause()
        assert _rows(db) == []
        await pilot.press("escape")
        await pilot.pause()
        assert reader.highlight_at(start) is None
        await pilot.press("u")
        await pilot.pause()
        assert _rows(db) == [(FIRST_SENTENCE, "green", "", "anchored")]
        assert reader.highlight_at(start) is not None


async def test_one_undo_history_for_the_reader_and_the_annotations_screen(
    db: Path, new_app: AppFactory
) -> None:
    from aiwatch_tui.ui.screens.annotations import AnnotationsScreen

    app = new_app()

    async with app.run_test(size=(100, 30)) as pilot:
        reader = await _open_first_paragraph(pilot)
        start = reader.caret
        await pilot.press("s", "2", "n")  # a green highlight in the reader, then the screen
        await pilot.pause()
        assert isinstance(app.screen, AnnotationsScreen)
        await pilot.press("u")  # the last change of the session: the highlight made
        await pilot.pause()
        assert _rows(db) == [] and app.screen.rows == []
        assert last_notice(app) == "Undone: highlight made. ctrl+r redoes."
        await pilot.press("ctrl+r", "x")
        await pilot.pause()
        assert _rows(db) == []
        assert last_notice(app) == "Highlight deleted. u undoes."
        await pilot.press("escape")  # back to the reader, which shows the deletion
        await pilot.pause()
        assert not isinstance(app.screen, AnnotationsScreen)
        assert reader.highlight_at(start) is None
        await pilot.press("u")  # the reader undoes the delete made on the screen...
        await pilot.pause()
        assert _rows(db) == [(FIRST_SENTENCE, "green", "", "anchored")]
        assert reader.highlight_at(start) is not None
        await pilot.press("u")  # ...then the making of the highlight, as the screen did
        await pilot.pause()
        assert _rows(db) == [] and reader.highlight_at(start) is None
        await pilot.press("u")
        await pilot.pause()
        assert last_notice(app) == "Nothing to undo."


async def test_destructive_changes_in_the_reader_say_u_undoes(
    db: Path, new_app: AppFactory
) -> None:
    app = new_app()

    async with app.run_test(size=(100, 30)) as pilot:
        await _open_first_paragraph(pilot)
        await pilot.press("s", "1", "3")  # make, then recolour
        await pilot.pause()
        assert last_notice(app) == "Recoloured blue. u undoes."
        await pilot.press("x")
        await pilot.pause()
        assert _rows(db) == [] and last_notice(app) == "Highlight deleted. u undoes."
        await pilot.press("u", "A", *"whole", "ctrl+s")  # a document note
        await pilot.pause()
        assert last_notice(app) == "Document note saved. u undoes."
        await pilot.press("u")
        await pilot.pause()
        assert last_notice(app) == "Undone: document note saved. ctrl+r redoes."
        assert _rows(db) == [(FIRST_SENTENCE, "blue", "", "anchored")]


async def test_a_commit_by_another_process_shows_up(db: Path, new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = await _open_first_paragraph(pilot)
        start = reader.caret
        other = Store(db)  # a second aiwatch on the same database
        from aiwatch_tui.core.annotations import Annotations

        assert reader.document is not None
        Annotations(other).create(reader.document, start, start + 10, "pink")
        other.close()
        app._watch_store()  # what the 1.5 s timer does
        await pilot.pause()
        mark = reader.highlight_at(start)
        assert mark is not None and mark.color == "pink"


async def test_export_command_writes_a_private_file_and_says_where(
    tmp_path: Path, new_app: AppFactory
) -> None:
    app = new_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await _open_first_paragraph(pilot)
        await pilot.press("s", "a", *"why it matters", "ctrl+s")
        await pilot.pause()
        written = app.export_highlights("markdown")
        await pilot.pause()
    assert written is not None and written.parent == tmp_path / "exports"
    assert oct(written.stat().st_mode & 0o777) == "0o600"
    text = written.read_text()
    assert "> " + FIRST_SENTENCE in text and "why it matters" in text


async def test_an_orphan_is_reattached_to_a_new_selection(
    tmp_path: Path, db: Path, new_app: AppFactory
) -> None:
    from aiwatch_tui.ui.screens.annotations import AnnotationsScreen

    article = tmp_path / "piece.md"
    article.write_text("# Piece\n\nThe original claim about compute budgets.\n\nAnother part.\n")
    app = new_app(article)
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.screen.query_one(Reader)
        reader.move_caret(reader.document.text.index("The original"))
        await pilot.press("s", "a", *"keep this thought", "ctrl+s")
        await pilot.pause()
    article.write_text("# Piece\n\nA rewritten passage on spending.\n\nAnother part.\n")
    again = new_app(article)
    async with again.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert [row[3] for row in _rows(db)] == ["orphaned"]
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(again.screen, AnnotationsScreen)
        await pilot.press("enter")  # to the reader, re-attaching
        await pilot.pause()
        reader = again.screen.query_one(Reader)
        assert "Re-attaching" in str(again.screen.query_one("#status").render())
        reader.move_caret(reader.document.text.index("A rewritten"))
        await pilot.press("s", "enter")
        await pilot.pause()
    (exact, _color, note, status) = _rows(db)[0]
    assert (exact, note, status) == (
        "A rewritten passage on spending.",
        "keep this thought",
        "anchored",
    )


async def test_highlights_made_before_the_parser_change_still_anchor(
    db: Path, new_app: AppFactory
) -> None:
    """tests/unit/golden/highlights-before-issue-15.json was exported by main before issue 15
    (the hand-written parsers): a heading, a phrase in a paragraph, a table cell. Imported,
    each anchors where it was made and is drawn there."""
    golden = Path(__file__).parents[1] / "unit" / "golden" / "highlights-before-issue-15.json"
    assert cli.main(["--db", str(db), "import", str(golden)]) == 0
    app = new_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        made = {
            "seeds/000_c10daa536b93aa76.txt": [(3302, 3326), (226, 261)],
            "seeds/002_c41b6d65e56e1798.txt": [(847, 879)],
        }
        for key, spans in made.items():
            app.screen.open_document(key)
            await pilot.pause()
            reader = app.screen.query_one(Reader)
            anchored = {
                (h.start, h.end): h.status
                for h in app.screen.highlights.values()
                if h.doc_key == key
            }
            assert anchored == dict.fromkeys(spans, AnchorStatus.ANCHORED)
            for start, end in spans:
                assert reader.highlight_at(start) is not None
                assert reader.highlight_at(end - 1) is not None
