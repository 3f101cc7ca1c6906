"""The parsers' one entry point: a text's title, blocks and inlines."""

from __future__ import annotations

from bench.baseline.blocks import MARKUP, Lines
from bench.baseline.markdown import MarkdownParser, all_markdown_inlines
from bench.baseline.model import Block, Inline
from bench.baseline.plain import PlainParser
from bench.baseline.title import title
from bench.baseline.urls import URL, may_hold_url, url_inline


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
