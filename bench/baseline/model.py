"""The block model of the parser before issue 15, kept to measure the new one against."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class BlockKind(StrEnum):
    TITLE = "title"  # the document's own first-line heading (absent when the title is derived)
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    BULLET = "bullet"  # one item of a bullet list
    NUMBERED = "numbered"  # one item of a numbered list
    TABLE = "table"  # a Markdown pipe table
    QUOTE = "quote"  # a Markdown block quote ("> ...")
    CODE = "code"  # a fenced or indented code block: shown as written, never re-wrapped
    RULE = "rule"  # a thematic break ("---", "***")


class Span(NamedTuple):
    start: int
    end: int


class InlineKind(StrEnum):
    URL = "url"
    STRONG = "strong"
    EMPHASIS = "emphasis"
    CODE = "code"
    MARKUP = "markup"  # Markdown syntax characters (**, `, #...) that the reader dims


class Inline(NamedTuple):
    kind: InlineKind
    start: int
    end: int


class Block(NamedTuple):
    """One block of the document.

    `start`/`end` cover the block's whole source (all its lines, without the final newline);
    `content_start`/`content_end` cover the text a reader reads: after a list marker or
    "## ", before a closing " ##", without a setext underline. For a table the content is
    the whole table and `rows` gives each cell's stripped content span (the |---| delimiter
    row is not a row). Text inside a block may contain newlines (a Markdown paragraph over
    several source lines): the reader treats them as spaces.
    """

    kind: BlockKind
    start: int
    end: int
    content_start: int
    content_end: int
    level: int = 0  # heading level 1-6; list nesting depth from 0; quote depth
    marker: str = ""  # list marker as written: "-", "*", "+", "1.", "2)"
    rows: tuple[tuple[Span, ...], ...] = ()
    header_rows: int = 0  # table: how many leading rows are header rows (0 or 1)
    align: tuple[str, ...] = ()  # table: "left" | "right" | "center" per column
