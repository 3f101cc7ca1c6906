"""Untrusted text made safe for a single row on screen."""

from __future__ import annotations

import unicodedata

from aiwatch_tui.core.documents import FORMAT_SYMBOL, sanitize


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
