"""Bytes to text: the codec (a BOM's, else UTF-8, else Windows-1252), LF line endings, and
whether what was decoded looks like a binary file rather than text."""

from __future__ import annotations

import codecs
import re
from encodings import cp1252

LEGACY_ENCODING = "cp1252"
LEGACY_NOTICE = "not UTF-8: read as Windows-1252"

# Binary detection: share of control characters (other than whitespace and ESC) allowed
# in the first few thousand characters.
BINARY_SAMPLE_CHARS = 4096
BINARY_CONTROL_SHARE = 0.05

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


_BINARYISH = re.compile("[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")  # not \t \n \v \f \r or ESC


def looks_binary(text: str) -> bool:
    """NUL anywhere, or many control characters near the start."""
    if "\x00" in text:
        return True
    sample = text[:BINARY_SAMPLE_CHARS]
    controls = len(_BINARYISH.findall(sample))
    return controls > BINARY_CONTROL_SHARE * len(sample)
