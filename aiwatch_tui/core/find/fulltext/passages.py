"""What the index stores of a document: its passages (one per heading, paragraph, list item or
table row, each its text as shown at the length of its source, with the heading of its
section) and its row."""

from __future__ import annotations

import marshal
import zlib
from collections.abc import Callable, Iterator
from typing import NamedTuple

from aiwatch_tui.core.find.fulltext.snippets import CLOSE, OPEN, scrub
from aiwatch_tui.core.library.sources import Source
from aiwatch_tui.core.model import B_HEADING, B_RULE, B_TABLE, Document, Inlines, Span
from aiwatch_tui.core.text.shown import masked
from aiwatch_tui.core.text.structure import title_heading

Loader = Callable[[Source], Document]


class Passage(NamedTuple):
    section: str
    start: int  # index in Document.text of body[0]
    body: str  # a slice of Document.text as shown, at its length (see passages())


def passages(document: Document) -> Iterator[Passage]:
    """The searchable passages of a document: the text of each block as a reader sees it
    (Markdown syntax and hidden tags blanked, entities decoded) at the length of its source,
    so that an index into a passage is an offset from its start."""
    text, blocks, inlines = document.text, document.blocks, document.inlines
    section = ""
    title = title_heading(blocks)  # the title names no section: its passage is no heading
    for index in range(len(blocks)):
        kind = blocks.kinds[index]
        if kind == B_RULE:
            continue
        if kind == B_TABLE:
            table = blocks.tables.get(index)
            for row in table.rows if table else ():
                if row:
                    start, end = row[0].start, row[-1].end
                    yield Passage(section, start, _table_row(text, row, inlines))
            continue
        start, end = blocks.content_starts[index], blocks.content_ends[index]
        body = masked(text, start, end, inlines)
        if kind == B_HEADING and index != title:
            section = body  # its own passage is then exactly its section name
        if body and not body.isspace():  # body.strip() without copying the body
            yield Passage(section, start, body)


def _table_row(text: str, row: tuple[Span, ...], inlines: Inlines) -> str:
    """A table row from its first cell to its last: the cells' shown text, the pipes and
    the padding between them blanked."""
    start, end = row[0].start, row[-1].end
    parts: list[str] = []
    position = start
    for cell in row:
        if cell.start > position:
            parts.append("".join("\n" if c == "\n" else " " for c in text[position : cell.start]))
        parts.append(masked(text, cell.start, cell.end, inlines))
        position = max(position, cell.end)
    if position < end:
        parts.append(text[position:end])
    return "".join(parts)


class Entry(NamedTuple):
    """What the index stores of one document: its `files` row, its passages in compressed
    chunks (pack_chunk) with the number of the first passage of each, and its headings.
    Plain values only, so that a parsing process can send it cheaply (marshal); compressed,
    so that neither the process nor the writer holds a second full copy of a huge text.
    """

    content_hash: str
    title: str
    word_count: int
    notices: str  # one per line
    chunks: list[bytes]
    chunk_firsts: list[int]
    # (number, text, start) of each heading's own passage: the one whose body is its
    # section's name, unless the passage before is one too (a paragraph repeating it).
    headings: list[tuple[int, str, int]]


def entry_of(document: Document) -> Entry:
    """The document's files row and passages (those of passages(), in the same order), the
    passages packed a chunk at a time as they come."""
    text = document.text
    # Sanitised text never holds the sentinels: one scan of the text instead of one per body.
    unsafe = OPEN in text or CLOSE in text
    chunks: list[bytes] = []
    firsts: list[int] = []
    headings: list[tuple[int, str, int]] = []
    sections: list[str] = []
    bodies: list[str] = []
    starts: list[int] = []
    size = count = 0
    previous = ""
    for passage in passages(document):
        section = passage.section
        body = scrub(passage.body) if unsafe else passage.body
        if section != "" and body == section and previous != section:
            headings.append((count, section, passage.start))
        previous = body
        sections.append(section)
        bodies.append(body)
        starts.append(passage.start)
        count += 1
        size += len(body) + len(section)
        if size >= CHUNK_CHARS:
            firsts.append(count - len(bodies))
            chunks.append(pack_chunk(sections, bodies, starts))
            sections, bodies, starts, size = [], [], [], 0
    if bodies:
        firsts.append(count - len(bodies))
        chunks.append(pack_chunk(sections, bodies, starts))
    return Entry(
        document.content_hash,
        document.title,
        document.word_count,
        "\n".join(document.notices),
        chunks,
        firsts,
        headings,
    )


def pack_chunk(sections: list[str], bodies: list[str], starts: list[int]) -> bytes:
    """Consecutive passages (their sections, bodies and starts) in one compressed value:
    prose compresses to about a third in chunks of a few pages, hardly at all one sentence
    at a time."""
    return zlib.compress(marshal.dumps((sections, bodies, starts)), PACK_LEVEL)


def unpack_chunk(packed: bytes) -> tuple[list[str], list[str], list[int]]:
    """(sections, bodies, starts) of `pack_chunk`."""
    sections, bodies, starts = marshal.loads(zlib.decompress(packed))
    return list(sections), list(bodies), list(starts)


# Text per chunk of passages: a few pages, so that showing one passage decompresses little.
CHUNK_CHARS = 16 * 1024
# zlib's level: 6 packs English prose to about a third; the parsing processes pay for it.
PACK_LEVEL = 6


def load_entry(load: Loader, source: Source) -> tuple[Entry | None, str]:
    """(entry, "") or (None, why it could not be loaded)."""
    try:
        return entry_of(load(source)), ""
    except Exception as error:  # one unreadable file must not stop the library
        return None, str(error) or type(error).__name__
