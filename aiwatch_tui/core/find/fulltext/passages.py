"""What the index stores of a document: its passages (one per heading, paragraph, list item or
table row, each an exact slice of the text, with the heading of its section) and its row."""

from __future__ import annotations

import marshal
import zlib
from collections.abc import Callable, Iterator
from typing import NamedTuple

from aiwatch_tui.core.find.fulltext.snippets import CLOSE, OPEN, scrub
from aiwatch_tui.core.library.sources import Source
from aiwatch_tui.core.model import BlockKind, Document

Loader = Callable[[Source], Document]


class Passage(NamedTuple):
    section: str
    start: int  # index in Document.text of body[0]
    body: str  # an exact slice of Document.text


_RULE, _HEADING, _TABLE = BlockKind.RULE, BlockKind.HEADING, BlockKind.TABLE


def passages(document: Document) -> Iterator[Passage]:
    """The searchable passages of a document, each an exact slice of its text."""
    text = document.text
    section = ""
    for block in document.blocks:
        kind = block.kind
        if kind is _RULE:
            continue
        if kind is _HEADING:
            section = " ".join(text[block.content_start : block.content_end].split())
        if kind is _TABLE and block.rows:
            for row in block.rows:
                if row:
                    yield Passage(section, row[0].start, text[row[0].start : row[-1].end])
            continue
        body = text[block.content_start : block.content_end]
        if body and not body.isspace():  # body.strip() without copying the body
            yield Passage(section, block.content_start, body)


class Entry(NamedTuple):
    """What the index stores of one document: its `files` row and its passages, as columns.

    Plain strings and numbers only, so that a parsing process can send it cheaply (marshal).
    """

    content_hash: str
    title: str
    word_count: int
    notices: str  # one per line
    sections: list[str]
    bodies: list[str]  # scrubbed of the highlight sentinels
    starts: list[int]
    # The passages in chunks of about CHUNK_CHARS, each compressed (pack_chunk) by the
    # parsing process, and the number of the first passage of each.
    chunks: list[bytes]
    chunk_firsts: list[int]
    headings: list[str | None]  # the heading's text where the passage is a heading's own


def entry_of(document: Document) -> Entry:
    """The document's files row and passages (those of passages(), in the same order)."""
    text = document.text
    # Sanitised text never holds the sentinels: one scan of the text instead of one per body.
    unsafe = OPEN in text or CLOSE in text
    sections: list[str] = []
    bodies: list[str] = []
    starts: list[int] = []
    headings: list[str | None] = []
    for passage in passages(document):
        section = passage.section
        body = scrub(passage.body) if unsafe else passage.body
        # A heading's own passage is the one whose body is its section's name, unless the
        # passage before is one too (then it is a paragraph repeating the heading).
        own = section != "" and body == section and (not bodies or bodies[-1] != section)
        sections.append(section)
        bodies.append(body)
        starts.append(passage.start)
        headings.append(section if own else None)
    chunks: list[bytes] = []
    firsts: list[int] = []
    first = size = 0
    for n, body in enumerate(bodies):
        size += len(body) + len(sections[n])
        if size >= CHUNK_CHARS or n == len(bodies) - 1:
            chunks.append(
                pack_chunk(sections[first : n + 1], bodies[first : n + 1], starts[first : n + 1])
            )
            firsts.append(first)
            first, size = n + 1, 0
    return Entry(
        document.content_hash,
        document.title,
        document.word_count,
        "\n".join(document.notices),
        sections,
        bodies,
        starts,
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
