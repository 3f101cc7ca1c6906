"""Web addresses: which ones aiwatch may fetch, and one normal form per article.

Only `http` and `https` URLs with a host are ever fetched: a feed or a page that names a
`file:`, `data:`, `javascript:` or any other URL gets nothing from aiwatch. The normal form
(`normalize_url`) is what identifies an article in the store and in W3C exports, so two links
to the same page (one with `utm_source`, one with another host case or a fragment) meet.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

from aiwatch_tui.core.uris import is_fetchable, normal_url

__all__ = ["is_fetchable", "join", "normalize_url"]


def normalize_url(url: str) -> str:
    """The one form of an http(s) URL under which an article is stored (core.uris.normal_url:
    scheme and host lower-case, default port and fragment dropped, tracking parameters
    removed, the rest as written). Anything that is not a fetchable URL is returned
    unchanged, so normalising never turns odd input into an address aiwatch fetches."""
    if not is_fetchable(url):
        return url
    normal = normal_url(url)
    # Lower-casing can turn a valid Unicode host into an invalid one ("İ" becomes "i" and a
    # combining dot): such a URL is kept as written rather than made unfetchable.
    return normal if normal is not None and is_fetchable(normal) else url


def join(base: str, href: str) -> str:
    """`href` as written in a page or feed at `base`, made absolute (it may not be fetchable).

    Leading and trailing whitespace and any tab or newline inside are dropped first, as a
    browser does with an attribute value."""
    cleaned = re.sub(r"[\t\n\r]", "", href.strip(" \t\n\r\f"))
    if not cleaned:
        return base
    try:
        return urljoin(base, cleaned)
    except ValueError:  # a malformed IPv6 host in `cleaned` or `base`
        return cleaned
