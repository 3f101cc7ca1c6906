"""A document's text as written, for the view that shows it like `less` does: every line of
the source, markup and all, as preformatted blocks of consecutive lines (blocks of a bounded
size, so that a 5 MB text is still laid out lazily, a block at a time)."""

from __future__ import annotations

from aiwatch_tui.core.model import B_CODE, Blocks

LINES_PER_BLOCK = 64


def as_written_blocks(text: str) -> Blocks:
    """CODE blocks that together show every line of `text`, in order, with no gap."""
    blocks = Blocks()
    start = 0
    length = len(text)
    while start < length or not blocks:
        end = start
        for _ in range(LINES_PER_BLOCK):
            newline = text.find("\n", end)
            if newline < 0:
                end = length
                break
            end = newline + 1
        last = end - 1 if end > start and text[end - 1] == "\n" and end < length else end
        blocks.append(B_CODE, start, last, start, last)
        if end >= length:
            break
        start = end
    return blocks
