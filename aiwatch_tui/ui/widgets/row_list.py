"""A scrolling list of two-line rows with a cursor, drawn with the line API, and its filter box.

The document list and the annotations screen each show their rows in one: only the rows
on screen are rendered, so ten thousand cost what ten do, and a cursor move redraws the two
rows it changes, not the list.

The list, not its filter box, has the focus: single letters are its owner's actions, and
`/` moves the focus into the box, where every printable key is text. Typing in the list
never starts a filter by itself, so a word typed into the wrong place cannot run commands
through the letters it happens to contain.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Input

from aiwatch_tui.ui.keys import keyed

RowT = TypeVar("RowT")

ROW_HEIGHT = 2  # every row is two lines: what it is, then facts about it


class RowList(ScrollView, Generic[RowT], can_focus=True):
    """Rows of two lines each, with a cursor that keys and clicks move.

    `/` posts `FilterWanted`, for the owner to focus its filter box. A subclass draws a
    row's line (`render_row_line`), says what identifies a drawn line for the cache
    (`line_key`) and what a cursor move or a click means (`cursor_moved`, `row_clicked`).
    """

    BINDINGS = keyed(
        "list",
        [
            Binding("down,j", "move(1)", "Next", show=False, id="next"),
            Binding("up,k", "move(-1)", "Previous", show=False, id="previous"),
            Binding("pagedown", "page(1)", "Page down", show=False, id="page_down"),
            Binding("pageup", "page(-1)", "Page up", show=False, id="page_up"),
            Binding("home,g", "move_to(0)", "First", show=False, id="first"),
            Binding("end,G", "move_to(-1)", "Last", show=False, id="last"),
            Binding("slash", "filter", "Filter"),
        ],
    )

    @dataclass
    class FilterWanted(Message):
        """The user asked to filter the list (`/`)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self._rows: list[RowT] = []
        self._cursor = 0
        self._strips: LRUCache[Hashable, Strip] = LRUCache(1024)

    # -- rows and the cursor -----------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def cursor(self) -> int:
        return self._cursor

    @property
    def current_row(self) -> RowT | None:
        return self._rows[self._cursor] if self._rows else None

    def show_rows(self, rows: Sequence[RowT], cursor: int) -> None:
        """Show `rows` with the cursor on row `cursor` (clamped)."""
        self._rows = list(rows)
        self.virtual_size = self._rows_size()
        self._cursor = self._clamp(cursor)
        self.refresh()
        self.scroll_to_cursor()
        self.cursor_moved()

    def replace_row(self, index: int, row: RowT) -> None:
        """Show a changed row in place; only its two lines are redrawn."""
        self._rows[index] = row
        self.refresh_lines(ROW_HEIGHT * index, ROW_HEIGHT)

    def move_cursor(self, index: int) -> None:
        index = self._clamp(index)
        if index != self._cursor:
            self.refresh_lines(ROW_HEIGHT * self._cursor, ROW_HEIGHT)
            self._cursor = index
            self.refresh_lines(ROW_HEIGHT * index, ROW_HEIGHT)
        self.scroll_to_cursor()
        self.cursor_moved()

    def cursor_moved(self) -> None:
        """Called after every cursor move (and every refill); for subclasses."""

    def _clamp(self, index: int) -> int:
        return max(0, min(index, len(self._rows) - 1))

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

    def action_filter(self) -> None:
        self.post_message(self.FilterWanted())

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (offset.y + self.scroll_offset.y) // ROW_HEIGHT
        if 0 <= index < len(self._rows):
            self.row_clicked(index, event.chain)

    def row_clicked(self, index: int, chain: int) -> None:
        """A click on row `index` (`chain` 2 for a double-click): moves the cursor there."""
        self.move_cursor(index)

    # -- drawing -----------------------------------------------------------------------------

    def _rows_size(self) -> Size:
        # No width: rows are cut to the pane, never scrolled sideways. A width taken from the
        # pane would change with the first layout, and the change lays the whole screen out
        # again and sends it a second time (10 KB at 100x30) before the first frame is done.
        return Size(0, ROW_HEIGHT * len(self._rows))

    def on_resize(self) -> None:
        self.virtual_size = self._rows_size()
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
            empty = self.empty_text() if index == 0 and part == 0 else None
            return self.text_strip(empty, width, base) if empty else Strip.blank(width, base)
        if index >= len(self._rows):
            return Strip.blank(width, base)
        on_cursor = index == self._cursor
        key = self.line_key(index, part, width, on_cursor)
        strip = self._strips.get(key)
        if strip is None:
            strip = self.render_row_line(index, part, width, on_cursor)
            self._strips[key] = strip
        return strip

    def empty_text(self) -> Text | None:
        """What the first line says when there are no rows."""
        return None

    def line_key(self, index: int, part: int, width: int, on_cursor: bool) -> Hashable:
        """What identifies a drawn line: it is drawn again only when this changes."""
        raise NotImplementedError

    def render_row_line(self, index: int, part: int, width: int, on_cursor: bool) -> Strip:
        """Line `part` (0 or 1) of row `index`, `width` cells wide."""
        raise NotImplementedError

    def text_strip(self, text: Text, width: int, base: Style) -> Strip:
        """`text` over `base`, cropped or padded to `width` cells."""
        segments = Segment.apply_style(text.render(self.app.console), base)
        return Strip(segments).crop_extend(0, width, base)

    def blended_style(self, component: str, *, color: bool = True) -> Style:
        """A component class's background (and, with `color`, foreground) and text style as a
        Rich style, translucent colours blended over the list's background (Rich styles carry
        no alpha)."""
        styles = self.get_component_styles(component)
        background = self.background_colors[1]
        style = Style()
        if styles.has_rule("background"):
            background = background + styles.background
            style += Style(bgcolor=background.rich_color)
        if color and styles.has_rule("color"):
            style += Style(color=(background + styles.color).rich_color)
        return style + styles.text_style


class RowFilter(Input):
    """A filter box over a RowList. While it has the focus every printable key is text; the
    arrows and page keys move the list's cursor, `enter` (unless a subclass binds it) and
    `esc` hand the focus back to the list, `esc` clearing the filter first. Its placeholder
    says how to get here ("/ filter") until it has the focus, then what to type.
    Subclasses say which list (`row_list`)."""

    BINDINGS = keyed(
        "filter",
        [
            Binding("down", "move_list(1)", "Next", show=False, id="next"),
            Binding("up", "move_list(-1)", "Previous", show=False, id="previous"),
            Binding("pagedown", "page_list(1)", "Page down", show=False, id="page_down"),
            Binding("pageup", "page_list(-1)", "Page up", show=False, id="page_up"),
            # Shown in the Footer: while the box has the focus the list's keys are not active.
            Binding("enter", "to_list", "To the list"),
            Binding("escape", "clear", "Clear"),
        ],
    )

    def __init__(self, *, idle: str, typing: str, id: str | None = None) -> None:  # noqa: A002
        # The cursor goes to the end of a filter already there, so `/` then a letter refines
        # it (selecting it all on focus would let that letter replace it).
        super().__init__(placeholder=idle, id=id, select_on_focus=False)
        self._placeholders = (idle, typing)

    def row_list(self) -> RowList[Any] | None:
        raise NotImplementedError

    def on_focus(self) -> None:
        self.placeholder = self._placeholders[1]

    def on_blur(self) -> None:
        self.placeholder = self._placeholders[0]

    def action_move_list(self, rows: int) -> None:
        if (target := self.row_list()) is not None:
            target.action_move(rows)

    def action_page_list(self, direction: int) -> None:
        if (target := self.row_list()) is not None:
            target.action_page(direction)

    def action_to_list(self) -> None:
        if (target := self.row_list()) is not None:
            target.focus()

    def action_clear(self) -> None:
        self.value = ""
        self.action_to_list()
