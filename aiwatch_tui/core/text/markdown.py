"""Markdown (CommonMark and GFM) -> blocks and spans with exact offsets, on pulldown-cmark.

pulldown-cmark (through pyromark) is a complete CommonMark + GFM parser that reports the
UTF-8 byte range of the source behind every event: every block, every inline element and
every piece of text. This module walks that event stream once and writes aiwatch's blocks
and spans (spans.py):

* byte ranges become str indices: free for an ASCII text; otherwise through a stretch of
  constant byte/char difference kept from the last conversion (`_CharOffsets`);
* containers (block quotes, lists, items, footnote definitions) become fields of the
  blocks inside them;
* inside a block, what is shown is exactly the source of its text-like events (text,
  soft breaks, code, task markers...). Every gap between them is syntax and becomes a
  HIDDEN span: delimiters, an escape's backslash, "> " and list indentation inside a
  multi-line block. A text event whose source is not its text (an entity, a tab expanded
  in code) becomes a REPLACE span that carries the text;
* raw HTML goes to raw_html.py; front matter to front_matter.py; GFM's bare URLs (which
  pulldown-cmark leaves as text) are found here.

The loop is written for speed: a 5 MB document has over a million events, so the text
event, by far the commonest, is handled inline with local variables, and spans are
appended to the arrays directly.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import accumulate
from typing import Any, NamedTuple

import pyromark

from aiwatch_tui.core.model import (
    B_CODE,
    B_HEADING,
    B_LIST_ITEM,
    B_PARAGRAPH,
    B_QUOTE,
    B_RULE,
    B_TABLE,
    I_BREAK,
    I_CODE,
    I_EMPHASIS,
    I_FOOTNOTE_REF,
    I_HIDDEN,
    I_IMAGE,
    I_LINK,
    I_REPLACE,
    I_STRIKE,
    I_STRONG,
    I_TASK,
    I_URL,
    Blocks,
    Inlines,
    Span,
    Table,
)
from aiwatch_tui.core.text import front_matter, raw_html
from aiwatch_tui.core.text.front_matter import FrontMatter
from aiwatch_tui.core.text.structure import only_images

_OPTIONS = (
    pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_TASKLISTS
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_GFM  # GitHub's alerts: "> [!NOTE]"
)


class Parsed(NamedTuple):
    blocks: Blocks
    inlines: Inlines
    front_matter: FrontMatter | None = None


_STYLES = {"Emphasis": I_EMPHASIS, "Strong": I_STRONG, "Strikethrough": I_STRIKE}
_LEAVES = frozenset({"Paragraph", "Heading", "CodeBlock", "HtmlBlock", "Table"})
_ALIGN = {"None": "", "Left": "left", "Center": "center", "Right": "right"}
_ALERTS = {
    "Note": "Note",
    "Tip": "Tip",
    "Important": "Important",
    "Warning": "Warning",
    "Caution": "Caution",
}
_BACKTICKS = re.compile(r"`+")
_TILDES = re.compile(r"~+")
_SPACES = re.compile(r"[ \t]*")
_WHITESPACE_RUN = re.compile(r"\s+")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")
_SURROGATE = re.compile("[\ud800-\udfff]")

# GFM extended autolinks: every one holds "://", "www." or "@"; those hints are found once
# per document, and a block looks only at the few inside it. Hints in a link's destination
# "](https://" or an <autolink> are not looked at: those are links already.
_IN_DESTINATION = re.compile(r".*(?:\]\(|<)(?:https?|www\.?)?\Z", re.IGNORECASE | re.DOTALL)
_URL = re.compile(r"(?<![^\s*_~(])(?:https?://|www\.)[^\s<]*", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EMAIL_LOCAL = re.compile(r"[\w.+-]+\Z")
_DOMAIN = re.compile(r"(?:https?://)?([^/?#]*)", re.IGNORECASE)
_URL_TRAILING = frozenset("?!.,:*_~'\"”’»")
_ENTITY_AT_END = re.compile(r"&[A-Za-z0-9]+;\Z")


class _CharOffsets:
    """UTF-8 byte offsets -> str indices, for a text that is not all ASCII.

    A conversion goes on from the previous one (events mostly move forward a little),
    decoding only the bytes between; a jump goes from the nearest of the checkpoints kept
    every STEP characters. Each conversion also tells how far the text stays ASCII after
    the offset (`ascii_end`): up to there, char = byte - (byte - char at the offset), which
    the parser applies without a call."""

    STEP = 1024

    __slots__ = ("encoded", "checkpoints", "byte", "char", "ascii_end")

    def __init__(self, encoded: bytes, text: str) -> None:
        self.encoded = encoded
        step = self.STEP
        widths = (
            len(text[i : i + step].encode("utf-8", "surrogatepass"))
            for i in range(0, len(text), step)
        )
        self.checkpoints = list(accumulate(widths, initial=0))
        self.byte = self.char = self.ascii_end = 0

    def char_at(self, offset: int) -> int:
        encoded = self.encoded
        byte = self.byte
        if byte <= offset < byte + 8 * self.STEP:
            gap = encoded[byte:offset]
            char = self.char + (len(gap) if gap.isascii() else len(gap.decode("utf-8", "replace")))
        else:
            index = bisect_right(self.checkpoints, offset) - 1
            base = self.checkpoints[index]
            gap = encoded[base:offset]
            char = index * self.STEP + (
                len(gap) if gap.isascii() else len(gap.decode("utf-8", "replace"))
            )
        self.byte, self.char = offset, char
        if offset < len(encoded) and encoded[offset] >= 0x80:
            self.ascii_end = offset  # in a run of non-ASCII text, as in Russian: no search
        else:
            found = _HIGH_BYTE.search(encoded, offset)
            self.ascii_end = found.start() if found else len(encoded)
        return char


def _masked(text: str, front: FrontMatter | None) -> str:
    """What pulldown-cmark parses: front matter blanked with as many bytes (so byte offsets
    after it are unchanged), lone surrogates (which UTF-8 cannot carry) as U+FFFD, which
    takes as many bytes as surrogatepass gives them."""
    if front is not None:
        head = text[: front.end]
        blank = "".join(
            char if char == "\n" else " " * len(char.encode("utf-8", "surrogatepass"))
            for char in head
        )
        text = blank + text[front.end :]
    if not text.isascii():
        try:
            text.encode("utf-8")  # faster than searching for surrogates first
        except UnicodeEncodeError:
            text = _SURROGATE.sub("\ufffd", text)
    return text


def parse_markdown(text: str) -> Parsed:  # noqa: C901 (one loop on purpose: see above)
    """Blocks and spans of Markdown `text`; every offset is a str index into `text`."""
    front = front_matter.read(text)
    source = _masked(text, front)
    blocks = Blocks()
    inlines = Inlines()
    add_kind = inlines.kinds.append
    add_start = inlines.starts.append
    add_end = inlines.ends.append
    add_text = inlines.texts.append
    add_block = blocks.append

    def span(kind: int, start: int, end: int, shown: str = "") -> None:
        add_kind(kind)
        add_start(start)
        add_end(end)
        add_text(shown)

    # Byte -> char: within lo..hi (bytes), char = byte - extra.
    offsets: _CharOffsets | None = None
    encoded = b""
    if text.isascii():
        lo, hi, extra = 0, 1 << 62, 0
    else:
        encoded = source.encode("utf-8", "surrogatepass")
        offsets = _CharOffsets(encoded, text)
        char_at = offsets.char_at
        lo, hi, extra = 0, -1, 0

    def char(offset: int) -> int:
        """Convert a byte offset outside the current ASCII stretch, and move the stretch
        to the one that starts there."""
        nonlocal lo, hi, extra
        assert offsets is not None
        result = char_at(offset)
        lo, hi, extra = offset, offsets.ascii_end, offset - result
        return result

    # Open containers, innermost last: [kind, start, waiting, number, label]. `waiting`: an
    # item that has no block yet, a block quote that has none, a footnote whose marker
    # is not shown yet, an alert whose label is not shown yet.
    containers: list[list[Any]] = []
    quote = 0  # enclosing block quotes
    depth = -1  # list depth
    footnote = ""  # label of the enclosing footnote definition
    lists: list[list[int]] = []  # per open list: [next number] or [-1] for bullets

    # The open leaf block: its kind, start, and what of it is accounted for.
    leaf = -1  # kind code, -1 when none is open
    leaf_start = 0
    leaf_level = 0
    leaf_number: int | None = None
    leaf_footnote = ""
    first_span = 0  # index of the leaf's first span
    content_start = -1  # first shown offset, -1 until there is one
    last = 0  # end of what is accounted for (shown or hidden)
    implicit = False  # a tight list item's paragraph (pulldown-cmark sends no Paragraph)
    had_html = False  # the leaf holds inline HTML (it may show nothing at all)
    hiding_from = -1  # after an inline <script> or <style>: where its code starts
    hiding_end: re.Pattern[str] | None = None
    html_start = -1
    html_pieces: list[tuple[int, int]] = []
    # Tables.
    rows: list[tuple[Span, ...]] = []
    row: list[Span] = []
    cell_start = 0
    aligns: tuple[str, ...] = ()
    # Inline containers (links, images, styles) open: (name, start, end, span index).
    frames: list[tuple[str, int, int, int]] = []
    images = 0  # open images: an image inside another one's description is plain text
    hints = _url_hints(text)

    def settle(at: int) -> None:
        """A block other than a paragraph starts at `at` in the innermost container."""
        if containers:
            top = containers[-1]
            if top[2]:
                top[2] = False
                if top[0] == "item":
                    empty_block(B_LIST_ITEM, top[1], at, top[3])
                elif top[0] == "footnote":
                    marker_end = _footnote_marker_end(text, top[1])
                    index = add_block(
                        B_PARAGRAPH, top[1], marker_end, top[1], marker_end, 0, quote, depth
                    )
                    blocks.footnotes[index] = footnote
                    span(I_REPLACE, top[1], marker_end, f"[{top[4]}]")

    def empty_block(kind: int, start: int, end: int, number: int | None = None) -> None:
        while end > start and text[end - 1] in " \t\n":
            end -= 1
        index = add_block(kind, start, end, end, end, 0, quote, depth, number)
        if footnote:
            blocks.footnotes[index] = footnote

    def open_leaf(kind: int, start: int, level: int = 0) -> None:
        nonlocal leaf, leaf_start, leaf_level, leaf_number, first_span, content_start, last
        nonlocal had_html, leaf_footnote
        leaf_number = None
        content_start = -1
        last = start
        first_span = len(inlines.kinds)
        had_html = False
        if kind == B_PARAGRAPH and containers:
            top = containers[-1]
            if top[0] == "item":
                if top[2]:
                    top[2] = False
                    kind, start, leaf_number = B_LIST_ITEM, top[1], top[3]
            elif top[0] == "quote":
                top[2] = False
                kind = B_QUOTE
                if top[4]:  # a GitHub alert: its label first
                    marker = text.find("[!", top[1], last)
                    if marker >= 0:
                        close = text.index("]", marker) + 1
                        start = content_start = marker
                        span(I_REPLACE, marker, close, f"{top[4]}: ")
                        last = close
                    top[4] = ""
            elif top[0] == "footnote" and top[2]:
                top[2] = False
                marker_end = _footnote_marker_end(text, top[1])
                start = content_start = top[1]
                span(I_REPLACE, top[1], marker_end, f"[{top[4]}] ")
                last = marker_end
        elif kind != B_PARAGRAPH:
            settle(start)
        leaf, leaf_start, leaf_level, leaf_footnote = kind, start, level, footnote

    def close_leaf(end: int) -> None:
        nonlocal leaf, implicit, hiding_from
        kind = leaf
        leaf, implicit = -1, False
        if hiding_from >= 0:  # an inline <script> never closed: hidden to the end
            span(I_HIDDEN, hiding_from, max(hiding_from, last))
            hiding_from = -1
        while end > leaf_start and text[end - 1] == "\n":
            end -= 1
        if content_start < 0:
            first = finish = end
        elif kind == B_CODE:
            first, finish = content_start, last
            if finish > first and text[finish - 1] == "\n":
                finish -= 1  # the code's last line break is not part of it
            end = max(end, finish)  # blank lines at the end of a fence left open
        else:
            first, finish = content_start, min(last, end) if last > end else last
        if kind == B_HEADING or kind == B_CODE:
            if end > last:  # closing "#"s, a setext underline, a closing fence
                span(I_HIDDEN, last, end)
        if hints and finish > first and kind != B_CODE:
            bare_urls(first, finish)
        if had_html and not _shows_anything(text, first, finish, inlines, first_span):
            del_spans(first_span)
            if kind == B_LIST_ITEM or kind == B_QUOTE:
                first = finish = end  # the item or quote stays, showing nothing
            else:
                return
        index = add_block(
            kind, leaf_start, end, first, finish, leaf_level, quote, depth, leaf_number
        )
        if leaf_footnote:
            blocks.footnotes[index] = leaf_footnote

    def del_spans(first: int) -> None:
        del inlines.kinds[first:]
        del inlines.starts[first:]
        del inlines.ends[first:]
        del inlines.texts[first:]

    def bare_urls(start: int, end: int) -> None:
        index = bisect_left(hints, start)
        if index == len(hints) or hints[index] >= end:
            return
        done = start
        while index < len(hints) and hints[index] < end:
            hint = hints[index]
            index += 1
            if hint < done:
                continue
            if text[hint] == "@":
                local = _EMAIL_LOCAL.search(text, max(done, hint - 64), hint)
                match = _EMAIL.match(text, local.start(), end) if local else None
                if match is None or match.group()[-1] in "-_.":
                    continue
                found_start, found_end = match.span()
                target = "mailto:" + match.group()
            else:
                match = None
                for begin in (hint - 5, hint - 4) if text[hint] == ":" else (hint,):
                    if begin >= max(start, done):
                        match = _URL.match(text, begin, end)
                        if match:
                            break
                if match is None:
                    continue
                found_start = match.start()
                found_end = found_start + url_length(match.group())
                domain = _DOMAIN.match(match.group(), 0, found_end - found_start)
                if domain is None or not _valid_domain(domain.group(1)):
                    continue
                target = text[found_start:found_end]
                if target[:4].lower() == "www.":
                    target = "https://" + target  # as a browser would try first
            done = match.end()
            if found_end > found_start and not _claimed(
                inlines, first_span, found_start, found_end
            ):
                span(I_URL, found_start, found_end, target)

    def replaced(s: int, e: int, value: str) -> None:
        """A text event whose source is not its text (the line break that ends a line of
        code is left out of the span when both have it)."""
        if value.endswith("\n") and text[e - 1] == "\n":
            e -= 1
            value = value[:-1]
        span(I_REPLACE, s, e, value)

    def piece(s: int, e: int) -> None:
        """Source s..e is shown (opening a tight item's paragraph if none is open)."""
        nonlocal content_start, last, implicit
        if leaf < 0:
            open_leaf(B_PARAGRAPH, s)
            implicit = True
        if content_start < 0:
            content_start = s
        elif s > last:
            span(I_HIDDEN, last, s)
        if e > last:
            last = e

    def open_block(name: str, value: Any, s: int) -> None:
        nonlocal quote, depth, footnote, html_start, html_pieces, rows, aligns, leaf
        if name == "Heading":
            open_leaf(B_HEADING, s, int(value[name]["level"][1]))
        elif name == "CodeBlock":
            open_leaf(B_CODE, s)
        elif name == "HtmlBlock":
            html_start, html_pieces = s, []
        elif name == "Table":
            open_leaf(B_TABLE, s)
            rows = []
            aligns = tuple(_ALIGN.get(align, "") for align in value[name])
        elif name == "BlockQuote":
            settle(s)
            alert = _ALERTS.get(value[name], "") if isinstance(value, dict) else ""
            containers.append(["quote", s, True, None, alert])
            quote += 1
        elif name == "List":
            settle(s)
            start_number = value[name] if isinstance(value, dict) else None
            lists.append([-1 if start_number is None else start_number])
            depth += 1
            containers.append(["list", s, False, None, ""])
        elif name == "Item":
            counter = lists[-1] if lists else [-1]
            number = None if counter[0] < 0 else counter[0]
            if number is not None:
                counter[0] += 1
            containers.append(["item", s, True, number, ""])
        elif name == "FootnoteDefinition":
            settle(s)
            label = value[name] if isinstance(value, dict) else ""
            containers.append(["footnote", s, True, None, label])
            footnote = label
        else:  # a container this module does not know: its blocks are read as they are
            containers.append([name, s, False, None, ""])

    def close_container(e: int) -> None:
        nonlocal quote, depth, footnote
        if implicit:
            close_leaf(last)
        if not containers:
            return
        kind, start, waiting, number, _label = containers.pop()
        if kind == "quote":
            if waiting:
                empty_block(B_QUOTE, start, e)
            quote -= 1
        elif kind == "list":
            if lists:
                lists.pop()
            depth -= 1
        elif kind == "item":
            if waiting:
                empty_block(B_LIST_ITEM, start, e, number)
        elif kind == "footnote":
            if waiting:
                containers.append([kind, start, waiting, number, _label])
                settle(e)
                containers.pop()
            footnote = ""

    def open_inline(name: str, value: Any, s: int) -> None:
        nonlocal last, images
        piece(s, s)
        index = len(inlines.kinds)
        if name == "Link":
            info = value[name]
            if info["link_type"] in ("Autolink", "Email") and text[s : s + 1] == "<":
                target = info["dest_url"]
                if info["link_type"] == "Email" and not target.startswith("mailto:"):
                    target = "mailto:" + target
                span(I_HIDDEN, s, s + 1)
                span(I_URL, s + 1, s + 1, target)
                frames.append(("Link", s, index + 1, -1))
                last = s + 1
            else:
                span(I_HIDDEN, s, s + 1)
                span(I_LINK, s + 1, s + 1, info["dest_url"])
                frames.append(("Link", s, index + 1, 1))
                last = s + 1
        elif name == "Image":
            if images:  # inside another image's description: plain text
                span(I_HIDDEN, s, s + 2)
                frames.append(("Image", s, -1, 2))
            else:
                span(I_REPLACE, s, s + 2, "[image: ")
                span(I_IMAGE, s, s, value[name]["dest_url"])
                frames.append(("Image", s, index, 2))
            images += 1
            last = s + 2
        else:
            if name == "Strikethrough":
                found = _TILDES.match(text, s)
                width = found.end() - s if found else 1
            else:
                width = 2 if name == "Strong" else 1
            span(I_HIDDEN, s, s + width)
            span(_STYLES[name], s + width, s + width)
            frames.append((name, s, index + 1, width))
            last = s + width

    def close_inline(e: int) -> None:
        nonlocal last, images
        name, s, index, width = frames.pop()
        ends = inlines.ends
        if name == "Image":
            images -= 1
            described = max(last, s + 2)
            if index < 0:
                span(I_HIDDEN, described, e)
            else:
                if described == s + 2:
                    inlines.texts[index] = "[image"
                ends[index + 1] = e
                span(I_REPLACE, described, e, "]")
        elif name == "Link":
            if width < 0:  # <autolink>
                ends[index] = e - 1
                span(I_HIDDEN, e - 1, e)
            else:
                described = max(last, s + 1)
                ends[index] = described
                if e > described:
                    span(I_HIDDEN, described, e)
        else:
            closing = e - width
            if closing > last:
                span(I_HIDDEN, last, closing)
            ends[index] = closing
            span(I_HIDDEN, closing, e)
        last = e

    def inline_code(value: str, s: int, e: int) -> None:
        nonlocal last
        piece(s, s)
        found = _BACKTICKS.match(text, s)
        ticks = found.end() - s if found else 1
        a, b = s + ticks, e - ticks
        if b - a >= 2 and text[a] in " \n" and text[b - 1] in " \n" and text[a:b].strip(" \n"):
            a, b = a + 1, b - 1  # CommonMark strips one space from both ends
        span(I_HIDDEN, s, a)
        span(I_CODE, a, b)
        span(I_HIDDEN, b, e)
        source_code = text[a:b]
        if source_code != value and source_code.replace("\n", " ") != value:
            span(I_REPLACE, a, b, value)  # "\\|" in a table cell; "> " inside the span
        last = e

    def inline_html(value: str, s: int, e: int) -> None:
        nonlocal last, had_html, hiding_from, hiding_end
        piece(s, s)
        had_html = True
        if hiding_from >= 0:
            if hiding_end is not None and hiding_end.match(value):
                span(I_HIDDEN, hiding_from, s)
                hiding_from, hiding_end = -1, None
        hidden_element = raw_html.inline_tag(text, s, e, inlines)
        if hidden_element and hiding_from < 0:
            hiding_from, hiding_end = e, raw_html.closing_tag(hidden_element)
        last = e

    def take_item(at: int, paragraph: bool) -> tuple[int, int | None] | None:
        """For an HTML block's reader block at `at`: the item it is the first paragraph of
        (its start and number), or None (after settling the container)."""
        if paragraph and containers and containers[-1][0] == "item" and containers[-1][2]:
            top = containers[-1]
            top[2] = False
            return top[1], top[3]
        settle(at)
        return None

    def close_html(e: int) -> None:
        nonlocal html_start
        pieces = html_pieces
        gaps = [
            (pieces[k][1], pieces[k + 1][0])
            for k in range(len(pieces) - 1)
            if pieces[k + 1][0] > pieces[k][1]
        ]
        end = pieces[-1][1] if pieces else e
        context = raw_html.Context(quote, depth, footnote, take_item)
        raw_html.html_block(text, html_start, end, blocks, inlines, context, gaps)
        html_start = -1

    def close_table(e: int) -> None:
        nonlocal leaf
        leaf = -1
        end = e
        while end > leaf_start and text[end - 1] == "\n":
            end -= 1
        columns = len(aligns)
        cells = tuple(
            row_cells[:columns] + (_empty_cell(text, row_cells, end),) * (columns - len(row_cells))
            for row_cells in rows
        )
        index = add_block(B_TABLE, leaf_start, end, leaf_start, end, 0, quote, depth)
        blocks.tables[index] = Table(cells, aligns, 1)
        if leaf_footnote:
            blocks.footnotes[index] = leaf_footnote

    parse_events = pyromark.events_with_range(source, options=_OPTIONS)
    for event, where in parse_events:
        if event.__class__ is dict:
            value = event.get("Text")
            if value is not None:  # the commonest event: text shown as written
                rs = where["start"]
                re_ = where["end"]
                if lo <= rs and re_ <= hi:
                    s = rs - extra
                    e = re_ - extra
                else:
                    s = char(rs)
                    if re_ <= hi:
                        e = re_ - extra
                    else:
                        if len(value.encode("utf-8", "surrogatepass")) == re_ - rs:
                            e = s + len(value)  # the text is its source: no decoding
                        else:
                            e = char(re_)
                        # The stretch goes on from the end of this text: the syntax that
                        # follows it (a "*", a line break) then converts without a call.
                        found = _HIGH_BYTE.search(encoded, re_, re_ + 256)
                        lo, extra = re_, re_ - e
                        hi = found.start() if found else min(re_ + 256, len(encoded))
                if leaf < 0:
                    if html_start >= 0:
                        continue  # indentation inside an HTML block: it is in the block
                    open_leaf(B_PARAGRAPH, s)
                    implicit = True
                if content_start < 0:
                    content_start = s
                elif s > last:
                    add_kind(I_HIDDEN)
                    add_start(last)
                    add_end(s)
                    add_text("")
                last = e
                if e - s != len(value) or (leaf == B_CODE and text[s:e] != value):
                    replaced(s, e, value)
                continue
            value = event.get("End")
            if value is not None:  # its range is its Start's: only the end is new
                re_ = where["end"]
                e = re_ - extra if lo <= re_ <= hi else char(re_)
                name = value if value.__class__ is str else next(iter(value))
                if frames and name == frames[-1][0]:
                    close_inline(e)
                elif name in _LEAVES:
                    if name == "HtmlBlock":
                        close_html(e)
                    elif name == "Table":
                        close_table(e)
                    else:
                        close_leaf(e)
                elif name == "TableCell":
                    if content_start < 0:
                        row.append(_empty_cell(text, (), cell_start))
                    else:
                        row.append(Span(content_start, last))
                        if hints:
                            bare_urls(content_start, last)
                elif name == "TableHead" or name == "TableRow":
                    rows.append(tuple(row))
                else:
                    close_container(e)
                continue
            rs = where["start"]
            s = rs - extra if lo <= rs <= hi else char(rs)
            value = event.get("Start")
            if value is not None:
                name = value if value.__class__ is str else next(iter(value))
                if name == "Paragraph":
                    if implicit:
                        close_leaf(last)
                    open_leaf(B_PARAGRAPH, s)
                elif name in _STYLES or name == "Link" or name == "Image":
                    open_inline(name, value, s)
                elif name == "TableCell":
                    cell_start, content_start, last = s, -1, s
                elif name == "TableHead" or name == "TableRow":
                    row = []
                else:
                    if implicit:
                        close_leaf(last)
                    open_block(name, value, s)
                continue
            ((name, value),) = event.items()
            re_ = where["end"]
            e = re_ - extra if lo <= re_ <= hi else char(re_)
            if name == "Code":
                inline_code(value, s, e)
            elif name == "InlineHtml":
                inline_html(value, s, e)
            elif name == "Html":
                html_pieces.append((s, e))
            elif name == "TaskListMarker":
                if leaf < 0:
                    open_leaf(B_PARAGRAPH, s)
                    implicit = True
                after = e + 1 if text[e : e + 1] in (" ", "\t") else e
                if content_start < 0 or s < content_start:
                    content_start = s
                last = max(last, after)
                span(I_TASK, s, e, "x" if value else " ")
            elif name == "FootnoteReference":
                piece(s, e)
                span(I_REPLACE, s, e, f"[{value}]")
                span(I_FOOTNOTE_REF, s, e, value)
            else:  # anything this version does not know is shown as written
                piece(s, e)
        else:
            rs = where["start"]
            re_ = where["end"]
            if lo <= rs and re_ <= hi:
                s = rs - extra
                e = re_ - extra
            else:
                s = char(rs)
                e = char(re_) if re_ > hi else re_ - extra
            if event == "SoftBreak":
                piece(s, e)
            elif event == "HardBreak":
                piece(s, s)
                span(I_BREAK, s, e)
                last = e
            elif event == "Rule":
                if implicit:
                    close_leaf(last)
                settle(s)
                end = e
                while end > s and text[end - 1] in "\n":
                    end -= 1
                add_block(B_RULE, s, end, s, s, 0, quote, depth)

    if leaf >= 0:
        close_leaf(last)
    inlines.sort()
    if _compact_badges(text, blocks, inlines):
        inlines.sort()
    return Parsed(blocks, inlines, front)


BADGE_SEARCH_BLOCKS = 40  # badges sit at the top of a README, among its first blocks


def _compact_badges(text: str, blocks: Blocks, inlines: Inlines) -> bool:
    """A README's rows of badges (paragraphs showing nothing but images) near the top are
    read as one line of labels: consecutive ones are joined into one paragraph, line
    breaks between badges become spaces and each badge shows as "[alt]" rather than
    "[image: alt]". Returns whether anything changed (the spans must be sorted again)."""
    runs: list[list[int]] = []
    previous = -2
    for index in range(min(len(blocks), BADGE_SEARCH_BLOCKS)):
        kind = blocks.kinds[index]
        if (
            kind == B_PARAGRAPH
            and only_images(text, blocks, index, inlines)
            and _all_badges(inlines, blocks.content_starts[index], blocks.content_ends[index])
        ):
            if previous == index - 1:
                runs[-1].append(index)
            else:
                runs.append([index])
            previous = index
        elif kind not in (B_HEADING, B_RULE):
            break  # the text has begun: images below are the text's own
    if not runs:
        return False
    kinds, texts = inlines.kinds, inlines.texts
    for run in reversed(runs):  # from the last: merging shifts the indices after a run
        first, last = run[0], run[-1]
        low, high = blocks.content_starts[first], blocks.content_ends[last]
        for index in inlines.indices(low, high):
            if kinds[index] == I_REPLACE and texts[index].startswith("[image: "):
                texts[index] = "[" + texts[index][len("[image: ") :]
            elif kinds[index] == I_BREAK:
                kinds[index] = I_REPLACE
                texts[index] = " "
        for before, after in zip(run, run[1:], strict=False):
            gap_start, gap_end = blocks.content_ends[before], blocks.content_starts[after]
            inlines.append(I_REPLACE, gap_start, gap_end, " ")
        blocks.merge(first, last)
    return True


_BADGE_SOURCE = re.compile(r"badge|shields|\.svg(?:[?#]|$)", re.IGNORECASE)


def _all_badges(inlines: Inlines, start: int, end: int) -> bool:
    """Whether every image in start..end is a badge: a linked image, or one whose source
    looks like a badge's (an SVG, a badge service). A lone picture is not one."""
    kinds, starts, ends, texts = inlines.kinds, inlines.starts, inlines.ends, inlines.texts
    links = [(starts[i], ends[i]) for i in inlines.indices(start, end) if kinds[i] == I_LINK]
    for index in inlines.indices(start, end):
        if kinds[index] != I_IMAGE or _BADGE_SOURCE.search(texts[index]):
            continue
        if not any(a <= starts[index] and ends[index] <= b for a, b in links):
            return False
    return True


def _url_hints(text: str) -> list[int]:
    """Where bare URLs may be: each "://", "www." and "@" but those in a link's destination
    "](http..." or an <autolink>, which are links already (str.find is many times faster
    than a regular expression with alternatives over megabytes of text)."""
    found: list[int] = []
    for needle in ("://", "www.", "@"):
        position = text.find(needle)
        while position >= 0:
            found.append(position)
            position = text.find(needle, position + 1)
    if len(found) > 1:
        found.sort()
    return [hint for hint in found if not _IN_DESTINATION.match(text, max(0, hint - 7), hint)]


def _footnote_marker_end(text: str, start: int) -> int:
    """The end of "[^label]:" and the blanks after it."""
    close = text.find("]:", start)
    end = close + 2 if close >= 0 else start
    return _SPACES.match(text, end).end()  # type: ignore[union-attr]


def _valid_domain(domain: str) -> bool:
    """GFM: segments of letters, digits, "_" and "-" with a "." between them, and no "_"
    in the last two."""
    parts = domain.split(".")
    return len(parts) >= 2 and all(parts[-2:]) and "_" not in parts[-1] + parts[-2]


def url_length(candidate: str) -> int:
    """GFM: trailing punctuation is not part of a bare URL, nor an unmatched ")", nor an
    entity-like "&name;" at its end. (The parentheses are counted once: a URL followed by
    thousands of ")" costs no more than its length.)"""
    end = len(candidate)
    opening, closing = candidate.count("("), candidate.count(")")
    while end:
        last = candidate[end - 1]
        if last in _URL_TRAILING:
            end -= 1
        elif last == ")" and opening < closing:
            end -= 1
            closing -= 1
        elif last == ";" and (entity := _ENTITY_AT_END.search(candidate, 0, end)):
            end = entity.start()
            opening, closing = candidate.count("(", 0, end), candidate.count(")", 0, end)
        else:
            break
    return end


def _empty_cell(text: str, row: tuple[Span, ...], at: int) -> Span:
    """An empty cell: where its row's last cell ends, or at `at` before any line break
    (pulldown-cmark puts a missing cell past the end of its row)."""
    if row:
        return Span(row[-1].end, row[-1].end)
    while at > 0 and text[at - 1] == "\n":
        at -= 1
    return Span(at, at)


_STYLE_KINDS = frozenset({I_STRONG, I_EMPHASIS, I_STRIKE, I_TASK})


def _claimed(inlines: Inlines, first: int, start: int, end: int) -> bool:
    """Whether start..end overlaps a span from inlines[first:] that is not only a style (a
    bare URL is not looked for inside code, links or hidden text)."""
    kinds, starts, ends = inlines.kinds, inlines.starts, inlines.ends
    for index in range(first, len(kinds)):
        if starts[index] < end and start < ends[index] and kinds[index] not in _STYLE_KINDS:
            return True
    return False


def _shows_anything(text: str, start: int, end: int, inlines: Inlines, first: int) -> bool:
    """Whether start..end shows any text besides blanks, given the spans inlines[first:]
    (which are not sorted yet): a block of hidden tags only shows nothing."""
    kinds, starts, ends, texts = inlines.kinds, inlines.starts, inlines.ends, inlines.texts
    covered: list[tuple[int, int]] = []
    for index in range(first, len(kinds)):
        kind = kinds[index]
        if kind == I_HIDDEN or kind == I_BREAK:
            covered.append((starts[index], ends[index]))
        elif kind == I_REPLACE:
            if texts[index].strip():
                return True
            covered.append((starts[index], ends[index]))
    covered.sort()
    position = start
    for cover_start, cover_end in covered:
        if cover_start > position and text[position:cover_start].strip():
            return True
        position = max(position, cover_end)
    return bool(text[position:end].strip()) if position < end else False
