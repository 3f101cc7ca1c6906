"""The reading pane: a line-API widget with a caret, a selection, highlights and find matches.

Only the rows on screen are rendered (`render_line`), from a lazily wrapped `Layout`
(aiwatch_tui.ui.text_layout), so a 5 MB article costs what a 5 KB one does. Rendered rows
are cached in a bounded LRU keyed by everything that can change how a row looks.
Document text only ever becomes plain `Segment`s (never markup), and control characters
were replaced by the layout, so no article byte can drive the terminal.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from operator import attrgetter, itemgetter
from typing import ClassVar, Generic, Literal, NamedTuple, TypeVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.color import Color
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer

from aiwatch_tui.core.model import HIGHLIGHT_COLORS, Document, Span
from aiwatch_tui.core.text.urls import link_at
from aiwatch_tui.ui import text_layout as tl
from aiwatch_tui.ui.keys import UNBOUND, keyed
from aiwatch_tui.ui.text_layout import Layout, LineKind, Piece, PieceRole, TextMap, VisualLine

Align = Literal["center", "top", "nearest"]
_T = TypeVar("_T")

_KIND_CLASS: dict[LineKind, str] = {
    LineKind.TITLE: "reader--title",
    LineKind.HEADING: "reader--heading",
    LineKind.CODE: "reader--code",
    LineKind.TABLE_HEADER: "reader--table-header",
    LineKind.BYLINE: "reader--byline",
}
NOTE_MARK = "✎"
SCROLL_CONTEXT = 2  # rows kept visible above/below the caret when scrolling to follow it
WRAP_SLICE_SECONDS = 0.004  # background layout work per tick: short enough not to delay keys
LAYOUTS_KEPT = 3  # widths whose layouts are kept (a terminal resized back and forth)


class HighlightMark(NamedTuple):
    """What the reader needs to draw one highlight."""

    id: str
    start: int
    end: int
    color: str
    has_note: bool = False


_START_END = attrgetter("start", "end")


class _Ranges(Generic[_T]):
    """Items with a `start` and an `end`, sorted by start, with the query "which ones overlap
    [start, end)" in O(log n + k). Built on every find keystroke (up to 5,000 matches), so
    the attributes are read and sorted in C."""

    def __init__(self, items: Sequence[_T]) -> None:
        pairs = sorted(zip(map(_START_END, items), items, strict=True), key=itemgetter(0))
        self.items = [item for _, item in pairs]
        self.starts = [s for (s, _), _ in pairs]
        self.ends = [e for (_, e), _ in pairs]
        self.longest = max((e - s for s, e in self.starts_ends()), default=0)

    def starts_ends(self) -> zip[tuple[int, int]]:
        return zip(self.starts, self.ends, strict=True)

    def overlapping(self, start: int, end: int) -> list[int]:
        """Indexes of the items that overlap [start, end)."""
        first = bisect_left(self.starts, start - self.longest)
        last = bisect_left(self.starts, end)
        return [i for i in range(first, last) if self.ends[i] > start]


class Reader(ScrollView, can_focus=True):
    """Shows one Document with a caret, selection, highlights and find-in-document matches."""

    ALLOW_SELECT = False  # the reader has its own caret and selection

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "reader--title",
        "reader--heading",
        "reader--caret",
        "reader--selection",
        "reader--url",
        "reader--strong",
        "reader--emphasis",
        "reader--code",
        "reader--strike",
        "reader--link",
        "reader--image",
        "reader--task",
        "reader--footnote",
        "reader--marker",
        "reader--rule",
        "reader--byline",
        "reader--table-border",
        "reader--table-header",
        "reader--match",
        "reader--match-current",
        "reader--note-mark",
        *(f"reader--highlight-{color}" for color in HIGHLIGHT_COLORS),
    }

    # Highlight colours are saturated enough that a 16-colour terminal downgrades each to a
    # distinct ANSI colour (bright yellow, bright green, bright blue, bright magenta,
    # magenta) under fixed black/white text; an ANSI theme gets the named colours directly.
    DEFAULT_CSS = """
    Reader {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        & > .reader--title { color: $text-primary; text-style: bold; }
        & > .reader--heading { color: $text-accent; text-style: bold; }
        & > .reader--url { color: $text-primary; text-style: underline; }
        & > .reader--strong { text-style: bold; }
        & > .reader--emphasis { text-style: italic; }
        & > .reader--code { color: $text-warning; }
        & > .reader--strike { text-style: strike; }
        & > .reader--link { color: $text-primary; text-style: underline; }
        & > .reader--image { color: $text-secondary; }
        & > .reader--task { color: $text-accent; text-style: bold; }
        & > .reader--footnote { color: $text-secondary; }
        & > .reader--marker { color: $text-accent; }
        & > .reader--rule { color: $primary; }
        & > .reader--byline { color: $text-muted; text-style: italic; }
        & > .reader--table-border { color: $foreground 40%; }
        & > .reader--table-header { text-style: bold; }
        & > .reader--caret { background: $foreground 30%; }
        &:focus > .reader--caret { background: $foreground 0%; text-style: reverse; }
        & > .reader--selection { background: $primary 45%; }
        & > .reader--match { background: $warning 35%; }
        & > .reader--match-current { background: $warning; color: $background; }
        & > .reader--note-mark { color: $text-warning; text-style: bold; }
        & > .reader--highlight-yellow { background: #e6c84f; color: #000000; }
        & > .reader--highlight-green { background: #6cc070; color: #000000; }
        & > .reader--highlight-blue { background: #5b9cf0; color: #000000; }
        & > .reader--highlight-pink { background: #f07fb8; color: #000000; }
        & > .reader--highlight-purple { background: #9a3fb0; color: #ffffff; }
        &:ansi > .reader--highlight-yellow { background: ansi_bright_yellow; color: ansi_black; }
        &:ansi > .reader--highlight-green { background: ansi_bright_green; color: ansi_black; }
        &:ansi > .reader--highlight-blue { background: ansi_bright_blue; color: ansi_black; }
        &:ansi > .reader--highlight-pink { background: ansi_bright_magenta; color: ansi_black; }
        &:ansi > .reader--highlight-purple { background: ansi_magenta; color: ansi_bright_white; }
        &:nocolor > .reader--selection { text-style: reverse; }
        &:nocolor > .reader--match { text-style: underline; }
        &:nocolor > .reader--match-current { text-style: reverse underline; }
        &:nocolor > .reader--highlight-yellow { text-style: underline; }
        &:nocolor > .reader--highlight-green { text-style: underline; }
        &:nocolor > .reader--highlight-blue { text-style: underline; }
        &:nocolor > .reader--highlight-pink { text-style: underline; }
        &:nocolor > .reader--highlight-purple { text-style: underline; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = keyed(
        "reader",
        [
            Binding("j,down", "line_down", "Line down", show=False),
            Binding("k,up", "line_up", "Line up", show=False),
            Binding("l,right", "char_right", "Next character", show=False),
            Binding("h,left", "char_left", "Previous character", show=False),
            Binding("w", "word_forward", "Next word", show=False),
            Binding("b", "word_backward", "Previous word", show=False),
            Binding("right_parenthesis", "sentence_forward", "Next sentence", show=False),
            Binding("left_parenthesis", "sentence_backward", "Previous sentence", show=False),
            Binding("right_curly_bracket", "paragraph_forward", "Next paragraph", show=False),
            Binding("left_curly_bracket", "paragraph_backward", "Previous paragraph", show=False),
            Binding("space,pagedown", "page_down", "Page down"),
            Binding("shift+space,pageup,ctrl+b", "page_up", "Page up", show=False),
            Binding("ctrl+d", "half_page_down", "Half page down", show=False),
            Binding("ctrl+u", "half_page_up", "Half page up", show=False),
            Binding("ctrl+e", "scroll_line_down", "Scroll a line down", show=False),
            Binding("ctrl+y", "scroll_line_up", "Scroll a line up", show=False),
            Binding("g,home", "top", "To the top", show=False),
            Binding("G,end", "bottom", "To the end", show=False),
            # Two keys in a row by default (SEQUENCES); the settings file may give them one.
            Binding(UNBOUND, "center_caret", "Centre the caret's line", show=False),
            Binding(UNBOUND, "caret_line_to_top", "Scroll the caret's line to the top", show=False),
            Binding(
                UNBOUND, "caret_line_to_bottom", "Scroll the caret's line to the bottom", show=False
            ),
            Binding(UNBOUND, "open_link", "Open the link under the caret", show=False),
            Binding(
                "v",
                "toggle_selection",
                "Select",
                tooltip="Start a selection at the caret (again: drop it)",
            ),
            Binding("s", "select_sentence", "Select the sentence", show=False),
            Binding("S", "select_paragraph", "Select the paragraph", show=False),
            Binding("escape", "clear_selection", "Clear selection"),
            Binding("r", "toggle_as_written", "Show as written", show=False),
        ],
    )
    # vim's keys for these (aiwatch_tui.ui.key_sequences).
    SEQUENCES: ClassVar[dict[str, str]] = {
        "reader.center_caret": "z z",
        "reader.caret_line_to_top": "z t",
        "reader.caret_line_to_bottom": "z b",
        "reader.open_link": "g x",
    }

    @dataclass
    class CaretMoved(Message):
        """The caret moved (floods of these collapse into the latest one)."""

        reader: Reader
        offset: int

        @property
        def control(self) -> Reader:
            return self.reader

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, Reader.CaretMoved) and message.reader is self.reader

    @dataclass
    class SelectionChanged(Message):
        """The selection started, changed or was cleared (`span` None)."""

        reader: Reader
        span: Span | None

        @property
        def control(self) -> Reader:
            return self.reader

    @dataclass
    class LinkWanted(Message):
        """`gx`: open the link under the caret (`url` None: there is none)."""

        reader: Reader
        url: str | None

        @property
        def control(self) -> Reader:
            return self.reader

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,  # noqa: A002 - Textual's own parameter name
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._document: Document | None = None
        self._text_map: TextMap | None = None
        self._layouts: OrderedDict[int, Layout] = OrderedDict()
        self._layout: Layout | None = None
        self._caret = 0
        self._selection_anchor: int | None = None
        # The caret came to the start of the next sentence or paragraph (`)`, `}`): a selection
        # growing forward ends before it, with the text it finished, as in vim.
        self._caret_ends_before = False
        self._dragged_from: int | None = None  # where the mouse button went down
        self._drag_selected = False  # that press has selected by dragging
        self._goal_column: int | None = None
        self._as_written = False  # the text as stored, markup and all (`r`)
        self._marks: _Ranges[HighlightMark] = _Ranges([])
        self._matches: _Ranges[Span] = _Ranges([])
        self._current_match: Span | None = None
        self._overlay_version = 0
        self._strips: LRUCache[Hashable, Strip] = LRUCache(1024)
        self._styles: dict[Hashable, Style] = {}
        self._wrap_timer: Timer | None = None
        self._following_caret = False  # our own scrolls must not pull the caret along
        self.reading_width = tl.MAX_MEASURE  # the widest the text column gets

    # --- public API --------------------------------------------------------------------

    @property
    def document(self) -> Document | None:
        return self._document

    @property
    def layout_engine(self) -> Layout | None:
        """The layout currently shown (for tests and benchmarks)."""
        return self._layout

    def load(self, document: Document, caret: int = 0) -> None:
        """Show `document` with the caret at `caret`, scrolled into view with context."""
        had_selection = self._selection_anchor is not None
        self._document = document
        self._text_map = TextMap(document, as_written=self._as_written)
        self._layouts.clear()
        self._layout = None
        self._selection_anchor = None
        self._goal_column = None
        self._marks = _Ranges([])
        self._matches = _Ranges([])
        self._current_match = None
        self._caret = self._text_map.snap_forward(max(0, min(caret, len(document.text))))
        self._invalidate()
        self._relayout()
        self._follow_caret("top")
        self.post_message(self.CaretMoved(self, self._caret))
        if had_selection:
            self.post_message(self.SelectionChanged(self, None))

    @property
    def caret(self) -> int:
        return self._caret

    def move_caret(self, offset: int, *, align: Align = "nearest") -> None:
        """Put the caret on `offset` (snapped to drawn text) and scroll it into view."""
        self._move(offset, align=align)

    def top_offset(self) -> int:
        """The first text offset on the top visible row (the caret's if nothing is shown)."""
        layout = self._layout
        if layout is None:
            return self._caret
        row = layout.text_row(round(self.scroll_y), 1)
        span = layout.row_span(row) if row is not None else None
        return span.start if span is not None else self._caret

    @property
    def progress(self) -> float:
        """How far through the text the caret is: 0.0 on the first character, 1.0 on the last."""
        tm = self._text_map
        if tm is None or tm.empty:
            return 0.0
        first, last = tm.first_offset, tm.last_offset
        if last <= first:
            return 1.0
        return max(0.0, min(1.0, (self._caret - first) / (last - first)))

    @property
    def selection(self) -> Span | None:
        """The selected text: from the anchor to the caret, both characters included; grown
        forward, without the whitespace it ends in (a drag released past a word's end, `l`
        onto a space) and, after `)` or `}`, without the caret's character (the next
        sentence's or paragraph's first); whole entities or images at either end (the caret
        stands on an entity's first character; a highlight never splits it)."""
        if self._selection_anchor is None or self._document is None or self._text_map is None:
            return None
        text = self._document.text
        start = min(self._selection_anchor, self._caret)
        end = min(max(self._selection_anchor, self._caret) + 1, len(text))
        if self._caret > self._selection_anchor:
            stop = self._caret if self._caret_ends_before else end
            end = start + max(1, len(text[start:stop].rstrip()))
        return self._text_map.widen(start, end)

    @property
    def as_written(self) -> bool:
        """Whether the text is shown as stored (markup and all) rather than as read."""
        return self._as_written

    def show_as_written(self, as_written: bool) -> None:
        """Switch between the text as read and as written, keeping the caret on its
        character (snapped to the nearest one the other view shows) and any selection."""
        if as_written == self._as_written or self._document is None:
            return
        self._as_written = as_written
        self._text_map = TextMap(self._document, as_written=as_written)
        self._layouts.clear()
        self._layout = None
        self._caret = self._text_map.snap_forward(self._caret)
        self._invalidate()
        self._relayout()
        self._follow_caret("center")
        self.refresh_bindings()
        self.post_message(self.CaretMoved(self, self._caret))

    def start_selection(self) -> None:
        self._selection_anchor = self._caret
        self._selection_changed()

    def clear_selection(self) -> None:
        if self._selection_anchor is not None:
            self._selection_anchor = None
            self._selection_changed()

    def select_span(self, start: int, end: int) -> None:
        """Select [start, end) and leave the caret on its last character."""
        tm = self._text_map
        if tm is None or tm.empty:
            return
        first = tm.snap_forward(start)
        last = tm.snap_backward(max(first, end - 1))
        self._selection_anchor = first
        self._move(max(first, last), align="nearest", notify_selection=False)
        self._selection_changed()

    def set_highlights(self, marks: Sequence[HighlightMark]) -> None:
        self._marks = _Ranges(marks)
        self._overlays_changed()

    def highlight_at(self, offset: int) -> HighlightMark | None:
        """The highlight covering `offset` (the innermost when they nest)."""
        hits = [self._marks.items[i] for i in self._marks.overlapping(offset, offset + 1)]
        return min(hits, key=lambda m: m.end - m.start) if hits else None

    def set_matches(self, spans: Sequence[Span], current: int | None) -> None:
        """Show find-in-document matches; `current` indexes `spans` (drawn distinctly)."""
        self._matches = _Ranges(spans)
        valid = current is not None and 0 <= current < len(spans)
        self._current_match = spans[current] if valid and current is not None else None
        self._overlays_changed()

    # --- layout and scrolling ----------------------------------------------------------

    def _pane_size(self) -> Size:
        return self.scrollable_content_region.size

    def _relayout(self) -> None:
        """Lay the document out for the current width (reusing a cached layout)."""
        if self._document is None or self._text_map is None:
            return
        width = self._pane_size().width
        if width <= 0:
            return
        layout = self._layouts.pop(width, None)
        if layout is None:
            layout = Layout(
                self._document,
                width,
                self._text_map,
                self.reading_width,
                as_written=self._as_written,
            )
        self._layouts[width] = layout
        while len(self._layouts) > LAYOUTS_KEPT:
            self._layouts.popitem(last=False)
        self._layout = layout
        self._strips.clear()
        self._sync_virtual_size()
        if not layout.is_complete and self._wrap_timer is None:
            self._wrap_timer = self.set_interval(0.02, self._wrap_in_background)

    def _sync_virtual_size(self) -> None:
        layout = self._layout
        if layout is not None:
            size = Size(layout.available_width, layout.row_count)
            if self.virtual_size != size:
                self.virtual_size = size

    def _keeping_top(self, work: Callable[[Layout], _T]) -> _T:
        """Run layout work that may refine blocks above the view, keeping the view still."""
        layout = self._layout
        assert layout is not None
        if layout.is_complete:
            return work(layout)
        top = round(self.scroll_y)
        anchor = layout.anchor(top)
        generation = layout.generation
        result = work(layout)
        if layout.generation != generation:
            self._sync_virtual_size()
            moved_top = layout.row_of(anchor)
            if moved_top != top:
                self._scroll_to_row(moved_top)
        return result

    def _wrap_in_background(self) -> None:
        layout = self._layout
        if layout is None or layout.is_complete:
            if self._wrap_timer is not None:
                self._wrap_timer.stop()
                self._wrap_timer = None
            return
        deadline = time.perf_counter() + WRAP_SLICE_SECONDS
        self._keeping_top(lambda lay: lay.wrap_more(deadline))

    def _position(self, offset: int) -> tuple[int, int]:
        return self._keeping_top(lambda layout: layout.position_of(offset))

    def _scroll_to_row(self, row: int) -> None:
        self._following_caret = True
        try:
            self.scroll_to(y=max(0, row), animate=False)
        finally:
            self._following_caret = False

    def _follow_caret(self, align: Align) -> None:
        """Scroll so the caret is visible ("nearest" scrolls only when it is not)."""
        if self._layout is None:
            return
        height = self._pane_size().height
        if height <= 0:
            return
        row, _ = self._position(self._caret)
        top = round(self.scroll_y)
        context = min(SCROLL_CONTEXT, max(0, (height - 1) // 4))
        if align == "center":
            target = row - height // 2
        elif align == "top":
            # At the first character, the top of the document (with the front matter's
            # title and byline above the text); elsewhere, a few rows of context.
            tm = self._text_map
            at_start = tm is not None and self._caret <= tm.first_offset
            target = 0 if at_start else row - min(3, height // 4)
        elif row < top + context:
            target = row - context
        elif row > top + height - 1 - context:
            target = row - (height - 1 - context)
        else:
            return
        self._scroll_to_row(target)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if not self._following_caret:
            self._pull_caret_into_view()

    def _pull_caret_into_view(self) -> None:
        """After a scroll the caret did not ask for (wheel, scrollbar), keep it on screen."""
        layout = self._layout
        if layout is None or layout.text_map.empty:
            return
        height = self._pane_size().height
        top = round(self.scroll_y)
        row, column = layout.position_of(self._caret)
        if top <= row < top + height:
            return
        layout.ensure_rows(top, height)
        step = 1 if row < top else -1
        target = layout.text_row(top if step == 1 else top + height - 1, step)
        if target is None or not top <= target < top + height:
            return
        offset = layout.offset_at(target, self._goal_column or column)
        if offset is not None:
            self._set_caret(offset)

    def on_resize(self, event: events.Resize) -> None:
        layout = self._layout
        if self._document is None:
            return
        if layout is None:
            self._relayout()
            self._follow_caret("top")
            return
        if layout.available_width == self._pane_size().width:
            self._sync_virtual_size()
            self._follow_caret("nearest")
            return
        old_row, _ = layout.position_of(self._caret)
        from_top = old_row - round(self.scroll_y)
        self._relayout()
        new_row, _ = self._position(self._caret)
        height = self._pane_size().height
        self._scroll_to_row(new_row - max(0, min(from_top, height - 1)))

    # --- rendering ---------------------------------------------------------------------

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strips.clear()

    def on_focus(self) -> None:
        self._invalidate()

    def on_blur(self) -> None:
        self._invalidate()

    def _invalidate(self) -> None:
        self._styles.clear()
        self._strips.clear()
        self.refresh()

    def _overlays_changed(self) -> None:
        self._overlay_version += 1
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._layout is None and self._document is not None:
            # Loaded before the pane had a size (as at start-up): lay out now, when it has
            # one, so the first frame already shows the text rather than waiting for Resize.
            self._relayout()
            self._follow_caret("top")
        # Lay out the rows about to be drawn first, so row numbers stay put while drawing.
        layout = self._layout
        if layout is not None and not layout.is_complete:
            height = self._pane_size().height
            self._keeping_top(lambda lay: lay.ensure_rows(round(self.scroll_y), height))
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        layout = self._layout
        width = self.size.width
        if layout is None:
            return Strip.blank(width, self.rich_style)
        row = self.scroll_offset.y + y
        line = layout.line(row)
        span = line.span
        caret_here = None
        selection_part = None
        if span is not None:
            if span.start <= self._caret < span.end:
                caret_here = self._caret
            selection = self.selection
            if selection is not None and selection.start < span.end and selection.end > span.start:
                selection_part = (max(span.start, selection.start), min(span.end, selection.end))
        # A laid-out line is the same object for as long as its layout lives (and the cache
        # is cleared with the layout), so rows re-numbered by background layout stay cached.
        key = (id(line), self._overlay_version, caret_here, selection_part)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._render_row(layout, line, span)
            self._strips[key] = strip
        return strip

    def _render_row(self, layout: Layout, line: VisualLine, span: Span | None) -> Strip:
        base = self._style(())
        segments: list[Segment] = []
        cursor = 0
        if span is not None and layout.margin > 0 and self._note_starts_on(line):
            segments.append(Segment(" " * (layout.margin - 1), base))
            segments.append(Segment(NOTE_MARK, self._style(("reader--note-mark",))))
            cursor = layout.margin
        kind_class = _KIND_CLASS.get(line.kind)
        if line.kind is LineKind.RULE:
            decoration = "reader--rule"
        elif line.kind in (LineKind.TABLE, LineKind.TABLE_HEADER):
            decoration = "reader--table-border"
        else:
            decoration = "reader--marker"
        for piece in line.segments:
            column = layout.margin + piece.column
            if column > cursor:
                segments.append(Segment(" " * (column - cursor), base))
            if piece.role is PieceRole.TEXT:
                segments.extend(self._text_segments(piece, kind_class))
            elif piece.role is PieceRole.LABEL:
                names = (kind_class,) if kind_class else ()
                segments.append(Segment(piece.text, self._style(names)))
            else:
                segments.append(Segment(piece.text, self._style((decoration,))))
            cursor = column + piece.width
        return Strip(segments).crop_extend(0, layout.available_width, base)

    def _note_starts_on(self, line: VisualLine) -> bool:
        span = line.span
        tm = self._text_map
        if span is None or tm is None:
            return False
        for index in self._marks.overlapping(span.start, span.end):
            mark = self._marks.items[index]
            if mark.has_note and line.piece_at_offset(tm.snap_forward(mark.start)) is not None:
                return True
        return False

    def _text_segments(self, piece: Piece, kind_class: str | None) -> list[Segment]:
        """The piece's text cut where a style, highlight, match, the selection or the caret
        begins or ends. A substituted piece ("©" for "&copy;") takes a layer that covers
        any of its source as a whole."""
        start, end = piece.start, piece.end
        layers: list[tuple[int, int, str]] = list(piece.styles)
        for index in self._marks.overlapping(start, end):
            mark = self._marks.items[index]
            layers.append((mark.start, mark.end, f"reader--highlight-{_color(mark.color)}"))
        current = self._current_match
        for index in self._matches.overlapping(start, end):
            match = self._matches.items[index]
            name = "reader--match-current" if match == current else "reader--match"
            layers.append((match.start, match.end, name))
        selection = self.selection
        if selection is not None and selection.start < end and selection.end > start:
            layers.append((selection.start, selection.end, "reader--selection"))
        if start <= self._caret < end:
            layers.append((self._caret, self._caret + 1, "reader--caret"))
        kind = (kind_class,) if kind_class else ()
        if not layers:
            return [Segment(piece.text, self._style(kind))]
        if piece.substituted:
            names = kind + tuple(name for s, e, name in layers if s < end and e > start)
            return [Segment(piece.text, self._style(names))]
        cuts = {start, end}
        for layer_start, layer_end, _ in layers:
            cuts.add(min(end, max(start, layer_start)))
            cuts.add(min(end, max(start, layer_end)))
        edges = sorted(cuts)
        segments = []
        for left, right in zip(edges, edges[1:], strict=False):
            names = kind + tuple(name for s, e, name in layers if s <= left < e)
            segments.append(Segment(piece.text[left - start : right - start], self._style(names)))
        return segments

    def _style(self, names: tuple[str, ...]) -> Style:
        """The widget's style with the named component styles layered on, in order."""
        style = self._styles.get(names)
        if style is None:
            style = self.rich_style
            for name in names:
                style = style + self._component_style(name)
            self._styles[names] = style
        return style

    def _component_style(self, name: str) -> Style:
        """A component's own colours and text style, translucent colours blended over the
        widget's background (Rich styles cannot carry alpha)."""
        key = ("component", name)
        cached = self._styles.get(key)
        if cached is not None:
            return cached
        styles = self.get_component_styles(name)
        backdrop = self.background_colors[1]
        background: Color | None = None
        if styles.has_rule("background"):
            background = styles.background
            if background.a < 1:
                background = backdrop + background
        color = None
        if styles.has_rule("color"):
            color = styles.color
            if color.a < 1:
                color = (background or backdrop) + color
        style = Style(
            color=color.rich_color if color is not None else None,
            bgcolor=background.rich_color if background is not None else None,
        )
        style += styles.text_style
        self._styles[key] = style
        return style

    # --- caret moves -------------------------------------------------------------------

    def _set_caret(self, offset: int) -> None:
        if offset != self._caret:
            old, self._caret = self._caret, offset
            self._caret_ends_before = False
            self._redraw_caret_rows(old, offset)
            self.post_message(self.CaretMoved(self, offset))
            if self._selection_anchor is not None:
                self._selection_changed(redraw=False)

    def _redraw_caret_rows(self, old: int, new: int) -> None:
        """Redraw the rows from the caret's old place to its new one, and no others: only
        they change (the caret, and a selection growing or shrinking with it). Over a slow
        link a redraw of the whole pane would cost kilobytes per keystroke; a scroll redraws
        everything anyway."""
        if self._layout is None:
            self.refresh()
            return
        first, _ = self._position(old)
        last, _ = self._position(new)
        if first > last:
            first, last = last, first
        self.refresh_lines(first, last - first + 1)

    def _move(
        self,
        offset: int,
        *,
        align: Align = "nearest",
        keep_goal: bool = False,
        notify_selection: bool = True,
        ends_before: bool = False,
    ) -> None:
        tm = self._text_map
        if tm is None or self._document is None:
            return
        if not keep_goal:
            self._goal_column = None
        offset = tm.snap_forward(max(0, min(offset, len(self._document.text))))
        old = self._caret
        self._caret = offset
        self._caret_ends_before = ends_before
        self._follow_caret(align)
        if offset != old:
            self._redraw_caret_rows(old, offset)
            self.post_message(self.CaretMoved(self, offset))
            if notify_selection and self._selection_anchor is not None:
                self._selection_changed(redraw=False)

    def _selection_changed(self, *, redraw: bool = True) -> None:
        if redraw:
            self.refresh()
        self.refresh_bindings()
        self.post_message(self.SelectionChanged(self, self.selection))

    def _motion(self, motion: Callable[[TextMap, int], int], *, ends_before: bool = False) -> None:
        if self._text_map is not None:
            self._move(motion(self._text_map, self._caret), ends_before=ends_before)

    def _line_move(self, step: int) -> None:
        if self._layout is None:
            return
        row, column = self._position(self._caret)
        goal = column if self._goal_column is None else self._goal_column
        if step > 0:
            offset = self._keeping_top(lambda layout: layout.line_down(self._caret, goal))
        else:
            offset = self._keeping_top(lambda layout: layout.line_up(self._caret, goal))
        self._move(offset, keep_goal=True)
        self._goal_column = goal

    def _page(self, rows: int) -> None:
        """Scroll by `rows` (negative: up) and move the caret as far, keeping its screen row."""
        layout = self._layout
        if layout is None or layout.text_map.empty:
            return
        height = self._pane_size().height
        top = round(self.scroll_y)
        row, column = self._position(self._caret)
        goal = column if self._goal_column is None else self._goal_column
        screen_row = max(0, min(height - 1, row - top))
        new_top = max(0, min(top + rows, self.max_scroll_y))
        if new_top == top:
            target = (
                layout.text_row(layout.row_count - 1, -1) if rows > 0 else layout.text_row(0, 1)
            )
        else:
            self._keeping_top(lambda lay: lay.ensure_rows(new_top, height))
            self._sync_virtual_size()
            self._scroll_to_row(new_top)
            wanted = new_top + screen_row
            target = layout.text_row(wanted, 1 if rows > 0 else -1)
            if target is None or not new_top <= target < new_top + height:
                target = layout.text_row(wanted, -1 if rows > 0 else 1)
        if target is not None:
            offset = layout.offset_at(target, goal)
            if offset is not None:
                self._move(offset, keep_goal=True)
        self._goal_column = goal

    # --- actions -----------------------------------------------------------------------

    def action_line_down(self) -> None:
        self._line_move(1)

    def action_line_up(self) -> None:
        self._line_move(-1)

    def action_toggle_as_written(self) -> None:
        """`r`: the text exactly as stored (like `less`), and back."""
        self.show_as_written(not self._as_written)
        self.notify(
            "Showing the text as written: r to read it again"
            if self._as_written
            else "Showing the text as read",
            timeout=3,
        )

    def action_char_right(self) -> None:
        tm = self._text_map
        if tm is not None:
            self._move(tm.snap_forward(self._caret + 1))

    def action_char_left(self) -> None:
        tm = self._text_map
        if tm is not None and self._caret > tm.first_offset:
            self._move(tm.snap_backward(self._caret - 1))

    def action_word_forward(self) -> None:
        self._motion(tl.next_word)

    def action_word_backward(self) -> None:
        self._motion(tl.previous_word)

    def action_sentence_forward(self) -> None:
        self._motion(tl.next_sentence, ends_before=True)

    def action_sentence_backward(self) -> None:
        self._motion(tl.previous_sentence)

    def action_paragraph_forward(self) -> None:
        self._motion(tl.next_paragraph, ends_before=True)

    def action_paragraph_backward(self) -> None:
        self._motion(tl.previous_paragraph)

    def _page_rows(self) -> int:
        return max(1, self._pane_size().height - 2)

    def action_page_down(self) -> None:
        self._page(self._page_rows())

    def action_page_up(self) -> None:
        self._page(-self._page_rows())

    def action_half_page_down(self) -> None:
        self._page(max(1, self._pane_size().height // 2))

    def action_half_page_up(self) -> None:
        self._page(-max(1, self._pane_size().height // 2))

    def action_scroll_line_down(self) -> None:
        self._scroll_rows(1)

    def action_scroll_line_up(self) -> None:
        self._scroll_rows(-1)

    def _scroll_rows(self, rows: int) -> None:
        """Scroll the text by `rows` (less's ctrl+e / ctrl+y); the caret stays where it is
        in the text unless it would leave the screen, then it keeps to the edge."""
        layout = self._layout
        if layout is None:
            return
        height = self._pane_size().height
        top = round(self.scroll_y)
        self._keeping_top(lambda lay: lay.ensure_rows(max(0, top + rows), height))
        self._sync_virtual_size()
        new_top = max(0, min(top + rows, round(self.max_scroll_y)))
        if new_top != top:
            self.scroll_to(y=new_top, animate=False, immediate=True)  # pulls the caret along

    def action_center_caret(self) -> None:
        self._caret_row_to("center")

    def action_caret_line_to_top(self) -> None:
        self._caret_row_to("top")

    def action_caret_line_to_bottom(self) -> None:
        self._caret_row_to("bottom")

    def _caret_row_to(self, where: Literal["center", "top", "bottom"]) -> None:
        """Scroll so the caret's row is in the middle, at the top or at the bottom (vim's zz,
        zt, zb), as far as the text allows; the caret stays."""
        if self._layout is None:
            return
        height = self._pane_size().height
        row, _ = self._position(self._caret)
        target = {"center": row - height // 2, "top": row, "bottom": row - height + 1}[where]
        self._sync_virtual_size()
        self._scroll_to_row(max(0, min(target, round(self.max_scroll_y))))

    def action_open_link(self) -> None:
        document = self._document
        if document is not None:
            url = link_at(document.text, document.inlines, self._caret)
            self.post_message(self.LinkWanted(self, url))

    def key_state(self) -> object:
        """Where the caret and the view are (see aiwatch_tui.ui.key_sequences: `gx` puts back
        what `g` did)."""
        return (self._document, self._caret, round(self.scroll_y), self._selection_anchor)

    def restore_key_state(self, state: object) -> None:
        if not isinstance(state, tuple) or state[0] is not self._document:
            return
        _, caret, top, anchor = state
        if anchor != self._selection_anchor:
            self._selection_anchor = anchor
            self._selection_changed()
        self._move(caret)
        self._scroll_to_row(top)

    def action_top(self) -> None:
        if self._text_map is not None:
            self._move(self._text_map.first_offset)
            self._scroll_to_row(0)

    def action_bottom(self) -> None:
        if self._text_map is not None:
            self._move(self._text_map.last_offset)

    def action_toggle_selection(self) -> None:
        if self._selection_anchor is None:
            self.start_selection()
        else:
            self.clear_selection()

    def action_select_sentence(self) -> None:
        if self._text_map is not None:
            span = tl.sentence_span(self._text_map, self._caret)
            self.select_span(span.start, span.end)

    def action_select_paragraph(self) -> None:
        if self._text_map is not None:
            span = tl.paragraph_span(self._text_map, self._caret)
            self.select_span(span.start, span.end)

    def action_clear_selection(self) -> None:
        self.clear_selection()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_selection":
            return self._selection_anchor is not None  # otherwise escape goes to the parents
        return True

    # --- mouse -------------------------------------------------------------------------

    def _offset_under(self, event: events.MouseEvent) -> int | None:
        """The text offset under the mouse: on a blank row or a border, the nearest row with
        text below, or above; beside a line, its nearest end. Outside the pane (a drag that
        left it), the nearest row and column inside."""
        layout = self._layout
        if layout is None:
            return None
        offset = event.get_content_offset_capture(self)
        size = self._pane_size()
        y = max(0, min(offset.y, size.height - 1))
        row = round(self.scroll_y) + y
        target = layout.text_row(row, 1)
        if target is None:
            target = layout.text_row(row, -1)
        if target is None:
            return None
        return layout.offset_at(target, max(0, offset.x - layout.margin))

    def on_mouse_down(self, event: events.MouseDown) -> None:
        self._drag_selected = False  # (a drag released outside the pane ended with no click)
        if event.button != 1:
            return
        found = self._offset_under(event)
        if found is None:
            return
        self.focus()
        self._dragged_from = found
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        # A drag selects from where the button went down to the text under the mouse.
        start = self._dragged_from
        if start is None or not event.button:
            return
        found = self._offset_under(event)
        if found is None or (found == start and not self._drag_selected):
            return
        if not self._drag_selected:
            self._drag_selected = True
            self._selection_anchor = start
            self._selection_changed()
        self._move(found)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._dragged_from is not None:
            self._dragged_from = None
            self.release_mouse()

    def on_click(self, event: events.Click) -> None:
        # A click that ends a drag keeps what the drag selected; a click puts the caret there
        # (and drops a selection); a double-click selects the word.
        if self._drag_selected:
            self._drag_selected = False
            return
        found = self._offset_under(event)
        if found is None or self._text_map is None:
            return
        self.focus()
        word = tl.word_span(self._text_map, found) if event.chain == 2 else None
        if word is not None:
            self.select_span(word.start, word.end)
            return
        self.clear_selection()
        self._move(found)


def _color(name: str) -> str:
    return name if name in HIGHLIGHT_COLORS else HIGHLIGHT_COLORS[0]
