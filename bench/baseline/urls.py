"""Bare URLs in text (http://, https://, www.): found in plain text and Markdown alike."""

from __future__ import annotations

import re
from collections.abc import Sequence

from bench.baseline.model import Inline, InlineKind

MASK = "\x00"  # stands in for syntax already consumed so later patterns skip it
# Starts with a plain character class so the regex engine can skip ahead quickly (a leading
# look-behind makes it try every position); the look-behind checks the character before.
URL = re.compile(
    r"[hHwW](?<![\w@/.\-].)(?:(?<=[hH])[tT][tT][pP][sS]?://|(?<=[wW])[wW][wW]\.)[^\s<>\"\x00]+"
)
# Every URL match holds "://" or one of these; substring tests are much faster than the
# regex, and most articles have no URL at all.
_URL_HINTS = ("://", "ww.", "WW.", "wW.", "Ww.")


def may_hold_url(text: str) -> bool:
    return any(hint in text for hint in _URL_HINTS)


_URL_TRAILING = frozenset(".,;:!?'\"’”»)]}*_~")


def _url_length(candidate: str) -> int:
    """How much of a URL-looking run is the URL: trailing punctuation is not, unless it
    closes a bracket opened inside the URL."""
    end = len(candidate)
    unclosed = {")": candidate.count("(") - candidate.count(")")}
    unclosed["]"] = candidate.count("[") - candidate.count("]")
    while end and candidate[end - 1] in _URL_TRAILING:
        last = candidate[end - 1]
        if last in unclosed:
            if unclosed[last] >= 0:
                break
            unclosed[last] += 1
        end -= 1
    return end


def url_inline(match: re.Match[str], base: int) -> Inline | None:
    found = match.group()
    length = _url_length(found)
    prefix = 4 if found[:4].lower() == "www." else found.index("//") + 2
    if length <= prefix:
        return None
    return Inline(InlineKind.URL, base + match.start(), base + match.start() + length)


def find_urls(text: str, base: int, out: list[Inline]) -> str:
    """Record URL inlines in `text` (offset by `base`); return `text` with them masked."""

    def record(match: re.Match[str]) -> str:
        found = match.group()
        url = url_inline(match, base)
        if url is None:
            return found
        out.append(url)
        length = url.end - url.start
        return MASK * length + found[length:]

    return URL.sub(record, text)


def link_at(text: str, inlines: Sequence[Inline], offset: int) -> str | None:
    """The address of the link at `offset`: a URL the offset is in, or the one a Markdown
    link's text leads to (`[text](url)`, the offset on the text or its brackets); None
    when there is none. A bare "www." address is given "https://"."""
    urls = sorted((i for i in inlines if i.kind is InlineKind.URL), key=lambda i: i.start)
    for index, url in enumerate(urls):
        if url.start <= offset < url.end:
            return _address(text[url.start : url.end])
        if url.start > offset:
            # On the link's text (or its "["): what lies between is "text](" and no more.
            between = text[offset : url.start]
            inside = between[1:] if between.startswith("[") else between
            if inside.endswith("](") and not any(c in inside[:-2] for c in "[]\n"):
                return _address(text[url.start : url.end])
            break
        # On the ")" that closes a link just passed.
        if index == len(urls) - 1 or urls[index + 1].start > offset:
            if text[url.end : offset + 1] == ")" and text[url.start - 2 : url.start] == "](":
                return _address(text[url.start : url.end])
    return None


def _address(found: str) -> str:
    return "https://" + found if found[:4].lower() == "www." else found
