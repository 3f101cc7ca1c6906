"""The annotations screen: every highlight and document note, across all documents.

`/` filters (fuzzy over quote and note), narrowed with tokens in the same box:
`color:green` (`c:`), `status:orphaned` (`s:`), `doc:word` (`d:`, in the title or the file
name). Values are prefixes ("c:pu" is purple, "s:orph" orphaned) and case does not matter.
Tokens AND together with each other and with the fuzzy text, except that several colours (or
several statuses) mean either of them: an annotation has only one. An empty value ("c:"
while typing) is ignored.

The list has the focus, where single letters act (x deletes, a notes, 1-5 recolour, u
undoes); in the filter box every printable key is text. Each change goes through the app's
`Annotations` (one committed write, one step of the session's undo history, shared with the
reader) and is announced with `AnnotationsScreen.Changed`, posted to the app, which shows it
in the list and the reader.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import var
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Input, Static

from aiwatch_tui.core.annotations import Annotations, Change
from aiwatch_tui.core.find.fuzzy import FuzzyIndex
from aiwatch_tui.core.model import HIGHLIGHT_COLORS, Highlight
from aiwatch_tui.core.store import StoreError
from aiwatch_tui.core.text.sanitize import visible
from aiwatch_tui.core.uris import document_note_id
from aiwatch_tui.ui.keys import keyed
from aiwatch_tui.ui.screens.note_editor import NoteEditor
from aiwatch_tui.ui.state import AnnotationsChanged
from aiwatch_tui.ui.undo_messages import done_message, history_message
from aiwatch_tui.ui.widgets.key_footer import KeyFooter
from aiwatch_tui.ui.widgets.row_list import RowFilter, RowList

# A fuzzy filter shows the best matches, not all of them, so typing stays quick.
MAX_FILTERED = 500
# A note shares the first line with the quote: it gets at most this share when both are long.
NOTE_SHARE = 0.4

EMPTY_MESSAGE = "No highlights yet: in the reader, v selects, Enter highlights."
NO_MATCH_MESSAGE = "Nothing matches the filter. Esc clears it."

# The reader's highlight colours, so a swatch here looks like the highlight there.
SWATCH_COLORS: dict[str, str] = {
    "yellow": "#e6c84f",
    "green": "#6cc070",
    "blue": "#5b9cf0",
    "pink": "#f07fb8",
    "purple": "#9a3fb0",
}
_UNKNOWN_SWATCH = "grey50"  # a colour from an import that this version does not know

# Filter tokens: every spelling of each field.
_FIELD_NAMES = {
    "color": "color",
    "colour": "color",
    "c": "color",
    "status": "status",
    "s": "status",
    "doc": "doc",
    "d": "doc",
}

# For the help screen: keys that are not bindings, and the filter syntax.
HELP_ROWS: list[tuple[str, str]] = [
    ("/", "filter: fuzzy over quote and note; enter back to the list"),
    ("color:green c:", "only that colour (prefix; several = either)"),
    ("status:orphaned s:", "anchored, moved, changed or orphaned (prefix)"),
    ("doc:word d:", "documents whose title or file name contains the word"),
    ("↑ ↓ j k g G PgUp PgDn", "move through the list (the arrows also from the filter box)"),
]

RowKind = Literal["highlight", "note"]


@dataclass(frozen=True, slots=True)
class JumpTarget:
    """Where Enter asks the reader to go: a highlight, or (for a document note) a position."""

    doc_key: str
    highlight_id: str | None
    offset: int


@dataclass(frozen=True, slots=True)
class AnnotationRow:
    """One entry of the list: a highlight (with its note) or the note of a whole document."""

    kind: RowKind
    doc_key: str
    doc_title: str
    highlight: Highlight | None = None
    note: str = ""  # the document note's text (a highlight's note is highlight.note)
    # Which of the document's notes: its own (the one `A` edits) is "", others (imported
    # from other tools) have their annotation id.
    note_id: str = ""

    @property
    def id(self) -> str:
        if self.highlight is not None:
            return f"highlight:{self.highlight.id}"
        if self.note_id:
            return f"document:{self.doc_key}#{self.note_id}"
        return f"document:{self.doc_key}"

    @property
    def quote(self) -> str:
        return self.highlight.exact if self.highlight is not None else ""

    @property
    def note_text(self) -> str:
        return self.highlight.note if self.highlight is not None else self.note

    @property
    def color(self) -> str:
        return self.highlight.color if self.highlight is not None else ""

    @property
    def status(self) -> str:
        return str(self.highlight.status) if self.highlight is not None else ""

    @property
    def date(self) -> str:
        return self.highlight.modified[:10] if self.highlight is not None else ""

    @property
    def search_text(self) -> str:
        """What the fuzzy filter searches: the quote, a newline, the note."""
        return f"{self.quote}\n{self.note_text}"


@dataclass(frozen=True, slots=True)
class AnnotationFilter:
    """What the filter box asks for: fuzzy text plus field tokens."""

    fuzzy: str = ""
    colors: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    doc_words: tuple[str, ...] = ()

    @property
    def has_tokens(self) -> bool:
        return bool(self.colors or self.statuses or self.doc_words)

    def admits(self, row: AnnotationRow) -> bool:
        """True when the row passes every token (the fuzzy text is applied separately)."""
        if self.colors and not any(row.color.casefold().startswith(c) for c in self.colors):
            return False
        if self.statuses and not any(row.status.startswith(s) for s in self.statuses):
            return False
        # The title as shown, or the file name (doc:000 finds seeds/000_….txt).
        title = row.doc_title.casefold()
        name = row.doc_key.rstrip("/").rsplit("/", 1)[-1].casefold()
        return all(word in title or word in name for word in self.doc_words)


def parse_filter(text: str) -> AnnotationFilter:
    """Split the filter box's text into field tokens and the fuzzy rest."""
    fuzzy: list[str] = []
    values: dict[str, list[str]] = {"color": [], "status": [], "doc": []}
    for word in text.split():
        name, colon, value = word.partition(":")
        field_name = _FIELD_NAMES.get(name.casefold()) if colon else None
        if field_name is None:
            fuzzy.append(word)
        elif value:
            values[field_name].append(value.casefold())
    return AnnotationFilter(
        fuzzy=" ".join(fuzzy),
        colors=tuple(values["color"]),
        statuses=tuple(values["status"]),
        doc_words=tuple(values["doc"]),
    )


def search_index(rows: Sequence[AnnotationRow]) -> FuzzyIndex:
    return FuzzyIndex([row.search_text for row in rows])


def filter_rows(
    rows: Sequence[AnnotationRow], query: str, index: FuzzyIndex | None = None
) -> list[tuple[AnnotationRow, tuple[int, ...]]]:
    """The rows the query admits, best fuzzy match first, each with its matched positions
    in `row.search_text`. `index`, if given, is `search_index(rows)`, kept between queries."""
    wanted = parse_filter(query)
    if not wanted.has_tokens:
        admitted = list(rows)
    else:
        admitted = [row for row in rows if wanted.admits(row)]
        index = None  # built over fewer rows below
    if not wanted.fuzzy:
        return [(row, ()) for row in admitted]
    if index is None:
        index = search_index(admitted)
    hits = index.search(wanted.fuzzy, MAX_FILTERED)
    return [(admitted[hit.index], hit.positions) for hit in hits]


# --- how a row looks ------------------------------------------------------------------------


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _emphasised(text: str, matched: Iterable[int], width: int) -> Text:
    # Only the start can be shown on one line: a 50,000-character note costs what a short
    # one does. Two characters per cell leaves room for combining marks.
    shown = Text(visible(text[: 2 * width + 2]))
    for index in matched:
        if 0 <= index < len(shown):
            shown.stylize("bold underline", index, index + 1)
    return shown


def _fit(text: Text, width: int) -> Text:
    text.truncate(max(0, width), overflow="ellipsis")
    return text


def _swatch(color: str) -> Text:
    return Text("██", style=SWATCH_COLORS.get(color, _UNKNOWN_SWATCH))


def _split_widths(quote_cells: int, note_cells: int, room: int) -> tuple[int, int]:
    """Cells for the quote and the note when they share `room` on one line."""
    if quote_cells + note_cells <= room:
        return quote_cells, note_cells
    note_width = min(note_cells, max(int(room * NOTE_SHARE), room - quote_cells))
    return room - note_width, note_width


def row_lines(row: AnnotationRow, width: int, matched: Sequence[int] = ()) -> tuple[Text, Text]:
    """The row's two lines, each fitted to `width` cells.

    Line 1: a colour swatch, the quote and the note's first line (after ✎), matched characters
    emphasised. Line 2 (dim): colour name, date, status, document title; the fixed-width fields
    first so they line up from row to row.
    """
    quote_length = len(row.quote) + 1  # positions after the quote's newline are the note's
    note_line = _first_line(row.note_text)
    note_offset = row.note_text.find(note_line) if note_line else 0
    note_matches = [i - quote_length - note_offset for i in matched if i >= quote_length]
    note = _emphasised(note_line, note_matches, width)
    if row.kind == "note":
        first = _fit(Text("✎  ") + Text("Document note: ", style="italic") + note, width)
    else:
        quote = Text("“") + _emphasised(row.quote, matched, width) + Text("”")
        room = max(0, width - 3)
        if note_line:
            room = max(0, room - 3)
            quote_width, note_width = _split_widths(quote.cell_len, note.cell_len, room)
            body = _fit(quote, quote_width) + Text(" ✎ ", style="bold") + _fit(note, note_width)
        else:
            body = _fit(quote, room)
        first = _swatch(row.color) + Text(" ") + body
    facts = f"   {visible(row.color or 'note'):<6}  {row.date:<10}  {row.status or '—':<8}  "
    title = Text(visible(row.doc_title[: 2 * width + 2]), style="italic")
    second = _fit(Text(facts) + title, width)
    second.stylize("dim")
    return first, second


# --- widgets --------------------------------------------------------------------------------


class AnnotationList(RowList["tuple[AnnotationRow, tuple[int, ...]]"]):
    """The rows (each with the filter's matched positions), two lines each; a double-click
    opens."""

    COMPONENT_CLASSES = {"annotation-list--cursor"}
    DEFAULT_CSS = """
    AnnotationList {
        height: 1fr; background: $surface; overflow-x: hidden;
        & > .annotation-list--cursor {
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .annotation-list--cursor {
            background: $block-cursor-background; text-style: $block-cursor-text-style;
        }
    }
    """

    @dataclass
    class Opened(Message):
        """A row was double-clicked."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._generation = 0  # drawn lines are cached per filling of the list
        # Shown on the first line when there are no rows. The list stays (with the focus)
        # when it is empty, so the letter keys keep acting: `u` after deleting the last row.
        self.empty_message = EMPTY_MESSAGE

    @property
    def current(self) -> AnnotationRow | None:
        row = self.current_row
        return row[0] if row is not None else None

    def set_rows(self, rows: Sequence[tuple[AnnotationRow, tuple[int, ...]]], cursor: int) -> None:
        self._generation += 1
        self._strips.clear()
        self.show_rows(rows, cursor)

    def row_clicked(self, index: int, chain: int) -> None:
        self.move_cursor(index)
        if chain >= 2:
            self.post_message(self.Opened())

    def line_key(self, index: int, part: int, width: int, on_cursor: bool) -> Hashable:
        return (self._generation, index, part, on_cursor, self.has_focus, width)

    def empty_text(self) -> Text:
        return Text(" " + self.empty_message, style="dim italic")

    def render_row_line(self, index: int, part: int, width: int, on_cursor: bool) -> Strip:
        row, matched = self._rows[index]
        text = row_lines(row, width, matched)[part]
        base = self.rich_style
        if on_cursor:
            # Under the text's own styles (as the base), so the cursor background shows while
            # the swatch keeps its colour.
            base = base + self.blended_style("annotation-list--cursor", color=False)
        return self.text_strip(text, width, base)


class _FilterInput(RowFilter):
    """The filter box: arrows move the list below; Enter returns to it with the filter kept
    (to act on what it shows), Esc clears the filter and returns to it."""

    def row_list(self) -> AnnotationList:
        return self.screen.query_one(AnnotationList)


# --- the screen -----------------------------------------------------------------------------


class AnnotationsScreen(Screen[JumpTarget | None]):
    """Lists every highlight and document note; dismisses with a JumpTarget or None."""

    DEFAULT_CSS = """
    AnnotationsScreen { layout: vertical; }
    AnnotationsScreen #summary { height: 1; padding: 0 1; background: $panel; color: $text; }
    AnnotationsScreen #filter { border: none; height: 1; padding: 0 1; background: $boost; }
    AnnotationsScreen #filter:focus { background: $boost; }
    AnnotationsScreen #annotations { height: 1fr; border: none; padding: 0; }
    AnnotationsScreen #annotations:focus { border: none; }
    """

    BINDINGS = keyed(
        "annotations",
        [
            Binding("enter", "jump", "Open"),
            Binding("x", "delete", "Delete"),
            Binding("a", "edit_note", "Note"),
            # Five colours would crowd the footer at 80 columns; the help screen lists them.
            *(
                Binding(
                    str(n), f"recolor({n - 1})", f"Colour {color}", show=False, id=f"color_{color}"
                )
                for n, color in enumerate(HIGHLIGHT_COLORS, start=1)
            ),
            Binding("u", "undo", "Undo"),
            Binding("ctrl+r", "redo", "Redo", show=False),
            # Esc clears a filter first (from the list: the box clears its own), then closes.
            Binding("escape", "clear_filter", "Clear the filter (in its box too)", show=False),
            Binding("escape,q,n", "close", "Close"),
        ],
    )

    # Set by the App (bound to its own): a change made elsewhere is shown here too.
    annotations_changed: var[AnnotationsChanged] = var(AnnotationsChanged(), init=False)

    @dataclass
    class Changed(Message):
        """A change made (or undone, or redone) here, already committed to the store and in
        the session's undo history."""

        change: Change

    def __init__(self, annotations: Annotations, titles: Callable[[str], str]) -> None:
        super().__init__()
        self._annotations = annotations
        self._store = annotations.store
        self._titles = titles
        self._rows: list[AnnotationRow] = []
        self._shown: list[tuple[AnnotationRow, tuple[int, ...]]] = []
        self._index: FuzzyIndex | None = None  # over all rows, built on the first search
        self._seen_change: int | None = None  # the last AnnotationsChanged serial seen

    # -- building ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="summary")
        yield _FilterInput(
            idle="/ filter · color:green status:orphaned doc:word",
            typing="type to filter · color:green status:orphaned doc:word · enter: to the list",
            id="filter",
        )
        yield AnnotationList(id="annotations")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.reload()
        self.annotation_list.focus()

    @property
    def annotation_list(self) -> AnnotationList:
        return self.query_one(AnnotationList)

    @property
    def rows(self) -> list[AnnotationRow]:
        """The rows shown, in order."""
        return [row for row, _ in self._shown]

    @property
    def current_row(self) -> AnnotationRow | None:
        return self.annotation_list.current

    def reload(self) -> None:
        """Read everything again from the store (after a change here or in another process),
        keeping the cursor on the same annotation, or at the same place if it is gone."""
        self._reload_at(self.annotation_list.cursor)

    def watch_annotations_changed(self, change: AnnotationsChanged) -> None:
        # The first value is what was already so when this screen was made (read on mount).
        seen, self._seen_change = self._seen_change, change.serial
        # Another aiwatch committed (a change of one document was made here: shown already).
        if seen is not None and change.serial != seen and change.doc_key is None:
            self.reload()

    def _read_rows(self) -> list[AnnotationRow]:
        rows = [
            AnnotationRow("highlight", h.doc_key, self._title(h.doc_key), highlight=h)
            for h in self._store.highlights()
        ]
        for note in self._store.document_notes():
            if note.text.strip():
                other = "" if note.id == document_note_id(note.doc_key) else note.id
                title = self._title(note.doc_key)
                rows.append(
                    AnnotationRow("note", note.doc_key, title, note=note.text, note_id=other)
                )
        # Grouped by document (title order); its note first, then highlights in text order.
        rows.sort(
            key=lambda r: (
                r.doc_title.casefold(),
                r.doc_key,
                r.kind != "note",
                r.highlight.start if r.highlight else 0,
            )
        )
        return rows

    def _title(self, doc_key: str) -> str:
        try:
            return self._titles(doc_key) or doc_key
        except Exception:  # a document that cannot be found still lists its annotations
            return doc_key

    def _current_id(self) -> str | None:
        row = self.current_row
        return row.id if row is not None else None

    def _show(self, keep: str | None = None, index: int | None = None) -> None:
        """Fill the list from `self._rows` and the filter, with the cursor on `keep` if it is
        still shown, else at `index` (clamped), else at the top."""
        query = self.query_one(_FilterInput).value
        if self._index is None and parse_filter(query).fuzzy:
            self._index = search_index(self._rows)
        self._shown = filter_rows(self._rows, query, self._index)
        self._update_summary()
        self.annotation_list.empty_message = NO_MATCH_MESSAGE if self._rows else EMPTY_MESSAGE
        ids = [row.id for row, _ in self._shown]
        cursor = ids.index(keep) if keep in ids else (index or 0)
        self.annotation_list.set_rows(self._shown, cursor)

    def _update_summary(self) -> None:
        highlights = sum(1 for row in self._rows if row.kind == "highlight")
        notes = sum(1 for row in self._rows if row.note_text.strip())
        summary = f"Annotations · {highlights} highlights · {notes} notes"
        if len(self._shown) != len(self._rows):
            summary += f" · {len(self._shown)} shown"
        self.query_one("#summary", Static).update(Text(summary))

    # -- the filter --------------------------------------------------------------------------

    @on(AnnotationList.FilterWanted)
    def _filter_wanted(self, event: AnnotationList.FilterWanted) -> None:
        event.stop()
        self.action_focus_filter()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show(keep=self._current_id())

    def action_focus_filter(self) -> None:
        self.query_one(_FilterInput).focus()

    def action_clear_filter(self) -> None:
        self.query_one(_FilterInput).value = ""

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            # Only with a filter to clear: otherwise Esc closes the screen.
            return bool(self.is_mounted and self.query_one(_FilterInput).value)
        return True

    # -- actions -----------------------------------------------------------------------------

    @on(AnnotationList.Opened)
    def _double_clicked(self, event: AnnotationList.Opened) -> None:
        event.stop()
        self.action_jump()

    def action_jump(self) -> None:
        row = self.current_row
        if row is None:
            return
        if row.highlight is not None:
            self.dismiss(JumpTarget(row.doc_key, row.highlight.id, row.highlight.start))
            return
        try:
            offset = self._store.position(row.doc_key) or 0
        except StoreError:
            offset = 0
        self.dismiss(JumpTarget(row.doc_key, None, offset))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_delete(self) -> None:
        row = self.current_row
        if row is None:
            return
        if row.highlight is None:
            self.notify("A document note is deleted by emptying it: press a.", markup=False)
            return
        highlight = row.highlight
        self._make(lambda: self._annotations.delete(highlight), gone=highlight)

    def action_recolor(self, color_index: int) -> None:
        row = self.current_row
        if row is None or row.highlight is None:
            if row is not None:
                self.notify("A document note has no colour.", markup=False)
            return
        color = HIGHLIGHT_COLORS[color_index]
        self._change_highlight(row.highlight.id, lambda h: self._annotations.recolor(h, color))

    def action_edit_note(self) -> None:
        row = self.current_row
        if row is None:
            return
        if row.highlight is None:
            self._edit_document_note(row)
            return
        try:  # the note as stored now: another process may have edited it meanwhile
            highlight = self._store.highlight(row.highlight.id) or row.highlight
        except StoreError:
            highlight = row.highlight
        self._edit_highlight_note(highlight)

    # -- changes -----------------------------------------------------------------------------

    def _change_highlight(
        self, highlight_id: str, change: Callable[[Highlight], Change | None]
    ) -> bool:
        """Apply `change` to the highlight as stored now (another aiwatch may have edited it
        meanwhile); False when the store refused the write."""
        try:
            current = self._store.highlight(highlight_id)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return False
        if current is None:
            self.notify("That highlight was deleted elsewhere.", markup=False)
            self._reload_at(self.annotation_list.cursor)
            return True
        return self._make(lambda: change(current))

    def _make(self, work: Callable[[], Change | None], gone: Highlight | None = None) -> bool:
        """Make a change through the session's `Annotations` (one committed write, one undo
        step), say what it did and that `u` undoes it, and show it here and in the app.
        False when the store refused it. `gone`: the highlight this deletes, if it is
        already gone there is nothing to undo."""
        index = self.annotation_list.cursor
        try:
            change = work()
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return False
        if change is not None:
            self.notify(done_message(change), markup=False)
            self._announce(change)
        elif gone is not None:
            self.notify("That highlight was deleted elsewhere.", markup=False)
        self._reload_at(index)
        return True

    def action_undo(self) -> None:
        self._history_step(undo=True)

    def action_redo(self) -> None:
        self._history_step(undo=False)

    def _history_step(self, *, undo: bool) -> None:
        """Undo (or redo) the session's last change, wherever it was made; the cursor goes
        to the annotation it touched."""
        annotations = self._annotations
        try:
            change = annotations.undo() if undo else annotations.redo()
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self.notify(history_message(change, undo=undo), markup=False)
        if change is None:
            return
        self._announce(change)
        highlight = change.highlight
        keep = f"highlight:{highlight.id}" if highlight is not None else f"document:{change.doc}"
        self._reload_at(self.annotation_list.cursor, keep=keep)

    def _edit_highlight_note(self, highlight: Highlight) -> None:
        target = f"highlight:{highlight.id}"
        notes = self._annotations

        def save(text: str) -> bool:
            if not self._change_highlight(highlight.id, lambda h: notes.set_note(h, text)):
                return False  # the editor stays open with the text
            self._discard_draft(target)
            return True

        self._open_editor("Note", highlight.note, highlight.exact, target, save)

    def _edit_document_note(self, row: AnnotationRow) -> None:
        target = row.id  # the draft's key: "document:<key>" for its own note, as the reader's
        key, note_id = row.doc_key, row.note_id

        def save(text: str) -> bool:
            if not self._make(lambda: self._annotations.set_document_note(key, text, note_id)):
                return False  # the editor stays open with the text
            self._discard_draft(target)
            return True

        self._open_editor("Document note", row.note, row.doc_title, target, save)

    def _open_editor(
        self,
        title: str,
        text: str,
        quote: str,
        target: str,
        save: Callable[[str], bool],
    ) -> None:
        # The editor's title is rendered as markup, so it gets only our own fixed words; the
        # untrusted quote (or document title) goes where it is shown as plain text.
        try:
            draft = self._store.draft(target)
        except StoreError:
            draft = None
        editor = NoteEditor(
            title=title,
            text=text,
            quote=quote,
            draft=draft,
            save_draft=lambda note: self._save_draft(target, note),
            discard_draft=lambda: self._discard_draft(target),
            on_save=save,
        )
        self.app.push_screen(editor)

    def _save_draft(self, target: str, text: str) -> bool:
        try:
            self._store.save_draft(target, text)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return False
        return True

    def _discard_draft(self, target: str) -> None:
        try:
            self._store.discard_draft(target)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)

    def _announce(self, change: Change) -> None:
        # Posted to the app directly: it still arrives if this screen is dismissed meanwhile.
        self.app.post_message(self.Changed(change))

    def _reload_at(self, index: int | None, keep: str | None = None) -> None:
        """Read the rows again; the cursor on `keep` (else the current row) if still shown,
        else at `index`."""
        keep = keep or self._current_id()
        try:
            self._rows = self._read_rows()
            self._index = None
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self._show(keep=keep, index=index)
