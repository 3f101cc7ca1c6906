"""The parsers' one entry point: a text's title, byline, blocks and spans."""

from __future__ import annotations

from typing import NamedTuple

from aiwatch_tui.core.model import Blocks, Inlines
from aiwatch_tui.core.text.markdown import parse_markdown
from aiwatch_tui.core.text.plain import parse_plain
from aiwatch_tui.core.text.structure import document_title


class TextParse(NamedTuple):
    title: str  # "" when the text shows nothing to take one from
    blocks: Blocks
    inlines: Inlines
    author: str = ""  # from Markdown front matter
    date: str = ""


def parse(text: str, *, markdown: bool) -> TextParse:
    """The title, blocks and spans of `text` (offsets index `text`): the front matter's
    title, else the first level-1 heading, else the first heading, else the first
    sentence."""
    parsed = parse_markdown(text) if markdown else parse_plain(text)
    front = parsed.front_matter
    title = document_title(text, parsed.blocks, parsed.inlines, front.title if front else "")
    if front is None:
        return TextParse(title, parsed.blocks, parsed.inlines)
    return TextParse(title, parsed.blocks, parsed.inlines, front.author, front.date)
