"""Raw HTML inside Markdown, shown as text: tags hidden, the text between them kept.

aiwatch never renders HTML. What a reader gets from it:
* tags, comments, declarations, processing instructions and CDATA are hidden, and so is
  the code inside <script> and <style>;
* `<br>` is a line break, `<img>` is shown as "[image: alt]" (or "[image]");
* entities are decoded;
* in an HTML block, block elements end one reader block and start the next: `<h1>`-`<h6>`
  are headings, `<li>` list items, `<blockquote>` quotes, `<pre>` code shown as written,
  `<hr>` a rule, `<p>` paragraphs; a simple `<table>` (rows of cells holding only text and
  inline elements) is a table.

Everything is expressed as spans over the source (see spans.py), so offsets stay exact.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from typing import NamedTuple

from aiwatch_tui.core.model import (
    B_CODE,
    B_HEADING,
    B_LIST_ITEM,
    B_PARAGRAPH,
    B_QUOTE,
    B_RULE,
    B_TABLE,
    I_BREAK,
    I_HIDDEN,
    I_IMAGE,
    I_REPLACE,
    Blocks,
    Inlines,
    Span,
    Table,
)

# Anything that shows no text, found from its "<". Tags as browsers read them: from "<" and
# a letter to the next ">" outside quotes (a quote does not run past a "<", which keeps a
# stray quote from swallowing the rest of a block).
MARKUP = re.compile(
    r"<(?:!--(?:-?>|.*?(?:-->|\Z))"  # a comment ("<!-->" and "<!--->" are complete ones)
    r"|\?.*?(?:\?>|\Z)"  # a processing instruction
    r"|!\[CDATA\[.*?(?:\]\]>|\Z)"
    r"|![A-Za-z][^>]*(?:>|\Z)"  # a declaration
    r"""|(/?)([A-Za-z][A-Za-z0-9-]*)(?:[^>"'<]|"[^"<]*"|'[^'<]*')*>)""",
    re.DOTALL,
)
ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ALT = re.compile(r"""\salt\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
_SRC = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""", re.IGNORECASE)
_SPAN_ATTRIBUTE = re.compile(r"""\s(?:col|row)span\s*=\s*["']?\s*0*(?:[2-9]|[1-9][0-9])""", re.I)
_HIDDEN_CONTENT = frozenset({"script", "style"})
_NON_SPACE = re.compile(r"[^ \t\n]")
_INDENTATION = re.compile(r"\n[ \t]+")


def image_label(alt: str) -> str:
    """How an image is shown in the text."""
    return f"[image: {alt}]" if alt.strip() else "[image]"


def _attribute(pattern: re.Pattern[str], tag: str) -> str | None:
    match = pattern.search(tag)
    if match is None:
        return None
    return unescape(next(group for group in match.groups() if group is not None))


def tag_span(tag: str, name: str, start: int, end: int, out: Inlines) -> None:
    """The span(s) of one tag at start..end (`name` lower-case, "" for a comment or the
    like)."""
    if name == "br":
        out.append(I_BREAK, start, end)
    elif name == "img":
        for span in _image_spans(tag, start, end):
            out.append(*span)
    else:
        out.append(I_HIDDEN, start, end)


def _tag_name(match: re.Match[str]) -> str:
    name = match.group(2)
    return name.lower() if name else ""


def inline_tag(text: str, start: int, end: int, out: Inlines) -> str:
    """An inline HTML event (one tag) at start..end; returns the lower-case name of the
    element whose content must be hidden after it ("script"/"style"), else ""."""
    match = MARKUP.match(text, start, end)
    if match is None or match.end() != end:  # not one whole tag: hide it as it is
        out.append(I_HIDDEN, start, end)
        return ""
    name = _tag_name(match)
    tag_span(match.group(), name, start, end, out)
    return name if name in _HIDDEN_CONTENT and not match.group(1) else ""


def closing_tag(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{name}\s*>", re.IGNORECASE)


def text_spans(text: str, start: int, end: int, out: Inlines) -> None:
    """Entities in a run of text between tags."""
    if text.find("&", start, end) >= 0:
        for match in ENTITY.finditer(text, start, end):
            decoded = unescape(match.group())
            if decoded != match.group():
                out.append(I_REPLACE, match.start(), match.end(), decoded)


# ------------------------------------------------------------------------- HTML blocks

# Elements that end one reader block and start another.
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BREAKING = frozenset({"p", "ul", "ol", "li", "blockquote", "pre", "hr", "table", *_HEADINGS})


class Context(NamedTuple):
    """Where an HTML block sits in the Markdown around it."""

    quote: int  # enclosing block quotes
    depth: int  # list depth (-1 outside lists)
    footnote: str
    # Called for each reader block written (at its start; whether it is a paragraph):
    # returns the list item's (start, number) when the paragraph is the item's first block
    # (it becomes the item's LIST_ITEM); else settles the Markdown container, None.
    take_item: Callable[[int, bool], tuple[int, int | None] | None]


class _Segment:
    """The reader block being gathered: its kind and the extent of what it shows."""

    __slots__ = ("kind", "level", "first", "last", "spans", "code_from")

    def __init__(self, kind: int, level: int = 0, code_from: int = -1) -> None:
        self.kind = kind
        self.level = level
        self.first = -1  # first shown character
        self.last = -1  # end of the last shown character
        self.spans: list[tuple[int, int, int, str]] = []
        self.code_from = code_from  # for <pre>: where its content starts

    def show(self, start: int, end: int) -> None:
        if self.first < 0:
            self.first = start
        self.last = end


def _image_spans(tag: str, start: int, end: int) -> list[tuple[int, int, int, str]]:
    alt = _attribute(_ALT, tag) or ""
    return [
        (I_REPLACE, start, end, image_label(alt)),
        (I_IMAGE, start, end, _attribute(_SRC, tag) or ""),
    ]


class _BlockWriter:
    """Splits one HTML block into reader blocks (see the module docstring)."""

    def __init__(
        self,
        text: str,
        blocks: Blocks,
        out: Inlines,
        context: Context,
        gaps: list[tuple[int, int]],
    ) -> None:
        self.text = text
        self.blocks = blocks
        self.out = out
        self.context = context
        self.gaps = gaps  # container prefixes ("> ") inside the block: hidden, not text
        self.quote = context.quote
        self.lists: list[int] = []  # per open HTML list: next number (-1: bullets)

    def _add_block(
        self, kind: int, start: int, end: int, first: int, last: int, **more: int
    ) -> int:
        index = self.blocks.append(
            kind,
            start,
            end,
            first,
            last,
            more.get("level", 0),
            self.quote,
            more.get("depth", self.context.depth + len(self.lists)),
            more.get("number"),
        )
        if self.context.footnote:
            self.blocks.footnotes[index] = self.context.footnote
        return index

    def flush(self, segment: _Segment, end: int) -> None:
        """Write the gathered block, if it shows anything."""
        kind = segment.kind
        if kind == B_CODE and segment.code_from >= 0:
            first, last = _code_bounds(self.text, segment.code_from, end)
        elif segment.first < 0:
            return
        else:
            first, last = segment.first, segment.last
        more: dict[str, int] = {"level": segment.level}
        start = first
        if kind == B_LIST_ITEM and self.lists:
            more["depth"] = self.context.depth + len(self.lists) - 1
            if self.lists[-1] >= 0:
                more["number"] = self.lists[-1]
                self.lists[-1] += 1
            self.context.take_item(first, False)
        else:
            item = self.context.take_item(first, kind == B_PARAGRAPH)
            if item is not None:
                kind, start = B_LIST_ITEM, item[0]
                if item[1] is not None:
                    more["number"] = item[1]
            elif kind == B_PARAGRAPH and self.quote:
                kind = B_QUOTE
        self._add_block(kind, start, last, first, last, **more)
        for span in segment.spans:
            if first <= span[1] and span[2] <= last:
                self.out.append(*span)

    def run(self, start: int, end: int) -> None:
        text = self.text
        segment = _Segment(B_PARAGRAPH)
        position = start
        matches = MARKUP.finditer(text, start, end)
        for match in matches:
            tag_start, tag_end = match.span()
            if tag_start < position:  # inside content already hidden
                continue
            self._text(segment, position, tag_start)
            position = tag_end
            name = _tag_name(match)
            closing = bool(match.group(1))
            if name in _BREAKING:
                # The text before the tag is written first: blocks go in source order (a
                # table written before the paragraph ahead of it made them overlap).
                self.flush(segment, tag_start)
                if name == "table" and not closing:
                    table_end = self._simple_table(tag_start, end)
                    if table_end >= 0:
                        segment = _Segment(B_PARAGRAPH)
                        position = table_end
                        continue
                segment = self._after_block_tag(name, closing, tag_start, tag_end)
                continue
            if name == "br":
                segment.spans.append((I_BREAK, tag_start, tag_end, ""))
            elif name == "img":
                segment.spans.extend(_image_spans(match.group(), tag_start, tag_end))
                segment.show(tag_start, tag_end)
            else:
                segment.spans.append((I_HIDDEN, tag_start, tag_end, ""))
            if name in _HIDDEN_CONTENT and not closing:  # <script>, <style>: code hidden
                found = closing_tag(name).search(text, tag_end, end)
                position = found.end() if found else end
                segment.spans.append((I_HIDDEN, tag_end, position, ""))
        self._text(segment, position, end)
        self.flush(segment, end)

    def _text(self, segment: _Segment, start: int, end: int) -> None:
        """Text between tags: shown, but for container prefixes; entities decoded."""
        text = self.text
        for gap_start, gap_end in self.gaps:
            if gap_start >= end:
                break
            if gap_end <= start:
                continue
            self._text(segment, start, max(start, gap_start))
            segment.spans.append((I_HIDDEN, max(start, gap_start), min(end, gap_end), ""))
            start = min(end, gap_end)
        if start >= end:
            return
        if text.find("\n", start, end) >= 0:  # HTML collapses blanks: no indentation shown
            for indent in _INDENTATION.finditer(text, start, end):
                segment.spans.append((I_HIDDEN, indent.start() + 1, indent.end(), ""))
        found = _NON_SPACE.search(text, start, end)
        if found is None:
            return
        last = end
        while text[last - 1] in " \t\n":
            last -= 1
        segment.show(found.start(), last)
        if text.find("&", start, end) >= 0:
            for match in ENTITY.finditer(text, start, end):
                decoded = unescape(match.group())
                if decoded != match.group():
                    segment.spans.append((I_REPLACE, match.start(), match.end(), decoded))

    def _after_block_tag(self, name: str, closing: bool, start: int, end: int) -> _Segment:
        """The segment after a block element's tag (the tag itself hidden: it lies between
        reader blocks)."""
        if name in _HEADINGS:
            return _Segment(B_PARAGRAPH) if closing else _Segment(B_HEADING, _HEADINGS[name])
        if name in ("ul", "ol"):
            if closing:
                if self.lists:
                    self.lists.pop()
            else:
                self.lists.append(1 if name == "ol" else -1)
        elif name == "li":
            if not closing:
                return _Segment(B_LIST_ITEM)
        elif name == "blockquote":
            self.quote = max(self.context.quote, self.quote + (-1 if closing else 1))
        elif name == "pre":
            if not closing:
                return _Segment(B_CODE, code_from=end)
        elif name == "hr":
            self.context.take_item(start, False)
            self._add_block(B_RULE, start, end, start, start)
        return _Segment(B_PARAGRAPH)

    def _simple_table(self, start: int, end: int) -> int:
        """A <table> at `start`, written as a table block when it is simple: rows of cells
        holding only text and inline elements, no nested table, no cell spanning others.
        Returns where the table ends, or -1 (its text is then shown as paragraphs)."""
        text = self.text
        rows: list[list[Span]] = []
        heads: list[bool] = []  # per row: made only of <th> cells
        cell_from = -1
        spans: list[tuple[int, int, int, str]] = []
        position = start
        for match in MARKUP.finditer(text, start, end):
            tag_start, tag_end = match.span()
            if tag_start < position:
                continue
            position = tag_end
            name = _tag_name(match)
            closing = bool(match.group(1))
            if tag_start == start:
                spans.append((I_HIDDEN, tag_start, tag_end, ""))
                continue
            if name in _BREAKING and name != "table":
                return -1  # a block inside a cell: not simple
            if name in ("td", "th", "tr", "table", "thead", "tbody", "tfoot"):
                if cell_from >= 0:  # the open cell ends here
                    rows[-1].append(_trimmed(text, cell_from, tag_start))
                    cell_from = -1
                spans.append((I_HIDDEN, tag_start, tag_end, ""))
                if name == "table":
                    if not closing:
                        return -1  # a nested table
                    return self._write_table(start, tag_end, rows, heads, spans)
                if name == "tr" and not closing:
                    rows.append([])
                    heads.append(True)
                elif name in ("td", "th") and not closing:
                    if _SPAN_ATTRIBUTE.search(match.group()):
                        return -1
                    if not rows:
                        rows.append([])
                        heads.append(True)
                    cell_from = tag_end
                    heads[-1] = heads[-1] and name == "th"
                continue
            if name == "br":
                spans.append((I_BREAK, tag_start, tag_end, ""))
            elif name == "img":
                if cell_from < 0:
                    return -1  # an image outside the cells
                spans.extend(_image_spans(match.group(), tag_start, tag_end))
            else:
                spans.append((I_HIDDEN, tag_start, tag_end, ""))
                if name in _HIDDEN_CONTENT and not closing:
                    found = closing_tag(name).search(text, tag_end, end)
                    position = found.end() if found else end
                    spans.append((I_HIDDEN, tag_end, position, ""))
        return -1  # never closed in this block

    def _write_table(
        self,
        start: int,
        end: int,
        rows: list[list[Span]],
        heads: list[bool],
        spans: list[tuple[int, int, int, str]],
    ) -> int:
        rows_with_cells = [(row, head) for row, head in zip(rows, heads, strict=True) if row]
        if not rows_with_cells:
            return -1
        columns = max(len(row) for row, _ in rows_with_cells)
        cells = tuple(
            tuple(row) + (Span(row[-1].end, row[-1].end),) * (columns - len(row))
            for row, _ in rows_with_cells
        )
        header = 1 if rows_with_cells[0][1] and len(rows_with_cells) > 1 else 0
        self.context.take_item(start, False)
        index = self._add_block(B_TABLE, start, end, start, end)
        self.blocks.tables[index] = Table(cells, ("",) * columns, header)
        for span in spans:
            self.out.append(*span)
        for row in cells:
            for cell in row:
                text_spans(self.text, cell.start, cell.end, self.out)
        return end


def _code_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The code inside <pre>...</pre> without the tags that open and close it (<code>) and
    without blank lines before or after it."""
    while (found := MARKUP.match(text, start, end)) is not None:
        start = found.end()
    if text.startswith("\n", start, end):  # HTML drops the line break after <pre>
        start += 1
    tags = [match.span() for match in MARKUP.finditer(text, start, end)]
    while True:
        while end > start and text[end - 1] in "\n \t":
            end -= 1
        if tags and tags[-1][1] == end:
            end = tags.pop()[0]
            continue
        return start, end


def _trimmed(text: str, start: int, end: int) -> Span:
    found = _NON_SPACE.search(text, start, end)
    if found is None:
        return Span(start, start)
    while text[end - 1] in " \t\n":
        end -= 1
    return Span(found.start(), end)


def html_block(
    text: str,
    start: int,
    end: int,
    blocks: Blocks,
    out: Inlines,
    context: Context,
    gaps: list[tuple[int, int]] | None = None,
) -> None:
    """Reader blocks and spans of the raw HTML block at start..end; `gaps` are container
    prefixes inside it (hidden)."""
    _BlockWriter(text, blocks, out, context, gaps or []).run(start, end)
