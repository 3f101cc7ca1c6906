"""Find in a document: every place a literal query occurs in the text.

White space in the query matches any run of white space in the text, so a phrase is
found across a line break inside a paragraph (and however the reader wrapped it).
Smart case: case-insensitive unless the query has an upper-case letter.
"""

from __future__ import annotations

import re

from aiwatch_tui.core.model import Span

# Enough to count and step through; more would only cost memory on a 5 MB article.
MAX_MATCHES = 100_000


def find_pattern(query: str) -> re.Pattern[str] | None:
    words = query.split()
    if not words:
        return None
    flags = 0 if any(ch.isupper() for ch in query) else re.IGNORECASE
    return re.compile(r"\s+".join(re.escape(word) for word in words), flags)


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
