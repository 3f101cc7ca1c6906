"""The document list: titles with reading time, progress and annotation counts; type to filter.

The rows are drawn with the line API (`DocumentRows`, a `ScrollView`): only the rows on
screen are rendered, so setting ten thousand entries costs a list copy and a dict, not ten
thousand widgets or prompts. Filtering ranks titles and file names with
`aiwatch_tui.core.search.FuzzyIndex`, imported and built on the first filter keystroke so
that start-up never loads rapidfuzz.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input

from aiwatch_tui.core.model import DocumentInfo
from aiwatch_tui.ui.visible import visible

if TYPE_CHECKING:
    from aiwatch_tui.core.search import FuzzyIndex

# Filtering a very large library shows the best matches, not all of them.
_MAX_FILTERED = 500
# Each entry takes two lines: the title and a line of facts.
ROW_HEIGHT = 2
# Reading speed behind "N min".
WORDS_PER_MINUTE = 230

EMPTY_MESSAGE = "No documents."
NO_MATCH_MESSAGE = "Nothing matches. Esc clears the filter."


class ListEntry(NamedTuple):
    """What one row of the list shows; the screen builds these from the catalog and the store.
    (Tuples, as ShownRow: start-up makes one of each per document, 10,000 in a big library.)"""

    info: DocumentInfo
    progress: float = 0.0
    highlights: int = 0
    notes: int = 0


# --- how an entry looks ---------------------------------------------------------------------


def entry_title(entry: ListEntry) -> str:
    """The title the list shows (and the filter's positions refer to)."""
    return entry.info.title or entry.info.key


def file_name(info: DocumentInfo) -> str:
    return info.path.name if info.path is not None else info.key.rsplit("/", 1)[-1]


def entry_facts(entry: ListEntry) -> str:
    """ "N min · P% · H hl · N ✎", leaving out counts that are zero."""
    words = entry.info.word_count
    minutes = max(1, round(words / WORDS_PER_MINUTE)) if words else 0
    facts = [f"{minutes} min", f"{round(entry.progress * 100)}%"]
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


class DocumentRows(ScrollView, can_focus=True):
    """The entries, two lines each, drawn with the line API. Printable keys that no binding
    claims start the filter (letters are kept for filtering, so no j/k here).

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
    BINDINGS = [
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home", "move_to(0)", "First", show=False),
        Binding("end", "move_to(-1)", "Last", show=False),
        Binding("enter", "open", "Open", show=False),
    ]

    @dataclass
    class StartFilter(Message):
        character: str

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._rows: list[ShownRow] = []
        self._row_of: dict[str, int] = {}
        self._cursor = 0
        self._announced: str | None = None  # the key the last Highlighted message named
        self._empty_message = EMPTY_MESSAGE
        self._click_opened = False
        # Keyed by what a line shows, not where: an updated entry simply misses the cache.
        self._strips: LRUCache[tuple[ShownRow, int, int, int], Strip] = LRUCache(1024)

    # -- OptionList-compatible view ----------------------------------------------------------

    @property
    def option_count(self) -> int:
        return len(self._rows)

    def get_option_at_index(self, index: int) -> ShownRow:
        return self._rows[index]

    @property
    def highlighted(self) -> int | None:
        return self._cursor if self._rows else None

    @highlighted.setter
    def highlighted(self, index: int | None) -> None:
        if index is not None:
            self.move_cursor(index)

    @property
    def current(self) -> ShownRow | None:
        return self._rows[self._cursor] if self._rows else None

    def index_of(self, key: str) -> int | None:
        return self._row_of.get(key)

    # -- content -----------------------------------------------------------------------------

    def set_rows(self, rows: Sequence[ShownRow], keep: str | None, empty_message: str) -> None:
        """Show `rows` with the cursor on the row of document `keep` (else the first)."""
        self._rows = list(rows)
        self._row_of = {row.id: index for index, row in enumerate(self._rows)}
        self._empty_message = empty_message
        self.virtual_size = Size(self.scrollable_content_region.width, ROW_HEIGHT * len(rows))
        self._cursor = self._clamp(self._row_of.get(keep, 0) if keep is not None else 0)
        self.refresh()
        self.scroll_to_cursor()
        self._announce()

    def replace_row(self, row: ShownRow) -> None:
        """Show a changed entry in place; only its two lines are redrawn."""
        index = self._row_of.get(row.id)
        if index is None:
            return
        self._rows[index] = row
        self.refresh_lines(ROW_HEIGHT * index, ROW_HEIGHT)

    # -- the cursor --------------------------------------------------------------------------

    def _clamp(self, index: int) -> int:
        return max(0, min(index, len(self._rows) - 1))

    def move_cursor(self, index: int) -> None:
        index = self._clamp(index)
        if index != self._cursor:
            self.refresh_lines(ROW_HEIGHT * self._cursor, ROW_HEIGHT)
            self._cursor = index
            self.refresh_lines(ROW_HEIGHT * index, ROW_HEIGHT)
        self.scroll_to_cursor()
        self._announce()

    def _announce(self) -> None:
        row = self.current
        if row is not None and row.id != self._announced:
            self._announced = row.id
            self.post_message(DocumentList.Highlighted(row.id))

    def scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        top = ROW_HEIGHT * self._cursor
        if top < self.scroll_offset.y:
            self.scroll_to(y=top, animate=False, immediate=True)
        elif height and top + ROW_HEIGHT > self.scroll_offset.y + height:
            self.scroll_to(y=top + ROW_HEIGHT - height, animate=False, immediate=True)

    # -- keys and mouse ----------------------------------------------------------------------

    def action_move(self, rows: int) -> None:
        self.move_cursor(self._cursor + rows)

    def action_page(self, direction: int) -> None:
        page = max(1, self.scrollable_content_region.height // ROW_HEIGHT - 1)
        self.move_cursor(self._cursor + direction * page)

    def action_move_to(self, index: int) -> None:
        self.move_cursor(index if index >= 0 else len(self._rows) - 1)

    def action_open(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(DocumentList.Opened(row.id))

    def on_key(self, event: events.Key) -> None:
        character = event.character
        if not event.is_printable or character is None or character.isspace():
            return
        if event.key in self.app.active_bindings:
            return  # a key the app or screen binds (q, ?, o, ...) keeps its meaning
        event.stop()
        event.prevent_default()
        self.post_message(self.StartFilter(character))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (offset.y + self.scroll_offset.y) // ROW_HEIGHT
        if not 0 <= index < len(self._rows):
            return
        if index != self._cursor:
            self._click_opened = False
            self.move_cursor(index)
            return
        # A click on the selected row opens it; a double-click that already did, not twice.
        if event.chain > 1 and self._click_opened:
            return
        self._click_opened = True
        self.action_open()

    # -- drawing -----------------------------------------------------------------------------

    def on_resize(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, ROW_HEIGHT * len(self._rows))
        self.scroll_to_cursor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if width <= 0:
            return Strip.blank(0, base)
        index, part = divmod(self.scroll_offset.y + y, ROW_HEIGHT)
        if not self._rows:
            if index == 0 and part == 0:
                message = Text(" " + self._empty_message, style="dim italic")
                return self._strip(message, width, base)
            return Strip.blank(width, base)
        if index >= len(self._rows):
            return Strip.blank(width, base)
        row = self._rows[index]
        cursor_state = self._cursor_state() if index == self._cursor else 0
        key = (row, part, width, cursor_state)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_part(row, part, width, base, cursor_state)
            self._strips[key] = strip
        return strip

    def _cursor_state(self) -> int:
        """1: the cursor of a list in the background; 2: of the list the keys steer."""
        return 2 if self.has_focus or self.has_class("-steered") else 1

    def _render_part(
        self, row: ShownRow, part: int, width: int, base: Style, cursor_state: int
    ) -> Strip:
        lines = entry_lines(row.entry, max(0, width - 2), row.matched)
        if cursor_state:
            base += self._component_style("document-rows--cursor")
            # A left bar, so the cursor shows even where the theme's background does not
            # (16-colour terminals, the ANSI theme).
            marker = Text.assemble(("▌", self._component_style("document-rows--marker")))
        else:
            marker = Text(" ")
        marker.append_text(lines[part])
        return self._strip(marker, width, base)

    def _strip(self, text: Text, width: int, base: Style) -> Strip:
        segments = Segment.apply_style(text.render(self.app.console), base)
        return Strip(segments).crop_extend(0, width, base)

    def _component_style(self, name: str) -> Style:
        styles = self.get_component_styles(name)
        background = self.background_colors[1]
        style = Style()
        if styles.has_rule("background"):
            cursor_background = background + styles.background
            style += Style(bgcolor=cursor_background.rich_color)
            background = cursor_background
        if styles.has_rule("color"):
            style += Style(color=(background + styles.color).rich_color)
        return style + styles.text_style


# --- the filter box -------------------------------------------------------------------------


class _FilterInput(Input):
    """The filter box: arrows, pages and Enter act on the list below; Esc returns to it."""

    BINDINGS = [
        Binding("down", "move_list(1)", "Next", show=False),
        Binding("up", "move_list(-1)", "Previous", show=False),
        Binding("pagedown", "page_list(1)", "Page down", show=False),
        Binding("pageup", "page_list(-1)", "Page up", show=False),
        Binding("enter", "open_highlighted", "Open", show=False),
        Binding("escape", "leave", "Back to the list", show=False),
    ]

    def _rows(self) -> DocumentRows | None:
        parent = self.parent
        return parent.query_one(DocumentRows) if parent is not None else None

    def action_move_list(self, rows: int) -> None:
        if (target := self._rows()) is not None:
            target.action_move(rows)

    def action_page_list(self, direction: int) -> None:
        if (target := self._rows()) is not None:
            target.action_page(direction)

    def action_open_highlighted(self) -> None:
        if (target := self._rows()) is not None:
            target.action_open()

    def action_leave(self) -> None:
        # Esc clears a filter and returns to the list; on an empty filter it just returns.
        self.value = ""
        rows = self._rows()
        if rows is not None:
            rows.focus()


# --- the widget -----------------------------------------------------------------------------


class DocumentList(Vertical):
    """Shows list entries, filters them as the user types, and posts which one is chosen."""

    DEFAULT_CSS = """
    DocumentList { width: 1fr; height: 1fr; }
    DocumentList > Input { border: none; height: 1; padding: 0 1; background: $boost; }
    DocumentList > Input:focus { background: $boost; border: none; }
    """
    BINDINGS = [Binding("escape", "clear_filter", "Clear filter")]

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
        yield _FilterInput(
            placeholder="type to filter",
            id="filter",
            # Focus arrives after the first character is inserted: selecting on focus would
            # let the second keystroke replace the first.
            select_on_focus=False,
        )
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
            rows.replace_row(ShownRow(key, entry, matched))

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
            from aiwatch_tui.core.search import FuzzyIndex  # rapidfuzz: not at start-up

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

    @on(DocumentRows.StartFilter)
    def _start_filter(self, event: DocumentRows.StartFilter) -> None:
        event.stop()
        box = self.query_one(_FilterInput)
        box.focus()
        box.insert_text_at_cursor(event.character)

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
