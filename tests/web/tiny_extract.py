"""A small real extractor for the fetcher's tests, until core.web.extract is there.

It reads what the test pages hold (an <article> with an <h1>) the way an extractor would:
decoding bytes that are not UTF-8 by the HTTP charset, else the page's <meta charset>. Module-level
functions, so a process pool can run them too.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class TinyArticle:
    markdown: str
    title: str
    author: str = ""
    site_name: str = ""
    published: str = ""
    canonical_url: str = ""
    language: str = ""


def _decode(page: bytes, charset: str | None) -> str:
    try:
        return page.decode("utf-8")
    except UnicodeDecodeError:
        declared = re.search(rb"charset=['\"]?([\w-]+)", page)
        fallback = declared.group(1).decode() if declared else "cp1252"
        return page.decode(charset or fallback, "replace")


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def extract_article(page: bytes, url: str, charset: str | None = None) -> TinyArticle | None:
    text = _decode(page, charset)
    article = re.search(r"<article>(.*?)</article>", text, re.DOTALL)
    if article is None:
        return None
    title = re.search(r"<h1>(.*?)</h1>", article.group(1), re.DOTALL)
    body = re.sub(r"<h1>.*?</h1>", "", article.group(1), flags=re.DOTALL)
    return TinyArticle(markdown=_text(body), title=_text(title.group(1)) if title else "")


def markdown_from_html(fragment: str, base_url: str) -> str:
    return _text(fragment)
