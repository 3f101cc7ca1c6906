"""Markdown into blocks and inlines: the CommonMark and GFM block structure aiwatch reads
(headings, paragraphs, lists, quotes, code, rules, pipe tables) and the inline markup
(code spans, escapes, links, strong, emphasis), each with offsets into the text."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import NamedTuple

from bench.baseline.blocks import (
    INLINE_KINDS,
    MARKUP,
    PARAGRAPH,
    TABLE,
    Lines,
    first_visible,
    indent_width,
    is_blank,
    list_fields,
    nesting_level,
    table_at,
)
from bench.baseline.model import Block, BlockKind, Inline, InlineKind
from bench.baseline.urls import MASK, find_urls, may_hold_url

_MD_ITEM = re.compile(
    r"(?P<indent>[ \t]*)(?:(?P<bullet>[-*+])|(?P<number>[0-9]{1,9})(?P<delim>[.)]))"
    r"(?=[ \t]|$)[ \t]*"
)
_MD_BLOCK_HEADS = frozenset("`~#-*_+>0123456789")  # first characters of non-paragraph blocks
_MD_RULE = re.compile(r"[ \t]*([-*_])(?:[ \t]*\1){2,}[ \t]*")
_ATX_OPENING = re.compile(r"[ \t]*(#{1,6})(?=[ \t]|$)")
_SETEXT = re.compile(r"[ \t]*(=+|-+)[ \t]*")
_FENCE = re.compile(r"[ \t]*(`{3,}(?=[^`]*$)|~{3,})")
_QUOTE = re.compile(r"[ \t]*((?:>[ \t]?)+)")


class _Atx(NamedTuple):
    level: int
    opening: tuple[int, int]  # the #s, relative to the line
    content: tuple[int, int]
    closing: tuple[int, int]  # the optional closing #s (empty when absent)


def _atx_heading(line: str) -> _Atx | None:
    """An ATX heading line ("## Title ##"), measured without backtracking regexes."""
    opening = _ATX_OPENING.match(line)
    if opening is None:
        return None
    end = len(line.rstrip())
    closing_start = len(line[:end].rstrip("#"))
    closing = (end, end)
    if closing_start < end and (closing_start <= opening.end() or line[closing_start - 1] in " \t"):
        closing = (max(closing_start, opening.end()), end)
        end = closing[0]
    start = opening.end()
    start += len(line[start:end]) - len(line[start:end].lstrip())
    end = max(start, len(line[:end].rstrip()))
    return _Atx(len(opening.group(1)), opening.span(1), (start, end), closing)


class MarkdownParser:
    """A line-based subset of CommonMark/GFM: enough structure for reading, never raising."""

    def __init__(self, src: Lines) -> None:
        self.src = src
        self.lines = src.lines
        self.blocks: list[Block] = []
        self.markup: list[Inline] = []
        self.list_stack: list[tuple[int, int]] = []
        self.paragraph_first: int | None = None

    def run(self) -> tuple[list[Block], list[Inline]]:
        lines = self.lines
        index = 0
        while index < len(lines):
            line = lines[index]
            # The two commonest lines without _line's calls: a blank line, and the first
            # line of a paragraph (not indented, no block marker, no table pipe).
            if not line or line.isspace():
                self._close_paragraph(index - 1)
                index += 1
            elif (
                self.paragraph_first is None
                and not line[0].isspace()
                and line[0] not in _MD_BLOCK_HEADS
                and "|" not in line
            ):
                self.list_stack.clear()  # what _leave_lists does at indentation 0
                self.paragraph_first = index
                index += 1
            else:
                index = self._line(index)
        self._close_paragraph(len(lines) - 1)
        if self.blocks and self.blocks[0].kind is BlockKind.HEADING and self.blocks[0].level == 1:
            self.blocks[0] = self.blocks[0]._replace(kind=BlockKind.TITLE)
        return self.blocks, self.markup

    def _mark(self, line: int, start: int, end: int) -> None:
        if end > start:
            base = self.src.starts[line]
            self.markup.append(Inline(MARKUP, base + start, base + end))

    def _code_indent(self, indent: int) -> int:
        """Indentation relative to the innermost list item this line can belong to."""
        if not self.list_stack:
            return indent
        base = max((column for _, column in self.list_stack if column <= indent), default=0)
        return indent - base

    def _line(self, index: int) -> int:
        line = self.lines[index]
        if is_blank(line):
            self._close_paragraph(index - 1)
            return index + 1
        indent = indent_width(line)
        if self.paragraph_first is not None:
            setext = _SETEXT.fullmatch(line) if indent < 4 else None
            if setext is not None:
                return self._setext(index, setext)
            if not self._starts_block(index):
                return index + 1  # a continuation line of the open paragraph
            self._close_paragraph(index - 1)
        if self._code_indent(indent) >= 4:
            return self._indented_code(index)
        if not self._may_start_block(line):
            self._leave_lists(indent)
            self.paragraph_first = index
            return index + 1
        item = _MD_ITEM.match(line)
        if item is None or _MD_RULE.fullmatch(line):
            self._leave_lists(indent)
        for parse_block in (self._fence, self._atx, self._rule, self._table, self._quote):
            next_index = parse_block(index)
            if next_index is not None:
                return next_index
        if item is not None:
            return self._list_item(index, item)
        self.paragraph_first = index
        return index + 1

    @staticmethod
    def _may_start_block(line: str) -> bool:
        """A cheap test that rules out most prose lines before any regex runs."""
        return first_visible(line) in _MD_BLOCK_HEADS or "|" in line

    def _leave_lists(self, indent: int) -> None:
        """Close the list levels a line at `indent` is not part of."""
        while self.list_stack and indent < self.list_stack[-1][1]:
            self.list_stack.pop()

    def _starts_block(self, index: int) -> bool:
        line = self.lines[index]
        if not self._may_start_block(line) or self._code_indent(indent_width(line)) >= 4:
            return False
        item = _MD_ITEM.match(line)
        return bool(
            _FENCE.match(line)
            or _atx_heading(line)
            or _MD_RULE.fullmatch(line)
            or _QUOTE.match(line)
            or (item and not is_blank(line[item.end() :]))  # an empty item cannot interrupt
            or table_at(self.src, index)
        )

    def _close_paragraph(self, last: int) -> None:
        if self.paragraph_first is not None:
            self.blocks.append(self.src.block(PARAGRAPH, self.paragraph_first, last))
            self.paragraph_first = None

    def _setext(self, index: int, underline: re.Match[str]) -> int:
        assert self.paragraph_first is not None
        first, self.paragraph_first = self.paragraph_first, None
        level = 1 if underline.group(1)[0] == "=" else 2
        start = self.src.starts[first]
        content = self.src.stripped(start, self.src.end(index - 1))
        self.blocks.append(Block(BlockKind.HEADING, start, self.src.end(index), *content, level))
        self._mark(index, *underline.span(1))
        return index + 1

    def _indented_code(self, index: int) -> int:
        last = index
        probe = index + 1
        while probe < len(self.lines):
            line = self.lines[probe]
            if not is_blank(line):
                if self._code_indent(indent_width(line)) < 4:
                    break
                last = probe  # trailing blank lines are not part of the block
            probe += 1
        start, end = self.src.starts[index], self.src.end(last)
        self.blocks.append(Block(BlockKind.CODE, start, end, start, end))
        return last + 1

    def _fence(self, index: int) -> int | None:
        fence = _FENCE.match(self.lines[index])
        if fence is None:
            return None
        ticks = fence.group(1)
        last, closed = len(self.lines) - 1, False
        for probe in range(index + 1, len(self.lines)):
            closing = self.lines[probe].strip()
            if len(closing) >= len(ticks) and not closing.strip(ticks[0]):
                last, closed = probe, True
                break
        content_last = last - 1 if closed else last
        start, end = self.src.starts[index], self.src.end(last)
        if content_last > index:
            content = (self.src.starts[index + 1], self.src.end(content_last))
        else:
            content = (self.src.end(index), self.src.end(index))
        self.blocks.append(Block(BlockKind.CODE, start, end, *content))
        self._mark(index, fence.start(1), len(self.lines[index].rstrip()))
        if closed:
            line = self.lines[last]
            self._mark(last, len(line) - len(line.lstrip()), len(line.rstrip()))
        return last + 1

    def _atx(self, index: int) -> int | None:
        heading = _atx_heading(self.lines[index])
        if heading is None:
            return None
        base = self.src.starts[index]
        content = (base + heading.content[0], base + heading.content[1])
        end = self.src.end(index)
        self.blocks.append(Block(BlockKind.HEADING, base, end, *content, heading.level))
        self._mark(index, *heading.opening)
        self._mark(index, *heading.closing)
        return index + 1

    def _rule(self, index: int) -> int | None:
        if not _MD_RULE.fullmatch(self.lines[index]):
            return None
        start = self.src.starts[index]
        self.blocks.append(Block(BlockKind.RULE, start, self.src.end(index), start, start))
        return index + 1

    def _table(self, index: int) -> int | None:
        table = table_at(self.src, index)
        if table is None:
            return None
        self.blocks.append(table.block)
        self.markup.extend(table.markup)
        return table.last_line + 1

    def _quote(self, index: int) -> int | None:
        quote = _QUOTE.match(self.lines[index])
        if quote is None:
            return None
        level = quote.group(1).count(">")
        last = index
        while last + 1 < len(self.lines):
            following = self.lines[last + 1]
            marker = _QUOTE.match(following)
            if marker is not None:
                self._mark(last + 1, *marker.span(1))
            elif is_blank(following) or self._starts_block(last + 1):
                break  # otherwise a "lazy" continuation line of the quoted paragraph
            last += 1
        self._mark(index, *quote.span(1))
        content_from = self.src.starts[index] + quote.end()
        self.blocks.append(self.src.block(BlockKind.QUOTE, index, last, content_from, level=level))
        return last + 1

    def _list_item(self, index: int, item: re.Match[str]) -> int:
        kind, marker = list_fields(item)
        indent = indent_width(item.group("indent"))
        content_column = len(item.group().expandtabs(4)) + (item.end() == len(item.string))
        level = nesting_level(self.list_stack, indent, content_column)
        last = index
        while last + 1 < len(self.lines):
            following = self.lines[last + 1]
            if is_blank(following) or _MD_ITEM.match(following):
                break
            if indent_width(following) < content_column and self._starts_block(last + 1):
                break
            last += 1
        content_from = self.src.starts[index] + item.end()
        self.blocks.append(self.src.block(kind, index, last, content_from, level, marker))
        return last + 1


# ---- inlines

# Inline patterns start with a literal character (look-behinds come after it) so that the
# regex engine jumps from one candidate to the next instead of trying every position.
# Content never crosses the delimiter character, which keeps every pattern linear.
_CODE_SPAN = re.compile(r"`(?<!``)(`*)(?!`)([^`\n]+?)(?<!`)`\1(?!`)")
_ESCAPE = re.compile(r"\\[!-/:-@\[-`{-~]")
_LINK = re.compile(
    r"(!?\[)([^\[\]\n]*)(\]\()([^()\s\x00]*(?:\([^()\s\x00]*\)[^()\s\x00]*)*)"
    r"((?:[ \t]+(?:\"[^\"\n]*\"|'[^'\n]*'))?[ \t]*\))"
)
_STRONG = (
    ("**", re.compile(r"\*\*(?=[^\s*])([^*\n]*?[^\s*])\*\*")),
    ("__", re.compile(r"__(?<!\w__)(?=[^\s_])([^_\n]*?[^\s_])__(?!\w)")),
)
_EMPHASIS = (
    ("*", re.compile(r"\*(?<!\*\*)(?=[^\s*])([^*\n]*?[^\s*])\*(?!\*)")),
    ("_", re.compile(r"_(?<!\w_)(?=[^\s_])([^_\n]*?[^\s_])_(?!\w)")),
)


def _delimited(kind: InlineKind, base: int, out: list[Inline]) -> Callable[[re.Match[str]], str]:
    """A re.sub callback recording MARKUP delimiters around a `kind` span (group 1)."""

    def record(match: re.Match[str]) -> str:
        start, end = match.span()
        inner_start, inner_end = match.span(match.lastindex or 0)
        out.append(Inline(InlineKind.MARKUP, base + start, base + inner_start))
        out.append(Inline(kind, base + inner_start, base + inner_end))
        out.append(Inline(InlineKind.MARKUP, base + inner_end, base + end))
        return (
            MASK * (inner_start - start)
            + match.group(match.lastindex or 0)
            + MASK * (end - inner_end)
        )

    return record


def _markdown_inlines(
    text: str, start: int, end: int, out: list[Inline], urls: bool = True
) -> None:
    """Code spans, escapes, links, strong, URLs and emphasis inside text[start:end].

    Each pass masks the syntax it consumed (same length, so offsets hold) before the next.
    `urls` False: the caller knows the text holds no URL.
    """
    if start >= end:
        return
    chunk = text[start:end]
    # The `in` tests skip a pass (and its copy of the chunk) when it cannot match.
    if "`" in chunk:
        chunk = _CODE_SPAN.sub(_code_span_recorder(start, out), chunk)
    if "\\" in chunk:
        chunk = _ESCAPE.sub(_escape_recorder(start, out), chunk)
    if "](" in chunk:
        chunk = _LINK.sub(_link_recorder(start, out), chunk)
    for delimiter, pattern in _STRONG:
        if delimiter in chunk:
            chunk = pattern.sub(_delimited(InlineKind.STRONG, start, out), chunk)
    if urls:
        chunk = find_urls(chunk, start, out)
    for delimiter, pattern in _EMPHASIS:
        if delimiter in chunk:
            chunk = pattern.sub(_delimited(InlineKind.EMPHASIS, start, out), chunk)


def _code_span_recorder(base: int, out: list[Inline]) -> Callable[[re.Match[str]], str]:
    def record(match: re.Match[str]) -> str:
        _delimited(InlineKind.CODE, base, out)(match)
        return MASK * (match.end() - match.start())

    return record


def _escape_recorder(base: int, out: list[Inline]) -> Callable[[re.Match[str]], str]:
    def record(match: re.Match[str]) -> str:
        out.append(Inline(InlineKind.MARKUP, base + match.start(), base + match.start() + 1))
        return MASK * 2

    return record


def _link_recorder(base: int, out: list[Inline]) -> Callable[[re.Match[str]], str]:
    def record(match: re.Match[str]) -> str:
        out.append(Inline(InlineKind.MARKUP, base + match.start(1), base + match.end(1)))
        out.append(Inline(InlineKind.MARKUP, base + match.start(3), base + match.end()))
        if match.group(4):
            out.append(Inline(InlineKind.URL, base + match.start(4), base + match.end(4)))
        opening = MASK * len(match.group(1))
        return opening + match.group(2) + MASK * (match.end() - match.start(3))

    return record


def all_markdown_inlines(text: str, blocks: Sequence[Block], out: list[Inline]) -> None:
    urls = may_hold_url(text)
    for block in blocks:
        if block.kind in INLINE_KINDS:
            _markdown_inlines(text, block.content_start, block.content_end, out, urls)
        elif block.kind is TABLE:
            for row in block.rows:
                for cell in row:
                    _markdown_inlines(text, cell.start, cell.end, out, urls)
