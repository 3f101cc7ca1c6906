"""What the plain-text and Markdown parsers share: the text as lines with their offsets, pipe
tables, list nesting, and which blocks hold inline text."""

from __future__ import annotations

import re
from itertools import accumulate, repeat
from operator import add
from typing import NamedTuple

from bench.baseline.model import Block, BlockKind, Inline, InlineKind, Span

# Enum members the per-line and per-block code uses, looked up once: on Python 3.11 each
# `BlockKind.X` costs about a tenth of a microsecond, as much as the rest of a simple line.
PARAGRAPH = BlockKind.PARAGRAPH
TABLE = BlockKind.TABLE
MARKUP = InlineKind.MARKUP


class Lines(NamedTuple):
    """The text split at "\\n", with each line's start offset."""

    text: str
    lines: list[str]
    starts: list[int]

    @classmethod
    def of(cls, text: str) -> Lines:
        lines = text.split("\n")
        # Each line's length plus its newline, summed without a Python-level loop.
        widths = map(add, map(len, lines[:-1]), repeat(1))
        return cls(text, lines, list(accumulate(widths, initial=0)))

    def end(self, index: int) -> int:
        return self.starts[index] + len(self.lines[index])

    def stripped(self, start: int, end: int) -> tuple[int, int]:
        """The span start..end without surrounding whitespace (empty at `start` if blank)."""
        text = self.text
        if start < end and not text[start].isspace() and not text[end - 1].isspace():
            return start, end  # the usual case, without copying the span
        chunk = text[start:end]
        inner = chunk.strip()
        if not inner:
            return start, start
        lead = len(chunk) - len(chunk.lstrip())
        return start + lead, start + lead + len(inner)

    def block(
        self,
        kind: BlockKind,
        first: int,
        last: int,
        content_from: int | None = None,
        level: int = 0,
        marker: str = "",
    ) -> Block:
        """A block over lines first..last whose content is the stripped rest of those lines."""
        start, end = self.starts[first], self.end(last)
        content = self.stripped(start if content_from is None else content_from, end)
        return Block(kind, start, end, *content, level=level, marker=marker)


def is_blank(line: str) -> bool:
    return not line or line.isspace()


def first_visible(line: str) -> str:
    """The first non-whitespace character of `line` ("" if none), copying it only when
    it is indented."""
    head = line[:1]
    return line.lstrip()[:1] if head.isspace() else head


def indent_width(line: str) -> int:
    """Leading whitespace in columns, tabs to the next multiple of four."""
    if not line.startswith((" ", "\t")):
        return 0
    prefix = line[: len(line) - len(line.lstrip(" \t"))]
    return len(prefix.expandtabs(4))


# ---- tables (shared by plain text and Markdown)

_PIPE_OR_ESCAPE = re.compile(r"\\.|\|")
_DELIMITER_LINE = re.compile(r"[ \t]*\|?[ \t]*:?-[-:| \t]*")
_DELIMITER_CELL = re.compile(r"(:?)-+(:?)")


def _cell_ranges(line: str) -> list[tuple[int, int]]:
    """Raw cell ranges (relative to the line) between unescaped pipes, outer pipes dropped."""
    pipes = [m.start() for m in _PIPE_OR_ESCAPE.finditer(line) if m.group() == "|"]
    low = len(line) - len(line.lstrip())
    high = len(line.rstrip())
    if pipes and pipes[0] == low:
        low += 1
        pipes = pipes[1:]
    if pipes and pipes[-1] == high - 1:
        high -= 1
        pipes = pipes[:-1]
    edges = [low - 1, *pipes, high]
    return [(edges[k] + 1, edges[k + 1]) for k in range(len(edges) - 1)]


def _alignment(cell: str) -> str | None:
    match = _DELIMITER_CELL.fullmatch(cell.strip())
    if match is None:
        return None
    left, right = bool(match.group(1)), bool(match.group(2))
    return "center" if left and right else "right" if right else "left"


class Table(NamedTuple):
    block: Block
    last_line: int
    markup: tuple[Inline, ...]  # the backslashes of escaped pipes


def table_at(src: Lines, index: int) -> Table | None:
    """A pipe table whose header row is line `index`, or None."""
    if index + 1 >= len(src.lines):
        return None
    header, delimiter = src.lines[index], src.lines[index + 1]
    if "|" not in header or "|" not in delimiter or not _DELIMITER_LINE.fullmatch(delimiter):
        return None
    aligns = [_alignment(delimiter[a:b]) for a, b in _cell_ranges(delimiter)]
    header_cells = _cell_ranges(header)
    if None in aligns or len(header_cells) != len(aligns):
        return None
    columns = len(aligns)
    last = index + 1
    while last + 1 < len(src.lines) and "|" in src.lines[last + 1]:
        last += 1
    body = [index, *range(index + 2, last + 1)]
    rows = tuple(_table_row(src, line, columns) for line in body)
    markup = tuple(
        Inline(InlineKind.MARKUP, src.starts[line] + m.start(), src.starts[line] + m.start() + 1)
        for line in body
        for m in _PIPE_OR_ESCAPE.finditer(src.lines[line])
        if m.group() == "\\|"
    )
    start, end = src.starts[index], src.end(last)
    block = Block(
        BlockKind.TABLE,
        start,
        end,
        start,
        end,
        rows=rows,
        header_rows=1,
        align=tuple(a or "left" for a in aligns),
    )
    return Table(block, last, markup)


def _table_row(src: Lines, index: int, columns: int) -> tuple[Span, ...]:
    base = src.starts[index]
    cells = [Span(*src.stripped(base + a, base + b)) for a, b in _cell_ranges(src.lines[index])]
    if len(cells) > columns:
        # Keep every character visible: extra cells join the last column.
        cells = [*cells[: columns - 1], Span(cells[columns - 1].start, cells[-1].end)]
    row_end = base + len(src.lines[index].rstrip())
    cells.extend(Span(row_end, row_end) for _ in range(columns - len(cells)))
    return tuple(cells)


# ---- lists (shared)


def nesting_level(stack: list[tuple[int, int]], indent: int, content_column: int) -> int:
    """Depth of a list item from its marker's indentation; `stack` holds open levels as
    (marker indent, content column) and is updated."""
    while stack and indent < stack[-1][0]:
        stack.pop()
    if stack and indent < stack[-1][1]:
        stack[-1] = (indent, content_column)  # not indented enough to nest: a sibling
    else:
        stack.append((indent, content_column))
    return len(stack) - 1


def list_fields(match: re.Match[str]) -> tuple[BlockKind, str]:
    bullet = match.group("bullet")
    if bullet:
        return BlockKind.BULLET, bullet
    return BlockKind.NUMBERED, match.group("number") + match.group("delim")


# Blocks whose text is read (and may hold inline markup and URLs).
INLINE_KINDS = frozenset(
    {
        BlockKind.TITLE,
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
        BlockKind.BULLET,
        BlockKind.NUMBERED,
        BlockKind.QUOTE,
    }
)
