"""The one sanitiser: untrusted text (articles, notes, file names, imported annotations) made
safe to show, in the forms each place needs.

- `sanitize`: the reader's form. Every control, bidi or invisible character becomes a visible
  symbol, one character for one, so offsets into the text still hold; newlines and tabs stay.
- `visible`: one row on screen (lists, the palette, search results): also one for one, with
  white space as spaces.
- `one_line`: a message or a command's output line: newlines and tabs shown as symbols.
- `for_export`: Markdown and CSV exports: newlines normalised, the rest as `sanitize`.
- `escaped`: a file name in a database error, each unprintable character as a \\x escape
  (the exact name matters there more than how it reads).

`hidden_character_notices` says when a text held characters a reader could not see.
"""

from __future__ import annotations

import re
import unicodedata

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


def plainly_safe(text: str) -> bool:
    """True when `text` certainly holds no unsafe character (False: it may)."""
    if not _UNSAFE_ARE_UNPRINTABLE:
        return False
    return text.replace("\n", " ").replace("\t", " ").isprintable()


def sanitize(text: str) -> str:
    """Replace control and invisible format characters by visible symbols, one for one."""
    if plainly_safe(text):
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


def visible(text: str) -> str:
    """`text` on one line with nothing a terminal would act on, keeping its length (so matched
    positions still hold): white space becomes spaces, controls their visible symbols, bidi
    and invisible characters ␦, as the reader shows them."""
    if text.isprintable():
        return text
    return "".join(_visible_char(char) for char in sanitize(text))


def _visible_char(char: str) -> str:
    # sanitize() has made controls, bidi and invisible characters visible; what is left
    # unprintable is white space, a ZWJ it kept inside an emoji, or another format character.
    if char.isprintable() or char == "\u200d":
        return char
    if char.isspace():
        return " "
    if unicodedata.category(char) == "Cf":
        return FORMAT_SYMBOL
    return "\ufffd"


def for_export(text: str) -> str:
    """Text as the reader shows it: newlines normalised, and every control, bidi or invisible
    character its visible symbol (one for one), so none reaches a terminal or a notes app."""
    return sanitize(text.replace("\r\n", "\n").replace("\r", "\n"))


def escaped(text: str) -> str:
    """A file name for a one-line error: each unprintable character as a \\x escape."""
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)
