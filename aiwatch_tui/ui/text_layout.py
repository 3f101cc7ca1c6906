"""The reading pane's layout engine: documents to visual lines, and caret motions.

Pure Python (no textual/rich import) so it can be tested without an event loop.

Two objects do the work:

- `TextMap` (one per document, independent of the width) knows which text offsets are
  drawn at all ("units": the readable content of each block, and each table cell) and
  provides the caret motions over text offsets (word, sentence, paragraph).
- `Layout` (one per document and pane width) turns blocks into `VisualLine`s. It is lazy:
  a block is wrapped the first time one of its rows is needed; until then its height is an
  estimate. A Fenwick tree over per-block row counts makes "which block holds row r" and
  "first row of block b" O(log n) while estimates are refined, so opening a 5 MB article
  costs about what a 5 KB one does. `wrap_more()` finishes the job in small slices.

Every drawn character keeps its source offset: a `Piece` draws `text` at `column`, and
`text[i]` is the document character at `start + i` (newlines and tabs are drawn as one
space each, so the mapping is one to one). Columns are relative to the measure's left edge;
the widget adds `Layout.margin`.
"""

from __future__ import annotations

import re
import time
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from aiwatch_tui.core.model import Block, BlockKind, Document, Span

MAX_MEASURE = 80
"""The widest text column: a comfortable line length for prose."""

EAGER_CHARS = 256_000
"""Documents up to this size are laid out completely at once (deterministic and cheap)."""

BULLET = "•"
QUOTE_BAR = "▎ "
CONTINUATION = "↪"  # marks a code line that had to be hard-wrapped
RULE_CHAR = "─"

# Characters known to be one cell wide: most Latin, Greek, Cyrillic text and typographic
# punctuation. A block made only of these is measured with len(), which is what keeps the
# wrap fast; anything else takes the per-character path.
_NEEDS_MEASURING = re.compile(
    r"[^\t\n\x20-\x7e\xa0-\u02ff\u0370-\u0482\u2010-\u2027\u2030-\u205e]"
).search
# Control characters must never reach the terminal even if a Document was not sanitised.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NON_SPACE = re.compile(r"\S")
_WORD_START = re.compile(r"(?<!\S)\S")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")
_SENTENCE_TAIL_CHARS = frozenset(".!?…\"'”’)] \t\n")


def measure_for(available: int, widest: int = MAX_MEASURE) -> tuple[int, int]:
    """(measure, left margin) for a pane `available` cells wide: the text column is
    min(available - 2, widest) wide and centred."""
    measure = max(1, min(available - 2, widest))
    return measure, max(0, (available - measure) // 2)


@lru_cache(maxsize=8192)
def char_width(char: str) -> int:
    """Terminal cells taken by one character: 2 for East Asian wide, 0 for combining marks."""
    code = ord(char)
    if code < 0x300:
        return 1
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def text_width(text: str) -> int:
    if _NEEDS_MEASURING(text) is None:
        return len(text)
    return sum(map(char_width, text))


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
    TITLE = "title"
    HEADING = "heading"
    TEXT = "text"
    ITEM = "item"
    QUOTE = "quote"
    CODE = "code"
    TABLE = "table"
    TABLE_HEADER = "table-header"
    RULE = "rule"


class PieceRole(StrEnum):
    TEXT = "text"  # document text with offsets
    MARKER = "marker"  # list bullet/number, quote bar, code continuation mark
    BORDER = "border"  # table borders and rules


class Piece(NamedTuple):
    """`text` drawn from `column`; for TEXT pieces `text[i]` is document offset `start + i`."""

    column: int
    text: str
    start: int = -1
    role: PieceRole = PieceRole.TEXT
    narrow: bool = True  # every character is one cell wide (column arithmetic is trivial)

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def width(self) -> int:
        return len(self.text) if self.narrow else text_width(self.text)

    def column_of(self, offset: int) -> int:
        """Cell column of document `offset` (which must lie in this piece)."""
        index = offset - self.start
        if self.narrow:
            return self.column + index
        return self.column + text_width(self.text[:index])

    def offset_at(self, column: int) -> int:
        """Document offset drawn at `column` (clamped into the piece)."""
        if self.narrow:
            return self.start + max(0, min(len(self.text) - 1, column - self.column))
        cell = self.column
        for index, char in enumerate(self.text):
            cell += char_width(char)
            if cell > column:
                return self.start + index
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
    """The first index past `pos` whose character would not fit in `width` cells."""
    cells = 0
    index = pos
    length = len(source)
    while index < length:
        cells += char_width(source[index])
        if cells > width:
            break
        index += 1
    return max(index, pos + 1)


def _text_piece(text: str, column: int, start: int, end: int) -> Piece:
    shown = display_text(text[start:end])
    return Piece(column, shown, start, PieceRole.TEXT, _NEEDS_MEASURING(shown) is None)


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


def _layout_table(block: Block, block_index: int, text: str, measure: int) -> list[VisualLine]:
    rows = block.rows
    columns = max((len(row) for row in rows), default=0)
    if columns == 0:
        return []
    natural = [0] * columns
    for row in rows:
        for index, cell in enumerate(row):
            natural[index] = max(
                natural[index], text_width(display_text(text[cell.start : cell.end]))
            )
    widths = fit_columns(natural, measure - (columns + 1) - 2 * columns)
    lefts = []
    x = 2
    for w in widths:
        lefts.append(x)
        x += w + 3
    border_columns = [left - 2 for left in lefts] + [x - 2]
    aligns = tuple(block.align) + ("left",) * columns

    def border(left: str, join: str, right: str, fill: str) -> VisualLine:
        line = _table_border(widths, left, join, right, fill)
        return VisualLine(LineKind.TABLE, block_index, (Piece(0, line, -1, PieceRole.BORDER),))

    wrapped_rows = []
    for row in rows:
        cells = [wrap_runs(text, cell.start, cell.end, widths[i]) for i, cell in enumerate(row)]
        wrapped_rows.append(cells)
    separate_body = any(
        max((len(c) for c in cells), default=1) > 1 for cells in wrapped_rows[block.header_rows :]
    )

    lines = [border("┌", "┬", "┐", "─")]
    for row_index, cells in enumerate(wrapped_rows):
        is_header = row_index < block.header_rows
        if row_index > 0:
            if row_index == block.header_rows:
                lines.append(border("╞", "╪", "╡", "═"))
            elif separate_body:
                lines.append(border("├", "┼", "┤", "─"))
        height = max((len(c) for c in cells), default=1) or 1
        for sub in range(height):
            pieces = [Piece(bx, "│", -1, PieceRole.BORDER) for bx in border_columns]
            for index, runs in enumerate(cells):
                if sub >= len(runs):
                    continue
                piece = _text_piece(text, lefts[index], *runs[sub])
                shift = _align_shift(aligns[index], widths[index], piece.width)
                if shift:
                    piece = Piece(
                        piece.column + shift, piece.text, piece.start, piece.role, piece.narrow
                    )
                pieces.append(piece)
            pieces.sort(key=lambda p: p.column)
            kind = LineKind.TABLE_HEADER if is_header else LineKind.TABLE
            lines.append(VisualLine(kind, block_index, tuple(pieces)))
    lines.append(border("└", "┴", "┘", "─"))
    return lines


def _align_shift(align: str, width: int, used: int) -> int:
    # Trailing spaces kept at a wrap point do not count when aligning.
    room = max(0, width - used)
    if align == "right":
        return room
    if align == "center":
        return room // 2
    return 0


# --- text map: which offsets are drawn, and the caret motions -----------------------------


class TextMap:
    """The drawn text of a document as sorted, disjoint "units" (block contents and table
    cells). Independent of the pane width, so one serves every Layout of a document."""

    def __init__(self, document: Document) -> None:
        self.text = document.text
        units: list[tuple[int, int]] = []
        for block in document.blocks:
            if block.kind is BlockKind.TABLE:
                units.extend((c.start, c.end) for row in block.rows for c in row if c.end > c.start)
            elif block.kind is not BlockKind.RULE and block.content_end > block.content_start:
                units.append((block.content_start, block.content_end))
        if any(units[i][0] < units[i - 1][1] for i in range(1, len(units))):
            units = _disjoint(units)
        self.starts = [u[0] for u in units]
        self.ends = [u[1] for u in units]

    @property
    def empty(self) -> bool:
        return not self.starts

    @property
    def first_offset(self) -> int:
        return self.starts[0] if self.starts else 0

    @property
    def last_offset(self) -> int:
        """The offset of the last drawn character."""
        return self.ends[-1] - 1 if self.ends else 0

    def unit_index(self, offset: int) -> int | None:
        index = bisect_right(self.starts, offset) - 1
        if index >= 0 and offset < self.ends[index]:
            return index
        return None

    def is_drawn(self, offset: int) -> bool:
        return self.unit_index(offset) is not None

    def snap_forward(self, offset: int) -> int:
        """The nearest drawn offset at or after `offset` (the last one past the end)."""
        if self.empty:
            return 0
        index = bisect_right(self.starts, offset) - 1
        if index >= 0 and offset < self.ends[index]:
            return offset
        if index + 1 < len(self.starts):
            return self.starts[index + 1]
        return self.last_offset

    def snap_backward(self, offset: int) -> int:
        """The nearest drawn offset at or before `offset` (the first one before the start)."""
        if self.empty:
            return 0
        index = bisect_right(self.starts, offset) - 1
        if index < 0:
            return self.first_offset
        return min(offset, self.ends[index] - 1)

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
        if unit.start > lo and unit.start < hi:
            yield unit.start
        scan = max(unit.start, lo)
        while scan > unit.start and text[scan - 1] in _SENTENCE_TAIL_CHARS:
            scan -= 1
        for match in _SENTENCE_END.finditer(text, scan, unit.end):
            start = match.end()
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
    return tm.starts[following] if following < len(tm.starts) else tm.last_offset


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
            return earlier[-1]
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
    return tm.starts[following] if following < len(tm.starts) else tm.last_offset


def previous_paragraph(tm: TextMap, offset: int) -> int:
    """`{`: the start of this paragraph, or of the previous one when already at its start."""
    if tm.empty:
        return 0
    index = bisect_left(tm.starts, offset) - 1
    return tm.starts[index] if index >= 0 else tm.first_offset


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
    """A document laid out for a pane `available_width` cells wide."""

    def __init__(
        self,
        document: Document,
        available_width: int,
        text_map: TextMap | None = None,
        widest: int = MAX_MEASURE,
    ) -> None:
        """`widest`: the widest the text column gets (the settings file's reading_width)."""
        self.document = document
        self.text = document.text
        self.blocks = document.blocks
        self.available_width = available_width
        self.measure, self.margin = measure_for(available_width, widest)
        self.text_map = text_map if text_map is not None else TextMap(document)
        self._block_starts = [b.start for b in self.blocks]
        self._lines: list[list[VisualLine] | None] = [None] * len(self.blocks)
        self._line_keys: list[tuple[list[int], list[int]] | None] = [None] * len(self.blocks)
        self._unwrapped = len(self.blocks)
        self.generation = 0  # bumped whenever rows move (an estimate was replaced)
        self._next_to_wrap = 0
        self._rows = _RowIndex([self._estimate(i) for i in range(len(self.blocks))])
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
        if index == 0:
            return 0
        lists = (BlockKind.BULLET, BlockKind.NUMBERED)
        if self.blocks[index].kind in lists and self.blocks[index - 1].kind in lists:
            return 0
        return 1

    def _estimate(self, index: int) -> int:
        block = self.blocks[index]
        gap = self._gap_before(index)
        length = block.content_end - block.content_start
        if block.kind is BlockKind.RULE:
            return gap + 1
        if block.kind is BlockKind.TABLE:
            return gap + 2 + len(block.rows) * 2
        if block.kind is BlockKind.CODE:
            return gap + self.text.count("\n", block.content_start, block.content_end) + 1
        extra = 1 if block.kind is BlockKind.TITLE else 0
        per_line = max(1, self.measure - 2 * block.level - 6)
        return gap + extra + max(1, -(-length // per_line))

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

    def _layout_block(self, index: int) -> list[VisualLine]:
        block = self.blocks[index]
        lines = [_blank(index)] * self._gap_before(index)
        kind = block.kind
        if kind is BlockKind.TABLE:
            return lines + _layout_table(block, index, self.text, self.measure)
        if kind is BlockKind.RULE:
            rule = Piece(0, RULE_CHAR * self.measure, -1, PieceRole.BORDER)
            return [*lines, VisualLine(LineKind.RULE, index, (rule,))]
        if kind is BlockKind.CODE:
            return lines + self._layout_code(block, index)
        if kind in (BlockKind.BULLET, BlockKind.NUMBERED):
            return lines + self._layout_item(block, index)
        if kind is BlockKind.QUOTE:
            bar = QUOTE_BAR * max(1, block.level)
            return lines + self._layout_prose(block, index, LineKind.QUOTE, bar, bar, len(bar))
        line_kind = {
            BlockKind.TITLE: LineKind.TITLE,
            BlockKind.HEADING: LineKind.HEADING,
        }.get(kind, LineKind.TEXT)
        lines += self._layout_prose(block, index, line_kind, "", "", 0)
        if kind is BlockKind.TITLE:
            rule = Piece(0, RULE_CHAR * self.measure, -1, PieceRole.BORDER)
            lines.append(VisualLine(LineKind.RULE, index, (rule,)))
        return lines

    def _layout_prose(
        self, block: Block, index: int, kind: LineKind, first: str, rest: str, indent: int
    ) -> list[VisualLine]:
        indent = min(indent, max(0, self.measure - 10))
        base = block.content_start
        source = display_text(self.text[base : block.content_end])
        narrow = _NEEDS_MEASURING(source) is None
        text_role = PieceRole.TEXT
        lines = []
        for number, (start, end) in enumerate(_wrap_source(source, self.measure - indent, narrow)):
            piece = Piece(indent, source[start:end], base + start, text_role, narrow)
            prefix = first if number == 0 else rest
            if prefix:
                segments: tuple[Piece, ...] = (Piece(0, prefix, -1, PieceRole.MARKER), piece)
            else:
                segments = (piece,)
            lines.append(VisualLine(kind, index, segments))
        if not lines and first:
            lines.append(VisualLine(kind, index, (Piece(0, first, -1, PieceRole.MARKER),)))
        return lines

    def _layout_item(self, block: Block, index: int) -> list[VisualLine]:
        marker = BULLET if block.kind is BlockKind.BULLET else display_text(block.marker or "-")
        nesting = min(2 * block.level, max(0, self.measure // 3))
        text_indent = nesting + text_width(marker) + 1
        lines = self._layout_prose(block, index, LineKind.ITEM, marker, "", text_indent)
        if nesting:
            lines = [
                VisualLine(
                    line.kind,
                    index,
                    tuple(
                        Piece(p.column + nesting, p.text, p.start, p.role, p.narrow)
                        if p.role is PieceRole.MARKER
                        else p
                        for p in line.segments
                    ),
                )
                for line in lines
            ]
        return lines

    def _layout_code(self, block: Block, index: int) -> list[VisualLine]:
        indent = 2 if self.measure > 12 else 0
        width = max(1, self.measure - indent)
        text = self.text
        lines = []
        line_start = block.content_start
        while line_start < block.content_end:
            newline = text.find("\n", line_start, block.content_end)
            # Each source line keeps its newline, drawn as a space, so every offset is drawn.
            line_end = block.content_end if newline < 0 else newline + 1
            source = display_text(text[line_start:line_end])
            narrow = _NEEDS_MEASURING(source) is None
            position = 0
            while position < len(source):
                limit = position + width if narrow else _cell_limit(source, position, width)
                chunk_end = min(len(source), limit)
                if chunk_end == len(source) - 1 and newline >= 0:
                    # Only the newline (drawn as a space) is left: it takes the cell right of
                    # the column (the margin always has one) rather than a row of its own.
                    chunk_end = len(source)
                piece = Piece(
                    indent,
                    source[position:chunk_end],
                    line_start + position,
                    PieceRole.TEXT,
                    narrow,
                )
                row = (
                    (piece,)
                    if position == 0
                    else (Piece(0, CONTINUATION, -1, PieceRole.MARKER), piece)
                )
                lines.append(VisualLine(LineKind.CODE, index, row))
                position = chunk_end
            line_start = line_end
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
        if self.blocks[index].kind is BlockKind.TABLE:
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
