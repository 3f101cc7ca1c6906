"""Text into a Document: decoded, sanitised (one character for one, so every offset holds),
parsed, counted and hashed. Where the bytes come from (a file, the store) is the library's
business (core.library.loading)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from aiwatch_tui.core.model import Document
from aiwatch_tui.core.text.decode import decode, looks_binary, normalize_newlines
from aiwatch_tui.core.text.parse import parse
from aiwatch_tui.core.text.sanitize import (
    hidden_character_notices,
    one_line,
    plainly_safe,
    sanitize,
)


class DocumentError(Exception):
    """A file that cannot be opened as a document; str() is one line "<file name>: <why>"."""


def document_from_bytes(
    data: bytes, key: str, *, name: str, markdown: bool, path: Path | None = None
) -> Document:
    """Decode, sanitise and parse a document's bytes; DocumentError ("<name>: why") when they
    are not text."""
    text, encoding, notices = decode(data)
    # A text without unsafe characters has no control characters either: not binary.
    safe = plainly_safe(text)
    if not safe and looks_binary(text):
        raise DocumentError(f"{name}: looks like a binary file, not text")
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
    safe = plainly_safe(text)
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
    known_safe: bool,
) -> Document:
    """`known_safe`: plainly_safe(text) is known to hold (False: unknown)."""
    title, blocks, inlines, author, date = parse(text, markdown=markdown)
    if not title:
        title = one_line(Path(path.name if path is not None else key).stem) or "Untitled"
    encoded = text.encode("utf-8", "surrogatepass")
    words = _count_layout_words(encoded) if known_safe else count_words(text)
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
        author=author,
        date=date,
    )


# Stand-alone punctuation that `wc -w` would count as words: table pipes, dashes, bullets,
# Markdown heading and quote markers.
_NOT_WORDS = frozenset("| - -- --- — – • * + # ## ### #### ##### ###### > = & / : · … ...".split())


def count_words(text: str) -> int:
    """Whitespace-separated words, as `wc -w` counts them, less stand-alone punctuation."""
    if plainly_safe(text):
        return _count_layout_words(text.encode("utf-8", "surrogatepass"))
    tokens = text.split()
    if _NOT_WORDS.isdisjoint(tokens):  # a loop in C, without a bool per token
        return len(tokens)
    return len(tokens) - len(list(filter(_NOT_WORDS.__contains__, tokens)))


# Counting words without splitting (which makes a string of every word): in a text whose
# only whitespace is space, newline and tab -- true of every plainly_safe text, as all other
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
