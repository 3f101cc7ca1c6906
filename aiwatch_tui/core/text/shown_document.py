"""A whole document as the reader shows it, with the map back to the source.

Find-in-document and search match what a reader sees ("©", not "&copy;"; "bold", not
"**bold**"), and report source offsets, which highlights and anchors use. `ShownDocument`
holds the shown text of every block, blocks apart by a blank line, table cells by a tab and
rows by a line break, and a piecewise map: runs of shown text that are the source as it is
(offsets shift by a constant) and runs that stand for a substituted span (every shown
character maps to the whole span: a match never splits an entity).

A document with no hidden or substituted text (plain text, most of it) is its own shown
text: `identity` then holds and nothing is copied.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Callable
from typing import NamedTuple

from aiwatch_tui.core.model import B_RULE, B_TABLE, I_HIDDEN, I_REPLACE, Blocks, Inlines
from aiwatch_tui.core.text.shown import substitutions

BLOCK_SEPARATOR = "\n\n"
_Add = Callable[[str, int, int], None]  # writes a run: its shown text, source start, length


class SourceSpan(NamedTuple):
    start: int
    end: int


class ShownDocument:
    """The shown text of a document and its map to source offsets."""

    __slots__ = ("text", "identity", "_shown", "_source", "_length")

    def __init__(self, text: str, blocks: Blocks, inlines: Inlines) -> None:
        if not any(kind == I_HIDDEN or kind == I_REPLACE for kind in inlines.kinds):
            self.text, self.identity = text, True
            self._shown = self._source = self._length = array("i")
            return
        self.identity = False
        parts: list[str] = []
        # Runs: shown start, source start, and length (negative: a substituted run whose
        # source is -length long; its shown text is up to the next run).
        shown_starts, source_starts, lengths = array("i"), array("i"), array("i")
        size = 0

        def add(piece: str, source: int, length: int) -> None:
            nonlocal size
            shown_starts.append(size)
            source_starts.append(source)
            lengths.append(length)
            parts.append(piece)
            size += len(piece)

        def separator(value: str, source: int) -> None:
            add(value, source, -0)  # a substituted run over no source: maps to `source`

        for index in range(len(blocks)):
            kind = blocks.kinds[index]
            if kind == B_RULE:
                continue
            if parts:
                separator(BLOCK_SEPARATOR, blocks.starts[index])
            if kind == B_TABLE:
                table = blocks.tables.get(index)
                for row_number, row in enumerate(table.rows if table else ()):
                    for cell_number, cell in enumerate(row):
                        if row_number or cell_number:
                            separator("\t" if cell_number else "\n", cell.start)
                        self._stretch(text, cell.start, cell.end, inlines, add)
                continue
            start, end = blocks.content_starts[index], blocks.content_ends[index]
            self._stretch(text, start, end, inlines, add)
        self.text = "".join(parts)
        self._shown, self._source, self._length = shown_starts, source_starts, lengths

    @staticmethod
    def _stretch(text: str, start: int, end: int, inlines: Inlines, add: _Add) -> None:
        position = start
        for span_start, span_end, instead in substitutions(inlines, start, end):
            if span_start > position:
                add(text[position:span_start], position, span_start - position)
            value = "\n" if instead is None else instead
            if value:
                add(value, span_start, -(span_end - span_start))
            position = max(position, span_end)
        if position < end:
            add(text[position:end], position, end - position)

    def source_offset(self, index: int) -> int:
        """The source offset shown at `index` (a substituted run: its start)."""
        if self.identity:
            return index
        run = max(0, bisect_right(self._shown, index) - 1)
        length = self._length[run]
        if length <= 0:
            return self._source[run]
        return self._source[run] + min(index - self._shown[run], length)

    def shown_index(self, offset: int) -> int:
        """Where source `offset` is shown (hidden source: where the shown text goes on)."""
        if self.identity:
            return offset
        run = bisect_right(self._source, offset) - 1
        if run < 0:
            return 0
        length = self._length[run]
        if length > 0 and offset - self._source[run] < length:
            return self._shown[run] + offset - self._source[run]
        following = self._shown[run + 1] if run + 1 < len(self._shown) else len(self.text)
        return (
            self._shown[run] if length <= 0 and offset < self._source[run] - length else (following)
        )

    def source_span(self, start: int, end: int) -> SourceSpan:
        """The source span a shown span stands for, widened to whole substituted runs."""
        if self.identity:
            return SourceSpan(start, end)
        first = self.source_offset(start)
        if end <= start:
            return SourceSpan(first, first)
        run = max(0, bisect_right(self._shown, end - 1) - 1)
        length = self._length[run]
        if length <= 0:
            last = self._source[run] - length
        else:
            last = self._source[run] + min(end - self._shown[run], length)
        return SourceSpan(first, max(first, last))
