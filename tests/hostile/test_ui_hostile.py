"""Pilot tests: hostile text on every screen stays inert, and typed text survives a failed save.

What reaches the terminal is read from the compositor's strips (the exact cells Textual is about
to write), so a control character in any widget is caught wherever it is drawn.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import TextArea

from aiwatch_tui.core.model import Highlight
from aiwatch_tui.core.store import Store, StoreError
from aiwatch_tui.ui.app import make_app
from aiwatch_tui.ui.screens.note_editor import NoteEditor
from aiwatch_tui.ui.widgets.reader import Reader
from tests.hostile.corpus import CONTROL_LINES

UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HOSTILE_NOTE = f"{CONTROL_LINES[5]} {CONTROL_LINES[3]} [@click=app.quit]q[/]"


def screen_cells(app: App[Any]) -> str:
    """Every character the screen is about to write, line by line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text for strip in strips)


async def test_the_whole_screen_over_hostile_articles_holds_no_control_character(
    hostile_texts: dict[str, Path], tmp_path: Path
) -> None:
    app = make_app([hostile_texts["controls"].parent], db_path=tmp_path / "a.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        seen = 0
        for _ in range(len(hostile_texts)):
            cells = screen_cells(app)
            assert UNSAFE.search(cells) is None, cells
            seen += "HOSTILE" in cells or "[bold red]" in cells or "Trojan" in cells
            await pilot.press("down")
            await pilot.pause()
        assert seen >= 3  # the hostile articles really were on screen
        await pilot.press("enter", "o")
        await pilot.pause()
        assert UNSAFE.search(screen_cells(app)) is None
        assert app.is_running  # no markup action ran


async def test_a_hostile_note_in_the_note_editor_stays_inert() -> None:
    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(NoteEditor(title="[@click=app.quit]t[/]", text=HOSTILE_NOTE))

    app = Host()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "[@click=app.quit]q[/]" in app.screen.query_one(TextArea).text
        assert UNSAFE.search(screen_cells(app)) is None


async def _highlight_first_sentence(pilot, db: Path) -> Highlight:
    await pilot.press("enter")
    await pilot.pause()
    reader = pilot.app.screen.query_one(Reader)
    reader.move_caret(reader.document.text.index("Artificial intelligence is no longer"))
    await pilot.pause()
    await pilot.press("s", "enter")
    await pilot.pause()
    with Store(db) as store:
        (highlight,) = store.highlights()
    return highlight


def _failing_writes(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    def fail(*_args: object, **_kwargs: object) -> None:
        raise StoreError(f"{db}: could not save (database or disk is full); nothing was changed")

    monkeypatch.setattr(Store, "update_highlight", fail)
    monkeypatch.setattr(Store, "add_highlight", fail)
    monkeypatch.setattr(Store, "set_document_note", fail)


async def test_a_note_is_not_thrown_away_when_its_save_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "a.db"
    app = make_app(db_path=db)
    typed = "a thought worth keeping"
    async with app.run_test(size=(120, 40)) as pilot:
        highlight = await _highlight_first_sentence(pilot, db)
        _failing_writes(monkeypatch, db)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NoteEditor)
        await pilot.press(*typed)
        await pilot.press("ctrl+s")
        await pilot.pause()
        still_open = isinstance(app.screen, NoteEditor) and app.screen.text == typed
        with Store(db) as store:
            kept_as_draft = store.draft(f"highlight:{highlight.id}") == typed
        assert app.is_running
        assert still_open or kept_as_draft


async def test_a_failed_note_save_is_reported_and_the_app_carries_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "a.db"
    app = make_app(db_path=db)
    async with app.run_test(size=(120, 40)) as pilot:
        await _highlight_first_sentence(pilot, db)
        _failing_writes(monkeypatch, db)
        await pilot.press("a", *"note", "ctrl+s")
        await pilot.pause()
        assert app.is_running
        messages = [str(n.message) for n in app._notifications]
        assert any("disk is full" in m for m in messages), messages


async def test_the_palette_shows_hostile_queries_and_titles_literally(
    hostile_texts: dict[str, Path], tmp_path: Path
) -> None:
    app = make_app([hostile_texts["controls"].parent], db_path=tmp_path / "a.db")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"[@click=app.quit]")
        await pilot.pause(0.5)
        cells = screen_cells(app)
        assert "[@click=app.quit]" in cells  # the query, as typed
        assert UNSAFE.search(cells) is None
        await pilot.press("escape")
        await pilot.pause(0.3)
        assert app.is_running  # typing markup into the palette ran no action
