"""Loading, decoding, sanitising and parsing article files into Documents.

The pipeline is bytes -> `decode` (codec, BOM, line endings) -> `sanitize` (controls made
visible, one character for one) -> `parse` (title, blocks and inlines with offsets into the
text). Every offset in a Document indexes its final `text`, so sanitising must never change
the length. Parsing works line by line with compiled regular expressions (no per-character
Python loops) so that a 5 MB article parses in a fraction of a second.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from collections.abc import Callable, Sequence
from encodings import cp1252
from itertools import accumulate, repeat
from operator import add
from pathlib import Path
from typing import NamedTuple

from aiwatch_tui.core.model import Block, BlockKind, Document, Inline, InlineKind, Span

MiB = 1024 * 1024
# Far above any article (a 5 MB one is already a short book) yet small enough that an
# accidental multi-gigabyte log never gets read into memory.
MAX_FILE_BYTES = 64 * MiB
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})

LEGACY_ENCODING = "cp1252"
LEGACY_NOTICE = "not UTF-8: read as Windows-1252"

# Title and heading heuristics for plain text.
TITLE_MAX_CHARS = 70  # a derived title is cut on a word boundary at this length
HEADING_MAX_CHARS = 80
HEADING_MAX_WORDS = 12
TITLE_LINE_MAX_WORDS = 15  # a first-line title may be a little longer than a section heading
WRAP_MAX = 100  # lines longer than this were not hard-wrapped by a person or an editor

# Binary detection: share of control characters (other than whitespace and ESC) allowed
# in the first few thousand characters.
BINARY_SAMPLE_CHARS = 4096
BINARY_CONTROL_SHARE = 0.05


# Enum members the per-line and per-block code uses, looked up once: on Python 3.11 each
# `BlockKind.X` costs about a tenth of a microsecond, as much as the rest of a simple line.
_PARAGRAPH = BlockKind.PARAGRAPH
_TABLE = BlockKind.TABLE
_MARKUP = InlineKind.MARKUP


class DocumentError(Exception):
    """A file that cannot be opened as a document; str() is one line "<file name>: <why>"."""


# --------------------------------------------------------------------------- decoding

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)

# Windows-1252 leaves five bytes undefined; read those as Latin-1 so that any byte string
# decodes (charmap_decode with a 256-character table runs in C).
_LEGACY_TABLE = "".join(
    chr(byte) if char == "\ufffe" else char for byte, char in enumerate(cp1252.decoding_table)
)


def decode(data: bytes) -> tuple[str, str, tuple[str, ...]]:
    """Decode file bytes: (text with LF line endings and no BOM, codec name, notices)."""
    text, encoding, notices = _decode_bytes(data)
    if text.startswith("\ufeff"):
        text = text[1:]
    return normalize_newlines(text), encoding, notices


def _decode_bytes(data: bytes) -> tuple[str, str, tuple[str, ...]]:
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            body = data[len(bom) :]
            # The BOM names the encoding, so damaged bytes are replaced, not reinterpreted.
            codec_name = "utf-8" if codec == "utf-8-sig" else codec
            try:
                return body.decode(codec_name), codec, ()
            except UnicodeDecodeError:
                notice = f"not valid {label}: damaged characters shown as \ufffd"
                return body.decode(codec_name, errors="replace"), codec, (notice,)
    try:
        return data.decode("utf-8"), "utf-8", ()
    except UnicodeDecodeError:
        text, _consumed = codecs.charmap_decode(data, "strict", _LEGACY_TABLE)
        return text, LEGACY_ENCODING, (LEGACY_NOTICE,)


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


# ------------------------------------------------------------------------- sanitising

# Characters that could drive a terminal or hide text: C0 (but tab and newline), DEL, C1,
# bidirectional overrides and isolates, invisible format characters, line/paragraph
# separators, lone surrogates (unencodable) and tag characters ("ASCII smuggling").
# ZWNJ/ZWJ (U+200C/D) are handled apart (_UNSAFE_JOINER), since a ZWJ inside an emoji
# sequence is drawn by the terminal. Left alone on purpose: soft hyphen, variation selectors.
_UNSAFE_CLASS = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b\u200e\u200f\u2028-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0001\U000e0020-\U000e007f"
)
_UNSAFE = re.compile(f"[{_UNSAFE_CLASS}]")
FORMAT_SYMBOL = "\u2426"  # ␦ stands for an invisible format or bidi character

# Pictographs that join into one emoji with ZWJ (👩‍💻, 👨‍👩‍👧, 🏳️‍🌈): the Unicode
# Extended_Pictographic ranges, approximately (Python's re has no property classes).
_EMOJI = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf"
    "\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
# Zero-width non-joiners and joiners change how text reads without being seen: each is shown
# as FORMAT_SYMBOL, except a ZWJ between two pictographs (the first maybe followed by the
# emoji variation selector), which the terminal draws as one emoji or as the pictographs
# side by side. (Scripts that use them, such as Persian or Devanagari, show the symbol:
# what a terminal would do with them is not predictable.)
_UNSAFE_JOINER = re.compile(
    f"\u200c|(?<![{_EMOJI}])(?<![{_EMOJI}]\ufe0f)\u200d|\u200d(?![{_EMOJI}])"
)
C1_SYMBOL = "\ufffd"


def _visible_symbol(code: int) -> str:
    if code < 0x20:
        return chr(0x2400 + code)  # the "control pictures" block: ␀ ␁ ... ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code <= 0x9F or 0xD800 <= code <= 0xDFFF:
        return C1_SYMBOL
    if code in (0x2028, 0x2029):
        return "\u2424"  # ␤
    return FORMAT_SYMBOL


def _unsafe_codes() -> list[int]:
    codes: list[int] = []
    for first, last in re.findall(r"(.)(?:-(.))?", _UNSAFE_CLASS, flags=re.DOTALL):
        codes.extend(range(ord(first), ord(last or first) + 1))
    return codes


_SYMBOLS: dict[str, str] = {chr(code): _visible_symbol(code) for code in _unsafe_codes()}


# Every unsafe character is one str.isprintable() rejects (checked here, in case a future
# Unicode version disagrees), so a text that is printable apart from its newlines and tabs
# needs no regex scan: isprintable runs several times faster than the search.
_UNSAFE_ARE_UNPRINTABLE = not any(chr(code).isprintable() for code in _unsafe_codes())


def _plainly_safe(text: str) -> bool:
    """True when `text` certainly holds no unsafe character (False: it may)."""
    if not _UNSAFE_ARE_UNPRINTABLE:
        return False
    return text.replace("\n", " ").replace("\t", " ").isprintable()


def sanitize(text: str) -> str:
    """Replace control and invisible format characters by visible symbols, one for one."""
    if _plainly_safe(text):
        return text
    if _UNSAFE.search(text) is not None:
        text = _UNSAFE.sub(lambda match: _SYMBOLS[match.group()], text)
    if "\u200c" in text or "\u200d" in text:
        text = _UNSAFE_JOINER.sub(FORMAT_SYMBOL, text)
    return text


# The subset of the above that a reader cannot see at all and that can make text read
# differently from how it is stored (Trojan Source, hidden words): the document is flagged.
_HIDDEN = re.compile(
    "[\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U000e0001\U000e0020-\U000e007f]"
)
HIDDEN_NOTICE = (
    f"contains bidirectional-override or invisible characters (shown as {FORMAT_SYMBOL})"
)


def hidden_character_notices(text: str) -> tuple[str, ...]:
    """A notice when unsanitised `text` holds bidi controls or invisible characters."""
    if _HIDDEN.search(text) is not None or _UNSAFE_JOINER.search(text) is not None:
        return (HIDDEN_NOTICE,)
    return ()


def one_line(text: str) -> str:
    """Untrusted text (a file name) made safe for a one-line message."""
    return sanitize(text).replace("\n", "\u2424").replace("\t", "\u2409")


# -------------------------------------------------------------------------- loading


def describe_file_kind(mode: int) -> str:
    """What a non-regular file is, for messages."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def describe_os_error(error: OSError) -> str:
    """A short, lower-case reason for an OSError."""
    if isinstance(error, FileNotFoundError):
        return "no such file or folder"
    if isinstance(error, PermissionError):
        return "permission denied"
    reason = error.strerror or type(error).__name__
    return reason[:1].lower() + reason[1:]


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    for unit, scale in (("GiB", 1024 * MiB), ("MiB", MiB), ("KiB", 1024)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"  # pragma: no cover - unreachable


def _check_regular_and_small(status: os.stat_result, name: str) -> None:
    if not stat.S_ISREG(status.st_mode):
        kind = describe_file_kind(status.st_mode)
        raise DocumentError(f"{name}: not a regular file (it is {kind})")
    if status.st_size > MAX_FILE_BYTES:
        raise DocumentError(
            f"{name}: too large ({human_size(status.st_size)}; "
            f"aiwatch opens files up to {human_size(MAX_FILE_BYTES)})"
        )


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        # stat first: opening a FIFO would block and opening a device may have effects.
        _check_regular_and_small(os.stat(path), name)
        # O_NONBLOCK and the fstat below cover the file being swapped after the stat.
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        with open(os.open(path, flags), "rb") as stream:
            status = os.fstat(stream.fileno())
            _check_regular_and_small(status, name)
            # Ask for what fstat announced plus one byte: read(n) allocates n bytes up front,
            # and allocating the whole limit (64 MiB) for each small file costs more than
            # reading it. A file that grew meanwhile is read on, up to the limit.
            wanted = status.st_size + 1
            data = stream.read(wanted)
            if len(data) == wanted:
                data += stream.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as error:
        raise DocumentError(f"{name}: {describe_os_error(error)}") from None
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(f"{name}: too large (it grew past {human_size(MAX_FILE_BYTES)})")
    return data


_BINARYISH = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")  # not \t \n \v \f \r or ESC


def looks_binary(text: str) -> bool:
    """NUL anywhere, or many control characters near the start."""
    if "\x00" in text:
        return True
    sample = text[:BINARY_SAMPLE_CHARS]
    controls = len(_BINARYISH.findall(sample))
    return controls > BINARY_CONTROL_SHARE * len(sample)


def load_document(path: Path, key: str | None = None) -> Document:
    """Read, decode, sanitise and parse one file; DocumentError says why it cannot be."""
    # The path as the user gave it (or as a folder walk reached it), not only its base name:
    # "notes.txt" alone does not say which of a library's folders holds the file.
    name = one_line(str(path))
    data = _read_bytes(path, name)
    text, encoding, notices = decode(data)
    # A text without unsafe characters has no control characters either: not binary.
    safe = _plainly_safe(text)
    if not safe and looks_binary(text):
        raise DocumentError(f"{name}: looks like a binary file, not text")
    if key is None:
        # library imports this module, so import it here rather than at the top.
        from aiwatch_tui.core.library import document_key

        key = document_key(path)
    markdown = path.suffix.lower() in MARKDOWN_SUFFIXES
    hidden: tuple[str, ...] = ()
    if safe:
        clean = text
    else:
        clean, hidden = sanitize(text), hidden_character_notices(text)
    return _build_document(clean, key, markdown, path, encoding, notices + hidden, safe)


def document_from_text(
    text: str, key: str, *, markdown: bool = False, path: Path | None = None
) -> Document:
    """A Document from text already in memory (normalised and sanitised here)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    # Line endings are neither hidden nor unsafe once normalised: the notices are the same.
    text = normalize_newlines(text)
    safe = _plainly_safe(text)
    hidden: tuple[str, ...] = ()
    if safe:
        clean = text
    else:
        clean, hidden = sanitize(text), hidden_character_notices(text)
    return _build_document(clean, key, markdown, path, "utf-8", hidden, safe)


def _build_document(
    text: str,
    key: str,
    markdown: bool,
    path: Path | None,
    encoding: str,
    notices: tuple[str, ...],
    plainly_safe: bool,
) -> Document:
    """`plainly_safe`: _plainly_safe(text) is known to hold (False: unknown)."""
    title, blocks, inlines = parse(text, markdown=markdown)
    if not title:
        title = one_line(Path(path.name if path is not None else key).stem) or "Untitled"
    encoded = text.encode("utf-8", "surrogatepass")
    words = _count_layout_words(encoded) if plainly_safe else count_words(text)
    return Document(
        key=key,
        path=path,
        text=text,
        title=title,
        blocks=blocks,
        inlines=inlines,
        content_hash=hashlib.sha256(encoded).hexdigest(),
        word_count=words,
        encoding=encoding,
        notices=notices,
        is_markdown=markdown,
    )


# Stand-alone punctuation that `wc -w` would count as words: table pipes, dashes, bullets,
# Markdown heading and quote markers.
_NOT_WORDS = frozenset("| - -- --- — – • * + # ## ### #### ##### ###### > = & / : · … ...".split())


def count_words(text: str) -> int:
    """Whitespace-separated words, as `wc -w` counts them, less stand-alone punctuation."""
    if _plainly_safe(text):
        return _count_layout_words(text.encode("utf-8", "surrogatepass"))
    tokens = text.split()
    if _NOT_WORDS.isdisjoint(tokens):  # a loop in C, without a bool per token
        return len(tokens)
    return len(tokens) - len(list(filter(_NOT_WORDS.__contains__, tokens)))


# Counting words without splitting (which makes a string of every word): in a text whose
# only whitespace is space, newline and tab -- true of every _plainly_safe text, as all other
# whitespace characters are unprintable -- each byte of its UTF-8 form is classed as a space,
# "p" (it may belong to stand-alone punctuation: the ASCII characters of _NOT_WORDS, and any
# byte of a non-ASCII character) or "x" (anything else). Words are then counted by
# bytes.count, and only the rare all-"p" words are looked at one by one.
_PUNCTUATION_BYTES = frozenset(ord(char) for word in _NOT_WORDS for char in word if char.isascii())
_BYTE_CLASSES = bytes(
    0x20 if byte in b" \t\n" else 0x70 if byte in _PUNCTUATION_BYTES or byte >= 0x80 else 0x78
    for byte in range(256)
)
# A run of "p" bytes between spaces (or the ends); it starts with a literal so that the regex
# engine skips from one "p" to the next.
_MAYBE_NOT_WORD = re.compile(rb"p(?<![^ ]p)p*(?![^ ])")


def _count_layout_words(encoded: bytes) -> int:
    """count_words() of a text whose only whitespace is space, newline and tab, from its
    UTF-8 form."""
    classes = encoded.translate(_BYTE_CLASSES)
    words = classes.count(b" x") + classes.count(b" p") + (classes[:1] in (b"x", b"p"))
    for candidate in _MAYBE_NOT_WORD.finditer(classes):
        word = encoded[candidate.start() : candidate.end()].decode("utf-8", "surrogatepass")
        words -= word in _NOT_WORDS
    return words


# -------------------------------------------------------------------------- parsing


class _Lines(NamedTuple):
    """The text split at "\\n", with each line's start offset."""

    text: str
    lines: list[str]
    starts: list[int]

    @classmethod
    def of(cls, text: str) -> _Lines:
        lines = text.split("\n")
        # Each line's length plus its newline, summed without a Python-level loop.
        widths = map(add, map(len, lines[:-1]), repeat(1))
        return cls(text, lines, list(accumulate(widths, initial=0)))

    def end(self, index: int) -> int:
        return self.starts[index] + len(self.lines[index])

    def stripped(self, start: int, end: int) -> tuple[int, int]:
        """The span start..end without surrounding whitespace (empty at `start` if blank)."""
        text = self.text
        if start < end and not text[start].isspace() and not text[end - 1].isspace():
            return start, end  # the usual case, without copying the span
        chunk = text[start:end]
        inner = chunk.strip()
        if not inner:
            return start, start
        lead = len(chunk) - len(chunk.lstrip())
        return start + lead, start + lead + len(inner)

    def block(
        self,
        kind: BlockKind,
        first: int,
        last: int,
        content_from: int | None = None,
        level: int = 0,
        marker: str = "",
    ) -> Block:
        """A block over lines first..last whose content is the stripped rest of those lines."""
        start, end = self.starts[first], self.end(last)
        content = self.stripped(start if content_from is None else content_from, end)
        return Block(kind, start, end, *content, level=level, marker=marker)


def _is_blank(line: str) -> bool:
    return not line or line.isspace()


def _first_visible(line: str) -> str:
    """The first non-whitespace character of `line` ("" if none), copying it only when
    it is indented."""
    head = line[:1]
    return line.lstrip()[:1] if head.isspace() else head


def _indent_width(line: str) -> int:
    """Leading whitespace in columns, tabs to the next multiple of four."""
    if not line.startswith((" ", "\t")):
        return 0
    prefix = line[: len(line) - len(line.lstrip(" \t"))]
    return len(prefix.expandtabs(4))


# ---- tables (shared by plain text and Markdown)

_PIPE_OR_ESCAPE = re.compile(r"\\.|\|")
_DELIMITER_LINE = re.compile(r"[ \t]*\|?[ \t]*:?-[-:| \t]*")
_DELIMITER_CELL = re.compile(r"(:?)-+(:?)")


def _cell_ranges(line: str) -> list[tuple[int, int]]:
    """Raw cell ranges (relative to the line) between unescaped pipes, outer pipes dropped."""
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
    return [(edges[k] + 1, edges[k + 1]) for k in range(len(edges) - 1)]


def _alignment(cell: str) -> str | None:
    match = _DELIMITER_CELL.fullmatch(cell.strip())
    if match is None:
        return None
    left, right = bool(match.group(1)), bool(match.group(2))
    return "center" if left and right else "right" if right else "left"


class _Table(NamedTuple):
    block: Block
    last_line: int
    markup: tuple[Inline, ...]  # the backslashes of escaped pipes


def _table_at(src: _Lines, index: int) -> _Table | None:
    """A pipe table whose header row is line `index`, or None."""
    if index + 1 >= len(src.lines):
        return None
    header, delimiter = src.lines[index], src.lines[index + 1]
    if "|" not in header or "|" not in delimiter or not _DELIMITER_LINE.fullmatch(delimiter):
        return None
    aligns = [_alignment(delimiter[a:b]) for a, b in _cell_ranges(delimiter)]
    header_cells = _cell_ranges(header)
    if None in aligns or len(header_cells) != len(aligns):
        return None
    columns = len(aligns)
    last = index + 1
    while last + 1 < len(src.lines) and "|" in src.lines[last + 1]:
        last += 1
    body = [index, *range(index + 2, last + 1)]
    rows = tuple(_table_row(src, line, columns) for line in body)
    markup = tuple(
        Inline(InlineKind.MARKUP, src.starts[line] + m.start(), src.starts[line] + m.start() + 1)
        for line in body
        for m in _PIPE_OR_ESCAPE.finditer(src.lines[line])
        if m.group() == "\\|"
    )
    start, end = src.starts[index], src.end(last)
    block = Block(
        BlockKind.TABLE,
        start,
        end,
        start,
        end,
        rows=rows,
        header_rows=1,
        align=tuple(a or "left" for a in aligns),
    )
    return _Table(block, last, markup)


def _table_row(src: _Lines, index: int, columns: int) -> tuple[Span, ...]:
    base = src.starts[index]
    cells = [Span(*src.stripped(base + a, base + b)) for a, b in _cell_ranges(src.lines[index])]
    if len(cells) > columns:
        # Keep every character visible: extra cells join the last column.
        cells = [*cells[: columns - 1], Span(cells[columns - 1].start, cells[-1].end)]
    row_end = base + len(src.lines[index].rstrip())
    cells.extend(Span(row_end, row_end) for _ in range(columns - len(cells)))
    return tuple(cells)


# ---- lists (shared)


def _nesting_level(stack: list[tuple[int, int]], indent: int, content_column: int) -> int:
    """Depth of a list item from its marker's indentation; `stack` holds open levels as
    (marker indent, content column) and is updated."""
    while stack and indent < stack[-1][0]:
        stack.pop()
    if stack and indent < stack[-1][1]:
        stack[-1] = (indent, content_column)  # not indented enough to nest: a sibling
    else:
        stack.append((indent, content_column))
    return len(stack) - 1


def _list_fields(match: re.Match[str]) -> tuple[BlockKind, str]:
    bullet = match.group("bullet")
    if bullet:
        return BlockKind.BULLET, bullet
    return BlockKind.NUMBERED, match.group("number") + match.group("delim")


# ---- plain text

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


class _PlainParser:
    def __init__(self, src: _Lines) -> None:
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
                self.blocks.append(Block(_PARAGRAPH, start, end, start, end))
                index += 1
            else:
                index = self._block_at(index)
        return self._mark_headings(), self.markup

    def _starts_other_block(self, index: int) -> bool:
        line = self.lines[index]
        # Cheap character tests first: most lines are prose and need no regex at all.
        if _first_visible(line) in _PLAIN_BLOCK_HEADS and (
            _PLAIN_ITEM.match(line) or _PLAIN_RULE.fullmatch(line)
        ):
            return True
        return "|" in line and _table_at(self.src, index) is not None

    def _block_at(self, index: int) -> int:
        """Parse the block starting at line `index`; return the next line to look at."""
        line = self.lines[index]
        if _is_blank(line):
            return index + 1
        table = _table_at(self.src, index) if "|" in line else None
        if table is not None:
            self.list_stack.clear()
            self.blocks.append(table.block)
            self.markup.extend(table.markup)
            return table.last_line + 1
        if _first_visible(line) in _PLAIN_BLOCK_HEADS:
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
        if _is_blank(following) or self._starts_other_block(index + 1):
            return False
        if indented_continues and following[:1] in (" ", "\t"):
            return True
        return _soft_break(self.lines[index], following, self.wrap_width)

    def _list_item(self, index: int, item: re.Match[str]) -> int:
        kind, marker = _list_fields(item)
        indent = _indent_width(item.group("indent"))
        level = _nesting_level(self.list_stack, indent, len(item.group().expandtabs(4)))
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
        if block.kind is not _PARAGRAPH:
            return False
        if block.content_end - block.content_start > HEADING_MAX_CHARS:
            return False  # the content is stripped already: too long to read as a heading
        content = self.src.text[block.content_start : block.content_end]
        return "\n" not in content and _reads_as_heading(content, max_words)


# ---- Markdown

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


class _MarkdownParser:
    """A line-based subset of CommonMark/GFM: enough structure for reading, never raising."""

    def __init__(self, src: _Lines) -> None:
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
            self.markup.append(Inline(_MARKUP, base + start, base + end))

    def _code_indent(self, indent: int) -> int:
        """Indentation relative to the innermost list item this line can belong to."""
        if not self.list_stack:
            return indent
        base = max((column for _, column in self.list_stack if column <= indent), default=0)
        return indent - base

    def _line(self, index: int) -> int:
        line = self.lines[index]
        if _is_blank(line):
            self._close_paragraph(index - 1)
            return index + 1
        indent = _indent_width(line)
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
        return _first_visible(line) in _MD_BLOCK_HEADS or "|" in line

    def _leave_lists(self, indent: int) -> None:
        """Close the list levels a line at `indent` is not part of."""
        while self.list_stack and indent < self.list_stack[-1][1]:
            self.list_stack.pop()

    def _starts_block(self, index: int) -> bool:
        line = self.lines[index]
        if not self._may_start_block(line) or self._code_indent(_indent_width(line)) >= 4:
            return False
        item = _MD_ITEM.match(line)
        return bool(
            _FENCE.match(line)
            or _atx_heading(line)
            or _MD_RULE.fullmatch(line)
            or _QUOTE.match(line)
            or (item and not _is_blank(line[item.end() :]))  # an empty item cannot interrupt
            or _table_at(self.src, index)
        )

    def _close_paragraph(self, last: int) -> None:
        if self.paragraph_first is not None:
            self.blocks.append(self.src.block(_PARAGRAPH, self.paragraph_first, last))
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
            if not _is_blank(line):
                if self._code_indent(_indent_width(line)) < 4:
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
        table = _table_at(self.src, index)
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
            elif _is_blank(following) or self._starts_block(last + 1):
                break  # otherwise a "lazy" continuation line of the quoted paragraph
            last += 1
        self._mark(index, *quote.span(1))
        content_from = self.src.starts[index] + quote.end()
        self.blocks.append(self.src.block(BlockKind.QUOTE, index, last, content_from, level=level))
        return last + 1

    def _list_item(self, index: int, item: re.Match[str]) -> int:
        kind, marker = _list_fields(item)
        indent = _indent_width(item.group("indent"))
        content_column = len(item.group().expandtabs(4)) + (item.end() == len(item.string))
        level = _nesting_level(self.list_stack, indent, content_column)
        last = index
        while last + 1 < len(self.lines):
            following = self.lines[last + 1]
            if _is_blank(following) or _MD_ITEM.match(following):
                break
            if _indent_width(following) < content_column and self._starts_block(last + 1):
                break
            last += 1
        content_from = self.src.starts[index] + item.end()
        self.blocks.append(self.src.block(kind, index, last, content_from, level, marker))
        return last + 1


# ---- inlines

_MASK = "\x00"  # stands in for syntax already consumed so later patterns skip it
# Starts with a plain character class so the regex engine can skip ahead quickly (a leading
# look-behind makes it try every position); the look-behind checks the character before.
_URL = re.compile(
    r"[hHwW](?<![\w@/.\-].)(?:(?<=[hH])[tT][tT][pP][sS]?://|(?<=[wW])[wW][wW]\.)[^\s<>\"\x00]+"
)
# Every _URL match holds "://" or one of these; substring tests are much faster than the
# regex, and most articles have no URL at all.
_URL_HINTS = ("://", "ww.", "WW.", "wW.", "Ww.")


def _may_hold_url(text: str) -> bool:
    return any(hint in text for hint in _URL_HINTS)


_URL_TRAILING = frozenset(".,;:!?'\"’”»)]}*_~")
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


def _url_length(candidate: str) -> int:
    """How much of a URL-looking run is the URL: trailing punctuation is not, unless it
    closes a bracket opened inside the URL."""
    end = len(candidate)
    unclosed = {")": candidate.count("(") - candidate.count(")")}
    unclosed["]"] = candidate.count("[") - candidate.count("]")
    while end and candidate[end - 1] in _URL_TRAILING:
        last = candidate[end - 1]
        if last in unclosed:
            if unclosed[last] >= 0:
                break
            unclosed[last] += 1
        end -= 1
    return end


def _url_inline(match: re.Match[str], base: int) -> Inline | None:
    found = match.group()
    length = _url_length(found)
    prefix = 4 if found[:4].lower() == "www." else found.index("//") + 2
    if length <= prefix:
        return None
    return Inline(InlineKind.URL, base + match.start(), base + match.start() + length)


def _find_urls(text: str, base: int, out: list[Inline]) -> str:
    """Record URL inlines in `text` (offset by `base`); return `text` with them masked."""

    def record(match: re.Match[str]) -> str:
        found = match.group()
        url = _url_inline(match, base)
        if url is None:
            return found
        out.append(url)
        length = url.end - url.start
        return _MASK * length + found[length:]

    return _URL.sub(record, text)


def _delimited(kind: InlineKind, base: int, out: list[Inline]) -> Callable[[re.Match[str]], str]:
    """A re.sub callback recording MARKUP delimiters around a `kind` span (group 1)."""

    def record(match: re.Match[str]) -> str:
        start, end = match.span()
        inner_start, inner_end = match.span(match.lastindex or 0)
        out.append(Inline(InlineKind.MARKUP, base + start, base + inner_start))
        out.append(Inline(kind, base + inner_start, base + inner_end))
        out.append(Inline(InlineKind.MARKUP, base + inner_end, base + end))
        return (
            _MASK * (inner_start - start)
            + match.group(match.lastindex or 0)
            + _MASK * (end - inner_end)
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
        chunk = _find_urls(chunk, start, out)
    for delimiter, pattern in _EMPHASIS:
        if delimiter in chunk:
            chunk = pattern.sub(_delimited(InlineKind.EMPHASIS, start, out), chunk)


def _code_span_recorder(base: int, out: list[Inline]) -> Callable[[re.Match[str]], str]:
    def record(match: re.Match[str]) -> str:
        _delimited(InlineKind.CODE, base, out)(match)
        return _MASK * (match.end() - match.start())

    return record


def _escape_recorder(base: int, out: list[Inline]) -> Callable[[re.Match[str]], str]:
    def record(match: re.Match[str]) -> str:
        out.append(Inline(InlineKind.MARKUP, base + match.start(), base + match.start() + 1))
        return _MASK * 2

    return record


def _link_recorder(base: int, out: list[Inline]) -> Callable[[re.Match[str]], str]:
    def record(match: re.Match[str]) -> str:
        out.append(Inline(InlineKind.MARKUP, base + match.start(1), base + match.end(1)))
        out.append(Inline(InlineKind.MARKUP, base + match.start(3), base + match.end()))
        if match.group(4):
            out.append(Inline(InlineKind.URL, base + match.start(4), base + match.end(4)))
        opening = _MASK * len(match.group(1))
        return opening + match.group(2) + _MASK * (match.end() - match.start(3))

    return record


_INLINE_KINDS = frozenset(
    {
        BlockKind.TITLE,
        BlockKind.HEADING,
        BlockKind.PARAGRAPH,
        BlockKind.BULLET,
        BlockKind.NUMBERED,
        BlockKind.QUOTE,
    }
)


def _all_markdown_inlines(text: str, blocks: Sequence[Block], out: list[Inline]) -> None:
    urls = _may_hold_url(text)
    for block in blocks:
        if block.kind in _INLINE_KINDS:
            _markdown_inlines(text, block.content_start, block.content_end, out, urls)
        elif block.kind is _TABLE:
            for row in block.rows:
                for cell in row:
                    _markdown_inlines(text, cell.start, cell.end, out, urls)


# ---- title


_SENTENCE_END = re.compile(r"(?<!\b[A-Z])[.!?…]+[\"'”’)\]]*(?=\s|$)")


def _visible_text(text: str, start: int, end: int, markup: Sequence[Inline]) -> str:
    """text[start:end] without Markdown syntax, on one line."""
    pieces: list[str] = []
    position = start
    for inline in markup:
        if inline.start >= end:
            break
        if inline.end <= position:
            continue
        pieces.append(text[position : max(position, inline.start)])
        position = max(position, inline.end)
    pieces.append(text[position:end])
    return " ".join("".join(pieces).split())


def _cut(text: str, limit: int) -> str:
    """`text` cut on a word boundary to at most `limit` characters plus "…"."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    space = head.rfind(" ")
    head = head[:space] if space > limit // 3 else head[:limit]
    return head.rstrip(" ,;:—–-") + "…"


def _title_from_sentence(text: str) -> str:
    """The opening sentence, cut on a word boundary with "…" when long."""
    end = _SENTENCE_END.search(text)
    sentence = (text[: end.end()] if end else text).strip()
    if len(sentence) <= TITLE_MAX_CHARS and sentence.endswith(".") and sentence[-2:] != "..":
        return sentence[:-1]
    return _cut(sentence, TITLE_MAX_CHARS)


def _title(text: str, blocks: Sequence[Block], markup: Sequence[Inline]) -> str:
    for block in blocks:
        if block.kind in _INLINE_KINDS:
            # A title needs only the opening words; a huge paragraph is not joined.
            end = min(block.content_end, block.content_start + 4 * TITLE_MAX_CHARS)
            visible = _visible_text(text, block.content_start, end, markup)
            if not visible:
                continue
            if block.kind is BlockKind.TITLE:
                return _cut(visible, 2 * TITLE_MAX_CHARS)
            return _title_from_sentence(visible)
    return ""


# ---- entry point


def parse(text: str, *, markdown: bool) -> tuple[str, tuple[Block, ...], tuple[Inline, ...]]:
    """The title, blocks and inlines of `text` (offsets index `text`)."""
    src = _Lines.of(text)
    blocks: list[Block]
    inlines: list[Inline]
    if markdown:
        blocks, inlines = _MarkdownParser(src).run()
        _all_markdown_inlines(text, blocks, inlines)
    else:
        blocks, inlines = _PlainParser(src).run()
        if _may_hold_url(text):
            urls = (_url_inline(match, 0) for match in _URL.finditer(text))
            inlines.extend(url for url in urls if url is not None)
    inlines.sort(key=lambda inline: (inline.start, -inline.end))
    markup = [inline for inline in inlines if inline.kind is _MARKUP]
    return _title(text, blocks, markup), tuple(blocks), tuple(inlines)
