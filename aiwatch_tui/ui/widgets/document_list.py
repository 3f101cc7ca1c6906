"""The document list: titles with reading time, progress and annotation counts; `/` filters.

The rows are drawn with the line API (`DocumentRows`, a `RowList`): only the rows on
screen are rendered, so setting ten thousand entries costs a list copy and a dict, not ten
thousand widgets or prompts. Filtering ranks titles and file names with
`aiwatch_tui.core.find.fuzzy.FuzzyIndex`, imported and built on the first filter keystroke so
that start-up never loads rapidfuzz.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Input

from aiwatch_tui.core.model import DocumentInfo, DocumentRow
from aiwatch_tui.core.text.sanitize import visible
from aiwatch_tui.core.uris import SEED_PREFIX
from aiwatch_tui.ui.keys import keyed
from aiwatch_tui.ui.widgets.row_list import RowFilter, RowList

if TYPE_CHECKING:
    from aiwatch_tui.core.find.fuzzy import FuzzyIndex

# Filtering a very large library shows the best matches, not all of them.
_MAX_FILTERED = 500
# Reading speed behind "N min".
WORDS_PER_MINUTE = 230

EMPTY_MESSAGE = "No documents."
NO_MATCH_MESSAGE = "Nothing matches. Esc clears the filter."


# What one row of the list shows: a document, its progress and its counts (the screen reads
# them from the catalog and the store; `aiwatch list` prints the same).
ListEntry = DocumentRow


# --- how an entry looks ---------------------------------------------------------------------


def entry_title(entry: ListEntry) -> str:
    """The title the list shows (and the filter's positions refer to)."""
    return entry.info.title or entry.info.key


def file_name(info: DocumentInfo) -> str:
    return info.path.name if info.path is not None else info.key.rsplit("/", 1)[-1]


def entry_facts(entry: ListEntry) -> str:
    """ "N min · P% · H hl · N ✎", leaving out counts that are zero; first, a web article's
    source and date ("Site · 2025-06-03 · 4 min · 0%"), a file's name ("README.md · 4 min ·
    0%"), so that documents with the same title can be told apart (a bundled article's
    generated name says nothing and is left out)."""
    words = entry.info.word_count
    minutes = max(1, round(words / WORDS_PER_MINUTE)) if words else 0
    facts = [f"{minutes} min", f"{round(entry.progress * 100)}%"]
    if entry.is_article:
        # The site's name comes from the web: made visible, never interpreted.
        facts[:0] = [visible(part) for part in (entry.site, entry.date) if part]
    elif entry.info.path is not None and not entry.info.key.startswith(SEED_PREFIX):
        facts.insert(0, visible(file_name(entry.info)))
    if entry.highlights:
        facts.append(f"{entry.highlights} hl")
    if entry.notes:
        facts.append(f"{entry.notes} ✎")
    return " · ".join(facts)


def entry_lines(entry: ListEntry, width: int, matched: Sequence[int] = ()) -> tuple[Text, Text]:
    """The entry's two lines, each at most `width` cells: the title (matched characters in
    bold underline, ellipsised) and the facts (dim)."""
    # Only the start of a title can show on one line; two characters per cell leaves room
    # for combining marks, so a pathological 50,000-character title costs what a short one does.
    title = Text(visible(entry_title(entry)[: 2 * width + 2]), no_wrap=True)
    for index in matched:
        if index < len(title):
            title.stylize("bold underline", index, index + 1)
    title.truncate(max(0, width), overflow="ellipsis")
    facts = Text(entry_facts(entry), style="dim", no_wrap=True)
    facts.truncate(max(0, width), overflow="ellipsis")
    return title, facts


def entry_prompt(entry: ListEntry, matched: Sequence[int] = ()) -> Text:
    """Both lines as one Text (for callers that want the entry outside the list)."""
    title, facts = entry_lines(entry, 1000, matched)
    return Text("\n").join([title, facts])


# --- the rows -------------------------------------------------------------------------------


class ShownRow(NamedTuple):
    """One entry as the list shows it: `id` is the document key, `matched` the filter's
    matched character positions in the title."""

    id: str
    entry: ListEntry
    matched: tuple[int, ...] = ()


class DocumentRows(RowList[ShownRow]):
    """The entries, two lines each; Enter or a click opens one.

    The `option_count`, `get_option_at_index` and `highlighted` names match Textual's
    OptionList, so code written against the old list keeps working.
    """

    COMPONENT_CLASSES = {"document-rows--cursor", "document-rows--marker"}
    DEFAULT_CSS = """
    DocumentRows {
        height: 1fr; background: $surface; overflow-x: hidden; scrollbar-size-vertical: 1;
        & > .document-rows--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .document-rows--marker { color: $primary; }
        &:focus > .document-rows--cursor, &.-steered > .document-rows--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """
    BINDINGS = keyed("documents", [Binding("enter", "open", "Open", show=False)])

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._row_of: dict[str, int] = {}
        self._announced: str | None = None  # the key the last Highlighted message named
        self._empty_message = EMPTY_MESSAGE

    # -- OptionList-compatible view ----------------------------------------------------------

    @property
    def option_count(self) -> int:
        return self.row_count

    def get_option_at_index(self, index: int) -> ShownRow:
        return self._rows[index]

    @property
    def highlighted(self) -> int | None:
        return self.cursor if self._rows else None

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        if index is not None:
            self.move_cursor(index)

    @property
    def current(self) -> ShownRow | None:
        return self.current_row

    def index_of(self, key: str) -> int | None:
        return self._row_of.get(key)

    # -- content -----------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[ShownRow], keep: str | None, empty_message: str) -> None:
        """Show `rows` with the cursor on the row of document `keep` (else the first)."""
        self._row_of = {row.id: index for index, row in enumerate(rows)}
        self._empty_message = empty_message
        self.show_rows(rows, self._row_of.get(keep, 0) if keep is not None else 0)

    def update_row(self, row: ShownRow) -> None:
        """Show a changed entry in place; only its two lines are redrawn."""
        index = self._row_of.get(row.id)
        if index is not None:
            self.replace_row(index, row)

    def cursor_moved(self) -> None:
        row = self.current_row
        if row is not None and row.id != self._announced:
            self._announced = row.id
            self.post_message(DocumentList.Highlighted(row.id))

    # -- keys and mouse ----------------------------------------------------------------------

    def action_open(self) -> None:
        row = self.current_row
        if row is not None:
            self.post_message(DocumentList.Opened(row.id))

    def row_clicked(self, index: int, chain: int) -> None:
        # A click opens the row; the second click of a double-click, on the row the first one
        # opened, does nothing more.
        if chain > 1 and index == self.cursor:
            return
        self.move_cursor(index)
        self.action_open()

    # -- drawing -----------------------------------------------------------------------------

    def empty_text(self) -> Text:
        return Text(" " + self._empty_message, style="dim italic")

    def line_key(self, index: int, part: int, width: int, on_cursor: bool) -> Hashable:
        # Keyed by what a line shows, not where: an updated entry simply misses the cache.
        return (self._rows[index], part, width, self._cursor_state() if on_cursor else 0)

    def _cursor_state(self) -> int:
        """1: the cursor of a list in the background; 2: of the list the keys steer."""
        return 2 if self.has_focus or self.has_class("-steered") else 1

    def render_row_line(self, index: int, part: int, width: int, on_cursor: bool) -> Strip:
        row = self._rows[index]
        base = self.rich_style
        lines = entry_lines(row.entry, max(0, width - 2), row.matched)
        if on_cursor:
            base += self.blended_style("document-rows--cursor")
            # A left bar, so the cursor shows even where the theme's background does not
            # (16-colour terminals, the ANSI theme).
            marker = Text.assemble(("▌", self.blended_style("document-rows--marker")))
        else:
            marker = Text(" ")
        marker.append_text(lines[part])
        return self.text_strip(marker, width, base)


# --- the filter box -------------------------------------------------------------------------


class _FilterInput(RowFilter):
    """The filter box: arrows and pages move the list's cursor; Enter opens the best match
    (the only thing one does with a document, as in fzf); Esc clears and returns to the list."""

    BINDINGS = keyed("filter", [Binding("enter", "open_highlighted", "Open the best match")])

    def row_list(self) -> DocumentRows | None:
        parent = self.parent
        return parent.query_one(DocumentRows) if parent is not None else None

    def action_open_highlighted(self) -> None:
        if (target := self.row_list()) is not None:
            target.action_open()


# --- the widget -----------------------------------------------------------------------------


class DocumentList(Vertical):
    """Shows list entries, filters them (`/`, then the words), and posts which one is chosen."""

    DEFAULT_CSS = """
    DocumentList { width: 1fr; height: 1fr; }
    DocumentList > Input { border: none; height: 1; padding: 0 1; background: $boost; }
    DocumentList > Input:focus { background: $boost; border: none; }
    """
    BINDINGS = keyed("documents", [Binding("escape", "clear_filter", "Clear filter")])

    @dataclass
    class Opened(Message):
        """The user chose a document (Enter or click)."""

        key: str

    @dataclass
    class Highlighted(Message):
        """The list cursor moved onto a document."""

        key: str

        def can_replace(self, message: Message) -> bool:
            # Holding an arrow key: only where the cursor ends up matters to a previewer.
            return isinstance(message, DocumentList.Highlighted)

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._entries: list[ListEntry] = []
        self._entry_of: dict[str, int] | None = {}  # built when first needed
        self._index: FuzzyIndex | None = None  # built on the first filter keystroke
        self._index_texts: list[str] = []

    def compose(self) -> ComposeResult:
        yield _FilterInput(idle="/ filter", typing="type to filter · enter opens", id="filter")
        yield DocumentRows(id="documents")

    # -- public API --------------------------------------------------------------------------

    @property
    def options(self) -> DocumentRows:
        """The list itself (named as the OptionList it replaced was)."""
        return self.query_one(DocumentRows)

    @property
    def highlighted_key(self) -> str | None:
        row = self.options.current
        return row.id if row is not None else None

    def focus_list(self) -> None:
        self.options.focus()

    def set_entries(self, entries: Sequence[ListEntry], select: str | None = None) -> None:
        """Replace what the list shows, keeping (or moving to) the selected document."""
        keep = select if select is not None else self.highlighted_key
        self._entries = list(entries)
        self._entry_of = None
        if self._index is not None and self._search_texts() != self._index_texts:
            self._index = None
        self._show(keep)

    def update_entry(self, entry: ListEntry) -> None:
        """One entry changed (progress, counts): redraw its row only."""
        key = entry.info.key
        if self._entry_of is None:
            self._entry_of = {entry.info.key: index for index, entry in enumerate(self._entries)}
        position = self._entry_of.get(key)
        if position is None:
            return
        old = self._entries[position]
        self._entries[position] = entry
        same_title = entry_title(old) == entry_title(entry)
        if not same_title or file_name(old.info) != file_name(entry.info):
            self._index = None  # rebuilt on the next keystroke
        rows = self.options
        index = rows.index_of(key)
        if index is not None:
            matched = rows.get_option_at_index(index).matched if same_title else ()
            rows.update_row(ShownRow(key, entry, matched))

    def select(self, key: str) -> None:
        """Move the cursor to `key` if the list shows it."""
        rows = self.options
        index = rows.index_of(key)
        if index is not None:
            rows.move_cursor(index)

    # -- filtering ---------------------------------------------------------------------------

    @property
    def _query(self) -> str:
        return self.query_one(_FilterInput).value.strip()

    def _search_texts(self) -> list[str]:
        # The title first, so matched positions below its length fall in the shown title.
        return [f"{entry_title(e)}\n{file_name(e.info)}" for e in self._entries]

    def _filtered(self, query: str) -> list[ShownRow]:
        if self._index is None:
            from aiwatch_tui.core.find.fuzzy import FuzzyIndex  # rapidfuzz: not at start-up

            self._index_texts = self._search_texts()
            self._index = FuzzyIndex(self._index_texts)
        hits = self._index.search(query, limit=_MAX_FILTERED)
        return [
            ShownRow(self._entries[hit.index].info.key, self._entries[hit.index], hit.positions)
            for hit in hits
        ]

    def _show(self, keep: str | None) -> None:
        """Fill the rows from the entries and the filter; the cursor on `keep` if shown."""
        query = self._query
        if query:
            rows = self._filtered(query)
        else:
            rows = [ShownRow(entry.info.key, entry) for entry in self._entries]
        message = NO_MATCH_MESSAGE if query else EMPTY_MESSAGE
        self.options.set_rows(rows, keep, message)
        self.refresh_bindings()

    @on(DocumentRows.FilterWanted)
    def _focus_filter(self, event: DocumentRows.FilterWanted) -> None:
        event.stop()
        self.query_one(_FilterInput).focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        # While typing, the best match comes first and takes the cursor (as in fzf); when the
        # filter is cleared, the document the user landed on stays selected.
        self._show(None if self._query else self.highlighted_key)

    @on(Input.Submitted, "#filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()  # Enter is bound in the box; this only guards against a stray submit

    def action_clear_filter(self) -> None:
        self.query_one(_FilterInput).value = ""
        self.focus_list()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            # Only with a filter to clear: otherwise Esc keeps its meaning further up.
            return bool(self.is_mounted and self._query)
        return True

    # -- focus: the list's cursor looks active while the filter box steers it ----------------

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._mark_steered()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.call_after_refresh(self._mark_steered)

    def _mark_steered(self) -> None:
        box = self.query_one(_FilterInput)
        self.options.set_class(box.has_focus, "-steered")
