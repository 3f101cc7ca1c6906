"""The link under a position: what `gx` opens."""

from __future__ import annotations

from aiwatch_tui.core.model import I_HIDDEN, I_LINK, I_URL, Inlines

# A link's spans start at most this far before a position inside them (its text and its
# address): bounds the look back in a document of a million spans.
LINK_REACH = 8192


def link_at(text: str, inlines: Inlines, offset: int) -> str | None:
    """The address of the link at `offset`: a web address the offset is in, or the one a
    Markdown link leads to (the offset anywhere in `[text](url)`: on its text, or on the
    syntax around it, which the text as written shows), the innermost when they nest; None
    when there is none. A bare "www." address has been given "https://" by the parsers.
    `text` is the document's text (the spans index it)."""
    if not 0 <= offset < len(text):
        return None
    kinds, starts, ends, texts = inlines.kinds, inlines.starts, inlines.ends, inlines.texts
    nearby = inlines.indices(max(0, offset - LINK_REACH), offset + 2)
    links = [i for i in nearby if kinds[i] in (I_LINK, I_URL)]
    best = -1
    for index in links:
        if starts[index] <= offset < ends[index]:
            if best < 0 or ends[index] - starts[index] < ends[best] - starts[best]:
                best = index
    if best < 0:
        # On the hidden "[" before a link's text, or the "](address)" after it.
        for hidden in nearby:
            if kinds[hidden] != I_HIDDEN or not starts[hidden] <= offset < ends[hidden]:
                continue
            for index in links:
                if ends[index] == starts[hidden] or starts[index] == ends[hidden]:
                    best = index
                    break
            if best >= 0:
                break
    return (texts[best] or None) if best >= 0 else None
