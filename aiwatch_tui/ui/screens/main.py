"""The main screen: the document list beside (or, when narrow, instead of) the reading pane."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Static

from aiwatch_tui.core.catalog import Problem
from aiwatch_tui.core.model import Document
from aiwatch_tui.ui.widgets.document_list import DocumentList, ListEntry
from aiwatch_tui.ui.widgets.outline import Outline
from aiwatch_tui.ui.widgets.reader import Reader
from aiwatch_tui.ui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from aiwatch_tui.ui.app import AiwatchApp

# At this width and below the list and the reader are shown one at a time.
NARROW_WIDTH = 80
# Save the reading position this long after the caret stops moving, so a killed
# process or dropped SSH link loses at most this much.
POSITION_SAVE_DELAY = 2.0


class MainScreen(Screen[None]):
    BINDINGS = [
        Binding("tab", "switch_pane", "List/Reader"),
        Binding("o", "toggle_outline", "Outline"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.document: Document | None = None
        self._reading = False  # the user has moved in the current document
        self._save_timer = None

    @property
    def aiwatch(self) -> AiwatchApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield TitleBar(id="title-bar")
        with Horizontal(id="panes"):
            yield DocumentList(id="list-pane")
            with Horizontal(id="reader-pane"):
                yield Reader(id="reader")
                yield Outline(id="outline")
        yield Static(id="status")
        yield Footer()

    # -- layout -----------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.set_class(self.size.width <= NARROW_WIDTH, "-narrow")

    def show_reader(self) -> None:
        self.add_class("-reading")
        self.query_one(Reader).focus()

    def show_list(self) -> None:
        self.remove_class("-reading")
        self.query_one(DocumentList).focus_list()

    def action_switch_pane(self) -> None:
        reader = self.query_one(Reader)
        if reader.has_focus or self.query_one(Outline).has_focus:
            self.show_list()
        elif self.document is not None:
            self.show_reader()

    def action_toggle_outline(self) -> None:
        outline = self.query_one(Outline)
        if outline.display and outline.has_focus:
            self._close_outline()
            return
        outline.display = True
        self.add_class("-reading")
        outline.mark_section(self.query_one(Reader).caret)
        outline.focus()

    def _close_outline(self) -> None:
        self.query_one(Outline).display = False
        self.query_one(Reader).focus()

    # -- the list ---------------------------------------------------------------------------

    def set_entries(self, entries: list[ListEntry], select: str | None = None) -> None:
        self.query_one(DocumentList).set_entries(entries, select=select)

    def update_entry(self, entry: ListEntry) -> None:
        self.query_one(DocumentList).update_entry(entry)

    @on(DocumentList.Highlighted)
    def _preview(self, event: DocumentList.Highlighted) -> None:
        # Side by side, the reader previews whatever the list cursor is on.
        if not self.has_class("-narrow") and (self.document is None or
                                              self.document.key != event.key):
            self.open_document(event.key, focus=False)

    @on(DocumentList.Opened)
    def _opened(self, event: DocumentList.Opened) -> None:
        self.open_document(event.key, focus=True)

    # -- the reader -------------------------------------------------------------------------

    def open_document(self, key: str, *, focus: bool = True, caret: int | None = None) -> None:
        """Show `key` in the reader, at its saved position unless `caret` is given."""
        if self.document is None or self.document.key != key:
            self.leave_document()
            result = self.aiwatch.catalog.load(key)
            if isinstance(result, Problem):
                self.notify(result.message, severity="error", markup=False)
                return
            self.document = result
            saved = self.aiwatch.store.position(key)
            start = caret if caret is not None else (saved or 0)
            self.query_one(Reader).load(result, caret=min(start, len(result.text)))
            self.query_one(Outline).show_document(result)
            self.query_one(TitleBar).document_title = result.title
            self.query_one(DocumentList).select(key)
            self._reading = False
            self.show_notices(result)
            self.aiwatch.document_opened(result)
        elif caret is not None:
            self.query_one(Reader).move_caret(caret, align="center")
        if focus:
            self._reading = True
            self.show_reader()

    def show_notices(self, document: Document) -> None:
        status = self.query_one("#status", Static)
        if document.notices:
            status.update(Text(f"{document.title}: " + "; ".join(document.notices), style="italic"))
        else:
            status.update("")

    @on(Reader.CaretMoved)
    def _caret_moved(self, event: Reader.CaretMoved) -> None:
        reader = self.query_one(Reader)
        self.query_one(TitleBar).progress = reader.progress
        self.query_one(Outline).mark_section(event.offset)
        if reader.has_focus:
            self._reading = True
            if self._save_timer is not None:
                self._save_timer.stop()
            self._save_timer = self.set_timer(POSITION_SAVE_DELAY, self.save_position)

    def save_position(self) -> None:
        """Store where the user is in the open document (a text offset, not a row)."""
        if self.document is None or not self._reading:
            return
        reader = self.query_one(Reader)
        self.aiwatch.save_position(self.document.key, reader.caret, reader.progress)

    def leave_document(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self.save_position()

    @on(Outline.Jump)
    def _jump(self, event: Outline.Jump) -> None:
        self.query_one(Reader).move_caret(event.offset, align="top")
        self._reading = True
        self._close_outline()

    @on(Outline.Closed)
    def _outline_closed(self) -> None:
        self._close_outline()

    def key_escape(self) -> None:
        # Reached only when nothing focused used Esc (e.g. no selection to clear).
        if self.query_one(Reader).has_focus and self.has_class("-narrow"):
            self.show_list()
