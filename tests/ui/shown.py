"""What the app shows, read from its widgets: helpers the UI tests share."""

from __future__ import annotations

from typing import Any

from textual.app import App

from aiwatch_tui.ui.widgets.document_list import DocumentList
from aiwatch_tui.ui.widgets.reader import Reader


def reader(app: App[Any]) -> Reader:
    """The reading pane of the screen on top."""
    return app.screen.query_one(Reader)


def listed_keys(app: App[Any]) -> list[str]:
    """The document list's rows, by document key, top to bottom (as filtered)."""
    rows = app.screen.query_one(DocumentList).options
    return [rows.get_option_at_index(i).id for i in range(rows.option_count)]


def listed_titles(app: App[Any]) -> list[str]:
    """The document list's rows, by title."""
    rows = app.screen.query_one(DocumentList).options
    return [rows.get_option_at_index(i).entry.info.title for i in range(rows.option_count)]


def selected_text(app: App[Any]) -> str | None:
    """What the reader has selected, or None."""
    shown = reader(app)
    span = shown.selection
    document = shown.document
    return None if span is None or document is None else document.text[span.start : span.end]
