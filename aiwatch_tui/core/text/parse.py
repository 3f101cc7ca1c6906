"""The parsers' one entry point: a text's title, blocks and inlines."""

from __future__ import annotations

from aiwatch_tui.core.model import Block, Inline
from aiwatch_tui.core.text.blocks import MARKUP, Lines
from aiwatch_tui.core.text.markdown import MarkdownParser, all_markdown_inlines
from aiwatch_tui.core.text.plain import PlainParser
from aiwatch_tui.core.text.title import title
from aiwatch_tui.core.text.urls import URL, may_hold_url, url_inline


def parse(text: str, *, markdown: bool) -> tuple[str, tuple[Block, ...], tuple[Inline, ...]]:
    """The title, blocks and inlines of `text` (offsets index `text`)."""
    src = Lines.of(text)
    blocks: list[Block]
    inlines: list[Inline]
    if markdown:
        blocks, inlines = MarkdownParser(src).run()
        all_markdown_inlines(text, blocks, inlines)
    else:
        blocks, inlines = PlainParser(src).run()
        if may_hold_url(text):
            urls = (url_inline(match, 0) for match in URL.finditer(text))
            inlines.extend(url for url in urls if url is not None)
    inlines.sort(key=lambda inline: (inline.start, -inline.end))
    markup = [inline for inline in inlines if inline.kind is MARKUP]
    return title(text, blocks, markup), tuple(blocks), tuple(inlines)
