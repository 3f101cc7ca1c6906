"""A line of a passage around its first match, with the matches marked."""

from __future__ import annotations

import re
from collections.abc import Sequence

SNIPPET_CHARS = 150
SNIPPET_LEAD = 50  # characters of context kept before the first match
ELLIPSIS = "\u2026"


# highlight() wraps each match in these. Documents are sanitised (no control characters
# survive), and passages are scrubbed of them before indexing, so they cannot be confused.
OPEN, CLOSE = "\x02", "\x03"
_CLOSING = frozenset(".,;:!?)]}’”»")
_FLATTEN = re.compile(r"\s")  # one whitespace character -> one space: marks stay valid


def scrub(body: str) -> str:
    """`body` with any sentinel character replaced (same length, so offsets hold)."""
    if OPEN in body or CLOSE in body:
        return body.replace(OPEN, "\ufffd").replace(CLOSE, "\ufffd")
    return body


def unmark(highlighted: str) -> tuple[str, list[tuple[int, int]]]:
    """Remove highlight() sentinels, returning the plain text and the ranges they marked."""
    plain: list[str] = []
    marks: list[tuple[int, int]] = []
    length = 0
    opened = -1
    for piece in re.split(f"([{OPEN}{CLOSE}])", highlighted):
        if piece == OPEN:
            opened = length
        elif piece == CLOSE:
            if opened >= 0 and length > opened:
                marks.append((opened, length))
            opened = -1
        elif piece:
            plain.append(piece)
            length += len(piece)
    return "".join(plain), marks


def make_snippet(
    body: str, marks: Sequence[tuple[int, int]], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About `width` characters of `body` around its first mark, on one line, with the marks
    moved into the snippet (an ellipsis shows where text was cut)."""
    first = marks[0][0] if marks else 0
    start = max(0, first - SNIPPET_LEAD)
    if start > 0:
        # Begin at a word: the first space within reach, when there is one.
        space = body.find(" ", start, first)
        if space >= 0:
            start = space + 1
    end = min(len(body), start + width)
    if end < len(body):
        space = body.rfind(" ", max(first, start + width // 2), end)
        if space > start:
            end = space
    lead = ELLIPSIS if start > 0 else ""
    tail = ELLIPSIS if end < len(body) else ""
    snippet = lead + _FLATTEN.sub(" ", body[start:end]) + tail
    shift = len(lead) - start
    inside = tuple(
        (max(s, start) + shift, min(e, end) + shift) for s, e in marks if e > start and s < end
    )
    return _single_spaced(snippet, inside)


def _single_spaced(
    snippet: str, marks: tuple[tuple[int, int], ...]
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Runs of spaces as one (passages keep the length of their source, so Markdown syntax
    left blanks in them), with the marks moved along. A run before closing punctuation is
    dropped: it is a hidden tag or delimiter ("fast</span>." shows "fast."), as nobody types
    two spaces before a full stop."""
    if "  " not in snippet:
        return snippet, marks
    kept: list[int] = []  # where each character of the snippet lands (a snippet is short)
    out: list[str] = []
    after_space = False
    run = 0  # spaces in the run just before `char`
    for char in snippet:
        if char == " " and after_space:
            kept.append(len(out) - 1)
            run += 1
            continue
        if run > 1 and char in _CLOSING:
            out.pop()  # the one space kept of a blanked run
            kept[-run:] = [len(out)] * run
        kept.append(len(out))
        out.append(char)
        after_space = char == " "
        run = 1 if after_space else 0
    kept.append(len(out))
    moved = tuple((kept[s], max(kept[s] + 1, kept[e - 1] + 1)) for s, e in marks if e > s)
    return "".join(out), moved
