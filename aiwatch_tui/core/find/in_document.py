"""Find in a document: every place a literal query occurs in the text.

White space in the query matches any run of white space in the text, so a phrase is
found across a line break inside a paragraph (and however the reader wrapped it).
Smart case: case-insensitive unless the query has an upper-case letter.
"""

from __future__ import annotations

import functools
import re

from aiwatch_tui.core.model import Span
from aiwatch_tui.core.text.shown_document import ShownDocument

# Matches kept around the caret. A one-letter query in a 5 MB article matches hundreds of
# thousands of times; collecting them all would cost a keystroke 200 ms, and nobody steps
# through more than this. Past it the count reads "5000+".
MAX_MATCHES = 5_000


def find_pattern(query: str) -> re.Pattern[str] | None:
    words = query.split()
    if not words:
        return None
    flags = 0 if any(ch.isupper() for ch in query) else re.IGNORECASE
    return re.compile(r"\s+".join(re.escape(word) for word in words), flags)


@functools.lru_cache(maxsize=2)
def _lowered(text: str) -> str | None:
    """The text in lower case when that keeps every offset (almost always): searching it
    case-sensitively is twenty times faster than an IGNORECASE regex over 5 MB."""
    lowered = text.lower()
    return lowered if len(lowered) == len(text) else None


def _searchable(text: str, query: str) -> tuple[str, re.Pattern[str]] | None:
    """The text to scan and the pattern to scan it with, for smart case."""
    pattern = find_pattern(query)
    if pattern is None or not pattern.flags & re.IGNORECASE:
        return (text, pattern) if pattern is not None else None
    lowered = _lowered(text)
    if lowered is None:
        return text, pattern
    words = query.lower().split()
    return lowered, re.compile(r"\s+".join(re.escape(word) for word in words))


def find_all(text: str, query: str, limit: int = MAX_MATCHES) -> list[Span]:
    pattern = find_pattern(query)
    if pattern is None:
        return []
    spans: list[Span] = []
    for match in pattern.finditer(text):
        spans.append(Span(match.start(), match.end()))
        if len(spans) >= limit:
            break
    return spans


def find_near(
    text: str, query: str, origin: int, limit: int = MAX_MATCHES
) -> tuple[list[Span], bool]:
    """Up to `limit` matches in text order: those at or after `origin` first, then from the
    top (the order n steps through them, wrapping); and whether any were left out. The
    matches are those find_all finds (they never overlap)."""
    searchable = _searchable(text, query)
    if searchable is None:
        return [], False
    text, pattern = searchable
    after = _matches_from(text, pattern, origin, limit)
    if len(after) > limit:
        return after[:limit], True
    before: list[Span] = []
    # Up to a little past the origin: a match that starts before it may end after it.
    for match in pattern.finditer(text, 0, min(len(text), origin + 4 * len(query) + 256)):
        if match.start() >= origin:
            break
        before.append(Span(match.start(), match.end()))
    if before and before[-1].end > origin:
        # That match runs past the origin, so the ones after it start at its end (those found
        # from the origin overlap it).
        after = _matches_from(text, pattern, before[-1].end, limit)
        if len(after) > limit:
            return after[:limit], True
    room = limit - len(after)
    return before[:room] + after, len(before) > room


def find_shown(
    document: ShownDocument, query: str, origin: int, limit: int = MAX_MATCHES
) -> tuple[list[Span], bool]:
    """find_near over the text as the reader shows it ("©" is found, "&copy;" is not;
    "bold text" is found in "**bold** text"), with `origin` and the matches in source
    offsets (a match widened to whole entities and images at its ends)."""
    if document.identity:
        return find_near(document.text, query, origin, limit)
    found, capped = find_near(document.text, query, document.shown_index(origin), limit)
    return [Span(*document.source_span(span.start, span.end)) for span in found], capped


def _matches_from(text: str, pattern: re.Pattern[str], start: int, limit: int) -> list[Span]:
    """The matches from `start` on, at most limit + 1 (one more says there are more)."""
    spans: list[Span] = []
    for match in pattern.finditer(text, start):
        spans.append(Span(match.start(), match.end()))
        if len(spans) > limit:
            break
    return spans


def nearest_at_or_after(spans: list[Span], offset: int) -> int | None:
    """Index of the first match starting at or after `offset`, wrapping to the first."""
    if not spans:
        return None
    low, high = 0, len(spans)
    while low < high:
        middle = (low + high) // 2
        if spans[middle].start < offset:
            low = middle + 1
        else:
            high = middle
    return low if low < len(spans) else 0
