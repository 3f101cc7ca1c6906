"""Plain text into blocks: a title line, headings told by their look, paragraphs (a hard-wrapped
text's lines joined), lists, rules and pipe tables."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bench.baseline.blocks import (
    PARAGRAPH,
    Lines,
    first_visible,
    indent_width,
    is_blank,
    list_fields,
    nesting_level,
    table_at,
)
from bench.baseline.model import Block, BlockKind, Inline

# Title and heading heuristics for plain text.
HEADING_MAX_CHARS = 80
HEADING_MAX_WORDS = 12
TITLE_LINE_MAX_WORDS = 15  # a first-line title may be a little longer than a section heading
WRAP_MAX = 100  # lines longer than this were not hard-wrapped by a person or an editor

_PLAIN_ITEM = re.compile(
    r"(?P<indent>[ \t]*)(?:(?P<bullet>[-*+•◦▪‣])|(?P<number>[0-9]{1,3})(?P<delim>[.)]))[ \t]+(?=\S)"
)
_PLAIN_RULE = re.compile(r"[ \t]*([-*_=~#])(?:[ \t]*\1){2,}[ \t]*")
_PLAIN_BLOCK_HEADS = frozenset("-*+•◦▪‣_=~#0123456789")  # first characters of items and rules
_CLOSING_PUNCTUATION = frozenset(".,;:!…\"'”’»—–-")
_SENTENCE_END_PUNCTUATION = frozenset(".!?…\"'”’")
_MINOR_WORDS = frozenset(
    "a an the and or but nor of in on at to for by with as from via vs per into onto off up".split()
)
_LETTER = re.compile(r"[^\W\d_]")


def _is_title_case(words: Sequence[str]) -> bool:
    cased = [w.lstrip("\"'“‘(") for w in words]
    cased = [w for w in cased if w[:1].isalpha()]
    if len(words) < 2 or not cased or not cased[0][0].isupper():
        return False
    return all(w[0].isupper() or w.lower() in _MINOR_WORDS for w in cased)


def _reads_as_heading(line: str, max_words: int = HEADING_MAX_WORDS) -> bool:
    """Short, capitalised, no closing sentence punctuation; a question only in Title Case."""
    text = line.strip()
    if not text or len(text) > HEADING_MAX_CHARS or text[0].islower():
        return False
    if _LETTER.search(text) is None:
        return False
    words = text.split()
    if len(words) > max_words or text[-1] in _CLOSING_PUNCTUATION:
        return False
    return text[-1] != "?" or _is_title_case(words)


def _wrap_width(lines: Sequence[str]) -> int:
    """The width the text was hard-wrapped at, or 0 when it has one paragraph per line.

    Tables are left out. A text counts as hard-wrapped when fewer than one in five of its
    lines is longer than WRAP_MAX; its width is then its longest line up to WRAP_MAX.
    """
    # len(line.rstrip()), without copying a line that does not end in whitespace.
    lengths = [
        len(line.rstrip()) if line[-1].isspace() else len(line)
        for line in lines
        if line and not line.isspace() and "|" not in line
    ]
    short = [n for n in lengths if n <= WRAP_MAX]
    if not short or (len(lengths) - len(short)) * 5 >= len(lengths):
        return 0
    return max(short)


def _soft_break(line: str, following: str, wrap_width: int) -> bool:
    """Whether the break between two lines only wraps a paragraph.

    In a text with one paragraph per line every break counts. In a hard-wrapped one, a
    break after a line that ends a sentence or reads as a heading is kept when the next
    word would have fitted on the line: a wrapping editor would have put it there.
    """
    before = line.rstrip()
    if not wrap_width or len(before) > WRAP_MAX or len(following.rstrip()) > WRAP_MAX:
        return False
    next_word = following.split(maxsplit=1)[0]
    if len(before) + 1 + len(next_word) > wrap_width:
        return True
    ends_sentence = before[-1:] in _SENTENCE_END_PUNCTUATION
    return not (ends_sentence or _reads_as_heading(before))


def _paragraph_as(block: Block, kind: BlockKind, level: int) -> Block:
    """A paragraph block retyped (a paragraph has no marker or table fields to carry over,
    so the fields are given rather than copied one by one)."""
    return Block(kind, block.start, block.end, block.content_start, block.content_end, level)


class PlainParser:
    def __init__(self, src: Lines) -> None:
        self.src = src
        self.lines = src.lines
        self.wrap_width = _wrap_width(src.lines)
        self.blocks: list[Block] = []
        self.markup: list[Inline] = []
        self.list_stack: list[tuple[int, int]] = []

    def run(self) -> tuple[list[Block], list[Inline]]:
        lines, starts = self.lines, self.src.starts
        one_per_line = not self.wrap_width
        index = 0
        while index < len(lines):
            line = lines[index]
            # The usual line, a paragraph of its own, without _block_at's calls: not blank,
            # no table pipe, no list or rule marker, and no wrapping to join lines.
            if (
                one_per_line
                and line
                and "|" not in line
                and not line[0].isspace()
                and line[0] not in _PLAIN_BLOCK_HEADS
                and not line[-1].isspace()
            ):
                self.list_stack.clear()
                start = starts[index]
                end = start + len(line)
                self.blocks.append(Block(PARAGRAPH, start, end, start, end))
                index += 1
            else:
                index = self._block_at(index)
        return self._mark_headings(), self.markup

    def _starts_other_block(self, index: int) -> bool:
        line = self.lines[index]
        # Cheap character tests first: most lines are prose and need no regex at all.
        if first_visible(line) in _PLAIN_BLOCK_HEADS and (
            _PLAIN_ITEM.match(line) or _PLAIN_RULE.fullmatch(line)
        ):
            return True
        return "|" in line and table_at(self.src, index) is not None

    def _block_at(self, index: int) -> int:
        """Parse the block starting at line `index`; return the next line to look at."""
        line = self.lines[index]
        if is_blank(line):
            return index + 1
        table = table_at(self.src, index) if "|" in line else None
        if table is not None:
            self.list_stack.clear()
            self.blocks.append(table.block)
            self.markup.extend(table.markup)
            return table.last_line + 1
        if first_visible(line) in _PLAIN_BLOCK_HEADS:
            if _PLAIN_RULE.fullmatch(line):
                self.list_stack.clear()
                start = self.src.starts[index]
                self.blocks.append(Block(BlockKind.RULE, start, self.src.end(index), start, start))
                return index + 1
            item = _PLAIN_ITEM.match(line)
            if item is not None:
                return self._list_item(index, item)
        self.list_stack.clear()
        last = index
        if self.wrap_width:  # otherwise every line is a paragraph of its own
            while self._continues(last, indented_continues=False):
                last += 1
        self.blocks.append(self.src.block(BlockKind.PARAGRAPH, index, last))
        return last + 1

    def _continues(self, index: int, *, indented_continues: bool) -> bool:
        """Whether line index + 1 continues the paragraph or list item ending at `index`."""
        if index + 1 >= len(self.lines) or not (self.wrap_width or indented_continues):
            return False
        following = self.lines[index + 1]
        if is_blank(following) or self._starts_other_block(index + 1):
            return False
        if indented_continues and following[:1] in (" ", "\t"):
            return True
        return _soft_break(self.lines[index], following, self.wrap_width)

    def _list_item(self, index: int, item: re.Match[str]) -> int:
        kind, marker = list_fields(item)
        indent = indent_width(item.group("indent"))
        level = nesting_level(self.list_stack, indent, len(item.group().expandtabs(4)))
        last = index
        while self._continues(last, indented_continues=True):
            last += 1
        content_from = self.src.starts[index] + item.end()
        self.blocks.append(self.src.block(kind, index, last, content_from, level, marker))
        return last + 1

    def _mark_headings(self) -> list[Block]:
        """Single-line paragraphs that read as headings become the title or headings."""
        blocks = self.blocks
        # The length test first: most blocks are paragraphs far too long to be headings.
        candidates = [
            b.content_end - b.content_start <= HEADING_MAX_CHARS
            and self._heading_candidate(b, HEADING_MAX_WORDS)
            for b in blocks
        ]
        if blocks and self._heading_candidate(blocks[0], TITLE_LINE_MAX_WORDS):
            blocks[0] = _paragraph_as(blocks[0], BlockKind.TITLE, 1)
        for k in range(1, len(blocks) - 1):
            # A heading introduces something: not the last block, not before another one.
            if candidates[k] and not candidates[k + 1]:
                blocks[k] = _paragraph_as(blocks[k], BlockKind.HEADING, 2)
        return blocks

    def _heading_candidate(self, block: Block, max_words: int) -> bool:
        if block.kind is not PARAGRAPH:
            return False
        if block.content_end - block.content_start > HEADING_MAX_CHARS:
            return False  # the content is stripped already: too long to read as a heading
        content = self.src.text[block.content_start : block.content_end]
        return "\n" not in content and _reads_as_heading(content, max_words)
