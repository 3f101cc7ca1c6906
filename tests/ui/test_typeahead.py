"""Pilot tests of keys typed ahead: events posted to the App all at once, before any of them
is handled (as a slow link delivers them), act where the key before them moved the focus.
The e2e tests in tests/e2e/test_typeahead.py do the same through a real terminal."""

from __future__ import annotations

from pathlib import Path

from textual import events
from textual.pilot import Pilot

from aiwatch_tui.core.store import Store
from aiwatch_tui.ui.app import AiwatchApp
from aiwatch_tui.ui.screens.annotations import AnnotationList, AnnotationsScreen
from aiwatch_tui.ui.widgets.document_list import DocumentList
from aiwatch_tui.ui.widgets.reader import Reader
from tests.conftest import SEED_000
from tests.highlights import highlight_on
from tests.notices import last_notice
from tests.ui.conftest import AppFactory


async def _type_ahead(pilot: Pilot[None], *keys: str | events.Event) -> None:
    """Post every key at once, then wait until they have all been handled."""
    app = pilot.app
    for key in keys:
        if isinstance(key, str):
            character = {"slash": "/", "space": " "}.get(key, key if len(key) == 1 else None)
            app.post_message(events.Key(key, character))
        else:
            app.post_message(key)
    await pilot.pause(0.3)
    await pilot.pause()


async def test_enter_then_keys_act_in_the_reader_it_opened(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await _type_ahead(pilot, "enter", "G")
        reader = app.screen.query_one(Reader)
        assert app.focused is reader
        assert reader.caret >= len(reader.document.text.rstrip()) - 1


async def test_tab_then_s_1_highlights_a_sentence(db: Path, new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await _type_ahead(pilot, "tab", "s", "1")
        assert app.screen.query_one(DocumentList).query_one("#filter").value == ""
    store = Store(db)
    try:
        assert [h.color for h in store.highlights()] == ["yellow"]
    finally:
        store.close()


async def test_a_paste_after_slash_goes_to_the_filter_box(new_app: AppFactory) -> None:
    app = new_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await _type_ahead(pilot, "slash", events.Paste("polished"), "enter")
        assert app.screen.document is not None
        assert app.screen.document.title.startswith("The AI industry’s polished")
        assert isinstance(app.focused, Reader)


async def test_n_slash_word_enter_filters_the_annotations_and_deletes_nothing(
    db: Path, new_app: AppFactory
) -> None:
    store = Store(db)
    store.add_highlight(highlight_on(SEED_000, "labor contracts"))
    store.close()
    app: AiwatchApp = new_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await _type_ahead(pilot, "n", "slash", "x", "a", "i", "enter", "u")
        screen = app.screen
        assert isinstance(screen, AnnotationsScreen)
        assert screen.query_one("#filter").value == "xai"
        assert isinstance(app.focused, AnnotationList)
        assert screen.rows == []  # no quote or note has an x, an a and an i in that order
        assert last_notice(app) == "Nothing to undo."
    store = Store(db)
    try:
        assert [h.exact for h in store.highlights()] == ["labor contracts"]
    finally:
        store.close()
