"""What a user types into search, as FTS5 sees it: words, "phrases" and prefix* parts, a query
that cannot be a syntax error, and where each part matches in a passage."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from typing import NamedTuple

# unicode61 treats letters, digits and private-use characters as token characters; "\w"
# without "_" is the closest Python has, and anything it lets through is quoted anyway.
# Words of a query: letters and digits (an emoji-only query searches nothing).
_TOKEN = re.compile(r"[^\W_]+")
# Words of a passage as FTS5's unicode61 tokenizer sees them: also every character outside
# the Basic Multilingual Plane (its tables stop there, so an emoji is a word of its own and
# "café 🤖 café" does not hold the phrase "café café").
_BODY_TOKEN = re.compile(r"(?:[^\W_]|[\U00010000-\U0010FFFF])+")
_QUERY_PART = re.compile(r'"([^"]*)(?:"|$)|(\S+)')


class QueryPart(NamedTuple):
    words: tuple[str, ...]  # one word, or the words of a "quoted phrase", in order
    prefix: bool  # the last word is a prefix (word*)


def query_parts(query: str) -> list[QueryPart]:
    """What the user typed, as words and phrases: "quoted words" are a phrase, word* is a
    prefix, punctuation separates words as the FTS5 tokenizer does."""
    parts: list[QueryPart] = []
    for match in _QUERY_PART.finditer(query):
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            tokens = _TOKEN.findall(phrase)
            prefix = False
        else:
            tokens = _TOKEN.findall(word)
            prefix = word.endswith("*") and bool(tokens) and word.rstrip("*").endswith(tokens[-1])
        if tokens:
            parts.append(QueryPart(tuple(tokens), prefix))
    return parts


def fts_query(query: str) -> str | None:
    """Translate what a user typed into an FTS5 query that cannot be a syntax error.

    Every part must occur (AND). Each is sent as a quoted string (a phrase of one or more
    words), so FTS5 operators, parentheses, column filters and stray punctuation in the input
    are only ever text. None: nothing to search for.
    """
    quoted = [
        '"' + " ".join(part.words).replace('"', '""') + '"' + ("*" if part.prefix else "")
        for part in query_parts(query)
    ]
    return " AND ".join(quoted) if quoted else None


def fts_words_query(query: str) -> str | None:
    """`fts_query` for an index without positions (detail=none), which cannot look for a
    phrase: every word of every part must occur (the caller checks the phrases on the text),
    each sent as a quoted string; None: nothing to search for."""
    quoted = [
        '"'
        + word.replace('"', '""')
        + '"'
        + ("*" if part.prefix and n == len(part.words) - 1 else "")
        for part in query_parts(query)
        for n, word in enumerate(part.words)
    ]
    return " AND ".join(quoted) if quoted else None


def _fold_token(token: str) -> str:
    """A token as unicode61 with remove_diacritics indexes it: lowercase, and Latin letters
    without their accents ("Zürich" -> "zurich"; "ﬁ", "ø" and Greek keep their form)."""
    if token.isascii():
        return token.lower()
    return "".join(map(_fold_char, token)).lower()


@functools.lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char.isascii():
        return char
    decomposed = unicodedata.normalize("NFD", char)
    return decomposed[0] if len(decomposed) > 1 and decomposed[0].isascii() else char


def match_marks(body: str, parts: Sequence[QueryPart]) -> list[tuple[int, int]]:
    """(start, end) in `body` of every occurrence of a query part, the way FTS5 matches it.

    Cheaper than asking FTS5's highlight(), which re-runs the whole query for each row.
    """
    tokens = [(m.start(), m.end(), _fold_token(m.group())) for m in _BODY_TOKEN.finditer(body)]
    marks: set[tuple[int, int]] = set()
    for part in parts:
        words = [_fold_token(word) for word in part.words]
        last = len(words) - 1
        for i in range(len(tokens) - last):
            if all(
                tokens[i + j][2].startswith(word)
                if part.prefix and j == last
                else tokens[i + j][2] == word
                for j, word in enumerate(words)
            ):
                marks.add((tokens[i][0], tokens[i + last][1]))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(marks):
        if merged and start < merged[-1][1]:  # overlapping phrases ("a a" in "a a a") join
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
