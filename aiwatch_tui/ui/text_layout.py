"""The reading pane's layout engine: documents to visual lines, and caret motions.

No Textual import, so it can be tested without an event loop; widths come from Rich's own
cell table (`rich.cells`), the one the renderer draws with, so columns, highlights and table
borders line up with what reaches the terminal.

Two objects do the work:

- `TextMap` (one per document, independent of the width) knows which text offsets the caret
  can stand on ("units": the readable content of each block, and each table cell, less the
  source a reader does not see: Markdown syntax, hidden tags, the inside of an entity) and
  provides the caret motions over text offsets (word, sentence, paragraph).
- `Layout` (one per document and pane width) turns blocks into `VisualLine`s. It is lazy:
  a block is wrapped the first time one of its rows is needed; until then its height is an
  estimate. A Fenwick tree over per-block row counts makes "which block holds row r" and
  "first row of block b" O(log n) while estimates are refined, so opening a 5 MB article
  costs about what a 5 KB one does. `wrap_more()` finishes the job in small slices.

What is drawn is the shown text (core.text.shown: hidden source left out, entities and
images as what they stand for), and every drawn character keeps its source offset: a
`Piece` draws `text` at `column`; for a piece of source shown as it is, `text[i]` is the
document character at `start + i` (newlines and tabs are drawn as one space each); a
substituted piece ("©" for "&copy;") stands as a whole for `start`..`source_end`. Columns
are relative to the measure's left edge; the widget adds `Layout.margin`.

With `as_written`, a Layout shows the document's text exactly as it is stored, every line
of it, markup and all (the view `less` gives), through the same pieces: caret, highlights
and find work there as everywhere.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from rich.cells import cell_len, get_character_cell_size, split_graphemes

from aiwatch_tui.core.model import (
    B_CODE,
    B_HEADING,
    B_LIST_ITEM,
    B_QUOTE,
    B_RULE,
    B_TABLE,
    I_BREAK,
    I_CODE,
    I_EMPHASIS,
    I_FOOTNOTE_REF,
    I_HIDDEN,
    I_IMAGE,
    I_LINK,
    I_REPLACE,
    I_STRIKE,
    I_STRONG,
    I_TASK,
    I_URL,
    Blocks,
    Document,
    Inlines,
    Span,
)
from aiwatch_tui.core.text import front_matter
from aiwatch_tui.core.text.as_written import as_written_blocks
from aiwatch_tui.core.text.sanitize import visible
from aiwatch_tui.core.text.shown import Run, Shown, shown
from aiwatch_tui.core.text.structure import byline

MAX_MEASURE = 80
"""The widest text column: a comfortable line length for prose."""

EAGER_CHARS = 256_000
"""Documents up to this size are laid out completely at once (deterministic and cheap)."""

BULLET = "•"
QUOTE_BAR = "▎ "
CONTINUATION = "↪"  # marks a code line that had to be hard-wrapped
RULE_CHAR = "─"
LIST_INDENT = 2  # columns per level of list nesting

# Characters known to be one cell wide: most Latin, Greek, Cyrillic text and typographic
# punctuation. A block made only of these is measured with len(), which is what keeps the
# wrap fast; anything else is measured by Rich, a grapheme at a time.
_NEEDS_MEASURING = re.compile(
    r"[^\t\n\x20-\x7e\xa0-\u02ff\u0370-\u0482\u2010-\u2027\u2030-\u205e]"
).search
# Control characters must never reach the terminal even if a Document was not sanitised.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NON_SPACE = re.compile(r"\S")
_WORD_START = re.compile(r"(?<!\S)\S")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")
_SENTENCE_TAIL_CHARS = frozenset(".!?…\"'”’)] \t\n")

# The spans that style text, by the name of the reader's component class for each.
STYLE_CLASSES: dict[int, str] = {
    I_STRONG: "reader--strong",
    I_EMPHASIS: "reader--emphasis",
    I_CODE: "reader--code",
    I_STRIKE: "reader--strike",
    I_LINK: "reader--link",
    I_URL: "reader--url",
    I_IMAGE: "reader--image",
    I_TASK: "reader--task",
    I_FOOTNOTE_REF: "reader--footnote",
}


def measure_for(available: int, widest: int = MAX_MEASURE) -> tuple[int, int]:
    """(measure, left margin) for a pane `available` cells wide: the text column is
    min(available - 2, widest) wide and centred."""
    measure = max(1, min(available - 2, widest))
    return measure, max(0, (available - measure) // 2)


@lru_cache(maxsize=8192)
def char_width(char: str) -> int:
    """Terminal cells taken by one character alone, as Rich (the renderer) counts them."""
    return 1 if char < "\u0300" else get_character_cell_size(char)


def text_width(text: str) -> int:
    """Cells a string takes, as the renderer counts them (graphemes: a family emoji joined
    by zero-width joiners is two cells, not six)."""
    if _NEEDS_MEASURING(text) is None:
        return len(text)
    return cell_len(text)


def display_text(text: str) -> str:
    """What is drawn for a run of source text, one character per source character."""
    if "\n" in text or "\t" in text:
        text = text.replace("\n", " ").replace("\t", " ")
    if _CONTROL.search(text):
        text = _CONTROL.sub("\ufffd", text)
    return text


# --- visual lines ------------------------------------------------------------------------


class LineKind(StrEnum):
    BLANK = "blank"
    TITLE = "title"  # a level-1 heading
    HEADING = "heading"
    TEXT = "text"
    ITEM = "item"
    QUOTE = "quote"
    CODE = "code"
    TABLE = "table"
    TABLE_HEADER = "table-header"
    RULE = "rule"
    BYLINE = "byline"  # the front matter's author and date, under the title


class PieceRole(StrEnum):
    TEXT = "text"  # document text with offsets
    MARKER = "marker"  # list bullet/number, quote bar, code continuation mark
    BORDER = "border"  # table borders and rules
    LABEL = "label"  # words that are not document text: the front matter's title and byline


Style = tuple[int, int, str]  # a styled source span over a piece: start, end, class name


class Piece(NamedTuple):
    """`text` drawn from `column`. A TEXT piece shows source from `start`: as it is
    (`text[i]` is offset `start + i`), or substituted when `source_end` is set (all of
    `text` stands for `start`..`source_end`: "©" for "&copy;", "[image: x]" for an image).
    `styles` are the style spans over it (strong, code, link...), in source offsets."""

    column: int
    text: str
    start: int = -1
    role: PieceRole = PieceRole.TEXT
    narrow: bool = True  # every character is one cell wide (column arithmetic is trivial)
    source_end: int = -1
    styles: tuple[Style, ...] = ()

    @property
    def substituted(self) -> bool:
        return self.source_end >= 0

    @property
    def end(self) -> int:
        return self.source_end if self.source_end >= 0 else self.start + len(self.text)

    @property
    def width(self) -> int:
        return len(self.text) if self.narrow else text_width(self.text)

    def column_of(self, offset: int) -> int:
        """Cell column of document `offset` (which must lie in this piece)."""
        if self.source_end >= 0:
            return self.column
        index = offset - self.start
        if self.narrow:
            return self.column + index
        return self.column + text_width(self.text[:index])

    def offset_at(self, column: int) -> int:
        """Document offset drawn at `column` (clamped into the piece)."""
        if self.source_end >= 0:
            return self.start
        if self.narrow:
            return self.start + max(0, min(len(self.text) - 1, column - self.column))
        spans, _ = split_graphemes(self.text)
        cell = self.column
        for start, _end, width in spans:
            cell += width
            if cell > column:
                return self.start + start
        return self.start + len(self.text) - 1


class VisualLine(NamedTuple):
    kind: LineKind
    block_index: int
    segments: tuple[Piece, ...] = ()

    @property
    def text_pieces(self) -> tuple[Piece, ...]:
        return tuple(p for p in self.segments if p.role is PieceRole.TEXT and p.text)

    @property
    def has_text(self) -> bool:
        return any(p.role is PieceRole.TEXT and p.text for p in self.segments)

    @property
    def span(self) -> Span | None:
        """The smallest span of offsets covering every character drawn on this line."""
        pieces = self.text_pieces
        if not pieces:
            return None
        return Span(min(p.start for p in pieces), max(p.end for p in pieces))

    def piece_at_offset(self, offset: int) -> Piece | None:
        for piece in self.segments:
            if piece.role is PieceRole.TEXT and piece.start <= offset < piece.end:
                return piece
        return None

    def offset_at(self, column: int) -> int | None:
        """The drawn offset nearest to `column`, or None for a line without text."""
        pieces = self.text_pieces
        if not pieces:
            return None
        best = pieces[0]
        best_distance = -1
        for piece in pieces:
            left, right = piece.column, piece.column + piece.width
            if left <= column < right:
                return piece.offset_at(column)
            distance = left - column if column < left else column - right + 1
            if best_distance < 0 or distance < best_distance:
                best, best_distance = piece, distance
        return best.offset_at(column)


def _wrap_cells(text: str, cells: int) -> list[str]:
    """`text` wrapped on spaces into rows of at most `cells` cells (a word too long for a
    row is cut)."""
    rows: list[str] = []
    row = ""
    for word in text.split():
        candidate = f"{row} {word}" if row else word
        if text_width(candidate) <= cells:
            row = candidate
            continue
        if row:
            rows.append(row)
        row = word if text_width(word) <= cells else _cut_to_cells(word, cells)
    if row:
        rows.append(row)
    return rows


def _cut_to_cells(text: str, cells: int) -> str:
    """The longest start of `text` that fits in `cells` cells."""
    used = 0
    for index, char in enumerate(text):
        used += char_width(char)
        if used > cells:
            return text[:index]
    return text


def _blank(block_index: int) -> VisualLine:
    return VisualLine(LineKind.BLANK, block_index)


OUTSIDE = VisualLine(LineKind.BLANK, -1)
"""The line shown past the end of the document (one object: callers may key caches on it)."""


# --- wrapping ----------------------------------------------------------------------------


def wrap_runs(text: str, start: int, end: int, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of text[start:end] to `width` cells: [(line_start, line_end), ...].

    A line keeps the whitespace run that ends it (so every offset stays drawn); that
    whitespace may hang past `width`, into the margin. Words longer than a line break after
    a "-" or "/" when they have one, otherwise anywhere.
    """
    source = display_text(text[start:end])
    runs = _wrap_source(source, width, _NEEDS_MEASURING(source) is None)
    return [(start + a, start + b) for a, b in runs]


def _wrap_source(source: str, width: int, narrow: bool) -> list[tuple[int, int]]:
    """wrap_runs over an already displayable string; offsets relative to it."""
    width = max(1, width)
    length = len(source)
    runs: list[tuple[int, int]] = []
    pos = 0
    find = source.rfind
    next_word = _NON_SPACE.search
    while pos < length:
        limit = pos + width if narrow else _cell_limit(source, pos, width)
        if limit >= length:
            runs.append((pos, length))
            break
        brk = find(" ", pos + 1, limit + 1)
        if brk <= pos:
            brk = max(find("-", pos + 1, limit), find("/", pos + 1, limit)) + 1
            if brk <= pos:
                brk = limit
        found = next_word(source, brk)
        line_end = found.start() if found else length
        runs.append((pos, line_end))
        pos = line_end
    return runs


def _cell_limit(source: str, pos: int, width: int) -> int:
    """The first index past `pos` whose grapheme would not fit in `width` cells (never
    inside a grapheme, and at least one past `pos`)."""
    window = source[pos : pos + 4 * width + 8]
    spans, _ = split_graphemes(window)
    cells = 0
    for start, _end, cell_width in spans:
        cells += cell_width
        if cells > width:
            return pos + max(1, start)
    return pos + max(1, len(window))


# --- shown text to pieces -----------------------------------------------------------------


class _Styles:
    """The style spans of one block (strong, code, links...), for the pieces drawn in it."""

    __slots__ = ("starts", "spans", "longest")

    def __init__(self, inlines: Inlines, start: int, end: int) -> None:
        kinds, starts, ends = inlines.kinds, inlines.starts, inlines.ends
        self.spans = [
            (starts[i], ends[i], STYLE_CLASSES[kinds[i]])
            for i in inlines.indices(start, end)
            if kinds[i] in STYLE_CLASSES and ends[i] > starts[i]
        ]
        self.starts = [span[0] for span in self.spans]
        self.longest = max((e - s for s, e, _ in self.spans), default=0)

    def over(self, start: int, end: int) -> tuple[Style, ...]:
        if not self.spans:
            return ()
        first = bisect_left(self.starts, start - self.longest)
        last = bisect_left(self.starts, end)
        return tuple(span for span in self.spans[first:last] if span[1] > start)


_NO_STYLES = _Styles(Inlines(), 0, 0)


class _View:
    """A stretch of source as shown: its shown text, the runs mapping it back, and the text
    as drawn (newlines and tabs as spaces, no control characters)."""

    __slots__ = ("shown", "runs", "run_starts", "drawn", "narrow", "styles")

    def __init__(self, view: Shown, styles: _Styles) -> None:
        self.shown = view.text
        self.runs = view.runs
        self.run_starts = [run.shown for run in view.runs]
        self.drawn = display_text(view.text)
        self.narrow = _NEEDS_MEASURING(self.drawn) is None
        self.styles = styles

    def run_end(self, k: int) -> int:
        runs = self.runs
        return runs[k + 1].shown if k + 1 < len(runs) else len(self.shown)

    def is_break(self, k: int) -> bool:
        run = self.runs[k]
        return run.substituted and self.shown[run.shown : self.run_end(k)] == "\n"

    def pieces(self, a: int, b: int, column: int) -> list[Piece]:
        """Pieces drawing shown[a:b] from `column`."""
        pieces: list[Piece] = []
        runs, drawn, styles = self.runs, self.drawn, self.styles
        k = max(0, bisect_right(self.run_starts, a) - 1)
        while k < len(runs) and runs[k].shown < b:
            run: Run = runs[k]
            x, y = max(a, run.shown), min(b, self.run_end(k))
            k += 1
            if y <= x:
                continue
            text = drawn[x:y]
            narrow = self.narrow or _NEEDS_MEASURING(text) is None
            if run.substituted:
                piece = Piece(
                    column,
                    text,
                    run.start,
                    PieceRole.TEXT,
                    narrow,
                    run.end,
                    styles.over(run.start, run.end),
                )
            else:
                start = run.start + x - run.shown
                piece = Piece(
                    column,
                    text,
                    start,
                    PieceRole.TEXT,
                    narrow,
                    -1,
                    styles.over(start, start + y - x),
                )
            pieces.append(piece)
            column += piece.width
        return pieces

    def wrapped(self, width: int) -> list[tuple[int, int, int]]:
        """Lines of at most `width` cells as (shown start, shown end, break run or -1): the
        text is wrapped between its hard line breaks, each break ending a line."""
        lines: list[tuple[int, int, int]] = []
        segment = 0
        breaks = (
            [k for k in range(len(self.runs)) if self.is_break(k)] if "\n" in self.shown else []
        )
        for k in [*breaks, -1]:
            stop = self.runs[k].shown if k >= 0 else len(self.shown)
            part = self.drawn[segment:stop]
            runs = _wrap_source(part, width, self.narrow) if part else []
            if not runs:
                if k >= 0:
                    lines.append((segment, segment, k))
            else:
                lines += [(segment + a, segment + b, -1) for a, b in runs]
                if k >= 0:
                    lines[-1] = (lines[-1][0], lines[-1][1], k)
            if k >= 0:
                segment = self.run_end(k)
        return lines

    def break_piece(self, k: int, column: int) -> Piece:
        """A hard line break, drawn as a space at the end of its line (so the caret can
        stand on it)."""
        run = self.runs[k]
        return Piece(column, " ", run.start, PieceRole.TEXT, True, run.end)


# --- tables ------------------------------------------------------------------------------


def fit_columns(natural: Sequence[int], available: int) -> list[int]:
    """Column widths summing to at most `available`: natural widths when they fit, else the
    widest columns are capped (water-filling) so they wrap inside themselves."""
    widths = [max(1, n) for n in natural]
    if sum(widths) <= available:
        return widths
    if available <= len(widths):
        return [1] * len(widths)
    low, high = 1, max(widths)
    while low < high:  # the largest cap whose capped total still fits
        cap = (low + high + 1) // 2
        if sum(min(w, cap) for w in widths) <= available:
            low = cap
        else:
            high = cap - 1
    fitted = [min(w, low) for w in widths]
    spare = available - sum(fitted)
    for index, wanted in enumerate(widths):
        if spare <= 0:
            break
        if wanted > fitted[index]:
            fitted[index] += 1
            spare -= 1
    return fitted


def _table_border(widths: Sequence[int], left: str, join: str, right: str, fill: str) -> str:
    return left + join.join(fill * (w + 2) for w in widths) + right


def _align_shift(align: str, width: int, used: int) -> int:
    # Trailing spaces kept at a wrap point do not count when aligning.
    room = max(0, width - used)
    if align == "right":
        return room
    if align == "center":
        return room // 2
    return 0


# --- text map: which offsets the caret can stand on, and the caret motions ---------------


class TextMap:
    """The drawn text of a document as sorted, disjoint "units" (block contents and table
    cells) less their holes: hidden source, and the inside of a substituted span (the caret
    stands on an entity's "&", which shows its "©"). Independent of the pane width, so one
    serves every Layout of a document. Holes are worked out per unit when first needed."""

    def __init__(self, document: Document, *, as_written: bool = False) -> None:
        self.text = document.text
        blocks = as_written_blocks(self.text) if as_written else document.blocks
        self.inlines = Inlines() if as_written else document.inlines
        units: list[tuple[int, int]] = []
        for index in range(len(blocks)):
            kind = blocks.kinds[index]
            if kind == B_TABLE:
                table = blocks.tables.get(index)
                if table is not None:
                    units.extend(
                        (c.start, c.end) for row in table.rows for c in row if c.end > c.start
                    )
            elif kind != B_RULE:
                start, end = blocks.content_starts[index], blocks.content_ends[index]
                if end > start:
                    units.append((start, end))
        if any(units[i][0] < units[i - 1][1] for i in range(1, len(units))):
            units = _disjoint(units)
        self.starts = [u[0] for u in units]
        self.ends = [u[1] for u in units]
        self._holes: dict[int, tuple[list[int], list[int], list[int], list[int]]] = {}
        self._first = self._last = -1

    @property
    def empty(self) -> bool:
        return not self.starts

    @property
    def first_offset(self) -> int:
        if self._first < 0:
            self._first = self.snap_forward(self.starts[0]) if self.starts else 0
        return self._first

    @property
    def last_offset(self) -> int:
        """The offset of the last character the caret can stand on."""
        if self._last < 0:
            self._last = self.snap_backward(self.ends[-1] - 1) if self.ends else 0
        return self._last

    def holes(self, unit: int) -> tuple[list[int], list[int], list[int], list[int]]:
        """(starts, ends, ways back, span starts) of the holes in unit `unit`: a hole's
        offsets are not caret positions; moving back into one lands on its way back; its
        span (the hidden or substituted source) starts at its span start."""
        found = self._holes.get(unit)
        if found is not None:
            return found
        inlines = self.inlines
        kinds, starts, ends = inlines.kinds, inlines.starts, inlines.ends
        holes: list[tuple[int, int, int, int]] = []
        for i in inlines.indices(self.starts[unit], self.ends[unit]):
            kind, start, end = kinds[i], starts[i], ends[i]
            if kind == I_HIDDEN and end > start:
                hole = (start, end, start - 1, start)
            elif (kind == I_REPLACE or kind == I_BREAK) and end - start > 1:
                hole = (start + 1, end, start, start)
            else:
                continue
            if holes and hole[0] <= holes[-1][1] and hole[3] < holes[-1][1]:
                last = holes[-1]  # nested in (or overlapping) the last one
                if hole[1] > last[1]:
                    holes[-1] = (last[0], hole[1], last[2], last[3])
                continue
            holes.append(hole)
        found = (
            [h[0] for h in holes],
            [h[1] for h in holes],
            [h[2] for h in holes],
            [h[3] for h in holes],
        )
        if len(self._holes) > 4096:
            self._holes.clear()
        self._holes[unit] = found
        return found

    def _hole_at(self, unit: int, offset: int) -> int:
        """The index of the hole of `unit` holding `offset`, or -1."""
        starts, ends, _, _ = self.holes(unit)
        k = bisect_right(starts, offset) - 1
        return k if k >= 0 and offset < ends[k] else -1

    def unit_index(self, offset: int) -> int | None:
        index = bisect_right(self.starts, offset) - 1
        if index >= 0 and offset < self.ends[index]:
            return index
        return None

    def is_drawn(self, offset: int) -> bool:
        unit = self.unit_index(offset)
        return unit is not None and self._hole_at(unit, offset) < 0

    def snap_forward(self, offset: int) -> int:
        """The nearest caret position at or after `offset` (the last one past the end)."""
        if self.empty:
            return 0
        while True:
            unit = bisect_right(self.starts, offset) - 1
            if unit < 0:
                offset, unit = self.starts[0], 0
            if offset >= self.ends[unit]:
                if unit + 1 >= len(self.starts):
                    return self.last_offset if self._last >= 0 or offset > 0 else offset
                offset = self.starts[unit + 1]
                continue
            hole = self._hole_at(unit, offset)
            if hole < 0:
                return offset
            offset = self.holes(unit)[1][hole]
            if offset >= self.ends[-1]:
                return self.snap_backward(self.ends[-1] - 1)

    def snap_backward(self, offset: int) -> int:
        """The nearest caret position at or before `offset` (the first one before the start)."""
        if self.empty:
            return 0
        while True:
            unit = bisect_right(self.starts, offset) - 1
            if unit < 0:
                return self._forward_from_start()
            if offset >= self.ends[unit]:
                offset = self.ends[unit] - 1
            hole = self._hole_at(unit, offset)
            if hole < 0:
                return offset
            offset = self.holes(unit)[2][hole]
            if offset < self.starts[0]:
                return self._forward_from_start()

    def _forward_from_start(self) -> int:
        starts, ends = self.starts, self.ends
        offset = starts[0]
        unit = 0
        while True:  # the first caret position, found without snap_backward
            hole = self._hole_at(unit, offset)
            if hole < 0:
                return offset
            offset = self.holes(unit)[1][hole]
            if offset >= ends[unit]:
                unit += 1
                if unit >= len(starts):
                    return starts[0]
                offset = starts[unit]

    def widen(self, start: int, end: int) -> Span:
        """start..end widened so that neither end splits a hidden or substituted span: a
        highlight never cuts an entity or an image's source in two."""
        unit = self.unit_index(start)
        if unit is not None:
            hole = self._hole_at(unit, start)
            span_starts = self.holes(unit)[3]
            if hole >= 0 and span_starts[hole] < start:
                start = span_starts[hole]
        unit = self.unit_index(end)
        if unit is not None and end > start:
            hole = self._hole_at(unit, end)
            _, ends, _, span_starts = self.holes(unit)
            if hole >= 0 and span_starts[hole] < end:
                end = ends[hole]
        return Span(start, end)

    def unit_span(self, offset: int) -> Span:
        """The unit (paragraph, heading, list item, table cell) holding `offset` (snapped)."""
        if self.empty:
            return Span(0, 0)
        index = self.unit_index(self.snap_forward(offset))
        assert index is not None
        return Span(self.starts[index], self.ends[index])

    def sentence_starts(self, unit: Span, lo: int, hi: int) -> Iterator[int]:
        """Sentence starts s with lo < s < hi inside `unit` (the unit start is one too)."""
        text = self.text
        first = self.snap_forward(unit.start)
        if first > lo and first < hi:
            yield first
        scan = max(unit.start, lo)
        while scan > unit.start and text[scan - 1] in _SENTENCE_TAIL_CHARS:
            scan -= 1
        for match in _SENTENCE_END.finditer(text, scan, unit.end):
            start = self.snap_forward(match.end())
            if start >= hi:
                return
            if start > lo and start < unit.end and not text[start].islower():
                yield start


def _disjoint(units: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(units):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def next_word(tm: TextMap, offset: int) -> int:
    """`w`: the start of the next word (a run of non-space characters, or a unit's start)."""
    position = offset
    while True:
        found = _WORD_START.search(tm.text, position + 1)
        candidate = found.start() if found else len(tm.text)
        unit = bisect_right(tm.starts, position)
        if unit < len(tm.starts):
            candidate = min(candidate, tm.starts[unit])
        if candidate >= len(tm.text) or candidate > tm.last_offset:
            return max(offset, tm.last_offset) if not tm.empty else offset
        if tm.is_drawn(candidate):
            return candidate
        snapped = tm.snap_forward(candidate)  # a word whose first characters are hidden
        if snapped > offset and tm.is_drawn(snapped) and snapped <= tm.last_offset:
            found_after = _WORD_START.search(tm.text, candidate + 1)
            if found_after is None or found_after.start() > snapped:
                return snapped
        position = candidate


def previous_word(tm: TextMap, offset: int) -> int:
    """`b`: the start of the word before `offset` (or of the word it is inside)."""
    text = tm.text
    position = offset
    while position > 0:
        index = position - 1
        while index >= 0 and text[index].isspace():
            index -= 1
        if index < 0:
            break
        while index > 0 and not text[index - 1].isspace():
            index -= 1
        unit = bisect_left(tm.starts, position) - 1
        if unit >= 0 and index < tm.starts[unit] < position:
            index = tm.starts[unit]
        if tm.is_drawn(index):
            return index
        snapped = tm.snap_forward(index)  # a word whose first characters are hidden
        if snapped < offset and tm.is_drawn(snapped):
            return snapped
        position = index
    return tm.first_offset if not tm.empty else 0


def next_sentence(tm: TextMap, offset: int) -> int:
    """`)`: the start of the next sentence (a unit's start counts)."""
    if tm.empty:
        return 0
    index = tm.unit_index(offset)
    if index is not None:
        unit = Span(tm.starts[index], tm.ends[index])
        for start in tm.sentence_starts(unit, offset, unit.end):
            return start
    following = bisect_right(tm.starts, offset)
    return tm.snap_forward(tm.starts[following]) if following < len(tm.starts) else tm.last_offset


def previous_sentence(tm: TextMap, offset: int) -> int:
    """`(`: the start of the sentence holding `offset`, or the previous one when at a start."""
    if tm.empty:
        return 0
    index = bisect_right(tm.starts, offset) - 1
    while index >= 0:
        unit = Span(tm.starts[index], tm.ends[index])
        starts = [unit.start, *tm.sentence_starts(unit, unit.start, min(offset, unit.end))]
        earlier = [s for s in starts if s < offset]
        if earlier:
            return tm.snap_forward(earlier[-1])
        index -= 1
    return tm.first_offset


def sentence_span(tm: TextMap, offset: int) -> Span:
    """The sentence under `offset` (`s`), without its trailing whitespace."""
    if tm.empty:
        return Span(0, 0)
    offset = tm.snap_forward(offset)
    unit = tm.unit_span(offset)
    start = unit.start
    for candidate in tm.sentence_starts(unit, unit.start, offset + 1):
        start = candidate
    end = next(iter(tm.sentence_starts(unit, offset, unit.end)), unit.end)
    while end > start + 1 and tm.text[end - 1].isspace():
        end -= 1
    return Span(start, end)


# A word for a double-click: letters and digits, joined by an apostrophe or a hyphen ("don't",
# "state-of-the-art"), not the punctuation around them.
_WORD = re.compile(r"\w+(?:['’\-]\w+)*")


def word_span(tm: TextMap, offset: int) -> Span | None:
    """The word under `offset`, or None when `offset` is not on one."""
    if not tm.is_drawn(offset):
        return None
    unit = tm.unit_span(offset)
    start = offset
    while start > unit.start and (tm.text[start - 1].isalnum() or tm.text[start - 1] in "_'’-"):
        start -= 1
    for found in _WORD.finditer(tm.text, start, unit.end):
        if found.start() > offset:
            break
        if offset < found.end():
            return Span(found.start(), found.end())
    return None


def paragraph_span(tm: TextMap, offset: int) -> Span:
    """The paragraph (block content or table cell) under `offset` (`S`)."""
    return tm.unit_span(offset)


def next_paragraph(tm: TextMap, offset: int) -> int:
    """`}`: the start of the next paragraph (heading, list item, table cell)."""
    if tm.empty:
        return 0
    following = bisect_right(tm.starts, offset)
    return tm.snap_forward(tm.starts[following]) if following < len(tm.starts) else tm.last_offset


def previous_paragraph(tm: TextMap, offset: int) -> int:
    """`{`: the start of this paragraph, or of the previous one when already at its start."""
    if tm.empty:
        return 0
    index = bisect_right(tm.starts, offset) - 1
    if index >= 0 and tm.snap_forward(tm.starts[index]) >= offset:
        index -= 1  # already at this paragraph's start: the previous one
    return tm.snap_forward(tm.starts[index]) if index >= 0 else tm.first_offset


# --- the lazy layout ---------------------------------------------------------------------


class _RowIndex:
    """A Fenwick tree over per-block row counts: prefix sums and row -> block in O(log n)."""

    def __init__(self, counts: Sequence[int]) -> None:
        self._size = len(counts)
        tree = [0] * (self._size + 1)
        for i, count in enumerate(counts, 1):
            tree[i] += count
            parent = i + (i & -i)
            if parent <= self._size:
                tree[parent] += tree[i]
        self._tree = tree
        self.total = sum(counts)
        self._top_bit = 1 << max(0, self._size.bit_length() - 1) if self._size else 0

    def add(self, index: int, delta: int) -> None:
        self.total += delta
        i = index + 1
        while i <= self._size:
            self._tree[i] += delta
            i += i & -i

    def prefix(self, index: int) -> int:
        """Sum of the counts of blocks [0, index)."""
        total = 0
        i = index
        while i > 0:
            total += self._tree[i]
            i -= i & -i
        return total

    def find(self, row: int) -> int:
        """The block whose rows hold `row` (the last block when past the end)."""
        position = 0
        remaining = row
        bit = self._top_bit
        while bit:
            probe = position + bit
            if probe <= self._size and self._tree[probe] <= remaining:
                position = probe
                remaining -= self._tree[probe]
            bit >>= 1
        return min(position, self._size - 1)


Anchor = tuple[int, int]  # (block index, row within the block)


class Layout:
    """A document laid out for a pane `available_width` cells wide (`as_written`: its text
    exactly as stored, every line of it)."""

    def __init__(
        self,
        document: Document,
        available_width: int,
        text_map: TextMap | None = None,
        widest: int = MAX_MEASURE,
        *,
        as_written: bool = False,
    ) -> None:
        """`widest`: the widest the text column gets (the settings file's reading_width)."""
        self.document = document
        self.text = document.text
        self.as_written = as_written
        self.blocks: Blocks = as_written_blocks(self.text) if as_written else document.blocks
        self.inlines: Inlines = Inlines() if as_written else document.inlines
        self.available_width = available_width
        self.measure, self.margin = measure_for(available_width, widest)
        self.text_map = (
            text_map if text_map is not None else TextMap(document, as_written=as_written)
        )
        count = len(self.blocks)
        self._block_starts = self.blocks.starts
        self._lines: list[list[VisualLine] | None] = [None] * count
        self._line_keys: list[tuple[list[int], list[int]] | None] = [None] * count
        self._unwrapped = count
        self.generation = 0  # bumped whenever rows move (an estimate was replaced)
        self._next_to_wrap = 0
        self._header = [] if as_written or not count else self._front_matter_header()
        self._rows = _RowIndex([self._estimate(i) for i in range(count)])
        if len(self.text) <= EAGER_CHARS:
            self.wrap_more()

    # -- sizes --

    @property
    def row_count(self) -> int:
        return self._rows.total

    @property
    def is_complete(self) -> bool:
        return self._unwrapped == 0

    def _gap_before(self, index: int) -> int:
        if index == 0 or self.as_written:
            return 0
        kinds = self.blocks.kinds
        if kinds[index] == B_LIST_ITEM and kinds[index - 1] == B_LIST_ITEM:
            return 0
        return 1

    def _estimate(self, index: int) -> int:
        blocks = self.blocks
        kind = blocks.kinds[index]
        gap = self._gap_before(index) + (len(self._header) if index == 0 else 0)
        start, end = blocks.content_starts[index], blocks.content_ends[index]
        if kind == B_RULE:
            return gap + 1
        if kind == B_TABLE:
            table = blocks.tables.get(index)
            return gap + 2 + (len(table.rows) * 2 if table else 0)
        if kind == B_CODE:
            return gap + self.text.count("\n", start, end) + 1
        extra = 1 if kind == B_HEADING and blocks.levels[index] == 1 else 0
        per_line = max(1, self.measure - 2 * max(0, blocks.depths[index]) - 6)
        return gap + extra + max(1, -(-(end - start) // per_line))

    # -- wrapping --

    def _wrap(self, index: int) -> list[VisualLine]:
        lines = self._lines[index]
        if lines is not None:
            return lines
        lines = self._layout_block(index)
        if not lines:
            lines = [_blank(index)]
        self._lines[index] = lines
        self._unwrapped -= 1
        delta = len(lines) - self._estimate(index)
        if delta:
            self._rows.add(index, delta)
            self.generation += 1
        return lines

    def wrap_more(self, deadline: float | None = None) -> bool:
        """Lay out blocks not yet laid out, until `deadline` (perf_counter) if given.
        Returns True when the whole document is laid out."""
        lines = self._lines
        while self._next_to_wrap < len(lines):
            if lines[self._next_to_wrap] is None:
                self._wrap(self._next_to_wrap)
                if deadline is not None and time.perf_counter() > deadline:
                    self._next_to_wrap += 1
                    break
            self._next_to_wrap += 1
        return self.is_complete

    def ensure_rows(self, first: int, count: int) -> None:
        """Lay out every block that shows a row in [first, first + count)."""
        if self.is_complete or not self.blocks:
            return
        row = max(0, first)
        while row < first + count and row < self.row_count:
            index = self._rows.find(row)
            self._wrap(index)
            row = self._rows.prefix(index + 1)

    def _view(self, start: int, end: int, styles: _Styles) -> _View:
        return _View(shown(self.text, start, end, self.inlines), styles)

    def _indents(self, index: int) -> tuple[Piece | None, int]:
        """The quote bars of block `index` (drawn after its list indentation: a quote in a
        list item sits under the item's text) and the column its text starts at; a block
        inside a list item lines up under the item's text."""
        blocks = self.blocks
        depth = blocks.depths[index] - 1
        if blocks.kinds[index] == B_LIST_ITEM:
            nesting = LIST_INDENT * depth
        else:
            nesting = LIST_INDENT * (depth + 1) if depth >= 0 else 0
        nesting = min(nesting, max(0, self.measure // 2))
        quotes = blocks.quotes[index]
        if not quotes:
            return None, nesting
        bars = QUOTE_BAR * quotes
        return Piece(nesting, bars, -1, PieceRole.MARKER), nesting + len(bars)

    def _front_matter_header(self) -> list[VisualLine]:
        """What the front matter adds at the top, drawn with the first block: its title
        (with the title's rule) when the text does not open with a level-1 heading, then
        the byline (author · date). Neither is document text: no caret, no highlight."""
        document = self.document
        # Labels, not document text: made visible here too (an article's byline comes
        # from the web).
        line = visible(byline(document.author, document.date))
        title = ""
        if document.is_markdown and self.text[:3] in ("---", "+++"):
            front = front_matter.read(self.text)
            # The document's title is the front matter's, cut to a title's length.
            title = visible(document.title) if front is not None and front.title else ""
        if self._title_first():
            title = ""  # the document shows its own title
        header: list[VisualLine] = []
        for row in _wrap_cells(title, self.measure):
            piece = Piece(0, row, -1, PieceRole.LABEL, text_width(row) == len(row))
            header.append(VisualLine(LineKind.TITLE, 0, (piece,)))
        if header:
            rule = Piece(0, RULE_CHAR * self.measure, -1, PieceRole.BORDER)
            header.append(VisualLine(LineKind.RULE, 0, (rule,)))
        if line:
            if text_width(line) > self.measure:
                line = _cut_to_cells(line, max(0, self.measure - 1)) + "…"
            piece = Piece(0, line, -1, PieceRole.LABEL, text_width(line) == len(line))
            header.append(VisualLine(LineKind.BYLINE, 0, (piece,)))
        if header and not self._title_first():
            header.append(_blank(0))
        return header

    def _title_first(self) -> bool:
        return self.blocks.kinds[0] == B_HEADING and self.blocks.levels[0] == 1

    def _layout_block(self, index: int) -> list[VisualLine]:
        lines = self._layout_block_alone(index)
        if index == 0 and self._header:
            if self._title_first():
                return [*lines, *self._header]  # the byline under the title's rule
            return [*self._header, *lines]
        return lines

    def _layout_block_alone(self, index: int) -> list[VisualLine]:
        blocks = self.blocks
        lines = [_blank(index)] * self._gap_before(index)
        kind = blocks.kinds[index]
        start, end = blocks.content_starts[index], blocks.content_ends[index]
        styles = _Styles(self.inlines, blocks.starts[index], blocks.ends[index] + 1)
        bars, indent = self._indents(index)
        if kind == B_TABLE:
            return lines + self._layout_table(index, styles)
        if kind == B_RULE:
            width = max(1, self.measure - indent)
            rule = Piece(indent, RULE_CHAR * width, -1, PieceRole.BORDER)
            segments = (bars, rule) if bars else (rule,)
            return [*lines, VisualLine(LineKind.RULE, index, segments)]
        view = self._view(start, end, styles)
        if kind == B_CODE:
            code_indent = indent + (2 if self.measure > 12 else 0)
            return lines + self._layout_code(view, index, bars, code_indent)
        if kind == B_LIST_ITEM:
            return lines + self._layout_item(view, index, bars, indent)
        if kind == B_HEADING:
            level = blocks.levels[index]
            line_kind = LineKind.TITLE if level == 1 else LineKind.HEADING
            lines += self._layout_prose(view, index, line_kind, bars, indent, indent)
            if level == 1:
                rule = Piece(0, RULE_CHAR * self.measure, -1, PieceRole.BORDER)
                lines.append(VisualLine(LineKind.RULE, index, (rule,)))
            return lines
        line_kind = LineKind.QUOTE if kind == B_QUOTE else LineKind.TEXT
        return lines + self._layout_prose(view, index, line_kind, bars, indent, indent)

    def _layout_prose(
        self,
        view: _View,
        index: int,
        kind: LineKind,
        bars: Piece | None,
        first_indent: int,
        rest_indent: int,
        marker: Piece | None = None,
    ) -> list[VisualLine]:
        """Re-wrapped text: the first line from `first_indent` (after `marker`, if any),
        the others from `rest_indent`, quote bars before both."""
        width = max(1, self.measure - max(first_indent, rest_indent))
        bar = (bars,) if bars else ()
        lines: list[VisualLine] = []
        for number, (a, b, break_run) in enumerate(view.wrapped(width)):
            column = first_indent if number == 0 else rest_indent
            pieces = view.pieces(a, b, column)
            if break_run >= 0:
                after = pieces[-1].column + pieces[-1].width if pieces else column
                pieces.append(view.break_piece(break_run, after))
            head = bar + ((marker,) if marker is not None and number == 0 else ())
            lines.append(VisualLine(kind, index, (*head, *pieces)))
        if not lines:
            head = bar + ((marker,) if marker is not None else ())
            if head:
                lines.append(VisualLine(kind, index, head))
        return lines

    def _layout_item(
        self, view: _View, index: int, bars: Piece | None, indent: int
    ) -> list[VisualLine]:
        blocks = self.blocks
        start, content = blocks.starts[index], blocks.content_starts[index]
        if content > start:  # the marker is syntax: draw the reader's own
            block = blocks[index]
            label = f"{block.number}." if block.ordered else BULLET
            marker = Piece(indent, label, -1, PieceRole.MARKER)
            text_indent = indent + text_width(label) + 1
            return self._layout_prose(
                view, index, LineKind.ITEM, bars, text_indent, text_indent, marker
            )
        # Plain text: the marker is written in the text; later lines hang under the text.
        space = self.text.find(" ", content, blocks.content_ends[index])
        hang = min(8, space - content + 1) if space > content else 0
        return self._layout_prose(view, index, LineKind.ITEM, bars, indent, indent + hang)

    def _layout_code(
        self, view: _View, index: int, bars: Piece | None, indent: int
    ) -> list[VisualLine]:
        width = max(1, self.measure - indent)
        shown_text = view.shown
        bar = (bars,) if bars else ()
        lines: list[VisualLine] = []
        line_start = 0
        length = len(shown_text)
        while line_start < length:
            newline = shown_text.find("\n", line_start)
            # Each line keeps its newline, drawn as a space, so every offset is drawn.
            line_end = length if newline < 0 else newline + 1
            drawn = view.drawn[line_start:line_end]
            narrow = view.narrow or _NEEDS_MEASURING(drawn) is None
            position = 0
            while position < len(drawn):
                limit = position + width if narrow else _cell_limit(drawn, position, width)
                chunk_end = min(len(drawn), limit)
                if chunk_end == len(drawn) - 1 and newline >= 0:
                    # Only the newline (drawn as a space) is left: it takes the cell right of
                    # the column (the margin always has one) rather than a row of its own.
                    chunk_end = len(drawn)
                pieces = view.pieces(line_start + position, line_start + chunk_end, indent)
                lead = (
                    (Piece(max(0, indent - 2), CONTINUATION, -1, PieceRole.MARKER),)
                    if (position)
                    else ()
                )
                lines.append(VisualLine(LineKind.CODE, index, (*bar, *lead, *pieces)))
                position = chunk_end
            line_start = line_end
        return lines

    def _layout_table(self, index: int, styles: _Styles) -> list[VisualLine]:
        table = self.blocks.tables.get(index)
        rows = table.rows if table else ()
        columns = max((len(row) for row in rows), default=0)
        if table is None or columns == 0:
            return []
        bars, indent = self._indents(index)
        views = [[self._view(cell.start, cell.end, styles) for cell in row] for row in rows]
        natural = [0] * columns
        for row_views in views:
            for number, view in enumerate(row_views):
                natural[number] = max(natural[number], text_width(view.drawn))
        measure = max(columns * 4, self.measure - indent)
        widths = fit_columns(natural, measure - (columns + 1) - 2 * columns)
        lefts = []
        x = indent + 2
        for w in widths:
            lefts.append(x)
            x += w + 3
        border_columns = [left - 2 for left in lefts] + [x - 2]
        aligns = tuple(table.align) + ("left",) * columns
        bar = (bars,) if bars else ()

        def border(left: str, join: str, right: str, fill: str) -> VisualLine:
            line = _table_border(widths, left, join, right, fill)
            return VisualLine(
                LineKind.TABLE, index, (*bar, Piece(indent, line, -1, PieceRole.BORDER))
            )

        wrapped_rows = [
            [view.wrapped(widths[number]) for number, view in enumerate(row_views)]
            for row_views in views
        ]
        separate_body = any(
            max((len(c) for c in cells), default=1) > 1
            for cells in wrapped_rows[table.header_rows :]
        )
        lines = [border("┌", "┬", "┐", "─")]
        for row_number, cells in enumerate(wrapped_rows):
            is_header = row_number < table.header_rows
            if row_number > 0:
                if row_number == table.header_rows:
                    lines.append(border("╞", "╪", "╡", "═"))
                elif separate_body:
                    lines.append(border("├", "┼", "┤", "─"))
            height = max((len(c) for c in cells), default=1) or 1
            for sub in range(height):
                pieces = [Piece(bx, "│", -1, PieceRole.BORDER) for bx in border_columns]
                for number, cell_lines in enumerate(cells):
                    if sub >= len(cell_lines):
                        continue
                    a, b, break_run = cell_lines[sub]
                    view = views[row_number][number]
                    cell_pieces = view.pieces(a, b, lefts[number])
                    if break_run >= 0 and not cell_pieces:
                        cell_pieces = [view.break_piece(break_run, lefts[number])]
                    used = sum(p.width for p in cell_pieces)
                    shift = _align_shift(aligns[number], widths[number], used)
                    pieces += [p._replace(column=p.column + shift) for p in cell_pieces]
                pieces.sort(key=lambda p: p.column)
                kind = LineKind.TABLE_HEADER if is_header else LineKind.TABLE
                lines.append(VisualLine(kind, index, (*bar, *pieces)))
        lines.append(border("└", "┴", "┘", "─"))
        return lines

    # -- rows --

    def first_row(self, block_index: int) -> int:
        return self._rows.prefix(block_index)

    def block_lines(self, block_index: int) -> list[VisualLine]:
        return self._wrap(block_index)

    def line(self, row: int) -> VisualLine:
        """The visual line at `row` (a blank line outside the document)."""
        if not self.blocks or row < 0 or row >= self.row_count:
            return OUTSIDE
        while True:
            index = self._rows.find(row)
            was_wrapped = self._lines[index] is not None
            lines = self._wrap(index)
            first = self._rows.prefix(index)
            if row - first < len(lines):
                return lines[row - first]
            if was_wrapped or row >= self.row_count:
                return OUTSIDE

    def anchor(self, row: int) -> Anchor:
        """A row named by its block, stable while other blocks are being laid out."""
        if not self.blocks:
            return (0, 0)
        index = self._rows.find(max(0, row))
        return index, max(0, row) - self._rows.prefix(index)

    def row_of(self, anchor: Anchor) -> int:
        return self._rows.prefix(anchor[0]) + anchor[1]

    def _block_of(self, offset: int) -> int:
        return max(0, bisect_right(self._block_starts, offset) - 1)

    def position_of(self, offset: int) -> tuple[int, int]:
        """(row, column) of the cell drawing `offset` (snapped forward to a drawn offset)."""
        if not self.blocks or self.text_map.empty:
            return 0, 0
        offset = self.text_map.snap_forward(offset)
        index = self._block_of(offset)
        lines = self._wrap(index)
        first = self._rows.prefix(index)
        found = self._text_lines(index, lines)
        if found is None:  # a table: its rows are not in offset order
            for number, line in enumerate(lines):
                piece = line.piece_at_offset(offset)
                if piece is not None:
                    return first + number, piece.column_of(offset)
            return first, 0
        keys, numbers = found
        candidate = numbers[max(0, bisect_right(keys, offset) - 1)] if numbers else 0
        piece = lines[candidate].piece_at_offset(offset)
        return first + candidate, piece.column_of(offset) if piece is not None else 0

    def _text_lines(
        self, index: int, lines: list[VisualLine]
    ) -> tuple[list[int], list[int]] | None:
        """(first offset, line number) of each line of block `index` that draws text."""
        if self.blocks.kinds[index] == B_TABLE:
            return None
        found = self._line_keys[index]
        if found is None:
            keys: list[int] = []
            numbers: list[int] = []
            for number, line in enumerate(lines):
                pieces = line.text_pieces
                if pieces:
                    keys.append(pieces[0].start)
                    numbers.append(number)
            found = self._line_keys[index] = (keys, numbers)
        return found

    def offset_at(self, row: int, column: int) -> int | None:
        """The drawn offset nearest to `column` on `row`; None for a row without text."""
        return self.line(row).offset_at(column)

    def text_row(self, row: int, step: int) -> int | None:
        """The nearest row from `row` (inclusive) in direction `step` that draws text."""
        while 0 <= row < self.row_count:
            if self.line(row).has_text:
                return row
            row += step
        return None

    def line_down(self, offset: int, goal_column: int | None = None) -> int:
        """The offset one text row below `offset`, at `goal_column` (default: its column)."""
        return self._line_step(offset, 1, goal_column)

    def line_up(self, offset: int, goal_column: int | None = None) -> int:
        return self._line_step(offset, -1, goal_column)

    def _line_step(self, offset: int, step: int, goal_column: int | None) -> int:
        row, column = self.position_of(offset)
        target = self.text_row(row + step, step)
        if target is None:
            return self.text_map.snap_forward(offset)
        found = self.offset_at(target, column if goal_column is None else goal_column)
        return self.text_map.snap_forward(offset) if found is None else found

    def row_span(self, row: int) -> Span | None:
        return self.line(row).span
