"""The annotations screen: every highlight and document note, across all documents.

Type to filter (fuzzy over quote and note) and narrow with tokens in the same box:
`color:green` (`c:`), `status:orphaned` (`s:`), `doc:word` (`d:`). Values are prefixes
("c:pu" is purple, "s:orph" orphaned) and case does not matter. Tokens AND together with
each other and with the fuzzy text, except that several colours (or several statuses) mean
either of them: an annotation has only one. An empty value ("c:" while typing) is ignored.

Each change is written to the store at once and announced with `AnnotationsScreen.Changed`,
posted to the app, so the app can keep its undo history and refresh the reader.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Footer, Input, Static

from aiwatch_tui.core.model import HIGHLIGHT_COLORS, Highlight, utc_now
from aiwatch_tui.core.search import FuzzyIndex
from aiwatch_tui.core.sources import document_note_id
from aiwatch_tui.core.store import Store, StoreError
from aiwatch_tui.ui.screens.note_editor import NoteEditor
from aiwatch_tui.ui.visible import visible
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
    ("letters /", "type to filter: fuzzy over quote and note"),
    ("color:green c:", "only that colour (prefix; several = either)"),
    ("status:orphaned s:", "anchored, moved, changed or orphaned (prefix)"),
    ("doc:word d:", "documents whose title contains the word"),
    ("↑ ↓ PgUp PgDn", "move through the list"),
    ("esc", "clear the filter, then close the screen"),
]

RowKind = Literal["highlight", "note"]
ChangeKind = Literal["delete", "recolor", "note", "document_note"]


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
        title = row.doc_title.casefold()
        return all(word in title for word in self.doc_words)


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
    """The rows (each with the filter's matched positions), two lines each. Printable keys
    that no binding claims start the filter; a double-click opens."""

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
    BINDINGS = [
        Binding("down,j", "move(1)", "Next", show=False),
        Binding("up,k", "move(-1)", "Previous", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home,g", "move_to(0)", "First", show=False),
        Binding("end,G", "move_to(-1)", "Last", show=False),
    ]

    @dataclass
    class Opened(Message):
        """A row was double-clicked."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._generation = 0  # drawn lines are cached per filling of the list

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
    """The filter box: arrows move the list below, Esc clears the filter and returns to it."""

    BINDINGS = [Binding("escape", "leave", "Clear filter", show=False)]

    def row_list(self) -> AnnotationList:
        return self.screen.query_one(AnnotationList)

    def action_leave(self) -> None:
        # Esc clears a filter first; on an empty filter it leaves the screen, as Esc does there.
        if not self.value:
            self.screen.dismiss(None)
            return
        self.value = ""
        self.screen.query_one(AnnotationList).focus()


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
    AnnotationsScreen #empty { height: 1fr; padding: 1 2; color: $text-muted; display: none; }
    AnnotationsScreen.-empty #empty { display: block; }
    AnnotationsScreen.-empty #annotations { display: none; }
    """

    BINDINGS = [
        Binding("enter", "jump", "Open", priority=True),
        Binding("x", "delete", "Delete"),
        Binding("a", "edit_note", "Note"),
        # Five colours would crowd the footer at 80 columns; the help screen lists them.
        *(
            Binding(str(n), f"recolor({n - 1})", f"Colour {color}", show=False)
            for n, color in enumerate(HIGHLIGHT_COLORS, start=1)
        ),
        Binding("slash", "focus_filter", "Filter"),
        Binding("escape,q,n", "close", "Close"),
    ]

    @dataclass
    class Changed(Message):
        """One change the user made here, already committed to the store.

        kind: "delete" | "recolor" | "note" (a highlight's note) | "document_note".
        For "document_note", `before`/`after` are None and `doc_key`, `note_before` and
        `note_after` say what changed ("" is no note).
        """

        kind: ChangeKind
        before: Highlight | None
        after: Highlight | None
        doc_key: str = ""
        note_before: str = ""
        note_after: str = ""
        note_id: str = ""  # "" for the document's own note, else the imported note's id

    def __init__(self, store: Store, titles: Callable[[str], str]) -> None:
        super().__init__()
        self._store = store
        self._titles = titles
        self._rows: list[AnnotationRow] = []
        self._shown: list[tuple[AnnotationRow, tuple[int, ...]]] = []
        self._index: FuzzyIndex | None = None  # over all rows, built on the first search

    # -- building ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static(id="summary")
        yield _FilterInput(
            placeholder="type to filter · color:green status:orphaned doc:word",
            id="filter",
            # Focus arrives after the first character is inserted: selecting on focus would
            # let the second keystroke replace the first.
            select_on_focus=False,
        )
        yield AnnotationList(id="annotations")
        yield Static(id="empty")
        yield Footer()

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
        self.set_class(not self._shown, "-empty")
        self.query_one("#empty", Static).update(
            Text(NO_MATCH_MESSAGE if self._rows else EMPTY_MESSAGE)
        )
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

    @on(AnnotationList.StartFilter)
    def _start_filter(self, event: AnnotationList.StartFilter) -> None:
        event.stop()
        self.query_one(_FilterInput).take_over(event.character)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show(keep=self._current_id())

    def action_focus_filter(self) -> None:
        self.query_one(_FilterInput).focus()

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
        index = self.annotation_list.cursor
        try:
            deleted = self._store.delete_highlight(row.highlight.id)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        if deleted is not None:
            self._announce(self.Changed("delete", deleted, None))
        self._reload_at(index)

    def action_recolor(self, color_index: int) -> None:
        row = self.current_row
        if row is None or row.highlight is None:
            if row is not None:
                self.notify("A document note has no colour.", markup=False)
            return
        color = HIGHLIGHT_COLORS[color_index]
        self._change_highlight(row.highlight.id, "recolor", lambda h: replace(h, color=color))

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
        self, highlight_id: str, kind: ChangeKind, change: Callable[[Highlight], Highlight]
    ) -> bool:
        """Apply `change` to the stored highlight (fresh, in case another process edited it);
        False when the store refused the write."""
        index = self.annotation_list.cursor
        ok = True
        try:
            before = self._store.highlight(highlight_id)
            if before is None:
                self.notify("That highlight was deleted elsewhere.", markup=False)
            else:
                after = change(before)
                if after != before:
                    after = replace(after, modified=utc_now())
                    self._store.update_highlight(after)
                    self._announce(self.Changed(kind, before, after))
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            ok = False
        self._reload_at(index)
        return ok

    def _edit_highlight_note(self, highlight: Highlight) -> None:
        target = f"highlight:{highlight.id}"

        def save(text: str) -> bool:
            note = text if text.strip() else ""
            if not self._change_highlight(highlight.id, "note", lambda h: replace(h, note=note)):
                return False  # the editor stays open with the text
            self._discard_draft(target)
            return True

        self._open_editor("Note", highlight.note, highlight.exact, target, save)

    def _edit_document_note(self, row: AnnotationRow) -> None:
        target = row.id  # the draft's key: "document:<key>" for its own note, as the reader's
        key, note_id = row.doc_key, row.note_id

        def save(text: str) -> bool:
            index = self.annotation_list.cursor
            try:
                before = self._store.document_note(key, note_id)
                if text != before:
                    self._store.set_document_note(key, text, note_id)
                    after = self._store.document_note(key, note_id)
                    self._announce(
                        self.Changed("document_note", None, None, key, before, after, note_id)
                    )
            except StoreError as error:
                self.notify(str(error), severity="error", markup=False)
                return False  # the editor stays open with the text
            self._discard_draft(target)
            self._reload_at(index)
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

    def _announce(self, change: AnnotationsScreen.Changed) -> None:
        # Posted to the app directly: it still arrives if this screen is dismissed meanwhile.
        self.app.post_message(change)

    def _reload_at(self, index: int | None) -> None:
        keep = self._current_id()
        try:
            self._rows = self._read_rows()
            self._index = None
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        self._show(keep=keep, index=index)
