"""Plain text -> blocks with exact offsets, read the way a person reads a text file.

A text is either hard-wrapped (most lines end before WRAP_MAX columns: licences, READMEs,
mail) or written one paragraph per line (articles saved from the web, the seed articles).
Its lines fall into chunks separated by blank lines, and each chunk is read as one thing:

* a pipe table (a header row, a |---| row, rows) is a table;
* a line of repeated -, *, _, =, ~ or # is a rule; a line underlined with = or - (or over-
  and underlined) is a heading, the lines hidden;
* text laid out by hand is shown as written (a CODE block, never re-wrapped): ASCII and
  box-drawn tables, columns such as `--help` output, and chunks indented four columns or
  more beyond the text around them;
* a heading is a line that stands alone (between blank lines in a hard-wrapped text, or a
  line of its own in a text of one paragraph per line) and reads as a title: short and
  capitalised, in ALL CAPS, or a numbered section (`0. Definitions.`, `1.2 Scope`). It is
  never the first line of a wrapped paragraph. The first line of the document, when it
  reads as a title, is the level-1 heading; numbered sections nest by their numbers;
* lines that start with a bullet, a number or a letter and a ")" or "." are list items,
  whose wrapped lines join them; the marker stays as written, in the item's content;
* anything else is a paragraph: in a hard-wrapped text, the chunk's lines joined (a line
  that ends well before the wrap width, where the next word would have fitted, keeps its
  line break: an address, a signature); in a text of one paragraph per line, each line.

Spans: HIDDEN for heading underlines and the indentation of wrapped lines, BREAK for kept
line breaks, URL for web addresses.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import accumulate, repeat
from operator import add

from aiwatch_tui.core.model import (
    B_CODE,
    B_HEADING,
    B_LIST_ITEM,
    B_PARAGRAPH,
    B_RULE,
    B_TABLE,
    I_BREAK,
    I_HIDDEN,
    I_URL,
    Blocks,
    Inlines,
    Span,
    Table,
)
from aiwatch_tui.core.text.markdown import Parsed, url_length

WRAP_MAX = 100  # lines longer than this were not hard-wrapped by a person or an editor
HEADING_MAX_CHARS = 80
HEADING_MAX_WORDS = 12
TITLE_MAX_WORDS = 15  # the document's first line may be a little longer than a heading
BREAK_MARGIN = 10  # a line break is kept when the next word would have fitted this easily
PREFORMATTED_INDENT = 4  # columns beyond the text around it that make a chunk preformatted

_RULE = re.compile(r"[ \t]*([-*_=~#])(?:[ \t]*\1){2,}[ \t]*")
_UNDERLINE = re.compile(r"[ \t]*(=+|-+)[ \t]*")
_ITEM = re.compile(
    r"(?P<indent>[ \t]*)(?:(?P<bullet>[-*+•◦▪‣])|(?P<number>[0-9]{1,3})(?P<delim>[.)])"
    r"|(?P<letter>[a-z])(?P<letter_delim>[.)])|\((?P<paren>[0-9]{1,3}|[a-z]|[ivx]{1,5})\))"
    r"[ \t]+(?=\S)"
)
_SECTION = re.compile(r"[ \t]*(?P<number>[0-9]{1,3}(?:\.[0-9]{1,3})*)(?P<dot>\.?)[ \t]+(?=\S)")
_HEADS = frozenset("-*+•◦▪‣_=~#0123456789(abcdefghijklmnopqrstuvwxyz")
_PIPE_OR_ESCAPE = re.compile(r"\\.|\|")
_DELIMITER_ROW = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*")
_DELIMITER_CELL = re.compile(r"[ \t]*(:?)-+(:?)[ \t]*")
# Lines laid out by hand: box drawing, ASCII table borders ("+----+----+", "|  a |  b |").
_BOX_DRAWING = re.compile(r"[\u2500-\u257f]")
_ASCII_BORDER = re.compile(r"[ \t]*(?:\+[-=+:]{3,}\+?|\|.*\|)[ \t]*")
# A gap of two or more spaces inside a line, not after a sentence (typists put two spaces
# after a full stop): the mark of text set out in columns.
_PAGE_BREAKS = frozenset("\f\u240c")
_LINE_ENDS = frozenset(".!?:,")  # after these, a short line in a wrapped paragraph may end
_COLUMN_GAP = re.compile(r"[^ \t.!?:;,\n][ \t]{2,}(?=\S)")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"“”«»]+", re.IGNORECASE)
_NOT_BEFORE_URL = frozenset("/.@+-_") | frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
)
_CLOSING_PUNCTUATION = frozenset(".,;:!…\"'”’»—–-")
_SENTENCE_END = frozenset(".!?:…\"'”’)")
_MINOR_WORDS = frozenset(
    "a an the and or but nor of in on at to for by with as from via vs per into onto off up".split()
)
_LETTER = re.compile(r"[^\W\d_]")


def _is_title_case(words: Sequence[str]) -> bool:
    """Two words or more, each word that starts with a letter capitalised or a minor word
    ("of", "the"), the first capitalised. Stops at the first word that is neither: most
    lines tried are the first lines of paragraphs."""
    if len(words) < 2:
        return False
    first = True
    for word in words:
        word = word.lstrip("\"'“‘(")
        if not word[:1].isalpha():
            continue
        if first:
            if not word[0].isupper():
                return False
            first = False
        elif not word[0].isupper() and word.lower() not in _MINOR_WORDS:
            return False
    return not first


def reads_as_title(line: str, max_words: int = HEADING_MAX_WORDS) -> bool:
    """Short, capitalised, no closing sentence punctuation; a question only in Title Case;
    ALL CAPS may end with a colon; a numbered section may end with a full stop."""
    text = line.strip()
    if not text or len(text) > HEADING_MAX_CHARS or _LETTER.search(text) is None:
        return False
    section = _SECTION.match(text)
    if section is not None:
        rest = text[section.end() :]
        words = rest.split()
        if rest[:1].isupper() and len(words) <= max_words - 2:
            trimmed = rest[:-1] if rest.endswith(".") and not rest.endswith("..") else rest
            return bool(trimmed) and trimmed[-1] not in _CLOSING_PUNCTUATION
        return False
    if text[0].islower():
        return False
    words = text.split()
    if len(words) > max_words:
        return False
    # A closing quote ends a sentence only after its punctuation: 'The "Artistic License"'
    # is a title, 'He said "no."' is not.
    last = text.rstrip("\"'”’»")[-1:] or text[-1]
    # ALL CAPS: every cased character upper case (str.isupper, in C), two letters at least.
    if text.isupper() and len(_LETTER.findall(text)) >= 2:
        return last not in _CLOSING_PUNCTUATION or last == ":"
    if last in _CLOSING_PUNCTUATION:
        return False
    return last != "?" or _is_title_case(words)


def _titled(line: str) -> bool:
    """Reads as a title by its looks, not only by its length: Title Case, ALL CAPS or a
    numbered section (a capitalised line that ends without a full stop may just be the
    first line of a wrapped sentence)."""
    if not reads_as_title(line):
        return False
    text = line.strip()
    if _SECTION.match(text):
        return True
    return text.isupper() or _is_title_case(text.split()) or len(text.split()) == 1


def _section_level(line: str) -> int:
    """2 for "1." sections, 3 for "1.2", 4 for deeper ones; 2 for other headings."""
    section = _SECTION.match(line)
    if section is None:
        return 2
    return min(4, 2 + section.group("number").count("."))


def _indent(line: str) -> int:
    """Leading whitespace in columns (tabs to the next multiple of eight)."""
    width = 0
    for char in line:
        if char == " ":
            width += 1
        elif char == "\t":
            width += 8 - width % 8
        else:
            break
    return width


def _blank_page(line: str) -> bool:
    return not line.strip(" \t\f\u240c")


def wrap_width(lines: Sequence[str]) -> int:
    """The width the text was hard-wrapped at, or 0 when it has one paragraph per line.

    Table rows are left out. A text counts as hard-wrapped when fewer than one in five of
    its lines is longer than WRAP_MAX; its width is then its longest line up to WRAP_MAX."""
    lengths = [
        len(line.rstrip()) if line[-1].isspace() else len(line)
        for line in lines
        if line and not line.isspace() and "|" not in line
    ]
    short = [n for n in lengths if n <= WRAP_MAX]
    if not short or (len(lengths) - len(short)) * 5 >= len(lengths):
        return 0
    return max(short)


def _cells(line: str, base: int) -> list[Span]:
    """Cell spans of a table row (outer pipes dropped, each cell stripped)."""
    pipes = [m.start() for m in _PIPE_OR_ESCAPE.finditer(line) if m.group() == "|"]
    low = len(line) - len(line.lstrip())
    high = len(line.rstrip())
    if pipes and pipes[0] == low:
        low += 1
        pipes = pipes[1:]
    if pipes and pipes[-1] == high - 1:
        high -= 1
        pipes = pipes[:-1]
    edges = [low - 1, *pipes, high]
    cells: list[Span] = []
    for k in range(len(edges) - 1):
        a, b = edges[k] + 1, edges[k + 1]
        cell = line[a:b]
        stripped = cell.strip()
        lead = len(cell) - len(cell.lstrip()) if stripped else 0
        cells.append(Span(base + a + lead, base + a + lead + len(stripped)))
    return cells


class _PlainParser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        widths = map(add, map(len, self.lines[:-1]), repeat(1))
        self.starts = list(accumulate(widths, initial=0))
        self.width = wrap_width(self.lines)
        self.blocks = Blocks()
        self.inlines = Inlines()
        self.body_indent = 0
        self.heading_candidates: list[int] = []  # paragraph blocks that may be headings

    # -- chunks ----------------------------------------------------------------------

    def chunks(self) -> list[tuple[int, int]]:
        """(first, last + 1) line ranges of the runs of non-blank lines."""
        found: list[tuple[int, int]] = []
        first = -1
        for index, line in enumerate(self.lines):
            # A page break (form feed, shown as ␌ once sanitised) on a line of its own
            # separates paragraphs as a blank line does.
            blank = not line or line.isspace() or (line[0] in _PAGE_BREAKS and _blank_page(line))
            if blank:
                if first >= 0:
                    found.append((first, index))
                    first = -1
            elif first < 0:
                first = index
        if first >= 0:
            found.append((first, len(self.lines)))
        return found

    def run(self) -> Parsed:
        chunks = self.chunks()
        self.body_indent = self._body_indent(chunks)
        for number, (first, stop) in enumerate(chunks):
            self.chunk(first, stop, top=number == 0)
        self._mark_headings()
        self._urls()
        self.inlines.sort()
        return Parsed(self.blocks, self.inlines)

    def _body_indent(self, chunks: Sequence[tuple[int, int]]) -> int:
        """The indentation of most of the text: what "indented" is measured from."""
        counts: dict[int, int] = {}
        for first, stop in chunks[:2000]:
            indent = min(_indent(line) for line in self.lines[first:stop])
            counts[indent] = counts.get(indent, 0) + stop - first
        return max(counts, key=counts.__getitem__) if counts else 0

    def chunk(self, first: int, stop: int, top: bool) -> None:
        lines = self.lines
        index = first
        while index < stop:
            line = lines[index]
            if "|" in line and index + 1 < stop and _DELIMITER_ROW.fullmatch(lines[index + 1]):
                end = self._table(index, stop)
                if end > index:
                    index = end
                    continue
            end = index + 1
            while end < stop and not (
                "|" in lines[end] and end + 1 < stop and _DELIMITER_ROW.fullmatch(lines[end + 1])
            ):
                end += 1
            self._text_chunk(index, end, top and index == first)
            index = end

    # -- tables ----------------------------------------------------------------------

    def _table(self, first: int, stop: int) -> int:
        """A pipe table from line `first`; returns the line after it (first if none)."""
        lines, starts = self.lines, self.starts
        delimiter = lines[first + 1]
        aligns = []
        for cell in _cells(delimiter, 0):
            match = _DELIMITER_CELL.fullmatch(delimiter[cell.start : cell.end])
            if match is None:
                return first
            left, right = bool(match.group(1)), bool(match.group(2))
            aligns.append("center" if left and right else "right" if right else "left")
        header = _cells(lines[first], starts[first])
        if len(header) != len(aligns):
            return first
        columns = len(aligns)
        last = first + 1
        while last + 1 < stop and "|" in lines[last + 1]:
            last += 1
        rows = []
        for index in (first, *range(first + 2, last + 1)):
            cells = _cells(lines[index], starts[index])
            if len(cells) > columns:  # nothing is lost: the extra cells join the last
                cells = [*cells[: columns - 1], Span(cells[columns - 1].start, cells[-1].end)]
            row_end = starts[index] + len(lines[index].rstrip())
            cells.extend(Span(row_end, row_end) for _ in range(columns - len(cells)))
            rows.append(tuple(cells))
            escape = lines[index].find("\\|")
            while escape >= 0:  # "\|" is a pipe in a cell: its backslash is not shown
                self.inlines.append(I_HIDDEN, starts[index] + escape, starts[index] + escape + 1)
                escape = lines[index].find("\\|", escape + 2)
        start, end = starts[first], starts[last] + len(lines[last])
        block = self.blocks.append(B_TABLE, start, end, start, end)
        self.blocks.tables[block] = Table(tuple(rows), tuple(aligns), 1)
        return last + 1

    # -- everything else ---------------------------------------------------------------

    def _text_chunk(self, first: int, stop: int, top: bool) -> None:
        lines, starts = self.lines, self.starts
        count = stop - first
        if count == 1 and _RULE.fullmatch(lines[first]) and lines[first].strip()[:1] != "#":
            start = starts[first]
            self.blocks.append(B_RULE, start, start + len(lines[first]), start, start)
            return
        if self._underlined(first, stop):
            return
        if top and self._title_lines(first, stop):
            return
        if top and self._title_above(first, stop):
            self._text_chunk(first + 1, stop, top=False)
            return
        if self._preformatted(first, stop):
            self._code(first, stop)
            return
        if not self.width:  # one paragraph per line
            self._lines_as_paragraphs(first, stop)
            return
        if count == 1 and reads_as_title(lines[first]):
            self._paragraph(first, stop, candidate=True)
            return
        if count <= 3 and self._caps_title(first, stop):
            return
        if self._one_per_line(first, stop):
            self._lines_as_paragraphs(first, stop)
            return
        if _ITEM.match(lines[first]):
            self._list(first, stop)
            return
        for index in range(first + 1, stop):  # "Features:" and a list under it
            item = _ITEM.match(lines[index])
            if item is not None and (
                item.group("bullet") or lines[index - 1].rstrip()[-1:] in ":.!?"
            ):
                self._paragraphs(first, index)
                self._list(index, stop)
                return
        self._paragraphs(first, stop)

    def _caps_title(self, first: int, stop: int) -> bool:
        """Two or three lines in ALL CAPS that each read as a title, standing alone: one
        heading, its lines kept ("GNU GENERAL PUBLIC LICENSE / TERMS AND CONDITIONS FOR
        COPYING, DISTRIBUTION AND MODIFICATION")."""
        lines = self.lines
        for line in lines[first:stop]:
            if not line.isupper() or len(_LETTER.findall(line)) < 2 or not reads_as_title(line):
                return False
        start, _ = self._stripped(first)
        _, end = self._stripped(stop - 1)
        level = 1 if not len(self.blocks) else 2
        self.blocks.append(B_HEADING, start, end, start, end, level)
        self._joins(first, stop, keep_all=True)
        return True

    def _underlined(self, first: int, stop: int) -> bool:
        """A title with a line of = or - under it (and maybe over it)."""
        lines = self.lines
        count = stop - first
        over = count == 3 and _UNDERLINE.fullmatch(lines[first]) is not None
        title = first + 1 if over else first
        if count != (3 if over else 2) or not _UNDERLINE.fullmatch(lines[title + 1]):
            return False
        text = lines[title]
        if not text.strip() or len(text.strip()) > HEADING_MAX_CHARS or _ITEM.match(text):
            return False
        start, end = self._stripped(title)
        underline = lines[title + 1].strip()[0]
        level = 1 if underline == "=" else 2
        block_start = self.starts[first]
        block_end = self.starts[stop - 1] + len(lines[stop - 1])
        self.blocks.append(B_HEADING, block_start, block_end, start, end, level)
        if over:
            self.inlines.append(I_HIDDEN, block_start, start)
        self.inlines.append(I_HIDDEN, end, block_end)
        return True

    def _title_lines(self, first: int, stop: int) -> bool:
        """The document's first chunk as a title: a line that reads as one, maybe with a
        line or two under it (a version, a date), all short."""
        lines = self.lines
        if stop - first > 3 or not reads_as_title(lines[first], TITLE_MAX_WORDS):
            return False
        if stop - first > 1 and any(len(line.strip()) > 60 for line in lines[first:stop]):
            return False
        if stop - first == 1 and not self.width and len(self.lines) > 1:
            return False  # one paragraph per line: the usual heading rules decide
        start, end = self._stripped(first)
        self.blocks.append(B_HEADING, start, end, start, end, 1)
        if stop > first + 1:
            self._paragraph(first + 1, stop, keep_breaks=True)
        return True

    def _title_above(self, first: int, stop: int) -> bool:
        """The document's first line, in Title Case or ALL CAPS, right above the text: its
        title (the one line that may be a heading without a blank line under it)."""
        lines = self.lines
        if stop - first < 2 or not self.width or not _titled(lines[first]):
            return False
        following = lines[first + 1].lstrip()
        if not following[:1].isupper() or _SECTION.match(lines[first]):
            return False
        start, end = self._stripped(first)
        self.blocks.append(B_HEADING, start, end, start, end, 1)
        return True

    def _preformatted(self, first: int, stop: int) -> bool:
        """Whether a chunk was laid out by hand (each test first looks at the whole chunk
        with one search, as most chunks are prose)."""
        lines = self.lines
        if max(map(len, lines[first:stop])) > 2 * WRAP_MAX:
            return False  # a paragraph on one line: nobody lays out such lines by hand
        chunk = self.text[self.starts[first] : self.starts[stop - 1] + len(lines[stop - 1])]
        if _BOX_DRAWING.search(chunk):
            return True
        if ("+" in chunk or "|" in chunk) and any(
            _ASCII_BORDER.fullmatch(line) for line in lines[first:stop]
        ):
            return True
        if _indent(lines[first]) >= self.body_indent + PREFORMATTED_INDENT:
            indents = [_indent(line) for line in lines[first:stop]]
            if min(indents) >= self.body_indent + PREFORMATTED_INDENT:
                if stop - first == 1 and indents[0] >= 8 and reads_as_title(lines[first]):
                    return False  # a centred heading
                return _ITEM.match(lines[first]) is None  # else an indented list
        if stop - first >= 2 and ("  " in chunk or "\t" in chunk) and _COLUMN_GAP.search(chunk):
            columns: dict[int, int] = {}
            for line in lines[first:stop]:
                for gap in _COLUMN_GAP.finditer(line):
                    columns[gap.end()] = columns.get(gap.end(), 0) + 1
            aligned = max(columns.values(), default=0)
            return aligned >= 2 and aligned * 2 >= stop - first
        return False

    def _code(self, first: int, stop: int) -> None:
        start = self.starts[first]
        end = self.starts[stop - 1] + len(self.lines[stop - 1].rstrip())
        self.blocks.append(B_CODE, start, end, start, end)

    def _one_per_line(self, first: int, stop: int) -> bool:
        """A chunk whose every line but the last ends a sentence or reads as a title was
        not wrapped: each line is a paragraph (or a heading) of its own."""
        lines = self.lines
        if stop - first < 2:
            return False
        sentences = 0
        for index in range(first, stop - 1):
            if lines[index].rstrip()[-1:] in _SENTENCE_END:
                sentences += 1
            elif not _titled(lines[index]):
                return False
        # An address or a signature, short lines with no sentence, keeps its line breaks.
        return sentences > 0 or lines[stop - 1].rstrip()[-1:] in _SENTENCE_END

    def _stripped(self, index: int) -> tuple[int, int]:
        line = self.lines[index]
        stripped = line.strip()
        start = self.starts[index] + len(line) - len(line.lstrip())
        return start, start + len(stripped)

    def _lines_as_paragraphs(self, first: int, stop: int) -> None:
        """One paragraph per line; runs of list items are lists (a lone numbered line that
        reads as a title may be a section heading: it stays a heading candidate)."""
        lines = self.lines
        index = first
        while index < stop:
            line = lines[index]
            item = _ITEM.match(line) if line[:1] in _HEADS or line[:1].isspace() else None
            if item is not None:
                end = index + 1
                while end < stop and _ITEM.match(lines[end]):
                    end += 1
                if end - index >= 2 or not reads_as_title(line):
                    self._list(index, end)
                    index = end
                    continue
            # In a hard-wrapped text, a line read on its own in a chunk is a heading only
            # if text follows it in the chunk: the last line (an address under a copyright
            # line) introduces nothing.
            self._paragraph(index, index + 1, candidate=not self.width or index + 1 < stop)
            index += 1

    def _paragraph(
        self, first: int, stop: int, *, candidate: bool = False, keep_breaks: bool = False
    ) -> None:
        start, _ = self._stripped(first)
        end = self.starts[stop - 1] + len(self.lines[stop - 1].rstrip())
        block = self.blocks.append(B_PARAGRAPH, start, end, start, end)
        if candidate:
            self.heading_candidates.append(block)
        self._joins(first, stop, keep_all=keep_breaks)

    def _paragraphs(self, first: int, stop: int) -> None:
        """A hard-wrapped chunk: one paragraph, unless a line indented deeper than the lines
        before it follows the end of a sentence (paragraphs marked by indentation)."""
        lines = self.lines
        begin = first
        for index in range(first + 1, stop):
            previous = lines[index - 1].rstrip()
            if (
                previous[-1:] in ".!?:\"'”’)"
                and _indent(lines[index]) > _indent(lines[index - 1])
                and index - 1 > begin
            ):
                self._paragraph(begin, index)
                begin = index
        self._paragraph(begin, stop)

    def _joins(self, first: int, stop: int, keep_all: bool = False) -> None:
        """Between the lines of a paragraph: the indentation of a wrapped line is hidden,
        and a line break is kept where the line ended early on purpose."""
        lines, starts, room = self.lines, self.starts, self.width - BREAK_MARGIN
        add = self.inlines.append
        kept: list[tuple[int, int, int]] = []  # (line, indent, break start) of early ends
        wrapped = keep_all  # some line ran to the width (keep_all: as if none did)
        for index in range(first + 1, stop):
            line = lines[index]
            previous = lines[index - 1]
            if line[:1] in (" ", "\t") or previous[-1:] in (" ", "\t"):
                previous = previous.rstrip()
                indent = len(line) - len(line.lstrip())
            else:
                indent = 0
            break_start = starts[index - 1] + len(previous)
            if not keep_all:
                space = line.find(" ", indent)
                next_word = (space if space >= 0 else len(line)) - indent
                if len(previous) + 1 + next_word > room:
                    wrapped = True
                    if indent or previous is not lines[index - 1]:  # else nothing to hide
                        self._join(index, indent, break_start)
                    continue
            kept.append((index, indent, break_start))
        # In a paragraph that was wrapped, a line that ended early in mid-sentence was
        # wrapped by hand: joined ("verbatim copies / of this licence").
        for index, indent, break_start in kept:
            if wrapped and not keep_all and lines[index - 1].rstrip()[-1:] not in _LINE_ENDS:
                self._join(index, indent, break_start)
            else:
                add(I_BREAK, break_start, starts[index] + indent)

    def _join(self, index: int, indent: int, break_start: int) -> None:
        """Line `index` continues the one before: trailing blanks and indentation hidden."""
        start = self.starts[index]
        if break_start < start - 1:
            self.inlines.append(I_HIDDEN, break_start, start - 1)  # trailing blanks
        if indent:
            self.inlines.append(I_HIDDEN, start, start + indent)

    def _list(self, first: int, stop: int) -> None:
        """List items: a new item at each line that starts like the first one (same kind of
        marker, same indentation); other lines continue the item before them."""
        lines, starts = self.lines, self.starts
        opening = _ITEM.match(lines[first])
        assert opening is not None
        family = _family(opening)
        indent = _indent(lines[first])
        depths: list[int] = []  # indentation of each open level
        index = first
        while index < stop:
            match = _ITEM.match(lines[index])
            assert match is not None
            end = index + 1
            while end < stop:
                following = _ITEM.match(lines[end])
                if following is not None and (
                    _family(following) == family
                    and abs(_indent(lines[end]) - indent) <= 1
                    or _indent(lines[end]) > indent + 1
                    and following.group("bullet")
                    or self._item_ended(end - 1)  # a list of another kind follows
                ):
                    break
                end += 1
            item_indent = _indent(lines[index])
            while depths and item_indent < depths[-1] - 1:
                depths.pop()
            if not depths or item_indent > depths[-1] + 1:
                depths.append(item_indent)
            number = _item_number(match)
            # The marker is shown as written ("a)", "(iv)", "•"): it is part of the content.
            start = content = starts[index] + len(match.group("indent"))
            finish = starts[end - 1] + len(lines[end - 1].rstrip())
            self.blocks.append(
                B_LIST_ITEM, start, finish, content, finish, 0, 0, len(depths) - 1, number
            )
            self._joins(index, end)
            index = end
            if index < stop:
                next_item = _ITEM.match(lines[index])
                if next_item is not None and _family(next_item) != family:
                    family = _family(next_item)
                    indent = _indent(lines[index])

    def _item_ended(self, index: int) -> bool:
        """Whether line `index` ends its item (a marker on the next line starts one): it ends
        a sentence or stops well short of the wrap width. Otherwise a line that starts with
        "7. " is the rest of a sentence ("...under section\n7.  This requirement...")."""
        line = self.lines[index].rstrip()
        return line[-1:] in _SENTENCE_END or len(line) < 0.6 * (self.width or WRAP_MAX)

    def _urls(self) -> None:
        """Web addresses, found in one pass over the text, in every block but code."""
        text, blocks = self.text, self.blocks
        if "://" not in text and "www." not in text:
            return
        done = 0
        for start in _url_starts(text):
            if start < done or (start and text[start - 1] in _NOT_BEFORE_URL):
                continue
            match = _URL.match(text, start)
            if match is None:
                continue
            end = start + url_length(match.group())  # no trailing punctuation or ")"
            if end - start <= len("www.") or text[end - 1] in "/:":
                continue
            index = blocks.index_at(start)
            if (
                index < 0
                or blocks.kinds[index] == B_CODE
                or end > blocks.content_ends[index]
                or start < blocks.content_starts[index]
            ):
                continue
            done = end
            url = text[start:end]
            self.inlines.append(I_URL, start, end, "https://" + url if url[:4] == "www." else url)

    def _mark_headings(self) -> None:
        """Paragraphs that stand alone and read as titles become headings: in a text of one
        paragraph per line, one that introduces a paragraph (not before another heading,
        not the last block); in a hard-wrapped one, any that is not the last block."""
        blocks, text = self.blocks, self.text
        candidates = set()
        for index in self.heading_candidates:
            start, end = blocks.content_starts[index], blocks.content_ends[index]
            if end - start <= HEADING_MAX_CHARS and "\n" not in text[start:end]:
                line = text[start:end]
                first = index == 0
                if reads_as_title(line, TITLE_MAX_WORDS if first else HEADING_MAX_WORDS):
                    candidates.add(index)
        last = len(blocks) - 1
        for index in sorted(candidates):
            if index == last:
                continue
            if not self.width and index + 1 in candidates and index != 0:
                continue  # a short line before another one: a list of names, not a heading
            start = blocks.content_starts[index]
            line = text[start : blocks.content_ends[index]]
            blocks.kinds[index] = B_HEADING
            blocks.levels[index] = 1 if index == 0 else _section_level(line)


def _url_starts(text: str) -> list[int]:
    """Where "http://", "https://" and "www." occur (str.find is many times faster than a
    regular expression with alternatives over megabytes of text)."""
    found: list[int] = []
    position = text.find("://")
    while position >= 0:
        scheme = text[max(0, position - 5) : position].lower()
        if scheme.endswith("https"):
            found.append(position - 5)
        elif scheme.endswith("http"):
            found.append(position - 4)
        position = text.find("://", position + 3)
    position = text.find("www.")
    while position >= 0:
        found.append(position)
        position = text.find("www.", position + 4)
    return sorted(found)


def _family(match: re.Match[str]) -> str:
    """What kind of marker an item has: the bullet, or numbers, letters, (n)."""
    if match.group("bullet"):
        return match.group("bullet")
    if match.group("number"):
        return "1" + match.group("delim")
    if match.group("letter"):
        return "a" + match.group("letter_delim")
    return "()"


def _item_number(match: re.Match[str]) -> int | None:
    """The item's number: its digits, a letter's place in the alphabet; None for a bullet
    or a parenthesised roman numeral."""
    if match.group("number"):
        return int(match.group("number"))
    letter = match.group("letter") or match.group("paren") or ""
    if letter.isdigit():
        return int(letter)
    if len(letter) == 1 and letter not in "ivx":
        return ord(letter) - ord("a") + 1
    return None


def parse_plain(text: str) -> Parsed:
    """Blocks and spans of plain `text`; every offset is a str index into it."""
    return _PlainParser(text).run()
