"""The shared data model: documents, their blocks, and highlights.

These are plain frozen values (dataclasses, and tuples where thousands are made at once)
so every layer (parser, store, anchoring, search, export, UI) can pass them around
without importing each other.
All offsets are Python string indices (code points) into `Document.text`, the
decoded, newline-normalised and sanitised text of the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple

WORDS_PER_MINUTE = 230


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


@dataclass(frozen=True, slots=True)
class Document:
    key: str  # stable identity: "seeds/<file name>" for a bundled article, absolute path otherwise
    path: Path | None
    text: str
    title: str
    blocks: tuple[Block, ...]
    inlines: tuple[Inline, ...]
    content_hash: str  # sha256 hex of `text`
    word_count: int
    encoding: str  # the codec the bytes were decoded with
    notices: tuple[str, ...] = ()  # one-line, user-facing remarks ("not UTF-8: read as cp1252")
    is_markdown: bool = False

    @property
    def headings(self) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.kind is BlockKind.HEADING)

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / WORDS_PER_MINUTE)) if self.word_count else 0


class AnchorStatus(StrEnum):
    ANCHORED = "anchored"  # found where it was made, text unchanged
    MOVED = "moved"  # same text, found at another place
    CHANGED = "changed"  # approximate match; the original quote is kept
    ORPHANED = "orphaned"  # not found with confidence: never deleted, never re-attached silently


HIGHLIGHT_COLORS: tuple[str, ...] = ("yellow", "green", "blue", "pink", "purple")
DEFAULT_COLOR = HIGHLIGHT_COLORS[0]


@dataclass(frozen=True, slots=True)
class Highlight:
    """A highlight (with an optional note), with W3C TextQuote/TextPosition selectors.

    `exact`/`prefix`/`suffix` are the TextQuoteSelector (prefix and suffix about 32
    characters of context); `start`/`end` the TextPositionSelector into the text whose
    sha256 is `doc_hash`. Times are ISO-8601 UTC strings with a "Z" suffix.
    """

    id: str  # UUID4 string, no "urn:uuid:" prefix
    doc_key: str
    doc_hash: str
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    color: str = DEFAULT_COLOR
    note: str = ""
    created: str = ""
    modified: str = ""
    status: AnchorStatus = AnchorStatus.ANCHORED


class DocumentNote(NamedTuple):
    """A note about a whole document (an annotation whose target has no selector).

    A document may have several: the one aiwatch's `A` key edits, whose `id` is derived from
    the document key (core.uris.document_note_id), and any number imported from other
    tools under their own ids. An empty `id` means that derived one.
    """

    doc_key: str
    text: str
    modified: str = ""
    id: str = ""
    created: str = ""


class DocumentInfo(NamedTuple):
    """What the document list needs, cheap to keep for thousands of documents.

    A NamedTuple rather than a frozen dataclass: a relaunch on a large library builds
    10,000 of these before its first paint, four times faster as tuples."""

    key: str
    path: Path | None
    title: str
    word_count: int
    size: int
    mtime_ns: int
    content_hash: str
    notices: tuple[str, ...] = ()


class DocumentRow(NamedTuple):
    """A document as lists show it (the app's list, `aiwatch list`): its metadata, how far it
    has been read and how many highlights and notes it has. (A tuple, as DocumentInfo.)"""

    info: DocumentInfo
    progress: float = 0.0
    highlights: int = 0
    notes: int = 0
    # A fetched web article's source and date ("" for a file); its feed's URL ("" for a file,
    # a page saved on its own, or once its feed is removed).
    site: str = ""
    date: str = ""
    feed_url: str = ""
    is_article: bool = False


def utc_now() -> str:
    """The current time as ISO-8601 UTC with millisecond precision and a "Z" suffix."""
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
