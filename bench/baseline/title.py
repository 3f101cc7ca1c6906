"""A document's title: its title line or first heading, else its opening sentence, cut on a
word boundary."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bench.baseline.blocks import INLINE_KINDS
from bench.baseline.model import Block, BlockKind, Inline

TITLE_MAX_CHARS = 70  # a derived title is cut on a word boundary at this length

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


def title(text: str, blocks: Sequence[Block], markup: Sequence[Inline]) -> str:
    for block in blocks:
        if block.kind in INLINE_KINDS:
            # A title needs only the opening words; a huge paragraph is not joined.
            end = min(block.content_end, block.content_start + 4 * TITLE_MAX_CHARS)
            visible = _visible_text(text, block.content_start, end, markup)
            if not visible:
                continue
            if block.kind is BlockKind.TITLE:
                return _cut(visible, 2 * TITLE_MAX_CHARS)
            return _title_from_sentence(visible)
    return ""
