"""The main screen: the document list beside (or, when narrow, instead of) the reading pane.

State flows down: the screen is given the store, the catalog and the annotations when it is
made, and the App tells it what changed through three reactives it binds to its own
(`library`, `annotations_changed`, `target`: see aiwatch_tui.ui.state). The screen reads and
writes what it shows itself (positions, highlights, its list's rows) and asks the App for
nothing.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import Reactive, var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from aiwatch_tui.core.annotations import Annotations, Change
from aiwatch_tui.core.config import Settings
from aiwatch_tui.core.find.in_document import find_shown, nearest_at_or_after
from aiwatch_tui.core.library.catalog import Catalog, Problem
from aiwatch_tui.core.library.listing import listed
from aiwatch_tui.core.model import (
    HIGHLIGHT_COLORS,
    AnchorStatus,
    Blocks,
    Document,
    DocumentInfo,
    Highlight,
    Inlines,
    Span,
)
from aiwatch_tui.core.operations.library import document_rows
from aiwatch_tui.core.store import Store, StoreError
from aiwatch_tui.core.text.sanitize import sanitize
from aiwatch_tui.core.text.shown_document import ShownDocument
from aiwatch_tui.ui.keys import keyed
from aiwatch_tui.ui.state import ALL, AnnotationsChanged, LibraryState, ListScope, ReadingTarget
from aiwatch_tui.ui.undo_messages import done_message, history_message
from aiwatch_tui.ui.widgets.document_list import DocumentList, ListEntry
from aiwatch_tui.ui.widgets.key_footer import KeyFooter
from aiwatch_tui.ui.widgets.reader import HighlightMark, Reader
from aiwatch_tui.ui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from textual.timer import Timer

    from aiwatch_tui.ui.screens.note_editor import NoteEditor
    from aiwatch_tui.ui.widgets.find_bar import FindBar
    from aiwatch_tui.ui.widgets.outline import Outline

# At this width and below the list and the reader are shown one at a time.
NARROW_WIDTH = 80
# The Footer's first keys in the reader (the rest follow in their own order), without and
# with a selection.
FOOTER_READING = (
    "reader.toggle_selection",
    "main.highlight",
    "main.note",
    "main.find",
    "main.toggle_outline",
    "main.switch_pane",
)
FOOTER_SELECTING = ("main.highlight", "main.note", "reader.clear_selection")
# Save the reading position this long after the caret stops moving, so a killed
# process or dropped SSH link loses at most this much.
POSITION_SAVE_DELAY = 2.0


class MainScreen(Screen[None]):
    # The list has focus from the first frame (rather than being given it after).
    AUTO_FOCUS = "#documents"
    # Textual repaints the whole screen when focus moves, though the widgets gaining and
    # losing it redraw themselves (their styles change): over a slow link that is a screen
    # sent again (about 7 KB at 100x30) for each tab.
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    # Set by the App (bound to its own reactives of the same names).
    library: var[LibraryState] = var(LibraryState(), init=False)
    annotations_changed: var[AnnotationsChanged] = var(AnnotationsChanged(), init=False)
    target: var[ReadingTarget | None] = var(None, init=False)
    scope: var[ListScope] = var(ALL, init=False)
    activity: var[str] = var("", init=False)
    BINDINGS = keyed(
        "main",
        [
            Binding(
                "tab",
                "switch_pane",
                "List/Reader",
                tooltip="Switch between the list and the reader",
            ),
            Binding(
                "o", "toggle_outline", "Outline", tooltip="The document's headings (enter jumps)"
            ),
            # Annotation keys: active while the reader has focus (see check_action).
            Binding("enter", "highlight", "Highlight", tooltip="Highlight the selection (yellow)"),
            *[
                Binding(
                    str(n),
                    f"color({n - 1})",
                    f"Highlight {HIGHLIGHT_COLORS[n - 1]}",
                    show=False,
                    id=f"color_{HIGHLIGHT_COLORS[n - 1]}",
                )
                for n in range(1, len(HIGHLIGHT_COLORS) + 1)
            ],
            Binding(
                "a",
                "note",
                "Note",
                tooltip="Note the highlight under the caret (a selection: highlight it first)",
            ),
            Binding("A", "document_note", "The note of the whole document", show=False),
            Binding("x", "delete_highlight", "Delete the highlight under the caret", show=False),
            Binding("y", "copy", "Copy the selection or highlight (OSC 52)", show=False),
            Binding("u", "undo", "Undo", show=False),
            Binding("ctrl+r", "redo", "Redo", show=False),
            Binding("right_square_bracket", "next_highlight", "Next highlight", show=False),
            Binding("left_square_bracket", "previous_highlight", "Previous highlight", show=False),
            # newsboat's J and K: the next or previous document of the list, without going back.
            Binding("J", "step_document(1)", "Next document", show=False, id="next_document"),
            Binding(
                "K", "step_document(-1)", "Previous document", show=False, id="previous_document"
            ),
            Binding("slash", "find", "Find", tooltip="Find in the document"),
            Binding("n", "find_step(True)", "Next match", show=False, id="find_next"),
            Binding("N", "find_step(False)", "Previous match", show=False, id="find_previous"),
            # A binding, not a key handler: the focused widget's own Esc (clearing a
            # selection, a filter) is then tried first and, when it applies, this one does
            # not also run.
            Binding(
                "escape", "back", "Back: clear find, stop re-attaching, to the list", show=False
            ),
        ],
    )
    READER_ACTIONS = frozenset(
        {
            "highlight",
            "color",
            "note",
            "document_note",
            "delete_highlight",
            "undo",
            "redo",
            "next_highlight",
            "previous_highlight",
            "copy",
            "step_document",
        }
    )

    def __init__(
        self,
        *,
        store: Store,
        catalog: Catalog,
        annotations: Annotations,
        open_key: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        """`open_key`: the document the command line named, opened at once."""
        super().__init__()
        self.settings = settings if settings is not None else Settings()
        # Which documents the list shows and in what order: the settings file's, until a
        # palette command changes them for the session.
        self.view = self.settings.default_view
        self.sort = self.settings.default_sort
        self._key_labels: dict[str, str] = {}  # binding id -> its key, as the status line says
        self.store = store
        self.catalog = catalog
        self.annotations = annotations
        self.open_key = open_key
        self._filled = False  # the list has had its first fill (and choice of document)
        self._listed_scope: ListScope | None = None  # the scope the list was last filled for
        self.document: Document | None = None
        # The reader's caret and progress at its last move: saved when the screen closes.
        self._last_place: tuple[int, float] | None = None
        self._reading = False  # the user has moved in the current document
        self._save_timer: Timer | None = None
        self._status_text: Text | None = None  # what the status line shows
        self.highlights: dict[str, Highlight] = {}  # the open document's, by id
        self._reattaching: Highlight | None = None
        self._matches: list[Span] = []  # find-in-document results in the open document
        self._match_index: int | None = None
        self._matches_capped = False  # more matches exist than were collected
        self._find_origin = 0  # where the caret was when the find bar opened
        # The open document as the reader shows it, for find (made when find opens).
        self._shown: tuple[tuple[int, bool], ShownDocument] | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar(id="title-bar")
        with Horizontal(id="panes"):
            yield DocumentList(id="list-pane")
            with Horizontal(id="reader-pane"):
                # The find bar and the outline are mounted when first asked for: fewer
                # widgets to build before the first paint.
                with Vertical(id="reader-column"):
                    reader = Reader(id="reader")
                    reader.reading_width = self.settings.reading_width
                    yield reader
        status = Static(id="status")
        status.display = False  # shown by set_status when there is something to say
        yield status
        # In the first layout, so that its arrival does not lay the screen out again and
        # send it whole a second time (about 7 KB at 100x30).
        yield KeyFooter()

    def on_mount(self) -> None:
        self.on_resize()
        if self.open_key is not None:
            self.open_document(self.open_key, focus=True)
        # The Footer lists keys when told the bindings changed: focus (AUTO_FOCUS) tells it
        # before the first frame. Told again after it, in case the focus came first; the
        # same keys rebuild nothing (see KeyFooter).
        self.call_after_refresh(self.refresh_bindings)

    # -- layout -----------------------------------------------------------------------------

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The keys live now, those that matter most now first: the Footer lists them in
        this order, and at 80 columns only the first few fit."""
        bindings = super().active_bindings
        reader = self.query_one(Reader)
        if not reader.has_focus:
            return bindings
        first = FOOTER_SELECTING if reader.selection is not None else FOOTER_READING
        rank = {name: index for index, name in enumerate(first)}
        ordered = sorted(
            bindings.items(), key=lambda item: rank.get(item[1].binding.id or "", len(rank))
        )
        return dict(ordered)

    def on_resize(self) -> None:
        self.set_class(self.size.width <= NARROW_WIDTH, "-narrow")

    def show_reader(self) -> None:
        self.add_class("-reading")
        if self.has_class("-outline") and self.has_class("-narrow"):
            self._close_outline()  # in its place: the text
        self.query_one(Reader).focus()

    def show_list(self) -> None:
        self.remove_class("-reading")
        self.query_one(DocumentList).focus_list()

    # The outline and the find bar are imported and mounted when first asked for: fewer
    # modules and widgets to build before the first paint. Their messages are therefore
    # handled by name (on_outline_jump...), not with @on, which needs the class.

    def _outline(self) -> Outline | None:
        if not self.query("#outline"):  # not mounted yet: no need to import it to know
            return None
        from aiwatch_tui.ui.widgets.outline import Outline

        return next(iter(self.query(Outline)), None)

    def _find_bar(self) -> FindBar | None:
        if not self.query("#find-bar"):  # not mounted yet: no need to import it to know
            return None
        from aiwatch_tui.ui.widgets.find_bar import FindBar

        return next(iter(self.query(FindBar)), None)

    def action_switch_pane(self) -> None:
        reader = self.query_one(Reader)
        outline = self._outline()
        if reader.has_focus or (outline is not None and outline.has_focus):
            self.show_list()
            return
        # To the reader with the document the list cursor is on (side by side it is already
        # previewed; one pane at a time, nothing has opened it yet).
        key = self.query_one(DocumentList).highlighted_key
        if key is not None and (self.document is None or self.document.key != key):
            self.open_document(key, focus=True)
        elif self.document is not None:
            self.show_reader()

    async def action_toggle_outline(self) -> None:
        outline = self._outline()
        if self.document is not None and not self.document.headings:
            if outline is not None and outline.display:
                self._close_outline()
            self.set_status(Text("This document has no headings: there is no outline to show."))
            return
        if outline is None:
            from aiwatch_tui.ui.widgets.outline import Outline

            outline = Outline(id="outline")
            await self.query_one("#reader-pane").mount(outline)
            outline.show_document(self.document)
        if outline.display and outline.has_focus:
            self._close_outline()
            return
        outline.display = True
        # One pane at a time: the outline in place of the text (at 80 columns, beside it,
        # it would leave the text about 45 columns).
        self.add_class("-reading", "-outline")
        outline.mark_section(self.query_one(Reader).caret)
        outline.focus()

    def _close_outline(self) -> None:
        outline = self._outline()
        self.remove_class("-outline")
        if outline is not None:
            outline.display = False
        self.query_one(Reader).focus()

    # -- the list ---------------------------------------------------------------------------

    def watch_library(self, state: LibraryState) -> None:
        """The App read its library anew: show it; the first time, also choose, preview and
        focus a document."""
        if state.generation == 0:
            return
        first = not self._filled or (state.reason == "read" and self.document is None)
        self._show_library(first=first)
        if state.stale:
            self.reload_if_changed(set(state.stale))

    def _entries(self, infos: list[DocumentInfo], *, scoped: bool = True) -> list[ListEntry]:
        """The list's rows: in its scope (all, web, local, a feed), then its view (all,
        unread, reading, annotated), in its sort's order."""
        rows = document_rows(self.store, infos)
        if not scoped:
            return rows
        self._listed_scope = self.scope
        rows = [row for row in rows if self.scope.admits(row)]
        read = self.store.read_times() if (self.view, self.sort) != ("all", "library") else {}
        return listed(rows, self.view, self.sort, read)

    def watch_scope(self, scope: ListScope) -> None:
        self.query_one(TitleBar).scope = scope.label
        # (Binding the app's scope calls this once at start, with the scope just shown.)
        if self._filled and scope != self._listed_scope:
            self._show_library(first=False)

    def watch_activity(self, activity: str) -> None:
        self.query_one(TitleBar).activity = activity

    def show_listing(self, *, view: str | None = None, sort: str | None = None) -> None:
        """Show the list with another view or sort (the palette's List and Sort commands)."""
        from aiwatch_tui.core.library.listing import SORT_DESCRIPTIONS, VIEW_DESCRIPTIONS

        self.view = view or self.view
        self.sort = sort or self.sort
        infos = self.catalog.infos()
        entries = self._entries(infos)
        self.query_one(DocumentList).set_entries(entries)
        self.set_status(
            Text(
                f"The list: {VIEW_DESCRIPTIONS[self.view]} ({len(entries)} of {len(infos)}), "
                f"{SORT_DESCRIPTIONS[self.sort]}."
            )
        )

    def _show_library(self, *, first: bool) -> None:
        """Fill the list; the first time also choose, preview and focus a document."""
        infos = self.catalog.infos()
        documents = self.query_one(DocumentList)
        if not first:
            documents.set_entries(self._entries(infos))  # keeps the list cursor
            return
        self._filled = True
        entries = self._entries(infos)
        keys = [entry.info.key for entry in entries]
        select = self.open_key
        resumed = False
        if select is None:
            last = self.store.last_read()
            resumed = self.settings.resume and last in keys
            select = last if last in keys else (keys[0] if keys else None)
        documents.set_entries(entries, select=select)
        if self.open_key is None:
            if resumed and select is not None:
                self.open_document(select, focus=True)  # where it was left (resume = true)
                return
            self.show_list()
            if select is not None and not self.has_class("-narrow"):
                self.open_document(select, focus=False)

    def refresh_entry(self, key: str) -> None:
        """Show the document's progress and counts as they are now."""
        info = self.catalog.info(key)
        if info is not None:
            self.query_one(DocumentList).update_entry(self._entries([info], scoped=False)[0])

    def watch_annotations_changed(self, change: AnnotationsChanged) -> None:
        if change.serial == 0:
            return
        if change.doc_key is None:  # another aiwatch: anything may have changed
            self.query_one(DocumentList).set_entries(self._entries(self.catalog.infos()))
            self.refresh_highlights()
            return
        self.refresh_entry(change.doc_key)
        if self.document is not None and self.document.key == change.doc_key:
            self.refresh_highlights()

    def watch_target(self, target: ReadingTarget | None) -> None:
        if target is None:
            return
        if target.highlight_id is not None:
            self.go_to_highlight(target.key, target.highlight_id, target.offset or 0)
        else:
            self.open_document(target.key, focus=True, caret=target.offset)

    @on(DocumentList.Highlighted)
    def _preview(self, event: DocumentList.Highlighted) -> None:
        # Side by side, the reader previews whatever the list cursor is on.
        if not self.has_class("-narrow") and (
            self.document is None or self.document.key != event.key
        ):
            self.open_document(event.key, focus=False)

    @on(DocumentList.Opened)
    def _opened(self, event: DocumentList.Opened) -> None:
        self.open_document(event.key, focus=True)

    # -- the reader -------------------------------------------------------------------------

    def open_document(self, key: str, *, focus: bool = True, caret: int | None = None) -> None:
        """Show `key` in the reader, at its saved position unless `caret` is given."""
        if self.document is None or self.document.key != key:
            self.leave_document()
            result = self.catalog.load(key)
            if isinstance(result, Problem):
                self.notify(result.message, severity="error", markup=False)
                return
            self.document = result
            self._last_place = None  # until the reader says where it put the caret
            saved = self.store.position(key)
            start = caret if caret is not None else (saved or 0)
            self.query_one(Reader).load(result, caret=min(start, len(result.text)))
            self._reattaching = None
            self._clear_find()
            self.refresh_highlights()
            if (outline := self._outline()) is not None:
                outline.show_document(result)
            self.query_one(TitleBar).document_title = result.title
            self.query_one(DocumentList).select(key)
            self._reading = False
            self.show_notices(result)
        elif caret is not None:
            self.query_one(Reader).move_caret(caret, align="center")
        if focus:
            self._reading = True
            self.show_reader()

    def reload_if_changed(self, stale: set[str]) -> None:
        """The open document's file changed or vanished: show it anew, caret at the same offset."""
        if self.document is None or self.document.key not in stale:
            return
        key, caret = self.document.key, self.query_one(Reader).caret
        focused = self.query_one(Reader).has_focus
        self.leave_document()
        self.document = None
        self.open_document(key, focus=focused, caret=caret)

    def show_notices(self, document: Document) -> None:
        if document.notices:
            self.set_status(
                Text(f"{document.title}: " + "; ".join(document.notices), style="italic")
            )
        else:
            self.set_status(None)

    def set_status(self, text: Text | None) -> None:
        # Asked on every caret move: an unchanged line is not updated (an update lays the
        # screen out again).
        if text == self._status_text:
            return
        self._status_text = text
        status = self.query_one("#status", Static)
        status.update(text or "")
        status.display = text is not None

    @on(Reader.CaretMoved)
    def _caret_moved(self, event: Reader.CaretMoved) -> None:
        reader = self.query_one(Reader)
        self.query_one(TitleBar).progress = reader.progress
        self._last_place = (reader.caret, reader.progress)
        if (outline := self._outline()) is not None:
            outline.mark_section(event.offset)
        self._show_highlight_status(event.offset)
        if reader.has_focus:
            self._reading = True
            if self._save_timer is not None:
                self._save_timer.stop()
            self._save_timer = self.set_timer(POSITION_SAVE_DELAY, self.save_position)

    def save_position(self) -> None:
        """Store where the user is in the open document (a text offset, not a row)."""
        if self.document is None or not self._reading or self.store.read_only:
            return  # (read-only: said once at start-up, not again at every move of the caret)
        reader = next(iter(self.query(Reader)), None)
        # Once the screen is closing its reader is gone: where it last was is kept for that.
        place = (reader.caret, reader.progress) if reader is not None else self._last_place
        if place is None:
            return
        key = self.document.key
        try:
            self.store.save_position(key, *place)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if reader is not None:  # (closing: no list left to show it)
            self.refresh_entry(key)

    def on_screen_suspend(self, event: events.ScreenSuspend) -> None:
        # Another screen covers this one (the annotations, a search, a note...): where the user
        # was is saved now, not when a timer would have.
        self.leave_document()

    def on_unmount(self) -> None:
        # Quitting, or the terminal went away (SIGHUP): the position is saved before the App
        # closes the store.
        self.leave_document()

    def leave_document(self) -> None:
        if self._save_timer is not None:
            self._save_timer.stop()
            self._save_timer = None
        self.save_position()

    def on_outline_jump(self, event: Outline.Jump) -> None:
        self.query_one(Reader).move_caret(event.offset, align="top")
        self._reading = True
        self._close_outline()

    def on_outline_closed(self) -> None:
        self._close_outline()

    def action_back(self) -> None:
        """Esc, when nothing focused used it: stop re-attaching, or clear the find matches,
        or (one pane at a time) go back from the reader to the list."""
        if self.cancel_reattach():
            return
        if self._matches:
            self._clear_find()
            return
        if self.query_one(Reader).has_focus and self.has_class("-narrow"):
            self.show_list()

    # -- annotations ------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "find_step":
            # Only while matches are shown; otherwise `n` falls through to the app (annotations).
            return bool(self._matches) and self.query_one(Reader).has_focus
        if action in self.READER_ACTIONS:
            return self.document is not None and self.query_one(Reader).has_focus
        if action == "find":
            # From the reader or its outline. (In the list `/` is the list's filter, in a
            # box it is text: the Footer shows Find only where `/` finds.)
            outline = self._outline()
            in_document = self.query_one(Reader).has_focus or (
                outline is not None and outline.has_focus
            )
            return self.document is not None and in_document
        if action == "back":
            # Otherwise Esc keeps its meaning further up.
            return bool(
                self._reattaching is not None
                or self._matches
                or (self.query_one(Reader).has_focus and self.has_class("-narrow"))
            )
        return True

    def refresh_highlights(self) -> None:
        """Re-read the open document's highlights from the store and draw them."""
        reader = self.query_one(Reader)
        if self.document is None:
            self.highlights = {}
            reader.set_highlights([])
            return
        try:
            found = self.annotations.for_document(self.document)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.highlights = {h.id: h for h in found}
        reader.set_highlights(
            [
                HighlightMark(h.id, h.start, h.end, h.color, bool(h.note.strip()))
                for h in found
                if h.status is not AnchorStatus.ORPHANED
            ]
        )
        self._show_highlight_status(reader.caret)

    def _highlight_under_caret(self) -> Highlight | None:
        mark = self.query_one(Reader).highlight_at(self.query_one(Reader).caret)
        return self.highlights.get(mark.id) if mark is not None else None

    def _show_highlight_status(self, offset: int) -> None:
        selection = self.query_one(Reader).selection
        if selection is not None and self._reattaching is None and self.document is not None:
            self.set_status(self._selection_status(self.document.text[selection[0] : selection[1]]))
            return
        if self._reattaching is not None:
            quote = sanitize(" ".join(self._reattaching.exact.split())[:60])
            line = Text(
                f"Re-attaching “{quote}”: select the passage (v and moves), "
                "Enter attaches, Esc cancels",
                style="bold",
            )
            earlier = self._earlier_passage(self._reattaching)
            if earlier is not None:
                # A web article the publisher changed: the passage as it was when highlighted.
                when, passage = earlier
                line.append(f" · made on the text of {when}: ", style="dim")
                line.append(sanitize(passage), style="italic")
            self.set_status(line)
            return
        mark = self.query_one(Reader).highlight_at(offset)
        highlight = self.highlights.get(mark.id) if mark is not None else None
        if highlight is None:
            if self.document is not None:
                self.show_notices(self.document)
            return
        line = Text()
        line.append(f"● {highlight.color}", style="bold")
        if highlight.status is not AnchorStatus.ANCHORED:
            line.append(f" · {highlight.status.value}")
        line.append(" · ")
        # A note may come from an import: control characters become visible symbols.
        note = sanitize(highlight.note).strip()
        if note:
            first = note.splitlines()[0]
            line.append("✎ " + first + (" …" if "\n" in note else ""))
        else:
            line.append("no note (a adds one)", style="dim")
        self.set_status(line)

    def _earlier_passage(self, highlight: Highlight) -> tuple[str, str] | None:
        from aiwatch_tui.core.operations.feeds import earlier_passage

        try:
            return earlier_passage(self.store, highlight)
        except StoreError:
            return None

    def _selection_status(self, selected: str) -> Text:
        """How much is selected and what the keys do with it."""
        words = len(selected.split())
        size = f"{len(selected):,} character{'s' if len(selected) != 1 else ''}"
        size += f", {words:,} word{'s' if words != 1 else ''}" if words > 1 else ""
        line = Text()
        line.append(f"Selected {size}:", style="bold")
        for name, does in (
            ("main.highlight", "highlight"),
            ("main.color_yellow", "colour"),
            ("main.note", "note"),
            ("main.copy", "copy"),
            ("reader.clear_selection", "cancel"),
        ):
            key = self._key_label(name)
            if key:
                shown = f"{key}–{self._key_label('main.color_purple')}" if "color" in name else key
                part = f"{' ·' if does != 'highlight' else ''} {shown} {does}"
                # One row: what does not fit goes (the Footer shows copy and cancel too).
                if does in ("copy", "cancel") and line.cell_len + len(part) > self.size.width - 2:
                    break
                line.append(part)
        return line

    def _key_label(self, name: str) -> str:
        """The key of the binding `name` as the Footer shows it (the settings file may have
        changed it); "" when it has none."""
        if name not in self._key_labels:
            from aiwatch_tui.ui.keys import key_label

            keys = [
                key for key, active in self.active_bindings.items() if active.binding.id == name
            ]
            label = key_label(keys[0]) if keys else ""
            self._key_labels[name] = {"enter": "⏎", "esc": "esc"}.get(label, label)
        return self._key_labels[name]

    @on(Reader.SelectionChanged)
    def _selection_changed(self, event: Reader.SelectionChanged) -> None:
        self._show_highlight_status(self.query_one(Reader).caret)

    def _write(self, work: Callable[[], object]) -> bool:
        """Run a store write; a failure is shown, never raised into the event loop."""
        try:
            work()
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False, timeout=10)
            return False
        return True

    def _change(self, work: Callable[[], Change | None]) -> bool:
        """Make a change to the annotations and say what it did and that `u` undoes it (a
        change that changed nothing says nothing). False when the store refused it."""
        done: list[Change | None] = []
        if not self._write(lambda: done.append(work())):
            return False
        if done and done[0] is not None:
            self.notify(done_message(done[0]), markup=False)
        return True

    def _after_change(self) -> None:
        self.refresh_highlights()
        if self.document is not None:
            self.refresh_entry(self.document.key)

    def _create_from_selection(self, color: str) -> Highlight | None:
        reader = self.query_one(Reader)
        span = reader.selection
        document = self.document
        if span is None or document is None:
            return None
        created: list[Highlight | None] = []
        if not self._write(
            lambda: created.append(self.annotations.create(document, span.start, span.end, color))
        ):
            return None
        reader.clear_selection()
        self._after_change()
        return created[0] if created else None

    def action_highlight(self) -> None:
        reader = self.query_one(Reader)
        document = self.document
        if self._reattaching is not None and reader.selection is not None and document:
            orphan, span = self._reattaching, reader.selection
            self._reattaching = None
            if self._change(
                lambda: self.annotations.reattach(orphan, document, span.start, span.end)
            ):
                reader.clear_selection()
                self._after_change()
            return
        if reader.selection is None:
            self.notify(
                "Nothing selected: v starts a selection, s a sentence, S a paragraph.",
                severity="warning",
            )
            return
        self._create_from_selection(HIGHLIGHT_COLORS[0])

    def action_color(self, index: int) -> None:
        color = HIGHLIGHT_COLORS[index]
        if self.query_one(Reader).selection is not None:
            self._create_from_selection(color)
            return
        highlight = self._highlight_under_caret()
        if highlight is None:
            self.notify("No highlight here: select text first (v, s or S).", severity="warning")
            return
        if self._change(lambda: self.annotations.recolor(highlight, color)):
            self._after_change()

    def action_note(self) -> None:
        if self.query_one(Reader).selection is not None:
            highlight = self._create_from_selection(HIGHLIGHT_COLORS[0])
        else:
            highlight = self._highlight_under_caret()
        if highlight is None:
            self.notify(
                "No highlight here: select text and press a to note it.", severity="warning"
            )
            return
        self.edit_highlight_note(highlight)

    def edit_highlight_note(self, highlight: Highlight) -> None:
        store = self.store
        target = f"highlight:{highlight.id}"

        def save(text: str) -> bool:
            current = store.highlight(highlight.id) or highlight
            if not self._change(lambda: self.annotations.set_note(current, text)):
                return False
            self._write(lambda: store.discard_draft(target))
            self._after_change()
            return True

        self.app.push_screen(self._editor("Note", highlight.note, highlight.exact, target, save))

    def action_document_note(self) -> None:
        if self.document is None:
            return
        key = self.document.key
        store = self.store
        target = f"document:{key}"

        def save(text: str) -> bool:
            if not self._change(lambda: self.annotations.set_document_note(key, text)):
                return False
            self._write(lambda: store.discard_draft(target))
            self.refresh_entry(key)
            return True

        title = f"Note on {self.document.title}"
        self.app.push_screen(self._editor(title, store.document_note(key), "", target, save))

    def _editor(
        self, title: str, text: str, quote: str, target: str, save: Callable[[str], bool]
    ) -> NoteEditor:
        from aiwatch_tui.ui.screens.note_editor import NoteEditor  # not needed for first paint

        store = self.store
        return NoteEditor(
            title=title,
            text=text,
            quote=quote,
            draft=store.draft(target),
            save_draft=lambda draft: self._write(lambda: store.save_draft(target, draft)),
            discard_draft=lambda: self._write(lambda: store.discard_draft(target)),
            on_save=save,
        )

    def action_copy(self) -> None:
        """y: the selection, else the highlight under the caret, to the clipboard."""
        reader = self.query_one(Reader)
        document = self.document
        span = reader.selection
        if span is None:
            mark = reader.highlight_at(reader.caret)
            span = Span(mark.start, mark.end) if mark is not None else None
        if span is None or document is None:
            self.notify(
                "Nothing to copy: select text (v, s, S) or put the caret in a highlight.",
                severity="warning",
            )
            return
        from aiwatch_tui.ui.clipboard import to_copy

        where = "the settings file (aiwatch config)"
        copy = to_copy(
            document.text[span.start : span.end], self.settings.clipboard, os.environ, where
        )
        if copy.text is None:
            self.notify(copy.message, severity="warning", markup=False)
            return
        self.app.copy_to_clipboard(copy.text)
        self.notify(copy.message, markup=False)

    @on(Reader.LinkWanted)
    def _open_link(self, event: Reader.LinkWanted) -> None:
        """gx: the link under the caret to $BROWSER, or shown in the status line."""
        from aiwatch_tui.ui.links import open_link, text_browser_command

        if event.url is None:
            self.notify("No link under the caret.", severity="warning")
            return
        command = text_browser_command(event.url)
        said = open_link(event.url) if command is None else self._browse_here(command, event.url)
        self.set_status(Text(said))

    def _browse_here(self, command: list[str], url: str) -> str:
        """Run a text browser in the terminal, aiwatch suspended until it quits."""
        import subprocess
        from pathlib import Path

        from textual.app import SuspendNotSupported

        from aiwatch_tui.core.files import describe_os_error

        name, shown = sanitize(Path(command[0]).name), sanitize(url)
        try:
            with self.app.suspend():
                subprocess.run(command, check=False)
        except SuspendNotSupported:  # a web page (aiwatch serve) has no terminal to lend
            return f"Link: {shown}   ({name} needs a terminal: nothing was opened)"
        except OSError as error:
            return f"$BROWSER ({name}) did not start: {describe_os_error(error)}. Link: {shown}"
        return f"Back from {name}: {shown}"

    def action_delete_highlight(self) -> None:
        highlight = self._highlight_under_caret()
        if highlight is None:
            self.notify("No highlight under the caret.", severity="warning")
            return
        if self._change(lambda: self.annotations.delete(highlight)):
            self._after_change()

    def action_undo(self) -> None:
        self._history_step(undo=True)

    def action_redo(self) -> None:
        self._history_step(undo=False)

    def _history_step(self, *, undo: bool) -> None:
        annotations = self.annotations
        done: list[Change | None] = []
        if not self._write(lambda: done.append(annotations.undo() if undo else annotations.redo())):
            return
        change = done[0] if done else None
        if change is not None:
            self.show_change(change)
        self.notify(history_message(change, undo=undo), markup=False)

    def show_change(self, change: Change) -> None:
        """After an undo/redo: show the document it touched, with the caret on the highlight."""
        highlight = change.highlight
        key = change.doc
        if self.document is None or self.document.key != key:
            self.open_document(key, focus=True, caret=highlight.start if highlight else None)
        elif highlight is not None:
            self.query_one(Reader).move_caret(highlight.start, align="nearest")
        self._after_change()
        self.refresh_entry(key)

    def _jump_highlight(self, forward: bool) -> None:
        reader = self.query_one(Reader)
        placed = sorted(
            h.start for h in self.highlights.values() if h.status is not AnchorStatus.ORPHANED
        )
        caret = reader.caret
        targets = [s for s in placed if s > caret] if forward else [s for s in placed if s < caret]
        if not targets:
            self.notify("No further highlight." if forward else "No earlier highlight.")
            return
        reader.move_caret(targets[0] if forward else targets[-1], align="center")

    def action_next_highlight(self) -> None:
        self._jump_highlight(True)

    def action_previous_highlight(self) -> None:
        self._jump_highlight(False)

    def action_step_document(self, step: int) -> None:
        """J / K: open the document after (before) the open one in the list as it is shown."""
        rows = self.query_one(DocumentList).options
        keys = [rows.get_option_at_index(i).id for i in range(rows.option_count)]
        here = keys.index(self.document.key) if self.document and self.document.key in keys else -1
        index = here + step if here >= 0 else rows.cursor
        if not 0 <= index < len(keys):
            self.notify(
                "This is the last document of the list."
                if step > 0
                else "This is the first document of the list.",
                markup=False,
            )
            return
        rows.move_cursor(index)
        self.open_document(keys[index], focus=True)

    def go_to_highlight(self, doc_key: str, highlight_id: str | None, offset: int) -> None:
        """Open a document with the caret on a highlight (annotations screen, palette)."""
        self.open_document(doc_key, focus=True, caret=offset)
        highlight = self.highlights.get(highlight_id or "")
        if highlight is not None and highlight.status is AnchorStatus.ORPHANED:
            self._reattaching = highlight
            self._show_highlight_status(self.query_one(Reader).caret)
        elif highlight is not None:
            self.query_one(Reader).move_caret(highlight.start, align="center")

    def cancel_reattach(self) -> bool:
        if self._reattaching is None:
            return False
        self._reattaching = None
        self._show_highlight_status(self.query_one(Reader).caret)
        return True

    # -- find in document -------------------------------------------------------------------

    def _shown_document(self) -> ShownDocument | None:
        """The open document's text as the reader shows it now (as read, or as written)."""
        document = self.document
        if document is None:
            return None
        as_written = self.query_one(Reader).as_written
        key = (id(document), as_written)
        if self._shown is None or self._shown[0] != key:
            shown = (
                ShownDocument(document.text, Blocks(), Inlines())
                if as_written
                else ShownDocument(document.text, document.blocks, document.inlines)
            )
            self._shown = (key, shown)
        return self._shown[1]

    async def action_find(self) -> None:
        self._find_origin = self.query_one(Reader).caret
        self._shown_document()  # made before the first keystroke, not on it
        bar = self._find_bar()
        if bar is None:
            from aiwatch_tui.ui.widgets.find_bar import FindBar

            bar = FindBar(id="find-bar")
            await self.query_one("#reader-column").mount(bar)
        bar.open()

    def on_find_bar_changed(self, event: FindBar.Changed) -> None:
        if self.document is None:
            return
        shown = self._shown_document()
        assert shown is not None
        self._matches, self._matches_capped = find_shown(shown, event.query, self._find_origin)
        self._match_index = nearest_at_or_after(self._matches, self._find_origin)
        self._show_match()

    def _show_match(self) -> None:
        reader = self.query_one(Reader)
        reader.set_matches(self._matches, self._match_index)
        if self._match_index is not None:
            reader.move_caret(self._matches[self._match_index].start, align="center")
        if (bar := self._find_bar()) is not None:
            bar.show_count(self._match_index, len(self._matches), self._matches_capped)

    def on_find_bar_step(self, event: FindBar.Step) -> None:
        self.action_find_step(event.forward)

    def action_find_step(self, forward: bool) -> None:
        if not self._matches:
            return
        current = self._match_index if self._match_index is not None else -1
        self._match_index = (current + (1 if forward else -1)) % len(self._matches)
        self._show_match()

    def on_find_bar_closed(self, event: FindBar.Closed) -> None:
        if (bar := self._find_bar()) is not None:
            bar.close()
        reader = self.query_one(Reader)
        reader.focus()
        if not event.keep or not self._matches:
            reader.move_caret(self._find_origin, align="nearest")
            self._clear_find()

    def _clear_find(self) -> None:
        self._matches = []
        self._matches_capped = False
        self._match_index = None
        self.query_one(Reader).set_matches([], None)
        bar = self._find_bar()
        if bar is not None and bar.is_open:
            bar.close()
