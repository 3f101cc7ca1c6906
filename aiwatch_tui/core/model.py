"""The shared data model: documents, their blocks and spans, and highlights.

These are plain values (dataclasses, tuples, and arrays where a document has hundreds of
thousands of something) so every layer (parser, store, anchoring, search, export, UI) can
pass them around without importing each other.
All offsets are Python string indices (code points) into `Document.text`, the
decoded, newline-normalised and sanitised text of the file.

Blocks and inline spans: the text is the source as stored; nothing is removed or rewritten,
so highlights, find, search snippets and anchors can all point into it. What a reader sees
is derived from the source with the spans:

* a block is one thing the reader draws (a heading, a paragraph, a list item...), in
  document order. Containers (block quotes, list items, footnote definitions) are not
  blocks of their own but fields of the blocks inside them (`quote`, `depth`, `footnote`);
* inside a block's content `text[content_start:content_end]`:
  - HIDDEN spans are not shown (Markdown syntax, link targets, raw HTML tags);
  - a REPLACE span is shown as its `text` (an entity `&copy;` as "©", a tab expanded in
    code, a raw `<img>` as "[image: alt]");
  - a BREAK span is a line break (its offsets cover "  \\n", "\\\\\\n" or "<br>");
  - a newline that is not hidden is a soft break: a space when the text is re-wrapped;
  - the other kinds style the text they cover.

Spans never cross a block's bounds, and every span lies inside one block's source (table
spans inside a cell), so the spans of a block are those that start inside it.

Storage is columnar (`Blocks`, `Inlines`): a 5 MB document has hundreds of thousands of
spans, which as tuples would cost some 150 bytes each; as arrays they cost 13. Both are
read-only sequences that make a `Block` or an `Inline` tuple on demand.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import NamedTuple, TypeVar, overload

_T = TypeVar("_T")

WORDS_PER_MINUTE = 230


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"  # an item's first paragraph (or nothing), its marker before it
    CODE = "code"  # shown as written, never re-wrapped: code, and preformatted plain text
    QUOTE = "quote"  # a paragraph whose nearest container is a block quote
    RULE = "rule"
    TABLE = "table"


class InlineKind(StrEnum):
    HIDDEN = "hidden"  # not shown: syntax, link targets, raw HTML tags, front matter
    REPLACE = "replace"  # shown as Inline.text instead of its source
    BREAK = "break"  # a hard line break
    STRONG = "strong"
    EMPHASIS = "emphasis"
    CODE = "code"
    STRIKE = "strike"
    LINK = "link"  # the link's text; Inline.text is its destination
    URL = "url"  # an autolink or a bare web or e-mail address; Inline.text is the address
    IMAGE = "image"  # an image as shown ("[image: alt]"); Inline.text is its source
    TASK = "task"  # a task list's "[ ]" / "[x]"
    FOOTNOTE_REF = "footnote_ref"  # "[^label]", shown as "[label]"; Inline.text is the label


# Kinds by their code in the arrays (the parsers use the codes directly).
BLOCK_KINDS: tuple[BlockKind, ...] = tuple(BlockKind)
INLINE_KINDS: tuple[InlineKind, ...] = tuple(InlineKind)
B_HEADING, B_PARAGRAPH, B_LIST_ITEM, B_CODE, B_QUOTE, B_RULE, B_TABLE = range(7)
(
    I_HIDDEN,
    I_REPLACE,
    I_BREAK,
    I_STRONG,
    I_EMPHASIS,
    I_CODE,
    I_STRIKE,
    I_LINK,
    I_URL,
    I_IMAGE,
    I_TASK,
    I_FOOTNOTE_REF,
) = range(12)
assert BLOCK_KINDS[B_TABLE] is BlockKind.TABLE and INLINE_KINDS[I_FOOTNOTE_REF] is (
    InlineKind.FOOTNOTE_REF
)
# Spans that change what is shown (the others only style it).
SUBSTITUTING = frozenset({I_HIDDEN, I_REPLACE, I_BREAK})


class Span(NamedTuple):
    start: int
    end: int


class Inline(NamedTuple):
    kind: InlineKind
    start: int
    end: int
    text: str = ""


class Table(NamedTuple):
    rows: tuple[tuple[Span, ...], ...]  # each cell's content span, header row first
    align: tuple[str, ...]  # per column: "left" | "right" | "center" | ""
    header_rows: int = 1  # a Markdown table always has one; an HTML table may have none


class Block(NamedTuple):
    """One block the reader draws.

    `start`/`end` cover its source (a list item's marker included, the final newline not);
    `content_start`/`content_end` what the reader reads (for a table: the whole table, the
    cells are in `rows`)."""

    kind: BlockKind
    start: int
    end: int
    content_start: int
    content_end: int
    level: int = 0  # a heading's level, 1-6
    quote: int = 0  # how many block quotes enclose the block
    depth: int = -1  # list nesting: -1 outside lists, 0 inside a top-level list's item
    ordered: bool = False  # a numbered list's item
    number: int = 0  # a numbered item's number as a reader counts it
    rows: tuple[tuple[Span, ...], ...] = ()  # a table's cells (see Table)
    align: tuple[str, ...] = ()
    header_rows: int = 0
    footnote: str = ""  # the label of the footnote definition the block belongs to


_NOT_A_NUMBER = -(1 << 31)  # `numbers` entry of a block that is not a numbered item


class Blocks(Sequence[Block]):
    """The blocks of a document, in order, stored as arrays; `append` while building."""

    __slots__ = (
        "kinds",
        "starts",
        "ends",
        "content_starts",
        "content_ends",
        "levels",
        "quotes",
        "depths",
        "numbers",
        "tables",
        "footnotes",
    )

    def __init__(self) -> None:
        self.kinds = bytearray()
        self.starts = array("i")
        self.ends = array("i")
        self.content_starts = array("i")
        self.content_ends = array("i")
        self.levels = bytearray()
        self.quotes = bytearray()
        self.depths = array("b")  # list depth + 1 (0: outside lists)
        self.numbers = array("i")
        self.tables: dict[int, Table] = {}
        self.footnotes: dict[int, str] = {}

    def append(
        self,
        kind: int,
        start: int,
        end: int,
        content_start: int,
        content_end: int,
        level: int = 0,
        quote: int = 0,
        depth: int = -1,
        number: int | None = None,
    ) -> int:
        """Add a block (kind by its code); returns its index. Depths and quote levels past
        the arrays' range are capped (a reader cannot show 127 levels of nesting anyway)."""
        index = len(self.kinds)
        self.kinds.append(kind)
        self.starts.append(start)
        self.ends.append(end)
        self.content_starts.append(content_start)
        self.content_ends.append(content_end)
        self.levels.append(level)
        self.quotes.append(quote if quote < 255 else 255)
        self.depths.append(depth + 1 if depth < 126 else 127)
        self.numbers.append(_NOT_A_NUMBER if number is None else number)
        return index

    def merge(self, first: int, last: int) -> None:
        """Join blocks first..last (in order) into the first: it then ends where the last
        ended. The others' table and footnote entries go; later indices shift down."""
        if last <= first:
            return
        self.ends[first] = self.ends[last]
        self.content_ends[first] = self.content_ends[last]
        for column in (
            self.kinds,
            self.starts,
            self.ends,
            self.content_starts,
            self.content_ends,
            self.levels,
            self.quotes,
            self.depths,
            self.numbers,
        ):
            del column[first + 1 : last + 1]
        removed = last - first

        def shifted(entries: dict[int, _T]) -> dict[int, _T]:
            return {
                (i - removed if i > last else i): value
                for i, value in entries.items()
                if not first < i <= last
            }

        self.tables = shifted(self.tables)
        self.footnotes = shifted(self.footnotes)

    def __len__(self) -> int:
        return len(self.kinds)

    @overload
    def __getitem__(self, index: int) -> Block: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Block]: ...
    def __getitem__(self, index: int | slice) -> Block | Sequence[Block]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self.kinds)
        number = self.numbers[index]
        table = self.tables.get(index) if self.tables else None
        return Block(
            BLOCK_KINDS[self.kinds[index]],
            self.starts[index],
            self.ends[index],
            self.content_starts[index],
            self.content_ends[index],
            self.levels[index],
            self.quotes[index],
            self.depths[index] - 1,
            number != _NOT_A_NUMBER,
            0 if number == _NOT_A_NUMBER else number,
            table.rows if table else (),
            table.align if table else (),
            table.header_rows if table else 0,
            self.footnotes.get(index, "") if self.footnotes else "",
        )

    def __iter__(self) -> Iterator[Block]:
        for index in range(len(self.kinds)):
            yield self[index]

    def kind(self, index: int) -> BlockKind:
        return BLOCK_KINDS[self.kinds[index]]

    def index_at(self, offset: int) -> int:
        """The index of the last block starting at or before `offset` (-1 if none)."""
        return bisect_left(self.starts, offset + 1) - 1


class Inlines(Sequence[Inline]):
    """A document's inline spans sorted by start, the longer first at one start; stored as
    arrays (`kinds` holds codes, `texts` the text of each, mostly "")."""

    __slots__ = ("kinds", "starts", "ends", "texts")

    def __init__(self) -> None:
        self.kinds = bytearray()
        self.starts = array("i")
        self.ends = array("i")
        self.texts: list[str] = []

    def append(self, kind: int, start: int, end: int, text: str = "") -> None:
        self.kinds.append(kind)
        self.starts.append(start)
        self.ends.append(end)
        self.texts.append(text)

    def sort(self) -> None:
        """Order the spans by start, longer first at one start, keeping the order they were
        added in otherwise (a REPLACE and an IMAGE over one tag: substitute, then style)."""
        starts, ends = self.starts, self.ends
        scale = 1 << 32
        keys = [start * scale - end for start, end in zip(starts, ends, strict=True)]
        order = sorted(range(len(keys)), key=keys.__getitem__)
        if order == list(range(len(order))):
            return
        self.kinds = bytearray(map(self.kinds.__getitem__, order))
        self.starts = array("i", map(starts.__getitem__, order))
        self.ends = array("i", map(ends.__getitem__, order))
        self.texts = list(map(self.texts.__getitem__, order))

    def __len__(self) -> int:
        return len(self.kinds)

    @overload
    def __getitem__(self, index: int) -> Inline: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Inline]: ...
    def __getitem__(self, index: int | slice) -> Inline | Sequence[Inline]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        return Inline(
            INLINE_KINDS[self.kinds[index]],
            self.starts[index],
            self.ends[index],
            self.texts[index],
        )

    def __iter__(self) -> Iterator[Inline]:
        kinds = INLINE_KINDS
        for code, start, end, text in zip(
            self.kinds, self.starts, self.ends, self.texts, strict=True
        ):
            yield Inline(kinds[code], start, end, text)

    def indices(self, start: int, end: int) -> range:
        """Indices of the spans that start in start..end (all spans of a block, when these
        are its source bounds)."""
        return range(bisect_left(self.starts, start), bisect_left(self.starts, end))

    def within(self, start: int, end: int) -> Iterator[Inline]:
        for index in self.indices(start, end):
            yield self[index]


@dataclass(frozen=True, slots=True)
class Document:
    key: str  # stable identity: "seeds/<file name>" for a bundled article, absolute path otherwise
    path: Path | None
    text: str
    title: str
    blocks: Blocks
    inlines: Inlines
    content_hash: str  # sha256 hex of `text`
    word_count: int
    encoding: str  # the codec the bytes were decoded with
    notices: tuple[str, ...] = ()  # one-line, user-facing remarks ("not UTF-8: read as cp1252")
    is_markdown: bool = False
    author: str = ""  # from the front matter
    date: str = ""

    @property
    def headings(self) -> tuple[Block, ...]:
        blocks = self.blocks
        heading = BLOCK_KINDS.index(BlockKind.HEADING)
        return tuple(blocks[i] for i, kind in enumerate(blocks.kinds) if kind == heading)

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
