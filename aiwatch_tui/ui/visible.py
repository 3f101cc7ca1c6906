"""Untrusted text made safe for a single row on screen."""

from __future__ import annotations

import unicodedata


def visible(text: str) -> str:
    """`text` on one line with nothing a terminal would act on, keeping its length (so matched
    positions still hold): white space becomes spaces, controls their visible symbols."""
    if text.isprintable():
        return text
    return "".join(_visible_char(char) for char in text)


def _visible_char(char: str) -> str:
    if char.isprintable():
        return char
    if char.isspace():
        return " "
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀..␟, the Unicode control pictures
    if code == 0x7F:
        return "\u2421"  # ␡
    if unicodedata.category(char) == "Cf":
        return "\u00b7"  # format characters (bidi overrides, zero-width joiners): a dot
    return "\ufffd"
