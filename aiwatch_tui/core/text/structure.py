"""A parsed document's structure as scripts and the title see it.

`block_records` is what `aiwatch cat --json` prints for each block: its kind, the text a
reader is shown (markup, link targets and hidden HTML tags left out, entities decoded,
line breaks as newlines; a soft break inside a paragraph is a space, as the reader
re-wraps it) and its source offsets. `document_title` picks the title a reader expects.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

from aiwatch_tui.core.model import (
    B_CODE,
    B_HEADING,
    B_LIST_ITEM,
    B_PARAGRAPH,
    B_QUOTE,
    B_RULE,
    B_TABLE,
    I_IMAGE,
    BlockKind,
    Blocks,
    Document,
    Inlines,
)
from aiwatch_tui.core.text.shown import shown_text

TITLE_MAX_CHARS = 70  # a title taken from a sentence is cut on a word boundary here
_BREAK_MARK = "\x00"  # stands for a hard break while soft breaks become spaces
_SOFT = re.compile(r"[ \t]*\n[ \t]*")
_SENTENCE_END = re.compile(r"(?<!\b[A-Z])[.!?…]+[\"'”’)\]]*(?=\s|$)")

Record = dict[str, object]


def prose_text(text: str, start: int, end: int, inlines: Inlines) -> str:
    """The shown text of a paragraph-like stretch: soft breaks as spaces, hard breaks as
    newlines, no blanks at either end."""
    raw = shown_text(text, start, end, inlines, _BREAK_MARK)
    if "\n" in raw:
        raw = _SOFT.sub(" ", raw)
    if _BREAK_MARK in raw:
        raw = "\n".join(line.strip(" \t") for line in raw.split(_BREAK_MARK))
    return raw.strip(" \t\n")


def block_text(text: str, blocks: Blocks, index: int, inlines: Inlines) -> str:
    """What the reader shows of block `index` (a table: cells by tabs, rows by lines)."""
    kind = blocks.kinds[index]
    start, end = blocks.content_starts[index], blocks.content_ends[index]
    if kind == B_CODE:
        return shown_text(text, start, end, inlines)
    if kind == B_RULE:
        return ""
    if kind == B_TABLE:
        return "\n".join("\t".join(row) for row in table_rows(text, blocks, index, inlines))
    return prose_text(text, start, end, inlines)


def table_rows(text: str, blocks: Blocks, index: int, inlines: Inlines) -> list[list[str]]:
    table = blocks.tables.get(index)
    if table is None:
        return []
    return [[prose_text(text, cell.start, cell.end, inlines) for cell in row] for row in table.rows]


def block_records(text: str, blocks: Blocks, inlines: Inlines) -> Iterator[Record]:
    """One record per block, in order (see the module docstring and the README)."""
    for index in range(len(blocks)):
        kind = blocks.kinds[index]
        record: Record = {
            "kind": str(blocks.kind(index)),
            "text": block_text(text, blocks, index, inlines),
            "start": blocks.starts[index],
            "end": blocks.ends[index],
        }
        if kind == B_HEADING:
            record["level"] = blocks.levels[index]
        elif kind == B_LIST_ITEM:
            block = blocks[index]
            record["ordered"] = block.ordered
            record["depth"] = block.depth
        elif kind == B_TABLE:
            record["rows"] = table_rows(text, blocks, index, inlines)
        yield record


def _cut(line: str, limit: int) -> str:
    """`line` cut on a word boundary to at most `limit` characters and "…"."""
    if len(line) <= limit:
        return line
    head = line[: limit + 1]
    space = head.rfind(" ")
    head = head[:space] if space > limit // 3 else head[:limit]
    return head.rstrip(" ,;:—–-") + "…"


def _first_sentence(line: str) -> str:
    end = _SENTENCE_END.search(line)
    sentence = (line[: end.end()] if end else line).strip()
    if len(sentence) <= TITLE_MAX_CHARS and sentence.endswith(".") and sentence[-2:] != "..":
        return sentence[:-1]
    return _cut(sentence, TITLE_MAX_CHARS)


def only_images(text: str, blocks: Blocks, index: int, inlines: Inlines) -> bool:
    """A block that shows nothing but images (a row of badges): no title in it."""
    start, end = blocks.content_starts[index], blocks.content_ends[index]
    images = [
        (inlines.starts[i], inlines.ends[i])
        for i in inlines.indices(start, end)
        if inlines.kinds[i] == I_IMAGE
    ]
    if not images:
        return False
    position = start
    for image_start, image_end in images:
        if image_start > position and prose_text(text, position, image_start, inlines):
            return False
        position = max(position, image_end)
    return not prose_text(text, position, end, inlines) if position < end else True


def document_title(text: str, blocks: Blocks, inlines: Inlines, front_title: str = "") -> str:
    """The front matter's title, else the first level-1 heading, else the first heading,
    else the first sentence; "" when the document shows no text at all."""
    if front_title:
        return _cut(" ".join(front_title.split()), 2 * TITLE_MAX_CHARS)
    headings = [i for i in range(len(blocks)) if blocks.kinds[i] == B_HEADING]
    for wanted in (1, 0):
        for index in headings:
            if wanted and blocks.levels[index] != wanted:
                continue
            heading = " ".join(block_text(text, blocks, index, inlines).split())
            if heading:
                return _cut(heading, 2 * TITLE_MAX_CHARS)
    for index in range(len(blocks)):
        if blocks.kinds[index] not in (B_PARAGRAPH, B_LIST_ITEM, B_QUOTE):
            continue
        if only_images(text, blocks, index, inlines):
            continue
        # A title needs only the opening words: a huge paragraph is not joined.
        start = blocks.content_starts[index]
        end = min(blocks.content_ends[index], start + 8 * TITLE_MAX_CHARS)
        line = " ".join(prose_text(text, start, end, inlines).split())
        if line:
            return _first_sentence(line)
    return ""


def byline(author: str, date: str) -> str:
    """What a reader shows under the title from the front matter: "Ada Park · 2031-03-14"
    ("" when it names neither)."""
    return " · ".join(part for part in (author, date) if part)


KINDS = tuple(str(kind) for kind in BlockKind)


class Heading(NamedTuple):
    label: str  # as shown, on one line
    level: int
    depth: int  # nesting for an outline: 0 for the top level (the title does not count)
    offset: int  # where its text starts


def title_heading(blocks: Blocks) -> int:
    """The index of the heading that is the document's title (0: the first block, when it
    is the only level-1 heading), or -1. An outline lists the sections under it."""
    if not len(blocks) or blocks.kinds[0] != B_HEADING or blocks.levels[0] != 1:
        return -1
    for index in range(1, len(blocks)):
        if blocks.kinds[index] == B_HEADING and blocks.levels[index] == 1:
            return -1
    return 0


def headings(document: Document) -> list[Heading]:
    """The document's section headings as an outline shows them (the title heading left
    out), each at its depth among the levels the document uses."""
    blocks, inlines, text = document.blocks, document.inlines, document.text
    title = title_heading(blocks)
    found = [
        (index, blocks.levels[index])
        for index in range(len(blocks))
        if blocks.kinds[index] == B_HEADING and index != title
    ]
    rank = {level: number for number, level in enumerate(sorted({lv for _, lv in found}))}
    out: list[Heading] = []
    for index, level in found:
        label = " ".join(block_text(text, blocks, index, inlines).split())
        out.append(Heading(label, level, rank[level], blocks.content_starts[index]))
    return out
